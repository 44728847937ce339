"""Case cycles through the real HTTP API of a live server on SQLite, with 20 concurrent clients.

One cycle = report (acceptor) → accept → file (shift leader) → dispatch (dispatcher) → feedback
(department) → close (shift leader): six POSTs, each with an Idempotency-Key, as the client sends
them. The server runs as its own process (`python -m server_stub`) on 127.0.0.1.

Two phases: "paced" — 20 workstations that each act on average every --think seconds (a very busy
command hall: 20 × 2 = 40 actions a second by default), which is what the latency goal is about; and
"saturated" — the same 20 clients with no pause, which gives the most cycles per second one server
process sustains (latency there is queueing: 20 waiting clients / throughput). Prints ONE JSON line.

Each client keeps one HTTP/1.1 connection (http.client) so that what is timed is the server and
the network, not the client library: `requests` adds about 1.3 ms of client CPU per call on this
machine, and 20 such clients in one benchmark process would queue on its GIL. `--http requests`
measures with requests instead (what the desktop client uses).

    .venv/bin/python benchmarks/bench_cases.py [--clients 20] [--seconds 20] [--think 0.5] [--http stdlib|requests]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OCC_FAST_PASSWORD_HASH", "1")
PASSWORD = "bench-pw"
ROLES = ["acceptor", "shift_leader", "dispatcher", "department"]


class PhaseOver(Exception):
    """A client's next request would start after the phase's end."""


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))] if v else float("nan")


def seed(db_url: str) -> int:
    from server_stub.db.models import Department
    from server_stub.db.session import Database
    from server_stub.services import loader
    from server_stub.services.users import create_user
    db = Database(db_url)
    db.migrate()
    with db.transaction() as s:
        d = Department(code="D-SANIT", name="环卫处")
        s.add(d)
        s.flush()
        loader.load_unit_grids(s, [{"code": "360102001001001", "area_m2": 10000.0, "geometry": {
            "type": "Polygon", "coordinates": [[[115.85, 28.68], [115.851, 28.68], [115.851, 28.681],
                                                [115.85, 28.681], [115.85, 28.68]]]}}], strict=True)
        for role in ROLES:
            create_user(s, role, role, PASSWORD, role, department_id=d.id if role == "department" else None)
        dept = d.id
    db.dispose()
    return dept


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc): the server's cost per request,
    a figure that a busy shared machine disturbs much less than latencies."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--max-cycles", type=int, default=20_000)
    ap.add_argument("--think", type=float, default=0.5, help="paced phase: seconds between a client's requests")
    ap.add_argument("--http", choices=("stdlib", "requests"), default="stdlib", help="the clients' HTTP library")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="occ-bench-cases-"))
    db_url = f"sqlite:///{tmp}/bench.sqlite"
    dept = seed(db_url)
    port = free_port()
    # The six-POST cycle closes on the department's word (a city may choose that); the default
    # workflow wants a passed 核查 first, two more POSTs a cycle.
    wf = tmp / "workflow.json"
    wf.write_text('{"rules": {"close_requires_check": false}}', encoding="utf-8")
    env = {**os.environ, "OCC_QGIS_PYTHON": "/nonexistent", "OCC_WORKFLOW_ROLES_FILE": str(wf)}
    proc = subprocess.Popen([sys.executable, "-m", "server_stub", "--db", db_url, "--port", str(port),
                             "--data-dir", str(tmp)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if requests.get(f"{base}/api/health", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        tokens = {r: requests.post(f"{base}/api/auth/login", json={"username": r, "password": PASSWORD}).json()["token"]
                  for r in ROLES}
        def phase(think: float, seconds: float) -> dict:
            latencies: list[float] = []
            cycles = [0]
            errors: list[str] = []
            lock = threading.Lock()
            deadline = time.perf_counter() + seconds

            def client(n: int) -> None:
                session = requests.Session()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                lat: list[float] = []
                rnd = random.Random(n)

                def send(path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
                    if args.http == "requests":
                        r = session.post(base + path, data=body, headers=headers, timeout=30)
                        return r.status_code, r.content
                    conn.request("POST", path, body=body, headers=headers)
                    resp = conn.getresponse()
                    return resp.status, resp.read()

                def post(role: str, path: str, body: dict) -> dict:
                    if think:  # exponential pauses: workstations do not act in lock step
                        time.sleep(rnd.expovariate(1.0 / think))
                    if time.perf_counter() >= deadline:
                        raise PhaseOver  # rates count the phase's own seconds only
                    data = json.dumps(body).encode()
                    headers = {"Authorization": f"Bearer {tokens[role]}", "Idempotency-Key": uuid.uuid4().hex,
                               "Content-Type": "application/json"}
                    t0 = time.perf_counter()
                    status, content = send(path, data, headers)
                    lat.append(time.perf_counter() - t0)
                    if status >= 300:
                        raise RuntimeError(f"{path}: {status} {content[:200]!r}")
                    return json.loads(content)

                try:
                    while time.perf_counter() < deadline and cycles[0] < args.max_cycles:
                        c = post("acceptor", "/api/cases", {"kind": "event", "class_code": "0102", "lon": 115.8505,
                                                             "lat": 28.6805, "description": f"bench {n}",
                                                             "source": "hotline"})
                        a = f"/api/cases/{c['id']}/actions/"
                        post("acceptor", a + "accept", {})
                        post("shift_leader", a + "file", {"condition_id": "event-0102-1"})
                        post("dispatcher", a + "dispatch", {"department_id": dept})
                        post("department", a + "feedback", {"comment": "已清理"})
                        post("shift_leader", a + "close", {"close_type": "normal"})
                        with lock:
                            cycles[0] += 1
                except PhaseOver:
                    pass
                except Exception as e:  # noqa: BLE001
                    errors.append(str(e))
                conn.close()
                with lock:
                    latencies.extend(lat)

            t0 = time.perf_counter()
            cpu0 = cpu_seconds(proc.pid)
            threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = min(time.perf_counter(), deadline) - t0
            cpu = cpu_seconds(proc.pid) - cpu0
            return {"cycles_per_s": round(cycles[0] / elapsed, 1),
                    "server_cpu_ms_per_request": round(cpu * 1000 / max(1, len(latencies)), 2),
                    "requests_per_s": round(len(latencies) / elapsed, 1),
                    "p50_ms": round(pct(latencies, 50) * 1000, 2), "p99_ms": round(pct(latencies, 99) * 1000, 2),
                    "errors": len(errors), "first_error": errors[0] if errors else None}

        if os.environ.get("OCC_BENCH_SERVER_PID_FILE"):  # lets a profiler attach to the server
            Path(os.environ["OCC_BENCH_SERVER_PID_FILE"]).write_text(str(proc.pid))
        phase(0.0, 2.0)  # warm-up, not counted: first-use costs (statement compilation, caches, indexes)
        paced = phase(args.think, args.seconds)
        saturated = phase(0.0, args.seconds)
        print(json.dumps({"bench": "case_cycles", "db": "sqlite", "clients": args.clients, "http": args.http,
                          "think_s": args.think, "seconds_per_phase": args.seconds,
                          **{f"paced_{k}": v for k, v in paced.items()},
                          **{f"saturated_{k}": v for k, v in saturated.items()}}))
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
