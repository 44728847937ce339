"""Component symbols: SVG per minor class (resources/symbols/), rasterised once per size into QImages.

Thread-safe (render jobs run on worker threads): QSvgRenderer paints into a QImage under a lock; the
cache then hands out the same QImage to every job (QImage is implicitly shared and read-only here).
"""
from __future__ import annotations

import csv
import threading
from pathlib import Path

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from app.domain.resources import resources_dir

__all__ = ["SymbolCache", "symbol_cache", "symbols_dir"]

FALLBACK_COLOR = "#78909c"


def symbols_dir() -> Path:
    return resources_dir() / "symbols"


class SymbolCache:
    def __init__(self, directory: str | Path | None = None):
        self.directory = Path(directory) if directory else symbols_dir()
        self._lock = threading.Lock()
        self._images: dict[tuple[str, int, float], QImage] = {}
        self._renderers: dict[str, object] = {}
        self._colors: dict[str, QColor] = {}
        self._names: dict[str, str] = {}
        idx = self.directory / "index.csv"
        if idx.exists():
            with open(idx, encoding="utf-8") as f:
                for r in csv.DictReader(f):
                    self._colors[r["code"]] = QColor(r["color"])
                    self._names[r["code"]] = r["name"]

    def codes(self) -> list[str]:
        return sorted(self._colors)

    def name(self, code: str) -> str:
        return self._names.get(str(code), str(code))

    def color(self, code: str) -> QColor:
        """The class colour (used for dots and for the density raster)."""
        return QColor(self._colors.get(str(code), QColor(FALLBACK_COLOR)))

    def path(self, code: str) -> Path:
        p = self.directory / f"{code}.svg"
        return p if p.exists() else self.directory / "default.svg"

    def image(self, code: str, size_px: int, dpr: float = 1.0) -> QImage:
        """The symbol of ``code`` as a size x size (logical px) premultiplied QImage."""
        key = (str(code), int(size_px), float(dpr))
        img = self._images.get(key)
        if img is not None:
            return img
        with self._lock:
            img = self._images.get(key)
            if img is None:
                img = self._rasterise(str(code), int(size_px), float(dpr))
                self._images[key] = img
        return img

    def _rasterise(self, code: str, size: int, dpr: float) -> QImage:
        from PySide6.QtSvg import QSvgRenderer

        n = max(1, int(round(size * dpr)))
        img = QImage(n, n, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(0)
        path = self.path(code)
        r = self._renderers.get(str(path))
        if r is None:
            r = QSvgRenderer(str(path)) if path.exists() else None
            self._renderers[str(path)] = r
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if r is not None and r.isValid():
            r.render(p, QRectF(0, 0, n, n))
        else:
            p.setBrush(self.color(code))
            p.setPen(QColor("white"))
            p.drawEllipse(QRectF(1, 1, n - 2, n - 2))
        p.end()
        img.setDevicePixelRatio(dpr)
        return img


_default: SymbolCache | None = None
_dlock = threading.Lock()


def symbol_cache() -> SymbolCache:
    """The shared cache of the shipped symbols."""
    global _default
    with _dlock:
        if _default is None:
            _default = SymbolCache()
        return _default
