"""Dense polylines rasterised with numpy (Qt-free), for what QPainter strokes too slowly: a month
of a track is half a million segments, which antialiased wide pens take seconds to stroke while
at city scale they cover a few hundred thousand pixels.

Each segment is sampled every `step` pixels; each sample writes its class (1..k, 0 = nothing) into
a uint8 image, a higher class winning where several meet (drawn last, as QPainter would paint the
later class over the earlier); a square max filter gives the line its width, and one pixel more of
it, half transparent, softens the edge. `colorize` turns the classes into premultiplied ARGB32.
"""
from __future__ import annotations

import numpy as np

__all__ = ["rasterize_segments", "dilate", "colorize"]


def rasterize_segments(px: np.ndarray, py: np.ndarray, seg: np.ndarray, cls: np.ndarray, shape: tuple[int, int],
                       step: float = 2.0, out: np.ndarray | None = None) -> np.ndarray:
    """Write segments `seg` (sorted; index i = from vertex i to i+1, in pixels px/py) with class
    `cls[k]` (1..255) for seg[k] into a (height, width) uint8 image; returns it.

    Samples lie `step` pixels apart at most, and both ends of every segment are written, so a
    max filter of radius ≥ step/2 joins them into a line."""
    h, w = shape
    img = np.zeros((h, w), dtype=np.uint8) if out is None else out
    if seg.size == 0:
        return img
    x0, y0 = px[seg].astype(np.float32), py[seg].astype(np.float32)
    dx, dy = px[seg + 1].astype(np.float32) - x0, py[seg + 1].astype(np.float32) - y0
    n = np.ceil(np.hypot(dx, dy) / step)
    n = np.clip(n, 1, 2 * (w + h) / step).astype(np.int32)  # a jump across the view: bounded work
    first = np.cumsum(n, dtype=np.int64) - n
    total = int(first[-1] + n[-1])
    # float32 and np.repeat rather than gathers: this is the costly part, a sample per `step` pixels
    f = (np.arange(total, dtype=np.int32) - np.repeat(first.astype(np.int32), n)) * np.repeat(
        (1.0 / n).astype(np.float32), n)  # 0 .. <1 along each segment
    sx = np.repeat(x0, n) + np.repeat(dx, n) * f
    sy = np.repeat(y0, n) + np.repeat(dy, n) * f
    sc = np.repeat(cls, n)
    # … and the far end of every segment that no drawn segment continues from
    drawn = np.zeros(int(seg.max()) + 2, dtype=bool)
    drawn[seg] = True
    last = seg[~drawn[seg + 1]]
    if last.size:
        sx = np.concatenate([sx, px[last + 1].astype(np.float32)])
        sy = np.concatenate([sy, py[last + 1].astype(np.float32)])
        sc = np.concatenate([sc, cls[np.searchsorted(seg, last)]])
    ok = (sx >= 0) & (sy >= 0) & (sx < w) & (sy < h)
    flat = sy[ok].astype(np.int32) * w + sx[ok].astype(np.int32)
    sc = sc[ok]
    if sc.size and sc.min() != sc.max():
        order = np.argsort(sc, kind="stable")  # the last write wins: higher classes over lower
        flat, sc = flat[order], sc[order]
    img.reshape(-1)[flat] = sc
    return img


def dilate(img: np.ndarray, radius: int = 1) -> np.ndarray:
    """Square max filter of (2·radius+1) pixels, separable (a new array)."""
    out = img.copy()
    for _ in range(radius):
        tmp = out.copy()
        np.maximum(tmp[:, 1:], out[:, :-1], out=tmp[:, 1:])
        np.maximum(tmp[:, :-1], out[:, 1:], out=tmp[:, :-1])
        out = tmp.copy()
        np.maximum(out[1:, :], tmp[:-1, :], out=out[1:, :])
        np.maximum(out[:-1, :], tmp[1:, :], out=out[:-1, :])
    return out


def colorize(core: np.ndarray, lut: np.ndarray, halo: np.ndarray | None = None,
             halo_lut: np.ndarray | None = None) -> np.ndarray:
    """Premultiplied ARGB32 (uint32) pixels: `lut[core]`, and `halo_lut[halo]` where the core is
    empty (the soft edge)."""
    px = lut[core]
    if halo is not None and halo_lut is not None:
        edge = (core == 0) & (halo != 0)
        px[edge] = halo_lut[halo[edge]]
    return px
