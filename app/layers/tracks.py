"""Inspector tracks for playback (轨迹回放): the whole tracks coloured by speed, signal gaps dashed,
stops, the cases met on the way and the patrol coverage of unit grids, rendered like any layer on a
worker; and, painted every frame on the GUI thread over that image, each inspector's position at
the playback clock with heading and name and a fading trail of the last minutes.

Colours mean one thing each: blues by speed (the implausible speed alone in magenta), coverage in
violet fills (unvisited grids grey and dashed), inspectors' markers and trails in near-black with a white halo. Green,
yellow and red stay the deadline bands of the case layer.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from app.domain.track_analysis import TrackRules
from app.map.crs import transform_geometries, transform_xy
from app.map.line_raster import colorize, dilate
from app.map.painting import FORMAT, draw_halo_text, label_font, premultiplied, thin_vertices
from app.map.viewport import Viewport

from .base import Feature, Layer
from .track_overlay import paint_marker, paint_trail, warm_markers
from .track_raster import TrackRaster

__all__ = ["InspectorTrack", "TrackLayer", "SPEED_CLASSES", "speed_class"]

# (upper bound km/h, colour, label); the last class is "faster than plausible" (the rules' threshold).
SPEED_CLASSES = ((1.0, QColor(148, 163, 184)), (6.0, QColor(96, 165, 250)), (15.0, QColor(37, 99, 235)),
                 (None, QColor(30, 58, 138)))
IMPLAUSIBLE = QColor(192, 38, 211)
GAP = QColor(100, 116, 139)
INK = QColor(17, 24, 39)
VISITED = QColor(124, 58, 237)  # violet: the blues are the track's speeds
UNVISITED = QColor(100, 116, 139)
CASE_MARK = {"report": "报", "verify": "实", "check": "查"}


def speed_class(kmh: np.ndarray, implausible_kmh: float) -> np.ndarray:
    """0..3 by SPEED_CLASSES, 4 above the implausible threshold."""
    bounds = [b for b, _ in SPEED_CLASSES if b is not None]
    cls = np.searchsorted(np.asarray(bounds), np.nan_to_num(kmh, nan=0.0), side="right")
    cls[kmh > implausible_kmh] = len(SPEED_CLASSES)
    return cls.astype(np.int8)


@dataclass
class InspectorTrack:
    """One inspector's fixes as columns (epoch s, lon/lat) with what the analysis found."""
    inspector_id: int
    name: str
    t: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    bearing: np.ndarray | None = None
    stops: list[dict] = field(default_factory=list)  # {"start","end","lon","lat","duration_s"} (epoch s)
    cases: list[dict] = field(default_factory=list)  # {"t","lon","lat","what","case_id","number"}
    # filled by the layer, in its CRS
    x: np.ndarray | None = None
    y: np.ndarray | None = None
    seg_kmh: np.ndarray | None = None  # per step, from metres and seconds
    crs: str | None = None  # what x/y are in
    raster: TrackRaster | None = None  # the speed classes rasterised once, for dense drawing
    raster_key: tuple | None = None  # the rules it was rasterised with

    def __len__(self) -> int:
        return int(self.t.size)

    def index_at(self, t: float) -> int:
        """The last fix at or before t (−1 before the first)."""
        return int(np.searchsorted(self.t, t, side="right")) - 1


class TrackLayer(Layer):
    kind = "track"

    def __init__(self, *, crs: str, name: str = "轨迹", rules: TrackRules = TrackRules(),
                 trail_s: float = 600.0, **kw):
        super().__init__(name, crs=crs, **kw)
        self.rules = rules
        self.trail_s = trail_s
        self.tracks: list[InspectorTrack] = []
        self.coverage: list[tuple[object, bool, float]] = []  # (geometry in layer CRS, visited, dwell_s)
        self.time: float | None = None  # the playback clock (epoch s); None = no markers
        self.selected: int | None = None  # inspector id drawn emphasised
        self.by_speed = True
        self.last_mode = "vector"  # how the last render drew the tracks: vector | raster
        self._labels: dict[tuple[str, float], tuple[QImage, float]] = {}
        self._warm: set[float] = set()  # device pixel ratios whose marker sprites are made

    # ------------------------------------------------------------------ data (GUI thread)
    def set_tracks(self, tracks: list[InspectorTrack]) -> None:
        for tr in tracks:
            prepare(tr, self.crs, self.rules)
        with self.lock:
            self.tracks = tracks
        self.notify("data")

    def set_coverage(self, cells: list[tuple[dict | object, bool, float]], src_crs: str = "EPSG:4490") -> None:
        """Unit grids with (geometry, visited, dwell seconds); GeoJSON dicts or shapely in src_crs."""
        from shapely.geometry import shape
        geoms = [shape(g) if isinstance(g, dict) else g for g, _, _ in cells]
        geoms = list(transform_geometries(geoms, src_crs, self.crs)) if geoms else []
        with self.lock:
            self.coverage = [(g, v, d) for g, (_, v, d) in zip(geoms, cells)]
        self.notify("data")

    def clear(self) -> None:
        with self.lock:
            self.tracks, self.coverage = [], []
        self.time = None
        self.notify("data")

    def set_time(self, t: float | None) -> None:
        """Move the playback clock: only the animated overlay changes, nothing re-renders."""
        self.time = t

    def time_range(self) -> tuple[float, float] | None:
        spans = [(float(tr.t[0]), float(tr.t[-1])) for tr in self.tracks if len(tr)]
        if not spans:
            return None
        return min(a for a, _ in spans), max(b for _, b in spans)

    def position_at(self, tr: InspectorTrack, t: float) -> tuple[float, float, float, bool] | None:
        """(x, y, heading, live) at time t: interpolated between fixes, held (live False) in a gap."""
        i = tr.index_at(t)
        if i < 0 or tr.x is None:
            return None
        n = len(tr)
        if i >= n - 1:
            return float(tr.x[-1]), float(tr.y[-1]), _heading(tr, n - 1), t - float(tr.t[-1]) < self.rules.gap_s
        dt = float(tr.t[i + 1] - tr.t[i])
        if dt >= self.rules.gap_s:
            return float(tr.x[i]), float(tr.y[i]), _heading(tr, i), False
        f = (t - float(tr.t[i])) / dt if dt > 0 else 0.0
        x = float(tr.x[i] + (tr.x[i + 1] - tr.x[i]) * f)
        y = float(tr.y[i] + (tr.y[i + 1] - tr.y[i]) * f)
        return x, y, _heading(tr, i), True

    def extent(self, crs: str | None = None):
        xs = [tr.x for tr in self.tracks if tr.x is not None and len(tr)]
        if not xs:
            return None
        ys = [tr.y for tr in self.tracks if tr.y is not None and len(tr)]
        e = (min(float(a.min()) for a in xs), min(float(a.min()) for a in ys),
             max(float(a.max()) for a in xs), max(float(a.max()) for a in ys))
        if crs and crs != self.crs:
            x, y = transform_xy(np.array([e[0], e[2]]), np.array([e[1], e[3]]), self.crs, crs)
            e = (float(x[0]), float(y[0]), float(x[1]), float(y[1]))
        return e

    # ------------------------------------------------------------------ static image (worker)
    def draw(self, painter: QPainter, viewport: Viewport, cancel) -> None:
        with self.lock:
            tracks, coverage = list(self.tracks), list(self.coverage)
        if viewport.crs != self.crs:
            return  # the canvas and the layer share the city CRS; set_tracks projects into it
        self._draw_coverage(painter, viewport, coverage)
        self.last_mode = "vector"
        if self._visible_segments(viewport, tracks) > VECTOR_MAX_SEGMENTS:
            self.last_mode = "raster"
            self._draw_raster(painter, viewport, tracks)
            for tr in tracks:
                self._draw_track(painter, viewport, tr, lines=False)
        else:
            for tr in tracks:
                if cancel.is_set():
                    return
                self._draw_track(painter, viewport, tr)
        for tr in tracks:
            self._draw_stops_and_cases(painter, viewport, tr)

    def _visible_segments(self, vp: Viewport, tracks: list[InspectorTrack]) -> int:
        """About how many segments the view shows (vertices inside it): more than a vector drawing
        can stroke in time means the raster drawing."""
        x0, y0, x1, y1 = vp.extent
        n = 0
        for tr in tracks:
            if tr.x is not None and len(tr) > 1:
                n += int(np.count_nonzero((tr.x >= x0) & (tr.x <= x1) & (tr.y >= y0) & (tr.y <= y1)))
        return n

    def _raster_of(self, tr: InspectorTrack) -> TrackRaster:
        key = (self.rules.gap_s, self.rules.max_speed_kmh)
        if tr.raster is None or tr.raster_key != key:
            rasterise(tr, self.rules)
        return tr.raster

    def _draw_raster(self, p: QPainter, vp: Viewport, tracks: list[InspectorTrack]) -> None:
        """Dense tracks: each one's raster resampled at the view's pixels, widened by a pixel each
        side with a half-transparent edge, coloured by speed; one drawImage."""
        w, h = vp.device_size
        pix = vp.mupp / vp.dpr  # map units per device pixel
        vx0, vy1 = vp.cx - vp.width * vp.mupp / 2, vp.cy + vp.height * vp.mupp / 2
        boxes = []
        for tr in tracks:
            if tr.x is None or len(tr) < 2:
                continue
            r = self._raster_of(tr)
            ex0, ey0, ex1, ey1 = r.extent
            c0, c1 = max(0, int((ex0 - vx0) / pix) - 1), min(w, int(math.ceil((ex1 - vx0) / pix)) + 1)
            r0, r1 = max(0, int((vy1 - ey1) / pix) - 1), min(h, int(math.ceil((vy1 - ey0) / pix)) + 1)
            if c1 > c0 and r1 > r0:
                boxes.append((tr, r, c0, c1, r0, r1))
        if not boxes:
            return
        pad = 2 * max(1, round(vp.dpr))
        C0, R0 = max(0, min(b[2] for b in boxes) - pad), max(0, min(b[4] for b in boxes) - pad)
        C1, R1 = min(w, max(b[3] for b in boxes) + pad), min(h, max(b[5] for b in boxes) + pad)
        wide = np.zeros((R1 - R0, C1 - C0), dtype=np.uint8)
        thin = None
        for tr, r, c0, c1, r0, r1 in boxes:
            xs = vx0 + (np.arange(c0, c1) + 0.5) * pix
            ys = vy1 - (np.arange(r0, r1) + 0.5) * pix
            emphasised = self.selected in (None, tr.inspector_id)
            if not emphasised and thin is None:
                thin = np.zeros_like(wide)
            target = (wide if emphasised else thin)[r0 - R0:r1 - R0, c0 - C0:c1 - C0]
            np.maximum(target, r.sample(xs, ys, pix), out=target)
        radius = max([max(1, round(vp.dpr))] + [b[1].widen_px(pix) for b in boxes])
        core = dilate(wide, radius)
        pixels = colorize(core, *self._luts(0.95), dilate(core, max(1, round(vp.dpr))), self._luts(0.35)[0])
        if thin is not None:
            m = (pixels == 0) & (thin != 0)
            pixels[m] = self._luts(0.8)[0][thin[m]]
        pixels = np.ascontiguousarray(pixels)
        img = QImage(pixels.data, pixels.shape[1], pixels.shape[0], pixels.shape[1] * 4, FORMAT)
        img.setDevicePixelRatio(vp.dpr)
        p.drawImage(QPointF(C0 / vp.dpr, R0 / vp.dpr), img)

    def _luts(self, alpha: float) -> tuple[np.ndarray]:
        """Premultiplied ARGB32 by raster class (0 none, 1.. the speed classes, then implausible)."""
        colours = [c for _, c in SPEED_CLASSES] + [IMPLAUSIBLE]
        if not self.by_speed:
            colours = [SPEED_CLASSES[2][1]] * len(colours)
        return (np.array([0] + [premultiplied(c, alpha) for c in colours], dtype=np.uint32),)

    def _draw_coverage(self, p: QPainter, vp: Viewport, coverage) -> None:
        if not coverage:
            return
        from app.map.painting import polygons_from_xy
        import shapely
        top = max((d for _, v, d in coverage if v), default=1.0) or 1.0
        for geom, visited, dwell in coverage:
            coords = shapely.get_coordinates(shapely.get_exterior_ring(shapely.get_geometry(geom, 0)))
            px, py = vp.map_to_pixel(coords[:, 0], coords[:, 1])
            poly = polygons_from_xy(px, py, np.zeros(len(px), dtype=bool))[0]
            if visited:
                fill = QColor(VISITED)
                fill.setAlphaF(0.12 + 0.33 * min(1.0, dwell / top))
                p.setPen(QPen(VISITED, 1.0))
            else:
                fill = QColor(UNVISITED)
                fill.setAlphaF(0.10)
                p.setPen(QPen(UNVISITED, 1.2, Qt.DashLine))
            p.setBrush(fill)
            p.drawPolygon(poly)

    def _draw_track(self, p: QPainter, vp: Viewport, tr: InspectorTrack, lines: bool = True) -> None:
        """The track as antialiased polylines by speed class (`lines`), and its signal gaps dashed."""
        n = len(tr)
        if n < 2 or tr.x is None:
            return
        w, h = vp.width, vp.height
        dt = np.diff(tr.t)
        live = dt < self.rules.gap_s
        if lines:
            px, py = vp.map_to_pixel(tr.x, tr.y)
            inside = (px > -w) & (px < 2 * w) & (py > -h) & (py < 2 * h)
            seg_in = inside[:-1] | inside[1:]
            cls = (speed_class(tr.seg_kmh, self.rules.max_speed_kmh) if self.by_speed
                   else np.full(n - 1, 2, dtype=np.int8))
            width = 3.0 if self.selected in (None, tr.inspector_id) else 1.6
            p.setBrush(Qt.NoBrush)
            colours = [c for _, c in SPEED_CLASSES] + [IMPLAUSIBLE]
            for k, colour in enumerate(colours):
                m = (cls == k) & live & seg_in
                if not m.any():
                    continue
                pts = np.zeros(n, dtype=bool)
                pts[:-1] |= m
                pts[1:] |= m
                starts = np.ones(n, dtype=bool)
                starts[1:] = ~m  # a vertex continues the run only if the step ending at it is drawn
                idx = np.flatnonzero(pts)
                x, y, s = thin_vertices(px[idx], py[idx], starts[idx], 0.75)
                pen = QPen(colour, width)
                pen.setCapStyle(Qt.RoundCap)
                pen.setJoinStyle(Qt.RoundJoin)
                p.setPen(pen)
                for poly in _polylines(x, y, s):
                    p.drawPolyline(poly)
        gaps = np.flatnonzero(~live)
        if gaps.size:
            x0, y0 = vp.map_to_pixel(tr.x[gaps], tr.y[gaps])
            x1, y1 = vp.map_to_pixel(tr.x[gaps + 1], tr.y[gaps + 1])
            show = ((np.maximum(x0, x1) > -w) & (np.minimum(x0, x1) < 2 * w)
                    & (np.maximum(y0, y1) > -h) & (np.minimum(y0, y1) < 2 * h))
            p.setPen(QPen(GAP, 2.0, Qt.DashLine))
            for i in np.flatnonzero(show).tolist():
                p.drawLine(QPointF(x0[i], y0[i]), QPointF(x1[i], y1[i]))

    def _draw_stops_and_cases(self, p: QPainter, vp: Viewport, tr: InspectorTrack) -> None:
        font = label_font(11, bold=True)
        if tr.stops:
            xs, ys = transform_xy(np.array([s["lon"] for s in tr.stops]), np.array([s["lat"] for s in tr.stops]),
                                  "EPSG:4490", self.crs)
            sx, sy = vp.map_to_pixel(xs, ys)
            for s, x, y in zip(tr.stops, sx.tolist(), sy.tolist()):
                if not (-20 < x < vp.width + 20 and -20 < y < vp.height + 20):
                    continue
                r = QRectF(x - 9, y - 9, 18, 18)  # a white 停 tile: cases are dark tiles, inspectors discs
                p.setPen(QPen(INK, 1.5))
                p.setBrush(QColor(255, 255, 255, 235))
                p.drawRoundedRect(r, 4, 4)
                p.setFont(font)
                p.drawText(r, Qt.AlignCenter, "停")
                if vp.scale <= 4000:
                    draw_halo_text(p, x + 11, y - 8, f"{round(s['duration_s'] / 60)}分", font, INK,
                                   align_center=False)
        if tr.cases:
            xs, ys = transform_xy(np.array([c["lon"] for c in tr.cases]), np.array([c["lat"] for c in tr.cases]),
                                  "EPSG:4490", self.crs)
            cx, cy = vp.map_to_pixel(xs, ys)
            small = label_font(11, bold=True)
            for c, x, y in zip(tr.cases, cx.tolist(), cy.tolist()):
                if not (-20 < x < vp.width + 20 and -20 < y < vp.height + 20):
                    continue
                r = QRectF(x - 9, y - 9, 18, 18)
                p.setPen(QPen(QColor("white"), 2.0))
                p.setBrush(INK)
                p.drawRoundedRect(r, 4, 4)
                p.setPen(QColor("white"))
                p.setFont(small)
                p.drawText(r, Qt.AlignCenter, CASE_MARK.get(c["what"], "案"))

    # ------------------------------------------------------------------ animated overlay (GUI thread)
    def has_animation(self, viewport: Viewport) -> bool:
        return self.time is not None and bool(self.tracks)

    def paint_animation(self, painter: QPainter, viewport: Viewport, t: float) -> None:
        now = self.time
        if now is None or viewport.crs != self.crs:
            return
        marks, pieces = [], []
        for tr in self.tracks:
            pos = self.position_at(tr, now)
            if pos is None:
                continue
            x, y, heading, live = pos
            marks.append((tr, x, y, heading, live))
            j0 = int(np.searchsorted(tr.t, now - self.trail_s, side="left"))
            i = tr.index_at(now)
            if i >= j0:
                pieces.append((tr.x[j0:i + 1], tr.y[j0:i + 1], tr.t[j0:i + 1], x, y))
        if pieces:  # every inspector's trail at once: a few numpy calls and two strokes a frame
            xs = np.concatenate([np.append(px, x) for px, _, _, x, _ in pieces])
            ys = np.concatenate([np.append(py, y) for _, py, _, _, y in pieces])
            ts = np.concatenate([np.append(pt, now) for _, _, pt, _, _ in pieces])
            first = np.zeros(xs.size, dtype=bool)
            first[np.cumsum([0] + [p[0].size + 1 for p in pieces[:-1]])] = True
            px, py = viewport.map_to_pixel(xs, ys)
            paint_trail(painter, px, py, ts, first, now, self.trail_s, self.rules.gap_s)
        dev = painter.device()
        dpr = dev.devicePixelRatio() if dev is not None else 1.0
        if dpr not in self._warm:  # once: every heading's sprite, not one new sprite a frame
            self._warm.add(dpr)
            warm_markers(dpr)
        for tr, x, y, heading, live in marks:
            px, py = viewport.map_to_pixel(x, y)
            paint_marker(painter, px, py, heading, live, tr.inspector_id == self.selected)
            img, ascent = self._name_label(tr.name if live else f"{tr.name}（信号中断）", dpr)
            painter.drawImage(QPointF(px + 10, py - 14 - ascent), img)

    def _name_label(self, text: str, dpr: float) -> tuple[QImage, float]:
        """The inspector's name with a halo, as an image (cached: a frame draws eight of them)."""
        from PySide6.QtGui import QFontMetricsF

        from app.map.painting import label_image
        key = (text, dpr)
        got = self._labels.get(key)
        if got is None:
            font = label_font(12, bold=True)
            got = self._labels[key] = (label_image(text, font, INK, None, dpr), QFontMetricsF(font).ascent())
        return got

    # ------------------------------------------------------------------ identify
    def identify(self, viewport: Viewport, px: float, py: float, tolerance_px: float = 6.0) -> list[Feature]:
        out = []
        for tr in self.tracks:
            if not tr.cases:
                continue
            xs, ys = transform_xy(np.array([c["lon"] for c in tr.cases]), np.array([c["lat"] for c in tr.cases]),
                                  "EPSG:4490", viewport.crs)
            cx, cy = viewport.map_to_pixel(xs, ys)
            d = np.hypot(cx - px, cy - py)
            for k in np.flatnonzero(d <= max(tolerance_px, 9)).tolist():
                c = tr.cases[k]
                out.append(Feature(self.name, "case", c["case_id"], {**c, "inspector": tr.name}, None, float(d[k])))
        return sorted(out, key=lambda f: f.distance_px)


CHUNK = 64  # vertices per polyline: QPainter strokes one huge self-crossing path many times slower


def _polylines(x: np.ndarray, y: np.ndarray, starts: np.ndarray) -> list:
    """Runs of vertices as short QPolygonF polylines (a run begins where `starts` is set), each
    chunk of a run repeating the last vertex of the chunk before it so the line stays joined."""
    from app.map.painting import polygons_from_xy
    n = len(x)
    if n < 2:
        return []
    real = np.flatnonzero(starts)
    cut = np.zeros(n, dtype=bool)
    cut[::CHUNK] = True
    cut &= ~starts
    cont = np.flatnonzero(cut)
    cont = cont[cont > 0]
    idx = np.sort(np.concatenate([np.arange(n), cont - 1]), kind="stable")  # copies side by side
    new_start = np.zeros(len(idx), dtype=bool)
    new_start[0] = True
    new_start[np.searchsorted(idx, real, side="left")] = True
    new_start[np.searchsorted(idx, cont - 1, side="left") + 1] = True  # the repeated vertex opens it
    return [q for q in polygons_from_xy(x[idx], y[idx], new_start) if q.size() > 1]


VECTOR_MAX_SEGMENTS = 12_000  # more in view: the raster drawing (antialiased strokes cost ~10 µs each)


def prepare(tr: InspectorTrack, crs: str, rules: TrackRules = TrackRules()) -> None:
    """Project a track into the layer CRS, compute each step's speed in km/h from metres and
    rasterise it for dense drawing (a worker's job: a month of fixes takes a good part of a second).
    A track already prepared for `crs` is left as it is."""
    from app.map.crs import metres_per_unit
    if tr.crs == crs and tr.x is not None and len(tr.x) == len(tr):
        return
    x, y = transform_xy(tr.lon, tr.lat, "EPSG:4490", crs)
    tr.x, tr.y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(tr) > 1:
        lat = float(np.nanmean(tr.lat))
        d = np.hypot(np.diff(tr.x), np.diff(tr.y)) * metres_per_unit(crs, lat)
        dt = np.diff(tr.t)
        with np.errstate(divide="ignore", invalid="ignore"):
            tr.seg_kmh = np.where(dt > 0, d / dt * 3.6, 0.0)
    else:
        tr.seg_kmh = np.zeros(0)
    tr.crs = crs
    tr.raster = None
    if len(tr) > 1:
        rasterise(tr, rules)


def rasterise(tr: InspectorTrack, rules: TrackRules) -> None:
    """The track's live steps (not across a signal gap) by speed class into its TrackRaster."""
    from app.map.crs import metres_per_unit
    seg = np.flatnonzero(np.diff(tr.t) < rules.gap_s)
    cls = speed_class(tr.seg_kmh[seg], rules.max_speed_kmh).astype(np.uint8) + 1
    mpu = metres_per_unit(tr.crs, float(np.nanmean(tr.lat)) if len(tr) else 0.0)
    tr.raster = TrackRaster.build(tr.x, tr.y, seg, cls, mpu)
    tr.raster_key = (rules.gap_s, rules.max_speed_kmh)


def _heading(tr: InspectorTrack, i: int) -> float:
    """Degrees clockwise from north: the phone's bearing, else the direction of the step."""
    if tr.bearing is not None and i < len(tr.bearing) and np.isfinite(tr.bearing[i]):
        return float(tr.bearing[i])
    j = min(i + 1, len(tr) - 1)
    k = j - 1 if j > 0 else 0
    dx, dy = float(tr.x[j] - tr.x[k]), float(tr.y[j] - tr.y[k])
    if dx == 0 and dy == 0:
        return math.nan
    return math.degrees(math.atan2(dx, dy)) % 360
