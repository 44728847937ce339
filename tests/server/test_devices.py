"""Inspectors' phones: registered with a secret of their own (API, CLI), positions refused without it,
re-keyed and revoked; and the migration that carries existing devices over."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import insert, select, text

from server_stub.db.models import Device, Inspector, Position, User
from server_stub.db.session import Database
from server_stub.devices_cli import main as devices_cli
from server_stub.services.users import create_user

from .conftest import PASSWORD


def _register(world, device_id: str, user: str = "inspector", who: str = "admin", expect: int = 201, **kw):
    r = world.client.post("/api/devices", json={"user_id": world.users[user], "device_id": device_id, **kw},
                          headers=world.h(who))
    assert r.status_code == expect, r.text
    return r.json()


def _fix(world, device_id: str, key: str | None = None, lon: float = 120.6, lat: float = 31.3):
    params = {"id": device_id, "lat": lat, "lon": lon, "timestamp": int(datetime.now(timezone.utc).timestamp())}
    if key is not None:
        params["key"] = key
    return world.client.get("/osmand", params=params)


def _positions(world) -> int:
    with world.ctx.db.session() as s:
        return len(s.scalars(select(Position.id)).all())


def test_positions_need_the_phones_own_secret(world):
    got = _register(world, "866123456789012", label="资产号 0042")
    secret = got["secret"]
    assert len(secret) >= 32 and got["osmand_query"] == f"id=866123456789012&key={secret}"
    for key in (None, "", "wrong", secret[:-1]):
        r = _fix(world, "866123456789012", key)
        assert r.status_code == 401 and r.text.startswith("key:"), (key, r.text)
    assert _positions(world) == 0
    with world.ctx.db.session() as s:
        assert s.get(Inspector, world.users["inspector"]).fix_at is None  # nothing moved
        assert s.get(Device, "866123456789012").secret_hash != secret  # only its hash is kept
    assert _fix(world, "866123456789012", secret).status_code == 200
    # the secret may also come as `token`, or in a Traccar Client JSON body
    assert world.client.get("/osmand", params={"id": "866123456789012", "token": secret, "lat": 31.31,
                                               "lon": 120.61}).status_code == 200
    body = {"device_id": "866123456789012", "location": {"coords": {"latitude": 31.32, "longitude": 120.62}}}
    assert world.client.post("/osmand", json=body).status_code == 401
    assert world.client.post("/osmand", json={**body, "key": secret}).status_code == 200
    assert _positions(world) == 3

    # re-keyed: the old secret stops working at once
    new = _register(world, "866123456789012")["secret"]
    assert new != secret
    assert _fix(world, "866123456789012", secret).status_code == 401
    assert _fix(world, "866123456789012", new).status_code == 200
    # revoked: refused like an unknown device; still listed
    r = world.client.post("/api/devices/866123456789012/revoke", headers=world.h("admin"))
    assert r.status_code == 200 and r.json()["active"] is False and r.json()["revoked_at"]
    assert _fix(world, "866123456789012", new).status_code == 400
    [d] = world.client.get("/api/devices", headers=world.h("admin")).json()
    assert (d["device_id"], d["username"], d["label"], d["active"]) == ("866123456789012", "inspector",
                                                                          "资产号 0042", False)
    assert world.client.get("/api/devices", params={"active": True}, headers=world.h("admin")).json() == []


def test_an_anonymous_fix_does_not_choose_the_inspector(world):
    _register(world, "phone-a")
    r = _fix(world, "phone-a", None, lon=120.6, lat=31.3)  # a forged fix right at the case
    assert r.status_code == 401
    r = world.client.post("/api/cases", json={"kind": "event", "class_code": "0102", "lon": 120.6, "lat": 31.3},
                          headers=world.h("acceptor"))
    case = r.json()
    r = world.client.post(f"/api/cases/{case['id']}/actions/send_verify", json={}, headers=world.h("acceptor"))
    assert r.status_code == 200, r.text
    events = world.client.get(f"/api/cases/{case['id']}/events", headers=world.h("leader")).json()
    assert events[-1]["data"]["assigned"] != "nearest_online"
    assert events[-1]["data"]["task_inspector_id"] != world.users["inspector"]


def test_who_registers_what(world):
    for role in ("inspector", "acceptor", "dispatcher", "leader", "department"):
        _register(world, "phone-x", who=role, expect=403)
        assert world.client.get("/api/devices", headers=world.h(role)).status_code == 403
        assert world.client.post("/api/devices/phone-x/revoke", headers=world.h(role)).status_code == 403
    r = world.client.post("/api/devices", json={"user_id": world.users["leader"], "device_id": "phone-x"},
                          headers=world.h("admin"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "user_id"]
    _register(world, "phone-x", expect=422, user="admin")
    r = world.client.post("/api/devices", json={"user_id": 999_999, "device_id": "phone-x"}, headers=world.h("admin"))
    assert r.status_code == 404
    r = world.client.post("/api/devices", json={"user_id": world.users["inspector"], "device_id": "bad id/../"},
                          headers=world.h("admin"))
    assert r.status_code == 422 and "device_id" in str(r.json()["detail"][0]["loc"])
    assert world.client.post("/api/devices/nothing/revoke", headers=world.h("admin")).status_code == 404
    # an inspector pairs its own phone; another inspector cannot take it over
    with world.ctx.db.transaction() as s:
        create_user(s, "inspector2", "二号", PASSWORD, "inspector")
    tok2 = world.client.post("/api/auth/login", json={"username": "inspector2", "password": PASSWORD}).json()["token"]
    r = world.client.post("/api/devices/mine", json={"device_id": "phone-mine"}, headers=world.h("inspector"))
    assert r.status_code == 201 and r.json()["user_id"] == world.users["inspector"]
    assert _fix(world, "phone-mine", r.json()["secret"]).status_code == 200
    r = world.client.post("/api/devices/mine", json={"device_id": "phone-mine"},
                          headers={"Authorization": f"Bearer {tok2}"})
    assert r.status_code == 409
    assert world.client.post("/api/devices/mine", json={"device_id": "p"}, headers=world.h("admin")).status_code == 403


def test_command_line(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/cli.sqlite"
    db = Database(url)
    db.migrate()
    with db.transaction() as s:
        create_user(s, "zhang", "张三", PASSWORD, "inspector")
        create_user(s, "boss", "领导", PASSWORD, "leader")
    db.dispose()
    assert devices_cli(["--db", url, "add", "zhang", "860001", "--label", "资产 7"]) == 0
    out = capsys.readouterr().out
    secret = out.split("secret: ")[1].split()[0]
    assert f"/osmand?id=860001&key={secret}" in out
    assert devices_cli(["--db", url, "add", "boss", "860002"]) == 2
    assert "not an active inspector" in capsys.readouterr().err
    assert devices_cli(["--db", url, "add", "nobody", "860002"]) == 2
    assert devices_cli(["--db", url, "list", "--json"]) == 0
    [d] = json.loads(capsys.readouterr().out)
    assert (d["device_id"], d["username"], d["active"], d["label"]) == ("860001", "zhang", True, "资产 7")
    assert devices_cli(["--db", url, "revoke", "860001"]) == 0
    assert "revoked" in capsys.readouterr().out
    assert devices_cli(["--db", url, "list"]) == 0
    out = capsys.readouterr().out
    assert "860001" in out and "revoked" in out and "1 device(s)" in out
    db = Database(url)
    try:
        from server_stub.services import devices as svc
        with db.session() as s:
            dev = s.get(Device, "860001")
            assert svc.secret_matches(dev.secret_hash, secret) and dev.revoked_at is not None
            assert s.scalar(select(Inspector.device_id).join(User, User.id == Inspector.user_id)
                            .where(User.username == "zhang")) == "860001"
    finally:
        db.dispose()


def test_migration_carries_existing_devices_over(tmp_path):
    from server_stub.db import migrate
    db = Database(f"sqlite:///{tmp_path}/old.sqlite")
    try:
        migrate.upgrade(db.engine, "a3f9d2c14e67")  # before device secrets
        with db.engine.begin() as c:
            c.execute(text("INSERT INTO users (id, username, display_name, password_hash, role, active, created_at) "
                           "VALUES (1, 'old', '老监督员', 'x', 'inspector', 1, '2026-01-01 00:00:00')"))
            c.execute(insert(Inspector.__table__.c.user_id.table).values(user_id=1, device_id="old-phone"))
        migrate.upgrade(db.engine)
        with db.session() as s:
            dev = s.get(Device, "old-phone")
            assert dev.user_id == 1 and dev.secret_hash == "" and dev.revoked_at is None
            assert dev.created_at.tzinfo is not None
        from server_stub.services import devices as svc
        assert not svc.secret_matches(dev.secret_hash, "")  # it needs a secret issued
    finally:
        db.dispose()
