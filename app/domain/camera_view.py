"""What a camera sees: its view cone (direction ± fov/2, out to range_m), Qt-free.

Both sides use it: the server answers "which cameras see this place" (GET /api/ref/cameras/seeing,
for the video wall's linkage), the client draws the same cone on the map. A camera without a
direction (a dome / PTZ that can turn) sees all round within its range. Distances and bearings are
taken in a projected CRS (metres; the caller projects, e.g. with `project`): over a camera's few
tens of metres the grid's convergence from true north is a fraction of a degree.
"""
from __future__ import annotations

import numpy as np

DEFAULT_FOV_DEG = 60.0  # a fixed street camera's usual horizontal field of view
DEFAULT_RANGE_M = 40.0  # how far it shows a problem (a bin, a manhole) recognisably
MAX_RANGE_M = 2000.0  # a wider range is a typing error, not a camera


def _or_default(values: np.ndarray | float | None, default: float, n: int) -> np.ndarray:
    a = np.full(n, default) if values is None else np.broadcast_to(np.asarray(values, dtype=np.float64), (n,))
    return np.where(np.isfinite(a), a, default)


def bearing_deg(x0: np.ndarray, y0: np.ndarray, x1: float, y1: float) -> np.ndarray:
    """Bearing from (x0, y0) to (x1, y1), degrees clockwise from grid north, in [0, 360)."""
    return np.degrees(np.arctan2(x1 - np.asarray(x0, float), y1 - np.asarray(y0, float))) % 360.0


def sees(x: np.ndarray, y: np.ndarray, direction: np.ndarray | None, fov_deg: np.ndarray | None,
         range_m: np.ndarray | None, px: float, py: float) -> tuple[np.ndarray, np.ndarray]:
    """(mask, distance_m) of the cameras at (x, y) metres that see the point (px, py).

    direction NaN/None: all round; fov_deg / range_m NaN/None: DEFAULT_FOV_DEG / DEFAULT_RANGE_M.
    A point on the camera itself is seen; the cone's edges belong to it."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = x.size
    dist = np.hypot(px - x, py - y)
    rng = _or_default(range_m, DEFAULT_RANGE_M, n)
    fov = np.clip(_or_default(fov_deg, DEFAULT_FOV_DEG, n), 0.0, 360.0)
    dirs = np.full(n, np.nan) if direction is None else np.broadcast_to(np.asarray(direction, float), (n,))
    off = np.abs((bearing_deg(x, y, px, py) - np.nan_to_num(dirs) + 180.0) % 360.0 - 180.0)
    inside_cone = ~np.isfinite(dirs) | (fov >= 360.0) | (off <= fov / 2 + 1e-9) | (dist < 1e-6)
    return (dist <= rng) & inside_cone, dist


def project(lon: np.ndarray, lat: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """lon/lat (CGCS2000 ≈ WGS 84) to metres in a projected CRS (a cached transformer: projection.py)."""
    from .projection import transformer
    x, y = transformer("EPSG:4490", crs).transform(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
