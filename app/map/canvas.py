"""MapCanvas: the map widget. It navigates and composes; rendering belongs to its RenderScheduler
(render_scheduler.py: jobs, their threads and lifetime) and images to its RenderCache
(render_cache.py), as QgsMapCanvas / QgsMapRendererParallelJob / QgsMapRendererCache in QGIS.

How a frame is made (after QGIS's map canvas and napari):

- every layer has its own cached QImage (in the RenderCache), rendered by ``layer.render(viewport,
  cancel)`` on the scheduler's render threads, together with the viewport it was rendered for;
- the GUI thread composes the cached images into one *frame* image for the current viewport; an
  image rendered for another viewport (the user panned or zoomed since) is drawn moved and scaled,
  so dragging and wheel-zooming never show a blank or flashing map;
- while the user drags or wheel-zooms nothing is rendered: ``paintEvent`` draws the frame moved or
  scaled (one drawImage); re-rendering starts when the interaction pauses (debounce);
- a layer that changes (a case update) re-renders alone, and its new image is composed with the
  others' cached ones; a layer flagged ``volatile`` (cases, inspectors, selection) never forces the
  static layers below it to be re-composed: consecutive static layers are composed once into a
  group image;
- while a render pass runs, the layer images it delivers wait in the cache and the frame is
  composed once at its end, or after a quarter second for a slow pass (frame_pacer.py);
- each render job carries a generation number; results older than what is shown are dropped, and
  jobs made stale by a viewport change are cancelled (their cancel flag is set);
- closing (or deleting) the canvas closes its scheduler: no timer, rerun or late result starts a job
  after that, and layer callbacks (a tile arriving on a fetch thread) no longer reach the widget.

Signals: ``cursorMoved(x, y)`` (canvas CRS), ``scaleChanged(denominator)``,
``extentChanged(xmin, ymin, xmax, ymax)``, ``crsChanged(str)``, ``renderStarted()``,
``renderFinished(seconds)``, ``layerRendered(name, seconds)``, ``layersChanged()``,
``toolChanged(object)``.
"""
from __future__ import annotations

import math
import time
from concurrent.futures import Executor
from typing import Callable

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QWidget
import shiboken6

from app.layers.base import Feature, Layer

from .crs import transform_xy
from .overlays import OverlaySprites, paint_attribution, paint_north_arrow, paint_scale_bar
from .compose import compose_frame
from .frame_pacer import FramePacer
from .render_cache import RenderCache
from .render_scheduler import RenderScheduler
from .viewport import Viewport

__all__ = ["MapCanvas", "STANDARD_SCALES"]

STANDARD_SCALES = (500, 1000, 2000, 5000, 10000, 25000, 50000, 100000, 250000)
BACKGROUND = QColor(242, 239, 233)


class MapCanvas(QWidget):
    cursorMoved = Signal(float, float)
    scaleChanged = Signal(float)
    extentChanged = Signal(float, float, float, float)
    crsChanged = Signal(str)
    renderStarted = Signal()
    renderFinished = Signal(float)
    layerRendered = Signal(str, float)
    layersChanged = Signal()
    toolChanged = Signal(object)
    frameReady = Signal()  # a new composed frame (one per layer image accepted)

    _layerEvent = Signal(object, str)  # marshals layer callbacks to the GUI thread

    def __init__(self, parent: QWidget | None = None, *, crs: str = "EPSG:4527", dpi: float | None = None,
                 background: QColor | None = None, threads: int | None = None, settle_ms: int = 160,
                 clock: Callable[[], float] | None = None, timer_factory: Callable[[object], object] | None = None,
                 executor: Executor | None = None):
        """``clock`` (seconds, monotonic), ``timer_factory(parent)`` (a single-shot QTimer-like object)
        and ``executor`` replace wall time, Qt timers and the render threads (tests drive them)."""
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setMinimumSize(64, 64)
        self._clock = clock or time.monotonic
        self._fixed_dpi = dpi
        self._vp = Viewport(crs=crs, cx=0.0, cy=0.0, mupp=1.0, width=max(self.width(), 1),
                            height=max(self.height(), 1), dpi=dpi or 96.0)
        self._has_view = False
        self.background = QColor(background) if background is not None else QColor(BACKGROUND)
        self._layers: list[Layer] = []
        self._cache = RenderCache()
        self._scheduler = RenderScheduler(lambda: self._vp if self._has_view else None, threads=threads,
                                          settle_ms=settle_ms, executor=executor,
                                          timer=timer_factory(None) if timer_factory else None,
                                          clock=clock or time.perf_counter)
        self._scheduler.imageReady.connect(self._on_image)
        # while a pass renders, its images wait in the cache: one frame at its end (frame_pacer.py)
        self._pacer = FramePacer(self._clock, timer_factory(self) if timer_factory else QTimer(self), parent=self)
        self._pacer.compose.connect(self._frame_changed)
        self._scheduler.renderStarted.connect(self._pacer.pass_started)
        self._scheduler.renderFinished.connect(self._pacer.pass_finished)
        self._scheduler.renderStarted.connect(self.renderStarted)
        self._scheduler.renderFinished.connect(self.renderFinished)
        # A widget deleted without being closed (its window went away) stops rendering too. The slot
        # belongs to the scheduler, which outlives the widget's C++ side.
        self.destroyed.connect(self._scheduler.close)
        self._layerEvent.connect(self._on_layer_event, Qt.ConnectionType.QueuedConnection)
        self._frame: QImage | None = None
        self._frame_vp: Viewport | None = None
        self._frame_dirty = True
        self._anim = QTimer(self)
        self._anim.setInterval(33)
        self._anim.timeout.connect(self._on_anim)
        self._anim_t0 = self._clock()
        self._zoom_anim = timer_factory(self) if timer_factory else QTimer(self)
        self._zoom_anim.setInterval(15)
        self._zoom_anim.timeout.connect(self._on_zoom_anim)
        self._zoom_from: Viewport | None = None
        self._zoom_to: Viewport | None = None
        self._zoom_t0 = 0.0
        self.zoom_animation_ms = 200.0
        self.show_scale_bar = True
        self.show_north_arrow = True
        self.show_attribution = True
        self.identify_tolerance_px = 6.0
        self.frames_painted = 0
        self._overlay_sprites = OverlaySprites()
        self.last_render_times: dict[str, float] = {}
        self._closed = False
        self._tool = None
        from .tools.pan import PanTool

        self.set_tool(PanTool(self))

    @property
    def render_cache(self) -> RenderCache:
        return self._cache

    @property
    def scheduler(self) -> RenderScheduler:
        return self._scheduler

    # ================================================================== layers
    def layers(self) -> list[Layer]:
        """Layers bottom to top."""
        return list(self._layers)

    def layer(self, name: str) -> Layer | None:
        return next((l for l in self._layers if l.name == name or l.uid == name), None)

    def add_layer(self, layer: Layer, index: int | None = None, zoom: bool | None = None) -> Layer:
        """Add a layer (on top, or at ``index`` counting from the bottom)."""
        if layer in self._layers:
            return layer
        if index is None:
            self._layers.append(layer)
        else:
            self._layers.insert(index, layer)
        self._scheduler.track(layer)
        self._scheduler.set_order(self._layers)
        layer.changed.connect(self._layer_callback)
        if (zoom or (zoom is None and not self._has_view)) and layer.extent(self._vp.crs) is not None:
            self.zoom_to_extent(layer.extent(self._vp.crs), render=False)
        self._frame_dirty = True
        self._scheduler.request(layer)
        self.layersChanged.emit()
        return layer

    def remove_layer(self, layer: Layer) -> None:
        if layer not in self._layers:
            return
        self._scheduler.untrack(layer)
        layer.changed.disconnect(self._layer_callback)
        self._layers.remove(layer)
        self._cache.remove(layer.uid)
        self._frame_dirty = True
        self.update()
        self.layersChanged.emit()

    def move_layer(self, layer: Layer, index: int) -> None:
        self._layers.remove(layer)
        self._layers.insert(index, layer)
        self._scheduler.set_order(self._layers)
        self._cache.clear_groups()
        self._frame_dirty = True
        self.update()
        self.layersChanged.emit()

    def clear_layers(self) -> None:
        for l in list(self._layers):
            self.remove_layer(l)

    def _layer_callback(self, layer: Layer, what: str) -> None:
        # may run on any thread (a tile arriving): hop to the GUI thread (queued), unless the widget
        # is gone or closed -- then there is nobody to tell
        if self._closed or not shiboken6.isValid(self):
            return
        try:
            self._layerEvent.emit(layer, what)
        except RuntimeError:  # deleted between the check and the emit
            pass

    def _on_layer_event(self, layer: Layer, what: str) -> None:
        if layer not in self._layers or self._closed:
            return
        if what in ("opacity", "visibility"):
            self._cache.clear_groups()
            self._frame_dirty = True
        if what == "opacity":
            self.update()
            return
        self._scheduler.request(layer, coalesce=True)

    # ================================================================== viewport
    @property
    def viewport(self) -> Viewport:
        return self._vp

    @property
    def crs(self) -> str:
        return self._vp.crs

    @property
    def scale(self) -> float:
        return self._vp.scale

    def extent(self) -> tuple[float, float, float, float]:
        return self._vp.extent

    def screen_dpi(self) -> float:
        if self._fixed_dpi:
            return float(self._fixed_dpi)
        scr = self.screen()
        if scr is not None:
            d = float(scr.physicalDotsPerInch())
            if 72.0 <= d <= 400.0:
                return d
        return 96.0

    def set_viewport(self, vp: Viewport, render: bool = True, delay_ms: int | None = None) -> None:
        old = self._vp
        vp = vp.with_size(max(self.width(), 1), max(self.height(), 1)).with_dpr(self.devicePixelRatioF())
        if vp.dpi != self.screen_dpi():
            vp = vp.with_dpi(self.screen_dpi())
        self._vp = vp
        self._has_view = True
        self.update()
        if vp.key() == old.key():
            return
        if str(vp.crs) != str(old.crs):
            self._cache.drop_unplaceable(vp)
            self._frame = None
            self.crsChanged.emit(str(vp.crs))
        if abs(vp.scale - old.scale) > 1e-9 * max(vp.scale, 1):
            self.scaleChanged.emit(vp.scale)
        self.extentChanged.emit(*vp.extent)
        if render:
            self.refresh(delay_ms=delay_ms)

    def set_crs(self, crs: str) -> None:
        """Change the display CRS, keeping the same place and about the same scale."""
        from dataclasses import replace

        if not self._has_view:  # nothing shown yet: no place to keep
            self._vp = replace(self._vp, crs=str(crs))
            self._cache.clear_groups()
            self.crsChanged.emit(str(crs))
            return
        self.set_viewport(self._vp.to_crs(str(crs)), delay_ms=0)

    def zoom_to_extent(self, extent, crs: str | None = None, margin: float = 0.03, render: bool = True,
                       animate: bool = False) -> None:
        if extent is None:
            return
        if crs is not None and str(crs) != str(self._vp.crs):
            extent = _reproject_extent(extent, crs, self._vp.crs)
        vp = self._vp.with_size(max(self.width(), 1), max(self.height(), 1)).fit(extent, margin)
        self._go(vp, animate, render)

    def zoom_full(self, animate: bool = False) -> None:
        """Zoom to all layers."""
        boxes = [l.extent(self._vp.crs) for l in self._layers if l.visible]
        boxes = [b for b in boxes if b is not None and all(math.isfinite(v) for v in b)]
        if boxes:
            self.zoom_to_extent((min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                                 max(b[3] for b in boxes)), animate=animate)

    def zoom_to_scale(self, scale: float, anchor_px: tuple[float, float] | None = None, animate: bool = False) -> None:
        """Zoom to 1:``scale`` (e.g. 500), around the centre or the pixel ``anchor_px``."""
        self._go(self._vp.with_scale(scale, anchor_px), animate)

    def zoom_by(self, factor: float, anchor_px: tuple[float, float] | None = None, animate: bool = False,
                delay_ms: int | None = None) -> None:
        self._go(self._vp.zoomed(factor, anchor_px), animate, delay_ms=delay_ms)

    def zoom_in(self) -> None:
        self.zoom_by(2.0, animate=True)

    def zoom_out(self) -> None:
        self.zoom_by(0.5, animate=True)

    def pan_by_pixels(self, dx: float, dy: float, render: bool = True, delay_ms: int | None = None) -> None:
        self.set_viewport(self._vp.panned(dx, dy), render=render, delay_ms=delay_ms)

    def center_on(self, x: float, y: float, crs: str | None = None, scale: float | None = None,
                  animate: bool = False) -> None:
        if crs is not None:
            x, y = transform_xy(x, y, crs, self._vp.crs)
        vp = self._vp.with_center(x, y)
        if scale:
            vp = vp.with_scale(scale)
        self._go(vp, animate)

    def _go(self, vp: Viewport, animate: bool, render: bool = True, delay_ms: int | None = None) -> None:
        if animate and self.isVisible() and self._has_view:
            self._zoom_from, self._zoom_to = self._vp, vp
            self._zoom_t0 = self._clock()
            self._zoom_anim.start()
        else:
            self._zoom_anim.stop()
            self.set_viewport(vp, render=render, delay_ms=0 if delay_ms is None else delay_ms)

    def _on_zoom_anim(self) -> None:
        a, b = self._zoom_from, self._zoom_to
        if a is None or b is None:
            self._zoom_anim.stop()
            return
        t = min(1.0, (self._clock() - self._zoom_t0) * 1000.0 / max(self.zoom_animation_ms, 1e-9))
        e = 1 - (1 - t) ** 3  # ease out
        mupp = math.exp(math.log(a.mupp) + (math.log(b.mupp) - math.log(a.mupp)) * e)
        vp = Viewport(crs=b.crs, cx=a.cx + (b.cx - a.cx) * e, cy=a.cy + (b.cy - a.cy) * e, mupp=mupp,
                      width=b.width, height=b.height, dpi=b.dpi, dpr=b.dpr)
        if t >= 1.0:
            self._zoom_anim.stop()
            self.set_viewport(b, render=True, delay_ms=0)
        else:
            self.set_viewport(vp, render=False)

    # ================================================================== rendering
    def refresh(self, layers: list[Layer] | None = None, delay_ms: int | None = None) -> None:
        """Re-render (all layers, or ``layers``) after ``delay_ms`` (default: the settle delay)."""
        if layers is not None:
            for l in layers:
                self._scheduler.request(l)
            return
        self._scheduler.schedule(delay_ms)

    def _on_image(self, uid: str, img: QImage, vp: Viewport, gen: int, secs: float) -> None:
        layer = next((l for l in self._layers if l.uid == uid), None)
        if layer is None or self._closed or not self._cache.put(uid, img, vp, gen):
            return
        self.last_render_times[layer.name] = secs
        self.layerRendered.emit(layer.name, secs)
        if self._pacer.image_arrived():
            self._frame_changed()

    def _frame_changed(self) -> None:
        if not self._closed:
            self._frame_dirty = True
            self.update()

    def is_rendering(self) -> bool:
        return self._scheduler.is_busy()

    def wait_for_render(self, timeout: float = 10.0) -> bool:
        """Process events until every layer has rendered the current viewport (tests, benchmarks)."""
        from PySide6.QtCore import QCoreApplication, QEventLoop

        t_end = time.monotonic() + timeout
        self._scheduler.flush()
        while time.monotonic() < t_end:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            if not self.is_rendering():
                QCoreApplication.processEvents()
                if not self.is_rendering():
                    return True
            else:
                time.sleep(0.001)
        return False

    # ================================================================== composition
    def _compose_frame(self) -> None:
        vp = self._vp
        w, h = vp.device_size
        if self._frame is None or self._frame.width() != w or self._frame.height() != h:
            self._frame = QImage(w, h, QImage.Format.Format_RGB32)
        compose_frame(self._frame, self._cache, self._layers, vp, self.background)
        self._frame_vp = vp
        self._frame_dirty = False
        self.frameReady.emit()

    def compose_image(self) -> QImage:
        """The current frame with overlays, as a QImage (for export / printing)."""
        self._compose_frame()
        img = self._frame.copy()
        p = QPainter(img)
        self._paint_overlays(p)
        p.end()
        return img

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        vp = self._vp
        if self._frame_dirty or self._frame is None or self._frame_vp is None:
            self._compose_frame()
        tr = vp.image_transform_from(self._frame_vp)
        if tr is not None and not (abs(tr[0] - 1) < 1e-9 and abs(tr[1]) < 1e-9 and abs(tr[2]) < 1e-9):
            s, dx, dy = tr
            fw, fh = self._frame_vp.width * s, self._frame_vp.height * s
            p.fillRect(self.rect(), self.background)
            p.drawImage(QRectF(dx, dy, fw, fh), self._frame)
        else:
            p.drawImage(QPointF(0, 0), self._frame)
        self._paint_overlays(p)
        p.end()
        self.frames_painted += 1

    def _paint_overlays(self, p: QPainter) -> None:
        vp = self._vp
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        t = self._clock() - self._anim_t0
        animating = False
        for l in self._layers:
            if l.visible and l.has_animation(vp):
                animating = True
                l.paint_animation(p, vp, t)
        if animating and not self._anim.isActive():
            self._anim.start()
        elif not animating and self._anim.isActive():
            self._anim.stop()
        if self._tool is not None:
            self._tool.paint(p)
        # drawn once per view into images: a playback frame blits them
        sprites, w, h = self._overlay_sprites, float(vp.width), float(vp.height)
        if self.show_scale_bar:
            sprites.paint(p, ("scale", vp.scale, vp.metres_per_pixel), QRectF(0, h - 100, min(w, 480), 100),
                          lambda q: paint_scale_bar(q, vp))
        if self.show_north_arrow:
            sprites.paint(p, "north", QRectF(max(0.0, w - 100), 0, min(w, 100), 100),
                          lambda q: paint_north_arrow(q, vp))
        if self.show_attribution:
            texts = [l.attribution for l in self._layers if l.attribution and l.visible_at(vp)]
            if texts:
                sprites.paint(p, ("attribution", tuple(texts)), QRectF(0, h - 40, w, 40),
                              lambda q: paint_attribution(q, vp, texts))

    def _on_anim(self) -> None:
        if self._pacer.animation_may_tick():
            self.update()

    # ================================================================== queries
    def map_to_pixel(self, x: float, y: float) -> tuple[float, float]:
        return self._vp.map_to_pixel(x, y)

    def pixel_to_map(self, px: float, py: float) -> tuple[float, float]:
        return self._vp.pixel_to_map(px, py)

    def identify_at(self, px: float, py: float, tolerance_px: float | None = None,
                    layers: list[Layer] | None = None) -> list[Feature]:
        """Features under the pixel from every visible layer, top layer first."""
        tol = self.identify_tolerance_px if tolerance_px is None else tolerance_px
        out: list[Feature] = []
        for l in reversed(layers or self._layers):
            if l.visible_at(self._vp):
                out.extend(l.identify(self._vp, px, py, tol))
        return out

    def select_in_rect(self, rect_px: QRectF, layers: list[Layer] | None = None) -> dict[str, list[Feature]]:
        """Features inside a pixel rectangle, per layer name."""
        x0, y0 = self._vp.pixel_to_map(rect_px.left(), rect_px.bottom())
        x1, y1 = self._vp.pixel_to_map(rect_px.right(), rect_px.top())
        return self.select_in_extent((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), layers)

    def select_in_extent(self, extent, layers: list[Layer] | None = None) -> dict[str, list[Feature]]:
        out = {}
        for l in layers or self._layers:
            if l.visible_at(self._vp):
                got = l.select_in_extent(extent, self._vp.crs)
                if got:
                    out[l.name] = got
        return out

    # ================================================================== tools and input
    @property
    def tool(self):
        return self._tool

    def set_tool(self, tool) -> None:
        if tool is self._tool:
            return
        if self._tool is not None:
            self._tool.deactivate()
        self._tool = tool
        if tool is not None:
            tool.activate()
            self.setCursor(tool.cursor)
        self.update()
        self.toolChanged.emit(tool)

    def begin_interaction(self) -> None:
        """While the user drags: no rendering, the cached frame follows the mouse."""
        self._scheduler.suspend()

    def end_interaction(self, delay_ms: int = 0, render: bool = True) -> None:
        """The drag is over: render after ``delay_ms`` (``render=False``: the caller moves the view next,
        which renders)."""
        self._scheduler.resume(delay_ms, render=render)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.set_viewport(self._vp, render=self._has_view, delay_ms=120)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.set_viewport(self._vp, render=self._has_view, delay_ms=0)

    def mousePressEvent(self, e) -> None:  # noqa: N802
        if self._tool is not None:
            self._tool.mouse_press(e)

    def mouseMoveEvent(self, e) -> None:  # noqa: N802
        pos = e.position()
        x, y = self._vp.pixel_to_map(pos.x(), pos.y())
        self.cursorMoved.emit(x, y)
        if self._tool is not None:
            self._tool.mouse_move(e)

    def mouseReleaseEvent(self, e) -> None:  # noqa: N802
        if self._tool is not None:
            self._tool.mouse_release(e)

    def mouseDoubleClickEvent(self, e) -> None:  # noqa: N802
        if self._tool is not None and self._tool.mouse_double_click(e):
            return
        pos = e.position()
        self.zoom_by(2.0, (pos.x(), pos.y()), animate=True)

    def wheelEvent(self, e) -> None:  # noqa: N802
        steps = e.angleDelta().y() / 120.0
        if steps == 0:
            steps = e.pixelDelta().y() / 60.0
        if steps == 0:
            return
        pos = e.position()
        self.zoom_by(2 ** (steps / 2), (pos.x(), pos.y()), delay_ms=self._scheduler.settle_ms)
        e.accept()

    def keyPressEvent(self, e) -> None:  # noqa: N802
        if self._tool is not None and self._tool.key_press(e):
            return
        k = e.key()
        step_x, step_y = self.width() / 4, self.height() / 4
        moves = {Qt.Key.Key_Left: (step_x, 0), Qt.Key.Key_Right: (-step_x, 0), Qt.Key.Key_Up: (0, step_y),
                 Qt.Key.Key_Down: (0, -step_y)}
        if k in moves:
            self.pan_by_pixels(*moves[k], delay_ms=120)
        elif k in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif k == Qt.Key.Key_Minus:
            self.zoom_out()
        elif k == Qt.Key.Key_Home:
            self.zoom_full(animate=True)
        else:
            super().keyPressEvent(e)

    def closeEvent(self, e) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(e)

    def shutdown(self) -> None:
        """Stop for good: no more renders, animations or layer callbacks (closeEvent calls it)."""
        if self._closed:
            return
        self._closed = True
        self._zoom_anim.stop()
        self._anim.stop()
        self._pacer.stop()
        self._scheduler.close()
        for l in self._layers:
            l.changed.disconnect(self._layer_callback)

    @property
    def closed(self) -> bool:
        return self._closed


def _reproject_extent(extent, src: str, dst: str):
    """A box in ``src`` as the bounding box of its densified edges in ``dst``."""
    import numpy as np

    xmin, ymin, xmax, ymax = extent
    t = np.linspace(0.0, 1.0, 17)
    xs = np.concatenate([xmin + (xmax - xmin) * t, np.full_like(t, xmax), xmin + (xmax - xmin) * t,
                         np.full_like(t, xmin)])
    ys = np.concatenate([np.full_like(t, ymin), ymin + (ymax - ymin) * t, np.full_like(t, ymax),
                         ymin + (ymax - ymin) * t])
    ox, oy = transform_xy(xs, ys, src, dst)
    return (float(np.nanmin(ox)), float(np.nanmin(oy)), float(np.nanmax(ox)), float(np.nanmax(oy)))
