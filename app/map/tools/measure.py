"""Measure distance or area: click vertices, double-click (or right-click / Enter) to finish.

Values are metres / square metres computed by app.map.measure in the canvas CRS (projected) or on
the ellipsoid (geographic, Web Mercator). ``measuring`` fires while the mouse moves (live value),
``measured`` when a measurement is finished: {"mode", "length_m", "area_m2"?, "points"}.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPen, QPolygonF

from ..measure import measure
from ..overlays import format_length
from ..painting import draw_halo_text, label_font
from .base import MapTool


def format_area(m2: float) -> str:
    if m2 >= 1e6:
        return f"{m2 / 1e6:.3f} km²"
    return f"{m2:,.1f} m²"


class MeasureTool(MapTool):
    name = "measure"
    cursor = Qt.CursorShape.CrossCursor
    measuring = Signal(object)
    measured = Signal(object)

    def __init__(self, canvas, mode: str = "distance"):
        super().__init__(canvas)
        if mode not in ("distance", "area"):
            raise ValueError("mode is 'distance' or 'area'")
        self.mode = mode
        self.points: list[tuple[float, float]] = []  # map coordinates
        self._hover: tuple[float, float] | None = None
        self._done = False
        self.result: dict | None = None

    def deactivate(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.points, self._hover, self._done, self.result = [], None, False, None
        self.canvas.update()

    def add_point(self, x: float, y: float) -> None:
        if self._done:
            self.reset()
        self.points.append((float(x), float(y)))
        self.canvas.update()

    def current(self, extra=None) -> dict:
        pts = self.points + ([extra] if extra else [])
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        out = measure(xs, ys, self.canvas.crs, closed=self.mode == "area")
        out["mode"] = self.mode
        out["points"] = pts
        return out

    def finish(self) -> dict:
        self.result = self.current()
        self._done = True
        self._hover = None
        self.canvas.update()
        self.measured.emit(self.result)
        return self.result

    def mouse_press(self, e) -> bool:
        pos = e.position()
        if e.button() == Qt.MouseButton.RightButton:
            if self.points and not self._done:
                self.finish()
            return True
        if e.button() == Qt.MouseButton.LeftButton:
            self.add_point(*self.canvas.pixel_to_map(pos.x(), pos.y()))
            return True
        return False

    def mouse_double_click(self, e) -> bool:
        if self.points and not self._done:
            self.finish()
        return True

    def mouse_move(self, e) -> bool:
        if self.points and not self._done:
            pos = e.position()
            self._hover = self.canvas.pixel_to_map(pos.x(), pos.y())
            self.measuring.emit(self.current(self._hover))
            self.canvas.update()
        return False

    def key_press(self, e) -> bool:
        if e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.points:
            self.finish()
            return True
        if e.key() == Qt.Key.Key_Escape:
            self.reset()
            return True
        if e.key() == Qt.Key.Key_Backspace and self.points and not self._done:
            self.points.pop()
            self.canvas.update()
            return True
        return False

    def paint(self, painter) -> None:
        pts = list(self.points) + ([self._hover] if self._hover else [])
        if not pts:
            return
        px = [QPointF(*self.canvas.map_to_pixel(x, y)) for x, y in pts]
        pen = QPen(QColor(230, 80, 0), 2.2)
        painter.setPen(pen)
        if self.mode == "area" and len(px) >= 3:
            painter.setBrush(QColor(230, 80, 0, 50))
            painter.drawPolygon(QPolygonF(px))
        else:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPolyline(QPolygonF(px))
        painter.setBrush(QColor("white"))
        for p in px:
            painter.drawEllipse(p, 3.5, 3.5)
        r = self.current(self._hover) if not self._done else (self.result or self.current())
        if self.mode == "area":
            text = format_area(r.get("area_m2", 0.0)) if len(pts) >= 3 else format_length(r["length_m"])
        else:
            text = format_length(r["length_m"]) if r["length_m"] >= 1 else f"{r['length_m']:.2f} m"
            if r["length_m"] >= 1:
                text = f"{r['length_m']:,.1f} m" if r["length_m"] < 10000 else f"{r['length_m'] / 1000:.3f} km"
        last = px[-1]
        draw_halo_text(painter, last.x() + 8, last.y() - 8, text, label_font(13, True), QColor(160, 50, 0),
                       QColor(255, 255, 255, 235), 3.5, align_center=False)
