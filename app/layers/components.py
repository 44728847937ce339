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
from PySide6.QtGui import QImage, QPainter

from app.map.crs import same_crs, transform_xy
from app.map.painting import image_view, new_image
from app.map.viewport import Viewport

from .base import CancelFlag, Feature, Layer
from .component_columns import encode_ids, give_back_freed_memory, read_columns
from .points import PointGrid
from .symbols import SymbolCache, symbol_cache

__all__ = ["ComponentLayer"]

DENSITY_RAMP = ((0.0, (158, 202, 225)), (0.35, (66, 146, 198)), (0.7, (8, 81, 156)), (1.0, (63, 0, 125)))


class ComponentLayer(Layer):
    """Components held as columns: ``x``, ``y`` (float64), ``cls`` (int16 index into ``class_codes``),
    ``ids`` (int64 digits of a fixed width, else fixed-width bytes) and optional property columns,
    all sorted by the cells of a uniform grid index (so a view gathers contiguous slices). No Python
    object per component: about 30 bytes each (``nbytes``)."""

    kind = "component"

    def __init__(self, x, y, class_codes=None, *, crs: str, ids=None, properties: dict | None = None,
                 cls=None, class_table=None, name: str = "部件", symbols: SymbolCache | None = None,
                 symbol_max_scale: float = 2500.0, dot_max_scale: float = 10000.0,
                 symbol_px: tuple[float, float] = (15.0, 22.0), **kw):
        """Classes either as one code per point (``class_codes``) or as indices ``cls`` into
        ``class_table`` (what an Arrow dictionary gives)."""
        super().__init__(name, crs=crs, **kw)
        self.symbols = symbols or symbol_cache()
        self.symbol_max_scale = symbol_max_scale
        self.dot_max_scale = dot_max_scale
        self.symbol_px = symbol_px
        self.hidden_classes: set[str] = set()
        self._glock = threading.Lock()
        if cls is None:
            codes = np.asarray(class_codes if class_codes is not None else [], dtype=object).astype(str)
            class_table, cls = np.unique(codes, return_inverse=True)  # sorted unique 4-digit codes
        self.set_columns(x, y, cls, class_table, ids, properties, notify=False)

    def set_columns(self, x, y, cls, class_table, ids=None, properties: dict | None = None,
                    notify: bool = True) -> None:
        """Replace every component (GUI thread). A render running meanwhile keeps the grid it took:
        each grid carries its own sorted columns."""
        native = PointGrid(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        order, native.order = native.order, None  # the layer's own order is the grid's from now on
        native.cls = np.asarray(cls).astype(np.int16, copy=False)[order]
        if ids is None:
            id_col, id_width = order.astype(np.int64), 0
        else:
            id_col, id_width = encode_ids(ids)
            id_col = id_col[order]
        props = {k: np.asarray(v)[order] for k, v in (properties or {}).items()}
        del order
        with self._glock:
            self.class_codes = np.asarray(class_table).astype(str)
            self._colors_cache = None
            self.x, self.y, self.cls = native.x, native.y, native.cls
            self.ids, self._id_width, self.properties = id_col, id_width, props
            self._grids = {str(self.crs): native}
            self._id_sort = None  # positions by id, built on the first id search
        if notify:
            self.notify("data")

    def __len__(self) -> int:
        return len(self.x)

    @property
    def nbytes(self) -> int:
        """Bytes held by the columns and indexes (what ``len(self)`` components cost resident)."""
        arrays = [self.x, self.y, self.cls, self.ids, *self.properties.values()]
        if self._id_sort is not None:
            arrays.append(self._id_sort)
        for g in self._grids.values():
            arrays += [g.cell_start] + ([g.x, g.y] if g.x is not self.x else [])
            if g.order is not None:
                arrays.append(g.order)
        arrays += [g.cls for g in self._grids.values() if g.cls is not self.cls]
        return int(sum(a.nbytes for a in arrays))

    @classmethod
    def from_file(cls, path, layer: str | None = None, class_field: str = "minor_code", id_field: str | None = "id",
                  columns=None, batch_size: int = 262144, **kw) -> "ComponentLayer":
        """Read points from a GeoPackage / any OGR source as a stream of Arrow batches
        (component_columns.read_columns): no Python object per row, never the whole table at once."""
        got = read_columns(path, layer, class_field, id_field, columns, batch_size)
        kw.setdefault("crs", got.crs)
        layer = cls(got.x, got.y, cls=got.cls, class_table=got.class_table, ids=got.ids, properties=got.properties,
                    **kw)
        del got
        give_back_freed_memory()
        return layer

    # ------------------------------------------------------------------ style
    def set_hidden_classes(self, codes) -> None:
        self.hidden_classes = set(str(c) for c in codes)
        self.notify("style")

    def grid(self, crs: str) -> PointGrid:
        """The grid index in ``crs``: the layer's own (no copy) or one of reprojected points."""
        key = str(crs)
        g = self._grids.get(key)
        if g is None:
            with self._glock:
                g = self._grids.get(key)
                if g is None:
                    if same_crs(self.crs, crs):
                        g = self._grids[str(self.crs)]
                    else:
                        g = PointGrid(*transform_xy(self.x, self.y, self.crs, crs))
                        g.cls = self.cls[g.order]
                    self._grids[key] = g
        return g

    @staticmethod
    def _layer_pos(g: PointGrid, pos):
        """Grid positions -> the layer's own positions."""
        return pos if g.order is None else g.order[pos]

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
        cls = g.cls[pos]
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
            r = max(1, int(round(viewport.dpr)))
            x, y, cls = self._visible_columns(viewport, r + 2)
            if cancel.is_set():
                return None
            if len(x):
                self._raster_dots(buf, viewport, x, y, cls, r)
        else:
            self._raster_density(buf, viewport, max(2, int(round(2 * viewport.dpr))))
        return None if cancel.is_set() else img

    def _visible_columns(self, viewport: Viewport, margin_px: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """x, y, class of the points of the grid rows in view (a few outside too: the raster clips),
        without the hidden classes; contiguous slices, no index array."""
        g = self.grid(viewport.crs)
        xmin, ymin, xmax, ymax = viewport.extent
        m = margin_px * viewport.mupp
        x, y, cls = g.take((g.x, g.y, g.cls), (xmin - m, ymin - m, xmax + m, ymax + m))
        if self.hidden_classes:
            keep = ~np.isin(self.class_codes, list(self.hidden_classes))[cls]
            x, y, cls = x[keep], y[keep], cls[keep]
        return x, y, cls

    def _class_colors(self) -> np.ndarray:
        from app.map.painting import premultiplied

        cached = getattr(self, "_colors_cache", None)
        if cached is None or len(cached) != len(self.class_codes):
            cached = np.array([premultiplied(self.symbols.color(c)) for c in self.class_codes], dtype=np.uint32)
            self._colors_cache = cached
        return cached

    def _raster_dots(self, buf: np.ndarray, viewport: Viewport, x, y, cls, r: int) -> None:
        """A soft light cross under a solid (2r+1)-pixel square dot per point, scattered into a padded
        copy of the image (no bounds test per offset), then copied in."""
        h, w = buf.shape
        p = r + 1
        W2, H2 = w + 2 * p, h + 2 * p
        k = viewport.dpr / viewport.mupp
        xmin, _y0, _x1, ymax = viewport.extent
        qx = x - xmin
        qx *= k
        qx += p
        qy = ymax - y
        qy *= k
        qy += p
        m = (qx >= 0) & (qx < W2) & (qy >= 0) & (qy < H2)
        if not m.all():
            qx, qy, cls = qx[m], qy[m], cls[m]
        flat = qy.astype(np.int32)
        flat *= W2
        flat += qx.astype(np.int32)
        colors = self._class_colors()[cls]
        pad = np.zeros(H2 * W2, np.uint32)
        np.clip(flat, p * W2 + p, (H2 - p) * W2 - p - 1, out=flat)  # every offset stays inside
        for dx, dy in [(-r - 1, 0), (r + 1, 0), (0, -r - 1), (0, r + 1)]:
            pad[flat + (dy * W2 + dx)] = np.uint32(0xB0B0B0B0)
        for dy in range(-r, r + 1):
            for dx in range(-r, r + 1):
                pad[flat + (dy * W2 + dx)] = colors
        buf[:, :] = pad.reshape(H2, W2)[p:p + h, p:p + w]

    def _raster_density(self, buf: np.ndarray, viewport: Viewport, a: int) -> None:
        """Points per a x a device-pixel bin, log-scaled through a colour ramp, written into ``buf``.

        Bins are counted on a grid one bin wider on every side: a point off the view is clipped
        into that border and dropped with it, so no mask or gather runs over millions of points."""
        g = self.grid(viewport.crs)
        xmin, ymin, xmax, ymax = viewport.extent
        gx0, gy0, gx1, gy1 = g.extent or (0, 0, 0, 0)
        inside = gx0 >= xmin and gy0 >= ymin and gx1 <= xmax and gy1 <= ymax
        if self.hidden_classes:
            x, y, _cls = self._visible_columns(viewport, 0)
        else:  # the rows of grid cells in view, as views of the columns (no copy)
            s, e = g.span((xmin, ymin, xmax, ymax))
            x, y = g.x[s:e], g.y[s:e]
        h, w = buf.shape
        bw, bh = (w + a - 1) // a, (h + a - 1) // a
        pw = bw + 2  # padded row
        k = viewport.dpr / (viewport.mupp * a)  # map units -> bin index
        t = np.multiply(x, k)
        t += 1.0 - xmin * k  # +1: the border bin
        if not inside:
            np.clip(t, 0.0, bw + 1.0, out=t)
        idx = t.astype(np.int64)  # truncation = floor: every value is >= 0
        np.multiply(y, -k, out=t)
        t += ymax * k + 1.0
        if not inside:
            np.clip(t, 0.0, bh + 1.0, out=t)
        row = t.astype(np.int64)
        del t
        row *= pw
        idx += row
        del row
        counts = np.bincount(idx, minlength=pw * (bh + 2))[: pw * (bh + 2)]
        del idx
        grid = counts.reshape(bh + 2, pw)
        grid[0], grid[-1], grid[:, 0], grid[:, -1] = 0, 0, 0, 0  # what fell off the view
        # the 99th percentile of the non-empty bins, from the histogram of the counts (no sort)
        hist = np.bincount(counts)
        filled = len(counts) - int(hist[0])
        if filled == 0:
            return
        cum = np.cumsum(hist[1:])
        top = max(int(np.searchsorted(cum, int(filled * 0.99), side="right")) + 1, 2)
        # integer counts -> colour through a small LUT (no float work per bin)
        steps = np.log1p(np.arange(top + 1)) / np.log1p(top)
        lut = _density_lut()[np.minimum((steps * 255).astype(np.int64), 255)]
        lut[0] = 0
        np.minimum(counts, top, out=counts)
        rgba = lut[grid[1:bh + 1, 1:bw + 1]]
        _fill_blocks(buf, rgba, a)

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
        props = {"id": self.id_at(orig), "minor_code": code, "class_name": self.symbols.name(code)}
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
        return [self._feature(int(o), viewport.crs, float(dd / viewport.mupp))
                for o, dd in zip(self._layer_pos(g, pos), d)]

    def select_in_extent(self, extent, crs: str) -> list[Feature]:
        g = self.grid(crs)
        pos = g.query(extent)
        return [self._feature(int(o), crs) for o in self._layer_pos(g, pos[:10000])]

    # ------------------------------------------------------------------ ids
    def id_at(self, pos: int):
        """The component ID at a layer position, as text (16 digits) when the ids are codes."""
        v = self.ids[pos]
        if self._id_width:
            return str(int(v)).zfill(max(self._id_width, 0))
        return v.decode() if isinstance(v, bytes) else _py(v)

    def _by_id(self) -> np.ndarray:
        if self._id_sort is None:
            with self._glock:
                if self._id_sort is None:
                    self._id_sort = np.argsort(self.ids, kind="stable").astype(np.int32 if len(self) < 2**31 else np.int64)
        return self._id_sort

    def find_ids(self, prefix: str, limit: int = 20) -> np.ndarray:
        """Layer positions of the components whose ID starts with ``prefix`` (sorted by ID)."""
        prefix = str(prefix).strip()
        if not prefix or len(self) == 0:
            return np.empty(0, np.int64)
        order = self._by_id()
        keys = self.ids[order] if len(order) <= 4096 else None  # small layers: plain slice
        if self.ids.dtype.kind in "iu" and self._id_width <= 0:  # numbers of any width: exact match only
            if not prefix.lstrip("-").isdigit():
                return np.empty(0, np.int64)
            lo_key, hi_key = int(prefix), int(prefix) + 1
        elif self._id_width:
            if not prefix.isdigit() or len(prefix) > self._id_width:
                return np.empty(0, np.int64)
            span = 10 ** (self._id_width - len(prefix))
            lo_key, hi_key = int(prefix) * span, (int(prefix) + 1) * span
        else:
            lo_key, hi_key = prefix.encode(), prefix.encode() + b"\xff"
        col = keys if keys is not None else _SortedView(self.ids, order)
        lo = _bisect(col, lo_key)
        hi = min(_bisect(col, hi_key), lo + limit)
        return order[lo:hi].astype(np.int64)

    def search_source(self, crs: str):
        """A SearchIndex source: ``fn(text, limit)`` -> SearchHits of the components whose ID starts
        with the text, at their position in ``crs``."""
        from app.search_index import SearchHit

        def search(text: str, limit: int) -> list:
            pos = self.find_ids(text, limit)
            if len(pos) == 0:
                return []
            x, y = self.x[pos], self.y[pos]
            if not same_crs(self.crs, crs):
                x, y = transform_xy(x, y, self.crs, crs)
            return [SearchHit("component", k, k, float(px), float(py))
                    for k, px, py in zip((self.id_at(int(p)) for p in pos), x, y)]

        return search

    def index_of(self, component_id) -> int | None:
        got = self.find_ids(str(component_id), limit=1)
        if len(got) and self.id_at(int(got[0])) == str(component_id):
            return int(got[0])
        return None


_LUT = None


def _fill_blocks(buf: np.ndarray, rgba: np.ndarray, a: int) -> None:
    """Every bin of ``rgba`` (bh, bw) as an a x a block of ``buf`` (h, w). Pairs of equal pixels
    are written as one uint64 and whole rows are copied: a 4-D broadcast took three times as long."""
    h, w = buf.shape
    bh, bw = rgba.shape
    if h != bh * a or w != bw * a or not buf.flags.c_contiguous:
        buf[:, :] = np.repeat(np.repeat(rgba, a, axis=0), a, axis=1)[:h, :w]
        return
    if a % 2 == 0:
        pair = rgba.astype(np.uint64)
        pair |= pair << np.uint64(32)
        row = np.repeat(pair, a // 2, axis=1) if a > 2 else pair
        buf.view(np.uint64).reshape(bh, a, w // 2)[:] = row[:, None, :]
    else:
        buf.reshape(bh, a, w)[:] = np.repeat(rgba, a, axis=1)[:, None, :]


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


class _SortedView:
    """``ids[order]`` read lazily, element by element (a binary search touches ~22 of them)."""

    def __init__(self, ids: np.ndarray, order: np.ndarray):
        self.ids, self.order = ids, order

    def __len__(self) -> int:
        return len(self.order)

    def __getitem__(self, i):
        return self.ids[self.order[i]]


def _bisect(col, key) -> int:
    lo, hi = 0, len(col)
    while lo < hi:
        mid = (lo + hi) // 2
        if col[mid] < key:
            lo = mid + 1
        else:
            hi = mid
    return lo
