"""Responsibility grids (责任网格): groups of unit grids patrolled by one inspector."""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

from .polygons import PolygonLayer, PolygonStyle, read_vector

__all__ = ["ResponsibilityGridLayer"]


class ResponsibilityGridLayer(PolygonLayer):
    """Responsibility grids: thick dashed outlines, names as labels up to 1:10000."""

    kind = "responsibility_grid"

    def __init__(self, geometries, codes, *, crs: str, names=None, properties: dict | None = None,
                 name: str = "责任网格", style: PolygonStyle | None = None, **kw):
        props = dict(properties or {})
        props["code"] = np.asarray([str(c) for c in codes], dtype=object)
        props["name"] = np.asarray([str(n) for n in names], dtype=object) if names is not None else props["code"]
        style = style or PolygonStyle(outline=QColor(200, 40, 160), outline_width=2.2, dash=True,
                                      label_field="name", label_max_scale=10000.0, label_px=13.0,
                                      label_color=QColor(150, 20, 120), label_bold=True)
        super().__init__(name, geometries, crs=crs, properties=props, id_field="code", style=style, **kw)

    @classmethod
    def from_file(cls, path, layer: str | None = None, code_field: str = "code", name_field: str | None = "name",
                  **kw) -> "ResponsibilityGridLayer":
        geoms, props, crs = read_vector(path, layer)
        codes = props.pop(code_field)
        names = props.pop(name_field) if name_field and name_field in props else None
        kw.setdefault("crs", crs)
        return cls(geoms, codes, names=names, properties=props, **kw)
