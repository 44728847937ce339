"""Two real server processes on one PostgreSQL database share live events (LISTEN/NOTIFY), and
only one of them runs the band watcher (advisory lock), the other taking over when it dies.

PostgreSQL only: several processes on one SQLite file is not a supported set-up."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import websocket

from server_stub.db.models import Department
from server_stub.db.session import Database
from server_stub.services.band_watcher import LOCK_KEY

from .conftest import PG_URL, _pg_reset, free_port

pytestmark = pytest.mark.skipif(
    not PG_URL, reason="multi-process test needs PostgreSQL: set OCC_TEST_PG_URL "
                       "(e.g. postgresql+psycopg://occ:occ@127.0.0.1:5432/occ_test)")

REPO = Path(__file__).resolve().parents[2]
ADMIN_PW = "admin-pw-mp"
PW = "mp-secret"


class Server:
    """`python -m server_stub` in its own process."""

    def __init__(self, name: str, tmp: Path):
        self.name = name
        self.port = free_port()
        self.log = tmp / f"server-{name}.log"
        env = {**os.environ, "OCC_ADMIN_PASSWORD": ADMIN_PW, "OCC_FAST_PASSWORD_HASH": "1",
               "OCC_BAND_WATCH_SECONDS": "0.2",
               "OCC_STAGE_LIMIT_MINUTES": "accept=0.05,verify=30,file=30,dispatch=30,check=30,send_check=60"}
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server_stub", "--db", PG_URL, "--port", str(self.port),
                 "--data-dir", str(tmp / f"data-{name}")], cwd=REPO, env=env, stdout=out,
                stderr=subprocess.STDOUT)
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=10)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_up(self, timeout: float = 60) -> None:
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server {self.name} exited:\n{self.log.read_text(errors='replace')}")
            try:
                if self.http.get("/api/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server {self.name} did not start:\n{self.log.read_text(errors='replace')}")

    def login(self, username: str, password: str = PW) -> dict:
        r = self.http.post("/api/auth/login", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}

    def watcher(self, headers: dict) -> dict:
        r = self.http.get("/api/events/status", headers=headers)
        assert r.status_code == 200, r.text
        return r.json()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.http.close()


def _recv(ws: websocket.WebSocket, timeout: float = 10.0) -> dict:
    ws.settimeout(timeout)
    return json.loads(ws.recv())


def _recv_type(ws: websocket.WebSocket, type_: str, timeout: float = 10.0) -> dict:
    end = time.time() + timeout
    while True:
        msg = _recv(ws, max(0.05, end - time.time()))
        if msg["type"] == type_:
            return msg


def _lock_holders() -> list[str]:
    """application_name of the sessions holding the band watcher's advisory lock."""
    import psycopg

    from server_stub.services.pg_notify import conninfo
    hi, lo = LOCK_KEY >> 32, LOCK_KEY & 0xFFFFFFFF
    with psycopg.connect(conninfo(PG_URL), autocommit=True) as c:
        rows = c.execute("SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                         "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s "
                         "AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database "
                         "WHERE datname = current_database())", (hi, lo)).fetchall()
    return [r[0] for r in rows]


@pytest.fixture
def two_servers(tmp_path):
    _pg_reset(PG_URL)
    servers: list[Server] = []
    try:
        a = Server("A", tmp_path)
        servers.append(a)
        a.wait_up()  # A creates the tables first; B starts on a migrated database
        b = Server("B", tmp_path)
        servers.append(b)
        b.wait_up()
        yield a, b
    finally:
        for s in servers:
            s.stop()


def test_two_processes_share_events_and_one_band_watcher(two_servers):
    a, b = two_servers
    db = Database(PG_URL)
    try:
        with db.transaction() as s:
            s.add(Department(code="D-WATER", name="水务集团"))
    finally:
        db.dispose()
    admin = a.login("admin", ADMIN_PW)
    for role in ("acceptor", "dispatcher"):
        r = a.http.post("/api/auth/users", headers=admin,
                        json={"username": role, "display_name": role, "password": PW, "role": role})
        assert r.status_code == 201, r.text
    acceptor_a = a.login("acceptor")
    dispatcher_b = b.login("dispatcher")

    ws = websocket.create_connection(f"ws://127.0.0.1:{b.port}/ws?token={dispatcher_b['Authorization'][7:]}",
                                     timeout=10)
    try:
        assert _recv(ws)["type"] == "hello"
        # a report through A reaches B's client
        r = a.http.post("/api/cases", headers=acceptor_a,
                        json={"kind": "component", "class_code": "0101", "lon": 116.397, "lat": 39.909})
        assert r.status_code == 201, r.text
        case = r.json()
        ev = _recv_type(ws, "case.changed")
        assert (ev["data"]["id"], ev["data"]["state"]) == (case["id"], "reported")
        # the accept stage lasts 3 s here: whichever process watches, B's client hears yellow, then
        # red, once each
        bands = [_recv_type(ws, "case.band")["data"] for _ in range(2)]
        assert [(d["id"], d["band"]) for d in bands] == [(case["id"], "yellow"), (case["id"], "red")]
        # an action through A
        r = a.http.post(f"/api/cases/{case['id']}/actions/accept", headers=acceptor_a, json={})
        assert r.status_code == 200, r.text
        ev = _recv_type(ws, "case.changed")
        assert (ev["data"]["id"], ev["data"]["state"]) == (case["id"], "pending_filing")
        # nothing twice: the next message after all that is the answer to a ping
        ws.send(json.dumps({"type": "ping"}))
        assert _recv(ws)["type"] == "pong"
    finally:
        ws.close()

    # exactly one watcher, holding the advisory lock
    status = {s.name: s.watcher(admin) for s in (a, b)}  # one database: a token works on both
    for s in (a, b):
        assert status[s.name]["shared_between_processes"] is True
        assert status[s.name]["pid"] == s.pid
    active = [s for s in (a, b) if status[s.name]["band_watcher"]["active"]]
    assert len(active) == 1, status
    assert _lock_holders() == [f"occ band watcher {active[0].pid}"]

    # the watcher's process crashes (no clean shutdown): its session ends, and the other process
    # takes the lock over (it retries every 5 s)
    holder = active[0]
    other = b if holder is a else a
    holder.proc.kill()
    holder.proc.wait(10)
    end = time.time() + 20
    while time.time() < end and not other.watcher(admin)["band_watcher"]["active"]:
        time.sleep(0.25)
    assert other.watcher(admin)["band_watcher"]["active"]
    assert _lock_holders() == [f"occ band watcher {other.pid}"]
