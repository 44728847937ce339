"""Drag a camera from the map onto a wall tile: an event filter on the canvas that starts a drag when
the left button goes down on a camera symbol and the mouse moves; anything else passes on to the
canvas's tool (a click still identifies, a drag elsewhere still pans)."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import QApplication, QWidget

from .tile import camera_mime


class MapCameraDrag(QObject):
    def __init__(self, canvas: QWidget):
        super().__init__(canvas)
        self.canvas = canvas
        self._press: tuple[QPoint, str] | None = None
        canvas.installEventFilter(self)

    def camera_at(self, x: float, y: float) -> str | None:
        feats = [f for f in self.canvas.identify_at(x, y) if f.kind == "camera"]
        return str(feats[0].id) if feats else None

    def eventFilter(self, obj, e) -> bool:  # noqa: N802, ANN001
        t = e.type()
        if t == QEvent.MouseButtonPress and e.button() == Qt.LeftButton:
            pos = e.position().toPoint()
            cid = self.camera_at(pos.x(), pos.y())
            self._press = (pos, cid) if cid else None
        elif t == QEvent.MouseMove and self._press is not None and e.buttons() & Qt.LeftButton:
            start, cid = self._press
            if (e.position().toPoint() - start).manhattanLength() >= QApplication.startDragDistance():
                self._press = None
                drag = QDrag(self.canvas)
                drag.setMimeData(camera_mime(cid))
                drag.exec(Qt.CopyAction)
                return True  # the map does not pan under a camera being dragged away
        elif t == QEvent.MouseButtonRelease:
            self._press = None
        return False
