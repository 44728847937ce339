"""MBTiles files (SQLite) as a local tile source, for offline basemaps.

The MBTiles spec stores rows in TMS order (row 0 at the bottom): ``tile_row = 2**z - 1 - y``.
Metadata read: ``name``, ``format`` (png/jpg/webp/pbf), ``bounds`` (lon/lat ``w,s,e,n``),
``minzoom``/``maxzoom`` (taken from the tiles table when absent), ``attribution``; a
non-standard ``scheme=xyz`` is honoured. Each thread gets its own read-only connection.
"""
from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from .sources import TileSource, mime_for_format, safe_id
from .tms import Bounds, TileMatrixSet


class MBTilesError(RuntimeError):
    pass


class MBTilesSource(TileSource):
    is_remote = False

    def __init__(self, path: str | os.PathLike, *, id: str | None = None, **kwargs):
        self.path = Path(path)
        if not self.path.is_file():
            raise MBTilesError(f"MBTiles file not found: {self.path}")
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            self.metadata = self._read_metadata()
            lo, hi = self._zoom_range()
        except sqlite3.DatabaseError as exc:
            raise MBTilesError(f"not a readable MBTiles file: {self.path}: {exc}") from exc
        fmt = self.metadata.get("format", "png")
        self.xyz_rows = self.metadata.get("scheme", "tms").lower() == "xyz"
        tms = TileMatrixSet.web_mercator_quad(lo, hi)
        kwargs.setdefault("title", self.metadata.get("name") or self.path.stem)
        kwargs.setdefault("attribution", self.metadata.get("attribution", ""))
        super().__init__(id or f"mbtiles-{safe_id(self.path.stem)}", tms,
                         format=mime_for_format(fmt) or fmt, **kwargs)

    # -- sqlite -------------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def _read_metadata(self) -> dict[str, str]:
        rows = self._conn().execute("SELECT name, value FROM metadata").fetchall()
        return {str(k).lower(): str(v) for k, v in rows if k is not None and v is not None}

    def _zoom_range(self) -> tuple[int, int]:
        lo, hi = self.metadata.get("minzoom"), self.metadata.get("maxzoom")
        if lo is None or hi is None:
            row = self._conn().execute(
                "SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
            if row is None or row[0] is None:
                raise MBTilesError(f"MBTiles file has no tiles: {self.path}")
            lo = row[0] if lo is None else lo
            hi = row[1] if hi is None else hi
        return int(float(lo)), int(float(hi))

    # -- metadata -----------------------------------------------------------------------------
    @property
    def bounds(self) -> Bounds | None:
        """The ``bounds`` metadata, lon/lat."""
        text = self.metadata.get("bounds")
        if not text:
            return None
        try:
            w, s, e, n = (float(v) for v in text.split(","))
        except ValueError:
            return None
        return Bounds(w, s, e, n)

    @property
    def bounds_xy(self) -> Bounds | None:
        """The ``bounds`` metadata in EPSG:3857."""
        b = self.bounds
        if b is None:
            return None
        return self.tms.bbox_from((b.left, max(b.bottom, -85.0511), b.right,
                                   min(b.top, 85.0511)), "EPSG:4326")

    # -- tiles --------------------------------------------------------------------------------
    def read_tile(self, z: int, x: int, y: int) -> bytes | None:
        if not self.has_tile(z, x, y):
            return None
        row = y if self.xyz_rows else (1 << z) - 1 - y
        found = self._conn().execute(
            "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
            (z, x, row)).fetchone()
        return bytes(found[0]) if found and found[0] is not None else None

    def close(self) -> None:
        with self._lock:
            for conn in self._conns:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._conns.clear()
        self._local = threading.local()
