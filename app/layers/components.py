"""Components (部件): hundreds of thousands of surveyed points, drawn three ways by scale.

- large scales (1:``symbol_max_scale`` and closer, default 1:2500): the SVG symbol of the minor class;
- middle scales (to 1:``dot_max_scale``, default 1:10000): a 3-pixel dot in the class colour,
  rasterised with numpy straight into the image;
- small scales: a density raster (points per 2x2-pixel bin, log-scaled), so a whole city of 800,000
  points costs one bincount, not 800,000 draw calls.
"""
from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage, QPainter

from app.map.crs import same_crs, transform_xy
from app.map.painting import image_view, new_image
from app.map.viewport import Viewport

from .base import CancelFlag, Feature, Layer
from .points import PointGrid
from .symbols import SymbolCache, symbol_cache

__all__ = ["ComponentLayer"]

DENSITY_RAMP = ((0.0, (158, 202, 225)), (0.35, (66, 146, 198)), (0.7, (8, 81, 156)), (1.0, (63, 0, 125)))


class ComponentLayer(Layer):
    kind = "component"

    def __init__(self, x, y, class_codes, *, crs: str, ids=None, properties: dict | None = None,
                 name: str = "部件", symbols: SymbolCache | None = None, symbol_max_scale: float = 2500.0,
                 dot_max_scale: float = 10000.0, symbol_px: tuple[float, float] = (15.0, 22.0), **kw):
        super().__init__(name, crs=crs, **kw)
        self.x = np.asarray(x, dtype=np.float64)
        self.y = np.asarray(y, dtype=np.float64)
        codes = np.asarray(class_codes).astype(str)
        self.class_codes, inv = np.unique(codes, return_inverse=True)  # sorted unique 4-digit codes
        self.cls = inv.astype(np.int16)
        self.ids = np.asarray(ids) if ids is not None else np.arange(len(self.x))
        self.properties = {k: np.asarray(v) for k, v in (properties or {}).items()}
        self.symbols = symbols or symbol_cache()
        self.symbol_max_scale = symbol_max_scale
        self.dot_max_scale = dot_max_scale
        self.symbol_px = symbol_px
        self.hidden_classes: set[str] = set()
        self._grids: dict[str, PointGrid] = {}
        self._sorted_cls: dict[str, np.ndarray] = {}
        self._glock = threading.Lock()

    def __len__(self) -> int:
        return len(self.x)

    @classmethod
    def from_file(cls, path, layer: str | None = None, class_field: str = "minor_code", id_field: str | None = "id",
                  columns=None, **kw) -> "ComponentLayer":
        """Read points from a GeoPackage / any OGR source (pyogrio; WKB decoded in bulk by shapely)."""
        import pyogrio
        import shapely

        meta = pyogrio.read_info(path, layer=layer)
        kw.setdefault("crs", str(meta.get("crs") or "EPSG:4326"))
        want = [c for c in (columns or []) if c not in (class_field, id_field)]
        cols = [class_field] + ([id_field] if id_field else []) + want
        _meta, _fids, geom, fields = pyogrio.raw.read(path, layer=layer, columns=cols)
        field_names = list(_meta["fields"])
        data = dict(zip(field_names, fields))
        pts = shapely.from_wkb(geom)
        xy = shapely.get_coordinates(pts)
        props = {c: data[c] for c in want if c in data}
        return cls(xy[:, 0], xy[:, 1], data[class_field], ids=data.get(id_field) if id_field else None,
                   properties=props, **kw)

    # ------------------------------------------------------------------ style
    def set_hidden_classes(self, codes) -> None:
        self.hidden_classes = set(str(c) for c in codes)
        self.notify("style")

    def grid(self, crs: str) -> PointGrid:
        key = str(crs)
        g = self._grids.get(key)
        if g is None:
            with self._glock:
                g = self._grids.get(key)
                if g is None:
                    x, y = (self.x, self.y) if same_crs(self.crs, crs) else transform_xy(self.x, self.y, self.crs, crs)
                    g = PointGrid(x, y)
                    self._sorted_cls[key] = self.cls[g.order]
                    self._grids[key] = g
        return g

    def extent(self, crs: str | None = None):
        return self.grid(crs or self.crs).extent

    def mode(self, viewport: Viewport) -> str:
        s = viewport.scale
        if s <= self.symbol_max_scale * 1.0001:
            return "symbols"
        if s <= self.dot_max_scale * 1.0001:
            return "dots"
        return "density"

    def symbol_size(self, viewport: Viewport) -> int:
        lo, hi = self.symbol_px
        s = viewport.scale
        # 1:500 and closer -> hi; at symbol_max_scale -> lo (log interpolation)
        t = np.clip(np.log(self.symbol_max_scale / max(s, 1e-9)) / np.log(self.symbol_max_scale / 500.0), 0, 1)
        return int(round(lo + (hi - lo) * t))

    # ------------------------------------------------------------------ rendering
    def _query_visible(self, viewport: Viewport, margin_px: float):
        g = self.grid(viewport.crs)
        xmin, ymin, xmax, ymax = viewport.extent
        m = margin_px * viewport.mupp
        pos = g.query((xmin - m, ymin - m, xmax + m, ymax + m))
        cls = self._sorted_cls[str(viewport.crs)][pos]
        if self.hidden_classes:
            hidden = np.isin(self.class_codes, list(self.hidden_classes))
            keep = ~hidden[cls]
            pos, cls = pos[keep], cls[keep]
        return g, pos, cls

    def render(self, viewport: Viewport, cancel=None) -> QImage | None:
        cancel = cancel or CancelFlag()
        if not self.visible_at(viewport) or len(self.x) == 0:
            return new_image(viewport)
        mode = self.mode(viewport)
        if mode == "symbols":
            return super().render(viewport, cancel)
        img = new_image(viewport)
        buf = image_view(img)
        if mode == "dots":
            g, pos, cls = self._query_visible(viewport, 2)
            if cancel.is_set():
                return None
            if len(pos):
                px, py = viewport.map_to_pixel(g.x[pos], g.y[pos])
                if viewport.dpr != 1.0:
                    px, py = px * viewport.dpr, py * viewport.dpr
                self._raster_dots(buf, px, py, cls, max(1, int(round(viewport.dpr))))
        else:
            self._raster_density(buf, viewport, max(2, int(round(2 * viewport.dpr))))
        return None if cancel.is_set() else img

    def _class_colors(self) -> np.ndarray:
        from app.map.painting import premultiplied

        cached = getattr(self, "_colors_cache", None)
        if cached is None or len(cached) != len(self.class_codes):
            cached = np.array([premultiplied(self.symbols.color(c)) for c in self.class_codes], dtype=np.uint32)
            self._colors_cache = cached
        return cached

    def _raster_dots(self, buf: np.ndarray, px, py, cls, r: int) -> None:
        h, w = buf.shape
        ix = np.floor(px).astype(np.int64)
        iy = np.floor(py).astype(np.int64)
        colors = self._class_colors()[cls]
        # a soft light cross under a solid (2r+1)-pixel square dot
        for dx, dy in [(-r - 1, 0), (r + 1, 0), (0, -r - 1), (0, r + 1)]:
            x, y = ix + dx, iy + dy
            m = (x >= 0) & (x < w) & (y >= 0) & (y < h)
            buf[y[m], x[m]] = np.uint32(0xB0B0B0B0)
        for dy in range(-r, r + 1):
            for dx in range(-r, r + 1):
                x, y = ix + dx, iy + dy
                m = (x >= 0) & (x < w) & (y >= 0) & (y < h)
                buf[y[m], x[m]] = colors[m]

    def _raster_density(self, buf: np.ndarray, viewport: Viewport, a: int) -> None:
        """Points per a x a device-pixel bin, log-scaled through a colour ramp, written into ``buf``."""
        g = self.grid(viewport.crs)
        xmin, ymin, xmax, ymax = viewport.extent
        gx0, gy0, gx1, gy1 = g.extent or (0, 0, 0, 0)
        if gx0 >= xmin and gy0 >= ymin and gx1 <= xmax and gy1 <= ymax:
            x, y = g.x, g.y  # the whole layer is in view: no index query, no gather
            if self.hidden_classes:
                keep = ~np.isin(self.class_codes, list(self.hidden_classes))[self._sorted_cls[str(viewport.crs)]]
                x, y = x[keep], y[keep]
        else:
            _g, pos, _cls = self._query_visible(viewport, 0)
            x, y = g.x[pos], g.y[pos]
        h, w = buf.shape
        bw, bh = (w + a - 1) // a, (h + a - 1) // a
        k = viewport.dpr / (viewport.mupp * a)  # map units -> bin index
        x0 = xmin
        y1 = ymax
        ix = ((x - x0) * k).astype(np.int64)
        iy = ((y1 - y) * k).astype(np.int64)
        m = (ix >= 0) & (ix < bw) & (iy >= 0) & (iy < bh)
        if not m.all():
            ix, iy = ix[m], iy[m]
        counts = np.bincount(iy * bw + ix, minlength=bw * bh)
        nz = counts[counts > 0]
        if len(nz) == 0:
            return
        top = max(int(np.partition(nz, int(len(nz) * 0.99))[int(len(nz) * 0.99)]), 2)
        # integer counts -> colour through a small LUT (no float work per bin)
        steps = np.log1p(np.arange(top + 1)) / np.log1p(top)
        lut = _density_lut()[np.minimum((steps * 255).astype(np.int64), 255)]
        lut[0] = 0
        rgba = lut[np.minimum(counts, top)].reshape(bh, bw)
        blocks = buf.reshape(bh, a, bw, a) if (h % a == 0 and w % a == 0 and buf.flags.c_contiguous) else None
        if blocks is not None and np.may_share_memory(blocks, buf):
            blocks[:] = rgba[:, None, :, None]
        else:
            buf[:, :] = np.repeat(np.repeat(rgba, a, axis=0), a, axis=1)[:h, :w]

    def draw(self, painter: QPainter, viewport: Viewport, cancel) -> None:
        size = self.symbol_size(viewport)
        g, pos, cls = self._query_visible(viewport, size)
        if len(pos) == 0:
            return
        px, py = viewport.map_to_pixel(g.x[pos], g.y[pos])
        half = size / 2.0
        images = [self.symbols.image(c, size, viewport.dpr) for c in self.class_codes]
        xs = (px - half).tolist()
        ys = (py - half).tolist()
        cl = cls.tolist()
        draw = painter.drawImage
        for i in range(len(xs)):
            if i & 1023 == 0 and cancel.is_set():
                return
            draw(QPointF(xs[i], ys[i]), images[cl[i]])

    # ------------------------------------------------------------------ queries
    def _feature(self, orig: int, crs: str, dist_px: float = 0.0) -> Feature:
        import shapely

        code = str(self.class_codes[self.cls[orig]])
        props = {"id": _py(self.ids[orig]), "minor_code": code, "class_name": self.symbols.name(code)}
        for k, v in self.properties.items():
            props[k] = _py(v[orig])
        x, y = transform_xy(self.x[orig], self.y[orig], self.crs, crs)
        return Feature(layer=self.name, kind="component", id=props["id"], properties=props,
                       geometry=shapely.Point(x, y), distance_px=dist_px)

    def identify(self, viewport: Viewport, px: float, py: float, tolerance_px: float = 6.0) -> list[Feature]:
        if not self.visible_at(viewport) or self.mode(viewport) == "density":
            return []
        g = self.grid(viewport.crs)
        x, y = viewport.pixel_to_map(px, py)
        tol = tolerance_px if self.mode(viewport) == "dots" else max(tolerance_px, self.symbol_size(viewport) / 2)
        pos, d = g.nearest(x, y, tol * viewport.mupp)
        return [self._feature(int(g.order[p]), viewport.crs, float(dd / viewport.mupp)) for p, dd in zip(pos, d)]

    def select_in_extent(self, extent, crs: str) -> list[Feature]:
        g = self.grid(crs)
        pos = g.query(extent)
        return [self._feature(int(g.order[p]), crs) for p in pos[:10000]]

    def index_of(self, component_id) -> int | None:
        hits = np.flatnonzero(self.ids.astype(str) == str(component_id))
        return int(hits[0]) if len(hits) else None


_LUT = None


def _density_lut() -> np.ndarray:
    """256 premultiplied ARGB colours from light blue (sparse) to deep purple (dense)."""
    global _LUT
    if _LUT is None:
        t = np.linspace(0, 1, 256)
        stops = np.array([s for s, _ in DENSITY_RAMP])
        cols = np.array([c for _, c in DENSITY_RAMP], dtype=np.float64)
        r = np.interp(t, stops, cols[:, 0])
        g = np.interp(t, stops, cols[:, 1])
        b = np.interp(t, stops, cols[:, 2])
        a = 90 + 150 * t
        f = a / 255.0
        _LUT = ((a.astype(np.uint32) << 24) | ((r * f).astype(np.uint32) << 16) | ((g * f).astype(np.uint32) << 8)
                | (b * f).astype(np.uint32)).astype(np.uint32)
    return _LUT


def _py(v):
    return v.item() if isinstance(v, np.generic) else v


