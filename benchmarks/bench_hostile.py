"""Hostile requests against a live server process: each must be answered 4xx within 1 s, and the
server's memory must stay within 50 MB of its idle size.

The list covers what a fuzzer and a malicious client send: NaN/Infinity and 1e400 in JSON, ids
beyond 2^63 in path, query and body, integers of thousands of digits, dates near year 1 and 9999
with offsets, lone UTF-16 surrogates (escaped and raw), NUL bytes in body, query, path and forms,
JSON nested 30,000 deep, giant strings, bodies of 20 MB declared or streamed without a length,
malformed JSON and encodings. The server runs as its own process (`python -m server_stub`) so its
resident memory (VmRSS, sampled every 5 ms while the requests run) is its own.

    .venv/bin/python benchmarks/bench_hostile.py [--db URL] [--rounds 3]

Prints ONE JSON line: requests, non_4xx_or_slow (with their names), slowest_s (and its kind), p50_s, idle_rss_mb,
peak_rss_mb, rss_growth_mb.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ADMIN_PW = "hostile-bench-pw"
BIG = str(2**63)
HUGE_INT = "9" * 5000  # past Python's 4,300-digit int parsing limit


def _case(**over: object) -> bytes:
    body = {"kind": "event", "class_code": "0102", "lon": 120.6, "lat": 31.3, **over}
    return json.dumps(body, allow_nan=True).encode()


J = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# (name, method, path, body, extra headers); body None = no body, "chunked" = an endless chunked upload
HOSTILE: list[tuple[str, str, str, object, dict]] = [
    ("json NaN lon", "POST", "/api/cases", _case(lon=float("nan")), J),
    ("json Infinity lat", "POST", "/api/cases", _case(lat=float("inf")), J),
    ("json -Infinity amount", "POST", "/api/cases/1/actions/request_extension", b'{"amount": -Infinity}', J),
    ("json 1e400", "POST", "/api/cases", _case().replace(b"120.6", b"1e400"), J),
    ("json NaN nested key", "POST", "/api/cases", b'{"kind": "event", "x": {"y": [NaN]}}', J),
    ("id 2^63 path", "GET", f"/api/cases/{BIG}", None, {}),
    ("id 2^31 path (PostgreSQL integer)", "GET", f"/api/cases/{2**31}", None, {}),
    ("id 2^64 path events", "GET", f"/api/cases/{2**64}/events", None, {}),
    ("id 2^63 path action", "POST", f"/api/cases/{BIG}/actions/urge", b"{}", J),
    ("id 2^63 query", "GET", f"/api/cases?department_id={BIG}", None, {}),
    ("id 2^63 query exclude", "GET", f"/api/cases/duplicates?lon=1&lat=1&kind=event&class_code=0102"
                                     f"&exclude_id={BIG}", None, {}),
    ("id 2^63 body", "POST", "/api/cases/1/merge", f'{{"into_case_id": {BIG}}}'.encode(), J),
    ("id -2^63-1 body", "POST", "/api/cases/1/actions/dispatch", f'{{"department_id": -{BIG}1}}'.encode(), J),
    ("id 2^63 department", "GET", f"/api/ref/departments/{BIG}", None, {}),
    ("id 2^63 track", "GET", f"/api/positions/track?inspector_id={BIG}", None, {}),
    ("int 5000 digits body", "POST", "/api/cases/1/merge", f'{{"into_case_id": {HUGE_INT}}}'.encode(), J),
    ("int 5000 digits query", "GET", f"/api/cases?limit={HUGE_INT}", None, {}),
    ("date year 1 +08:00", "GET", "/api/cases?created_from=0001-01-01T00:00:00%2B08:00", None, {}),
    ("date year 9999 -08:00", "GET", "/api/cases?created_to=9999-12-31T23:59:59-08:00", None, {}),
    ("date year 1 track", "GET", "/api/positions/track?inspector_id=1&start=0001-01-01T00:00:00%2B14:00",
     None, {}),
    ("date year 9999 track", "GET", "/api/positions/track?inspector_id=1&end=9999-12-31T23:59:59-12:00",
     None, {}),
    ("date year 1 open311", "GET", "/open311/v2/requests.json?start_date=0001-01-01T00:00:00%2B08:00", None, {}),
    ("date month 13", "GET", "/api/cases?created_from=2026-13-45T00:00:00Z", None, {}),
    ("surrogate escaped", "POST", "/api/cases", _case(description="\ud800"), J),
    ("surrogate raw bytes", "POST", "/api/cases", _case().replace(b'"event"', b'"ev\xed\xa0\x80"'), J),
    ("surrogate in key", "POST", "/api/cases", b'{"\\udfff": 1}', J),
    ("surrogate login", "POST", "/api/auth/login", b'{"username": "\\ud800", "password": "x"}', J),
    ("NUL body", "POST", "/api/cases", _case(description="a\x00b"), J),
    ("NUL login", "POST", "/api/auth/login", b'{"username": "a\\u0000", "password": "x"}', J),
    ("NUL query", "GET", "/api/cases?q=a%00b", None, {}),
    ("NUL query key", "GET", "/api/cases?a%00=1", None, {}),
    ("NUL path", "GET", "/api/ref/grids/32%00", None, {}),
    ("NUL form open311", "POST", "/open311/v2/requests.json",
     b"api_key=demo-open311-key&service_code=event-0102&lat=31&long=120&description=a%00b", FORM),
    ("deep JSON 30000 arrays", "POST", "/api/cases", b"[" * 30000 + b"]" * 30000, J),
    ("deep JSON 30000 objects", "POST", "/api/cases", b'{"a":' * 30000 + b"1" + b"}" * 30000, J),
    ("deep JSON 40 levels", "POST", "/api/cases", b'{"a":' * 40 + b"1" + b"}" * 40, J),
    ("giant string 100k chars", "POST", "/api/cases", _case(description="字" * 100_000), J),
    ("giant list 3000 photo hashes", "POST", "/api/cases", _case(photo_hashes=["0" * 64] * 3000), J),
    ("giant query 60 kB", "GET", "/api/cases?q=" + "x" * 60_000, None, {}),
    ("body 20 MB declared", "POST", "/api/cases", b'{"description": "' + b"x" * 20_000_000 + b'"}', J),
    ("body 20 MB chunked", "POST", "/api/cases", "chunked", J),
    ("body 300 kB", "POST", "/api/auth/login", b'{"username": "' + b"x" * 300_000 + b'"}', J),
    ("malformed JSON", "POST", "/api/cases", b'{"kind": ', J),
    ("not UTF-8", "POST", "/api/cases", b'{"kind": "\xff\xfe"}', J),
    ("JSON array body", "POST", "/api/cases", b"[1, 2, 3]", J),
    ("bbox NaN", "GET", "/api/cases?bbox=nan,nan,nan,nan", None, {}),
    ("lon NaN query", "GET", "/api/ref/grids/at?lon=nan&lat=1", None, {}),
    ("lon inf query", "GET", "/api/ref/cameras/nearest?lon=inf&lat=1", None, {}),
]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def send(port: int, method: str, path: str, body: object, headers: dict) -> int:
    """One request; a huge body is sent the way an attacker would: the headers announce it (or a
    chunked stream starts), the first megabyte goes out, then the answer is read (the server must
    answer without waiting for the rest)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        if body == "chunked" or (isinstance(body, bytes) and len(body) > 1_000_000):
            conn.putrequest(method, path)
            for k, v in headers.items():
                conn.putheader(k, v)
            if body == "chunked":
                conn.putheader("Transfer-Encoding", "chunked")
                conn.endheaders()
                for _ in range(16):
                    conn.send(b"10000\r\n" + b"x" * 0x10000 + b"\r\n")  # 64 KiB chunks, never ending
            else:
                conn.putheader("Content-Length", str(len(body)))
                conn.endheaders()
                conn.send(body[:1_000_000])
        else:
            conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    except (ConnectionError, http.client.HTTPException):
        return 0
    finally:
        conn.close()


def run(db_url: str, rounds: int, tmp: Path) -> dict:
    port = free_port()
    env = {**os.environ, "OCC_QGIS_PYTHON": "/nonexistent", "OCC_ADMIN_PASSWORD": ADMIN_PW,
           "OCC_FAST_PASSWORD_HASH": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "server_stub", "--db", db_url, "--port", str(port),
                             "--data-dir", str(tmp)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        token = _login(port, proc)
        auth = {"Authorization": f"Bearer {token}"}
        for _ in range(3):  # warm every code path once before idle is measured
            send(port, "GET", "/api/cases", None, auth)
            send(port, "POST", "/api/cases", _case(), {**J, **auth})
        time.sleep(0.5)
        idle = rss_mb(proc.pid)
        peak = [idle]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], rss_mb(proc.pid))
                time.sleep(0.005)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        times, bad, slowest = [], [], [0.0, ""]
        for _ in range(rounds):
            for name, method, path, body, headers in HOSTILE:
                t = time.perf_counter()
                status = send(port, method, path, body, {**headers, **auth})
                dt = time.perf_counter() - t
                times.append(dt)
                if dt > slowest[0]:
                    slowest[:] = [dt, name]
                if not 400 <= status < 500 or dt >= 1.0:
                    bad.append(f"{name}: {status} in {dt:.3f} s")
        done.set()
        sampler.join()
        peak[0] = max(peak[0], rss_mb(proc.pid))
        times.sort()
        return {"requests": len(times), "kinds": len(HOSTILE), "non_4xx_or_slow": len(bad), "failures": bad[:10],
                "slowest_s": round(times[-1], 3), "slowest_kind": slowest[1], "p50_s": round(times[len(times) // 2], 4),
                "idle_rss_mb": round(idle, 1), "peak_rss_mb": round(peak[0], 1),
                "rss_growth_mb": round(peak[0] - idle, 1),
                "db": "postgresql" if db_url.startswith("postgresql") else "sqlite"}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _login(port: int, proc: subprocess.Popen) -> str:
    deadline = time.time() + 180  # a busy machine: imports, migrations, the QGIS probe
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the server exited during start")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("POST", "/api/auth/login", body=json.dumps({"username": "admin", "password": ADMIN_PW}),
                         headers=J)
            resp = conn.getresponse()
            data = resp.read()
            conn.close()
            if resp.status == 200:
                return json.loads(data)["token"]
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not start")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=None, help="database URL (default: a SQLite file in a temp folder)")
    ap.add_argument("--rounds", type=int, default=3, help="times the whole list is sent")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="occ-bench-hostile-") as tmp:
        db_url = args.db or f"sqlite:///{tmp}/hostile.sqlite"
        print(json.dumps(run(db_url, args.rounds, Path(tmp)), ensure_ascii=False))


if __name__ == "__main__":
    main()
