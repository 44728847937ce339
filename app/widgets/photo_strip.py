"""A row of photo thumbnails fetched by hash (client.photo(sha256) on a worker thread); a click
opens the photo large. Photos never change (their name is their hash), so decoded images are cached."""
from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QByteArray, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (QDialog, QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QToolButton,
                               QVBoxLayout, QWidget)

from app.api.worker import run_async
from app.widgets.theme import set_ink

_CACHE: "OrderedDict[str, QImage]" = OrderedDict()
_CACHE_MAX = 64


def _cache_put(sha: str, img: QImage) -> None:
    _CACHE[sha] = img
    _CACHE.move_to_end(sha)
    while len(_CACHE) > _CACHE_MAX:
        _CACHE.popitem(last=False)


class PhotoViewer(QDialog):
    def __init__(self, image: QImage, title: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title or self.tr("Photo"))
        label = QLabel(self)
        label.setAlignment(Qt.AlignCenter)
        pm = QPixmap.fromImage(image)
        if pm.width() > 1200 or pm.height() > 900:
            pm = pm.scaled(1200, 900, Qt.KeepAspectRatio, Qt.SmoothTransformation)
        label.setPixmap(pm)
        lay = QVBoxLayout(self)
        lay.addWidget(label)
        self.resize(pm.width() + 24, pm.height() + 24)


class PhotoStrip(QWidget):
    """Thumbnails of `photos` (dicts with sha256, or plain hashes). `loaded` counts decoded images."""

    photoClicked = Signal(str)
    THUMB = QSize(96, 72)

    def __init__(self, client, parent: QWidget | None = None, empty_text: str | None = None):
        super().__init__(parent)
        self.client = client
        self.hashes: list[str] = []
        self.loaded = 0
        self._buttons: dict[str, QToolButton] = {}
        self._generation = 0
        self._empty = QLabel(empty_text if empty_text is not None else self.tr("No photos"), self)
        set_ink(self._empty, "muted")
        inner = QWidget()
        self._row = QHBoxLayout(inner)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.addWidget(self._empty)
        self._row.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setFixedHeight(28)
        self._scroll = scroll
        scroll.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(scroll)

    def set_photos(self, photos: list) -> None:
        hashes = [p["sha256"] if isinstance(p, dict) else str(p) for p in photos or []]
        if hashes == self.hashes:
            return
        self._generation += 1
        gen = self._generation
        for b in self._buttons.values():
            self._row.removeWidget(b)
            b.deleteLater()
        self._buttons.clear()
        self.hashes = hashes
        self.loaded = 0
        self._empty.setVisible(not hashes)
        self._scroll.setFixedHeight(self.THUMB.height() + 22 if hashes else 28)
        for i, sha in enumerate(hashes):
            b = QToolButton(self)
            b.setObjectName("photoThumb")
            b.setIconSize(self.THUMB)
            b.setFixedSize(self.THUMB + QSize(6, 6))
            b.setText("…")
            b.setToolTip(sha[:12])
            b.clicked.connect(lambda _=False, s=sha: self.open_photo(s))
            self._row.insertWidget(i, b)
            self._buttons[sha] = b
            if sha in _CACHE:
                self._show(gen, sha, _CACHE[sha])
            else:
                self._fetch(gen, sha)

    def _fetch(self, gen: int, sha: str) -> None:
        client = self.client

        def work() -> bytes:
            return bytes(client.photo(sha))

        def done(data: bytes) -> None:  # decoded on the UI thread (small images, no thread-safety doubts)
            img = QImage()
            img.loadFromData(QByteArray(data))
            self._show(gen, sha, img)

        run_async(work, done, lambda e: self._fail(gen, sha, e))

    def _show(self, gen: int, sha: str, img: QImage) -> None:
        if gen != self._generation or sha not in self._buttons:
            return
        b = self._buttons[sha]
        if img.isNull():
            b.setText(self.tr("?"))
            return
        _cache_put(sha, img)
        from PySide6.QtGui import QIcon
        b.setIcon(QIcon(QPixmap.fromImage(img.scaled(self.THUMB, Qt.KeepAspectRatio, Qt.SmoothTransformation))))
        b.setText("")
        self.loaded += 1

    def _fail(self, gen: int, sha: str, e: Exception) -> None:
        if gen == self._generation and sha in self._buttons:
            self._buttons[sha].setText("!")
            self._buttons[sha].setToolTip(str(e))

    def open_photo(self, sha: str) -> None:
        self.photoClicked.emit(sha)
        img = _CACHE.get(sha)
        if img is None:
            return
        v = PhotoViewer(img, sha[:12], self)
        v.setAttribute(Qt.WA_DeleteOnClose)
        v.show()
