"""The main window against a real server on a real city package: the city loads onto the map, the
search box finds a grid by code and a street by pinyin initials, identify reports the grid, a live
case appears on the map, and a dead server leaves the map usable with a clear message."""
from __future__ import annotations

import shutil
import warnings

import pytest

from tests.server.conftest import PASSWORD, LiveServer, seed_world


@pytest.fixture(scope="module")
def city_package(tmp_path_factory):
    from server_stub.citydata.package import build_city
    out = tmp_path_factory.mktemp("city")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_city(out, demo=True)
    return out


@pytest.fixture
def server(tmp_path, city_package, monkeypatch):
    from server_stub.settings import Settings
    monkeypatch.setenv("OCC_QGIS_PYTHON", "/nonexistent/python3")  # the vector fallback is what we test here
    shutil.copytree(city_package, tmp_path / "data" / "city")
    settings = Settings(db=f"sqlite:///{tmp_path}/occ.sqlite", data_dir=tmp_path / "data")
    with LiveServer(settings) as srv:
        seed_world(srv.app)
        yield srv


@pytest.fixture
def window(qtbot, server):
    from app.api.client import ApiClient
    from app.widgets.main_window import MainWindow
    client = ApiClient(server.url)
    session = client.login("dispatcher", PASSWORD)
    win = MainWindow(client, session, client.city())
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitUntil(lambda: win.data.city.grids is not None, timeout=30000)
    yield win
    win.close()


def test_city_loads_and_search_finds_grid_and_street(qtbot, window):
    assert window.canvas.crs == "EPSG:32635"
    assert window.data.city.components is not None and len(window.data.city.components) > 1000
    names = [lyr.name for lyr in window.canvas.layers()]
    assert "Unit grids" in names and "Components" in names
    code = window.data.find("3205820010")[0].key
    window.search.go(code)
    assert window.canvas.scale == pytest.approx(1000, rel=0.01)
    feats = window.canvas.identify_at(*[v / 1 for v in (window.canvas.width() / 2, window.canvas.height() / 2)])
    assert any(f.kind == "grid" and f.id == code for f in feats)
    # a street by pinyin initials is Latin here (Helsinki); a Chinese name is found by its initials
    from app.search_index import SearchHit
    window.data.index.add(SearchHit("street", "黄浦路", "黄浦路", 385900.0, 6672300.0), name=True)
    assert window.data.find("hpl")[0].key == "黄浦路"


def test_live_case_appears_on_the_map(qtbot, window, server):
    from app.api.client import ApiClient
    qtbot.waitUntil(lambda: window.status.connection.text().endswith("Live"), timeout=10000)
    other = ApiClient(server.url)
    other.login("acceptor", PASSWORD)
    case = other.report({"kind": "event", "class_code": "0102", "lon": 24.944, "lat": 60.170,
                         "description": "暴露垃圾", "source": "hotline"})
    qtbot.waitUntil(lambda: case["id"] in window.data.case_props, timeout=5000)
    assert window.data.cases.case(case["id"])["band"] in ("green", "yellow")


def test_dead_server_leaves_the_map_usable(qtbot, window, server):
    server.__exit__(None, None, None)  # the server goes away
    qtbot.waitUntil(lambda: window.status.connection.text().endswith("Offline"), timeout=15000)
    before = window.canvas.scale
    window.canvas.zoom_to_scale(2000)
    assert window.canvas.scale != before
    assert window.canvas.wait_for_render(10)


def test_user_basemaps_from_mbtiles_and_bad_input(qtbot, window, tmp_path):
    import sqlite3

    from PySide6.QtGui import QColor, QImage

    from app.widgets.basemap_dialog import make_source
    path = tmp_path / "base.mbtiles"
    img = QImage(256, 256, QImage.Format_ARGB32)
    img.fill(QColor(10, 200, 10))
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.WriteOnly)
    img.save(buf, "PNG")
    con = sqlite3.connect(path)
    con.execute("create table metadata (name text, value text)")
    con.execute("create table tiles (zoom_level int, tile_column int, tile_row int, tile_data blob)")
    con.executemany("insert into metadata values (?, ?)", [("format", "png"), ("minzoom", "0"), ("maxzoom", "0")])
    con.execute("insert into tiles values (0, 0, 0, ?)", (bytes(data),))
    con.commit()
    con.close()
    before = len(window.canvas.layers())
    window.add_tile_source(make_source("mbtiles", str(path)))
    assert len(window.canvas.layers()) == before + 1
    for bad in (("xyz", "https://example.invalid/tiles.png"), ("tianditu", "w"), ("mbtiles", str(tmp_path / "no.mbtiles"))):
        with pytest.raises(Exception) as e:
            make_source(*bad)
        assert str(e.value)


def test_administration_menu_only_for_the_admin(qtbot, window, server):
    from app.api.client import ApiClient
    from app.widgets.device_dialog import DeviceDialog
    from app.widgets.main_window import MainWindow
    menus = [a.text() for a in window.menuBar().actions()]
    assert not hasattr(window, "devices_action") and len(menus) == 1  # the dispatcher: View only
    client = ApiClient(server.url)
    session = client.login("admin", PASSWORD)
    win = MainWindow(client, session, client.city())
    qtbot.addWidget(win)
    try:
        assert len(win.menuBar().actions()) == 3  # View, Evaluation, Administration
        win.devices_action.trigger()
        dlg = win.findChild(DeviceDialog)
        assert dlg is not None and dlg.isVisible()
        qtbot.waitUntil(lambda: dlg.inspector.count() == 1, timeout=10000)  # the inspectors, from the server
        dlg.close()
    finally:
        win.close()


def test_identify_names_a_components_departments(qtbot, window):
    """Components carry department codes; the dispatcher reads the departments' names."""
    from app.layers import Feature
    panel = window.identify_panel
    qtbot.waitUntil(lambda: bool(panel.department_names), timeout=10000)  # fetched from the server
    code, name = next(iter(panel.department_names.items()))
    panel.show_features([Feature(layer="部件", kind="component", id="1", properties={"authority": code})])
    top = panel.topLevelItem(0)
    assert [top.child(i).text(1) for i in range(top.childCount())] == [name]
