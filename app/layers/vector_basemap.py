"""A 1:500 basemap drawn from the city's own vector layers (used when no tile source is reachable).

The city package's GeoPackage has layers such as buildings / roads / water / green / landuse /
railways / poi_labels; the names are passed as a mapping ``{role: layer name}`` (roles: landuse,
green, water, buildings, railways, roads, poi), or found by ``guess_mapping`` from the layer names.
Roads are drawn to their real carriageway width (``width_m`` column, else a width per class) with a
casing, never thinner than a hairline; names of roads and POIs appear at large scales.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPen

from app.map.painting import draw_halo_text, label_font, path_from_xy, polygons_from_xy, thin_vertices
from app.map.viewport import Viewport

from .base import OSM_ATTRIBUTION, Feature, Layer
from .geometry import GeometryStore

__all__ = ["VectorBasemapLayer", "guess_mapping", "ROLES"]

ROLES = ("landuse", "green", "water", "buildings", "railways", "roads", "poi")
_ROLE_WORDS = {
    "landuse": ("landuse", "land_use", "用地"), "green": ("green", "park", "绿地"), "water": ("water", "水系", "river"),
    "buildings": ("building", "建筑", "house"), "railways": ("rail", "铁路"), "roads": ("road", "street", "道路"),
    "poi": ("poi", "label", "注记"),
}

BACKGROUND = QColor(242, 239, 233)
ROAD_WIDTH_M = {"expressway": 24.0, "arterial": 20.0, "secondary": 15.0, "branch": 8.0, "lane": 4.5,
                "pedestrian": 6.0, "footway": 2.0, "cycleway": 2.5}
ROAD_FILL = {"expressway": QColor(252, 214, 164), "arterial": QColor(252, 232, 158), "secondary": QColor(255, 250, 200)}
ROAD_RANK = {"footway": 0, "cycleway": 0, "lane": 1, "pedestrian": 1, "branch": 2, "secondary": 3, "arterial": 4,
             "expressway": 5}


_EXACT = {"landuse": ("landuse",), "green": ("green", "parks"), "water": ("water",), "buildings": ("buildings",),
          "railways": ("railways", "railway"), "roads": ("roads",), "poi": ("poi_labels", "poi", "pois")}


def guess_mapping(layer_names) -> dict[str, str]:
    """{role: layer name} from a GeoPackage's layer names (exact names first, then by keyword)."""
    names = list(layer_names)
    out: dict[str, str] = {}
    for role in ROLES:
        exact = next((n for n in names if n.lower() in _EXACT[role]), None)
        if exact is not None:
            out[role] = exact
            continue
        for name in names:
            low = name.lower()
            if any(w in low for w in _ROLE_WORDS[role]) and name not in out.values():
                out[role] = name
                break
    return out


@dataclass
class _RoleData:
    store: GeometryStore
    props: dict


class VectorBasemapLayer(Layer):
    kind = "basemap"

    def __init__(self, data: dict, *, crs: str, name: str = "底图", osm: bool = True,
                 background: QColor | None = BACKGROUND, buildings_max_scale: float = 20000.0,
                 labels_max_scale: float = 4000.0, **kw):
        """``data``: role -> (geometries, properties dict) in ``crs``."""
        kw.setdefault("attribution", OSM_ATTRIBUTION if osm else None)
        super().__init__(name, crs=crs, **kw)
        self.roles: dict[str, _RoleData] = {}
        for role, (geoms, props) in data.items():
            geoms = np.asarray(geoms, dtype=object)
            ok = ~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)
            self.roles[role] = _RoleData(GeometryStore(geoms[ok], crs),
                                         {k: np.asarray(v)[ok] for k, v in (props or {}).items()})
        self.background = background
        self.buildings_max_scale = buildings_max_scale
        self.labels_max_scale = labels_max_scale

    @classmethod
    def from_file(cls, path, mapping: dict[str, str] | None = None, **kw) -> "VectorBasemapLayer":
        import pyogrio

        names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
        mapping = mapping or guess_mapping(names)
        data = {}
        crs = kw.pop("crs", None)
        for role, lname in mapping.items():
            if lname not in names:
                continue
            df = pyogrio.read_dataframe(path, layer=lname)
            if crs is None and df.crs is not None:
                crs = df.crs.to_string()
            geoms = np.asarray(df.geometry.values, dtype=object)
            if crs is not None and df.crs is not None and df.crs.to_string() != crs:
                from app.map.crs import transform_geometries
                geoms = transform_geometries(geoms, df.crs.to_string(), crs)
            data[role] = (geoms, {c: df[c].to_numpy() for c in df.columns if c != df.geometry.name})
        return cls(data, crs=crs or "EPSG:4326", **kw)

    def extent(self, crs: str | None = None):
        boxes = []
        for rd in self.roles.values():
            if len(rd.store):
                p = rd.store.projected(crs or self.crs)
                boxes.append(shapely.total_bounds(p.geoms))
        if not boxes:
            return None
        b = np.array(boxes)
        return (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max()))

    # ------------------------------------------------------------------ rendering
    def _fill(self, painter, viewport, role: str, fill: QColor, outline: QColor | None = None, cancel=None) -> None:
        rd = self.roles.get(role)
        if rd is None or len(rd.store) == 0:
            return
        proj = rd.store.projected(viewport.crs)
        idx = proj.query(viewport.extent)
        if len(idx) == 0:
            return
        types = shapely.get_type_id(proj.geoms[idx])
        poly_idx = idx[(types == 3) | (types == 6)]
        line_idx = idx[(types == 1) | (types == 2) | (types == 5)]
        if len(poly_idx):
            # skip sub-pixel polygons at small scales
            b = proj.bounds[poly_idx]
            big = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) >= viewport.mupp * 1.5
            poly_idx = poly_idx[big]
            xy, starts = proj.vertices(poly_idx)
            px, py = viewport.map_to_pixel(xy[:, 0], xy[:, 1])
            px, py, starts = thin_vertices(px, py, starts, 0.7)
            path = path_from_xy(px, py, starts)
            # fill without antialiasing (fast, no seams), then a thin antialiased outline for clean edges
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawPath(path)
            painter.restore()
            edge = outline if (outline is not None and viewport.scale <= 10000) else fill
            pen = QPen(edge, 0.8 if edge is outline else 1.0)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
        if len(line_idx) and role == "water":
            xy, starts = proj.vertices(line_idx)
            px, py = viewport.map_to_pixel(xy[:, 0], xy[:, 1])
            px, py, starts = thin_vertices(px, py, starts, 0.7)
            pen = QPen(outline or fill, max(1.0, min(8.0, 6.0 / viewport.metres_per_pixel)))
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path_from_xy(px, py, starts))

    def draw(self, painter: QPainter, viewport: Viewport, cancel) -> None:
        if self.background is not None:
            painter.fillRect(0, 0, viewport.width + 1, viewport.height + 1, self.background)
        mpp = viewport.metres_per_pixel
        self._fill(painter, viewport, "landuse", QColor(232, 228, 220))
        self._fill(painter, viewport, "green", QColor(200, 230, 180), QColor(170, 210, 150))
        self._fill(painter, viewport, "water", QColor(170, 211, 240), QColor(130, 180, 225))
        if cancel.is_set():
            return
        if viewport.scale <= self.buildings_max_scale:
            self._fill(painter, viewport, "buildings", QColor(217, 208, 201), QColor(190, 178, 168))
        if cancel.is_set():
            return
        self._draw_railways(painter, viewport)
        self._draw_roads(painter, viewport, mpp)
        if viewport.scale <= self.labels_max_scale and not cancel.is_set():
            self._draw_labels(painter, viewport)

    def _draw_railways(self, painter, viewport) -> None:
        rd = self.roles.get("railways")
        if rd is None or len(rd.store) == 0:
            return
        proj = rd.store.projected(viewport.crs)
        idx = proj.query(viewport.extent)
        if len(idx) == 0:
            return
        xy, starts = proj.vertices(idx)
        px, py = viewport.map_to_pixel(xy[:, 0], xy[:, 1])
        path = path_from_xy(*thin_vertices(px, py, starts, 0.7))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(120, 120, 120), 3.0))
        painter.drawPath(path)
        pen = QPen(QColor(255, 255, 255), 1.6)
        pen.setDashPattern([4, 4])
        painter.setPen(pen)
        painter.drawPath(path)

    def _road_classes(self, rd: _RoleData) -> np.ndarray:
        for col in ("road_class", "fclass", "class", "highway"):
            if col in rd.props:
                return np.asarray([str(v) for v in rd.props[col]], dtype=object)
        return np.full(len(rd.store), "branch", dtype=object)

    def _draw_roads(self, painter, viewport, mpp: float) -> None:
        rd = self.roles.get("roads")
        if rd is None or len(rd.store) == 0:
            return
        proj = rd.store.projected(viewport.crs)
        idx = proj.query(viewport.extent)
        if len(idx) == 0:
            return
        classes = rd.props.get("_cls")
        if classes is None:
            classes = rd.props["_cls"] = self._road_classes(rd)
        widths = rd.props.get("width_m")
        cls = classes[idx]
        # hide footways at small scales
        if viewport.scale > 8000:
            keep = np.array([ROAD_RANK.get(c, 2) >= 2 for c in cls], bool)
            idx, cls = idx[keep], cls[keep]
        ranks = np.array([ROAD_RANK.get(c, 2) for c in cls], np.int64)
        if widths is not None:
            w_m = np.asarray(widths, dtype=np.float64)[idx]
            fallback = np.array([ROAD_WIDTH_M.get(c, 7.0) for c in cls])
            w_m = np.where(np.isfinite(w_m) & (w_m > 0), w_m, fallback)
        else:
            w_m = np.array([ROAD_WIDTH_M.get(c, 7.0) for c in cls])
        # bucket widths so that each (rank, width) draws as one path
        w_px = np.clip(w_m / mpp, 0.6 + 0.35 * ranks, 60.0)
        w_px = np.round(w_px * 2) / 2
        groups = {}
        for r in np.unique(ranks):
            for w in np.unique(w_px[ranks == r]):
                sel = idx[(ranks == r) & (w_px == w)]
                xy, starts = proj.vertices(sel)
                px, py = viewport.map_to_pixel(xy[:, 0], xy[:, 1])
                # one polyline per road: antialiased wide strokes are several times cheaper one by one
                # than as one big self-overlapping path
                groups[(int(r), float(w))] = polygons_from_xy(*thin_vertices(px, py, starts, 0.6))
        casing = QColor(170, 160, 150)
        for (r, w), lines in sorted(groups.items()):
            if w >= 2.0:
                pen = QPen(casing if r < 3 else QColor(200, 150, 90), w + 1.6)
                pen.setCapStyle(Qt.PenCapStyle.RoundCap)
                pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
                painter.setPen(pen)
                for line in lines:
                    painter.drawPolyline(line)
        for (r, w), lines in sorted(groups.items()):
            cls_name = next((c for c, k in ROAD_RANK.items() if k == r), "branch")
            col = ROAD_FILL.get(cls_name, QColor(255, 255, 255)) if w >= 2.0 else QColor(150, 140, 130)
            pen = QPen(col, w)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            if r == 0 and w < 2.0:
                pen.setDashPattern([2, 2])
            painter.setPen(pen)
            for line in lines:
                painter.drawPolyline(line)

    def _draw_labels(self, painter, viewport) -> None:
        font = label_font(12)
        halo = QColor(255, 255, 255, 230)
        placed: dict = {}
        from PySide6.QtCore import QRectF
        from PySide6.QtGui import QFontMetricsF

        fm = QFontMetricsF(font)
        for role, color in (("roads", QColor(60, 60, 60)), ("poi", QColor(120, 60, 20)), ("water", QColor(30, 90, 160)),
                            ("green", QColor(40, 110, 40))):
            rd = self.roles.get(role)
            if rd is None or "name" not in rd.props or len(rd.store) == 0:
                continue
            proj = rd.store.projected(viewport.crs)
            idx = proj.query(viewport.extent)
            names = rd.props["name"]
            seen = set()
            for i in idx.tolist()[:3000]:
                nm = names[i]
                if nm is None or (isinstance(nm, float) and np.isnan(nm)) or not str(nm).strip() or nm in seen:
                    continue
                g = proj.geoms[i]
                if role == "roads":
                    if shapely.length(g) < 80 * viewport.mupp:
                        continue
                    pt = shapely.line_interpolate_point(g, 0.5, normalized=True) if g.geom_type == "LineString" \
                        else shapely.point_on_surface(g)
                elif role == "poi":
                    pt = g if g.geom_type == "Point" else shapely.point_on_surface(g)
                else:
                    if shapely.area(g) < (150 * viewport.mupp) ** 2:
                        continue
                    pt = shapely.point_on_surface(g)
                lx, ly = viewport.map_to_pixel(pt.x, pt.y)
                if not (0 <= lx <= viewport.width and 0 <= ly <= viewport.height):
                    continue
                text = str(nm)
                w = fm.horizontalAdvance(text)
                r = QRectF(lx - w / 2 - 3, ly - fm.height() / 2 - 2, w + 6, fm.height() + 4)
                cells = [(cx_, cy_) for cx_ in range(int(r.left()) // 64, int(r.right()) // 64 + 1)
                         for cy_ in range(int(r.top()) // 32, int(r.bottom()) // 32 + 1)]
                if any(r.intersects(o) for c_ in cells for o in placed.get(c_, ())):
                    continue
                for c_ in cells:
                    placed.setdefault(c_, []).append(r)
                seen.add(nm)
                if role == "poi":
                    painter.setPen(QPen(QColor("white"), 1.2))
                    painter.setBrush(color)
                    painter.drawEllipse(r.center().x() - w / 2 - 6, ly - 3, 6, 6)
                draw_halo_text(painter, lx, ly, text, font, color, halo, 3.0)

    def identify(self, viewport: Viewport, px: float, py: float, tolerance_px: float = 3.0) -> list[Feature]:
        return []  # the basemap is background; identify reports grids, components and cases
