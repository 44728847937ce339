"""Case reports while 8 threads flood the login with wrong passwords, on a live server (SQLite).

The server runs as its own process with the production password hash (argon2id defaults, not the
tests' cheap one). Reporters: --reporters threads each reporting a case every --think seconds on
average (exponential pauses), each request with an Idempotency-Key. Flooders: 8 threads, each from
its own loopback address (127.0.0.11 ...) on its own keep-alive connection, posting a known user
name with a wrong password as fast as answers come.

Phases (reports timed in all of them; quiet and flooded slices alternate, --seconds of each):
- `quiet` / `flood_limited`: no flood / the flood against the default limits (past them the
  attempts are answered 429 before any hashing);
- `quiet_2` / `flood_unlimited`: a second server with every limit off (OCC_LOGIN_*_FAILURES=0),
  so that every attempt really hashes: the worst case for the CPU.
Also: median login time of a known and an unknown user name with a wrong password (the second
server, before its flood).
Prints ONE JSON line.

    .venv/bin/python benchmarks/bench_login_flood.py [--seconds 10] [--reporters 4] [--think 0.25]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

os.environ.pop("OCC_FAST_PASSWORD_HASH", None)  # the real argon2 parameters, here and in the server
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-pw"
FLOODERS = 8
SLICES = 4  # quiet and flooded slices per server, in turn
REPORT = {"kind": "event", "class_code": "0102", "lon": 115.8505, "lat": 28.6805, "description": "flood bench",
          "source": "hotline"}


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))] if v else float("nan")


def seed(db_url: str) -> None:
    from server_stub.db.session import Database
    from server_stub.services.users import create_user
    db = Database(db_url)
    db.migrate()
    with db.transaction() as s:
        create_user(s, "acceptor", "acceptor", PASSWORD, "acceptor")
        create_user(s, "victim", "victim", PASSWORD, "dispatcher")
    db.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db_url: str, tmp: Path, env: dict[str, str]):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server_stub", "--db", db_url, "--port", str(self.port), "--data-dir", str(tmp)],
            cwd=ROOT, env={**os.environ, "OCC_QGIS_PYTHON": "/nonexistent", **env},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            try:
                if self.post("/api/health", None, method="GET")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        self.token = self.post("/api/auth/login", {"username": "acceptor", "password": PASSWORD})[1]["token"]

    def post(self, path: str, body: dict | None, headers: dict | None = None, method: str = "POST",
             conn: http.client.HTTPConnection | None = None) -> tuple[int, dict]:
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request(method, path, body=json.dumps(body).encode() if body is not None else None,
                  headers={"Content-Type": "application/json", **(headers or {})})
        r = c.getresponse()
        raw = r.read()
        if conn is None:
            c.close()
        return r.status, (json.loads(raw) if raw else {})

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def phase(srv: Server, seconds: float, reporters: int, think: float, flood: bool) -> dict:
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    lock = threading.Lock()

    def reporter(n: int) -> None:
        rnd = random.Random(n)
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
        lat = []
        try:
            while True:
                time.sleep(rnd.expovariate(1.0 / think))
                if time.perf_counter() >= deadline:
                    break
                t0 = time.perf_counter()
                status, out = srv.post("/api/cases", REPORT, {"Authorization": f"Bearer {srv.token}",
                                                              "Idempotency-Key": uuid.uuid4().hex}, conn=conn)
                lat.append(time.perf_counter() - t0)
                if status != 201:
                    errors.append(f"{status} {out}")
        finally:
            conn.close()
            with lock:
                latencies.extend(lat)

    def flooder(n: int) -> None:
        counts: dict[int, int] = {}
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60,
                                          source_address=(f"127.0.0.{11 + n}", 0))
        try:
            while time.perf_counter() < deadline:
                status, _ = srv.post("/api/auth/login", {"username": "victim", "password": f"wrong-{n}"}, conn=conn)
                counts[status] = counts.get(status, 0) + 1
        finally:
            conn.close()
            with lock:
                for k, v in counts.items():
                    statuses[k] = statuses.get(k, 0) + v

    threads = [threading.Thread(target=reporter, args=(i,)) for i in range(reporters)]
    if flood:
        threads += [threading.Thread(target=flooder, args=(i,)) for i in range(FLOODERS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"latencies": latencies, "errors": len(errors), "statuses": statuses,
            "seconds": time.perf_counter() - t0}


def alternate(srv: Server, args: argparse.Namespace) -> dict:
    """Quiet and flooded slices taken in turn (SLICES of each), so that a shared machine's
    drifting load weighs on both alike; each summarised over its slices."""
    runs: dict[str, list[dict]] = {"quiet": [], "flood": []}
    for _ in range(SLICES):
        for name in ("quiet", "flood"):
            runs[name].append(phase(srv, args.seconds / SLICES, args.reporters, args.think, name == "flood"))
    out = {}
    for name, parts in runs.items():
        lat = [x for p in parts for x in p["latencies"]]
        summary = {"reports": len(lat), "report_p50_ms": round(pct(lat, 50) * 1000, 2),
                   "report_p99_ms": round(pct(lat, 99) * 1000, 2), "report_max_ms": round(max(lat) * 1000, 2),
                   "errors": sum(p["errors"] for p in parts)}
        if name == "flood":
            statuses: dict[int, int] = {}
            for p in parts:
                for k, v in p["statuses"].items():
                    statuses[k] = statuses.get(k, 0) + v
            summary["logins_per_s"] = round(sum(statuses.values()) / sum(p["seconds"] for p in parts), 1)
            summary["login_answers"] = {str(k): v for k, v in sorted(statuses.items())}
        out[name] = summary
    return out


def login_times(srv: Server, n: int = 15) -> dict:
    """Median seconds of a wrong-password login for a known and an unknown user name."""
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for i in range(n):
        for kind, name in (("known", "acceptor"), ("unknown", f"nobody-{i}")):
            t0 = time.perf_counter()
            srv.post("/api/auth/login", {"username": name, "password": "wrong"})
            times[kind].append(time.perf_counter() - t0)
    return {f"login_{k}_name_ms": round(statistics.median(v) * 1000, 1) for k, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--reporters", type=int, default=4)
    ap.add_argument("--think", type=float, default=0.25, help="seconds between a reporter's reports (mean)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="occ-bench-login-"))
    db_url = f"sqlite:///{tmp}/bench.sqlite"
    seed(db_url)
    result: dict = {"bench": "login_flood", "db": "sqlite", "flooders": FLOODERS, "reporters": args.reporters,
                    "think_s": args.think, "seconds_per_phase": args.seconds}
    # No lockout in either server: the flood targets one account and would otherwise lock it in
    # seconds, after which it costs nothing (locked accounts are refused before hashing).
    srv = Server(db_url, tmp, {"OCC_LOGIN_LOCKOUT_FAILURES": "0"})
    try:
        phase(srv, 2.0, args.reporters, args.think, False)  # warm-up
        limited = alternate(srv, args)
        result["quiet"], result["flood_limited"] = limited["quiet"], limited["flood"]
    finally:
        srv.stop()
    srv = Server(db_url, tmp, {"OCC_LOGIN_LOCKOUT_FAILURES": "0", "OCC_LOGIN_ACCOUNT_FAILURES": "0",
                               "OCC_LOGIN_ADDRESS_FAILURES": "0"})
    try:
        phase(srv, 2.0, args.reporters, args.think, False)
        result.update(login_times(srv))  # here: the limits would answer the repeated tries 429
        unlimited = alternate(srv, args)
        result["quiet_2"], result["flood_unlimited"] = unlimited["quiet"], unlimited["flood"]
    finally:
        srv.stop()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
