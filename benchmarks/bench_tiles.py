"""QGIS basemap tile benchmark on the demo city (central Helsinki, built by the city-data pipeline).

    .venv/bin/python benchmarks/bench_tiles.py [--zooms 16-19] [--workers N] [--requests 2000] [--regen]

Measures
  cold_tiles_per_s_z<z>   tiles rendered per second at each Web Mercator level, cold (no cache), through
                          the renderer pool (metatiles in parallel, one thread per renderer process)
  cold_tiles_per_s        the same over all levels; metatile_ms_p50/p99: one metatile render
  renderer_start_s        starting one QGIS renderer process (QGIS init + layers + styles)
  cached_p50_ms/p99_ms    latency of a cached tile through the real HTTP endpoint (live uvicorn on
                          127.0.0.1, one keep-alive client, tiles cycling over the rendered set)
  not_modified_p50_ms     the same with If-None-Match (304)
and prints ONE JSON line.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def demo_city(regen: bool) -> Path:
    out = ROOT / "var" / "bench" / "democity"
    if regen or not (out / "city.gpkg").is_file():
        from server_stub.citydata.package import build_city
        out.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            build_city(out, demo=True)
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def cold(city_dir: Path, zooms: list[int], workers: int) -> tuple[dict, list[tuple[int, int, int]]]:
    from server_stub.basemap import qgis_env
    from server_stub.basemap.engine import BasemapConfig, BasemapEngine
    from server_stub.basemap.mbtiles import blocks
    from server_stub.basemap.package import load_city
    status = qgis_env.probe()
    if not status.available:
        sys.exit(status.message())
    engine = BasemapEngine(load_city(city_dir), qgis=status, cache_dir=None,
                           config=BasemapConfig(workers=workers, timeout=120.0, memory_tiles=16))
    out: dict = {}
    rendered: list[tuple[int, int, int]] = []
    try:
        pool = engine.pool
        t0 = time.perf_counter()
        with ThreadPoolExecutor(pool.size) as ex:  # start every renderer (not part of the rate)
            list(ex.map(lambda _: pool.render({"op": "ping"}), range(pool.size)))
        out["renderer_start_s"] = round((time.perf_counter() - t0), 2)
        out["renderers"] = pool.size
        block_ms: list[float] = []
        total_tiles, total_s = 0, 0.0

        def one(z, b):
            t = time.perf_counter()
            tiles = engine.render_block("day", "WebMercatorQuad", z, *b)
            block_ms.append((time.perf_counter() - t) * 1000)
            return z, tiles

        for z in zooms:
            todo = blocks(engine, "WebMercatorQuad", z)
            t = time.perf_counter()
            with ThreadPoolExecutor(pool.size) as ex:
                results = list(ex.map(lambda b: one(z, b), todo))
            dt = time.perf_counter() - t
            n = sum(len(tiles) for _, tiles in results)
            rendered += [(z, x, y) for _, tiles in results for (x, y) in tiles]
            out[f"cold_tiles_per_s_z{z}"] = round(n / dt, 1)
            out[f"tiles_z{z}"] = n
            total_tiles += n
            total_s += dt
        out["cold_tiles_per_s"] = round(total_tiles / total_s, 1)
        out["metatile_ms_p50"] = round(pct(block_ms, 50), 1)
        out["metatile_ms_p99"] = round(pct(block_ms, 99), 1)
    finally:
        engine.close()
    return out, rendered


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(city_dir: Path, tiles: list[tuple[int, int, int]], requests: int, workers: int) -> dict:
    import httpx
    import uvicorn

    from server_stub.app import create_app
    from server_stub.basemap import set_city
    from server_stub.settings import Settings
    os.environ["OCC_TILE_WORKERS"] = str(workers)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings(db=f"sqlite:///{tmp}/occ.sqlite", data_dir=Path(tmp) / "data"))
        set_city(app.state.ctx, city_dir)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        base = f"http://127.0.0.1:{port}"
        try:
            urls = [f"/tiles/day/{z}/{x}/{y}.png" for z, x, y in tiles]
            with httpx.Client(base_url=base, timeout=120) as c:
                etags = {}
                t = time.perf_counter()
                for u in urls:  # fill the cache (renders through the server's pool)
                    r = c.get(u)
                    r.raise_for_status()
                    etags[u] = r.headers["etag"]
                fill_s = time.perf_counter() - t
                lat, lat304 = [], []
                for i in range(requests):
                    u = urls[i % len(urls)]
                    t = time.perf_counter()
                    r = c.get(u)
                    lat.append((time.perf_counter() - t) * 1000)
                    assert r.status_code == 200
                for i in range(min(requests, 500)):
                    u = urls[i % len(urls)]
                    t = time.perf_counter()
                    r = c.get(u, headers={"If-None-Match": etags[u]})
                    lat304.append((time.perf_counter() - t) * 1000)
                    assert r.status_code == 304
        finally:
            server.should_exit = True
            thread.join(15)
    return {"http_fill_tiles_per_s": round(len(urls) / fill_s, 1), "cached_requests": requests,
            "cached_p50_ms": round(statistics.median(lat), 2), "cached_p99_ms": round(pct(lat, 99), 2),
            "not_modified_p50_ms": round(statistics.median(lat304), 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--zooms", default="16-19")
    ap.add_argument("--workers", type=int, default=0, help="renderer processes (default min(2, cores))")
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--http-tiles", type=int, default=300, help="tiles served in the HTTP part")
    ap.add_argument("--regen", action="store_true", help="rebuild the demo city package")
    args = ap.parse_args()
    from server_stub.basemap.mbtiles import parse_zooms
    zooms = parse_zooms(args.zooms)
    workers = args.workers or min(2, os.cpu_count() or 1)
    city_dir = demo_city(args.regen)
    result = {"bench": "tiles", "city": "demo (central Helsinki)", "zooms": args.zooms, "cpus": os.cpu_count()}
    figures, rendered = cold(city_dir, zooms, workers)
    result.update(figures)
    # HTTP part: the z18 tiles (a street-level view), a fresh server and cache
    pick = [t for t in rendered if t[0] == 18][: args.http_tiles] or rendered[: args.http_tiles]
    result.update(http(city_dir, pick, args.requests, workers))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
