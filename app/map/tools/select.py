"""Rectangle select: drag a box -> the features inside it, per layer."""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPen

from .base import MapTool


class RectSelectTool(MapTool):
    name = "select"
    cursor = Qt.CursorShape.CrossCursor
    selected = Signal(object)  # dict layer name -> list[Feature]

    def __init__(self, canvas, selection_layer=None, layers=None):
        super().__init__(canvas)
        self.selection_layer = selection_layer
        self.layers = layers
        self._press = None
        self._box: QRectF | None = None
        self.last: dict = {}

    def mouse_press(self, e) -> bool:
        if e.button() != Qt.MouseButton.LeftButton:
            return False
        self._press = e.position()
        self._box = QRectF(self._press, self._press)
        return True

    def mouse_move(self, e) -> bool:
        if self._press is None:
            return False
        self._box = QRectF(self._press, e.position()).normalized()
        self.canvas.update()
        return True

    def mouse_release(self, e) -> bool:
        if self._press is None:
            return False
        box = QRectF(self._press, e.position()).normalized()
        self._press, self._box = None, None
        self.select_rect(box)
        return True

    def select_rect(self, box: QRectF) -> dict:
        got = self.canvas.select_in_rect(box, self.layers)
        self.last = got
        if self.selection_layer is not None:
            feats = [f for fs in got.values() for f in fs][:5000]
            self.selection_layer.set_features(feats, self.canvas.crs)
        self.canvas.update()
        self.selected.emit(got)
        return got

    def key_press(self, e) -> bool:
        if e.key() == Qt.Key.Key_Escape and self._box is not None:
            self._press, self._box = None, None
            self.canvas.update()
            return True
        return False

    def paint(self, painter) -> None:
        if self._box is not None:
            painter.setPen(QPen(QColor(0, 150, 200), 1.5, Qt.PenStyle.DashLine))
            painter.setBrush(QColor(0, 200, 255, 40))
            painter.drawRect(self._box)
