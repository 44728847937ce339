"""One city's basemap: tile matrix sets, cache, renderer pool, and metatiles.

A tile that is not cached is rendered as part of a *metatile* (up to 4 x 4 tiles, clipped to the
tiles that show the city); the block's tiles all go to the cache. Labels are placed once for the
whole block and only inside it (QGIS label boundary = the block, no buffer): a label never crosses a
metatile edge, so it is never cut and never drawn twice by two neighbouring blocks, and a point's or
building's label belongs to the one block holding its anchor. Concurrent requests for tiles of the
same block wait for one render ("single flight"). Tiles outside the city are the shared transparent
tile, answered without QGIS.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from . import qgis_env
from .cache import EMPTY_PNG, EMPTY_TILE, Tile, TileCache
from .package import CityPackage
from .pool import RendererPool, RendererUnavailable
from .tms import OGC_DPI, TILE

log = logging.getLogger("occ.basemap")

WORKER_SCRIPT = Path(__file__).with_name("renderer_worker.py")
BUFFER_PX = 0  # no buffer: features outside the block would get labels inside it (see above)
_STYLE_ID = re.compile(r"^[a-z0-9_-]{1,32}$")


class TileError(Exception):
    status = 400

    def __init__(self, message: str, *, code: str = "InvalidParameterValue", locator: str | None = None):
        super().__init__(message)
        self.code, self.locator = code, locator


class UnknownStyle(TileError):
    status = 404


class OutOfRange(TileError):
    status = 404


class Unavailable(TileError):
    status = 503


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, "") or default)
    except ValueError:
        return default


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


@dataclass(frozen=True)
class BasemapConfig:
    """Tuning from the environment: OCC_TILE_WORKERS, OCC_TILE_TIMEOUT (s per metatile),
    OCC_TILE_METATILE (tiles per side), OCC_TILE_MEMORY (tiles kept in RAM), OCC_TILE_MAX_AGE (s)."""

    workers: int = 0          # 0 = min(2, cores)
    timeout: float = 30.0
    metatile: int = 4
    memory_tiles: int = 4096
    max_age: int = 3600

    @classmethod
    def from_env(cls) -> "BasemapConfig":
        return cls(workers=_env_int("OCC_TILE_WORKERS", 0), timeout=_env_float("OCC_TILE_TIMEOUT", 30.0),
                   metatile=max(1, _env_int("OCC_TILE_METATILE", 4)),
                   memory_tiles=_env_int("OCC_TILE_MEMORY", 4096), max_age=_env_int("OCC_TILE_MAX_AGE", 3600))


def styles_dir() -> Path:
    from app.domain.resources import resources_dir
    return resources_dir() / "qgis"


def discover_styles(folder: Path) -> dict[str, dict]:
    """{style id: style.json} for each resources/qgis/<id>/ with a style.json."""
    out = {}
    if folder.is_dir():
        for sub in sorted(folder.iterdir(), key=lambda p: (p.name != "day", p.name)):  # day is the default
            meta = sub / "style.json"
            if _STYLE_ID.match(sub.name) and meta.is_file():
                out[sub.name] = json.loads(meta.read_text(encoding="utf-8"))
    return out


def styles_hash(folder: Path) -> str:
    h = hashlib.sha1()
    for path in sorted(folder.glob("*/*")):
        if path.suffix in (".qml", ".json", ".svg"):
            h.update(str(path.relative_to(folder)).encode())
            h.update(path.read_bytes())
    h.update(WORKER_SCRIPT.read_bytes())
    return h.hexdigest()


class _Flight:
    def __init__(self):
        self.done = threading.Event()
        self.error: Exception | None = None


class BasemapEngine:
    def __init__(self, city: CityPackage, *, qgis: qgis_env.QgisStatus, cache_dir: Path | None,
                 config: BasemapConfig | None = None, style_folder: Path | None = None):
        self.city = city
        self.qgis = qgis
        self.config = config or BasemapConfig.from_env()
        self.style_folder = style_folder or styles_dir()
        self.styles = discover_styles(self.style_folder)
        stamp = {"city": city.stamp, "styles": styles_hash(self.style_folder), "tile": TILE,
                 "sets": {k: s.describe() for k, s in city.sets.items()}}
        self.cache = TileCache(cache_dir, stamp, self.config.memory_tiles)
        self._pool: RendererPool | None = None
        self._lock = threading.Lock()
        self._flights: dict[tuple, _Flight] = {}
        self._closed = False

    # --- the renderer pool (lazy) ---------------------------------------------------------

    @property
    def pool(self) -> RendererPool:
        with self._lock:
            if self._closed:
                raise Unavailable("the basemap renderer is shut down", code="NoApplicableCode")
            if self._pool is None:
                if not self.qgis.available:
                    raise Unavailable(self.qgis.message(), code="NoApplicableCode")
                c = self.city
                argv = [self.qgis.python, str(WORKER_SCRIPT), "--gpkg", str(c.gpkg),
                        "--styles", str(self.style_folder), "--extent", ",".join(repr(v) for v in c.extent),
                        "--crs", c.crs]
                self._pool = RendererPool(argv, qgis_env.worker_env(self.qgis.python), size=self.config.workers,
                                          timeout=self.config.timeout)
            return self._pool

    @property
    def pool_started(self) -> bool:
        return self._pool is not None

    def stats(self) -> dict:
        pool = self._pool
        return {"renderers": None if pool is None else {
                    "size": pool.size, "pids": pool.pids(), "started": pool.started, "restarts": pool.restarts,
                    "renders": pool.renders},
                "cache": {"memory_hits": self.cache.hits, "disk_hits": self.cache.disk_hits,
                          "misses": self.cache.misses}}

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    # --- tiles -------------------------------------------------------------------------------

    def check(self, style: str, tms_id: str, z: int, x: int, y: int) -> None:
        if style not in self.styles:
            raise UnknownStyle(f"unknown style {style!r}; styles: {', '.join(self.styles)}", locator="STYLE")
        tms = self.city.sets.get(tms_id)
        if tms is None:
            raise OutOfRange(f"unknown tile matrix set {tms_id!r}; sets: {', '.join(self.city.sets)}",
                             locator="TILEMATRIXSET")
        if not 0 <= z <= tms.max_zoom:
            raise OutOfRange(f"tile matrix {z} is not in {tms_id} (0..{tms.max_zoom})", locator="TILEMATRIX")
        m = tms.matrix(z)
        if not (0 <= x < m.matrix_width and 0 <= y < m.matrix_height):
            raise OutOfRange(f"tile {z}/{x}/{y} is outside {tms_id} level {z} ({m.matrix_width} x "
                             f"{m.matrix_height} tiles)", code="TileOutOfRange",
                             locator="TILECOL" if not 0 <= x < m.matrix_width else "TILEROW")

    def tile(self, style: str, tms_id: str, z: int, x: int, y: int) -> Tile:
        """The PNG tile; raises UnknownStyle / OutOfRange / Unavailable (QGIS missing) / RenderError."""
        self.check(style, tms_id, z, x, y)
        if not self.city.shows_city(tms_id, z, x, y):
            return EMPTY_TILE  # fast: no QGIS, no disk
        key = (style, tms_id, z, x, y)
        tile = self.cache.get(key)
        if tile is not None:
            return tile
        self._render_block_of(style, tms_id, z, x, y)
        tile = self.cache.get(key)
        if tile is None:  # the block was rendered but the cache lost it (tiny LRU, no disk)
            tile = self._render_single(style, tms_id, z, x, y)
        return tile

    def block_of(self, tms_id: str, z: int, x: int, y: int) -> tuple[int, int, int, int]:
        """(x0, y0, cols, rows): the metatile holding a tile, clipped to the tiles that show the city."""
        m = self.config.metatile
        c0, r0, c1, r1 = self.city.tile_range(tms_id, z)
        bx, by = x - x % m, y - y % m
        x0, y0 = max(bx, c0), max(by, r0)
        return x0, y0, min(bx + m - 1, c1) - x0 + 1, min(by + m - 1, r1) - y0 + 1

    def _render_block_of(self, style: str, tms_id: str, z: int, x: int, y: int) -> None:
        x0, y0, cols, rows = self.block_of(tms_id, z, x, y)
        fkey = (style, tms_id, z, x0, y0)
        with self._lock:
            flight = self._flights.get(fkey)
            owner = flight is None
            if owner:
                flight = self._flights[fkey] = _Flight()
        if not owner:
            flight.done.wait(self.config.timeout * 3 + 60)
            if flight.error is not None:
                raise flight.error
            return
        try:
            for (tx, ty), data in self.render_block(style, tms_id, z, x0, y0, cols, rows).items():
                self.cache.put((style, tms_id, z, tx, ty), data)
        except Exception as e:
            flight.error = e
            raise
        finally:
            flight.done.set()
            with self._lock:
                self._flights.pop(fkey, None)

    def _render_single(self, style: str, tms_id: str, z: int, x: int, y: int) -> Tile:
        data = self.render_block(style, tms_id, z, x, y, 1, 1)[(x, y)]
        return self.cache.put((style, tms_id, z, x, y), data)

    def render_block(self, style: str, tms_id: str, z: int, x0: int, y0: int, cols: int,
                     rows: int) -> dict[tuple[int, int], bytes]:
        """Render a block of tiles through the pool (no cache); tiles off the city are the empty PNG."""
        tms = self.city.sets[tms_id]
        crs, k = self.city.render_frame(tms_id)
        bbox = [v * k for v in tms.tile_bounds(z, x0, y0, cols, rows)]
        try:
            blobs = self.pool.render({"op": "render", "style": style, "crs": crs, "bbox": bbox, "cols": cols,
                                      "rows": rows, "tile": TILE, "buffer": BUFFER_PX, "dpi": OGC_DPI})
        except RendererUnavailable as e:
            raise Unavailable(f"the QGIS basemap renderer could not start: {e}", code="NoApplicableCode") from e
        out = {}
        for i, data in enumerate(blobs):
            tx, ty = x0 + i % cols, y0 + i // cols
            out[(tx, ty)] = data if self.city.shows_city(tms_id, z, tx, ty) else EMPTY_PNG
        return out


def log_status(status: qgis_env.QgisStatus) -> None:
    if status.available:
        log.info("basemap tiles: %s; renderer processes start on the first tile request", status.message())
    else:
        log.warning("basemap tiles: %s", status.message())
