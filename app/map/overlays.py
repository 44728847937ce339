"""Canvas overlays painted on the GUI thread over the composed layers: scale bar, north arrow,
attribution. A few QPainter calls each, but antialiased shapes and text cost milliseconds a frame
during playback: OverlaySprites draws each once per view into a small image."""
from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from typing import Callable, Hashable

from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter, QPen, QPolygonF

from .painting import FORMAT, label_font

__all__ = ["nice_length", "paint_scale_bar", "paint_north_arrow", "paint_attribution", "format_length",
           "OverlaySprites"]


class OverlaySprites:
    """Overlays drawn once into images and then blitted: `paint(p, key, rect, fn)` draws what
    `fn(painter)` paints inside `rect` (logical pixels of the canvas), anew only when `key` or the
    rectangle changes."""

    def __init__(self, limit: int = 32) -> None:
        self._images: dict[tuple, QImage] = {}
        self._limit = limit
        self.drawn = 0  # images drawn (tests count them)

    def paint(self, p: QPainter, key: Hashable, rect: QRectF, fn: Callable[[QPainter], None]) -> None:
        dev = p.device()
        dpr = dev.devicePixelRatio() if dev is not None else 1.0
        k = (key, rect.x(), rect.y(), rect.width(), rect.height(), dpr)
        img = self._images.get(k)
        if img is None:
            img = QImage(max(1, math.ceil(rect.width() * dpr)), max(1, math.ceil(rect.height() * dpr)), FORMAT)
            img.setDevicePixelRatio(dpr)
            img.fill(0)
            q = QPainter(img)
            q.translate(-rect.x(), -rect.y())
            fn(q)
            q.end()
            if len(self._images) >= self._limit:
                self._images.clear()
            self._images[k] = img
            self.drawn += 1
        p.drawImage(rect.topLeft(), img)


def nice_length(max_m: float) -> float:
    """The largest 1/2/5 x 10^k metres not above ``max_m``."""
    if max_m <= 0 or not math.isfinite(max_m):
        return 0.0
    k = 10 ** math.floor(math.log10(max_m))
    for m in (5, 2, 1):
        if m * k <= max_m:
            return m * k
    return k


def format_length(m: float) -> str:
    if m >= 1000:
        v = m / 1000
        return f"{v:g} km"
    if m >= 1:
        return f"{m:g} m"
    return f"{m * 100:g} cm"


def paint_scale_bar(p: QPainter, viewport, x: float = 12, bottom: float = 12, max_px: float = 160) -> None:
    mpp = viewport.metres_per_pixel
    length = nice_length(max_px * mpp)
    if length <= 0:
        return
    w = length / mpp
    y = viewport.height - bottom
    font = label_font(11)
    fm = QFontMetricsF(font)
    scale_text = f"1:{viewport.scale:,.0f}"
    label = format_length(length)
    box = QRectF(x - 6, y - 2 * fm.height() - 14, max(w + fm.horizontalAdvance(label) * 0.5,
                 fm.horizontalAdvance(scale_text)) + 12, 2 * fm.height() + 20)
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(255, 255, 255, 200))
    p.drawRoundedRect(box, 4, 4)
    # alternating black / white halves
    h = 5.0
    p.setPen(QPen(QColor(30, 30, 30), 1.0))
    p.setBrush(QColor(30, 30, 30))
    p.drawRect(QRectF(x, y - h, w / 2, h))
    p.setBrush(QColor(255, 255, 255))
    p.drawRect(QRectF(x + w / 2, y - h, w / 2, h))
    p.setFont(font)
    p.setPen(QColor(30, 30, 30))
    p.drawText(QPointF(x, y - h - 4), "0")
    p.drawText(QPointF(x + w - fm.horizontalAdvance(label) / 2, y - h - 4), label)
    p.drawText(QPointF(x, y - h - 4 - fm.height()), scale_text)
    p.restore()


def paint_north_arrow(p: QPainter, viewport, right: float = 16, top: float = 16, size: float = 34) -> None:
    cx = viewport.width - right - size / 2
    cy = top + size / 2 + 4
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(255, 255, 255, 200))
    p.drawEllipse(QPointF(cx, cy + 3), size / 2 + 6, size / 2 + 6)
    half = size / 2
    left = QPolygonF([QPointF(cx, cy - half), QPointF(cx - half * 0.45, cy + half * 0.6), QPointF(cx, cy + half * 0.3)])
    right_ = QPolygonF([QPointF(cx, cy - half), QPointF(cx + half * 0.45, cy + half * 0.6), QPointF(cx, cy + half * 0.3)])
    p.setPen(QPen(QColor(30, 30, 30), 1.0))
    p.setBrush(QColor(30, 30, 30))
    p.drawPolygon(left)
    p.setBrush(QColor(255, 255, 255))
    p.drawPolygon(right_)
    font = label_font(11, bold=True)
    p.setFont(font)
    p.setPen(QColor(30, 30, 30))
    fm = QFontMetricsF(font)
    p.drawText(QPointF(cx - fm.horizontalAdvance("N") / 2, cy + half * 0.6 + fm.ascent() + 1), "N")
    p.restore()


def paint_attribution(p: QPainter, viewport, texts: list[str]) -> None:
    if not texts:
        return
    text = " | ".join(dict.fromkeys(texts))
    font = label_font(10)
    fm = QFontMetricsF(font)
    w = fm.horizontalAdvance(text) + 10
    h = fm.height() + 4
    r = QRectF(viewport.width - w, viewport.height - h, w, h)
    p.save()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(255, 255, 255, 190))
    p.drawRect(r)
    p.setFont(font)
    p.setPen(QColor(50, 50, 50))
    p.drawText(r, Qt.AlignmentFlag.AlignCenter, text)
    p.restore()

