"""A uniform-grid spatial index over many points (Qt-free), for components and other dense points.

The points are kept sorted by grid cell (row-major), so the cells of one row of a query rectangle
are one contiguous slice: a street view gathers its points with a few slices, never a Python loop
over points.
"""
from __future__ import annotations

import numpy as np

__all__ = ["PointGrid"]


class PointGrid:
    def __init__(self, x: np.ndarray, y: np.ndarray, target_per_cell: int = 48):
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        n = len(x)
        ok = np.isfinite(x) & np.isfinite(y)
        if n == 0 or not ok.any():
            self.x0 = self.y0 = 0.0
            self.cs = 1.0
            self.nx = self.ny = 1
            self.order = np.empty(0, np.int64)
            self.x = self.y = np.empty(0)
            self.cell_start = np.zeros(2, np.int64)
            return
        xmin, xmax = float(x[ok].min()), float(x[ok].max())
        ymin, ymax = float(y[ok].min()), float(y[ok].max())
        area = max((xmax - xmin) * (ymax - ymin), 1e-12)
        cs = np.sqrt(area * target_per_cell / max(n, 1))
        cs = max(cs, max(xmax - xmin, ymax - ymin) / 4096, 1e-9)
        self.x0, self.y0, self.cs = xmin, ymin, float(cs)
        self.nx = int((xmax - xmin) // cs) + 1
        self.ny = int((ymax - ymin) // cs) + 1
        gx = np.clip(((x - xmin) // cs), 0, self.nx - 1)
        gy = np.clip(((y - ymin) // cs), 0, self.ny - 1)
        gx = np.where(ok, gx, self.nx - 1).astype(np.int64)
        gy = np.where(ok, gy, self.ny - 1).astype(np.int64)
        cell = gy * self.nx + gx
        self.order = np.argsort(cell, kind="stable")
        cell_sorted = cell[self.order]
        self.x = x[self.order]
        self.y = y[self.order]
        self.cell_start = np.searchsorted(cell_sorted, np.arange(self.nx * self.ny + 1)).astype(np.int64)

    def __len__(self) -> int:
        return len(self.x)

    @property
    def extent(self):
        if len(self.x) == 0:
            return None
        return (float(np.nanmin(self.x)), float(np.nanmin(self.y)), float(np.nanmax(self.x)), float(np.nanmax(self.y)))

    def query(self, extent, exact: bool = True) -> np.ndarray:
        """Positions (in the sorted order) of the points inside ``extent``."""
        from app.map.painting import gather_ranges

        if len(self.x) == 0:
            return np.empty(0, np.int64)
        xmin, ymin, xmax, ymax = extent
        gx0 = int(np.clip((xmin - self.x0) // self.cs, 0, self.nx - 1))
        gx1 = int(np.clip((xmax - self.x0) // self.cs, 0, self.nx - 1))
        gy0 = int(np.clip((ymin - self.y0) // self.cs, 0, self.ny - 1))
        gy1 = int(np.clip((ymax - self.y0) // self.cs, 0, self.ny - 1))
        if xmax < self.x0 or ymax < self.y0 or xmin > self.x0 + self.nx * self.cs or ymin > self.y0 + self.ny * self.cs:
            return np.empty(0, np.int64)
        if gx0 == 0 and gy0 == 0 and gx1 == self.nx - 1 and gy1 == self.ny - 1:
            pos = np.arange(len(self.x), dtype=np.int64)
        else:
            rows = np.arange(gy0, gy1 + 1, dtype=np.int64)
            starts = self.cell_start[rows * self.nx + gx0]
            ends = self.cell_start[rows * self.nx + gx1 + 1]
            pos = gather_ranges(starts, ends)
        if exact and len(pos):
            px, py = self.x[pos], self.y[pos]
            m = (px >= xmin) & (px <= xmax) & (py >= ymin) & (py <= ymax)
            pos = pos[m]
        return pos

    def nearest(self, x: float, y: float, radius: float, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Up to k (positions, distances) within ``radius`` of (x, y), nearest first."""
        pos = self.query((x - radius, y - radius, x + radius, y + radius))
        if len(pos) == 0:
            return pos, np.empty(0)
        d = np.hypot(self.x[pos] - x, self.y[pos] - y)
        m = d <= radius
        pos, d = pos[m], d[m]
        o = np.argsort(d, kind="stable")[:k]
        return pos[o], d[o]
