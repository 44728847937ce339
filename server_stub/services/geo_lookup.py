"""Which unit grid holds a point. Used by every report, so it is cached: grids rarely change."""
from __future__ import annotations

import math
import threading

from shapely import STRtree, points
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.models import UnitGrid


class GridIndex:
    """An STRtree of all unit grids, rebuilt when the grid count or codes change (cheap check)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._tree: STRtree | None = None
        self._codes: list[str] = []
        self._geoms: list = []

    def _stamp_of(self, s: Session) -> tuple:
        return tuple(s.execute(select(func.count(UnitGrid.code), func.max(UnitGrid.code),
                                      func.sum(UnitGrid.area_m2))).one())

    def invalidate(self) -> None:
        with self._lock:
            self._stamp = None

    def _ensure(self, s: Session) -> None:
        stamp = self._stamp_of(s)
        if stamp == self._stamp:
            return
        rows = s.execute(select(UnitGrid.code, UnitGrid.geometry)).all()
        self._codes = [r[0] for r in rows]
        self._geoms = [shape(r[1]) for r in rows]
        self._tree = STRtree(self._geoms) if self._geoms else None
        self._stamp = stamp

    def grid_at(self, s: Session, lon: float, lat: float) -> str | None:
        with self._lock:
            self._ensure(s)
            if self._tree is None:
                return None
            hits = self._tree.query(points(lon, lat), predicate="intersects")
            return self._codes[int(hits[0])] if len(hits) else None

    def within(self, s: Session, lon: float, lat: float, tolerance_m: float) -> bool | None:
        """Whether the point lies in a unit grid or within `tolerance_m` of one; None when the city
        has no grids. The tolerance is turned into degrees at the point's latitude (the grids are
        stored in lon/lat), generously: the longer of the two axes' degree lengths is not used."""
        with self._lock:
            self._ensure(s)
            if self._tree is None:
                return None
            pt = points(lon, lat)
            if len(self._tree.query(pt, predicate="intersects")):
                return True
            deg = tolerance_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.05))
            return len(self._tree.query(pt, predicate="dwithin", distance=deg)) > 0


GRID_INDEX = GridIndex()


def locate(s: Session, lon: float, lat: float) -> dict[str, str | None]:
    """The unit grid and its community, street and district codes for a point (None outside)."""
    code = GRID_INDEX.grid_at(s, lon, lat)
    if code is None:
        return {"grid_code": None, "community_code": None, "street_code": None, "district_code": None}
    return {"grid_code": code, "community_code": code[:12], "street_code": code[:9],
            "district_code": code[:6]}
