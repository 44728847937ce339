def test_login_me_and_wrong_password(world):
    r = world.client.get("/api/auth/me", headers=world.h("dispatcher"))
    assert r.status_code == 200 and r.json()["role"] == "dispatcher"
    r = world.client.post("/api/auth/login", json={"username": "dispatcher", "password": "nope"})
    assert r.status_code == 401
    assert world.client.get("/api/auth/me").status_code == 401
    assert world.client.get("/api/auth/me", headers={"Authorization": "Bearer junk"}).status_code == 401


def test_only_admin_creates_users(world):
    body = {"username": "new1", "display_name": "新人", "password": "secret1", "role": "acceptor"}
    assert world.client.post("/api/auth/users", json=body, headers=world.h("leader")).status_code == 403
    r = world.client.post("/api/auth/users", json=body, headers=world.h("admin"))
    assert r.status_code == 201, r.text
    assert world.client.post("/api/auth/users", json=body, headers=world.h("admin")).status_code == 409
    r = world.client.post("/api/auth/users", json={**body, "username": "x", "role": "boss"},
                          headers=world.h("admin"))
    assert r.status_code == 422 and "role" in r.text


def test_logout_invalidates_token(world):
    h = world.h("leader")
    assert world.client.post("/api/auth/logout", headers=h).status_code == 204
    assert world.client.get("/api/auth/me", headers=h).status_code == 401
