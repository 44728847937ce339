"""Map tools: identify, measure (metres, projected or geodesic), rectangle select, zoom box."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QRectF, Qt

from .conftest import CRS, CX, CY
from .test_canvas import _mouse, drag


def _add(canvas, *layers):
    for l in layers:
        canvas.add_layer(l, zoom=False)
    assert canvas.wait_for_render(10)


def test_identify_returns_grid_component_and_case(canvas, small_city):
    grids, comp, cases = small_city
    _add(canvas, grids, comp, cases)
    canvas.zoom_to_scale(1000)
    px, py = canvas.map_to_pixel(CX + 20.0, CY + 10.0)  # the power cover, in the centre grid
    feats = canvas.identify_at(px, py)
    kinds = [f.kind for f in feats]
    assert kinds == ["component", "grid"]
    assert feats[0].id == "3601020105000001"
    assert feats[1].id == "360102001001005" and feats[1].properties["code"] == "360102001001005"
    px, py = canvas.map_to_pixel(CX - 30.0, CY + 40.0)
    feats = canvas.identify_at(px, py)
    assert feats[0].kind == "case" and feats[0].id == "C1"
    assert feats[0].properties["band"] == "red" and feats[0].properties["kind"] == "event"


def test_identify_tool_click_emits_features_and_highlights(canvas, small_city, qtbot):
    from app.layers import SelectionLayer
    from app.map.tools import IdentifyTool

    grids, comp, cases = small_city
    sel = SelectionLayer(crs=CRS)
    _add(canvas, grids, comp, cases, sel)
    tool = IdentifyTool(canvas, selection_layer=sel)
    canvas.set_tool(tool)
    pos = canvas.map_to_pixel(CX + 120.0, CY + 120.0)  # north-east grid, nothing else
    with qtbot.waitSignal(tool.identified, timeout=1000) as blocker:
        _mouse(canvas, QEvent.Type.MouseButtonPress, pos)
        _mouse(canvas, QEvent.Type.MouseButtonRelease, pos, buttons=Qt.MouseButton.NoButton)
    feats = blocker.args[0]
    assert [f.id for f in feats] == ["360102001001009"]
    assert len(sel) == 1
    # a drag with the identify tool still pans
    c0 = canvas.viewport.center
    drag(canvas, (100.0, 100.0), (140.0, 100.0))
    assert canvas.viewport.cx == pytest.approx(c0[0] - 40 * canvas.viewport.mupp)


def test_measure_square_projected_exact():
    from app.map.measure import measure, measure_area, measure_length

    xs = [CX, CX + 100, CX + 100, CX]
    ys = [CY, CY, CY + 100, CY + 100]
    assert measure_length(xs + xs[:1], ys + ys[:1], CRS) == pytest.approx(400.0, rel=1e-12)
    assert measure_area(xs, ys, CRS) == pytest.approx(10_000.0, rel=1e-12)
    m = measure(xs, ys, CRS, closed=True)
    assert m["perimeter_m"] == pytest.approx(400.0) and m["area_m2"] == pytest.approx(10_000.0)


@pytest.mark.parametrize("crs", ["EPSG:4490", "EPSG:3857"])
def test_measure_geodesic_within_a_tenth_of_a_percent(crs):
    """The same 100 m square on the ground, given in lon/lat or Web Mercator: measured on the ellipsoid."""
    from app.map.crs import transform_xy
    from app.map.measure import measure_area, measure_length

    cm_x = 39_500_000.0  # on the central meridian of the GK zone the grid is true to scale
    xs = np.array([cm_x, cm_x + 100, cm_x + 100, cm_x])
    ys = np.array([CY, CY, CY + 100, CY + 100])
    gx, gy = transform_xy(xs, ys, CRS, crs)
    assert measure_area(gx, gy, crs) == pytest.approx(10_000.0, rel=1e-3)
    assert measure_length(gx[:2], gy[:2], crs) == pytest.approx(100.0, rel=1e-3)
    if crs == "EPSG:3857":  # planar Web Mercator would be ~13% long at 28.6 N
        planar = float(np.hypot(gx[1] - gx[0], gy[1] - gy[0]))
        assert planar / 100.0 > 1.1


def test_measure_tool_by_clicks(canvas, qtbot):
    from app.map.tools import MeasureTool

    tool = MeasureTool(canvas, "distance")
    canvas.set_tool(tool)
    for p in [(100.0, 100.0), (200.0, 100.0), (200.0, 160.0)]:
        _mouse(canvas, QEvent.Type.MouseButtonPress, p)
        _mouse(canvas, QEvent.Type.MouseButtonRelease, p, buttons=Qt.MouseButton.NoButton)
    with qtbot.waitSignal(tool.measured, timeout=1000) as blocker:
        _mouse(canvas, QEvent.Type.MouseButtonDblClick, (200.0, 160.0))
    r = blocker.args[0]
    assert r["length_m"] == pytest.approx(160.0 * canvas.viewport.mupp, rel=1e-9)
    area = MeasureTool(canvas, "area")
    canvas.set_tool(area)
    for p in [(100.0, 100.0), (200.0, 100.0), (200.0, 200.0), (100.0, 200.0)]:
        area.add_point(*canvas.pixel_to_map(*p))
    r = area.finish()
    assert r["area_m2"] == pytest.approx((100 * canvas.viewport.mupp) ** 2, rel=1e-9)
    canvas.grab()  # the overlay paints without error


def test_rect_select_tool(canvas, small_city, qtbot):
    from app.map.tools import RectSelectTool

    grids, comp, cases = small_city
    _add(canvas, grids, comp, cases)
    tool = RectSelectTool(canvas, layers=[comp, cases])
    canvas.set_tool(tool)
    a = canvas.map_to_pixel(CX - 50.0, CY + 50.0)
    b = canvas.map_to_pixel(CX + 30.0, CY - 5.0)
    with qtbot.waitSignal(tool.selected, timeout=1000) as blocker:
        drag(canvas, a, b)
    got = blocker.args[0]
    assert [f.id for f in got[comp.name]] == ["3601020105000001"]
    assert [f.id for f in got[cases.name]] == ["C1"]
    # the whole view selects everything
    got = canvas.select_in_rect(QRectF(0, 0, canvas.width(), canvas.height()), [grids])
    assert len(got[grids.name]) == 9


def test_zoom_box_tool(clocked_canvas):
    from app.map.tools import ZoomBoxTool

    canvas, clock, timers = clocked_canvas
    canvas.set_tool(ZoomBoxTool(canvas))
    drag(canvas, (0.0, 0.0), (200.0, 150.0))
    clock.advance(canvas.zoom_animation_ms / 1000.0)
    timers.fire_all()  # one animation step after the animation's time: it ends on its target
    assert canvas.viewport.mupp == pytest.approx(0.5)
