"""A raster basemap from a tile source (app.map.tiles: XYZ, WMTS, Tianditu, MBTiles, the server).

``TileLayer(source, fetcher)`` renders the tiles it has (decoded tiles are kept in a small LRU; the
fetcher's memory cache holds the bytes) and asks the fetcher for the rest; when a tile arrives the
layer tells the canvas, which re-renders this layer alone. While a tile is missing, its parent
tile (up to four levels coarser, when the matrix set is a quadtree) is drawn scaled up, so the map
never shows holes while loading.

Tiles in another CRS than the canvas (Web Mercator tiles under a Gauss-Krüger canvas) are drawn
through a per-tile projective transform of their four corners: exact at the corners, well under a
pixel inside a 256-pixel tile at city scales.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QImage, QPainter, QPolygonF, QTransform

from app.map.crs import same_crs, transform_xy
from app.map.viewport import Viewport

from .base import Layer

__all__ = ["TileLayer"]


class TileLayer(Layer):
    kind = "tiles"

    def __init__(self, source, fetcher, *, name: str | None = None, max_tiles: int = 400,
                 decoded_tiles: int = 512, **kw):
        kw.setdefault("attribution", getattr(source, "attribution", None) or None)
        super().__init__(name or getattr(source, "title", "tiles"), crs=source.tms.crs_code, **kw)
        self.source = source
        self.fetcher = fetcher
        self.tms = source.tms
        self.tms_crs = source.tms.crs_code  # a string: pyproj objects stay on their own thread
        self.max_tiles = max_tiles
        self._decoded: OrderedDict = OrderedDict()
        self._decoded_max = decoded_tiles
        self._dlock = threading.Lock()
        self._quad = self._is_quadtree()
        self.missing = 0  # tiles not available at the last render (for tests and the status bar)

    def set_source(self, source) -> None:
        """Switch to another source of the same grid (e.g. the night style): decoded tiles are dropped."""
        with self._dlock:
            self._decoded.clear()
        self.source = source
        self.notify("style")

    def _is_quadtree(self) -> bool:
        levels = self.tms.levels
        return all(b.matrix_width == 2 * a.matrix_width and b.matrix_height == 2 * a.matrix_height
                   for a, b in zip(levels, levels[1:]))

    def extent(self, crs: str | None = None):
        e = self.tms.extent
        if crs is None or same_crs(crs, self.tms_crs):
            return (e.left, e.bottom, e.right, e.top)
        return None  # the whole world is not a useful "zoom to layer"

    # ------------------------------------------------------------------ tiles
    def _image(self, z: int, x: int, y: int) -> QImage | None:
        key = (z, x, y)
        with self._dlock:
            img = self._decoded.get(key)
            if img is not None:
                self._decoded.move_to_end(key)
                return img
        data = self.fetcher.cached(self.source, z, x, y)
        if data is None:
            return None
        img = QImage.fromData(data)
        if img.isNull():
            return None
        img = img.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
        with self._dlock:
            self._decoded[key] = img
            while len(self._decoded) > self._decoded_max:
                self._decoded.popitem(last=False)
        return img

    def _on_tile(self, result) -> None:  # fetcher thread
        if result.ok:
            self.notify("data")

    def _quad_points(self, viewport: Viewport, b) -> QPolygonF:
        xs = np.array([b.left, b.right, b.right, b.left])
        ys = np.array([b.top, b.top, b.bottom, b.bottom])
        if not same_crs(self.tms_crs, viewport.crs):
            xs, ys = transform_xy(xs, ys, self.tms_crs, viewport.crs)
        px, py = viewport.map_to_pixel(xs, ys)
        return QPolygonF([QPointF(float(a), float(c)) for a, c in zip(px, py)])

    def _draw_tile(self, painter: QPainter, viewport: Viewport, img: QImage, b, src: QRectF | None = None) -> None:
        quad = self._quad_points(viewport, b)
        src = src or QRectF(0, 0, img.width(), img.height())
        square = QPolygonF([src.topLeft(), src.topRight(), src.bottomRight(), src.bottomLeft()])
        t = QTransform()
        if not QTransform.quadToQuad(square, quad, t):
            return
        painter.save()
        painter.setTransform(t, True)
        painter.drawImage(src, img, src)
        painter.restore()

    def _parent(self, z: int, x: int, y: int):
        """(image, source rect) of the nearest coarser cached tile covering (z, x, y)."""
        if not self._quad:
            return None
        for up in range(1, 5):
            pz = z - up
            if not self.tms.has_level(pz):
                return None
            f = 1 << up
            img = self._image(pz, x // f, y // f)
            if img is not None:
                w, h = img.width() / f, img.height() / f
                return img, QRectF((x % f) * w, (y % f) * h, w, h)
        return None

    def draw(self, painter: QPainter, viewport: Viewport, cancel) -> None:
        from app.map.tiles import tiles_for_view

        bbox = viewport.extent_in(self.tms_crs)
        w, h = viewport.device_size
        res = max((bbox[2] - bbox[0]) / w, (bbox[3] - bbox[1]) / h)
        if not res > 0:
            return
        view = tiles_for_view(self.tms, bbox, res, self.max_tiles)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        wanted = []
        for x, y, b in view.tiles:
            if cancel.is_set():
                return
            img = self._image(view.zoom, x, y)
            if img is not None:
                self._draw_tile(painter, viewport, img, b)
                continue
            wanted.append((view.zoom, x, y))
            parent = self._parent(view.zoom, x, y)
            if parent is not None:
                self._draw_tile(painter, viewport, parent[0], b, parent[1])
        self.missing = len(wanted)
        if wanted and not cancel.is_set():
            self.fetcher.request_view(self.source, wanted, self._on_tile)
