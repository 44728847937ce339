"""Pan by dragging; shift-drag draws a box to zoom into (as in QGIS)."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPen

from .base import MapTool

CLICK_SLOP_PX = 3.0


class PanTool(MapTool):
    name = "pan"
    cursor = Qt.CursorShape.OpenHandCursor

    def __init__(self, canvas):
        super().__init__(canvas)
        self._press: QPointF | None = None
        self._start_vp = None
        self._dragging = False
        self._box: QRectF | None = None
        self._box_mode = False

    def mouse_press(self, e) -> bool:
        if e.button() != Qt.MouseButton.LeftButton:
            return False
        self._press = e.position()
        self._start_vp = self.canvas.viewport
        self._dragging = False
        self._box_mode = bool(e.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        return True

    def mouse_move(self, e) -> bool:
        if self._press is None:
            return False
        d = e.position() - self._press
        if not self._dragging and (abs(d.x()) + abs(d.y())) < CLICK_SLOP_PX:
            return True
        if not self._dragging:
            self._dragging = True
            self.canvas.begin_interaction()
            if not self._box_mode:
                self.canvas.setCursor(Qt.CursorShape.ClosedHandCursor)
        if self._box_mode:
            self._box = QRectF(self._press, e.position()).normalized()
            self.canvas.update()
        else:
            self.canvas.set_viewport(self._start_vp.panned(d.x(), d.y()), render=False)
        return True

    def mouse_release(self, e) -> bool:
        if self._press is None:
            return False
        was_drag = self._dragging
        press = self._press
        self._press = None
        self._dragging = False
        self.canvas.setCursor(self.cursor)
        if not was_drag:
            self.click(press, e)
            return True
        if self._box_mode and self._box is not None:
            box, self._box = self._box, None
            self.canvas.end_interaction(render=False)  # zooming to the box renders
            self.zoom_to_box(box)
        else:
            self.canvas.end_interaction(0)
        return True

    def zoom_to_box(self, box: QRectF) -> None:
        if box.width() < 4 or box.height() < 4:
            self.canvas.update()
            return
        vp = self.canvas.viewport
        x0, y0 = vp.pixel_to_map(box.left(), box.bottom())
        x1, y1 = vp.pixel_to_map(box.right(), box.top())
        self.canvas.zoom_to_extent((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), margin=0.0, animate=True)

    def click(self, pos: QPointF, e) -> None:
        """A click without drag; subclasses (identify) use it."""

    def paint(self, painter) -> None:
        if self._box is not None:
            painter.setPen(QPen(QColor(30, 90, 200), 1.5, Qt.PenStyle.DashLine))
            painter.setBrush(QColor(30, 90, 200, 40))
            painter.drawRect(self._box)
