"""What the track layer paints every playback frame over its cached image (GUI thread): each
inspector's marker with heading, name and a fading trail. A frame must cost a few milliseconds,
so nothing here strokes a wide antialiased path more than once per inspector:

- markers are sprites: the disc with its heading arrow is drawn once per 5° of heading (and
  live / signal lost / selected) into a small image, then each frame is one drawImage;
- the trails of all inspectors are one stroke per age band: the newest part wide, the older
  parts hairlines (Qt's cosmetic pen, some forty times cheaper than a wide antialiased one) fading
  out with age.
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen

from app.map.painting import FORMAT, path_from_xy, thin_vertices

__all__ = ["paint_trail", "paint_marker", "marker_sprite", "warm_markers", "TRAIL_BANDS"]

INK = QColor(17, 24, 39)
LOST = QColor(148, 163, 184)
TRAIL_BANDS = 3  # the newest band wide, the older ones hairlines fading out
HEADING_STEP = 5  # degrees per marker sprite
_sprites: dict[tuple, QImage] = {}


def marker_sprite(heading: float, live: bool, selected: bool, dpr: float = 1.0) -> tuple[QImage, float]:
    """(sprite, half its logical size): the marker centred in a square image, cached."""
    bucket = -1 if not math.isfinite(heading) else int(round(heading / HEADING_STEP)) % (360 // HEADING_STEP)
    key = (bucket, live, selected, dpr)
    half = 22.0
    img = _sprites.get(key)
    if img is None:
        size = int(math.ceil(2 * half * dpr))
        img = QImage(size, size, FORMAT)
        img.setDevicePixelRatio(dpr)
        img.fill(0)
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        _draw_marker(p, half, half, math.nan if bucket < 0 else bucket * HEADING_STEP, live, selected)
        p.end()
        if len(_sprites) > 4096:
            _sprites.clear()
        _sprites[key] = img
    return img, half


def warm_markers(dpr: float = 1.0) -> None:
    """Make the live and signal-lost sprites of every heading now (~0.2 ms each), so that the first
    seconds of playback do not make them one frame at a time."""
    for k in range(360 // HEADING_STEP):
        for live in (True, False):
            marker_sprite(k * HEADING_STEP, live, False, dpr)


def paint_marker(p: QPainter, x: float, y: float, heading: float, live: bool, selected: bool) -> None:
    dev = p.device()
    img, half = marker_sprite(heading, live, selected, dev.devicePixelRatio() if dev is not None else 1.0)
    p.drawImage(QPointF(x - half, y - half), img)


def _draw_marker(p: QPainter, x: float, y: float, heading: float, live: bool, selected: bool) -> None:
    r = 9.0 if selected else 7.5
    fill = INK if live else LOST
    p.setPen(QPen(QColor("white"), 2.5))
    p.setBrush(fill)
    p.drawEllipse(QPointF(x, y), r, r)
    if math.isfinite(heading):
        a = math.radians(heading)
        tip = QPointF(x + math.sin(a) * (r + 9), y - math.cos(a) * (r + 9))
        left = QPointF(x + math.sin(a - 0.5) * r, y - math.cos(a - 0.5) * r)
        right = QPointF(x + math.sin(a + 0.5) * r, y - math.cos(a + 0.5) * r)
        path = QPainterPath(tip)
        path.lineTo(left)
        path.lineTo(right)
        path.closeSubpath()
        p.setPen(QPen(QColor("white"), 1.5))
        p.setBrush(QBrush(fill))
        p.drawPath(path)
    if selected:
        p.setPen(QPen(INK, 2.0))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(QPointF(x, y), r + 5, r + 5)


def paint_trail(p: QPainter, px: np.ndarray, py: np.ndarray, ts: np.ndarray, first: np.ndarray, now: float,
                trail_s: float, gap_s: float) -> None:
    """The trails through pixel vertices px/py at times ts, a new one where `first` is set (each
    inspector's, its last vertex the marker at `now`): one stroke per age band for all of them."""
    if px.size < 2:
        return
    brk = first.copy()
    brk[1:] |= np.diff(ts) >= gap_s  # no trail across a signal gap
    age = (now - ts) / trail_s  # 0 now … 1 oldest
    band = np.minimum((age * TRAIL_BANDS).astype(int), TRAIL_BANDS - 1)
    # a vertex also ends the older band's run, so that the bands join up
    nxt = np.append(band[1:], -1)
    p.setBrush(Qt.BrushStyle.NoBrush)
    for b in range(TRAIL_BANDS - 1, -1, -1):
        m = band == b
        join = np.zeros_like(m)
        join[1:] = m[:-1] & (nxt[:-1] == b - 1) & ~brk[1:]  # the younger vertex that follows
        idx = np.flatnonzero(m | join)
        if idx.size < 2:
            continue
        starts = np.ones(idx.size, dtype=bool)
        starts[1:] = (np.diff(idx) != 1) | brk[idx[1:]]
        x, y, s = thin_vertices(px[idx], py[idx], starts, 3.0)
        colour = QColor(INK)
        colour.setAlphaF(1.0 - 0.6 * b / max(1, TRAIL_BANDS - 1))
        pen = QPen(colour, 4.0 if b == 0 else 1.0)  # 1.0: Qt's fast hairline path
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        # bevelled joins: round ones add an arc at every vertex for the stroker to fill
        pen.setJoinStyle(Qt.PenJoinStyle.BevelJoin)
        p.setPen(pen)
        if b > 0:
            p.drawPath(path_from_xy(x, y, s))
            continue
        # the wide stroke one run at a time: a path spread over the whole map costs its stroker
        # a scan of that whole area, eight small ones do not
        run = np.flatnonzero(s).tolist() + [x.size]
        for a, e in zip(run[:-1], run[1:]):
            if e - a > 1:
                p.drawPath(path_from_xy(x[a:e], y[a:e], s[a:e]))
