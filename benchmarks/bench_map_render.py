"""Map rendering benchmark: a Nanchang-scale synthetic city on the MapCanvas at 1920x1080 offscreen.

    .venv/bin/python benchmarks/bench_map_render.py [--small] [--regen] [--no-qgis] [--png DIR]

Builds (once, cached in var/bench/) a GeoPackage with 800,000 component points over ~150 km²,
4,000 unit-grid polygons and 20,000 case markers, loads it with the app's layers, and measures:

  full_city_render_s     all layers rendered for the whole city (goal <= 0.25 s)
  street_render_s        a 2 km wide street view (goal <= 0.05 s)
  pan_frame_ms_median    UI-thread paint time per frame while panning from the cache (goal <= 16 ms)
  case_update_fps        composed frames per second while 1,000 case updates a second arrive (goal >= 30)
  peak_rss_mb            peak memory of this process (goal < 2048)
  qgis_*                 the same GeoPackage rendered by QGIS in its own process (Debian's PyQGIS,
                         never imported here) and the ratio QGIS time / ours

and prints ONE JSON line at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CRS = "EPSG:4527"  # CGCS2000 3-degree GK zone 39 (CM 117E), Nanchang
ORIGIN = (39_383_000.0, 3_167_000.0)  # south-west corner of the synthetic city (x with zone prefix)
SIDE_M = 12_250.0  # 12.25 km x 12.25 km = 150 km²
W, H = 1920, 1080

# a plausible mix of component classes: covers, lamps, trees, bins dominate real surveys
CLASS_WEIGHTS = {
    "0101": 6, "0102": 9, "0103": 9, "0104": 7, "0105": 4, "0106": 2, "0107": 5, "0108": 1, "0109": 1, "0110": 1,
    "0111": 3, "0112": 1, "0113": 2, "0114": 1, "0115": 2, "0116": 2, "0117": 5, "0118": 9, "0120": 2, "0134": 1,
    "0136": 2, "0201": 1, "0202": 1, "0203": 1, "0209": 3, "0210": 2, "0211": 3, "0212": 1, "0213": 2, "0301": 1,
    "0305": 6, "0307": 3, "0401": 1, "0402": 12, "0404": 1, "0407": 1, "0501": 1, "0602": 1,
}


# ---------------------------------------------------------------------------- the synthetic city
def make_grid_polygons(n_target: int, rng, origin=ORIGIN, side=SIDE_M, subdiv: int = 3):
    """~n_target irregular unit grids covering the square: jittered shared vertices, wobbly edges."""
    import shapely

    k = int(round(np.sqrt(n_target)))
    step = side / k
    gx = np.linspace(0, side, k + 1)
    X, Y = np.meshgrid(gx, gx)
    jit = step * 0.18
    X = X + rng.uniform(-jit, jit, X.shape) * (0 < X) * (X < side)
    Y = Y + rng.uniform(-jit, jit, Y.shape) * (0 < Y) * (Y < side)

    def edge(p, q, seed):
        r = np.random.default_rng(seed)
        t = np.linspace(0, 1, subdiv + 1)[1:-1]
        pts = p[None, :] + (q - p)[None, :] * t[:, None]
        nrm = np.array([-(q - p)[1], (q - p)[0]]) / (np.hypot(*(q - p)) + 1e-9)
        pts = pts + nrm[None, :] * r.uniform(-step * 0.05, step * 0.05, (len(t), 1))
        return pts

    polys, codes = [], []
    for j in range(k):
        for i in range(k):
            a = np.array([X[j, i], Y[j, i]])
            b = np.array([X[j, i + 1], Y[j, i + 1]])
            c = np.array([X[j + 1, i + 1], Y[j + 1, i + 1]])
            d = np.array([X[j + 1, i], Y[j + 1, i]])
            # edges keyed by their grid position so neighbours share the same wobble
            e1 = edge(a, b, (j * 7919 + i) * 4 + 0)
            e2 = edge(b, c, (j * 7919 + i + 1) * 4 + 1)
            e3 = edge(d, c, ((j + 1) * 7919 + i) * 4 + 0)[::-1]
            e4 = edge(a, d, (j * 7919 + i) * 4 + 1)[::-1]
            ring = np.vstack([a, e1, b, e2, c, e3, d, e4, a]) + np.array(origin)
            polys.append(ring)
            street = 1 + j // 16
            comm = 1 + i // 16
            seq = 1 + (j % 16) * 16 + (i % 16)
            codes.append(f"360102{street:03d}{comm:03d}{seq:03d}")
    geoms = shapely.polygons([p for p in polys])
    return geoms, np.array(codes, dtype=object), step


def make_points_along_streets(n: int, rng, grids, spread: float = 9.0, inside_share: float = 0.15):
    """Points along the grid boundaries (the streets: most components stand by the road), some inside."""
    import shapely

    xy, ring = shapely.get_coordinates(shapely.get_exterior_ring(grids), return_index=True)
    same = ring[1:] == ring[:-1]
    a, b = xy[:-1][same], xy[1:][same]
    seg_len = np.hypot(*(b - a).T)
    pick = rng.choice(len(a), n, p=seg_len / seg_len.sum())
    t = rng.random(n)[:, None]
    pts = a[pick] + (b[pick] - a[pick]) * t
    nrm = (b[pick] - a[pick])[:, ::-1] * np.array([-1.0, 1.0]) / seg_len[pick][:, None]
    pts += nrm * rng.normal(0, spread, (n, 1))
    inside = rng.random(n) < inside_share
    if inside.any():
        xmin, ymin, xmax, ymax = shapely.total_bounds(grids)
        pts[inside, 0] = rng.uniform(xmin, xmax, inside.sum())
        pts[inside, 1] = rng.uniform(ymin, ymax, inside.sum())
    return pts[:, 0].copy(), pts[:, 1].copy()


def make_city(n_components=800_000, n_grids=4_000, n_cases=20_000, seed=7):
    rng = np.random.default_rng(seed)
    grids, codes, step = make_grid_polygons(n_grids, rng)
    cx, cy = make_points_along_streets(n_components, rng, grids)
    classes = np.array(list(CLASS_WEIGHTS), dtype=object)
    w = np.array(list(CLASS_WEIGHTS.values()), float)
    ccls = classes[rng.choice(len(classes), n_components, p=w / w.sum())]
    serial = np.arange(n_components)
    cids = np.char.add(np.char.add("360102", ccls.astype(str)), np.char.zfill(serial.astype(str), 6))
    kx, ky = make_points_along_streets(n_cases, rng, grids, spread=14.0, inside_share=0.3)
    kind = np.where(rng.random(n_cases) < 0.35, "component", "event")
    band = rng.choice(np.array(["green", "yellow", "red"]), n_cases, p=[0.7, 0.2, 0.1])
    return {
        "grids": (grids, codes),
        "components": (cx, cy, ccls, cids),
        "cases": (kx, ky, kind, band, np.array([f"C{i:07d}" for i in range(n_cases)], dtype=object)),
        "step": step,
    }


def write_gpkg(city: dict, path: Path) -> None:
    import geopandas as gpd
    import shapely

    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    grids, codes = city["grids"]
    gpd.GeoDataFrame({"code": codes}, geometry=grids, crs=CRS).to_file(path, layer="unit_grids", driver="GPKG")
    cx, cy, ccls, cids = city["components"]
    gpd.GeoDataFrame({"id": cids, "minor_code": ccls}, geometry=shapely.points(cx, cy), crs=CRS).to_file(
        path, layer="components", driver="GPKG")
    kx, ky, kind, band, kid = city["cases"]
    gpd.GeoDataFrame({"id": kid, "kind": kind, "band": band}, geometry=shapely.points(kx, ky), crs=CRS).to_file(
        path, layer="cases", driver="GPKG")


def load_layers(path: Path):
    import pyogrio
    import shapely

    from app.layers import CaseLayer, ComponentLayer, UnitGridLayer

    grids = UnitGridLayer.from_file(path, layer="unit_grids", code_field="code")
    comps = ComponentLayer.from_file(path, layer="components", class_field="minor_code", id_field="id")
    meta, _f, geom, fields = pyogrio.raw.read(path, layer="cases")
    d = dict(zip(meta["fields"], fields))
    xy = shapely.get_coordinates(shapely.from_wkb(geom))
    cases = CaseLayer(crs=str(meta["crs"]))
    cases.set_cases(list(d["id"]), xy[:, 0], xy[:, 1], kinds=d["kind"], bands=d["band"])
    return grids, comps, cases


# ---------------------------------------------------------------------------- QGIS, in its own process
def find_qgis_python() -> tuple[str | None, str]:
    exe = os.environ.get("OCC_QGIS_PYTHON")
    candidates = [exe] if exe else ["/usr/bin/python3"]
    for c in candidates:
        if not c or not Path(c).exists():
            continue
        try:
            r = subprocess.run([c, "-c", "import qgis.core"], env=_clean_env(), capture_output=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as e:
            return None, f"{c}: {e}"
        if r.returncode == 0:
            return c, ""
        return None, f"{c} cannot import qgis.core: {r.stderr.decode(errors='replace').strip().splitlines()[-1:]}"
    return None, "no Python with PyQGIS found (set OCC_QGIS_PYTHON, or apt-get install python3-qgis)"


def _clean_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV",
                                                          "QT_PLUGIN_PATH", "QML2_IMPORT_PATH")}
    env["PATH"] = ":".join(p for p in env.get("PATH", "").split(":") if ".venv" not in p)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def run_qgis(gpkg: Path, city_extent, street_extent, crs: str) -> dict:
    exe, why = find_qgis_python()
    if exe is None:
        return {"qgis": None, "qgis_reason": why}
    script = ROOT / "benchmarks" / "qgis_render_equivalent.py"
    args = [exe, str(script), "--gpkg", str(gpkg), "--crs", crs, "--size", f"{W}x{H}",
            "--city", ",".join(f"{v:.3f}" for v in city_extent), "--street", ",".join(f"{v:.3f}" for v in street_extent)]
    try:
        r = subprocess.run(args, env=_clean_env(), capture_output=True, timeout=900)
    except subprocess.TimeoutExpired:
        return {"qgis": None, "qgis_reason": "QGIS render timed out"}
    lines = [l for l in r.stdout.decode(errors="replace").splitlines() if l.startswith("{")]
    if not lines:
        return {"qgis": None, "qgis_reason": f"QGIS script failed: {r.stderr.decode(errors='replace')[-400:]}"}
    return json.loads(lines[-1])


# ---------------------------------------------------------------------------- the benchmark
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="a 10x smaller city (quick check)")
    ap.add_argument("--regen", action="store_true", help="rebuild the GeoPackage")
    ap.add_argument("--no-qgis", action="store_true")
    ap.add_argument("--png", help="save canvas PNGs into this directory")
    ap.add_argument("--out", help="where to keep the GeoPackage (default var/bench/)")
    a = ap.parse_args()

    sizes = (80_000, 400, 2_000) if a.small else (800_000, 4_000, 20_000)
    out_dir = Path(a.out) if a.out else ROOT / "var" / "bench"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError:
        out_dir = Path(tempfile.mkdtemp(prefix="occ-bench-"))
    gpkg = out_dir / f"city_{sizes[0]}_{sizes[1]}_{sizes[2]}.gpkg"
    res: dict = {"benchmark": "map_render", "components": sizes[0], "unit_grids": sizes[1], "cases": sizes[2],
                 "size": f"{W}x{H}"}
    t0 = time.perf_counter()
    if a.regen or not gpkg.exists():
        city = make_city(*sizes)
        write_gpkg(city, gpkg)
        res["generate_s"] = round(time.perf_counter() - t0, 2)

    from PySide6.QtWidgets import QApplication

    from app.map.canvas import MapCanvas

    qapp = QApplication.instance() or QApplication([])
    t0 = time.perf_counter()
    grids, comps, cases = load_layers(gpkg)
    res["load_s"] = round(time.perf_counter() - t0, 2)

    canvas = MapCanvas(crs=CRS, dpi=96.0)
    canvas.resize(W, H)
    canvas.show()
    qapp.processEvents()
    for l in (grids, comps, cases):
        canvas.add_layer(l, zoom=False)
    city_extent = grids.extent(CRS)
    canvas.zoom_to_extent(city_extent, margin=0.01)
    canvas.wait_for_render(60)

    def timed_render(n: int) -> list[float]:
        times = []
        for _ in range(n):
            done = []
            canvas.renderFinished.connect(done.append)
            canvas.refresh(delay_ms=0)
            canvas.wait_for_render(60)
            canvas.renderFinished.disconnect(done.append)
            times.append(done[-1] if done else float("nan"))
        return times

    # full city (the first render above warmed the projections and indexes)
    canvas.zoom_to_extent(city_extent, margin=0.01)
    canvas.wait_for_render(60)
    t_city = timed_render(5)
    res["full_city_render_s"] = round(statistics.median(t_city), 4)
    res["full_city_scale"] = round(canvas.scale)
    res["layer_times_city_s"] = {k: round(v, 4) for k, v in canvas.last_render_times.items()}
    if a.png:
        Path(a.png).mkdir(parents=True, exist_ok=True)
        canvas.grab().save(str(Path(a.png) / "bench_city.png"))

    # a 2 km street view in the middle of the city
    cx, cy = (city_extent[0] + city_extent[2]) / 2, (city_extent[1] + city_extent[3]) / 2
    street = (cx - 1000, cy - 1000 * H / W, cx + 1000, cy + 1000 * H / W)
    canvas.zoom_to_extent(street, margin=0.0)
    canvas.wait_for_render(60)
    t_street = timed_render(7)
    res["street_render_s"] = round(statistics.median(t_street), 4)
    res["street_scale"] = round(canvas.scale)
    res["layer_times_street_s"] = {k: round(v, 4) for k, v in canvas.last_render_times.items()}
    if a.png:
        canvas.grab().save(str(Path(a.png) / "bench_street.png"))

    # panning from the cache: paint only (no render while dragging)
    canvas.zoom_to_extent(city_extent, margin=0.01)
    canvas.wait_for_render(60)
    canvas.begin_interaction()
    frame_ms = []
    for i in range(120):
        canvas.pan_by_pixels(7 if (i // 30) % 2 == 0 else -7, 3, render=False)
        t = time.perf_counter()
        canvas.repaint()
        frame_ms.append((time.perf_counter() - t) * 1000)
    canvas.end_interaction(0)
    canvas.wait_for_render(60)
    res["pan_frame_ms_median"] = round(statistics.median(frame_ms), 2)
    res["pan_frame_ms_p95"] = round(float(np.percentile(frame_ms, 95)), 2)

    # 1,000 case updates a second at city scale: frames composed per second
    from PySide6.QtCore import QElapsedTimer, QTimer

    rng = np.random.default_rng(1)
    ids = list(cases.points.ids)
    bands = ("green", "yellow", "red")
    n_upd = [0]
    frames = [0]
    paint_ms: list[float] = []
    canvas.frameReady.connect(lambda: frames.__setitem__(0, frames[0] + 1))
    clock = QElapsedTimer()
    clock.start()

    def tick():
        due = int(clock.elapsed())  # one update per millisecond
        while n_upd[0] < due:
            cid = ids[int(rng.integers(len(ids)))]
            cases.update_case(cid, band=bands[int(rng.integers(3))])
            n_upd[0] += 1

    timer = QTimer()
    timer.setInterval(4)
    timer.timeout.connect(tick)
    orig_paint = canvas.paintEvent

    def timed_paint(ev):
        t = time.perf_counter()
        orig_paint(ev)
        paint_ms.append((time.perf_counter() - t) * 1000)

    canvas.paintEvent = timed_paint
    duration = 4.0
    frames[0] = 0
    painted0 = canvas.frames_painted
    from PySide6.QtCore import QEventLoop

    loop = QEventLoop()
    QTimer.singleShot(int(duration * 1000), loop.quit)
    timer.start()
    loop.exec()  # a real event loop, as in the app
    timer.stop()
    elapsed = clock.elapsed() / 1000.0
    canvas.paintEvent = orig_paint
    res["case_updates_per_s"] = round(n_upd[0] / elapsed)
    res["case_update_fps"] = round(frames[0] / duration, 1)
    res["case_update_paints_per_s"] = round((canvas.frames_painted - painted0) / duration, 1)
    res["case_update_paint_ms_median"] = round(statistics.median(paint_ms), 2) if paint_ms else None
    res["case_layer_render_s"] = round(canvas.last_render_times.get(cases.name, float("nan")), 4)
    canvas.wait_for_render(30)

    if a.png:
        canvas.zoom_to_scale(500)
        canvas.wait_for_render(30)
        canvas.grab().save(str(Path(a.png) / "bench_500.png"))

    res["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)

    if a.no_qgis:
        res["qgis"] = None
        res["qgis_reason"] = "--no-qgis"
    else:
        q = run_qgis(gpkg, _extent_for(city_extent), street, CRS)
        res.update(q)
        if q.get("qgis") and q.get("qgis_city_s"):
            res["qgis_ratio_city"] = round(q["qgis_city_s"] / res["full_city_render_s"], 1)
        if q.get("qgis") and q.get("qgis_street_s"):
            res["qgis_ratio_street"] = round(q["qgis_street_s"] / res["street_render_s"], 1)
    res["goals_met"] = {
        "full_city_render": res["full_city_render_s"] <= 0.25,
        "street_render": res["street_render_s"] <= 0.05,
        "pan_frame": res["pan_frame_ms_median"] <= 16,
        "case_update_fps": res["case_update_fps"] >= 30,
        "peak_memory": res["peak_rss_mb"] < 2048,
    }
    canvas.close()
    print(json.dumps(res, ensure_ascii=False))
    return 0


def _extent_for(extent, margin=0.01):
    """The extent the canvas shows for ``extent`` at W x H (same aspect as the QGIS output)."""
    from app.map.viewport import Viewport

    return Viewport(crs=CRS, width=W, height=H).fit(extent, margin).extent


if __name__ == "__main__":
    raise SystemExit(main())
