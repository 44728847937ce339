"""Components of a city too big to hold in the client: only those around the view, from the server.

Beyond ``client_components_max()`` components (``OCC_CLIENT_COMPONENTS_MAX``, default 4,000,000) the
client does not read the city package's components layer; this layer asks the server's
``/api/ref/components`` bbox endpoint for the components around the view instead (the view plus a
margin, in lon/lat), whenever a render finds the view outside what it holds. It draws from
1:``dot_max_scale`` in, like the local layer's dots and symbols; farther out a city of millions is
not worth fetching point by point, so nothing is drawn there.

The request runs on the layer's own thread (a blocking ``load(bbox) -> {"columns": ..., "truncated"}``
such as ``ApiClient.components``); the new columns are swapped in on the GUI thread, then the layer
tells the canvas, which re-renders it.
"""
from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot

from app.map.crs import transform_xy
from app.map.viewport import Viewport

from .components import ComponentLayer

__all__ = ["ViewportComponentLayer", "client_components_max", "LONLAT"]

log = logging.getLogger(__name__)
LONLAT = "EPSG:4490"  # the server's component positions (CGCS2000 lon/lat)
MAX_BBOX_DEG = 0.5  # the endpoint's largest box


def client_components_max() -> int:
    """How many components the client holds itself before it loads them by viewport."""
    try:
        return int(os.environ.get("OCC_CLIENT_COMPONENTS_MAX", "4000000"))
    except ValueError:
        return 4_000_000


class _Inbox(QObject):
    """Runs a callable on the GUI thread (the layer itself is no QObject)."""

    arrived = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        app = QCoreApplication.instance()
        if app is not None and self.thread() is not app.thread():
            self.moveToThread(app.thread())  # made on a loading thread: deliver on the GUI thread
        self.arrived.connect(self.take, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def take(self, fn) -> None:
        fn()


class ViewportComponentLayer(ComponentLayer):
    def __init__(self, load: Callable[[tuple[float, float, float, float]], dict], *, margin: float = 0.5,
                 limit: int = 100_000, name: str = "部件", **kw):
        kw.pop("crs", None)
        super().__init__([], [], [], crs=LONLAT, name=name, **kw)
        self._load = load
        self.margin = margin
        self.limit = limit
        self.held: tuple[float, float, float, float] | None = None  # lon/lat box the columns cover
        self.truncated = False
        self.loads = 0
        self._pending: tuple | None = None
        self._plock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="components-load")
        self._inbox = _Inbox()
        self._classes: dict[str, int] = {}  # append-only: indices held by a running render stay valid

    def render(self, viewport: Viewport, cancel=None):
        if self.visible_at(viewport) and viewport.scale <= self.dot_max_scale * 1.0001:
            self.want(viewport)
        return super().render(viewport, cancel)

    def want(self, viewport: Viewport) -> bool:
        """Load the components around ``viewport`` unless they are held or on their way; True if asked."""
        box = _lonlat_box(viewport.extent, str(viewport.crs))
        with self._plock:
            for have in (self.held, self._pending):
                if have is not None and _contains(have, box):
                    return False
            w, h = box[2] - box[0], box[3] - box[1]
            m = self.margin
            want = (box[0] - w * m, box[1] - h * m, box[2] + w * m, box[3] + h * m)
            if want[2] - want[0] > MAX_BBOX_DEG or want[3] - want[1] > MAX_BBOX_DEG:
                want = box
            self._pending = want
        self._pool.submit(self._fetch, want)
        return True

    def _fetch(self, box) -> None:
        try:
            data = self._load(box)
        except Exception as e:  # noqa: BLE001 - the map keeps what it has; the next view asks again
            log.warning("components around the view could not be loaded: %s", e)
            with self._plock:
                if self._pending == box:
                    self._pending = None
            return
        c = data.get("columns") or {}
        x = np.asarray(c.get("lon") or [], dtype=np.float64)
        y = np.asarray(c.get("lat") or [], dtype=np.float64)
        codes = [str(v) for v in (c.get("class_code") or [])]
        ids = [str(v) for v in (c.get("id") or [])]
        self._inbox.arrived.emit(lambda: self._swap(box, x, y, codes, ids, bool(data.get("truncated"))))

    def _swap(self, box, x, y, codes, ids, truncated: bool) -> None:
        for code in codes:
            self._classes.setdefault(code, len(self._classes))
        cls = np.fromiter((self._classes[k] for k in codes), dtype=np.int16, count=len(codes))
        table = np.array(list(self._classes), dtype=str) if self._classes else np.array([], dtype=str)
        with self._plock:
            if self._pending == box:
                self._pending = None
            self.held, self.truncated = box, truncated
            self.loads += 1
        self.set_columns(x, y, cls, table, ids or None)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _lonlat_box(extent, crs: str) -> tuple[float, float, float, float]:
    xmin, ymin, xmax, ymax = extent
    t = np.linspace(0.0, 1.0, 9)
    xs = np.concatenate([xmin + (xmax - xmin) * t, np.full_like(t, xmax), xmin + (xmax - xmin) * t, np.full_like(t, xmin)])
    ys = np.concatenate([np.full_like(t, ymin), ymin + (ymax - ymin) * t, np.full_like(t, ymax), ymin + (ymax - ymin) * t])
    lon, lat = transform_xy(xs, ys, crs, LONLAT)
    return float(np.nanmin(lon)), float(np.nanmin(lat)), float(np.nanmax(lon)), float(np.nanmax(lat))


def _contains(outer, inner) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and outer[2] >= inner[2] and outer[3] >= inner[3]
