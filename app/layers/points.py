"""A uniform-grid spatial index over many points (Qt-free), for components and other dense points.

The points are kept sorted by grid cell (row-major), so the cells of one row of a query rectangle
are one contiguous slice: a street view gathers its points with a few slices, never a Python loop
over points.
"""
from __future__ import annotations

import numpy as np

__all__ = ["PointGrid"]

MAX_CELLS = 65536


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
            self._extent = None
            return
        xs, ys = (x, y) if ok.all() else (x[ok], y[ok])
        xmin, xmax = float(xs.min()), float(xs.max())
        ymin, ymax = float(ys.min()), float(ys.max())
        area = max((xmax - xmin) * (ymax - ymin), 1e-12)
        cs = np.sqrt(area * target_per_cell / max(n, 1))
        cs = max(cs, max(xmax - xmin, ymax - ymin) / 4096, 1e-9)
        # at most 65,536 cells: the cell number fits 16 bits, which numpy sorts by radix (linear time)
        while (int((xmax - xmin) // cs) + 1) * (int((ymax - ymin) // cs) + 1) > MAX_CELLS:
            cs *= 1.05
        self.x0, self.y0, self.cs = xmin, ymin, float(cs)
        self._extent = (xmin, ymin, xmax, ymax)  # of the finite points; the density render asks each frame
        self.nx = int((xmax - xmin) // cs) + 1
        self.ny = int((ymax - ymin) // cs) + 1
        inv = 1.0 / cs
        with np.errstate(invalid="ignore"):
            gx = np.minimum(((x - xmin) * inv).astype(np.int32), self.nx - 1)
            gy = np.minimum(((y - ymin) * inv).astype(np.int32), self.ny - 1)
        np.maximum(gx, 0, out=gx)
        np.maximum(gy, 0, out=gy)
        if not ok.all():  # non-finite points go to the last cell
            gx[~ok], gy[~ok] = self.nx - 1, self.ny - 1
        cell = (gy * self.nx + gx).astype(np.uint16 if self.nx * self.ny <= 65536 else np.int64)
        del gx, gy
        self.order = np.argsort(cell, kind="stable")
        self.x = x[self.order]
        self.y = y[self.order]
        counts = np.bincount(cell, minlength=self.nx * self.ny)
        self.cell_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def __len__(self) -> int:
        return len(self.x)

    @property
    def extent(self):
        return self._extent

    def ranges(self, extent) -> tuple[np.ndarray, np.ndarray] | None:
        """The sorted-order slices [starts[i], ends[i]) holding every point in ``extent`` (one per row of
        cells, plus points of the edge cells outside it); None when that is every point."""
        if len(self.x) == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        xmin, ymin, xmax, ymax = extent
        if xmax < self.x0 or ymax < self.y0 or xmin > self.x0 + self.nx * self.cs or ymin > self.y0 + self.ny * self.cs:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        gx0 = int(np.clip((xmin - self.x0) // self.cs, 0, self.nx - 1))
        gx1 = int(np.clip((xmax - self.x0) // self.cs, 0, self.nx - 1))
        gy0 = int(np.clip((ymin - self.y0) // self.cs, 0, self.ny - 1))
        gy1 = int(np.clip((ymax - self.y0) // self.cs, 0, self.ny - 1))
        if gx0 == 0 and gy0 == 0 and gx1 == self.nx - 1 and gy1 == self.ny - 1:
            return None
        if gx0 == 0 and gx1 == self.nx - 1:  # whole rows: one slice
            return (self.cell_start[[gy0 * self.nx]], self.cell_start[[(gy1 + 1) * self.nx]])
        rows = np.arange(gy0, gy1 + 1, dtype=np.int64)
        return self.cell_start[rows * self.nx + gx0], self.cell_start[rows * self.nx + gx1 + 1]

    def span(self, extent) -> tuple[int, int]:
        """One sorted-order slice [start, end) holding every point in ``extent``: the whole rows of
        cells it crosses (points left and right of it too). A view of the columns, no copy."""
        got = self.ranges(extent)
        if got is None:
            return 0, len(self.x)
        starts, ends = got
        if len(starts) == 0:
            return 0, 0
        return int(starts[0]), int(ends[-1])

    def take(self, arrays, extent) -> list[np.ndarray]:
        """``arrays`` (in sorted order) cut to the slices of ``extent``: contiguous copies, no index array."""
        got = self.ranges(extent)
        if got is None:
            return list(arrays)
        starts, ends = got
        keep = [(int(s), int(e)) for s, e in zip(starts, ends) if e > s]
        if len(keep) == 1:
            s, e = keep[0]
            return [a[s:e] for a in arrays]
        return [np.concatenate([a[s:e] for s, e in keep]) if keep else a[:0] for a in arrays]

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
