"""A track rasterised once into a pyramid of speed-class images (Qt-free), so that drawing a dense
track (a month of fixes, 500,000 segments) at any scale is a resample of the level that fits the
view, not half a million strokes.

The base level covers the track's extent at `cell` map units a cell (1 m for a city
district, coarser for a larger area so it stays ≤ MAX_CELLS a side); every further level halves
the resolution keeping, in each cell, the highest class met (the fastest speed, the implausible
one above all, as the vector drawing paints the faster classes last). Class 0 is "no track".
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from app.map.line_raster import rasterize_segments

__all__ = ["TrackRaster", "MAX_CELLS", "FINEST_CELL_M"]

MAX_CELLS = 2048  # cells along the longer side of the base level
FINEST_CELL_M = 1.0  # no finer than this: a phone's fix is good to a few metres
STEP = 3.0  # cells between samples along a segment
SMALLEST_LEVEL = 64  # cells along the longer side of the coarsest level


def _max_pool(a: np.ndarray) -> np.ndarray:
    """Halve the resolution, keeping each 2×2 block's maximum."""
    h, w = a.shape
    if h % 2 or w % 2:
        a = np.pad(a, ((0, h % 2), (0, w % 2)))
    # four strided views and three maxima: a 4-D reshape reduced over two axes is ~30× slower
    out = np.maximum(a[0::2, 0::2], a[1::2, 0::2])
    np.maximum(out, a[0::2, 1::2], out=out)
    np.maximum(out, a[1::2, 1::2], out=out)
    return out


@dataclass
class TrackRaster:
    x0: float  # map x of the left edge of column 0
    y1: float  # map y of the top edge of row 0
    cell: float  # map units per cell at level 0
    levels: list[np.ndarray] = field(default_factory=list)  # uint8 class images, finest first

    @classmethod
    def build(cls, x: np.ndarray, y: np.ndarray, seg: np.ndarray, classes: np.ndarray,
              metres_per_unit: float = 1.0) -> "TrackRaster":
        """Segments `seg` (vertex i → i+1) of the track x/y with classes 1..255."""
        used = np.zeros(x.size, dtype=bool)  # a mask: np.unique of a million indices costs seconds
        used[seg] = True
        used[seg + 1] = True
        if not used.any():
            return cls(0.0, 0.0, 1.0, [np.zeros((1, 1), dtype=np.uint8)])
        xmin, xmax = float(x[used].min()), float(x[used].max())
        ymin, ymax = float(y[used].min()), float(y[used].max())
        cell = max(FINEST_CELL_M / metres_per_unit, max(xmax - xmin, ymax - ymin) / (MAX_CELLS - 4), 1e-9)
        x0, y1 = xmin - 2 * cell, ymax + 2 * cell
        w = int((xmax - x0) / cell) + 3
        h = int((y1 - ymin) / cell) + 3
        # samples STEP cells apart: the drawing widens every line by (at least) a pixel each side,
        # which joins them
        base = rasterize_segments((x - x0) / cell, (y1 - y) / cell, seg, classes, (h, w), step=STEP)
        levels = [base]
        while max(levels[-1].shape) > SMALLEST_LEVEL:
            levels.append(_max_pool(levels[-1]))
        return cls(x0, y1, cell, levels)

    @property
    def extent(self) -> tuple[float, float, float, float]:
        h, w = self.levels[0].shape
        return self.x0, self.y1 - h * self.cell, self.x0 + w * self.cell, self.y1

    def level_for(self, pixel: float) -> int:
        """The finest level whose cells are at least a pixel (`pixel` map units) wide, so that
        every cell is seen by some pixel; the coarsest when none is."""
        for k in range(len(self.levels)):
            if self.cell * (1 << k) >= pixel * 0.999:
                return k
        return len(self.levels) - 1

    def widen_px(self, pixel: float) -> int:
        """Pixels to widen each side by so that samples STEP cells apart join up at this scale."""
        c = self.cell * (1 << self.level_for(pixel))
        return max(1, int(math.ceil(STEP / 2 * c / pixel - 0.5)))

    def sample(self, xs: np.ndarray, ys: np.ndarray, pixel: float) -> np.ndarray:
        """The classes at the pixel centres (map x of each column `xs`, map y of each row `ys`),
        nearest cell of the fitting level: a (len(ys), len(xs)) uint8 image."""
        k = self.level_for(pixel)
        lvl, c = self.levels[k], self.cell * (1 << k)
        ci = np.floor((xs - self.x0) / c).astype(np.int64)
        ri = np.floor((self.y1 - ys) / c).astype(np.int64)
        out = np.zeros((ys.size, xs.size), dtype=np.uint8)
        cok = (ci >= 0) & (ci < lvl.shape[1])
        rok = (ri >= 0) & (ri < lvl.shape[0])
        if cok.any() and rok.any():
            cols, rows = np.flatnonzero(cok), np.flatnonzero(rok)
            # one contiguous block of the output: the valid columns and rows are runs
            out[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1] = lvl[np.ix_(ri[rok], ci[cok])]
        return out
