"""The canvas's render scheduler (after QGIS's QgsMapRendererParallelJob and the canvas's refresh
timer): it owns the render jobs and their lifetime.

- ``request(layer, vp)`` starts one layer's render on the render threads; a job made stale by a
  newer request is cancelled (its flag set), and its result, if it still comes, is dropped by
  generation number;
- ``coalesce=True`` (a data change) lets a running job for the same view finish and runs once more;
- ``schedule(delay_ms)`` re-renders every layer once the view has settled (one settle timer);
  ``suspend()`` / ``resume()`` hold rendering while the user drags;
- every finished image goes out through ``imageReady(uid, image, viewport, gen, seconds)`` on the
  GUI thread, a whole pass ends with ``renderFinished(seconds)``.

Lifetime: ``close()`` stops the settle timer, forgets every rerun flag, cancels the running jobs,
disconnects their results and shuts the pool down. After it nothing starts, and a result that
arrives late is dropped: a closed canvas never submits to a dead pool. The owner calls ``close()``
from its closeEvent and when it is destroyed.

The settle timer, the clock and the executor can be injected (tests drive them by hand).
"""
from __future__ import annotations

import logging
import os
import time
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from app.layers.base import CancelFlag, Layer

from .viewport import Viewport

__all__ = ["RenderScheduler"]

log = logging.getLogger(__name__)


class _Bridge(QObject):
    done = Signal(object)  # (uid, gen, viewport, image|None, seconds, error)


class _Job:
    """One layer render for one viewport, run on a render thread."""

    def __init__(self, layer: Layer, viewport: Viewport, gen: int, cancel: CancelFlag, bridge: _Bridge,
                 clock: Callable[[], float]):
        self.layer, self.viewport, self.gen, self.cancel, self.bridge = layer, viewport, gen, cancel, bridge
        self.clock = clock

    def run(self) -> None:
        t0 = self.clock()
        img = err = None
        try:
            if not self.cancel.is_set():
                img = self.layer.render(self.viewport, self.cancel)
        except Exception as e:  # a failing layer must not take the canvas down
            err = e
        secs = self.clock() - t0
        try:
            self.bridge.done.emit((self.layer.uid, self.gen, self.viewport, img, secs, err))
        except RuntimeError:  # the bridge's C++ side is gone: nobody is listening any more
            pass


@dataclass
class _Slot:
    layer: Layer
    gen: int = 0  # generation of the latest job started
    running: CancelFlag | None = None
    running_vp: Viewport | None = None
    rerun: bool = False


class RenderScheduler(QObject):
    imageReady = Signal(str, object, object, int, float)  # uid, image, viewport, gen, seconds
    renderStarted = Signal()
    renderFinished = Signal(float)

    def __init__(self, view: Callable[[], Viewport | None], *, threads: int | None = None, settle_ms: int = 160,
                 executor: Executor | None = None, timer=None, clock: Callable[[], float] = time.perf_counter,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._view = view  # the viewport to render now (None while there is no view)
        self._clock = clock
        # Python threads, not a QThreadPool: PySide gives a QThreadPool thread a fresh Python thread
        # state per job, which drops pyproj's per-thread PROJ context under it (pyproj #1509).
        self._pool = executor or ThreadPoolExecutor(max_workers=threads or max(2, min(6, os.cpu_count() or 2)),
                                                    thread_name_prefix="map-render")
        self._bridge = _Bridge()
        self._bridge.done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        if timer is None:
            timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(settle_ms)
        timer.timeout.connect(self.render_all)
        self._settle = timer
        self._slots: dict[str, _Slot] = {}
        self._order: list[str] = []
        self._gen = 0
        self._suspended = False
        self._closed = False
        self._pass_t0: float | None = None
        self._pass_pending: set[str] = set()

    # ------------------------------------------------------------------ layers
    def track(self, layer: Layer) -> None:
        if layer.uid not in self._slots:
            self._slots[layer.uid] = _Slot(layer)
            self._order.append(layer.uid)

    def untrack(self, layer: Layer) -> None:
        slot = self._slots.pop(layer.uid, None)
        if slot is None:
            return
        self._order.remove(layer.uid)
        if slot.running is not None:
            slot.running.set()
        self._pass_pending.discard(layer.uid)

    def set_order(self, layers: list[Layer]) -> None:
        self._order = [l.uid for l in layers if l.uid in self._slots]

    # ------------------------------------------------------------------ scheduling
    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def settle_timer(self):
        return self._settle

    @property
    def settle_ms(self) -> int:
        return self._settle.interval()

    def schedule(self, delay_ms: int | None = None) -> None:
        """Re-render every layer after ``delay_ms`` (default: the settle delay); 0 = now."""
        if self._closed:
            return
        if delay_ms == 0:
            self._settle.stop()
            self.render_all()
        else:
            self._settle.start(self._settle.interval() if delay_ms is None else delay_ms)

    def render_all(self) -> None:
        if self._closed:
            return
        if self._suspended:
            self._settle.start(self._settle.interval())
            return
        self._pass_t0 = self._clock()
        self._pass_pending = set()
        self.renderStarted.emit()
        for uid in list(self._order):
            self.request(self._slots[uid].layer, in_pass=True)
        if not self._pass_pending:
            self._finish_pass()

    def flush(self) -> None:
        """Start a pending settle at once (tests, benchmarks)."""
        if self._settle.isActive():
            self._settle.stop()
            self.render_all()

    def suspend(self) -> None:
        """While the user drags: nothing renders."""
        self._suspended = True
        self._settle.stop()

    def resume(self, delay_ms: int | None = 0, render: bool = True) -> None:
        self._suspended = False
        if render:
            self.schedule(delay_ms)

    @property
    def suspended(self) -> bool:
        return self._suspended

    def request(self, layer: Layer, coalesce: bool = False, in_pass: bool = False) -> None:
        """Render ``layer`` for the current view now (cancelling a stale job of it)."""
        slot = self._slots.get(layer.uid)
        vp = self._view()
        if self._closed or slot is None or vp is None:
            return
        if slot.running is not None:
            if coalesce and slot.running_vp is not None and slot.running_vp.key() == vp.key():
                slot.rerun = True  # a data change: let the running job finish, then run once more
                return
            slot.running.set()  # stale: cancel
        slot.gen = self._gen = self._gen + 1
        cancel = CancelFlag()
        slot.running, slot.running_vp, slot.rerun = cancel, vp, False
        if in_pass:
            self._pass_pending.add(layer.uid)
        self._pool.submit(_Job(layer, vp, slot.gen, cancel, self._bridge, self._clock).run)

    def _on_done(self, payload) -> None:
        if self._closed:
            return  # a late result of a closed canvas: dropped, and nothing new starts
        uid, gen, vp, img, secs, err = payload
        slot = self._slots.get(uid)
        if slot is None:
            return
        if err is not None:
            log.error("layer %s failed to render: %r", slot.layer.name, err)
        current = gen == slot.gen
        if current:
            slot.running = slot.running_vp = None
        if img is not None:
            self.imageReady.emit(uid, img, vp, gen, secs)
        if current:
            self._pass_pending.discard(uid)
            if slot.rerun:
                self.request(slot.layer)
            if not self._pass_pending and self._pass_t0 is not None:
                self._finish_pass()

    def _finish_pass(self) -> None:
        secs = self._clock() - (self._pass_t0 if self._pass_t0 is not None else self._clock())
        self._pass_t0 = None
        self.renderFinished.emit(secs)

    def is_busy(self) -> bool:
        """A settle is pending or a job is running."""
        if self._closed:
            return False
        return self._settle.isActive() or any(s.running is not None for s in self._slots.values())

    # ------------------------------------------------------------------ lifetime
    def close(self) -> None:
        """Stop for good: no timer, no rerun, no result delivery, no new job; the pool is shut down."""
        if self._closed:
            return
        self._closed = True
        self._settle.stop()
        try:
            self._settle.timeout.disconnect(self.render_all)
        except (RuntimeError, TypeError):
            pass
        for slot in self._slots.values():
            slot.rerun = False
            if slot.running is not None:
                slot.running.set()
            slot.running = slot.running_vp = None
        self._pass_pending.clear()
        self._pass_t0 = None
        try:
            self._bridge.done.disconnect(self._on_done)
        except (RuntimeError, TypeError):
            pass
        self._pool.shutdown(wait=False, cancel_futures=True)
