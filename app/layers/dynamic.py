"""A store of live point features (cases, inspectors, cameras) updated one by one, by id, cheaply.

Qt-free. Coordinates and attributes live in numpy arrays with spare capacity; ``upsert`` of one
feature is a dict lookup and a few array writes (plus one pyproj call when it moved), so a thousand
updates a second cost nothing noticeable. The projected copy (display CRS) is kept up to date
incrementally. ``snapshot`` copies the live part under the lock for a render job on a worker thread.
"""
from __future__ import annotations

import threading

import numpy as np

from app.map.crs import same_crs, transform_xy

__all__ = ["DynamicPoints"]


class DynamicPoints:
    def __init__(self, crs: str, fields: dict[str, tuple[np.dtype, object]]):
        """``fields``: name -> (dtype, default) of the per-feature numeric attributes."""
        self.crs = crs
        self.fields = dict(fields)
        self.lock = threading.RLock()
        self.n = 0
        self._cap = 0
        self.x = np.empty(0)
        self.y = np.empty(0)
        self.attrs: dict[str, np.ndarray] = {k: np.empty(0, dtype=dt) for k, (dt, _d) in self.fields.items()}
        self.ids: list = []
        self.props: list[dict] = []
        self.index: dict = {}
        self._pcrs: str | None = None
        self._px = np.empty(0)
        self._py = np.empty(0)
        self.version = 0

    def __len__(self) -> int:
        return self.n

    def __contains__(self, fid) -> bool:
        return fid in self.index

    def _grow(self, need: int) -> None:
        if need <= self._cap:
            return
        cap = max(64, self._cap * 2, need)

        def g(a, fill):
            b = np.full(cap, fill, dtype=a.dtype)
            b[: self.n] = a[: self.n]
            return b

        # replace (never resize in place): a render job may hold the old arrays
        self.x, self.y = g(self.x, np.nan), g(self.y, np.nan)
        self._px, self._py = g(self._px if len(self._px) else np.full(self._cap, np.nan), np.nan), \
            g(self._py if len(self._py) else np.full(self._cap, np.nan), np.nan)
        for k, (dt, d) in self.fields.items():
            self.attrs[k] = g(self.attrs[k].astype(dt), d)
        self._cap = cap

    def set_all(self, ids, x, y, attrs: dict | None = None, props: list[dict] | None = None) -> None:
        """Replace everything (bulk load)."""
        ids = list(ids)
        n = len(ids)
        with self.lock:
            self.n = 0
            self._cap = 0
            self.x = np.empty(0)
            self.y = np.empty(0)
            self._px = np.empty(0)
            self._py = np.empty(0)
            self.attrs = {k: np.empty(0, dtype=dt) for k, (dt, _d) in self.fields.items()}
            self._grow(n)
            self.x[:n] = np.asarray(x, dtype=np.float64)
            self.y[:n] = np.asarray(y, dtype=np.float64)
            for k, (dt, d) in self.fields.items():
                if attrs and k in attrs:
                    self.attrs[k][:n] = np.asarray(attrs[k], dtype=dt)
                else:
                    self.attrs[k][:n] = d
            self.ids = ids
            self.props = list(props) if props is not None else [{} for _ in range(n)]
            self.index = {fid: i for i, fid in enumerate(ids)}
            self.n = n
            self._pcrs = None
            self.version += 1

    def upsert(self, fid, x=None, y=None, props: dict | None = None, **attrs) -> int:
        """Insert or update one feature; returns its row."""
        with self.lock:
            i = self.index.get(fid)
            if i is None:
                i = self.n
                self._grow(i + 1)
                self.ids.append(fid)
                self.props.append({})
                self.index[fid] = i
                for k, (_dt, d) in self.fields.items():
                    self.attrs[k][i] = d
                self.x[i] = np.nan
                self.y[i] = np.nan
                self.n += 1
            if x is not None and y is not None:
                self.x[i] = float(x)
                self.y[i] = float(y)
                if self._pcrs is not None:
                    self._px[i], self._py[i] = transform_xy(float(x), float(y), self.crs, self._pcrs)
            for k, v in attrs.items():
                if v is not None and k in self.attrs:
                    self.attrs[k][i] = v
            if props:
                self.props[i] = {**self.props[i], **props}
            self.version += 1
            return i

    def remove(self, fid) -> bool:
        with self.lock:
            i = self.index.pop(fid, None)
            if i is None:
                return False
            last = self.n - 1
            # copy-on-write so that a worker holding a snapshot is unaffected
            self.x, self.y, self._px, self._py = self.x.copy(), self.y.copy(), self._px.copy(), self._py.copy()
            self.attrs = {k: v.copy() for k, v in self.attrs.items()}
            if i != last:
                for a in (self.x, self.y, self._px, self._py, *self.attrs.values()):
                    a[i] = a[last]
                self.ids[i] = self.ids[last]
                self.props[i] = self.props[last]
                self.index[self.ids[i]] = i
            self.ids.pop()
            self.props.pop()
            self.n -= 1
            self.version += 1
            return True

    def projected(self, crs: str):
        """(px, py, attrs, ids) copies of the live rows in ``crs`` (call from any thread)."""
        with self.lock:
            n = self.n
            if self._pcrs is None or not same_crs(self._pcrs, crs) or str(self._pcrs) != str(crs):
                px, py = transform_xy(self.x[:n], self.y[:n], self.crs, crs)
                self._px = np.full(self._cap, np.nan)
                self._py = np.full(self._cap, np.nan)
                self._px[:n], self._py[:n] = px, py
                self._pcrs = str(crs)
            return (self._px[:n].copy(), self._py[:n].copy(), {k: v[:n].copy() for k, v in self.attrs.items()},
                    list(self.ids))

    def extent(self, crs: str) -> tuple[float, float, float, float] | None:
        """Bounding box of the points with a position, in ``crs``; None when there are none."""
        x, y, _a, _i = self.projected(crs)
        ok = np.isfinite(x) & np.isfinite(y)
        if not ok.any():
            return None
        return (float(x[ok].min()), float(y[ok].min()), float(x[ok].max()), float(y[ok].max()))

    def near(self, viewport, px: float, py: float, radius_px: float) -> list[tuple[object, float, float, float]]:
        """(id, x, y, distance in px) of the points within ``radius_px`` of a pixel, nearest first;
        x, y in the viewport's CRS."""
        x, y, _a, ids = self.projected(viewport.crs)
        sx, sy = viewport.map_to_pixel(x, y)
        d = np.hypot(sx - px, sy - py)
        hits = np.flatnonzero(d <= radius_px)
        hits = hits[np.argsort(d[hits], kind="stable")]
        return [(ids[i], float(x[i]), float(y[i]), float(d[i])) for i in hits.tolist()]

    def within(self, extent, crs: str) -> list[tuple[object, float, float]]:
        """(id, x, y) of the points inside ``extent`` (xmin, ymin, xmax, ymax) of ``crs``."""
        x, y, _a, ids = self.projected(crs)
        hits = np.flatnonzero((x >= extent[0]) & (x <= extent[2]) & (y >= extent[1]) & (y <= extent[3]))
        return [(ids[i], float(x[i]), float(y[i])) for i in hits.tolist()]

    def get(self, fid) -> dict | None:
        with self.lock:
            i = self.index.get(fid)
            if i is None:
                return None
            # The layer's own attributes win over same-named properties (a case's "band" string).
            d = dict(self.props[i])
            d.update({"id": fid, "x": float(self.x[i]), "y": float(self.y[i])})
            d.update({k: v[i].item() for k, v in self.attrs.items()})
            return d
