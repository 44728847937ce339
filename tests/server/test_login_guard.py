"""Login under attack: per-name and per-address limits (429 + Retry-After, on a fake clock),
lockout after repeated failures with an administrator's unlock (API and CLI), unknown names
checked against a dummy hash, and no write lock held while a password is hashed."""
from __future__ import annotations

import threading

import httpx
import pytest
from fastapi.testclient import TestClient

from server_stub import security
from server_stub.app import create_app
from server_stub.services import login_guard
from server_stub.settings import Settings

from .casekit import EVENT
from .conftest import PASSWORD, World, seed_world


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def gw(db_url, tmp_path):
    """A world with small limits and a fake clock on the login guard."""
    settings = Settings(db=db_url, data_dir=tmp_path / "data", band_watch_seconds=0.2, login_window_seconds=60,
                        login_account_failures=3, login_address_failures=5, login_lockout_failures=4,
                        login_refusal_delay_seconds=0)
    app = create_app(settings)
    with TestClient(app) as client:
        uids, depts = seed_world(app)
        w = World(client, app, users=uids, departments=depts)
        for name in ("admin", "acceptor"):
            w.tokens[name] = client.post("/api/auth/login", json={"username": name, "password": PASSWORD}).json()["token"]
        w.clock = FakeClock()
        login_guard.of(app.state.ctx).clock = w.clock
        yield w


def _login(w, name: str, password: str = "wrong", address: str | None = None) -> httpx.Response:
    if address is None:
        return w.client.post("/api/auth/login", json={"username": name, "password": password})
    import asyncio

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=w.app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            return await c.post("/api/auth/login", json={"username": name, "password": password})
    return asyncio.run(go())


def test_per_name_limit_answers_429_until_the_window_passes(gw):
    for _ in range(3):
        assert _login(gw, "dispatcher").status_code == 401
    r = _login(gw, "dispatcher", PASSWORD)  # even the right password waits: nothing is checked
    assert r.status_code == 429 and r.headers["Retry-After"] == "60" and "user name" in r.json()["detail"]
    gw.clock.now += 45
    assert _login(gw, "dispatcher", PASSWORD).headers["Retry-After"] == "15"
    gw.clock.now += 15
    assert _login(gw, "dispatcher", PASSWORD).status_code == 200
    # another name is not affected by this one's failures
    assert _login(gw, "leader", PASSWORD).status_code == 200


def test_per_address_limit(gw):
    guard = login_guard.of(gw.ctx)
    for i in range(5):
        assert _login(gw, f"nobody{i}", address="10.0.0.7").status_code == 401
    checks = guard.checks
    r = _login(gw, "leader", PASSWORD, address="10.0.0.7")
    assert r.status_code == 429 and r.headers["Retry-After"] == "60" and "address" in r.json()["detail"]
    assert guard.checks == checks  # refused before any hashing
    assert _login(gw, "leader", PASSWORD, address="10.0.0.8").status_code == 200  # another address
    gw.clock.now += 60
    assert _login(gw, "leader", PASSWORD, address="10.0.0.7").status_code == 200


def test_lockout_and_unlock_by_an_administrator(gw):
    for i in range(4):  # the per-name window (3) is moved past between tries: the lockout counts on
        assert _login(gw, "dispatcher").status_code == 401
        gw.clock.now += 61
    r = _login(gw, "dispatcher", PASSWORD)
    assert r.status_code == 423 and "administrator" in r.json()["detail"]
    uid = gw.users["dispatcher"]
    assert gw.client.post(f"/api/auth/users/{uid}/unlock", headers=gw.h("acceptor")).status_code == 403
    r = gw.client.post(f"/api/auth/users/{uid}/unlock", headers=gw.h("admin"))
    assert r.status_code == 200 and r.json()["locked_at"] is None
    assert gw.client.post("/api/auth/users/99999/unlock", headers=gw.h("admin")).status_code == 404
    assert _login(gw, "dispatcher", PASSWORD).status_code == 200
    # a success resets the count: three more failures do not lock
    for _ in range(3):
        assert _login(gw, "dispatcher").status_code == 401
        gw.clock.now += 61
    assert _login(gw, "dispatcher", PASSWORD).status_code == 200


def test_unlock_from_the_command_line(gw, capsys):
    from server_stub.users_cli import main
    for _ in range(4):
        _login(gw, "leader")
        gw.clock.now += 61
    assert _login(gw, "leader", PASSWORD).status_code == 423
    assert main(["--db", gw.ctx.settings.db, "list"]) == 0
    assert "locked since" in capsys.readouterr().out
    assert main(["--db", gw.ctx.settings.db, "unlock", "leader"]) == 0
    assert main(["--db", gw.ctx.settings.db, "unlock", "no-such-user"]) == 1
    assert _login(gw, "leader", PASSWORD).status_code == 200


def test_unknown_names_are_checked_like_known_ones(gw, monkeypatch):
    seen: list[str] = []
    real = security.verify_password

    def spy(password_hash: str, password: str) -> bool:
        seen.append(password_hash)
        return real(password_hash, password)
    monkeypatch.setattr(security, "verify_password", spy)
    a, b = _login(gw, "no-such-user"), _login(gw, "leader")
    assert a.status_code == b.status_code == 401 and a.json() == b.json()
    assert len(seen) == 2 and seen[0].startswith("$argon2id$")
    # the dummy hash has the parameters of real ones (the same work)
    assert seen[0].rsplit("$", 2)[0] == seen[1].rsplit("$", 2)[0]


def test_no_write_lock_while_a_password_is_hashed(gw, monkeypatch):
    """A report goes through while a login's password check is still running."""
    entered, release = threading.Event(), threading.Event()
    real = security.verify_password

    def slow(password_hash: str, password: str) -> bool:
        entered.set()
        release.wait(10)
        return real(password_hash, password)
    monkeypatch.setattr(security, "verify_password", slow)
    answers: list[int] = []
    t = threading.Thread(target=lambda: answers.append(_login(gw, "leader", PASSWORD).status_code))
    t.start()
    try:
        assert entered.wait(10)
        r = gw.client.post("/api/cases", json=EVENT, headers=gw.h("acceptor"))
        assert r.status_code == 201 and not release.is_set() and t.is_alive()
    finally:
        release.set()
        t.join(10)
    assert answers == [200]


def test_too_many_logins_at_once(gw, monkeypatch):
    guard = login_guard.of(gw.ctx)
    monkeypatch.setattr(guard, "queue_limit", 0)
    r = _login(gw, "leader", PASSWORD)
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"


def test_failure_window_unit():
    win = login_guard.FailureWindow(limit=2, window=10)
    assert win.wait("a", 0) == 0
    win.add("a", 0)
    win.add("a", 4)
    assert win.wait("a", 5) == 5  # the first failure leaves the window at 10
    win.add("a", 6)  # only the last `limit` count: now 4 and 6
    assert win.wait("a", 7) == 7
    assert win.wait("a", 16) == 0 and win.wait("b", 16) == 0
    off = login_guard.FailureWindow(limit=0, window=10)
    off.add("a", 0)
    assert off.wait("a", 0) == 0


def test_a_refusal_is_held_before_it_is_sent(gw, monkeypatch):
    """A 429 waits (asleep, no CPU) before it goes out: a client flooding in a loop slows itself."""
    from server_stub.api import auth
    held: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        held.append(seconds)
    monkeypatch.setattr(auth, "_hold", fake_sleep)
    monkeypatch.setattr(gw.ctx.settings, "login_refusal_delay_seconds", 1.0)
    for _ in range(3):
        _login(gw, "shift_leader")
    assert held == []
    assert _login(gw, "shift_leader").status_code == 429 and held == [1.0]
