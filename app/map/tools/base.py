"""The map tool base class (a QObject so tools can have signals; never a widget)."""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt


class MapTool(QObject):
    name = "tool"
    cursor = Qt.CursorShape.ArrowCursor

    def __init__(self, canvas):
        super().__init__(canvas)
        self.canvas = canvas

    def activate(self) -> None:
        pass

    def deactivate(self) -> None:
        pass

    # event handlers: return True when handled
    def mouse_press(self, e) -> bool:
        return False

    def mouse_move(self, e) -> bool:
        return False

    def mouse_release(self, e) -> bool:
        return False

    def mouse_double_click(self, e) -> bool:
        return False

    def key_press(self, e) -> bool:
        return False

    def paint(self, painter) -> None:
        """Overlay (rubber bands, measured lines) in widget pixels, on the GUI thread."""
