"""Pre-render a basemap pyramid into an MBTiles file (offline use, field laptops, other GIS).

Web Mercator (``--tms WebMercatorQuad``, the default) gives a standard MBTiles 1.3 file: tables
``metadata`` and ``tiles``, rows in TMS order (tile_row = 2^z - 1 - y), PNG tiles, metadata name,
format, bounds, center, minzoom, maxzoom, type, version, description, attribution.

The city grid (``--tms city``) uses the same schema (an "MBTiles-like" file) with the row flipped the
same way against the level's matrix height (tile_row = MatrixHeight - 1 - WMTS TileRow); its
metadata adds ``crs`` and ``tile_matrix_set`` (the full definition as JSON: origin, resolutions,
matrix sizes), which a reader needs because the grid is not Web Mercator.

Only tiles that show the city are written; metatiles are rendered in parallel through the pool.
"""
from __future__ import annotations

import json
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Callable

from . import qgis_env
from .cache import EMPTY_PNG
from .engine import BasemapConfig, BasemapEngine
from .package import load_city

SCHEMA = """
CREATE TABLE metadata (name TEXT, value TEXT);
CREATE UNIQUE INDEX metadata_name ON metadata (name);
CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
"""


def parse_zooms(text: str) -> list[int]:
    """'14-18' -> [14..18]; '14,16' -> [14, 16]; '17' -> [17]."""
    out: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-", 1)
            out.update(range(int(a), int(b) + 1))
        elif part:
            out.add(int(part))
    if not out:
        raise ValueError(f"no zoom levels in {text!r}")
    return sorted(out)


def blocks(engine: BasemapEngine, tms_id: str, z: int) -> list[tuple[int, int, int, int]]:
    """The metatiles (x0, y0, cols, rows) covering the city at level z."""
    r = engine.city.tile_range(tms_id, z)
    if r is None:
        return []
    m = engine.config.metatile
    out = []
    for by in range(r[1] - r[1] % m, r[3] + 1, m):
        for bx in range(r[0] - r[0] % m, r[2] + 1, m):
            out.append(engine.block_of(tms_id, z, max(bx, r[0]), max(by, r[1])))
    return out


def prerender(city_dir: str | Path, style: str, zooms: list[int], out: str | Path, *,
              tms_id: str = "WebMercatorQuad", workers: int = 0,
              progress: Callable[[str], None] | None = None) -> dict:
    city = load_city(city_dir)
    status = qgis_env.probe()
    if not status.available:
        raise RuntimeError(status.message())
    tms = city.sets.get(tms_id)
    if tms is None:
        raise ValueError(f"unknown tile matrix set {tms_id!r}; use one of {', '.join(city.sets)}")
    bad = [z for z in zooms if not 0 <= z <= tms.max_zoom]
    if bad:
        raise ValueError(f"levels {bad} are not in {tms_id} (0..{tms.max_zoom})")
    config = BasemapConfig.from_env()
    config = BasemapConfig(workers=workers or config.workers, timeout=max(config.timeout, 120.0),
                           metatile=config.metatile, memory_tiles=16, max_age=config.max_age)
    engine = BasemapEngine(city, qgis=status, cache_dir=None, config=config)
    if style not in engine.styles:
        raise ValueError(f"unknown style {style!r}; styles: {', '.join(engine.styles)}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".part")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    con.executescript(SCHEMA)
    w, s, e, n = city.lonlat_bbox
    meta = {"name": f"{city.name or 'city'} basemap ({style})", "format": "png",
            "bounds": f"{w:.7f},{s:.7f},{e:.7f},{n:.7f}",
            "center": f"{(w + e) / 2:.7f},{(s + n) / 2:.7f},{zooms[len(zooms) // 2]}",
            "minzoom": str(min(zooms)), "maxzoom": str(max(zooms)), "type": "baselayer", "version": "1.0",
            "description": f"1:500 topographic basemap (GB/T 20257.1 conventions), style {style}, rendered by "
                           f"QGIS {status.version}; tile matrix set {tms_id}",
            "attribution": city.attribution}
    if tms_id != "WebMercatorQuad":
        meta["crs"] = city.crs
        meta["tile_matrix_set"] = json.dumps(tms.describe())
        meta["row_order"] = "tile_row = MatrixHeight - 1 - TileRow (MBTiles/TMS order)"
    con.executemany("INSERT INTO metadata (name, value) VALUES (?, ?)", list(meta.items()))
    t0 = time.perf_counter()
    todo = [(z, b) for z in zooms for b in blocks(engine, tms_id, z)]
    written = 0
    try:
        with ThreadPoolExecutor(max_workers=engine.pool.size) as ex:
            futures = {ex.submit(engine.render_block, style, tms_id, z, *b): z for z, b in todo}
            for i, fut in enumerate(as_completed(futures), 1):
                z = futures[fut]
                height = tms.matrix(z).matrix_height
                rows = [(z, x, height - 1 - y, data) for (x, y), data in fut.result().items()
                        if data != EMPTY_PNG]
                con.executemany("INSERT OR REPLACE INTO tiles VALUES (?, ?, ?, ?)", rows)
                written += len(rows)
                if progress and (i % 20 == 0 or i == len(todo)):
                    progress(f"{i}/{len(todo)} metatiles, {written} tiles, {time.perf_counter() - t0:.1f} s")
        con.commit()
    finally:
        con.close()
        engine.close()
    tmp.replace(out)
    seconds = time.perf_counter() - t0
    return {"out": str(out), "tiles": written, "metatiles": len(todo), "seconds": round(seconds, 2),
            "tiles_per_second": round(written / seconds, 1) if seconds else None}
