"""A render pass composes the frame once, at its end (QGIS's map canvas does the same with its update
timer): layer images that arrive while the pass runs wait in the render cache, a slow pass shows
what it has after PREVIEW_S, and the pulsing rings do not repaint meanwhile. Render threads, clock
and timers are driven by hand."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication

from .conftest import CRS, CX, CY, H, W
from .fakes import FakeClock, FakeTimers, ManualExecutor


def _run_one(ex: ManualExecutor) -> None:
    fn, args, kwargs = ex.jobs.pop(0)
    fn(*args, **kwargs)
    QApplication.processEvents()


def _setup(qtbot, small_city):
    from app.map.canvas import MapCanvas

    grids, comps, cases = small_city
    clock, timers, ex = FakeClock(), FakeTimers(), ManualExecutor()
    c = MapCanvas(crs=CRS, dpi=96.0, settle_ms=20, clock=clock, timer_factory=timers, executor=ex)
    c.resize(W, H)
    qtbot.addWidget(c)
    c.show()
    qtbot.waitExposed(c)
    c.set_viewport(c.viewport.with_center(CX, CY).with_mupp(1.0), render=False)
    for layer in (grids, comps, cases):
        c.add_layer(layer, zoom=False)
    while ex.jobs:
        _run_one(ex)
    c.repaint()
    frames = []
    c.frameReady.connect(lambda: frames.append(clock()))
    return c, clock, timers, ex, frames


def test_frame_is_composed_once_at_the_end_of_a_pass(qtbot, small_city):
    c, _clock, _timers, ex, frames = _setup(qtbot, small_city)
    rendered = []
    c.layerRendered.connect(lambda name, secs: rendered.append(name))
    c.pan_by_pixels(30, 0, delay_ms=0)
    assert len(ex.jobs) == 3
    _run_one(ex)
    _run_one(ex)
    c.repaint()
    assert len(rendered) == 2 and frames == []  # in the cache, not composed: the pass still runs
    _run_one(ex)
    c.repaint()
    assert len(rendered) == 3 and len(frames) == 1
    assert not c.is_rendering()


def test_a_slow_pass_shows_what_it_has_after_the_preview_delay(qtbot, small_city):
    from app.map.frame_pacer import PREVIEW_S

    c, clock, timers, ex, frames = _setup(qtbot, small_city)
    c.pan_by_pixels(30, 0, delay_ms=0)
    _run_one(ex)
    preview = [t for t in timers.made if t.isActive()]
    assert len(preview) == 1 and preview[0].interval() == int(PREVIEW_S * 1000)
    clock.advance(PREVIEW_S)
    preview[0].fire()
    c.repaint()
    assert len(frames) == 1  # the first layer's new image, shown while the others still render
    _run_one(ex)  # past the preview delay: each image shows as it comes
    c.repaint()
    assert len(frames) == 2
    _run_one(ex)
    c.repaint()
    assert len(frames) == 3 and not c.is_rendering()


def test_a_case_update_outside_a_pass_shows_at_once(qtbot, small_city):
    _g, _comps, cases = small_city
    c, _clock, _timers, ex, frames = _setup(qtbot, small_city)
    cases.update_case("C1", band="red")
    QApplication.processEvents()
    _run_one(ex)
    c.repaint()
    assert len(frames) == 1


def test_pulsing_rings_wait_for_a_running_pass(qtbot, small_city):
    from app.map.frame_pacer import PREVIEW_S

    _g, _comps, cases = small_city
    c, clock, _timers, ex, _frames = _setup(qtbot, small_city)
    cases.update_case("C9", CX, CY, band="red", urgent=True)
    QApplication.processEvents()
    _run_one(ex)
    c.repaint()
    assert c._anim.isActive()  # an urgent case pulses
    painted = c.frames_painted
    c.pan_by_pixels(30, 0, delay_ms=0)
    QApplication.processEvents()
    painted = c.frames_painted
    c._on_anim()  # an animation tick during the pass
    QApplication.processEvents()
    assert c.frames_painted == painted
    clock.advance(PREVIEW_S)  # a pass this long: the rings go on
    c._on_anim()
    QApplication.processEvents()
    assert c.frames_painted == painted + 1
    while ex.jobs:
        _run_one(ex)
