"""Client (Qt) tests: offscreen platform, small deterministic maps with known coordinates."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(scope="module")
def chinese(qapp):
    """The UI as shipped (zh_CN) for a module's tests (`pytestmark = pytest.mark.usefixtures("chinese")`);
    English again after it."""
    from app.i18n import install_translator
    assert install_translator(qapp, "zh_CN")
    yield
    install_translator(qapp, "en")


@pytest.fixture(scope="session")
def demo_city_server(tmp_path_factory):
    """One live server on the demo city (2 days of history) for every whole-window test module of
    the session: the language walk, the working day's tools, the whole day's loop. Each test makes
    its own cases."""
    from tests.client.demo_world import build_demo_package, demo_server
    mp = pytest.MonkeyPatch()
    try:
        package = build_demo_package(tmp_path_factory.mktemp("demo_city"))
        with demo_server(tmp_path_factory.mktemp("srv"), package, mp) as srv:
            yield srv
    finally:
        mp.undo()


CRS = "EPSG:4527"  # CGCS2000 3-degree GK zone 39
CX, CY = 39_390_000.0, 3_170_000.0  # near Nanchang
W, H = 400, 300


@pytest.fixture
def viewport():
    from app.map.viewport import Viewport

    return Viewport(crs=CRS, cx=CX, cy=CY, mupp=1.0, width=W, height=H, dpi=96.0)


@pytest.fixture
def canvas(qtbot):
    from app.map.canvas import MapCanvas

    c = MapCanvas(crs=CRS, dpi=96.0, settle_ms=20)
    c.resize(W, H)
    qtbot.addWidget(c)
    c.show()
    qtbot.waitExposed(c)
    c.set_viewport(c.viewport.with_center(CX, CY).with_mupp(1.0), render=False)
    yield c
    c.close()


@pytest.fixture
def clocked_canvas(qtbot):
    """A canvas on a fake clock whose settle and animation timers fire only when the test says:
    (canvas, clock, timers). Rendering still runs on real threads."""
    from app.map.canvas import MapCanvas

    from .fakes import FakeClock, FakeTimers

    clock, timers = FakeClock(), FakeTimers()
    c = MapCanvas(crs=CRS, dpi=96.0, settle_ms=20, clock=clock, timer_factory=timers)
    c.resize(W, H)
    qtbot.addWidget(c)
    c.show()
    qtbot.waitExposed(c)
    c.set_viewport(c.viewport.with_center(CX, CY).with_mupp(1.0), render=False)
    yield c, clock, timers
    c.close()


def rgba(img, x, y):
    """(r, g, b, a) of a QImage pixel (un-premultiplied)."""
    from PySide6.QtGui import QColor

    c = QColor.fromRgba(img.pixel(int(x), int(y)))
    return c.red(), c.green(), c.blue(), c.alpha()


def is_red(c) -> bool:
    r, g, b, a = c
    return a > 200 and r > 170 and g < 90 and b < 90


def square(x0, y0, side):
    import shapely

    return shapely.box(x0, y0, x0 + side, y0 + side)


@pytest.fixture
def small_city():
    """A 3 x 3 block of 100 m unit grids centred on (CX, CY), components and cases at known places."""
    import shapely

    from app.layers import CaseLayer, ComponentLayer, UnitGridLayer

    grids, codes = [], []
    for j in range(3):
        for i in range(3):
            grids.append(shapely.box(CX - 150 + 100 * i, CY - 150 + 100 * j, CX - 50 + 100 * i, CY - 50 + 100 * j))
            codes.append(f"360102001001{1 + j * 3 + i:03d}")
    grid_layer = UnitGridLayer(grids, codes, crs=CRS)
    comp = ComponentLayer(np.array([CX + 20.0, CX - 80.0]), np.array([CY + 10.0, CY - 70.0]), ["0105", "0402"],
                          crs=CRS, ids=["3601020105000001", "3601020402000002"])
    cases = CaseLayer(crs=CRS)
    cases.set_cases(["C1", "C2"], [CX - 30.0, CX + 60.0], [CY + 40.0, CY - 40.0], kinds=["event", "component"],
                    bands=["red", "green"])
    return grid_layer, comp, cases
