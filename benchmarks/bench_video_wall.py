"""The video wall with 16 tiles of 640×360 25 fps H.264 sub streams in the window with the map.
Prints ONE JSON line:

- first_frame_all_s: from choosing the 4×4 layout (16 cameras already assigned) until every tile
  has shown a frame (goal ≤ 2 s);
- tile_fps_min / tile_fps_median: frames each tile painted per second over --seconds (goal ≥ 20);
- client_cores: the client process's CPU seconds per wall second meanwhile (goal ≤ 1.2 of 2);
- pan_frame_ms_median / p95: one map repaint while panning (pan_by_pixels + repaint, as
  bench_map_render) with the 16 tiles playing, and pan_interval_ms_median: the time between two pan
  steps driven by a 16 ms timer (goal: median frame ≤ 16 ms);
- hide_to_idle_s: from hiding the dock until no tile's decoder thread runs; cpu_after_hide_cores:
  the process's CPU over the two seconds after that, other_threads_cpu_after_hide_cores the same
  without the UI thread (where decoding would run) (goal: decoding 0 within 1 s);
- memory_delta_mb: resident memory with the 16 tiles playing minus before the wall was made
  (goal ≤ 400 MB).

Streams: by default ffmpeg renders a 640×360 test stream served over HTTP as HLS from a temporary
folder (16 connections, one per tile); --server URL --user U --password P plays the sub streams of
that server's first 16 online cameras instead (e.g. the demo server's own HLS and RTSP cameras);
--url URL plays that one stream on all 16 tiles (e.g. http://HOST/streams/a/sub.m3u8, the demo's live HLS).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_video_wall.py [--seconds 10]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

CRS = "EPSG:4527"
CX, CY = 39_390_000.0, 3_170_000.0


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_for(seconds: float, until=None) -> float:  # noqa: ANN001
    """Runs the event loop (as the app does, no polling) for the time, or until `until()` holds
    (checked every 10 ms); the seconds it took."""
    from PySide6.QtCore import QEventLoop, QTimer
    t0 = time.monotonic()
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    check = QTimer()
    if until is not None:
        check.timeout.connect(lambda: loop.quit() if until() else None)
        check.start(10)
    loop.exec()
    check.stop()
    return time.monotonic() - t0


def thread_cpu() -> dict[str, float]:
    """CPU seconds of each thread of this process (Linux /proc), by thread id."""
    import glob
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for d in glob.glob("/proc/self/task/*"):
        try:
            f = open(d + "/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[d.rsplit("/", 1)[1]] = (int(f[11]) + int(f[12])) / tick
    return out


def map_canvas():
    """A map with 2,500 unit grids and 60,000 components (a street district at 1:2,000)."""
    import shapely

    from app.layers import ComponentLayer, UnitGridLayer
    from app.map.canvas import MapCanvas
    rng = np.random.default_rng(3)
    grids, codes = [], []
    for j in range(50):
        for i in range(50):
            x0, y0 = CX - 2500 + 100 * i, CY - 2500 + 100 * j
            grids.append(shapely.box(x0, y0, x0 + 100, y0 + 100))
            codes.append(f"360102001001{(j * 50 + i) % 999 + 1:03d}")
    n = 60_000
    comps = ComponentLayer(CX - 2500 + rng.random(n) * 5000, CY - 2500 + rng.random(n) * 5000,
                           rng.choice(["0101", "0105", "0402", "0302"], n).tolist(), crs=CRS,
                           ids=[f"36010201010{k:05d}" for k in range(n)])
    canvas = MapCanvas(crs=CRS, dpi=96.0)
    canvas.add_layer(UnitGridLayer(grids, codes, crs=CRS), zoom=False)
    canvas.add_layer(comps, zoom=False)
    canvas.set_viewport(canvas.viewport.with_center(CX, CY).with_mupp(0.6), render=False)
    return canvas


def cameras(args, tmp: Path) -> tuple[object, list[dict], object]:
    """(client, 16 camera records, the local stream server or None)."""
    from app.api.client import ApiClient
    if args.url:
        cams = [{"id": f"3101000000132000{i:04d}", "name": f"测试摄像机{i + 1}", "lon": 120.6, "lat": 31.3,
                 "online": True, "stream_url": args.url, "sub_stream_url": args.url} for i in range(16)]
        return ApiClient("http://127.0.0.1:9"), cams, None
    if args.server:
        client = ApiClient(args.server)
        client.login(args.user, args.password)
        cams = [c for c in client.cameras() if c.get("online", True) and (c.get("sub_stream_url") or c.get("stream_url"))]
        if not cams:
            raise SystemExit("the server has no online camera with a stream")
        return client, [dict(cams[i % len(cams)], id=f"{cams[i % len(cams)]['id']}#{i}") for i in range(16)], None
    from tests.client.video_streams import StreamServer, render_hls
    render_hls(tmp, "sub", seconds=30)
    srv = StreamServer(tmp)
    url = srv.url("sub/index.m3u8")
    cams = [{"id": f"3101000000132000{i:04d}", "name": f"测试摄像机{i + 1}", "lon": 120.6, "lat": 31.3,
             "online": True, "stream_url": url, "sub_stream_url": url} for i in range(16)]
    return ApiClient("http://127.0.0.1:9"), cams, srv


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--server")
    ap.add_argument("--url", help="one stream URL for all 16 tiles (e.g. a demo server's /streams/a/sub.m3u8)")
    ap.add_argument("--user", default="dispatcher")
    ap.add_argument("--password", default="demo")
    args = ap.parse_args()

    from PySide6.QtCore import QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow

    from app.video.wall_state import WallState
    from app.widgets.video_wall import VideoWall
    app = QApplication.instance() or QApplication([])
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        client, cams, srv = cameras(args, Path(tmp))
        win = QMainWindow()
        canvas = map_canvas()
        win.setCentralWidget(canvas)
        win.resize(1920, 1080)
        win.show()
        canvas.wait_for_render(60)
        run_for(0.5)
        rss0 = rss_mb()

        wall = VideoWall(client, state=WallState(QSettings(str(Path(tmp) / "wall.ini"), QSettings.IniFormat)))
        dock = QDockWidget("视频墙", win)
        dock.setWidget(wall)
        win.addDockWidget(Qt.RightDockWidgetArea, dock)
        win.resizeDocks([dock], [1280], Qt.Horizontal)
        wall.browser.hide()  # the tiles take the dock (1280 px: 4×4 tiles of about 320×180)
        wall.set_cameras(cams)
        wall.set_layout("1")
        wall.put_many([c["id"] for c in cams])
        wall.assign[:16] = [c["id"] for c in cams]
        run_for(1.0)

        t0 = time.monotonic()
        wall.set_layout("4x4")
        tiles = wall.tiles[:16]
        run_for(10.0, until=lambda: all(t.frame is not None for t in tiles))
        out["first_frame_all_s"] = round(time.monotonic() - t0, 2) if all(t.frame is not None for t in tiles) else None
        run_for(2.0)

        shown0, c0, w0 = [t.shown for t in tiles], cpu_s(), time.monotonic()
        run_for(args.seconds)
        dt = time.monotonic() - w0
        fps = [(t.shown - s) / dt for t, s in zip(tiles, shown0)]
        out["tile_fps_min"] = round(min(fps), 1)
        out["tile_fps_median"] = round(statistics.median(fps), 1)
        out["client_cores"] = round((cpu_s() - c0) / dt, 2)
        out["memory_delta_mb"] = round(rss_mb() - rss0, 1)

        # panning the map while the 16 tiles play
        frame_ms, stamps = [], []
        canvas.begin_interaction()

        def pan_step() -> None:
            i = len(frame_ms)
            canvas.pan_by_pixels(7 if (i // 30) % 2 == 0 else -7, 3, render=False)
            t = time.perf_counter()
            canvas.repaint()
            frame_ms.append((time.perf_counter() - t) * 1000)
            stamps.append(time.perf_counter())
        pan = QTimer()
        pan.setTimerType(Qt.PreciseTimer)
        pan.timeout.connect(pan_step)
        pan.start(16)
        run_for(4.0)
        pan.stop()
        canvas.end_interaction(0)
        canvas.wait_for_render(30)  # the map's own render after panning is not the wall's CPU
        run_for(0.5)
        out["pan_frame_ms_median"] = round(statistics.median(frame_ms), 2)
        out["pan_frame_ms_p95"] = round(float(np.percentile(frame_ms, 95)), 2)
        out["pan_interval_ms_median"] = round(statistics.median(np.diff(stamps) * 1000), 2)

        # the dock hidden: decoding stops
        t0 = time.monotonic()
        dock.hide()
        run_for(5.0, until=lambda: not any(t.stream.running for t in tiles))
        out["hide_to_idle_s"] = round(time.monotonic() - t0, 2)
        c0, w0, th0 = cpu_s(), time.monotonic(), thread_cpu()
        run_for(2.0)
        dt, th1 = time.monotonic() - w0, thread_cpu()
        out["cpu_after_hide_cores"] = round((cpu_s() - c0) / dt, 3)  # the whole client, map included
        main_tid = str(os.getpid())
        out["other_threads_cpu_after_hide_cores"] = round(
            sum(v - th0.get(k, 0.0) for k, v in th1.items() if k != main_tid) / dt, 3)  # decoders, if any
        out["decoders_running_after_hide"] = sum(t.stream.running for t in tiles)
        out["streams"] = args.url or ("server" if args.server else "local HLS 640x360 25 fps")
        wall.stop_all()
        win.close()
        if srv is not None:
            srv.stop()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
