"""督查督办: how fast an urge reaches the department's client, and the overdue board at city scale.

A server process (`python -m server_stub`) on a database seeded with --cases cases (default 30,000,
about Nanchang's month: shared/domain §8) spread over 20 departments, 10 streets × 6 communities
and the event classes: 89 % closed or void, the rest open in every state (STATES); the open ones
have deadlines from two weeks ago to two days ahead, so most of them are overdue (a bad month). The seed is inserted directly (the history
generator plays every step through the services and would take far longer at this size).

1. Urge → department: a department user's WebSocket (websocket-client, like the desktop client) is
   open; the leader POSTs /api/urges for one of that department's overdue cases at a time
   (--urges, default 50); the time from the start of the POST to the arrival of the matching
   "urge.created" frame on the department's socket. Goal: p99 ≤ 1 s.
2. The board: GET /api/supervision/board for each grouping (department, street, community,
   class), --board-runs times each, as the leader (all cases).

Prints ONE JSON line. Writes only to a temporary folder.

    .venv/bin/python benchmarks/bench_urge.py [--cases 30000] [--urges 50] [--board-runs 10] [--db URL]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
import websocket

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OCC_FAST_PASSWORD_HASH", "1")
PASSWORD = "bench-pw"
DEPARTMENTS = 20
# A month's cases at one moment: most closed (Zhuhai closes 96 %), about one in nine still open.
STATES = [("closed", 0.85), ("void", 0.04), ("handling", 0.06), ("pending_check", 0.02), ("pending_dispatch", 0.01),
          ("reported", 0.01), ("suspended", 0.01)]


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))] if v else float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(db_url: str, n_cases: int, seed_: int = 7) -> dict:
    """Departments, regions, a leader and one user per department, and n_cases cases."""
    from sqlalchemy import insert

    from app.domain.classification import Classification
    from server_stub.db.models import Case, Department, Region
    from server_stub.db.session import Database
    from server_stub.services.users import create_user
    from server_stub.settings import Settings

    rnd = random.Random(seed_)
    classes = Classification.load(Settings().classification_dir).classes("event")
    db = Database(db_url)
    db.migrate()
    now = datetime.now(timezone.utc)
    with db.transaction() as s:
        depts = [Department(code=f"D-{i:02d}", name=f"部门{i:02d}") for i in range(DEPARTMENTS)]
        s.add_all(depts)
        s.flush()
        streets = [f"360102{i:03d}" for i in range(1, 11)]
        communities = [f"{st}{j:03d}" for st in streets for j in range(1, 7)]
        s.add_all([Region(code=c, level="street", name=f"街道{c[-3:]}", parent_code="360102") for c in streets]
                  + [Region(code=c, level="community", name=f"社区{c[-6:]}", parent_code=c[:9]) for c in communities])
        create_user(s, "leader", "领导", PASSWORD, "leader")
        for d in depts:
            create_user(s, f"dept{d.id}", f"{d.name}用户", PASSWORD, "department", department_id=d.id)
        rows = []
        states, weights = zip(*STATES)
        for i in range(n_cases):
            state = rnd.choices(states, weights)[0]
            cls = rnd.choice(classes)
            comm = rnd.choice(communities)
            created = now - timedelta(days=rnd.uniform(0, 30))
            open_ = state not in ("closed", "void")
            deadline = now + timedelta(hours=rnd.uniform(-14 * 24, 2 * 24)) if open_ and state != "suspended" else None
            band = None if deadline is None else ("red" if deadline <= now else
                                                  "yellow" if deadline <= now + timedelta(hours=3) else "green")
            dept = depts[rnd.randrange(DEPARTMENTS)].id if state not in ("reported", "pending_dispatch") else None
            rows.append({"number": f"B{i:08d}", "source": "inspector", "kind": "event", "class_code": cls.code,
                         "state": state, "description": "bench", "lon": 115.85, "lat": 28.68,
                         "grid_code": comm + "001", "community_code": comm, "street_code": comm[:9],
                         "district_code": "360102", "department_id": dept,
                         "stage": "handling" if dept else "accept", "stage_started_at": created,
                         "limit_value": 4.0, "limit_type": "work_hour", "deadline_at": deadline, "band": band,
                         "handling_overdue": bool(deadline and deadline <= now), "rework_count": 0,
                         "return_count": 0, "extension_count": 0, "urge_count": 0, "created_at": created,
                         "updated_at": created, "closed_at": None if open_ else created + timedelta(days=1),
                         "version": 1})
        s.execute(insert(Case), rows)
        dept0 = depts[0].id
    db.dispose()
    return {"department_id": dept0}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=30_000)
    ap.add_argument("--urges", type=int, default=50)
    ap.add_argument("--board-runs", type=int, default=10)
    ap.add_argument("--db", default=None, help="a database URL (default: SQLite in a temp folder); "
                                                "a PostgreSQL database is emptied first")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="occ-bench-urge-"))
    db_url = args.db or f"sqlite:///{tmp}/bench.sqlite"
    if not db_url.startswith("sqlite"):
        from tests.server.conftest import _pg_reset
        _pg_reset(db_url)
    t0 = time.perf_counter()
    info = seed(db_url, args.cases)
    seed_s = time.perf_counter() - t0
    port = free_port()
    env = {**os.environ, "OCC_QGIS_PYTHON": "/nonexistent"}
    proc = subprocess.Popen([sys.executable, "-m", "server_stub", "--db", db_url, "--port", str(port),
                             "--data-dir", str(tmp)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=open(tmp / "server.log", "wb"))
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            if proc.poll() is not None:
                raise RuntimeError(f"the server stopped: {(tmp / 'server.log').read_text()[-2000:]}")
            try:
                if requests.get(f"{base}/api/health", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        http = requests.Session()

        def token(user: str) -> str:
            return http.post(f"{base}/api/auth/login", json={"username": user, "password": PASSWORD}).json()["token"]
        lead = {"Authorization": f"Bearer {token('leader')}"}
        dept_id = info["department_id"]
        dept_token = token(f"dept{dept_id}")

        # -- the board, every grouping (the first call of each warms it up, not counted)
        board: dict[str, dict] = {}
        for group in ("department", "street", "community", "class"):
            times = []
            for i in range(args.board_runs + 1):
                t = time.perf_counter()
                r = http.get(f"{base}/api/supervision/board", params={"group_by": group}, headers=lead, timeout=60)
                if i:
                    times.append(time.perf_counter() - t)
                r.raise_for_status()
            b = r.json()
            board[group] = {"p50_ms": round(pct(times, 50) * 1000, 1), "p99_ms": round(pct(times, 99) * 1000, 1),
                            "groups": len(b["groups"]), "bytes": len(r.content)}
        total, overdue = b["total"], b["overdue"]

        # -- urges: the department's socket, the leader's POSTs
        mine = http.get(f"{base}/api/supervision/board",
                        params={"group_by": "department", "key": str(dept_id), "soon": "false", "limit": 2000},
                        headers=lead, timeout=60).json()["items"]
        targets = [c["id"] for c in mine][:args.urges]
        ws = websocket.create_connection(f"ws://127.0.0.1:{port}/ws?token={dept_token}", timeout=10)
        assert json.loads(ws.recv())["type"] == "hello"
        arrive, posts = [], []
        for n, cid in enumerate(targets):
            t = time.perf_counter()
            r = http.post(f"{base}/api/urges", json={"case_ids": [cid], "message": f"bench {n}"},
                          headers={**lead, "Idempotency-Key": f"bench-urge-{n}"}, timeout=30)
            posts.append(time.perf_counter() - t)
            r.raise_for_status()
            while True:
                msg = json.loads(ws.recv())
                if msg.get("type") == "urge.created" and msg["data"]["case_id"] == cid:
                    arrive.append(time.perf_counter() - t)
                    break
        ws.close()
        print(json.dumps({
            "bench": "urge", "db": db_url.split(":", 1)[0].split("+")[0], "cases": args.cases,
            "open_on_board": total, "overdue_on_board": overdue, "seed_s": round(seed_s, 1),
            "urges": len(arrive),
            "urge_to_department_p50_ms": round(pct(arrive, 50) * 1000, 1),
            "urge_to_department_p99_ms": round(pct(arrive, 99) * 1000, 1),
            "urge_post_p50_ms": round(pct(posts, 50) * 1000, 1),
            **{f"board_{g}_{k}": v for g, d in board.items() for k, v in d.items()}}, ensure_ascii=False))
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
