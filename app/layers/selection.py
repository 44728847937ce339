"""Selection highlight: whatever was identified or selected, drawn over everything."""
from __future__ import annotations

import numpy as np
import shapely
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from app.map.crs import transform_geometries
from app.map.painting import path_from_xy
from app.map.viewport import Viewport

from .base import Layer
from .geometry import flatten

__all__ = ["SelectionLayer"]

HALO = QColor(0, 229, 255, 110)
EDGE = QColor(0, 150, 200)


class SelectionLayer(Layer):
    kind = "selection"

    def __init__(self, *, crs: str = "EPSG:4527", name: str = "选择", **kw):
        kw.setdefault("volatile", True)
        super().__init__(name, crs=crs, **kw)
        self.geoms = np.empty(0, dtype=object)
        self.features: list = []

    def set_features(self, features, crs: str | None = None) -> None:
        """Highlight ``features`` (Feature objects with a geometry in ``crs``, default the layer CRS)."""
        feats = [f for f in features if getattr(f, "geometry", None) is not None]
        geoms = np.array([f.geometry for f in feats], dtype=object)
        if crs and len(geoms):
            geoms = transform_geometries(geoms, crs, self.crs)
        with self.lock:
            self.features = feats
            self.geoms = geoms
        self.notify("data")

    def set_geometries(self, geoms, crs: str | None = None) -> None:
        geoms = np.asarray(geoms, dtype=object)
        if crs and len(geoms):
            geoms = transform_geometries(geoms, crs, self.crs)
        with self.lock:
            self.features = []
            self.geoms = geoms
        self.notify("data")

    def clear(self) -> None:
        self.set_geometries([])

    def __len__(self) -> int:
        return len(self.geoms)

    def draw(self, painter: QPainter, viewport: Viewport, cancel) -> None:
        with self.lock:
            geoms = self.geoms
        if len(geoms) == 0:
            return
        geoms = transform_geometries(geoms, self.crs, viewport.crs)
        types = shapely.get_type_id(geoms)
        pts = geoms[(types == 0) | (types == 4)]
        other = geoms[(types != 0) & (types != 4)]
        if len(other):
            xy, starts, _off = flatten(other)
            px, py = viewport.map_to_pixel(xy[:, 0], xy[:, 1])
            path = path_from_xy(px, py, starts)
            pen = QPen(HALO, 7.0)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            painter.setBrush(QColor(0, 229, 255, 28))
            painter.drawPath(path)
            painter.setPen(QPen(EDGE, 2.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
        if len(pts):
            xy = shapely.get_coordinates(pts)
            px, py = viewport.map_to_pixel(xy[:, 0], xy[:, 1])
            for x, y in zip(px.tolist(), py.tolist()):
                painter.setPen(QPen(HALO, 6.0))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawEllipse(QPointF(x, y), 13, 13)
                painter.setPen(QPen(EDGE, 2.0))
                painter.drawEllipse(QPointF(x, y), 13, 13)
