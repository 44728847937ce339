"""Cameras (视频监控): an icon and a view-direction wedge (azimuth, field of view, range in metres)."""
from __future__ import annotations

import numpy as np
import shapely
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

from app.domain.camera_view import DEFAULT_FOV_DEG, DEFAULT_RANGE_M
from app.map.viewport import Viewport

from .base import Feature, Layer
from .dynamic import DynamicPoints
from .symbols import symbol_cache

__all__ = ["CameraLayer"]

WEDGE = QColor(0, 150, 136, 38)
WEDGE_EDGE = QColor(0, 121, 107, 110)


class CameraLayer(Layer):
    kind = "camera"

    def __init__(self, *, crs: str = "EPSG:4490", name: str = "视频监控", icon_px: int = 18,
                 wedge_max_scale: float = 2500.0, wedge_max_px: float = 70.0, min_scale: float | None = 5000.0,
                 **kw):
        super().__init__(name, crs=crs, min_scale=min_scale, **kw)
        self.points = DynamicPoints(crs, {"azimuth": (np.float64, np.nan), "fov": (np.float64, DEFAULT_FOV_DEG),
                                          "range_m": (np.float64, DEFAULT_RANGE_M), "online": (np.bool_, True)})
        self.lock = self.points.lock
        self.icon_px = icon_px
        self.wedge_max_scale = wedge_max_scale
        self.wedge_max_px = wedge_max_px  # the view range in metres, but never longer than this on screen

    def __len__(self) -> int:
        return len(self.points)

    def set_cameras(self, ids, x, y, azimuth=None, fov=None, range_m=None, properties=None) -> None:
        attrs = {}
        if azimuth is not None:
            attrs["azimuth"] = azimuth
        if fov is not None:
            attrs["fov"] = fov
        if range_m is not None:
            attrs["range_m"] = range_m
        self.points.set_all(ids, x, y, attrs, properties)
        self.notify("data")

    def update_camera(self, camera_id, x=None, y=None, azimuth=None, fov=None, range_m=None, online=None,
                      properties=None) -> None:
        self.points.upsert(camera_id, x, y, props=properties, azimuth=azimuth, fov=fov, range_m=range_m,
                           online=online)
        self.notify("data")

    def extent(self, crs: str | None = None):
        return self.points.extent(crs or self.crs)

    def draw(self, painter: QPainter, viewport: Viewport, cancel) -> None:
        x, y, attrs, ids = self.points.projected(viewport.crs)
        px, py = viewport.map_to_pixel(x, y)
        mpp = viewport.metres_per_pixel
        rng = np.minimum(attrs["range_m"] / mpp, self.wedge_max_px)
        m = (px > -rng - 20) & (px < viewport.width + rng + 20) & (py > -rng - 20) & (py < viewport.height + rng + 20)
        rows = np.flatnonzero(m)
        if viewport.scale <= self.wedge_max_scale:
            painter.setPen(QPen(WEDGE_EDGE, 1.0))
            painter.setBrush(WEDGE)
            for i in rows.tolist():
                az = attrs["azimuth"][i]
                if not np.isfinite(az):
                    continue
                r = float(rng[i])
                fov = float(attrs["fov"][i])
                path = QPainterPath(QPointF(px[i], py[i]))
                # Qt angles: 0 = 3 o'clock, counter-clockwise; azimuth: 0 = north, clockwise
                start = 90.0 - az - fov / 2
                path.arcTo(QRectF(px[i] - r, py[i] - r, 2 * r, 2 * r), start, fov)
                path.closeSubpath()
                painter.drawPath(path)
        icon = symbol_cache().image("0136", self.icon_px, viewport.dpr)
        h = self.icon_px / 2
        for i in rows.tolist():
            if not attrs["online"][i]:
                painter.setOpacity(0.45)
            painter.drawImage(QPointF(px[i] - h, py[i] - h), icon)
            painter.setOpacity(1.0)

    def identify(self, viewport: Viewport, px: float, py: float, tolerance_px: float = 6.0) -> list[Feature]:
        if not self.visible_at(viewport):
            return []
        return [Feature(self.name, "camera", fid, self.points.get(fid) or {}, shapely.Point(x, y), d)
                for fid, x, y, d in self.points.near(viewport, px, py, max(tolerance_px, self.icon_px / 2))]

    def select_in_extent(self, extent, crs: str) -> list[Feature]:
        return [Feature(self.name, "camera", fid, self.points.get(fid) or {}, shapely.Point(x, y))
                for fid, x, y in self.points.within(extent, crs)]


