"""Canvas lifetime: a closed or deleted canvas starts nothing, and late answers never reach it.

Both paths of the full-suite failure "cannot schedule new futures after shutdown" are replayed with
hand-driven render threads (ManualExecutor refuses work after shutdown like ThreadPoolExecutor) and
hand-fired timers: a late render result carrying a rerun, and the settle timer after a pan.
"""
from __future__ import annotations

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

from .conftest import CRS, CX, CY, H, W
from .fakes import FakeClock, FakeTimers, ManualExecutor


def _canvas(qtbot, executor=None, timers=None):
    from app.map.canvas import MapCanvas

    c = MapCanvas(crs=CRS, dpi=96.0, settle_ms=20, clock=FakeClock(), timer_factory=timers or FakeTimers(),
                  executor=executor or ManualExecutor())
    c.resize(W, H)
    qtbot.addWidget(c)
    c.show()
    qtbot.waitExposed(c)
    c.set_viewport(c.viewport.with_center(CX, CY).with_mupp(1.0), render=False)
    return c


def _deliver(executor: ManualExecutor) -> None:
    """Run the queued render jobs, then deliver their (queued) results."""
    executor.run_all()
    QApplication.processEvents()


def test_late_result_with_rerun_after_close_starts_nothing(qtbot, small_city):
    _g, _c, cases = small_city
    ex = ManualExecutor()
    c = _canvas(qtbot, ex)
    c.add_layer(cases, zoom=False)
    assert len(ex.jobs) == 1  # the first render is on its way
    cases.update_case("C1", band="green")  # a data change while it runs: rerun when it is done
    QApplication.processEvents()
    assert len(ex.jobs) == 1  # coalesced, not a second job
    submitted = ex.submitted
    c.close()
    assert ex.is_shut_down
    _deliver(ex)  # the late result arrives after the pool is gone
    assert ex.submitted == submitted  # the rerun did not try the dead pool
    assert c.render_cache.get(cases.uid) is None  # and the late image was dropped
    assert not c.is_rendering()


def test_late_result_is_used_while_open(qtbot, small_city):
    _g, _c, cases = small_city
    ex = ManualExecutor()
    c = _canvas(qtbot, ex)
    c.add_layer(cases, zoom=False)
    cases.update_case("C1", band="green")
    QApplication.processEvents()
    _deliver(ex)
    assert c.render_cache.get(cases.uid) is not None
    assert len(ex.jobs) == 1  # the rerun for the data change
    _deliver(ex)
    assert not c.is_rendering()


def test_settle_timer_after_pan_then_close_starts_nothing(qtbot, small_city):
    grids, _c, _k = small_city
    ex, timers = ManualExecutor(), FakeTimers()
    c = _canvas(qtbot, ex, timers)
    c.add_layer(grids, zoom=False)
    _deliver(ex)
    c.pan_by_pixels(40, 0, delay_ms=120)  # arrow-key pan: render once the view settles
    settle = c.scheduler.settle_timer
    assert settle.isActive()
    submitted = ex.submitted
    c.close()
    assert not settle.isActive()  # close stopped it
    settle.fire(force=True)  # a timeout already queued when the canvas closed
    assert ex.submitted == submitted
    assert not c.is_rendering()


def test_settle_timer_renders_when_open(qtbot, small_city):
    grids, _c, _k = small_city
    ex, timers = ManualExecutor(), FakeTimers()
    c = _canvas(qtbot, ex, timers)
    c.add_layer(grids, zoom=False)
    _deliver(ex)
    c.pan_by_pixels(40, 0, delay_ms=120)
    assert ex.jobs == []  # nothing renders before the view settles
    c.scheduler.settle_timer.fire()
    assert len(ex.jobs) == 1 and not c.scheduler.settle_timer.isActive()
    _deliver(ex)
    assert c.render_cache.get(grids.uid).viewport.key() == c.viewport.key()
    assert not c.is_rendering()


def test_deleted_canvas_drops_results_and_layer_callbacks(qtbot, small_city):
    _g, _c, cases = small_city
    ex = ManualExecutor()
    from app.map.canvas import MapCanvas

    c = MapCanvas(crs=CRS, dpi=96.0, clock=FakeClock(), timer_factory=FakeTimers(), executor=ex)
    c.resize(W, H)
    c.set_viewport(c.viewport.with_center(CX, CY).with_mupp(1.0), render=False)
    c.add_layer(cases, zoom=False)
    scheduler = c.scheduler
    shiboken6.delete(c)  # deleted without close (its window went away)
    assert scheduler.closed and ex.is_shut_down
    _deliver(ex)  # a late render result
    cases.update_case("C2", band="red")  # a layer change (e.g. a tile arriving on a fetch thread)
    QApplication.processEvents()
    assert ex.submitted == 1


def test_stale_generation_is_not_cached(qtbot, small_city):
    from app.map.render_cache import RenderCache

    grids, _c, _k = small_city
    ex = ManualExecutor()
    c = _canvas(qtbot, ex)
    c.add_layer(grids, zoom=False)
    c.pan_by_pixels(10, 0, delay_ms=0)  # a second job: the first is now stale
    assert len(ex.jobs) == 2
    fn_old, _a, _k = ex.jobs.pop(0)
    _deliver(ex)  # the newest first
    fn_old()  # then the stale one (cancelled: it renders nothing)
    QApplication.processEvents()
    assert c.render_cache.get(grids.uid).viewport.key() == c.viewport.key()
    cache = RenderCache()
    assert cache.put("a", object(), c.viewport, 5) and not cache.put("a", object(), c.viewport, 4)


def test_run_async_answer_never_reaches_a_deleted_owner(qtbot):
    from app.api import worker

    class Owner(QObject):
        def __init__(self):
            super().__init__()
            self.got = []

        def done(self, v):
            self.got.append(v)

    ex = ManualExecutor()
    orig = worker._POOL
    worker._POOL = ex
    try:
        alive, dead = Owner(), Owner()
        dead_got = dead.got
        worker.run_async(lambda: 1, alive.done)
        worker.run_async(lambda: 2, dead.done)
        worker.run_async(lambda: 3, lambda v: dead.done(v))  # a lambda closing over the owner
        shiboken6.delete(dead)
        ex.run_all()
        QApplication.processEvents()
        assert alive.got == [1]
        assert dead_got == []
    finally:
        worker._POOL = orig
