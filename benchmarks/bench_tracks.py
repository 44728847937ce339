"""Track playback: loading and drawing inspectors' tracks from a live server, and playback frame
rates with the demo city's other layers on. Prints ONE JSON line.

- day: 8 inspectors, one 8-hour day each, a fix every 5 s (46,080 fixes): the panel's load (one
  request per inspector bringing the Arrow columns and the server's analysis, 8 in parallel as the
  panel sends them, each projected and rasterised on its worker as the panel does: `load_s`), and
  the first full render of the track layer at 1920×1080 (`project_and_draw_s`; goal ≤ 1 s in all);
- month: one inspector, 31 days, a fix every 5 s (535,680 fixes): loaded as the panel asks for a
  range that long (simplified at 2 m by the server, stops and gaps kept, with its analysis, then
  projected and rasterised: `load_simplified_s`) and also raw; drawn at city scale, the fastest of
  a few full renders of the layer for that view (goals: load ≤ 3 s, draw ≤ 50 ms);
- playback: the canvas (grids, components, cases, the tracks) repainted frame after frame while
  the playback clock advances at 1×…256×; frame time is what one repaint costs on the UI thread
  (goal ≥ 60 fps at every speed); `layer_renders` counts the layer renders that happened meanwhile
  (a frame must re-render nothing: it composes the cached images and paints the moving parts).

The server runs as its own process (`python -m server_stub`) on SQLite in a temporary folder, like
benchmarks/bench_cases.py; the city is the demo package built into the same folder.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_tracks.py
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OCC_FAST_PASSWORD_HASH", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
PASSWORD = "bench-pw"
DAY0 = datetime(2026, 11, 2, 0, 30, tzinfo=timezone.utc)  # 08:30 in Asia/Shanghai, a Monday


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def walk(n: int, t0: float, lon0: float, lat0: float, extent: tuple[float, float, float, float],
         seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random patrol inside the city at about 1.2 m/s, with 10-minute stops now and then."""
    rng = np.random.default_rng(seed)
    t = t0 + np.arange(n) * 5.0
    heading = np.cumsum(rng.normal(0, 0.35, n))
    step = np.where(rng.random(n) < 0.97, 6.0, 0.0)  # some fixes stand still
    dx = np.sin(heading) * step / (111_320 * np.cos(np.radians(lat0)))
    dy = np.cos(heading) * step / 110_540
    lon, lat = lon0 + np.cumsum(dx), lat0 + np.cumsum(dy)
    # keep inside the city: reflect at the edges
    w, s, e, nn = extent
    lon = w + np.abs(((lon - w) % (2 * (e - w))) - (e - w)) * -1 + (e - w)
    lat = s + np.abs(((lat - s) % (2 * (nn - s))) - (nn - s)) * -1 + (nn - s)
    return t, lon, lat


def seed_db(db_url: str, extent) -> tuple[list[int], int]:
    from sqlalchemy import insert

    from server_stub.db.models import Position
    from server_stub.db.session import Database
    from server_stub.db.types import UTCDateTime  # noqa: F401 - the column type stores naive UTC
    from server_stub.services import loader
    from server_stub.services.users import create_user
    db = Database(db_url)
    db.migrate()
    w, s, e, n = extent
    with db.transaction() as ss:
        create_user(ss, "leader", "领导", PASSWORD, "leader")
        loader.load_inspectors(ss, [{"username": f"insp{k}", "display_name": f"监督员{k}", "device_id": f"dev-{k}",
                                     "password": PASSWORD} for k in range(9)], strict=True)
    from sqlalchemy import select

    from server_stub.db.models import User
    with db.session() as ss:
        ids = {u: i for u, i in ss.execute(select(User.username, User.id))}

    def rows(dev: str, t, lon, lat):
        for a, b, c in zip(t.tolist(), lon.tolist(), lat.tolist()):
            yield {"device_id": dev, "fix_at": datetime.fromtimestamp(a, timezone.utc), "lon": b, "lat": c,
                   "speed_kn": 2.3, "bearing": 90.0}
    day_n = 8 * 3600 // 5
    with db.transaction() as ss:
        for k in range(8):
            t, lon, lat = walk(day_n, DAY0.timestamp(), w + (e - w) * (k + 1) / 9, (s + n) / 2, extent, k)
            ss.execute(insert(Position), list(rows(f"dev-{k}", t, lon, lat)))
        month_n = 31 * 86400 // 5
        t, lon, lat = walk(month_n, (DAY0 - timedelta(days=30)).timestamp(), (w + e) / 2, (s + n) / 2, extent, 99)
        batch = list(rows("dev-8", t, lon, lat))
        for i in range(0, len(batch), 50_000):
            ss.execute(insert(Position), batch[i:i + 50_000])
    db.dispose()
    return [ids[f"insp{k}"] for k in range(8)], ids["insp8"]


def main() -> None:
    from PySide6.QtWidgets import QApplication

    from app.api.client import ApiClient
    from app.city_data import read_city_package
    from app.layers import CaseLayer
    from app.layers.tracks import InspectorTrack, TrackLayer, prepare
    from app.map.canvas import MapCanvas
    from server_stub.citydata.package import build_city

    tmp = Path(tempfile.mkdtemp(prefix="occ-bench-tracks-"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_city(tmp / "city", demo=True)
    profile = json.loads((tmp / "city" / "city.json").read_text(encoding="utf-8"))
    crs = profile["crs"]["authority"]
    extent = tuple(profile["extent"]["lonlat"])
    db_url = f"sqlite:///{tmp}/bench.sqlite"
    t0 = time.perf_counter()
    day_ids, month_id = seed_db(db_url, extent)
    seed_s = time.perf_counter() - t0
    port = free_port()
    env = {**os.environ, "OCC_QGIS_PYTHON": "/nonexistent"}
    proc = subprocess.Popen([sys.executable, "-m", "server_stub", "--db", db_url, "--port", str(port),
                             "--data-dir", str(tmp)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    app = QApplication.instance() or QApplication([])
    out: dict = {"bench": "tracks", "seed_s": round(seed_s, 1)}
    try:
        for _ in range(300):
            try:
                if requests.get(f"{base}/api/health", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        client = ApiClient(base, timeout=120)
        client.login("leader", PASSWORD)

        # ---------------------------------------------------------------- the city and a canvas
        layers, _ = read_city_package(tmp / "city" / "city.gpkg", crs, {
            "basemap": "底图", "grids": "单元网格", "responsibility": "责任网格", "components": "部件",
            "cases": "案件", "inspectors": "监督员", "cameras": "摄像机"})
        canvas = MapCanvas(crs=crs, settle_ms=0)
        canvas.resize(1920, 1080)
        for i, lyr in enumerate(layers.all()):
            canvas.add_layer(lyr, index=i, zoom=False)
        rng = np.random.default_rng(3)
        cases = CaseLayer(crs="EPSG:4490")
        nc = 300
        cases.set_cases(list(range(nc)), rng.uniform(extent[0], extent[2], nc).tolist(),
                        rng.uniform(extent[1], extent[3], nc).tolist(), kinds=["event"] * nc,
                        bands=rng.choice(["green", "yellow", "red"], nc).tolist())
        canvas.add_layer(cases, zoom=False)
        layer = TrackLayer(crs=crs)
        canvas.add_layer(layer, index=len(canvas.layers()) - 1, zoom=False)
        canvas.show()
        canvas.zoom_to_extent(tuple(profile["extent"]["projected"]), crs=crs)
        vp = canvas.viewport

        # ---------------------------------------------------------------- a day of 8 inspectors
        start, end = DAY0.isoformat(), (DAY0 + timedelta(hours=9)).isoformat()

        def fetch(uid: int, name: str, s: str, e: str, simplify: float = 0.0) -> tuple[InspectorTrack, dict]:
            """What the panel's worker does: one request, then the track projected and rasterised."""
            c, analysis = client.track_playback(uid, s, e, simplify)
            tr = InspectorTrack(uid, name, c["t"], c["lon"], c["lat"], c["bearing"])
            prepare(tr, crs)
            return tr, analysis

        # The server's first track request pays its imports and PROJ's database once (reported
        # apart); a running server has served others before. It asks for another inspector.
        t0 = time.perf_counter()
        client.track_playback(month_id, start, (DAY0 + timedelta(minutes=1)).isoformat())
        t_cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        with ThreadPoolExecutor(8) as ex:
            got = list(ex.map(lambda ku: fetch(ku[1], f"监督员{ku[0]}", start, end), enumerate(day_ids)))
        t_fetch = time.perf_counter() - t0
        t1 = time.perf_counter()
        tracks = [tr for tr, _a in got]
        layer.set_tracks(tracks)  # already prepared on the workers
        img = layer.render(vp)
        t_draw = time.perf_counter() - t1
        assert img is not None
        out["day"] = {"fixes": int(sum(len(t) for t in tracks)), "load_s": round(t_fetch, 3),
                      "project_and_draw_s": round(t_draw, 3), "total_s": round(t_fetch + t_draw, 3),
                      "drawn_as": layer.last_mode, "server_first_request_s": round(t_cold, 3), "goal_s": 1.0}

        # ---------------------------------------------------------------- playback frame rates
        layer.set_tracks(tracks)
        canvas.refresh()
        deadline = time.perf_counter() + 30
        while canvas.is_rendering() if hasattr(canvas, "is_rendering") else False:
            app.processEvents()
            if time.perf_counter() > deadline:
                break
        for _ in range(50):
            app.processEvents()
            time.sleep(0.01)
        fps = {}
        renders: list[str] = []
        canvas.layerRendered.connect(lambda name, _s: renders.append(name))
        t_start = DAY0.timestamp() + 600
        for speed in (1, 4, 16, 64, 256):
            frames = []
            sim = t_start
            for _ in range(120):
                sim += speed / 60.0
                layer.set_time(sim)
                f0 = time.perf_counter()
                canvas.repaint()
                frames.append(time.perf_counter() - f0)
            a = np.array(frames) * 1000
            fps[f"{speed}x"] = {"median_ms": round(float(np.median(a)), 2), "p99_ms": round(float(np.percentile(a, 99)), 2),
                                "fps": round(1000 / float(np.mean(a)), 1)}
        app.processEvents()
        out["playback"] = {"frames_each": 120, "size": "1920x1080", "speeds": fps, "layer_renders": len(renders),
                           "goal_fps": 60}

        # ---------------------------------------------------------------- a month of one inspector
        ms, me = (DAY0 - timedelta(days=30)).isoformat(), (DAY0 + timedelta(days=1)).isoformat()
        t0 = time.perf_counter()
        simplified, _analysis = fetch(month_id, "监督员8", ms, me, 2.0)
        t_month = time.perf_counter() - t0
        t0 = time.perf_counter()
        analysis = client.track_analysis(month_id, ms, me)
        t_analysis = time.perf_counter() - t0
        t0 = time.perf_counter()
        raw = client.track_columns(month_id, ms, me, 0.0)
        t_raw = time.perf_counter() - t0
        raw_track = InspectorTrack(month_id, "监督员8", raw["t"], raw["lon"], raw["lat"], raw["bearing"])
        t0 = time.perf_counter()
        prepare(raw_track, crs)
        t_prepare_raw = time.perf_counter() - t0

        def best_draw(tr: InspectorTrack, repeats: int) -> float:
            """The fastest of `repeats` full renders of the layer showing one track, seconds."""
            layer.set_tracks([tr])  # prepared already
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                layer.render(vp)
                times.append(time.perf_counter() - t0)
            return min(times)
        draw_simplified, draw_raw = best_draw(simplified, 5), best_draw(raw_track, 5)
        out["month"] = {"fixes": int(analysis["fixes"]), "kept_simplified_2m": len(simplified),
                        "load_simplified_s": round(t_month, 3), "analysis_s": round(t_analysis, 3),
                        "load_raw_s": round(t_raw, 3), "prepare_raw_s": round(t_prepare_raw, 3),
                        "draw_simplified_ms": round(1000 * draw_simplified, 1),
                        "draw_raw_ms": round(1000 * draw_raw, 1), "drawn_as": layer.last_mode,
                        "goal_load_s": 3.0, "goal_draw_ms": 50}
    finally:
        proc.terminate()
        proc.wait(10)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
