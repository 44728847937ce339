"""MapCanvas and Viewport: transforms, CRS round trips, navigation that keeps the cursor point fixed,
render scheduling (only the changed layer re-renders), composition by pixels."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication

from .conftest import CRS, CX, CY, H, W, is_red, rgba


# ------------------------------------------------------------------------------ viewport
def test_map_pixel_round_trip_vectorised(viewport):
    rng = np.random.default_rng(0)
    x = CX + rng.uniform(-500, 500, 1000)
    y = CY + rng.uniform(-500, 500, 1000)
    px, py = viewport.map_to_pixel(x, y)
    bx, by = viewport.pixel_to_map(px, py)
    assert np.allclose(bx, x, atol=1e-6) and np.allclose(by, y, atol=1e-6)
    assert viewport.map_to_pixel(CX, CY) == (W / 2, H / 2)
    assert viewport.map_to_pixel(CX - W / 2, CY + H / 2) == (0.0, 0.0)  # top-left, y down


def test_scale_denominator_at_96_dpi(viewport):
    v = viewport.with_scale(500)
    assert v.scale == pytest.approx(500, rel=1e-9)
    assert v.mupp == pytest.approx(500 * 0.0254 / 96, rel=1e-9)  # 0.1323 m per pixel
    assert viewport.with_dpi(144).scale == pytest.approx(viewport.scale * 1.5)


@pytest.mark.parametrize("dst", ["EPSG:4527", "EPSG:4548", "EPSG:32650"])
def test_crs_round_trip_cgcs2000_and_utm(dst):
    from app.map.crs import transform_xy

    lon = np.array([115.80, 115.89, 116.02])
    lat = np.array([28.60, 28.68, 28.75])
    x, y = transform_xy(lon, lat, "EPSG:4490", dst)
    if dst == "EPSG:4527":
        assert np.all((x > 39_300_000) & (x < 39_500_000))  # zone prefix 39
    lon2, lat2 = transform_xy(x, y, dst, "EPSG:4490")
    assert np.allclose(lon2, lon, atol=1e-9) and np.allclose(lat2, lat, atol=1e-9)


def test_viewport_to_other_crs_keeps_place_and_scale(viewport):
    from app.map.crs import transform_xy

    v = viewport.with_scale(2000)
    g = v.to_crs("EPSG:4490")
    lon, lat = transform_xy(CX, CY, CRS, "EPSG:4490")
    assert (g.cx, g.cy) == pytest.approx((lon, lat), abs=1e-9)
    assert g.scale == pytest.approx(2000, rel=0.02)
    u = v.to_crs("EPSG:32650")
    assert u.scale == pytest.approx(2000, rel=0.02)


def test_zoom_and_pan_keep_the_anchor_fixed(viewport):
    anchor = (87.0, 211.0)
    mx, my = viewport.pixel_to_map(*anchor)
    z = viewport.zoomed(3.7, anchor)
    assert z.map_to_pixel(mx, my) == pytest.approx(anchor)
    p = z.panned(25, -40)
    assert p.map_to_pixel(mx, my) == pytest.approx((anchor[0] + 25, anchor[1] - 40))


# ------------------------------------------------------------------------------ canvas navigation
def _mouse(canvas, kind, pos, button=Qt.MouseButton.LeftButton, buttons=None, mods=Qt.KeyboardModifier.NoModifier):
    buttons = button if buttons is None else buttons
    ev = QMouseEvent(kind, QPointF(*pos), canvas.mapToGlobal(QPointF(*pos)), button, buttons, mods)
    QApplication.sendEvent(canvas, ev)


def drag(canvas, a, b, mods=Qt.KeyboardModifier.NoModifier, steps=5):
    _mouse(canvas, QEvent.Type.MouseButtonPress, a, mods=mods)
    for k in range(1, steps + 1):
        p = (a[0] + (b[0] - a[0]) * k / steps, a[1] + (b[1] - a[1]) * k / steps)
        _mouse(canvas, QEvent.Type.MouseMove, p, button=Qt.MouseButton.NoButton,
               buttons=Qt.MouseButton.LeftButton, mods=mods)
    _mouse(canvas, QEvent.Type.MouseButtonRelease, b, buttons=Qt.MouseButton.NoButton, mods=mods)


def test_wheel_zoom_keeps_point_under_cursor(canvas):
    pos = (123.0, 77.0)
    mx, my = canvas.pixel_to_map(*pos)
    scales = []
    canvas.scaleChanged.connect(scales.append)
    ev = QWheelEvent(QPointF(*pos), canvas.mapToGlobal(QPointF(*pos)), QPoint(0, 0), QPoint(0, 240),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(canvas, ev)
    assert canvas.viewport.mupp == pytest.approx(0.5)  # two notches: x2
    assert canvas.map_to_pixel(mx, my) == pytest.approx(pos)
    assert scales and scales[-1] == pytest.approx(canvas.scale)


def test_drag_pans_with_the_mouse(canvas):
    a, b = (100.0, 100.0), (160.0, 60.0)
    mx, my = canvas.pixel_to_map(*a)
    drag(canvas, a, b)
    assert canvas.map_to_pixel(mx, my) == pytest.approx(b)


def test_arrow_keys_pan_a_quarter_view(canvas, qtbot):
    x0 = canvas.viewport.cx
    qtbot.keyClick(canvas, Qt.Key.Key_Right)
    assert canvas.viewport.cx == pytest.approx(x0 + W / 4 * canvas.viewport.mupp)
    y0 = canvas.viewport.cy
    qtbot.keyClick(canvas, Qt.Key.Key_Up)
    assert canvas.viewport.cy == pytest.approx(y0 + H / 4 * canvas.viewport.mupp)


def test_shift_drag_box_zoom(clocked_canvas):
    canvas, clock, timers = clocked_canvas
    a, b = (100.0, 100.0), (200.0, 150.0)
    x0, y1 = canvas.pixel_to_map(*a)
    x1, y0 = canvas.pixel_to_map(*b)
    drag(canvas, a, b, mods=Qt.KeyboardModifier.ShiftModifier)
    clock.advance(canvas.zoom_animation_ms / 1000.0)
    timers.fire_all()
    ex = canvas.extent()
    assert ex[0] <= x0 + 1e-6 and ex[2] >= x1 - 1e-6 and ex[1] <= y0 + 1e-6 and ex[3] >= y1 - 1e-6
    assert canvas.viewport.mupp == pytest.approx(0.25)  # 100 px of 400 -> x4


def test_zoom_to_scale_500_and_extent_signal(canvas):
    extents = []
    canvas.extentChanged.connect(lambda *e: extents.append(e))
    canvas.zoom_to_scale(500)
    assert canvas.scale == pytest.approx(500, rel=1e-9)
    assert canvas.viewport.center == pytest.approx((CX, CY))
    assert extents and extents[-1] == pytest.approx(canvas.extent())


def test_cursor_moved_signal_in_map_coordinates(canvas):
    got = []
    canvas.cursorMoved.connect(lambda x, y: got.append((x, y)))
    _mouse(canvas, QEvent.Type.MouseMove, (250.0, 170.0), button=Qt.MouseButton.NoButton,
           buttons=Qt.MouseButton.NoButton)
    assert got[-1] == pytest.approx((CX + 50, CY - 20))


def test_smooth_zoom_animation_ends_on_target(clocked_canvas):
    canvas, clock, timers = clocked_canvas
    s0 = canvas.scale
    canvas.zoom_to_scale(1000, animate=True)
    clock.advance(canvas.zoom_animation_ms / 2000.0)
    timers.fire_all()  # half way: between the two scales
    assert min(s0, 1000) < canvas.scale < max(s0, 1000)
    clock.advance(canvas.zoom_animation_ms / 1000.0)
    timers.fire_all()
    assert canvas.scale == pytest.approx(1000, rel=1e-9)


# ------------------------------------------------------------------------------ rendering
def _count_renders(layer):
    calls = []
    orig = layer.render

    def counted(vp, cancel=None):
        calls.append(vp)
        return orig(vp, cancel)

    layer.render = counted
    return calls


def test_case_marker_on_screen_pixel(canvas, small_city):
    grids, comp, cases = small_city
    for l in (grids, comp, cases):
        canvas.add_layer(l, zoom=False)
    assert canvas.wait_for_render(10)
    img = canvas.grab().toImage()
    px, py = canvas.map_to_pixel(CX - 30.0, CY + 40.0)
    assert is_red(rgba(img, px + 3, py + 2))


def test_single_case_update_rerenders_only_the_case_layer(canvas, small_city):
    grids, comp, cases = small_city
    for l in (grids, comp, cases):
        canvas.add_layer(l, zoom=False)
    assert canvas.wait_for_render(10)
    counts = {l.name: _count_renders(l) for l in (grids, comp, cases)}
    cases.update_case("C2", band="red")
    assert canvas.wait_for_render(10)
    assert len(counts[cases.name]) == 1
    assert len(counts[grids.name]) == 0 and len(counts[comp.name]) == 0
    img = canvas.grab().toImage()
    px, py = canvas.map_to_pixel(CX + 60.0, CY - 40.0)
    assert is_red(rgba(img, px + 3, py + 2))


def test_many_updates_coalesce(canvas, small_city):
    _g, _c, cases = small_city
    canvas.add_layer(cases, zoom=False)
    assert canvas.wait_for_render(10)
    calls = _count_renders(cases)
    for i in range(200):
        cases.update_case("C1", band=("green", "yellow", "red")[i % 3])
    assert canvas.wait_for_render(10)
    assert 1 <= len(calls) <= 3  # 200 updates, a couple of renders
    assert cases.case("C1")["band"] == ("green", "yellow", "red")[199 % 3]


def test_stale_results_are_dropped(canvas, small_city):
    grids, _c, _k = small_city
    canvas.add_layer(grids, zoom=False)
    for k in range(5):
        canvas.pan_by_pixels(10, 0, delay_ms=0)
    assert canvas.wait_for_render(10)
    assert canvas.render_cache.get(grids.uid).viewport.key() == canvas.viewport.key()


def test_pan_paints_the_cached_image_moved(canvas, small_city):
    _g, _c, cases = small_city
    canvas.add_layer(cases, zoom=False)
    assert canvas.wait_for_render(10)
    calls = _count_renders(cases)
    canvas.begin_interaction()
    canvas.pan_by_pixels(30, 10, render=True)
    img = canvas.grab().toImage()  # no render yet: the old image, moved
    px, py = canvas.map_to_pixel(CX - 30.0, CY + 40.0)
    assert is_red(rgba(img, px + 3, py + 2))
    assert calls == []
    canvas.end_interaction(0)
    assert canvas.wait_for_render(10)
    assert len(calls) == 1


def test_hidden_layer_and_opacity(canvas, small_city):
    _g, _c, cases = small_city
    canvas.add_layer(cases, zoom=False)
    assert canvas.wait_for_render(10)
    px, py = canvas.map_to_pixel(CX - 30.0, CY + 40.0)
    cases.visible = False
    assert canvas.wait_for_render(10)
    assert not is_red(rgba(canvas.grab().toImage(), px + 3, py + 2))
    cases.visible = True
    assert canvas.wait_for_render(10)
    assert is_red(rgba(canvas.grab().toImage(), px + 3, py + 2))


def test_osm_attribution_is_drawn(canvas):
    import shapely

    from app.layers import VectorBasemapLayer

    base = VectorBasemapLayer({"water": ([shapely.box(CX - 10, CY - 10, CX + 10, CY + 10)], {})}, crs=CRS,
                              background=None)
    canvas.add_layer(base, zoom=False)
    assert canvas.wait_for_render(10)
    img = canvas.grab().toImage()
    corner = [rgba(img, x, H - 6) for x in range(W - 120, W - 4)]
    assert sum(1 for c in corner if c[0] < 120) > 5  # dark text pixels in the corner
    base.attribution = None
    canvas.update()
    img = canvas.grab().toImage()
    corner = [rgba(img, x, H - 6) for x in range(W - 120, W - 4)]
    assert sum(1 for c in corner if c[0] < 120) == 0


def test_set_crs_reprojects_layers(canvas, small_city):
    _g, _c, cases = small_city
    canvas.add_layer(cases, zoom=False)
    canvas.zoom_to_scale(1000)
    assert canvas.wait_for_render(10)
    canvas.set_crs("EPSG:4490")
    assert canvas.wait_for_render(10)
    assert canvas.crs == "EPSG:4490"
    from app.map.crs import transform_xy

    lon, lat = transform_xy(CX - 30.0, CY + 40.0, CRS, "EPSG:4490")
    px, py = canvas.map_to_pixel(lon, lat)
    assert is_red(rgba(canvas.grab().toImage(), px + 3, py + 2))
    assert canvas.scale == pytest.approx(1000, rel=0.02)


def test_set_crs_before_any_view_and_to_nowhere(qtbot):
    from app.map.canvas import MapCanvas
    from app.map.viewport import Viewport

    c = MapCanvas()
    qtbot.addWidget(c)
    c.set_crs("EPSG:32650")
    assert c.crs == "EPSG:32650"
    v = Viewport(crs="EPSG:4527", cx=0.0, cy=0.0).to_crs("EPSG:4490")  # far outside the zone
    assert v.crs == "EPSG:4490"
