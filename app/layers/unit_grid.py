"""Unit grids (万米单元网格): outlines, 15-digit codes as labels at large scales, optional choropleth."""
from __future__ import annotations

from typing import Mapping

import numpy as np
from PySide6.QtGui import QColor

from .polygons import PolygonLayer, PolygonStyle, read_vector

__all__ = ["UnitGridLayer", "CHOROPLETH_BREAKS", "CHOROPLETH_COLORS"]

# open cases per grid: >= 1, >= 3, >= 6, >= 10
CHOROPLETH_BREAKS = (1, 3, 6, 10)
CHOROPLETH_COLORS = (QColor(255, 237, 160, 130), QColor(254, 178, 76, 140), QColor(240, 59, 32, 140),
                     QColor(165, 0, 38, 150))


class UnitGridLayer(PolygonLayer):
    """Unit grids. ``codes`` are the 15-digit grid codes (labels and feature ids)."""

    kind = "grid"

    def __init__(self, geometries, codes, *, crs: str, properties: dict | None = None,
                 name: str = "单元网格", style: PolygonStyle | None = None, **kw):
        props = dict(properties or {})
        props["code"] = np.asarray([str(c) for c in codes], dtype=object)
        style = style or PolygonStyle(outline=QColor(30, 100, 220), outline_width=1.0, label_field="code",
                                      label_max_scale=2000.0, label_px=12.0, label_color=QColor(20, 60, 160))
        super().__init__(name, geometries, crs=crs, properties=props, id_field="code", style=style, **kw)
        self.case_counts: np.ndarray | None = None

    @classmethod
    def from_file(cls, path, layer: str | None = None, code_field: str = "code", **kw) -> "UnitGridLayer":
        geoms, props, crs = read_vector(path, layer)
        codes = props.pop(code_field)
        kw.setdefault("crs", crs)
        return cls(geoms, codes, properties=props, **kw)

    def set_case_counts(self, counts: Mapping[str, int] | None, breaks=CHOROPLETH_BREAKS,
                        colors=CHOROPLETH_COLORS) -> None:
        """Colour grids by their number of open cases (None switches the choropleth off)."""
        if counts is None:
            self.case_counts = None
            self.set_fill_colors(None)
            return
        codes = self.properties["code"]
        n = np.fromiter((int(counts.get(c, 0)) for c in codes), dtype=np.int64, count=len(codes))
        self.case_counts = n
        cls_ = np.searchsorted(np.asarray(breaks), n, side="right")  # 0 = below the first break
        lut = np.array([0] + [c.rgba() for c in colors], dtype=np.uint32)
        self.set_fill_colors(lut[np.minimum(cls_, len(colors))])
