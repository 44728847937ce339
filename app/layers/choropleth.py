"""Cases per unit grid as a choropleth (the evaluation's map), on the unit grids' own geometry.

A sequential single-hue ramp (ColorBrewer Purples): more cases, darker purple. It deliberately
avoids red, yellow and green, which mean the deadline bands (shared/domain §6) everywhere else on
the map. Classes are quantile breaks over the grids that have cases (at most 5, integer, distinct),
so a city with a few hot spots still shows its ordinary grids apart from the empty ones.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
from PySide6.QtGui import QColor

from .polygons import PolygonLayer, PolygonStyle

__all__ = ["ChoroplethLayer", "RAMP", "class_breaks"]

# ColorBrewer 5-class Purples, light to dark, slightly transparent so the basemap reads through.
RAMP = (QColor(242, 240, 247, 200), QColor(203, 201, 226, 210), QColor(158, 154, 200, 215),
        QColor(117, 107, 177, 220), QColor(84, 39, 143, 225))


def class_breaks(values, n: int = len(RAMP)) -> list[int]:
    """Lower bounds of up to n classes over the positive values (quantiles, integers, distinct,
    the first always 1)."""
    v = np.asarray([x for x in values if x > 0], dtype=float)
    if len(v) == 0:
        return []
    qs = np.quantile(v, np.linspace(0, 1, n + 1)[:-1])
    out: list[int] = []
    for q in qs:
        b = max(1, int(np.floor(q)))
        if not out or b > out[-1]:
            out.append(b)
    return out


class ChoroplethLayer(PolygonLayer):
    """The unit grids filled by a count per grid code (grids without a count stay unfilled)."""

    kind = "choropleth"

    def __init__(self, geometries, codes, *, crs: str, name: str = "网格案件分布", **kw):
        style = PolygonStyle(outline=QColor(120, 120, 140, 90), outline_width=0.5)
        super().__init__(name, geometries, crs=crs, properties={"code": np.asarray([str(c) for c in codes],
                                                                                    dtype=object)},
                         id_field="code", style=style, **kw)
        self.counts: dict[str, int] = {}
        self.breaks: list[int] = []

    @classmethod
    def from_grids(cls, grids, **kw) -> "ChoroplethLayer":
        """On an app.layers.UnitGridLayer's geometry (shared, not copied)."""
        return cls(grids.store.geoms, grids.properties["code"], crs=grids.store.crs, **kw)

    def set_counts(self, counts: Mapping[str, int]) -> None:
        self.counts = {str(k): int(v) for k, v in counts.items()}
        codes = self.properties["code"]
        n = np.fromiter((self.counts.get(c, 0) for c in codes), dtype=np.int64, count=len(codes))
        self.breaks = class_breaks(self.counts.values())
        if not self.breaks:
            self.set_fill_colors(np.zeros(len(codes), dtype=np.uint32))
            return
        cls_ = np.searchsorted(np.asarray(self.breaks), n, side="right")  # 0: no case
        lut = np.array([0] + [c.rgba() for c in RAMP[:len(self.breaks)]], dtype=np.uint32)
        self.set_fill_colors(lut[cls_])
        self.properties["count"] = n

    def legend(self) -> list[tuple[QColor, int, int | None]]:
        """(colour, lowest count, highest count or None for 'and more') per class."""
        top = max(self.counts.values(), default=0)
        out = []
        for i, b in enumerate(self.breaks):
            hi = self.breaks[i + 1] - 1 if i + 1 < len(self.breaks) else top
            out.append((RAMP[i], b, hi))
        return out
