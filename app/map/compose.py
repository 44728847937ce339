"""Composing the canvas frame from the render cache (GUI thread; QGIS's composeImage).

Consecutive static layers are composed once into a group image (cached in the RenderCache under a
signature of their generations and opacities); each volatile layer (cases, inspectors, selection)
stands alone, so its frequent re-renders never re-compose the layers below it. An image rendered for
another viewport (the user panned or zoomed since) is drawn moved and scaled.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from app.layers.base import Layer

from .painting import FORMAT
from .render_cache import RenderCache
from .viewport import Viewport

__all__ = ["compose_frame", "draw_image", "layer_runs"]


def layer_runs(layers: list[Layer]) -> list[tuple[bool, list[Layer]]]:
    """(volatile, layers) runs of the visible layers, bottom to top."""
    runs: list[tuple[bool, list[Layer]]] = []
    for l in layers:
        if not l.visible:
            continue
        if l.volatile:
            runs.append((True, [l]))
        elif runs and not runs[-1][0]:
            runs[-1][1].append(l)
        else:
            runs.append((False, [l]))
    return runs


def draw_image(p: QPainter, img: QImage, img_vp: Viewport, vp: Viewport, opacity: float = 1.0) -> None:
    """``img`` (rendered for ``img_vp``) drawn where it belongs in ``vp``."""
    tr = vp.image_transform_from(img_vp)
    if tr is None:
        return
    s, dx, dy = tr
    p.setOpacity(opacity)
    if abs(s - 1.0) < 1e-9 and img_vp.width == vp.width and img_vp.height == vp.height:
        p.drawImage(QPointF(dx, dy), img)
    else:
        p.drawImage(QRectF(dx, dy, img_vp.width * s, img_vp.height * s), img)
    p.setOpacity(1.0)


def group_image(cache: RenderCache, layers: list[Layer]) -> tuple[QImage, Viewport] | None:
    cached = [(l, cache.get(l.uid)) for l in layers]
    sig = tuple((l.uid, c.gen if c else -1, round(l.opacity, 3)) for l, c in cached)
    key = tuple(l.uid for l in layers)
    got = cache.group(key, sig)
    if got is not None:
        return got
    have = [(l, c) for l, c in cached if c is not None]
    if not have:
        return None
    if len(have) == 1 and have[0][0].opacity >= 1.0:
        img, ivp = have[0][1].image, have[0][1].viewport
    else:
        # compose in the viewport of the newest image in the group
        ivp = max(have, key=lambda lc: lc[1].gen)[1].viewport
        w, h = ivp.device_size
        img = QImage(w, h, FORMAT)
        img.setDevicePixelRatio(ivp.dpr)
        img.fill(0)
        p = QPainter(img)
        for l, c in have:
            draw_image(p, c.image, c.viewport, ivp, l.opacity)
        p.end()
    cache.put_group(key, sig, img, ivp)
    return img, ivp


def compose_frame(frame: QImage, cache: RenderCache, layers: list[Layer], vp: Viewport, background: QColor) -> None:
    """Fill ``frame`` (sized for ``vp``) with the background and every visible layer's cached image."""
    frame.setDevicePixelRatio(vp.dpr)
    frame.fill(background)
    p = QPainter(frame)
    for volatile, run in layer_runs(layers):
        if volatile:
            c = cache.get(run[0].uid)
            if c is not None:
                draw_image(p, c.image, c.viewport, vp, run[0].opacity)
        else:
            got = group_image(cache, run)
            if got is not None:
                draw_image(p, got[0], got[1], vp)
    p.end()
