"""The layer model: data + style + change events, and a render method that runs on a worker thread.

A layer is a plain Python object (no widgets, no QObject). The canvas listens to ``layer.changed``
and calls ``layer.render(viewport, cancel)`` from a QThreadPool worker; ``render`` returns a QImage
(QImage and QPainter are safe off the GUI thread, QPixmap is not) or None when cancelled.

Subclasses implement ``draw(painter, viewport, cancel)`` (QPainter work in logical pixels) or
override ``render`` entirely (e.g. to rasterise with numpy). They may also implement ``identify``,
``select_in_extent`` and ``extent``.

Thread rules: the GUI thread mutates a layer; a worker renders it. Mutations that change array
sizes replace the arrays (the worker keeps the old ones); in-place updates take ``self.lock``, and
``render`` reads a snapshot under the same lock.
"""
from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtGui import QImage, QPainter

from app.map.painting import new_image
from app.map.viewport import Viewport

from .events import Event

__all__ = ["Layer", "Feature", "CancelFlag", "OSM_ATTRIBUTION"]

OSM_ATTRIBUTION = "© OpenStreetMap contributors"

_ids = itertools.count(1)


class CancelFlag(threading.Event):
    """Set by the canvas when a render job became stale; layers poll ``is_set()``."""


@dataclass
class Feature:
    """One feature found by identify / select: which layer, which kind, its id and properties."""

    layer: str
    kind: str  # "grid", "responsibility_grid", "component", "case", "inspector", "camera", ...
    id: Any
    properties: dict = field(default_factory=dict)
    geometry: Any = None  # shapely geometry in the canvas CRS, when known
    distance_px: float = 0.0


class Layer:
    """Base class of every map layer.

    Parameters
    ----------
    name: shown in the layer panel; also the ``Feature.layer`` of what identify returns.
    crs: the CRS of the layer's data (the canvas reprojects when it differs).
    visible, opacity: as in any GIS.
    min_scale: most zoomed-out scale denominator at which the layer draws (None = always), e.g.
        5000 means "only at 1:5000 and larger". max_scale: most zoomed-in (None = always).
    attribution: text the canvas shows in its corner while the layer is visible (e.g. OSM).
    volatile: the layer changes often (cases, inspectors): the canvas keeps its image apart from
        the composed static layers so that it re-renders and re-composes alone.
    """

    kind = "layer"

    def __init__(self, name: str, *, crs: str = "EPSG:4527", visible: bool = True, opacity: float = 1.0,
                 min_scale: float | None = None, max_scale: float | None = None,
                 attribution: str | None = None, volatile: bool = False):
        self.uid = f"{type(self).__name__}-{next(_ids)}"
        self.name = name
        self.crs = crs
        self._visible = visible
        self._opacity = float(opacity)
        self.min_scale = min_scale
        self.max_scale = max_scale
        self.attribution = attribution
        self.volatile = volatile
        self.changed = Event()  # callback(layer, what) with what in data / style / visibility
        self.lock = threading.RLock()
        self.revision = 0  # bumped on every change, lets the canvas skip stale results

    # ------------------------------------------------------------------ state
    @property
    def visible(self) -> bool:
        return self._visible

    @visible.setter
    def visible(self, value: bool) -> None:
        if bool(value) != self._visible:
            self._visible = bool(value)
            self.notify("visibility")

    @property
    def opacity(self) -> float:
        return self._opacity

    @opacity.setter
    def opacity(self, value: float) -> None:
        value = min(1.0, max(0.0, float(value)))
        if value != self._opacity:
            self._opacity = value
            self.notify("opacity")

    def set_scale_range(self, min_scale: float | None, max_scale: float | None) -> None:
        self.min_scale, self.max_scale = min_scale, max_scale
        self.notify("style")

    def notify(self, what: str = "data") -> None:
        """Tell listeners (the canvas, docks) that the layer changed."""
        self.revision += 1
        self.changed.emit(self, what)

    def visible_at(self, viewport: Viewport) -> bool:
        if not self._visible:
            return False
        s = viewport.scale
        if self.min_scale is not None and s > self.min_scale * 1.0001:
            return False
        if self.max_scale is not None and s < self.max_scale * 0.9999:
            return False
        return True

    @property
    def is_osm(self) -> bool:
        return bool(self.attribution) and "openstreetmap" in self.attribution.lower()

    # ------------------------------------------------------------------ rendering
    def render(self, viewport: Viewport, cancel: threading.Event | None = None) -> QImage | None:
        """Render for ``viewport``; runs on a worker thread. None if cancelled."""
        cancel = cancel or CancelFlag()
        img = new_image(viewport)
        if not self.visible_at(viewport):
            return img
        p = QPainter(img)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
            self.draw(p, viewport, cancel)
        finally:
            p.end()
        if cancel.is_set():
            return None
        return img

    def draw(self, painter: QPainter, viewport: Viewport, cancel: threading.Event) -> None:
        """Paint the layer in logical pixel coordinates. Subclasses override."""

    # ------------------------------------------------------------------ animation (GUI thread)
    def has_animation(self, viewport: Viewport) -> bool:
        """True while the layer wants ``paint_animation`` called every frame (e.g. pulsing cases)."""
        return False

    def paint_animation(self, painter: QPainter, viewport: Viewport, t: float) -> None:
        """Paint the animated part over the cached image, on the GUI thread; keep it cheap."""

    # ------------------------------------------------------------------ queries
    def extent(self, crs: str | None = None) -> tuple[float, float, float, float] | None:
        return None

    def identify(self, viewport: Viewport, px: float, py: float, tolerance_px: float = 6.0) -> list[Feature]:
        """Features under pixel (px, py), nearest first."""
        return []

    def select_in_extent(self, extent, crs: str) -> list[Feature]:
        """Features inside the map rectangle ``extent`` (in ``crs``)."""
        return []

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"
