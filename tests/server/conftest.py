"""Server fixtures: a fresh app per test on SQLite and (when available) PostgreSQL, users of every
role, and a live uvicorn server for real-HTTP tests."""
from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from server_stub.app import create_app
from server_stub.db.models import Base, Component, Department
from server_stub.services.users import create_user
from server_stub.settings import Settings

PG_URL = os.environ.get("OCC_TEST_PG_URL", "")
ROLES = ["inspector", "acceptor", "shift_leader", "dispatcher", "department", "leader", "admin"]
PASSWORD = "test-pw"
COMPONENT_ID = "3205820101000009"  # the one component of the seeded world


def _pg_reset(url: str) -> None:
    from server_stub.db.session import make_engine
    eng = make_engine(url)
    try:
        with eng.begin() as c:
            c.execute(text("DROP SCHEMA public CASCADE"))
            c.execute(text("CREATE SCHEMA public"))
    finally:
        eng.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/occ.sqlite"
    if not PG_URL:
        pytest.skip("PostgreSQL not available (OCC_TEST_PG_URL unset: scripts/postgres.sh could not start it)")
    try:
        _pg_reset(PG_URL)
    except Exception as e:  # noqa: BLE001
        pytest.skip(f"PostgreSQL not reachable at {PG_URL.rsplit('@', 1)[-1]}: {e}")
    return PG_URL


@pytest.fixture
def settings(db_url, tmp_path):
    return Settings(db=db_url, data_dir=tmp_path / "data", band_watch_seconds=0.2)


@dataclass
class World:
    """A server with two departments and one logged-in user of every role."""
    client: TestClient
    app: object
    tokens: dict[str, str] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    departments: dict[str, int] = field(default_factory=dict)

    def h(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    @property
    def ctx(self):
        return self.app.state.ctx


def seed_world(app) -> tuple[dict, dict]:
    ctx = app.state.ctx
    with ctx.db.transaction() as s:
        d1 = Department(code="D-WATER", name="水务集团")
        d2 = Department(code="D-SANIT", name="环卫处")
        s.add_all([d1, d2])
        s.flush()
        uids = {}
        for role in ROLES:
            u = create_user(s, role, f"{role} user", PASSWORD, role,
                            department_id=d1.id if role == "department" else None)
            uids[role] = u.id
        u2 = create_user(s, "department2", "环卫处用户", PASSWORD, "department", department_id=d2.id)
        uids["department2"] = u2.id
        return uids, {"water": d1.id, "sanitation": d2.id}


def ensure_component(ctx) -> str:
    """One surveyed component (a manhole cover, class 0101) that reports may name; its id."""
    with ctx.db.transaction() as s:
        if s.get(Component, COMPONENT_ID) is None:
            s.add(Component(id=COMPONENT_ID, class_code="0101", lon=120.6, lat=31.3))
    return COMPONENT_ID


@pytest.fixture
def world(settings):
    app = create_app(settings)
    with TestClient(app) as client:
        uids, depts = seed_world(app)
        w = World(client, app, users=uids, departments=depts)
        for name in list(uids):
            r = client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
            assert r.status_code == 200, r.text
            w.tokens[name] = r.json()["token"]
        yield w


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn in a thread on 127.0.0.1 and an ephemeral port, for real-HTTP tests."""

    def __init__(self, settings: Settings, port: int | None = None):
        import uvicorn
        self.port = port or free_port()  # a given port: the same server again after a restart
        self.app = create_app(settings)
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("live server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def live_server(settings):
    with LiveServer(settings) as srv:
        yield srv
