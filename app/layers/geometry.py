"""Geometry storage for polygon and line layers: shapely arrays, an STRtree, flat vertex arrays.

Qt-free. A ``GeometryStore`` holds the features in the layer's CRS and, lazily and once per target
CRS, a projected copy with its spatial index and the flat coordinate arrays the renderer needs:

    xy      (m, 2) float64   every vertex of every ring / line part, feature after feature
    starts  (m,)   bool      True where a new ring or line part begins
    offsets (n+1,) int64     feature i owns vertices offsets[i]:offsets[i+1]

so that a street view gathers the vertices of the few visible features with one vectorised step.
"""
from __future__ import annotations

import threading

import numpy as np
import shapely

from app.map.crs import same_crs, transform_geometries

__all__ = ["GeometryStore", "ProjectedGeometry", "flatten"]


def flatten(geoms: np.ndarray):
    """Flat vertex arrays (xy, starts, offsets) of polygons / lines, in feature order."""
    n = len(geoms)
    if n == 0:
        return np.empty((0, 2)), np.empty(0, bool), np.zeros(1, np.int64)
    parts, part_feat = shapely.get_parts(geoms, return_index=True)
    types = shapely.get_type_id(parts)
    is_poly = types == 3
    # rings of polygons, lines as they are; keep feature order
    ring_geoms = []
    ring_feat = []
    if is_poly.any():
        rings, ring_part = shapely.get_rings(parts[is_poly], return_index=True)
        ring_geoms.append(rings)
        ring_feat.append(part_feat[is_poly][ring_part])
    lines = (types == 1) | (types == 2)
    if lines.any():
        ring_geoms.append(parts[lines])
        ring_feat.append(part_feat[lines])
    if not ring_geoms:
        return np.empty((0, 2)), np.empty(0, bool), np.zeros(n + 1, np.int64)
    rings = np.concatenate(ring_geoms)
    rfeat = np.concatenate(ring_feat)
    order = np.argsort(rfeat, kind="stable")
    rings, rfeat = rings[order], rfeat[order]
    xy, ridx = shapely.get_coordinates(rings, return_index=True)
    starts = np.ones(len(ridx), dtype=bool)
    starts[1:] = ridx[1:] != ridx[:-1]
    vfeat = rfeat[ridx]
    offsets = np.searchsorted(vfeat, np.arange(n + 1), side="left").astype(np.int64)
    return np.ascontiguousarray(xy, dtype=np.float64), starts, offsets


class ProjectedGeometry:
    """The features in one target CRS, with an STRtree and flat vertex arrays."""

    def __init__(self, geoms: np.ndarray):
        self.geoms = geoms
        self.tree = shapely.STRtree(geoms)
        self.bounds = shapely.bounds(geoms)
        self.xy, self.starts, self.offsets = flatten(geoms)
        self.anchor = None  # label points, computed on demand
        self._lock = threading.Lock()

    def query(self, extent) -> np.ndarray:
        """Indices (sorted) of features whose bounding box meets ``extent``."""
        xmin, ymin, xmax, ymax = extent
        if not np.all(np.isfinite([xmin, ymin, xmax, ymax])):
            return np.arange(len(self.geoms))
        idx = self.tree.query(shapely.box(xmin, ymin, xmax, ymax))
        idx.sort()
        return idx

    def label_points(self) -> np.ndarray:
        with self._lock:
            if self.anchor is None:
                pts = shapely.point_on_surface(self.geoms)
                self.anchor = shapely.get_coordinates(pts)
            return self.anchor

    def vertices(self, idx: np.ndarray):
        """(xy, starts) of the features ``idx`` (in that order)."""
        from app.map.painting import gather_ranges

        if len(idx) == len(self.geoms):
            return self.xy, self.starts
        sel = gather_ranges(self.offsets[idx], self.offsets[idx + 1])
        starts = self.starts[sel].copy()
        if len(starts):
            starts[0] = True
        return self.xy[sel], starts

    def vertices_per_feature(self, idx: np.ndarray) -> np.ndarray:
        return self.offsets[idx + 1] - self.offsets[idx]


class GeometryStore:
    """Features' geometries in the layer CRS, plus cached projections to display CRSs."""

    def __init__(self, geoms, crs: str):
        self.geoms = np.asarray(geoms, dtype=object)
        self.crs = crs
        self._lock = threading.Lock()
        self._projected: dict[str, ProjectedGeometry] = {}

    def __len__(self) -> int:
        return len(self.geoms)

    def projected(self, crs: str) -> ProjectedGeometry:
        key = str(crs)
        p = self._projected.get(key)
        if p is not None:
            return p
        with self._lock:
            p = self._projected.get(key)
            if p is None:
                geoms = self.geoms if same_crs(self.crs, crs) else transform_geometries(self.geoms, self.crs, crs)
                p = ProjectedGeometry(geoms)
                self._projected[key] = p
        return p

    def extent(self) -> tuple[float, float, float, float] | None:
        if len(self.geoms) == 0:
            return None
        b = shapely.total_bounds(self.geoms)
        return tuple(float(v) for v in b)
