"""Shared machinery of polygon layers (unit grids, responsibility grids): style, render, identify."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

import numpy as np
import shapely
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen, QTransform

from app.map.painting import draw_halo_text, label_font, path_from_xy, polygons_from_xy, thin_vertices
from app.map.viewport import Viewport

from .base import Feature, Layer
from .geometry import GeometryStore

OVERVIEW_PX = 40.0  # features narrower than this on screen (outlines faded) come from one cached path

__all__ = ["PolygonStyle", "PolygonLayer", "read_vector"]


@dataclass(frozen=True)
class PolygonStyle:
    outline: QColor = field(default_factory=lambda: QColor(40, 90, 200))
    outline_width: float = 1.0  # px (cosmetic)
    dash: bool = False
    fill: QColor | None = None
    label_field: str | None = None
    label_max_scale: float = 2000.0  # labels at 1:2000 and larger
    label_px: float = 11.0
    label_color: QColor = field(default_factory=lambda: QColor(20, 50, 140))
    label_bold: bool = False
    outline_min_px: float = 0.0  # skip outlines when features are smaller than this on screen


def read_vector(path, layer: str | None = None, columns=None):
    """(geometries, properties dict, crs string) from a vector file via pyogrio."""
    import pyogrio

    meta = pyogrio.read_info(path, layer=layer)
    crs = meta.get("crs") or "EPSG:4326"
    out = pyogrio.read_dataframe(path, layer=layer, columns=columns, use_arrow=_has_arrow())
    geoms = np.asarray(out.geometry.values, dtype=object) if hasattr(out, "geometry") else np.empty(0, object)
    props = {c: out[c].to_numpy() for c in out.columns if c != out.geometry.name}
    return geoms, props, str(crs)


def _has_arrow() -> bool:
    try:
        import pyarrow  # noqa: F401
        return True
    except ImportError:
        return False


class PolygonLayer(Layer):
    kind = "polygon"

    def __init__(self, name: str, geometries, *, crs: str, properties: dict | None = None,
                 id_field: str | None = None, style: PolygonStyle | None = None, **kw):
        super().__init__(name, crs=crs, **kw)
        geoms = np.asarray(geometries, dtype=object)
        geoms = shapely.make_valid(geoms) if len(geoms) and not shapely.is_valid(geoms).all() else geoms
        self.store = GeometryStore(geoms, crs)
        self.properties = {k: np.asarray(v) for k, v in (properties or {}).items()}
        self.id_field = id_field
        self.style = style or PolygonStyle()
        self._fill_values: np.ndarray | None = None  # per feature ARGB (QColor.rgba) or 0 = no fill
        self._index_by_id: dict | None = None
        self._idlock = threading.Lock()

    def __len__(self) -> int:
        return len(self.store)

    # ------------------------------------------------------------------ data access
    def ids(self) -> np.ndarray:
        if self.id_field and self.id_field in self.properties:
            return self.properties[self.id_field]
        return np.arange(len(self.store))

    def index_of(self, fid) -> int | None:
        with self._idlock:
            if self._index_by_id is None:
                self._index_by_id = {str(v): i for i, v in enumerate(self.ids())}
        return self._index_by_id.get(str(fid))

    def feature(self, i: int, crs: str | None = None) -> Feature:
        props = {k: _py(v[i]) for k, v in self.properties.items()}
        geom = self.store.projected(crs).geoms[i] if crs else self.store.geoms[i]
        fid = props.get(self.id_field, int(i)) if self.id_field else int(i)
        return Feature(layer=self.name, kind=self.kind, id=fid, properties=props, geometry=geom)

    def set_style(self, style: PolygonStyle | None = None, **changes) -> None:
        self.style = replace(style or self.style, **changes)
        self.notify("style")

    def set_fill_colors(self, colors: np.ndarray | None) -> None:
        """Per-feature fill as uint32 ARGB (0 = none), e.g. a choropleth; None clears it."""
        self._fill_values = None if colors is None else np.asarray(colors, dtype=np.uint32)
        self.notify("style")

    def extent(self, crs: str | None = None):
        if crs is None:
            return self.store.extent()
        p = self.store.projected(crs)
        if len(p.geoms) == 0:
            return None
        return tuple(float(v) for v in shapely.total_bounds(p.geoms))

    # ------------------------------------------------------------------ rendering
    def draw(self, painter: QPainter, viewport: Viewport, cancel) -> None:
        proj = self.store.projected(viewport.crs)
        idx = proj.query(viewport.extent)
        if len(idx) == 0 or cancel.is_set():
            return
        style = self.style
        fills = self._fill_values
        if fills is not None and len(fills) == len(self.store):
            self._draw_fills(painter, viewport, proj, idx, fills)
        if cancel.is_set():
            return
        color = QColor(style.outline)
        # fade dense outlines at small scales (a city of 10,000 m² grids must not turn into a blue carpet)
        b = proj.bounds[idx[:: max(1, len(idx) // 256)]]
        size_px = float(np.median(np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]))) / viewport.mupp
        if size_px < 40:
            color.setAlphaF(color.alphaF() * float(np.clip((size_px - 4) / 36, 0.3, 1.0)))
        pen = QPen(color)
        pen.setWidthF(style.outline_width)
        pen.setCosmetic(True)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        if style.dash:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if size_px < OVERVIEW_PX:
            # Cells a few pixels wide: one path of the whole layer in map units, built once and drawn
            # through the view's transform without antialiasing (it would only blur a 1-pixel mesh).
            path, ox, oy = self._overview_path(proj)
            inv = 1.0 / viewport.mupp
            x0 = viewport.cx - viewport.width * viewport.mupp / 2
            y1 = viewport.cy + viewport.height * viewport.mupp / 2
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.setTransform(QTransform(inv, 0, 0, -inv, (ox - x0) * inv, (y1 - oy) * inv), True)
            painter.drawPath(path)
            painter.restore()
        else:
            lines = self._outlines(proj)
            xy, starts = lines.within(viewport.extent) if lines is not None else proj.vertices(idx)
            px, py = viewport.map_to_pixel(xy[:, 0], xy[:, 1])
            px, py, starts = thin_vertices(px, py, starts, 0.5)
            if cancel.is_set():
                return
            painter.drawPath(path_from_xy(px, py, starts))
        if style.label_field and viewport.scale <= style.label_max_scale * 1.0001:
            self._draw_labels(painter, viewport, proj, idx)

    def _outlines(self, proj) -> "_Outlines | None":
        """The features' outlines noded and merged into lines, so that an edge two neighbours share
        is stroked once (a third fewer vertices for a city of unit grids); None for layers too big
        to node. Built once per projection of this data."""
        got = getattr(self, "_merged", None)
        if got is not None and got[0] is proj:
            return got[1]
        lines = _Outlines.build(proj.geoms)
        self._merged = (proj, lines)
        return lines

    def _overview_path(self, proj):
        """The outlines of every feature as one QPainterPath relative to the layer's corner (cached
        for this projection of this data)."""
        got = getattr(self, "_overview", None)
        if got is not None and got[0] is proj:
            return got[1:]
        lines = self._outlines(proj)
        xy, starts = (lines.xy, lines.starts) if lines is not None else proj.vertices(np.arange(len(proj.geoms)))
        ox, oy = (float(xy[:, 0].min()), float(xy[:, 1].min())) if len(xy) else (0.0, 0.0)
        path = path_from_xy(xy[:, 0] - ox, xy[:, 1] - oy, starts)
        self._overview = (proj, path, ox, oy)
        return path, ox, oy

    def _draw_fills(self, painter, viewport, proj, idx, fills) -> None:
        sel = idx[fills[idx] != 0]
        if len(sel) == 0:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)  # no seams between neighbours
        painter.setPen(Qt.PenStyle.NoPen)
        colors = fills[sel]
        for c in np.unique(colors):
            these = sel[colors == c]
            xy, starts = proj.vertices(these)
            px, py = viewport.map_to_pixel(xy[:, 0], xy[:, 1])
            px, py, starts = thin_vertices(px, py, starts, 0.5)
            painter.setBrush(QColor.fromRgba(int(c)))
            if len(these) < 400:
                for poly in polygons_from_xy(px, py, starts):
                    painter.drawPolygon(poly)
            else:
                painter.drawPath(path_from_xy(px, py, starts))
        painter.restore()

    def _draw_labels(self, painter, viewport, proj, idx) -> None:
        values = self.properties.get(self.style.label_field)
        if values is None:
            return
        pts = proj.label_points()[idx]
        lx, ly = viewport.map_to_pixel(pts[:, 0], pts[:, 1])
        inside = (lx >= -50) & (lx <= viewport.width + 50) & (ly >= -20) & (ly <= viewport.height + 20)
        style = self.style
        font = label_font(style.label_px, style.label_bold)
        fm = QFontMetricsF(font)
        halo = QColor(255, 255, 255, 220)
        placed: list[QRectF] = []
        for k in np.flatnonzero(inside)[:2000]:
            text = str(_py(values[idx[k]]))
            if not text:
                continue
            w = fm.horizontalAdvance(text)
            r = QRectF(lx[k] - w / 2 - 2, ly[k] - fm.height() / 2 - 1, w + 4, fm.height() + 2)
            if any(r.intersects(o) for o in placed[-64:]):
                continue
            placed.append(r)
            draw_halo_text(painter, float(lx[k]), float(ly[k]), text, font, style.label_color, halo, 3.0)

    # ------------------------------------------------------------------ queries
    def identify(self, viewport: Viewport, px: float, py: float, tolerance_px: float = 6.0) -> list[Feature]:
        if not self.visible_at(viewport):
            return []
        proj = self.store.projected(viewport.crs)
        x, y = viewport.pixel_to_map(px, py)
        pt = shapely.Point(x, y)
        hits = proj.tree.query(pt, predicate="intersects")
        if len(hits) == 0:
            tol = tolerance_px * viewport.mupp
            hits = proj.tree.query(pt.buffer(tol), predicate="intersects")
        out = []
        for i in sorted(hits, key=lambda i: shapely.area(proj.geoms[i])):
            f = self.feature(int(i), viewport.crs)
            f.distance_px = float(shapely.distance(proj.geoms[i], pt) / viewport.mupp)
            out.append(f)
        return out

    def select_in_extent(self, extent, crs: str) -> list[Feature]:
        proj = self.store.projected(crs)
        hits = proj.tree.query(shapely.box(*extent), predicate="intersects")
        return [self.feature(int(i), crs) for i in np.sort(hits)]


MERGE_MAX_FEATURES = 20000  # noding costs ~0.2 s per 4,000 grids, once; beyond this, draw every ring


class _Outlines:
    """Polygon outlines as merged lines: vertices ``xy``, ``starts`` (True where a line begins),
    each line's first vertex ``offsets`` and ``bounds``."""

    def __init__(self, xy: np.ndarray, part: np.ndarray):
        self.xy = xy
        self.starts = np.empty(len(part), bool)
        self.starts[0] = True
        np.not_equal(part[1:], part[:-1], out=self.starts[1:])
        self.offsets = np.append(np.flatnonzero(self.starts), len(xy))
        self.bounds = np.column_stack([np.minimum.reduceat(xy[:, 0], self.offsets[:-1]),
                                       np.minimum.reduceat(xy[:, 1], self.offsets[:-1]),
                                       np.maximum.reduceat(xy[:, 0], self.offsets[:-1]),
                                       np.maximum.reduceat(xy[:, 1], self.offsets[:-1])])

    @classmethod
    def build(cls, geoms) -> "_Outlines | None":
        if len(geoms) == 0 or len(geoms) > MERGE_MAX_FEATURES:
            return None
        try:
            merged = shapely.line_merge(shapely.union_all(shapely.boundary(geoms)))
            xy, part = shapely.get_coordinates(shapely.get_parts(merged), return_index=True)
        except (shapely.errors.GEOSException, ValueError):
            return None
        return cls(xy, part) if len(xy) else None

    def within(self, extent) -> tuple[np.ndarray, np.ndarray]:
        """(xy, starts) of the lines whose bounds meet ``extent``."""
        from app.map.painting import gather_ranges

        xmin, ymin, xmax, ymax = extent
        b = self.bounds
        sel = np.flatnonzero((b[:, 0] <= xmax) & (b[:, 2] >= xmin) & (b[:, 1] <= ymax) & (b[:, 3] >= ymin))
        if len(sel) == len(b):
            return self.xy, self.starts
        rows = gather_ranges(self.offsets[sel], self.offsets[sel + 1])
        starts = self.starts[rows]
        return self.xy[rows], starts


def _py(v):
    """numpy scalar -> Python scalar (for properties handed to docks)."""
    if isinstance(v, np.generic):
        return v.item()
    return v
