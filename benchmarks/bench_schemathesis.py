"""The API fuzzed from its own OpenAPI document with schemathesis: every operation gets generated
requests (valid ones, and invalid ones that must be refused), sent once as an administrator and
once anonymously to a live server process. Each answer is checked: no 5xx, its status code
documented for the operation, its content type and body matching the documented schema.

    .venv/bin/python benchmarks/bench_schemathesis.py [--db URL] [--examples 45] [--seed 14]

Prints ONE JSON line: requests, server_errors, schema_violations (status code, content type,
headers or body not as documented), operations, seconds, db, and the first failures found.
Deterministic: hypothesis derandomized from --seed, no example database; nothing is shrunk (a
failure is reported as found). tests/server/test_schemathesis.py runs `fuzz` with a few examples
per operation against SQLite and PostgreSQL as part of the test suite.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("OCC_FAST_PASSWORD_HASH", "1")  # the users seeded here: argon2id, but cheap
ADMIN_PW = "fuzz-admin-pw"
# Logging out would end the fuzzer's own login: that one is tried anonymously only.
ANONYMOUS_ONLY = {("POST", "/api/auth/logout")}
SERVER_ERROR = "Server error"


def _checks() -> list:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                                   response_schema_conformance, status_code_conformance)
    return [not_a_server_error, status_code_conformance, content_type_conformance,
            response_headers_conformance, response_schema_conformance]


def fuzz(base_url: str, token: str, examples: int, seed: int = 14, skip_paths: tuple[str, ...] = (),
         verbose: bool = False) -> dict[str, Any]:
    """Runs the fuzzer against a live server; returns the counts (never raises for a finding)."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, seed as hseed, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.core.failures import FailureGroup

    # the document is built on first request: seconds on a busy machine
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", timeout=300)
    checks = _checks()
    session = requests.Session()
    identities = {"admin": {"Authorization": f"Bearer {token}"}, "anonymous": {}}
    counts: Counter = Counter()
    findings: list[str] = []
    operations = 0
    started = time.perf_counter()

    def record(kind: str, text: str) -> None:
        counts[kind] += 1
        if len(findings) < 10 and text not in findings:
            findings.append(text)

    for result in schema.get_all_operations():
        op = result.ok()
        if op.path.startswith(skip_paths):
            continue
        operations += 1
        op_started, op_requests = time.perf_counter(), counts["requests"]
        whom = {w: h for w, h in identities.items()
                if w == "anonymous" or (op.method.upper(), op.path) not in ANONYMOUS_ONLY}
        # Invalid path segments alone are mostly unsatisfiable (hypothesis tries ~500 times before
        # giving up): negative cases for operations with a query or a body only.
        negative = len(op.query) > 0 or len(op.body) > 0
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)[:2 if negative else 1]:
            @hseed(seed)
            @settings(max_examples=examples, database=None, deadline=None, derandomize=False,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(op.as_strategy(generation_mode=mode))
            def run(case) -> None:  # noqa: ANN001
                for who, headers in whom.items():  # each generated case sent as every identity
                    try:
                        response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
                    except requests.RequestException as e:
                        record("transport_errors", f"{op.method.upper()} {op.path}: {e}")
                        continue
                    counts["requests"] += 1
                    counts[f"status_{response.status_code // 100}xx"] += 1
                    try:
                        case.validate_response(response, checks=checks, headers=headers)
                    except FailureGroup as group:
                        for f in group.exceptions:
                            kind = "server_errors" if f.title == SERVER_ERROR else "schema_violations"
                            record(kind, f"{op.method.upper()} {op.path} ({who}, {mode.value}) -> "
                                         f"{response.status_code}: {f.title}: {f.message[:300]}")
                    except AssertionError as f:  # a single failure
                        record("schema_violations", f"{op.method.upper()} {op.path} ({who}): {f}"[:400])
            try:
                run()
            except Unsatisfiable:  # nothing to make invalid (an operation without parameters)
                pass
        if verbose:
            print(f"{op.method.upper():5} {op.path}: {counts['requests'] - op_requests} requests in "
                  f"{time.perf_counter() - op_started:.1f} s", file=sys.stderr)
    return {"requests": counts["requests"], "server_errors": counts["server_errors"],
            "schema_violations": counts["schema_violations"], "transport_errors": counts["transport_errors"],
            "status_2xx": counts["status_2xx"], "status_4xx": counts["status_4xx"],
            "status_5xx": counts["status_5xx"], "operations": operations,
            "seconds": round(time.perf_counter() - started, 1), "failures": findings}


# ---------------------------------------------------------------- a live server process
def seed_database(db_url: str) -> None:
    """Departments, a unit grid and one user of every role, so requests reach real rows."""
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
        create_user(s, "admin", "管理员", ADMIN_PW, "admin")
        for role in ("inspector", "acceptor", "shift_leader", "dispatcher", "leader"):
            create_user(s, role, role, ADMIN_PW, role)
        create_user(s, "department", "环卫处", ADMIN_PW, "department", department_id=d.id)
    db.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _reset_pg(url: str) -> None:
    from sqlalchemy import text

    from server_stub.db.session import make_engine
    eng = make_engine(url)
    with eng.begin() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    eng.dispose()


def main(argv: list[str] | None = None) -> None:
    sys.path.insert(0, str(ROOT))
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=None, help="database URL (default: SQLite in a temp folder); a "
                                               "PostgreSQL database is emptied first")
    ap.add_argument("--examples", type=int, default=40, help="examples per operation, identity and mode")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--verbose", action="store_true", help="one line per operation on stderr")
    ap.add_argument("--server-log", default=None, help="write the server's output (tracebacks) to this file")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="occ-bench-fuzz-") as tmp:
        db_url = args.db or f"sqlite:///{tmp}/fuzz.sqlite"
        if db_url.startswith("postgresql"):
            _reset_pg(db_url)
        seed_database(db_url)
        port = _free_port()
        env = {**os.environ, "OCC_FAST_PASSWORD_HASH": "1",
               "PYTHONPATH": str(ROOT)}
        log = open(args.server_log, "w") if args.server_log else subprocess.DEVNULL  # noqa: SIM115
        proc = subprocess.Popen([sys.executable, "-m", "server_stub", "--db", db_url, "--port", str(port),
                                 "--data-dir", tmp], cwd=ROOT, env=env, stdout=log, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            token = _login(base, proc)
            out = fuzz(base, token, args.examples, args.seed, verbose=args.verbose)
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        out["db"] = "postgresql" if db_url.startswith("postgresql") else "sqlite"
        print(json.dumps(out, ensure_ascii=False))


def _login(base: str, proc: subprocess.Popen) -> str:
    deadline = time.time() + 180  # a busy machine: imports, migrations, the QGIS probe
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the server exited during start")
        try:
            r = requests.post(f"{base}/api/auth/login", json={"username": "admin", "password": ADMIN_PW}, timeout=60)
            if r.ok:
                return r.json()["token"]
            if r.status_code in (401, 423):
                raise RuntimeError(f"cannot log in as admin: {r.status_code} {r.text}")
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not start")


if __name__ == "__main__":
    main()
