"""Layers render by pixels: known map points land on known pixels in the right colours."""
from __future__ import annotations

import numpy as np
import pytest
import shapely

from .conftest import CRS, CX, CY, H, W, is_red, rgba


def test_red_case_is_red_at_its_pixel(qapp, viewport):
    from app.layers import CaseLayer

    layer = CaseLayer(crs=CRS)
    layer.set_cases(["C1"], [CX + 50.0], [CY - 20.0], kinds=["event"], bands=["red"])
    img = layer.render(viewport)
    px, py = viewport.map_to_pixel(CX + 50.0, CY - 20.0)
    assert (px, py) == (250.0, 170.0)
    assert is_red(rgba(img, px + 8, py + 2))  # beside the white centre dot
    assert rgba(img, px + 30, py)[3] == 0  # nothing 30 px away
    # overdue stands out: its marker is wider than a component icon (24 px) and than a green case's
    assert is_red(rgba(img, px + 11, py)) and rgba(img, px + 13, py)[3] > 200
    layer.set_cases(["C1"], [CX + 50.0], [CY - 20.0], kinds=["event"], bands=["green"])
    assert layer.render(viewport).pixelColor(int(px + 13), int(py)).alpha() == 0


def test_case_case_in_lonlat_is_reprojected(qapp, viewport):
    from app.layers import CaseLayer
    from app.map.crs import transform_xy

    lon, lat = transform_xy(CX - 60.0, CY + 30.0, CRS, "EPSG:4490")
    layer = CaseLayer()  # EPSG:4490 by default, as the server sends positions
    layer.update_case("C9", lon, lat, kind="component", band="red")
    img = layer.render(viewport)
    assert is_red(rgba(img, 140 + 4, 120 + 2))


def test_update_case_in_place_changes_colour_only(qapp, viewport):
    from app.layers import CaseLayer

    layer = CaseLayer(crs=CRS)
    layer.set_cases(["A", "B"], [CX, CX + 80.0], [CY, CY], kinds=["event", "event"], bands=["red", "red"])
    events = []
    layer.changed.connect(lambda l, what: events.append(what))
    row = layer.points.index["A"]
    layer.update_case("A", band="green")
    assert layer.points.index["A"] == row and len(layer) == 2
    assert events == ["data"]
    img = layer.render(viewport)
    r, g, b, a = rgba(img, 203, 152)
    assert g > 120 and r < 100 and a > 200
    assert is_red(rgba(img, 283, 152))
    assert layer.case("A")["band"] == "green"


def test_overlapping_cases_cluster_with_worst_band(qapp, viewport):
    from app.layers import CaseLayer

    layer = CaseLayer(crs=CRS)
    v = viewport.with_mupp(20.0)  # 1:75,590: the three cases are within one pixel
    layer.set_cases(["a", "b", "c"], [CX, CX + 3, CX + 6], [CY, CY + 2, CY], kinds=["event"] * 3,
                    bands=["green", "red", "yellow"])
    img = layer.render(v)
    # one badge around the centre: the count on white inside a ring split by band, red first from 12 o'clock
    assert is_red(rgba(img, 209, 145))  # 2 o'clock: red
    r, g, b, a = rgba(img, 200, 150 + 11)  # 6 o'clock: yellow
    assert r > 200 and g > 150 and b < 80
    r, g, b, a = rgba(img, 200 - 11, 150)  # 9 o'clock: green
    assert g > 130 and r < 100
    r, g, b, a = rgba(img, 200 + 5, 150 + 5)
    assert r > 200 and g > 200 and b > 200  # white centre
    feats = layer.identify(v, 200, 150)
    assert {f.id for f in feats} == {"a", "b", "c"}


def test_grid_outline_crosses_expected_pixel(qapp, viewport, small_city):
    grids, _c, _k = small_city
    img = grids.render(viewport)
    # grid edges at x = CX-150, -50, +50, +150 -> pixels 50, 150, 250, 350
    for x in (50, 150, 250, 350):
        r, g, b, a = rgba(img, x, 120)
        assert a > 100 and b > r, (x, (r, g, b, a))
    assert rgba(img, 100, 120)[3] == 0  # inside a grid: transparent
    # y edges at CY+150 .. CY-150 -> rows 0(edge), 100, 200, 300
    assert rgba(img, 120, 100)[3] > 100


def test_grid_code_labels_only_at_large_scales(qapp, viewport, small_city):
    grids, _c, _k = small_city
    big = viewport.with_scale(1000)
    img = grids.render(big)
    arr = _alpha(img)
    assert arr[:, :].sum() > 0
    # label text pixels near the centre grid's label point (the grid centre) at 1:1000
    assert (arr[140:160, 150:250] > 0).sum() > 40
    small = viewport.with_scale(5000)
    arr2 = _alpha(grids.render(small))
    assert (arr2[145:155, 190:210] > 0).sum() < 10  # no label at 1:5000, just empty grid interior


def test_choropleth_fills_grids_with_open_cases(qapp, viewport, small_city):
    grids, _c, _k = small_city
    grids.set_case_counts({"360102001001005": 12})
    img = grids.render(viewport)
    r, g, b, a = rgba(img, 200, 120)  # inside the centre grid
    assert a > 100 and r > g and r > b
    assert rgba(img, 100, 120)[3] == 0
    grids.set_case_counts(None)
    assert rgba(grids.render(viewport), 200, 120)[3] == 0


def test_component_symbol_drawn_where_expected(qapp, viewport, small_city):
    _g, comp, _k = small_city
    v = viewport.with_scale(500)
    assert comp.mode(v) == "symbols"
    img = comp.render(v)
    px, py = v.map_to_pixel(CX + 20.0, CY + 10.0)
    size = comp.symbol_size(v)
    assert 18 <= size <= 24
    # 0105 power cover: a purple disc with white letters (red means a deadline band on this map)
    r, g, b, a = rgba(img, px, py - 5)
    assert (r, g, b) == (106, 27, 154) and not is_red((r, g, b, a))
    assert rgba(img, px + size, py)[3] == 0


def test_components_dots_then_density_at_small_scales(qapp, viewport):
    from app.layers import ComponentLayer

    rng = np.random.default_rng(3)
    n = 5000
    x = CX + rng.normal(0, 30, n)
    y = CY + rng.normal(0, 30, n)
    comp = ComponentLayer(x, y, ["0105"] * n, crs=CRS)
    v5k = viewport.with_scale(5000)
    assert comp.mode(v5k) == "dots"
    img = comp.render(v5k)
    assert rgba(img, 200, 150)[3] > 0
    r, g, b, a = rgba(img, 200, 150)
    assert b > 120 and g < 80  # the class colour (power: purple, never a band's red)
    v = viewport.with_scale(200000)  # ~53 m per pixel: all points in a few pixels
    assert comp.mode(v) == "density"
    img = comp.render(v)
    r, g, b, a = rgba(img, 200, 150)
    assert a > 150 and b > r  # dense: deep blue / purple
    assert rgba(img, 50, 50)[3] == 0


def test_component_identify_and_hidden_classes(qapp, viewport, small_city):
    _g, comp, _k = small_city
    v = viewport.with_scale(1000)
    px, py = v.map_to_pixel(CX + 20.0, CY + 10.0)
    feats = comp.identify(v, px + 2, py + 1)
    assert len(feats) == 1 and feats[0].id == "3601020105000001"
    assert feats[0].properties["minor_code"] == "0105" and feats[0].properties["class_name"] == "电力井盖"
    comp.set_hidden_classes(["0105"])
    img = comp.render(v)
    assert rgba(img, px, py)[3] == 0


def test_inspector_and_camera_layers_draw(qapp, viewport):
    from app.layers import CameraLayer, InspectorLayer

    ins = InspectorLayer(crs=CRS)
    ins.update_position("i1", CX, CY, heading=90.0, name="张三")
    ins.update_position("i2", CX + 100, CY, online=False)
    img = ins.render(viewport.with_scale(2000))
    v = viewport.with_scale(2000)
    px, py = v.map_to_pixel(CX + 100, CY)
    r, g, b, a = rgba(img, px + 4, py + 3)
    assert a > 200 and abs(r - g) < 30 and abs(g - b) < 30  # offline: grey
    r, g, b, a = rgba(ins.render(v), 200 + 5, 150)
    assert b > r  # online: blue
    cam = CameraLayer(crs=CRS)
    cam.set_cameras(["3601"], [CX], [CY], azimuth=[0.0], range_m=[60.0])
    v = viewport.with_scale(1000)  # 60 m = 227 px, capped at 70 px on screen
    img = cam.render(v)
    assert rgba(img, 200, 110)[3] > 0  # inside the wedge, 40 px north
    assert rgba(img, 200, 70)[3] == 0  # beyond the capped range
    assert rgba(img, 200, 190)[3] == 0  # nothing south
    assert cam.render(viewport.with_scale(20000)).pixel(200, 150) == 0  # cameras hidden at city scales


def test_vector_basemap_draws_water_roads_and_says_osm(qapp, viewport):
    from app.layers import VectorBasemapLayer, guess_mapping

    water = shapely.box(CX - 200, CY - 150, CX - 100, CY + 150)
    road = shapely.LineString([(CX, CY - 200), (CX, CY + 200)])
    layer = VectorBasemapLayer({"water": ([water], {"name": ["赣江"]}),
                                "roads": ([road], {"road_class": ["arterial"], "width_m": [20.0]})}, crs=CRS)
    img = layer.render(viewport)
    r, g, b, a = rgba(img, 50, 150)
    assert b > r and a == 255  # water
    r, g, b, a = rgba(img, 200, 150)
    assert r > 240 and g > 200 and b < 200  # the arterial's yellow fill
    assert layer.is_osm and "OpenStreetMap" in layer.attribution
    assert guess_mapping(["buildings", "roads", "water", "green", "landuse", "railways", "poi_labels"]) == {
        "landuse": "landuse", "green": "green", "water": "water", "buildings": "buildings",
        "railways": "railways", "roads": "roads", "poi": "poi_labels"}


def test_selection_layer_highlights(qapp, viewport, small_city):
    from app.layers import SelectionLayer

    grids, _c, _k = small_city
    sel = SelectionLayer(crs=CRS)
    sel.set_features([grids.feature(4)])
    img = sel.render(viewport)
    assert rgba(img, 150, 150)[3] > 100  # the centre grid's west edge
    sel.clear()
    assert _alpha(sel.render(viewport)).sum() == 0


def test_layers_from_geopackage(qapp, tmp_path, small_city):
    import geopandas as gpd

    from app.layers import ComponentLayer, UnitGridLayer

    grids, _c, _k = small_city
    path = tmp_path / "city.gpkg"
    gpd.GeoDataFrame({"code": grids.properties["code"]}, geometry=list(grids.store.geoms), crs=CRS).to_file(
        path, layer="unit_grids")
    gpd.GeoDataFrame({"id": ["3601020101000001"], "minor_code": ["0101"]},
                     geometry=[shapely.Point(CX, CY)], crs=CRS).to_file(path, layer="components")
    g = UnitGridLayer.from_file(path, layer="unit_grids")
    c = ComponentLayer.from_file(path, layer="components")
    assert len(g) == 9 and len(c) == 1
    assert g.crs.endswith("4527") and c.class_codes.tolist() == ["0101"]
    assert g.index_of("360102001001005") == 4


def _alpha(img) -> np.ndarray:
    from app.map.painting import image_view

    return (image_view(img) >> 24).astype(np.int64)


pytestmark = pytest.mark.usefixtures("qapp")
assert W == 400 and H == 300


def test_new_and_urgent_cases_pulse(qapp, viewport):
    from PySide6.QtGui import QImage, QPainter

    from app.layers import CaseLayer

    layer = CaseLayer(crs=CRS)
    layer.set_cases(["old"], [CX], [CY], kinds=["event"], bands=["green"])
    assert not layer.has_animation(viewport)  # loaded cases do not pulse
    layer.update_case("new", CX + 50, CY, kind="event", band="yellow")  # arrives live: pulses
    assert layer.has_animation(viewport)
    img = QImage(W, H, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(0)
    p = QPainter(img)
    layer.paint_animation(p, viewport, t=0.0)
    p.end()
    ring = _alpha(img)
    r = layer.red_px // 2 + 2
    assert ring[150, 250 + r] > 0 and ring[150, 200 + r] == 0  # a ring around the new case only
    layer.clock = lambda: 1e12  # a minute later: it stops
    assert not layer.has_animation(viewport)
    layer.update_case("old", urgent=True)
    assert layer.has_animation(viewport)
    layer.update_case("old", urgent=False)
    layer.update_case("new", band="red")  # overdue: its ring keeps going
    assert layer.has_animation(viewport)


def test_responsibility_grid_layer(qapp, viewport):
    from app.layers import ResponsibilityGridLayer

    layer = ResponsibilityGridLayer([shapely.box(CX - 100, CY - 100, CX + 100, CY + 100)], ["360102001R01"],
                                    names=["中心街道第1责任网格"], crs=CRS)
    img = layer.render(viewport.with_scale(5000))
    v = viewport.with_scale(5000)
    px, _py = v.map_to_pixel(CX - 100, CY)
    assert _alpha(img)[130:170, int(px) - 1:int(px) + 2].sum() > 0  # the dashed west edge
    feats = layer.identify(v, 200, 150)
    assert feats[0].id == "360102001R01" and feats[0].properties["name"] == "中心街道第1责任网格"


def test_city_layers_from_a_city_package(qapp, tmp_path):
    import geopandas as gpd

    from app.layers.city import city_layers

    path = tmp_path / "city.gpkg"
    g = [shapely.box(CX, CY, CX + 100, CY + 100)]
    gpd.GeoDataFrame({"name": ["x"]}, geometry=[shapely.LineString([(CX, CY), (CX + 99, CY)])], crs=CRS).to_file(
        path, layer="roads")
    gpd.GeoDataFrame({"code": ["360102001001001"]}, geometry=g, crs=CRS).to_file(path, layer="unit_grids")
    gpd.GeoDataFrame({"code": ["R1"], "name": ["第1责任网格"]}, geometry=g, crs=CRS).to_file(
        path, layer="responsibility_grids")
    gpd.GeoDataFrame({"id": ["3601020101000001"], "class_code": ["0101"]},
                     geometry=[shapely.Point(CX + 5, CY + 5)], crs=CRS).to_file(path, layer="components")
    layers = city_layers(path)
    assert list(layers) == ["basemap", "unit_grids", "resp_grids", "components", "cases", "inspectors",
                            "selection"]
    assert layers["basemap"].is_osm and len(layers["components"]) == 1


def test_small_scale_grid_outlines_from_the_cached_path(qapp, viewport, small_city):
    """Cells a few pixels wide are drawn from one path in map units: edges still land on their pixels."""
    grids, _c, _k = small_city
    v = viewport.with_mupp(8.0)  # 100 m cells -> 12.5 px
    img = grids.render(v)
    hits = []
    for x_m in (CX - 150.0, CX - 50.0, CX + 50.0, CX + 150.0):
        px, py = v.map_to_pixel(x_m, CY + 100.0)
        hits.append(max(rgba(img, int(px) + d, int(py))[3] for d in (-1, 0, 1)))
    assert all(a > 0 for a in hits), hits
    px, py = v.map_to_pixel(CX, CY)  # the middle of the centre cell
    assert rgba(img, px, py)[3] == 0
    assert getattr(grids, "_overview", None) is not None  # drawn from the cached path


@pytest.mark.parametrize("merge_max", [20000, 0])
def test_grid_outlines_share_their_edges(qapp, viewport, monkeypatch, merge_max):
    """Neighbouring grids' common edge is stroked once (outlines noded and merged), at the overview
    scale and up close; a layer too big to node draws every ring instead, and looks the same."""
    import shapely

    from app.layers import UnitGridLayer
    from app.layers import polygons
    from app.map.painting import image_view

    monkeypatch.setattr(polygons, "MERGE_MAX_FEATURES", merge_max)
    boxes = [shapely.box(CX - 100, CY - 50, CX, CY + 50), shapely.box(CX, CY - 50, CX + 100, CY + 50)]
    layer = UnitGridLayer(boxes, ["360102001001001", "360102001001002"], crs=CRS)
    proj = layer.store.projected(CRS)
    lines = layer._outlines(proj)
    if merge_max:
        step = np.hypot(*np.diff(lines.xy, axis=0).T)[~lines.starts[1:]]  # segments within each line
        assert step.sum() == pytest.approx(700.0)  # 8 edges of 100 m, the middle one once: not 800
    else:
        assert lines is None
    for mupp in (1.0, 4.0):  # 100 px and 25 px grids: stroked in pixels, then through the overview path
        vp = viewport.with_mupp(mupp)
        buf = image_view(layer.render(vp))
        px, py = vp.map_to_pixel(CX, CY)  # on the shared edge
        col = buf[int(py), int(px) - 1:int(px) + 2]
        assert (col >> 24).max() > 0, f"shared edge not drawn at {mupp} m/px"
        ox, oy = vp.map_to_pixel(CX + 50, CY)  # inside the right grid: nothing
        assert buf[int(oy), int(ox)] == 0
