"""Portable spatial keys: a 0.005° grid (about 500 m) over lon/lat.

Points store `cell = ix * CELL_STRIDE + iy`; a bounding box becomes, per column ix, one range of
cell values, so an ordinary B-tree index answers bbox queries on SQLite and PostgreSQL alike.
"""
from __future__ import annotations

import math

from sqlalchemy import ColumnElement, and_, or_

CELL_DEG = 0.005
CELL_STRIDE = 100_000  # > 180 / CELL_DEG rows


def cell_of(lon: float, lat: float) -> int:
    ix = int(math.floor((lon + 180.0) / CELL_DEG))
    iy = int(math.floor((lat + 90.0) / CELL_DEG))
    return ix * CELL_STRIDE + iy


def cell_ranges(minx: float, miny: float, maxx: float, maxy: float) -> list[tuple[int, int]]:
    """Inclusive (low, high) cell ranges covering the box, one per column."""
    ix0 = int(math.floor((minx + 180.0) / CELL_DEG))
    ix1 = int(math.floor((maxx + 180.0) / CELL_DEG))
    iy0 = int(math.floor((miny + 90.0) / CELL_DEG))
    iy1 = int(math.floor((maxy + 90.0) / CELL_DEG))
    return [(ix * CELL_STRIDE + iy0, ix * CELL_STRIDE + iy1) for ix in range(ix0, ix1 + 1)]


def bbox_filter(model, minx: float, miny: float, maxx: float, maxy: float) -> ColumnElement[bool]:  # noqa: ANN001
    """WHERE clause for points of `model` (with cell, lon, lat) inside the box."""
    ranges = cell_ranges(minx, miny, maxx, maxy)
    cells = or_(*[model.cell.between(lo, hi) for lo, hi in ranges])
    return and_(cells, model.lon >= minx, model.lon <= maxx, model.lat >= miny, model.lat <= maxy)


def near_ranges(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """A lon/lat box that contains the circle of `radius_m` metres around the point."""
    dlat = radius_m / 111_320.0
    dlon = radius_m / (111_320.0 * max(math.cos(math.radians(lat)), 1e-6))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine on the GRS80/CGCS2000 mean radius): good to ~0.3% for ranking."""
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))
