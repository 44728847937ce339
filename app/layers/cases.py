"""Live cases (案件) on the map: marker by kind, colour by deadline band, clusters, pulses.

- kind: component (部件) = rounded square, event (事件) = circle;
- band: green / yellow / red (the deadline band from the server); unknown = grey;
- overlapping markers (same cell of ``cluster_px`` pixels) become one badge with the count inside
  a ring split by band (red share first), so a dispatcher sees where the red cases are;
- new cases (for ``new_seconds``) and urgent ones pulse: an expanding ring painted by the canvas on
  the GUI thread over the cached image, so the animation never re-renders the layer;
- ``update_case(id, ...)`` changes ONE case in place (dict lookup + array writes) and tells the
  canvas, which re-renders this layer alone.

Coordinates are in the layer CRS (default EPSG:4490 lon/lat, as the server sends them).
"""
from __future__ import annotations

import threading
import time

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter, QPen

from app.map.painting import label_font
from app.map.viewport import Viewport

from .base import Feature, Layer
from .dynamic import DynamicPoints

__all__ = ["CaseLayer", "BANDS", "BAND_COLORS", "KINDS"]

PULSE_STEPS = 42  # ring images per pulse period (1.4 s: one per 33 ms animation tick)
_RINGS: dict[tuple, tuple[QImage, float]] = {}  # (band, colour, step, dpr, size) -> (ring sprite, half its size)

BANDS = ("green", "yellow", "red")
KINDS = ("component", "event")
BAND_COLORS = {0: QColor(22, 163, 74), 1: QColor(234, 179, 8), 2: QColor(220, 38, 38), 3: QColor(120, 120, 120)}
GREY = 3


def band_index(band) -> int:
    if band is None:
        return GREY
    if isinstance(band, (int, np.integer)):
        return int(band) if 0 <= int(band) <= 3 else GREY
    s = str(getattr(band, "value", band)).lower()
    if s in ("green", "绿", "绿灯"):
        return 0
    if s in ("yellow", "黄", "黄灯", "amber"):
        return 1
    if s in ("red", "红", "红灯", "overdue"):
        return 2
    return GREY


def kind_index(kind) -> int:
    s = str(getattr(kind, "value", kind)).lower()
    return 0 if s in ("component", "部件", "0") else 1


class _MarkerCache:
    def __init__(self):
        self._lock = threading.Lock()
        self._img: dict = {}

    def marker(self, kind: int, band: int, size: int, dpr: float) -> QImage:
        key = ("m", kind, band, size, dpr)
        img = self._img.get(key)
        if img is None:
            with self._lock:
                img = self._img.get(key) or self._make_marker(kind, band, size, dpr)
                self._img[key] = img
        return img

    def badge(self, label: str, shares: tuple[int, int, int, int], dpr: float) -> tuple[QImage, float]:
        """A cluster badge and its half size: the count on white inside a ring split by band
        (``shares`` in twelfths: green, yellow, red, unknown)."""
        key = ("b", label, shares, dpr)
        got = self._img.get(key)
        if got is None:
            with self._lock:
                if len(self._img) > 6000:
                    self._img = {k: v for k, v in self._img.items() if k[0] == "m"}
                got = self._img.get(key)
                if got is None:
                    img = self._make_badge(label, shares, dpr)
                    got = (img, img.width() / dpr / 2)
                    self._img[key] = got
        return got

    @staticmethod
    def _canvas(size: int, dpr: float) -> tuple[QImage, QPainter]:
        n = max(1, int(round(size * dpr)))
        img = QImage(n, n, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(0)
        img.setDevicePixelRatio(dpr)
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        return img, p

    def _make_marker(self, kind: int, band: int, size: int, dpr: float) -> QImage:
        img, p = self._canvas(size, dpr)
        c = BAND_COLORS[band]
        r = QRectF(1.5, 1.5, size - 3, size - 3)
        p.setPen(QPen(QColor(0, 0, 0, 110), 3.2))
        _shape(p, kind, r)
        p.setPen(QPen(QColor("white"), 1.8))
        p.setBrush(c)
        _shape(p, kind, r)
        # the kind, in white: a small square for component, a dot for event
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(255, 255, 255, 235))
        k = min(size * 0.16, 2.6)  # a small mark: the band colour fills the rest
        cx = size / 2
        if kind == 0:
            p.drawRect(QRectF(cx - k, cx - k, 2 * k, 2 * k))
        else:
            p.drawEllipse(QPointF(cx, cx), k, k)
        p.end()
        return img

    def _make_badge(self, label: str, shares: tuple[int, int, int, int], dpr: float) -> QImage:
        font = label_font(11, bold=True)
        fm = QFontMetricsF(font)
        inner_d = max(fm.horizontalAdvance(label) + 8, 18.0)
        ring = 4.0
        size = int(np.ceil(inner_d + 2 * ring + 3))
        img, p = self._canvas(size, dpr)
        outer = QRectF(1.5, 1.5, size - 3, size - 3)
        p.setPen(QPen(QColor(0, 0, 0, 90), 2.6))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(outer)
        p.setPen(Qt.PenStyle.NoPen)
        total = max(sum(shares), 1)
        start = 90 * 16  # 12 o'clock; red first, clockwise
        for band in (2, 1, 0, 3):
            span = -int(round(360 * 16 * shares[band] / total))
            if span:
                p.setBrush(BAND_COLORS[band])
                p.drawPie(outer, start, span)
                start += span
        inner = outer.adjusted(ring, ring, -ring, -ring)
        p.setPen(QPen(QColor("white"), 1.2))
        p.setBrush(QColor(255, 255, 255, 245))
        p.drawEllipse(inner)
        p.setFont(font)
        p.setPen(QColor(150, 20, 20) if shares[2] else QColor(40, 40, 40))
        p.drawText(inner, Qt.AlignmentFlag.AlignCenter, label)
        p.end()
        return img


def _shape(p: QPainter, kind: int, r: QRectF) -> None:
    if kind == 0:
        p.drawRoundedRect(r, r.width() * 0.22, r.width() * 0.22)
    else:
        p.drawEllipse(r)


_markers = _MarkerCache()


class CaseLayer(Layer):
    kind = "case"

    def __init__(self, *, crs: str = "EPSG:4490", name: str = "案件", marker_px: int = 20, red_px: int = 30,
                 cluster: bool = True,
                 cluster_px: int = 26, cluster_px_small: int = 40, small_scale: float = 10000.0,
                 new_seconds: float = 60.0, pulse_limit: int = 300, **kw):
        kw.setdefault("volatile", True)
        super().__init__(name, crs=crs, **kw)
        self.points = DynamicPoints(crs, {"kind": (np.int8, 1), "band": (np.int8, GREY), "urgent": (np.bool_, False),
                                          "since": (np.float64, 0.0)})
        self.lock = self.points.lock
        self.marker_px = marker_px
        self.red_px = red_px  # an overdue case is the biggest thing on the map (a component icon is 24 px)
        self.cluster = cluster
        self.cluster_px = cluster_px
        self.cluster_px_small = cluster_px_small  # bigger cells at city scales: fewer, clearer badges
        self.small_scale = small_scale
        self.new_seconds = new_seconds
        self.pulse_limit = pulse_limit
        self.clock = time.monotonic

    def __len__(self) -> int:
        return len(self.points)

    # ------------------------------------------------------------------ data
    def set_cases(self, ids, x, y, kinds=None, bands=None, urgent=None, properties: list[dict] | None = None) -> None:
        """Replace all cases at once (initial load). Loaded cases are not "new" (no pulse)."""
        n = len(ids)
        attrs = {
            "kind": np.array([kind_index(k) for k in kinds], np.int8) if kinds is not None else np.ones(n, np.int8),
            "band": np.array([band_index(b) for b in bands], np.int8) if bands is not None else np.full(n, GREY, np.int8),
            "urgent": np.asarray(urgent, bool) if urgent is not None else np.zeros(n, bool),
            "since": np.zeros(n),
        }
        self.points.set_all(ids, x, y, attrs, properties)
        self.notify("data")

    def update_case(self, case_id, x: float | None = None, y: float | None = None, *, kind=None, band=None,
                    urgent: bool | None = None, new: bool | None = None, properties: dict | None = None) -> None:
        """Insert or update ONE case. A case not seen before is "new" (pulses) unless new=False."""
        is_new = case_id not in self.points
        since = None
        if new or (new is None and is_new):
            since = self.clock()
        elif new is False:
            since = 0.0
        self.points.upsert(case_id, x, y, props=properties,
                           kind=None if kind is None else kind_index(kind),
                           band=None if band is None else band_index(band),
                           urgent=urgent, since=since)
        self.notify("data")

    def remove_case(self, case_id) -> None:
        if self.points.remove(case_id):
            self.notify("data")

    def case(self, case_id) -> dict | None:
        d = self.points.get(case_id)
        if d is not None:
            d["kind"] = KINDS[d["kind"]]
            d["band"] = BANDS[d["band"]] if d["band"] < 3 else "unknown"
        return d

    def extent(self, crs: str | None = None):
        return self.points.extent(crs or self.crs)

    # ------------------------------------------------------------------ rendering
    def _screen(self, viewport: Viewport, margin: float):
        x, y, attrs, ids = self.points.projected(viewport.crs)
        px, py = viewport.map_to_pixel(x, y)
        m = (px >= -margin) & (px <= viewport.width + margin) & (py >= -margin) & (py <= viewport.height + margin)
        sel = np.flatnonzero(m)
        return sel, px[sel], py[sel], {k: v[sel] for k, v in attrs.items()}, ids

    def draw(self, painter: QPainter, viewport: Viewport, cancel) -> None:
        size = self.marker_px
        sel, px, py, attrs, _ids = self._screen(viewport, size)
        if len(sel) == 0:
            return
        band, kind = attrs["band"].astype(np.int64), attrs["kind"].astype(np.int64)
        sev = np.where(band == GREY, -1, band)
        dpr = viewport.dpr
        if self.cluster and len(sel) > 1:
            c = float(self.cluster_px if viewport.scale <= self.small_scale else self.cluster_px_small)
            gx = np.floor(px / c).astype(np.int64)
            gy = np.floor(py / c).astype(np.int64)
            cell = (gy + 4) * 100003 + (gx + 4)
            uniq, inv, counts = np.unique(cell, return_inverse=True, return_counts=True)
            single = counts[inv] == 1
        else:
            single = np.ones(len(sel), bool)
            counts = np.empty(0, np.int64)
        # singles, by severity so red ends on top
        idx = np.flatnonzero(single)
        idx = idx[np.argsort(sev[idx], kind="stable")]
        red = BANDS.index("red")
        sizes = np.where(band[idx] == red, self.red_px, size)
        imgs = {(k, b): _markers.marker(k, b, self.red_px if b == red else size, dpr) for k in (0, 1) for b in range(4)}
        xs, ys = (px[idx] - sizes / 2.0).tolist(), (py[idx] - sizes / 2.0).tolist()
        ks, bs = kind[idx].tolist(), band[idx].tolist()
        draw = painter.drawImage
        for i in range(len(xs)):
            draw(QPointF(xs[i], ys[i]), imgs[(ks[i], bs[i])])
        if cancel.is_set() or not len(counts) or single.all():
            return
        # clusters: mean position, worst band, count
        multi = np.flatnonzero(counts > 1)
        ncl = len(uniq)
        sx = np.bincount(inv, weights=px, minlength=ncl)
        sy = np.bincount(inv, weights=py, minlength=ncl)
        # cases per (cluster, band) -> shares in twelfths (few distinct badges: they are cached)
        per_band = np.bincount(inv * 4 + band, minlength=ncl * 4).reshape(ncl, 4)[multi]
        q = np.rint(per_band * 12.0 / counts[multi][:, None]).astype(np.int64)
        q = np.where((per_band > 0) & (q == 0), 1, q)  # a single red case still shows
        cx, cy = sx[multi] / counts[multi], sy[multi] / counts[multi]
        order = np.argsort(per_band[:, 2] > 0, kind="stable")  # clusters with red cases on top
        n_list = counts[multi][order].tolist()
        labels = [str(n) if n < 1000 else f"{n // 1000}k+" for n in n_list]
        shares = list(map(tuple, q[order].tolist()))
        xs, ys = cx[order].tolist(), cy[order].tolist()
        badge = _markers.badge
        for j in range(len(labels)):
            img, half = badge(labels[j], shares[j], dpr)
            draw(QPointF(xs[j] - half, ys[j] - half), img)

    # ------------------------------------------------------------------ pulse animation
    def _pulsing(self, viewport: Viewport):
        with self.lock:
            n = self.points.n
            since = self.points.attrs["since"][:n]
            urgent = self.points.attrs["urgent"][:n]
            overdue = self.points.attrs["band"][:n] == BANDS.index("red")  # red cases keep a ring going
            now = self.clock()
            m = urgent | overdue | ((since > 0) & (now - since < self.new_seconds))
            if not m.any():
                return None
            rows = np.flatnonzero(m)[: self.pulse_limit * 4]
        x, y, attrs, _ids = self.points.projected(viewport.crs)
        px, py = viewport.map_to_pixel(x[rows], y[rows])
        inside = (px >= -20) & (px <= viewport.width + 20) & (py >= -20) & (py <= viewport.height + 20)
        if not inside.any():
            return None
        k = np.flatnonzero(inside)[: self.pulse_limit]
        return px[k], py[k], attrs["band"][rows[k]]

    def has_animation(self, viewport: Viewport) -> bool:
        return self.visible_at(viewport) and self._pulsing(viewport) is not None

    def paint_animation(self, painter: QPainter, viewport: Viewport, t: float) -> None:
        got = self._pulsing(viewport)
        if got is None:
            return
        px, py, band = got
        period = 1.4
        step = round((t % period) / period * PULSE_STEPS) % PULSE_STEPS
        dev = painter.device()
        dpr = dev.devicePixelRatio() if dev is not None else 1.0
        if step >= PULSE_STEPS - 3:
            return  # the ring has faded out: nothing worth blending a hundred images for
        for b in np.unique(band):
            # a ring sprite per band and phase: a wide antialiased ellipse costs ~40 drawImages,
            # and a playback frame has a hundred rings to draw
            img, half = self._ring(int(b), step, dpr)
            for x, y in zip(px[band == b].tolist(), py[band == b].tolist()):
                painter.drawImage(QPointF(x - half, y - half), img)

    def _ring(self, band: int, step: int, dpr: float) -> tuple[QImage, float]:
        key = (band, BAND_COLORS[band].rgba(), step, dpr, self.red_px)
        got = _RINGS.get(key)
        if got is None:
            phase = step / PULSE_STEPS
            r = self.red_px / 2 + 2 + phase * 18
            half = r + 3.0  # as small as the ring: a hundred of them are blended every frame
            side = int(np.ceil(2 * half * dpr))
            img = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
            img.setDevicePixelRatio(dpr)
            img.fill(0)
            p = QPainter(img)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            col = QColor(BAND_COLORS[band])
            col.setAlpha(int(220 * (1 - phase)))
            p.setPen(QPen(col, 3.0))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawEllipse(QPointF(half, half), r, r)
            p.end()
            got = _RINGS[key] = (img, half)
        return got

    # ------------------------------------------------------------------ queries
    def _feature(self, fid, x: float, y: float, dist_px: float = 0.0) -> Feature:
        import shapely

        return Feature(layer=self.name, kind="case", id=fid, properties=self.case(fid) or {"id": fid},
                       geometry=shapely.Point(x, y), distance_px=dist_px)

    def identify(self, viewport: Viewport, px: float, py: float, tolerance_px: float = 6.0) -> list[Feature]:
        if not self.visible_at(viewport):
            return []
        hits = self.points.near(viewport, px, py, max(tolerance_px, self.marker_px / 2 + 1))
        return [self._feature(fid, x, y, d) for fid, x, y, d in hits[:50]]

    def select_in_extent(self, extent, crs: str) -> list[Feature]:
        return [self._feature(fid, x, y) for fid, x, y in self.points.within(extent, crs)[:10000]]


