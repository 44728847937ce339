"""A city beyond the client's component limit: components come from the server by viewport."""
from __future__ import annotations

import numpy as np
import pytest

from .conftest import CRS, CX, CY, rgba


@pytest.fixture
def server_side():
    """Components as the server holds them (lon/lat), and a bbox loader that counts its calls."""
    from app.map.crs import transform_xy

    rng = np.random.default_rng(5)
    x = CX + rng.uniform(-3000, 3000, 20000)
    y = CY + rng.uniform(-3000, 3000, 20000)
    x[0], y[0] = CX + 20.0, CY + 10.0
    lon, lat = transform_xy(x, y, CRS, "EPSG:4490")
    ids = np.array([f"3601020105{i:06d}" for i in range(len(x))])
    calls = []

    def load(bbox):
        calls.append(bbox)
        m = (lon >= bbox[0]) & (lon <= bbox[2]) & (lat >= bbox[1]) & (lat <= bbox[3])
        return {"count": int(m.sum()), "truncated": False,
                "columns": {"id": ids[m].tolist(), "class_code": ["0105"] * int(m.sum()),
                            "lon": lon[m].tolist(), "lat": lat[m].tolist(), "state": ["normal"] * int(m.sum())}}

    return load, calls, ids


def test_loads_the_view_from_the_server_and_draws_it(qtbot, viewport, server_side):
    from app.layers.viewport_components import ViewportComponentLayer

    load, calls, ids = server_side
    layer = ViewportComponentLayer(load)
    v = viewport.with_scale(500)
    layer.render(v)  # holds nothing yet: asks for the view and its margin
    qtbot.waitUntil(lambda: layer.loads == 1, timeout=5000)
    assert len(calls) == 1 and 0 < len(layer) < 20000  # the view's surroundings, not the city
    img = layer.render(v)
    px, py = v.map_to_pixel(CX + 20.0, CY + 10.0)
    assert rgba(img, px, py)[3] > 200  # the component's symbol is drawn
    feats = layer.identify(v, px, py)
    assert feats and feats[0].id == ids[0]
    layer.render(v.panned(30, 0))  # a small pan stays inside what is held: no new request
    assert len(calls) == 1
    layer.render(v.with_center(CX + 2500, CY))  # far away: a new request
    qtbot.waitUntil(lambda: layer.loads == 2, timeout=5000)
    assert len(calls) == 2
    layer.close()


def test_nothing_is_fetched_for_a_city_wide_view(qtbot, viewport, server_side):
    from app.layers.viewport_components import ViewportComponentLayer

    load, calls, _ids = server_side
    layer = ViewportComponentLayer(load)
    layer.render(viewport.with_scale(50000))
    assert calls == [] and len(layer) == 0
    layer.close()


def test_city_package_beyond_the_limit_loads_by_view(qapp, tmp_path, monkeypatch, server_side):
    import geopandas as gpd
    import shapely

    from app.city_data import read_city_package
    from app.layers import ComponentLayer
    from app.layers.viewport_components import ViewportComponentLayer

    path = tmp_path / "city.gpkg"
    gpd.GeoDataFrame({"id": ["3601020105000001", "3601020105000002"], "class_code": ["0105", "0105"]},
                     geometry=shapely.points([CX, CX + 5], [CY, CY]), crs=CRS).to_file(
        path, layer="components", driver="GPKG")
    names = {"basemap": "b", "grids": "g", "responsibility": "r", "components": "部件"}
    load, _calls, _ids = server_side
    layers, _index = read_city_package(path, CRS, names, load)
    assert type(layers.components) is ComponentLayer and len(layers.components) == 2
    monkeypatch.setenv("OCC_CLIENT_COMPONENTS_MAX", "1")
    layers, _index = read_city_package(path, CRS, names, load)
    assert isinstance(layers.components, ViewportComponentLayer) and layers.components.name == "部件"
    layers.components.close()
