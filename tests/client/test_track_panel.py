"""The track playback panel against a real server, with the inspector's positions posted through
/osmand as a phone would: choose, load, play on a fake clock, scrub, see the analysis, open a case,
export GPX/KML/CSV/PNG and read them back with real parsers."""
from __future__ import annotations

import warnings
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

pytest.importorskip("pytestqt")

import requests  # noqa: E402

from app.api.client import ApiClient  # noqa: E402
from server_stub.settings import Settings  # noqa: E402
from tests.server.conftest import PASSWORD, LiveServer, seed_world  # noqa: E402
from tests.server.test_reference_seed import DEV1_KEY, LAT0, seed_city  # noqa: E402

START = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=3)
WALK, STAY, CAR = 20, 72, 12


@pytest.fixture
def srv(tmp_path):
    s = Settings(db=f"sqlite:///{tmp_path}/occ.sqlite", data_dir=tmp_path / "data")
    with LiveServer(s) as server:
        seed_world(server.app)
        server.ids = seed_city(server.app.state.ctx)
        yield server


def osmand_walk(srv) -> list[tuple[float, float, float]]:
    """Walk, stay 6 min, lose the signal 3 min, drive: fixes every 5 s sent like OsmAnd does."""
    fixes, t, lat = [], START, LAT0 + 0.0005
    for k in range(WALK):
        fixes.append((t, 115.8502 + k * 0.0000665, lat)); t += timedelta(seconds=5)
    lon = fixes[-1][1]
    for _ in range(STAY):
        fixes.append((t, lon, lat)); t += timedelta(seconds=5)
    t += timedelta(minutes=3)
    for k in range(CAR):
        fixes.append((t, lon + 0.0002 + k * 0.00085, lat)); t += timedelta(seconds=5)
    http = requests.Session()
    for at, x, y in fixes:
        r = http.get(f"{srv.url}/osmand", params=osmand_params(srv, at, x, y))
        assert r.status_code == 200, r.text
    return [(at.timestamp(), x, y) for at, x, y in fixes]


def osmand_params(srv, at, lon, lat) -> dict:
    return {"id": "dev-1", "key": DEV1_KEY, "timestamp": int(at.timestamp()), "lat": f"{lat:.7f}",
            "lon": f"{lon:.7f}", "speed": "2.5", "bearing": "90"}


class FakeTime:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def panel(qtbot, srv, tmp_path):
    from app.layers.tracks import TrackLayer
    from app.map.canvas import MapCanvas
    from app.widgets.track_panel import TrackPanel
    from app.widgets.track_timeline import PlaybackClock

    client = ApiClient(srv.url)
    client.login("dispatcher", PASSWORD)
    canvas = MapCanvas(crs="EPSG:4527", settle_ms=10)
    canvas.resize(640, 480)
    qtbot.addWidget(canvas)
    layer = TrackLayer(crs="EPSG:4527")
    canvas.add_layer(layer, zoom=False)
    fake = FakeTime()
    clock = PlaybackClock(now=fake)
    p = TrackPanel(client, layer, canvas=canvas, clock=clock)
    p.fake = fake
    qtbot.addWidget(p)
    p.show()
    canvas.show()
    p.refresh()
    qtbot.waitUntil(lambda: p.inspector_list.count() == 1, timeout=10000)
    yield p
    clock.pause()
    canvas.close()


def load(qtbot, panel):
    panel.choose([panel.inspectors[0]["inspector_id"]])
    panel.set_range(START - timedelta(minutes=5), START + timedelta(hours=1))
    with qtbot.waitSignal(panel.loaded, timeout=20000):
        panel.load_btn.click()


def test_choose_by_group_load_and_analyse(qtbot, srv, panel):
    fixes = osmand_walk(srv)
    i = panel.group_combo.findText("街道：公园街道") if panel.group_combo.findText("街道：公园街道") >= 0 else \
        next(k for k in range(panel.group_combo.count()) if "公园街道" in panel.group_combo.itemText(k))
    panel.group_combo.setCurrentIndex(i)
    panel._pick_group(i)
    assert panel.chosen_ids() == [srv.ids["inspector_id"]]
    load(qtbot, panel)
    tr = panel.layer.tracks[0]
    assert len(tr) == len(fixes) and tr.name == "监督员一"
    assert panel.summary.rowCount() == 1
    assert panel.stops_table.rowCount() == 1 and panel.gaps_table.rowCount() == 1
    assert panel.fast_table.rowCount() == 1
    assert "2/2" in panel.summary.item(0, 6).text()  # both unit grids of RG-01 visited
    assert len(panel.layer.coverage) == 0  # no city grid layer given to this panel


def test_playback_on_one_clock_with_fake_time(qtbot, srv, panel):
    fixes = osmand_walk(srv)
    load(qtbot, panel)
    clock, layer = panel.clock, panel.layer
    assert clock.time == pytest.approx(fixes[0][0])
    panel.speed_combo.setCurrentIndex(panel.speed_combo.findData(64))
    panel.play_btn.click()
    assert clock.playing and panel.play_btn.text() in ("暂停", "Pause")
    panel.fake.now += 1.0  # one second of wall time at 64×
    clock.tick()
    assert clock.time == pytest.approx(fixes[0][0] + 64)
    x, y, heading, live = layer.position_at(layer.tracks[0], clock.time)
    assert live and 85 <= heading <= 95
    # The big clock shows the city's local time.
    local = datetime.fromtimestamp(clock.time, panel.tz).strftime("%H:%M:%S")
    assert local in panel.clock_label.text()
    # Inside the signal gap the marker holds the last fix and says so.
    gap_mid = fixes[WALK + STAY - 1][0] + 90
    clock.seek(gap_mid)
    assert layer.position_at(layer.tracks[0], gap_mid)[3] is False
    # Play runs to the end and stops by itself.
    panel.fake.now += 10_000
    clock.tick()
    assert not clock.playing and clock.time == clock.end
    panel.clock.step(-60)
    assert clock.time == clock.end - 60


def test_timeline_scrub_and_case_click(qtbot, srv, panel):
    osmand_walk(srv)
    insp = ApiClient(srv.url)
    insp.login("insp1", "pw-insp1")
    case = insp.report({"kind": "event", "class_code": "0102", "lon": 115.8505, "lat": LAT0 + 0.0005,
                        "description": "暴露垃圾"})
    panel.choose([srv.ids["inspector_id"]])
    panel.set_range(START - timedelta(minutes=5), datetime.now(timezone.utc) + timedelta(minutes=1))
    with qtbot.waitSignal(panel.loaded, timeout=20000):
        panel.load_btn.click()
    assert panel.cases_table.rowCount() == 1 and panel.cases_table.item(0, 3).text() == case["number"]
    with qtbot.waitSignal(panel.caseSelected, timeout=2000) as got:
        panel._open_case_row(0, 0)
    assert got.args == [case["id"]]
    tl = panel.timeline
    from PySide6.QtCore import QPoint, Qt
    mid = QPoint(tl.width() // 2, tl.AXIS_H + 4)
    qtbot.mouseClick(tl, Qt.LeftButton, pos=mid)
    assert panel.clock.time == pytest.approx(tl._t(mid.x()), abs=1)
    mark = next(m for m in tl.marks if m.kind == "case")
    with qtbot.waitSignal(tl.caseClicked, timeout=2000) as got:
        qtbot.mouseClick(tl, Qt.LeftButton, pos=QPoint(int(tl._x(mark.t0)), int(tl._row_y(0) + tl.ROW_H / 2)))
    assert got.args == [case["id"]]


def test_exports_read_back_with_real_parsers(qtbot, srv, panel, tmp_path):
    import gpxpy
    from fastkml import kml as fkml
    fixes = osmand_walk(srv)
    load(qtbot, panel)
    g = gpxpy.parse(panel.export("gpx", tmp_path / "t.gpx").read_text(encoding="utf-8"))
    pts = g.tracks[0].segments[0].points
    assert g.tracks[0].name == "监督员一" and len(pts) == len(fixes)
    assert pts[0].time.timestamp() == fixes[0][0]
    assert (pts[-1].longitude, pts[-1].latitude) == (pytest.approx(fixes[-1][1]), pytest.approx(fixes[-1][2]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        k = fkml.KML.from_string(panel.export("kml", tmp_path / "t.kml").read_bytes())
    pm = list(list(k.features)[0].features)[0]
    # A KML LineString (what QGIS and GDAL read): the parser folds the stop's repeated points.
    unique = [xy for k, xy in enumerate((x, y) for _, x, y in fixes) if k == 0 or xy != (fixes[k - 1][1], fixes[k - 1][2])]
    assert pm.name == "监督员一" and np.allclose(pm.geometry.coords, unique, atol=1e-7)
    rows = (tmp_path / "t.csv")
    panel.export("csv", rows)
    import csv
    with rows.open(encoding="utf-8-sig") as f:
        got = list(csv.DictReader(f))
    assert len(got) == len(fixes) and got[0]["inspector"] == "监督员一"
    png = panel.export("png", tmp_path / "map.png")
    from PySide6.QtGui import QImage
    img = QImage(str(png))
    assert not img.isNull() and img.width() == panel.canvas.width()


def test_track_draws_coloured_by_speed(qtbot, srv, panel):
    """The fast stretch is drawn in the implausible colour, the walk in blue, the gap dashed grey."""
    from app.layers.tracks import IMPLAUSIBLE
    osmand_walk(srv)
    load(qtbot, panel)
    vp = panel.canvas.viewport
    img = panel.layer.render(vp)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(img.height(), img.bytesPerLine())[:, :img.width() * 4]
    px = arr.reshape(img.height(), img.width(), 4)  # BGRA premultiplied
    magenta = (np.abs(px[..., 2].astype(int) - IMPLAUSIBLE.red()) < 30) & \
        (np.abs(px[..., 1].astype(int) - IMPLAUSIBLE.green()) < 30) & \
        (np.abs(px[..., 0].astype(int) - IMPLAUSIBLE.blue()) < 30) & (px[..., 3] > 200)
    assert magenta.sum() > 50


def test_live_mode_follows_new_fixes(qtbot, srv, panel):
    """Live: the last half hour now, extended by each inspector.position event from the stream."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    http = requests.Session()
    for k in range(6):
        at = now - timedelta(minutes=6 - k)
        assert http.get(f"{srv.url}/osmand", params=osmand_params(srv, at, 115.8502 + k * 1e-4, LAT0 + 0.0005)).ok
    panel.choose([srv.ids["inspector_id"]])
    with qtbot.waitSignal(panel.loaded, timeout=20000):
        panel.live_check.setChecked(True)
    tr = panel.layer.tracks[0]
    assert len(tr) == 6 and panel.clock.live and panel.clock.playing
    fix_at = datetime.now(timezone.utc).isoformat()
    panel.on_event({"type": "inspector.position", "data": {"user_id": srv.ids["inspector_id"], "lon": 115.8510,
                                                           "lat": LAT0 + 0.0005, "bearing": 90.0, "fix_at": fix_at}})
    tr = panel.layer.tracks[0]
    assert len(tr) == 7 and tr.lon[-1] == 115.8510
    panel.clock.tick()
    x, y, _h, live = panel.layer.position_at(tr, panel.clock.time)
    assert live
    panel.live_check.setChecked(False)
    assert not panel.clock.playing and not panel.clock.live


def test_follow_and_playback_frames_render_no_layer_again(qtbot, srv, panel):
    """Playing re-renders nothing: frames compose the cached layer images and paint the markers.
    Follow mode re-centres (one render pass) only when the inspector leaves the middle of the map."""
    osmand_walk(srv)
    load(qtbot, panel)
    canvas = panel.canvas
    assert canvas.wait_for_render(20)
    renders: list[str] = []
    canvas.layerRendered.connect(lambda name, _s: renders.append(name))
    panel.speed_combo.setCurrentIndex(panel.speed_combo.findData(4))
    panel.play_btn.click()
    for _ in range(30):  # half a second of frames, the walk moving a few metres
        panel.fake.now += 1 / 60
        panel.clock.tick()
        canvas.repaint()
    assert renders == []
    canvas.zoom_to_scale(500)  # close in: the walk soon leaves the middle of the map
    assert canvas.wait_for_render(20)
    renders.clear()
    panel.follow_check.setChecked(True)
    centres = 0
    for _ in range(120):
        before = canvas.viewport.key()
        panel.fake.now += 1 / 60
        panel.clock.tick()
        centres += canvas.viewport.key() != before
    assert 1 <= centres <= 20  # not once a frame
    x, y, *_ = panel.layer.position_at(panel.layer.tracks[0], panel.clock.time)
    assert not panel._off_centre(x, y)
