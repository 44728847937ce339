"""Spatial queries and position intake at Nanchang scale, on SQLite.

Builds a city in a temporary SQLite file (800,000 components over ~12 × 12.5 km around
115.85 E 28.68 N, 4,000 unit grids, 234 inspectors) with services/loader.py, then measures:
  * the component query of a 1920×1080 street-scale viewport (~1 km × 0.6 km at a random place):
    directly through the service, and through the real HTTP API of a live uvicorn (a subprocess);
  * OsmAnd position intake over real HTTP to 127.0.0.1: closed loop (N clients as fast as the
    server answers) and open loop at a fixed rate (default 2,000 fixes/s), each bounded in time
    and count; afterwards every acknowledged fix must be in the table.
Prints ONE JSON line with the figures.

    .venv/bin/python benchmarks/bench_spatial.py                 # full scale (~2-3 min)
    .venv/bin/python benchmarks/bench_spatial.py --components 100000 --seconds 3   # quick
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OCC_FAST_PASSWORD_HASH", "1")

LON0, LAT0 = 115.85, 28.68
WIDTH_M, HEIGHT_M = 12_000.0, 12_500.0
M_PER_DEG_LAT = 110_900.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(LAT0))
DLON, DLAT = WIDTH_M / M_PER_DEG_LON, HEIGHT_M / M_PER_DEG_LAT
MINX, MINY = LON0 - DLON / 2, LAT0 - DLAT / 2
VIEW_DLON, VIEW_DLAT = 1000.0 / M_PER_DEG_LON, 600.0 / M_PER_DEG_LAT  # 1920×1080 at ~0.52 m/px
PASSWORD = "bench-pw"


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


# ---------------------------------------------------------------- the city
def build_city(db_url: str, n_components: int, n_inspectors: int, seed: int = 7) -> dict:
    from app.domain.classification import Classification
    from server_stub.db.session import Database
    from server_stub.services import loader
    from server_stub.services.users import create_user

    rnd = random.Random(seed)
    db = Database(db_url)
    db.migrate()
    classes = [c.code for c in Classification.load().classes("component")]
    cols, rows = 80, 50  # 4,000 unit grids of 150 m × 250 m; 10 streets × 5 communities × 80 grids
    gw, gh = DLON / cols, DLAT / rows
    out: dict = {}
    with db.transaction() as s:
        loader.load_regions(s, [{"code": "360102", "name": "东湖区"}]
                            + [{"code": f"360102{st:03d}", "name": f"街道{st}"} for st in range(1, 11)]
                            + [{"code": f"360102{st:03d}{cm:03d}", "name": f"社区{st}-{cm}"}
                               for st in range(1, 11) for cm in range(1, 6)], strict=True)
        grids = []
        for c in range(cols):
            for r in range(rows):
                st, cm = c // 8 + 1, r // 10 + 1
                seq = (r % 10) * 8 + (c % 8) + 1  # west→east, north→south would flip r; fine for a bench
                x0, y0 = MINX + c * gw, MINY + r * gh
                grids.append({"code": f"360102{st:03d}{cm:03d}{seq:03d}", "area_m2": 150 * 250.0,
                              "geometry": {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + gw, y0],
                                           [x0 + gw, y0 + gh], [x0, y0 + gh], [x0, y0]]]}})
        loader.load_unit_grids(s, grids, strict=True)
        create_user(s, "bench", "bench", PASSWORD, "dispatcher")
        loader.load_inspectors(s, [{"username": f"insp{k:03d}", "device_id": f"86{k:08d}", "password": PASSWORD,
                                    "device_secret": device_secret(f"86{k:08d}")}
                                   for k in range(n_inspectors)], strict=True)

    def components():
        for k in range(n_components):
            cls = classes[k % len(classes)]
            yield {"id": f"360102{cls}{k // len(classes):06d}", "lon": MINX + rnd.random() * DLON,
                   "lat": MINY + rnd.random() * DLAT, "state": "intact"}
    t = time.perf_counter()
    with db.transaction() as s:
        rep = loader.load_components(s, components(), strict=True)
    out["load_components_s"] = round(time.perf_counter() - t, 1)
    out["components"] = rep.inserted
    db.dispose()
    return out


def viewports(n: int, seed: int = 11) -> list[tuple[float, float, float, float]]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        x = MINX + rnd.random() * (DLON - VIEW_DLON)
        y = MINY + rnd.random() * (DLAT - VIEW_DLAT)
        out.append((x, y, x + VIEW_DLON, y + VIEW_DLAT))
    return out


def bench_service(db_url: str, n: int) -> dict:
    from server_stub.db.session import Database
    from server_stub.services.reference import components_in_bbox
    import gc
    gc.collect()
    gc.freeze()  # as the server does after start-up (api/positions.py): no 40 ms full collections
    db = Database(db_url)
    lat, counts = [], []
    with db.session() as s:
        for box in viewports(20, seed=1):  # warm the page cache like a running server
            components_in_bbox(s, box)
        for box in viewports(n):
            t = time.perf_counter()
            d = components_in_bbox(s, box)
            lat.append((time.perf_counter() - t) * 1000)
            counts.append(d["count"])
    db.dispose()
    return {"service_p50_ms": round(pct(lat, 50), 2), "service_p99_ms": round(pct(lat, 99), 2),
            "viewport_components_mean": round(sum(counts) / len(counts))}


# ---------------------------------------------------------------- the live server
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db_url: str, port: int) -> None:
    import uvicorn
    from server_stub.app import create_app
    from server_stub.settings import Settings
    app = create_app(Settings(db=db_url, data_dir=Path(db_url.split("///", 1)[-1]).parent / "data"))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def start_server(db_url: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", db_url, "--port", str(port)], cwd=ROOT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, port
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start in 60 s")


def bench_http_bbox(port: int, n: int) -> dict:
    import requests
    base = f"http://127.0.0.1:{port}"
    with requests.Session() as sess:
        tok = sess.post(f"{base}/api/auth/login", json={"username": "bench", "password": PASSWORD},
                        timeout=10).json()["token"]
        sess.headers["Authorization"] = f"Bearer {tok}"
        for box in viewports(20, seed=1):
            sess.get(f"{base}/api/ref/components", params={"bbox": ",".join(map(str, box))}, timeout=10)
        lat, sizes = [], []
        for box in viewports(n):
            bbox = ",".join(f"{v:.6f}" for v in box)
            t = time.perf_counter()
            r = sess.get(f"{base}/api/ref/components", params={"bbox": bbox}, timeout=10)
            lat.append((time.perf_counter() - t) * 1000)
            r.raise_for_status()
            sizes.append(len(r.content))
    return {"http_p50_ms": round(pct(lat, 50), 2), "http_p99_ms": round(pct(lat, 99), 2),
            "http_body_kb_mean": round(sum(sizes) / len(sizes) / 1024, 1)}


# ---------------------------------------------------------------- OsmAnd load (a minimal keep-alive client)
def device_secret(device_id: str) -> str:
    """The benchmark's phones' secrets (a throwaway database: predictable is fine here)."""
    return f"bench-secret-{device_id}"



async def _phone(port: int, devices: list[str], deadline: float, budget: list[int], interval: float | None,
                 lat_ms: list[float], codes: dict[int, int], rnd: random.Random) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    next_at = time.perf_counter() + (rnd.random() * interval if interval else 0)
    k = 0
    try:
        while budget[0] > 0:
            if interval:
                delay = next_at - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            if time.perf_counter() >= deadline:
                break
            budget[0] -= 1
            dev = devices[k % len(devices)]
            k += 1
            q = (f"id={dev}&key={device_secret(dev)}"
                 f"&lat={MINY + rnd.random() * DLAT:.6f}&lon={MINX + rnd.random() * DLON:.6f}"
                 f"&timestamp={time.time():.3f}&speed=1.5&bearing=90&altitude=20&accuracy=5&batt=80")
            start = next_at if interval else time.perf_counter()  # open loop: no coordinated omission
            writer.write(f"GET /osmand?{q} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            status = int((await reader.readline()).split()[1])
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            lat_ms.append((time.perf_counter() - start) * 1000)
            codes[status] = codes.get(status, 0) + 1
            if interval:
                next_at += interval
    finally:
        writer.close()


async def _load(port: int, clients: int, seconds: float, max_requests: int, rate: float | None,
                devices: list[str]) -> dict:
    lat: list[float] = []
    codes: dict[int, int] = {}
    budget = [max_requests]
    interval = clients / rate if rate else None
    t0 = time.perf_counter()
    deadline = t0 + seconds
    per = [devices[i::clients] or devices for i in range(clients)]
    await asyncio.gather(*[_phone(port, per[i], deadline, budget, interval, lat, codes, random.Random(i))
                           for i in range(clients)])
    took = time.perf_counter() - t0
    return {"requests": len(lat), "ok": codes.get(200, 0), "codes": codes, "seconds": round(took, 2),
            "per_s": round(codes.get(200, 0) / took), "p50_ms": round(pct(lat, 50), 2),
            "p99_ms": round(pct(lat, 99), 2)}


def count_positions(db_url: str) -> int:
    from sqlalchemy import func, select
    from server_stub.db.models import Position
    from server_stub.db.session import Database
    db = Database(db_url)
    with db.session() as s:
        n = s.scalar(select(func.count()).select_from(Position))
    db.dispose()
    return n


# ---------------------------------------------------------------- main
def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--components", type=int, default=800_000)
    p.add_argument("--inspectors", type=int, default=234)
    p.add_argument("--queries", type=int, default=500, help="viewport queries per method")
    p.add_argument("--seconds", type=float, default=10.0, help="duration of each position load phase")
    p.add_argument("--clients", type=int, default=64, help="concurrent phone connections")
    p.add_argument("--rate", type=float, default=2000.0, help="fixes/s of the open-loop phase")
    p.add_argument("--max-requests", type=int, default=200_000, help="cap per load phase")
    p.add_argument("--dir", help="keep the database here instead of a temporary directory")
    p.add_argument("--reuse", action="store_true", help="with --dir: use the city built there before")
    p.add_argument("--only", choices=["bbox", "osmand"], help="run one half of the benchmark")
    p.add_argument("--serve", metavar="DB_URL", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.serve:
        serve(a.serve, a.port)
        return
    tmp = tempfile.TemporaryDirectory(prefix="occ-bench-") if not a.dir else None
    work = Path(a.dir or tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    db_file = work / "bench.sqlite"
    db_url = f"sqlite:///{db_file}"
    result: dict = {"benchmark": "spatial+osmand", "db": "sqlite", "cpus": os.cpu_count(),
                    "viewport_m": [1000, 600]}
    if not (a.reuse and db_file.exists()):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        t = time.perf_counter()
        result.update(build_city(db_url, a.components, a.inspectors))
        result["unit_grids"] = 4000
        result["build_s"] = round(time.perf_counter() - t, 1)
        print(f"city built in {result['build_s']} s", file=sys.stderr)
    if a.only != "osmand":
        result.update(bench_service(db_url, a.queries))
    stored_before = count_positions(db_url)
    proc, port = start_server(db_url)
    try:
        if a.only != "osmand":
            result.update(bench_http_bbox(port, a.queries))
            print("viewport queries done", file=sys.stderr)
        if a.only != "bbox":
            devices = [f"86{k:08d}" for k in range(a.inspectors)]
            closed = asyncio.run(_load(port, a.clients, a.seconds, a.max_requests, None, devices))
            print(f"closed loop: {closed}", file=sys.stderr)
            opened = asyncio.run(_load(port, a.clients, a.seconds, a.max_requests, a.rate, devices))
            print(f"open loop: {opened}", file=sys.stderr)
    finally:
        proc.terminate()  # SIGTERM: uvicorn shuts down and the position writer flushes
        proc.wait(60)
    if a.only == "bbox":
        print(json.dumps(result, ensure_ascii=False))
        return
    stored = count_positions(db_url) - stored_before
    acked = closed["ok"] + opened["ok"]
    result.update({"osmand_clients": a.clients,
                   "osmand_max_per_s": closed["per_s"], "osmand_max_p50_ms": closed["p50_ms"],
                   "osmand_max_p99_ms": closed["p99_ms"],
                   "osmand_rate_target_per_s": a.rate, "osmand_rate_per_s": opened["per_s"],
                   "osmand_rate_p50_ms": opened["p50_ms"], "osmand_rate_p99_ms": opened["p99_ms"],
                   "osmand_non_200": sum(v for k, v in {**closed["codes"]}.items() if k != 200)
                   + sum(v for k, v in opened["codes"].items() if k != 200),
                   "osmand_acknowledged": acked, "osmand_stored": stored, "osmand_lost": max(0, acked - stored)})
    if tmp:
        tmp.cleanup()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
