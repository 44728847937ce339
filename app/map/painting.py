"""Qt helpers for fast drawing from numpy arrays (safe on worker threads: QImage/QPainter only).

- ``new_image``: a transparent ARGB32-premultiplied QImage for a viewport (device pixel ratio set).
- ``image_view``: a numpy (h, w) uint32 view on a QImage's pixels, to rasterise into directly.
- ``path_from_xy``: one QPainterPath from flat vertex arrays with "start a new sub-path" flags, built
  in a single QDataStream read instead of one Python call per vertex.
- ``polygons_from_xy``: a list of QPolygonF (one per ring) the same way, for per-polygon fills.
- ``thin_vertices``: drop vertices that fall on the same (sub)pixel as the previous one.
"""
from __future__ import annotations

import struct

import numpy as np
from PySide6.QtCore import QByteArray, QDataStream
from PySide6.QtGui import QColor, QImage, QPainterPath, QPolygonF

FORMAT = QImage.Format.Format_ARGB32_Premultiplied

_PATH_DTYPE = np.dtype([("c", "<i4"), ("x", "<f8"), ("y", "<f8")])


def new_image(viewport, fill: int = 0) -> QImage:
    w, h = viewport.device_size
    img = QImage(w, h, FORMAT)
    img.setDevicePixelRatio(viewport.dpr)
    img.fill(fill)
    return img


def image_view(img: QImage) -> np.ndarray:
    """A writable (height, width) uint32 numpy view of a 32-bit QImage (premultiplied ARGB)."""
    h, w = img.height(), img.width()
    bpl = img.bytesPerLine()
    buf = np.frombuffer(img.bits(), dtype=np.uint32, count=h * bpl // 4)
    return buf.reshape(h, bpl // 4)[:, :w]


def premultiplied(color: QColor | tuple, alpha: float | None = None) -> int:
    """A QColor (or r,g,b[,a] tuple) as a premultiplied ARGB32 integer."""
    if not isinstance(color, QColor):
        color = QColor(*color)
    a = color.alpha() if alpha is None else int(round(alpha * 255))
    r, g, b = (c * a // 255 for c in (color.red(), color.green(), color.blue()))
    return (a << 24) | (r << 16) | (g << 8) | b


def path_from_xy(px: np.ndarray, py: np.ndarray, starts: np.ndarray) -> QPainterPath:
    """A QPainterPath with moveTo where ``starts`` is True and lineTo elsewhere."""
    n = int(len(px))
    path = QPainterPath()
    if n == 0:
        return path
    arr = np.empty(n, dtype=_PATH_DTYPE)
    arr["c"] = np.where(starts, 0, 1)
    arr["c"][0] = 0
    arr["x"] = px
    arr["y"] = py
    data = struct.pack("<i", n) + arr.tobytes() + struct.pack("<ii", 0, 0)  # cStart, fill rule
    ds = QDataStream(QByteArray(data))
    ds.setByteOrder(QDataStream.ByteOrder.LittleEndian)
    ds >> path
    return path


def polygons_from_xy(px: np.ndarray, py: np.ndarray, starts: np.ndarray) -> list[QPolygonF]:
    """One QPolygonF per run of vertices beginning at each ``starts`` flag."""
    n = int(len(px))
    if n == 0:
        return []
    first = np.flatnonzero(starts)
    if len(first) == 0 or first[0] != 0:
        first = np.concatenate([[0], first])
    counts = np.diff(np.append(first, n))
    xy = np.empty((n, 2), dtype="<f8")
    xy[:, 0] = px
    xy[:, 1] = py
    # each polygon: uint32 count then count*(x, y) doubles
    body = xy.view(np.uint8).reshape(n, 16)
    out = np.empty(n * 16 + 4 * len(first), dtype=np.uint8)
    # byte offset of each polygon's header
    hdr = first * 16 + np.arange(len(first)) * 4
    cnt_bytes = counts.astype("<u4").view(np.uint8).reshape(-1, 4)
    for k in range(4):
        out[hdr + k] = cnt_bytes[:, k]
    vert_pos = np.arange(n) * 16 + 4 * (np.searchsorted(first, np.arange(n), side="right"))
    idx = vert_pos[:, None] + np.arange(16)
    out[idx] = body
    ds = QDataStream(QByteArray(out.tobytes()))
    ds.setByteOrder(QDataStream.ByteOrder.LittleEndian)
    polys = []
    for _ in range(len(first)):
        q = QPolygonF()
        ds >> q
        polys.append(q)
    return polys


def thin_vertices(px: np.ndarray, py: np.ndarray, starts: np.ndarray, tol: float = 0.5):
    """Keep a vertex only if it moved at least ``tol`` pixels (on a grid) from the previous one.

    The first and last vertex of every run are kept, so rings stay closed.
    """
    n = len(px)
    if n < 3:
        return px, py, starts
    qx = np.floor(px / tol).astype(np.int64)
    qy = np.floor(py / tol).astype(np.int64)
    keep = np.empty(n, dtype=bool)
    keep[0] = True
    keep[1:] = (qx[1:] != qx[:-1]) | (qy[1:] != qy[:-1])
    keep |= starts
    ends = np.empty(n, dtype=bool)
    ends[:-1] = starts[1:]
    ends[-1] = True
    keep |= ends
    return px[keep], py[keep], starts[keep]


def gather_ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Concatenate the index ranges [starts[i], ends[i]) into one index array (vectorised)."""
    lengths = (ends - starts).astype(np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    offs = np.cumsum(lengths) - lengths
    return np.arange(total, dtype=np.int64) - np.repeat(offs, lengths) + np.repeat(starts.astype(np.int64), lengths)


# ---------------------------------------------------------------------- text
LABEL_FAMILIES = ["Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
                  "Microsoft YaHei", "PingFang SC", "Noto Sans", "DejaVu Sans", "sans-serif"]


def label_font(pixel_size: float, bold: bool = False):
    from PySide6.QtGui import QFont

    f = QFont()
    f.setFamilies(LABEL_FAMILIES)
    f.setPixelSize(max(1, int(round(pixel_size))))
    f.setBold(bold)
    f.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return f


_label_cache: dict = {}
_label_lock = None


def label_image(text: str, font, color, halo=None, dpr: float = 1.0):
    """The text (with a halo of ``halo`` colour) as a cached transparent QImage; thread-safe.

    The halo is the text drawn at eight offsets: ~10x cheaper than stroking the glyph outlines.
    """
    import threading

    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QFontMetricsF, QImage, QPainter

    global _label_lock
    if _label_lock is None:
        _label_lock = threading.Lock()
    key = (text, font.key(), QColor(color).rgba(), QColor(halo).rgba() if halo is not None else None, dpr)
    img = _label_cache.get(key)
    if img is not None:
        return img
    fm = QFontMetricsF(font)
    pad = 2
    w = fm.horizontalAdvance(text) + 2 * pad + 1
    h = fm.height() + 2 * pad
    img = QImage(max(1, int(w * dpr + 1)), max(1, int(h * dpr + 1)), FORMAT)
    img.setDevicePixelRatio(dpr)
    img.fill(0)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    p.setFont(font)
    base = QPointF(pad, pad + fm.ascent())
    if halo is not None:
        p.setPen(halo)
        for dx, dy in ((-1.5, 0), (1.5, 0), (0, -1.5), (0, 1.5), (-1, -1), (1, 1), (-1, 1), (1, -1)):
            p.drawText(base + QPointF(dx, dy), text)
    p.setPen(color)
    p.drawText(base, text)
    p.end()
    with _label_lock:
        if len(_label_cache) > 20000:
            _label_cache.clear()
        _label_cache[key] = img
    return img


def draw_halo_text(painter, x: float, y: float, text: str, font, color, halo=None, halo_width: float = 3.0,
                   align_center: bool = True):
    """Text with a white halo so it reads over any background. (x, y) = centre, or baseline-left."""
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QFontMetricsF

    dpr = painter.device().devicePixelRatio() if painter.device() is not None else 1.0
    img = label_image(text, font, color, halo, dpr)
    w, h = img.width() / dpr, img.height() / dpr
    if align_center:
        painter.drawImage(QPointF(x - w / 2, y - h / 2), img)
    else:
        fm = QFontMetricsF(font)
        painter.drawImage(QPointF(x - 2, y - fm.ascent() - 2), img)
