"""Zoom box: drag a rectangle to zoom into it (click: zoom in x2 around the point)."""
from __future__ import annotations

from PySide6.QtCore import Qt

from .pan import PanTool


class ZoomBoxTool(PanTool):
    name = "zoom_box"
    cursor = Qt.CursorShape.CrossCursor

    def mouse_press(self, e) -> bool:
        handled = super().mouse_press(e)
        self._box_mode = True
        return handled

    def click(self, pos, e) -> None:
        self.canvas.zoom_by(2.0, (pos.x(), pos.y()), animate=True)
