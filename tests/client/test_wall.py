"""Big-screen mode at 3840×2160 against a real server: figures, new cases on the map and in the
ticker, the rotating panels, burn-in shifts, and a server restart survived without a dialog."""
from __future__ import annotations

import shutil
import warnings

import pytest

pytest.importorskip("pytestqt")

from app.api.client import ApiClient  # noqa: E402
from server_stub.settings import Settings  # noqa: E402
from tests.server.conftest import PASSWORD, LiveServer, seed_world  # noqa: E402

EVENT = {"kind": "event", "class_code": "0102", "lon": 24.944, "lat": 60.170, "description": "暴露垃圾",
         "address": "中心大街 1 号"}


@pytest.fixture(scope="module")
def city_package(tmp_path_factory):
    from server_stub.citydata.package import build_city
    out = tmp_path_factory.mktemp("city")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_city(out, demo=True)
    return out


@pytest.fixture
def settings(tmp_path, city_package, monkeypatch):
    monkeypatch.setenv("OCC_QGIS_PYTHON", "/nonexistent/python3")
    shutil.copytree(city_package, tmp_path / "data" / "city")
    return Settings(db=f"sqlite:///{tmp_path}/occ.sqlite", data_dir=tmp_path / "data", band_watch_seconds=0.2)


def login(url: str, name: str) -> ApiClient:
    c = ApiClient(url, timeout=10)
    c.login(name, PASSWORD)
    return c


def test_wall_at_4k_through_a_server_restart(qtbot, settings):
    from app.wall.window import WallWindow
    srv = LiveServer(settings).__enter__()
    port = srv.port
    try:
        seed_world(srv.app)
        insp = login(srv.url, "inspector")
        first = insp.report(EVENT)
        client = login(srv.url, "leader")
        wall = WallWindow(client, client.city(), credentials=("leader", PASSWORD), refresh_s=0.5, rotate_s=3600,
                          shift_every_s=3600)
        qtbot.addWidget(wall)
        wall.resize(3840, 2160)
        wall.show()
        qtbot.waitUntil(lambda: wall.kpis["reports"].value == "1", timeout=20000)
        assert wall.online and "实时" in wall.status.text() or "Live" in wall.status.text()
        qtbot.waitUntil(lambda: wall.data.city.grids is not None, timeout=30000)
        qtbot.waitUntil(lambda: first["id"] in wall.data.cases.points, timeout=10000)
        # a new case: on the map, in the ticker, in the figures
        second = insp.report({**EVENT, "lon": 24.946})
        qtbot.waitUntil(lambda: second["id"] in wall.data.cases.points, timeout=10000)
        qtbot.waitUntil(lambda: any(second["number"] in t for t in wall.ticker.items), timeout=10000)
        qtbot.waitUntil(lambda: wall.kpis["reports"].value == "2", timeout=10000)
        # panels rotate, content shifts against burn-in
        before = wall.panels.currentIndex()
        wall.rotate()
        assert wall.panels.currentIndex() == (before + 1) % wall.panels.count()
        m0 = wall.root.contentsMargins()
        wall.shift_burn_in()
        m1 = wall.root.contentsMargins()
        assert (m0.left(), m0.top()) != (m1.left(), m1.top())
        assert wall.ticker.height() >= 60 and wall.kpis["reports"].height() > 200  # legible from 8 m
    finally:
        srv.__exit__(None, None, None)
    # the server is gone: the wall says so, shows no dialog and keeps the last figures
    qtbot.waitUntil(lambda: not wall.online, timeout=20000)
    assert "重连" in wall.status.text() or "Reconnecting" in wall.status.text()
    assert wall.kpis["reports"].value == "2"
    from PySide6.QtWidgets import QApplication, QDialog
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]
    # back on the same port: live again, and a case made meanwhile arrives
    srv2 = LiveServer(settings, port=port).__enter__()
    try:
        third = login(srv2.url, "inspector").report({**EVENT, "lon": 24.948})
        qtbot.waitUntil(lambda: wall.online and wall.kpis["reports"].value == "3", timeout=30000)
        qtbot.waitUntil(lambda: third["id"] in wall.data.cases.points, timeout=30000)
    finally:
        wall.close()
        srv2.__exit__(None, None, None)
