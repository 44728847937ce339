"""Inspectors (监督员) moving on the map: position, heading arrow, online / offline (grey), name."""
from __future__ import annotations

import math

import numpy as np
import shapely
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

from app.map.painting import draw_halo_text, label_font
from app.map.viewport import Viewport

from .base import Feature, Layer
from .dynamic import DynamicPoints

__all__ = ["InspectorLayer"]

ONLINE = QColor(37, 99, 235)
OFFLINE = QColor(150, 150, 150)


class InspectorLayer(Layer):
    """Live inspector positions (OsmAnd/Traccar fixes, lon/lat by default). ``update_position`` is cheap."""

    kind = "inspector"

    def __init__(self, *, crs: str = "EPSG:4490", name: str = "监督员", size_px: float = 14.0,
                 label_max_scale: float = 5000.0, **kw):
        kw.setdefault("volatile", True)
        super().__init__(name, crs=crs, **kw)
        self.points = DynamicPoints(crs, {"heading": (np.float64, np.nan), "online": (np.bool_, True),
                                          "speed": (np.float64, np.nan)})
        self.lock = self.points.lock
        self.size_px = size_px
        self.label_max_scale = label_max_scale

    def __len__(self) -> int:
        return len(self.points)

    def update_position(self, inspector_id, x: float, y: float, heading: float | None = None,
                        online: bool | None = True, speed: float | None = None, name: str | None = None,
                        properties: dict | None = None) -> None:
        """One fix: position in the layer CRS, heading in degrees clockwise from north."""
        props = dict(properties or {})
        if name is not None:
            props["name"] = name
        self.points.upsert(inspector_id, x, y, props=props or None, heading=heading, online=online, speed=speed)
        self.notify("data")

    def set_online(self, inspector_id, online: bool) -> None:
        if inspector_id in self.points:
            self.points.upsert(inspector_id, online=bool(online))
            self.notify("data")

    def remove(self, inspector_id) -> None:
        if self.points.remove(inspector_id):
            self.notify("data")

    def extent(self, crs: str | None = None):
        return self.points.extent(crs or self.crs)

    def draw(self, painter: QPainter, viewport: Viewport, cancel) -> None:
        x, y, attrs, ids = self.points.projected(viewport.crs)
        px, py = viewport.map_to_pixel(x, y)
        s = self.size_px
        m = (px > -s) & (px < viewport.width + s) & (py > -s) & (py < viewport.height + s)
        rows = np.flatnonzero(m)
        online = attrs["online"]
        rows = rows[np.argsort(online[rows], kind="stable")]  # online ones on top
        labels = viewport.scale <= self.label_max_scale
        font = label_font(11, bold=True)
        white = QColor("white")
        for i in rows.tolist():
            c = ONLINE if online[i] else OFFLINE
            cx, cy = float(px[i]), float(py[i])
            h = attrs["heading"][i]
            painter.setPen(QPen(white, 2.0))
            painter.setBrush(c)
            if np.isfinite(h):
                painter.drawPath(_arrow(cx, cy, s, float(h)))
            else:
                painter.drawEllipse(QPointF(cx, cy), s / 2, s / 2)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(white)
            painter.drawEllipse(QPointF(cx, cy), s * 0.16, s * 0.16)
            if labels:
                name = self.points.props[i].get("name", str(ids[i])) if i < len(self.points.props) else str(ids[i])
                draw_halo_text(painter, cx, cy + s + 2, str(name), font, c.darker(130), QColor(255, 255, 255, 230))

    def identify(self, viewport: Viewport, px: float, py: float, tolerance_px: float = 6.0) -> list[Feature]:
        if not self.visible_at(viewport):
            return []
        return [Feature(self.name, "inspector", fid, self.points.get(fid) or {}, shapely.Point(x, y), d)
                for fid, x, y, d in self.points.near(viewport, px, py, max(tolerance_px, self.size_px / 2 + 1))]

    def select_in_extent(self, extent, crs: str) -> list[Feature]:
        return [Feature(self.name, "inspector", fid, self.points.get(fid) or {}, shapely.Point(x, y))
                for fid, x, y in self.points.within(extent, crs)]


def _arrow(cx: float, cy: float, s: float, heading_deg: float) -> QPainterPath:
    """A navigation arrow pointing ``heading_deg`` clockwise from north (screen up)."""
    a = math.radians(heading_deg)
    pts = [(0.0, -s * 0.75), (s * 0.55, s * 0.55), (0.0, s * 0.25), (-s * 0.55, s * 0.55)]
    ca, sa = math.cos(a), math.sin(a)
    path = QPainterPath()
    for k, (x, y) in enumerate(pts):
        X, Y = cx + x * ca - y * sa, cy + x * sa + y * ca
        path.moveTo(X, Y) if k == 0 else path.lineTo(X, Y)
    path.closeSubpath()
    return path
