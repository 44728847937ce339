"""`kill -9` during bursts of retried requests: the driver of tests/server/test_crash_retries.py.

A real server process (`python -m server_stub`) is killed with SIGKILL `kills` times while client
threads report cases and act on them, each request with its own Idempotency-Key. A client retries
a request with the same key (and body) until it gets an answer below 500, whatever happens to the
connection, as the desktop client does; the killer restarts the server at once. Every request is
finally acknowledged; then the database is read directly: each report must have made exactly one
case, each accept one log row, each urge one log row and one count.
"""
from __future__ import annotations

import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

REPO = Path(__file__).resolve().parents[2]
PW = "crash-pw"
EVENT = {"kind": "event", "class_code": "0102", "lon": 120.6, "lat": 31.3}
URGES = 2  # per case


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(db_url: str) -> None:
    from server_stub.db.session import Database
    from server_stub.services.users import create_user
    db = Database(db_url)
    db.migrate()
    with db.transaction() as s:
        create_user(s, "crash_acceptor", "受理员", PW, "acceptor")
        create_user(s, "crash_leader", "领导", PW, "leader")
    db.dispose()


# The server processes are forked from one that imported everything first (a "zygote"): a restart
# then costs what the server itself does after a crash (migrations, context, binding the port), not
# the interpreter's imports, which would make this test ten times as long. Each server is a
# process of its own, killed with SIGKILL like any other.
ZYGOTE = """import importlib, os, pkgutil, signal, sys
import uvicorn
import server_stub.api
import server_stub.app
from server_stub import __main__ as main_module
for m in pkgutil.iter_modules(server_stub.api.__path__):
    importlib.import_module("server_stub.api." + m.name)
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the killed servers
log, argv = sys.argv[1], sys.argv[2:]
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(0)
        main_module.main(argv)
        os._exit(0)
    print(pid, flush=True)
"""


class Proc:
    """The server process, restarted on the same port and database."""

    def __init__(self, db_url: str, tmp: Path):
        self.db_url, self.tmp, self.port = db_url, tmp, free_port()
        self.pid: int | None = None
        self.starts: list[float] = []  # seconds from the fork to answering
        env = {**os.environ, "OCC_FAST_PASSWORD_HASH": "1", "OCC_ADMIN_PASSWORD": "crash-admin",
               "PYTHONPATH": str(REPO)}
        self.log = tmp / "server.log"
        with open(self.log, "ab") as err:
            self.zygote = subprocess.Popen(
                [sys.executable, "-c", ZYGOTE, str(self.log), "--db", db_url, "--port", str(self.port),
                 "--data-dir", str(tmp / "data")], cwd=REPO, env=env, stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=err)

    def _alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
            return True
        except ProcessLookupError:
            return False

    def start(self) -> None:
        assert self.zygote.stdin is not None and self.zygote.stdout is not None
        self.zygote.stdin.write(b"go\n")
        self.zygote.stdin.flush()
        line = self.zygote.stdout.readline()
        if not line:
            raise RuntimeError("the zygote died: " + self.log.read_text(errors="replace")[-3000:])
        self.pid = int(line)
        t0 = time.monotonic()
        while True:
            if not self._alive():
                raise RuntimeError("server exited:\n" + self.log.read_text(errors="replace")[-3000:])
            if time.monotonic() - t0 > 120:
                raise RuntimeError("server did not start in 120 s")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/api/health")
                if c.getresponse().status == 200:
                    c.close()
                    break
            except OSError:
                time.sleep(0.02)
        self.starts.append(time.monotonic() - t0)

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        while self._alive():  # gone (and reaped) before the next one binds the port
            time.sleep(0.005)

    def stop(self) -> None:
        if self.pid is not None and self._alive():
            os.kill(self.pid, signal.SIGTERM)
            end = time.monotonic() + 10
            while self._alive() and time.monotonic() < end:
                time.sleep(0.02)
            if self._alive():
                self.kill()
        if self.zygote.poll() is None:
            self.zygote.stdin.close()
            try:
                self.zygote.wait(10)
            except subprocess.TimeoutExpired:
                self.zygote.kill()
                self.zygote.wait()


@dataclass
class Tally:
    requests: int = 0  # distinct requests (keys), all acknowledged in the end
    attempts: int = 0  # HTTP attempts, retries included
    failed_attempts: int = 0  # connection lost or 5xx: retried with the same key
    replays: int = 0  # answers marked Idempotent-Replay
    conflicts: int = 0  # 409 "still in progress" answers, retried
    reports: dict[str, int] = field(default_factory=dict)  # description tag -> acknowledged case id
    lock: threading.Lock = field(default_factory=threading.Lock)


class Client:
    def __init__(self, port: int, tally: Tally, stop: threading.Event):
        self.port, self.tally, self.stop = port, tally, stop
        self.conn: http.client.HTTPConnection | None = None
        self.tokens: dict[str, str] = {}

    def _send(self, method: str, path: str, body: dict | None, headers: dict) -> tuple[int, dict, Any]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        data = json.dumps(body).encode() if body is not None else None
        self.conn.request(method, path, body=data, headers={"Content-Type": "application/json", **headers})
        r = self.conn.getresponse()
        raw = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, (json.loads(raw) if raw else None)

    def call(self, path: str, body: dict, user: str | None, key: str | None) -> Any:
        """POST until answered below 500 (same key, same body); returns the JSON answer."""
        while True:
            headers = {}
            if user is not None:
                headers["Authorization"] = f"Bearer {self.tokens[user]}"
            if key is not None:
                headers["Idempotency-Key"] = key
            with self.tally.lock:
                self.tally.attempts += 1
            try:
                status, hdrs, out = self._send("POST", path, body, headers)
            except (OSError, http.client.HTTPException):
                status, hdrs, out = 0, {}, None
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
            if 200 <= status < 300:
                if hdrs.get("idempotent-replay") == "true":
                    with self.tally.lock:
                        self.tally.replays += 1
                return out
            if status == 409 and key is not None and "in progress" in json.dumps(out):
                with self.tally.lock:
                    self.tally.conflicts += 1
            elif status and status < 500:
                raise AssertionError(f"{path}: {status} {out}")
            else:
                with self.tally.lock:
                    self.tally.failed_attempts += 1
            time.sleep(0.05)

    def login(self, user: str) -> None:
        self.tokens[user] = self.call("/api/auth/login", {"username": user, "password": PW}, None, None)["token"]

    def run(self) -> None:
        """Cycles until told to stop: report, accept, URGES urges; each its own key, retried until
        answered."""
        self.login("crash_acceptor")
        self.login("crash_leader")
        while not self.stop.is_set():
            tag = uuid.uuid4().hex
            case = self.call("/api/cases", {**EVENT, "description": tag}, "crash_acceptor", uuid.uuid4().hex)
            with self.tally.lock:
                self.tally.reports[tag] = case["id"]
            self.call(f"/api/cases/{case['id']}/actions/accept", {"comment": "受理"}, "crash_acceptor",
                      uuid.uuid4().hex)
            for i in range(URGES):
                out = self.call(f"/api/cases/{case['id']}/actions/urge", {"comment": f"督办 {i}"}, "crash_leader",
                                uuid.uuid4().hex)
                assert out["urge_count"] == i + 1, out  # the first answer of this urge, never a later one
            with self.tally.lock:
                self.tally.requests += 2 + URGES


def count(db_url: str, tally: Tally) -> dict:
    """What the database holds for the acknowledged requests."""
    from server_stub.db.models import Case, CaseEvent
    from server_stub.db.session import Database
    db = Database(db_url)
    try:
        with db.session() as s:
            per_tag = dict(s.execute(select(Case.description, func.count()).where(
                Case.description.in_(list(tally.reports))).group_by(Case.description)).all())
            cases = {c.id: c for c in s.scalars(select(Case).where(Case.id.in_(list(tally.reports.values()))))}
            events = s.execute(select(CaseEvent.case_id, CaseEvent.action, func.count()).where(
                CaseEvent.case_id.in_(list(cases))).group_by(CaseEvent.case_id, CaseEvent.action)).all()
    finally:
        db.dispose()
    log: dict[int, dict[str, int]] = {}
    for cid, action, n in events:
        log.setdefault(cid, {})[action] = n
    lost = sum(1 for tag, cid in tally.reports.items() if per_tag.get(tag, 0) == 0 or cid not in cases)
    doubled_reports = sum(n - 1 for n in per_tag.values() if n > 1)
    expect = {"report": 1, "accept": 1, "urge": URGES}
    lost_actions = sum(max(0, want - log.get(cid, {}).get(a, 0)) for cid in cases for a, want in expect.items())
    doubled_actions = sum(max(0, log.get(cid, {}).get(a, 0) - want) for cid in cases for a, want in expect.items())
    bad_counts = sum(1 for c in cases.values() if c.urge_count != URGES)
    return {"reports": len(tally.reports), "lost": lost + lost_actions,
            "doubled": doubled_reports + doubled_actions, "wrong_urge_counts": bad_counts}


def run(db_url: str, tmp: Path, kills: int = 10, clients: int = 6, seed_rng: int = 14) -> dict:
    """Seeds, starts the server, drives `clients` threads while killing the server `kills` times,
    each after a random 0.2-0.6 s of serving; returns the figures."""
    rng = random.Random(seed_rng)
    seed(db_url)
    srv = Proc(db_url, tmp)
    tally = Tally()
    stop = threading.Event()
    errors: list[BaseException] = []
    t0 = time.monotonic()
    srv.start()

    def client_main() -> None:
        try:
            Client(srv.port, tally, stop).run()
        except BaseException as e:  # noqa: BLE001 - reported by the caller
            errors.append(e)
            stop.set()

    threads = [threading.Thread(target=client_main, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    killed = 0
    try:
        while killed < kills and not stop.is_set():
            time.sleep(rng.uniform(0.2, 0.6))
            srv.kill()
            killed += 1
            srv.start()
        time.sleep(0.3)
        stop.set()  # each client finishes its cycle: every request it sent gets acknowledged
        for t in threads:
            t.join(120)
        if any(t.is_alive() for t in threads):
            raise RuntimeError("a client did not finish in 120 s")
    finally:
        srv.stop()
    elapsed = time.monotonic() - t0
    if errors:
        raise errors[0]
    figures = count(db_url, tally)
    figures.update(kills=killed, clients=clients, requests=tally.requests, attempts=tally.attempts,
                   failed_attempts=tally.failed_attempts, replays=tally.replays,
                   in_progress_answers=tally.conflicts,
                   restart_s=round(sorted(srv.starts)[len(srv.starts) // 2], 2), seconds=round(elapsed, 1))
    return figures
