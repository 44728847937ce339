"""The video wall against a real server (uvicorn, SQLite) and its demo's live HLS streams: frames
reach the tiles; a tour advances (fake timer); a hidden tile stops decoding; a snapshot lands on the
case as evidence with camera and stream time; a dead URL shows offline and retries while the UI
stays responsive; the saved layout comes back after a restart."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer

from tests.client.video_streams import StreamServer
from tests.server.conftest import PASSWORD, LiveServer, free_port, seed_world

CAMS = {"31010000001320000001": ("人民路东口", 120.6000, 31.3000, 90.0),
        "31010000001320000002": ("人民路西口", 120.6010, 31.3000, 270.0),
        "31010000001320000003": ("中心街道北", 120.6005, 31.3010, 180.0),
        "31010000001320000004": ("中心街道南", 120.6005, 31.2990, 0.0),
        "31010000001320000005": ("滨江公园", 120.6100, 31.3100, 45.0),
        "31010000001320000006": ("火车站广场", 120.6200, 31.3200, 135.0)}
DEAD = "31010000001320000009"
GRID = "320582001001001"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The server with the demo's own live streams: its HLS loop (variant a, sub 640×360 and main
    1280×720) rendered by ffmpeg as at the demo's first start, served live at /streams/a/…"""
    from server_stub.citydata import streams as demo_streams
    from server_stub.db.models import Camera
    from server_stub.settings import Settings
    tmp = tmp_path_factory.mktemp("srv")
    assert demo_streams.prepare_streams(tmp / "data", variants=("a",)) is not None, "ffmpeg is needed"
    settings = Settings(db=f"sqlite:///{tmp}/occ.sqlite", data_dir=tmp / "data")
    with LiveServer(settings) as srv:
        ctx = srv.app.state.ctx
        seed_world(srv.app)
        with ctx.db.transaction() as s:
            for cid, (name, lon, lat, d) in CAMS.items():
                s.add(Camera(id=cid, name=name, lon=lon, lat=lat, direction=d, fov_deg=90.0, range_m=150.0,
                             grid_code=GRID, online=True, stream_url="/streams/a/main.m3u8",
                             sub_stream_url="/streams/a/sub.m3u8"))
            s.add(Camera(id=DEAD, name="断线摄像机", lon=120.63, lat=31.33, direction=0.0, grid_code=GRID,
                         online=True, stream_url=f"http://127.0.0.1:{free_port()}/live/index.m3u8"))
        srv.hls = demo_streams.hls_dir(tmp / "data") / "a"  # the rendered loop (a VOD playlist)
        yield srv


@pytest.fixture
def client(server):
    from app.api.client import ApiClient
    c = ApiClient(server.url, timeout=10)
    c.login("acceptor", PASSWORD)
    return c


@pytest.fixture
def store(tmp_path):
    return QSettings(str(tmp_path / "wall.ini"), QSettings.IniFormat)


def make_wall(qtbot, client, store, **kw):
    from app.video.wall_state import WallState
    from app.widgets.video_wall import VideoWall
    wall = VideoWall(client, state=WallState(store), **kw)
    qtbot.addWidget(wall)
    wall.resize(1280, 760)
    wall.show()
    qtbot.waitExposed(wall)
    wall.load()
    qtbot.waitUntil(lambda: len(wall.cameras) == len(CAMS) + 1, timeout=10000)
    return wall


def stop(wall) -> None:
    wall.stop_all()
    wall.close()


def test_frames_reach_the_tiles_with_stream_time(qtbot, client, store):
    from app.video.player import State
    wall = make_wall(qtbot, client, store)
    try:
        wall.set_layout("1+5")
        ids = list(CAMS)
        wall.put_many(ids)
        tiles = wall.tiles[:6]
        qtbot.waitUntil(lambda: all(t.shown >= 5 for t in tiles), timeout=15000)
        assert all(t.stream.state == State.PLAYING for t in tiles)
        assert [t.camera["id"] for t in tiles] == ids
        # the big tile plays the main stream, the small ones the sub stream (when the camera has one)
        assert wall.url_for(0) == wall.cameras[ids[0]]["stream_url"]
        assert wall.url_for(1) == wall.cameras[ids[1]]["sub_stream_url"]
        assert tiles[0].frame.width > tiles[1].frame.width
        # the overlay's time is the stream's own (EXT-X-PROGRAM-DATE-TIME of the live playlist), not
        # the clock on the wall: HLS plays a few segments behind the live edge
        import requests

        from app.video.stream_time import parse_media_playlist
        shown = tiles[1].stream.last_time
        listed = parse_media_playlist(requests.get(wall.url_for(1), timeout=5).text).times
        assert shown is not None and tiles[1].time_text()
        assert listed[0].timestamp() - 2 <= shown.timestamp() <= listed[-1].timestamp() + 2
        assert time.time() - shown.timestamp() > 2
        # double-click enlarges a small tile (now the main stream) and back
        wall.toggle_enlarged(2)
        assert wall.url_for(2) == wall.cameras[ids[2]]["stream_url"]
        qtbot.waitUntil(lambda: not tiles[1].isVisible() and not tiles[1].stream.active, timeout=2000)
        wall.toggle_enlarged(2)
        qtbot.waitUntil(lambda: tiles[1].stream.active, timeout=2000)
    finally:
        stop(wall)


def test_an_rtsp_camera_plays(qtbot, client, store):
    """The demo's RTSP cameras (gst-rtsp-server in its own process): main and sub over RTSP/TCP."""
    from server_stub.citydata import streams as demo_streams
    cid = list(CAMS)[1]
    started = demo_streams.start_rtsp([cid])
    if started is None:
        pytest.skip("no gst-rtsp-server on this machine (the demo's RTSP cameras play HLS then)")
    proc, port = started
    wall = make_wall(qtbot, client, store)
    try:
        cam = dict(wall.cameras[cid], stream_url=f"rtsp://127.0.0.1:{port}/{cid}/main",
                   sub_stream_url=f"rtsp://127.0.0.1:{port}/{cid}/sub")
        wall.set_cameras([cam, *[c for k, c in wall.cameras.items() if k != cid]])
        wall.set_layout("2x2")
        wall.put(1, cid)
        qtbot.waitUntil(lambda: wall.tiles[1].shown >= 5, timeout=15000)
        assert wall.tiles[1].frame.width <= 640 and wall.tiles[1].stream.url.endswith("/sub")
        assert wall.tiles[1].time_text()  # RTSP: the receive time
    finally:
        stop(wall)
        demo_streams.stop_rtsp(proc)


def test_tour_advances_pauses_and_steps(qtbot, client, store):
    from app.video.tours import Tour
    from tests.client.fakes import FakeTimers
    timers = FakeTimers()
    wall = make_wall(qtbot, client, store, timer_factory=timers)
    try:
        wall.set_layout("2x2")
        tour = Tour("人民路一线", list(CAMS), dwell_s=10)
        wall.tours.start(tour)
        timer = timers.made[0]
        page = lambda: [t.camera["id"] if t.camera else None for t in wall.tiles[:4]]  # noqa: E731
        assert page() == list(CAMS)[:4] and timer.interval() == 10_000
        timer.fire()
        assert page() == list(CAMS)[4:6] + list(CAMS)[:2]  # the last page filled up from the start
        timer.fire()
        assert page() == list(CAMS)[:4]  # round again
        wall.tour_controls.pause_btn.setChecked(True)
        assert not timer.fire()  # paused: the dwell does not run out
        wall.tour_controls.next_btn.click()  # stepping by hand still works
        assert page() == list(CAMS)[4:6] + list(CAMS)[:2]
        assert wall.tour_controls.page.text() == "2/2"
        wall.tours.stop()
        assert not wall.tour_controls.start_btn.isChecked()
        # tours are made in the dialog (all cameras of a street here) and kept with the workstation
        from app.video.wall_state import WallState
        from app.widgets.video_wall.tour_dialog import TourDialog
        dlg = TourDialog(wall, wall.tour_controls.saved)
        qtbot.addWidget(dlg)
        dlg.new_tour()
        dlg.name.setText("中心街道全部")
        dlg.name.textEdited.emit("中心街道全部")
        dlg.dwell.setValue(20)
        dlg.group_kind.setCurrentIndex(dlg.group_kind.findData("street"))
        dlg.group.setCurrentIndex(dlg.group.findData(GRID[:9]))
        dlg.group_add.click()
        wall.tour_controls.set_tours(dlg.tours)
        saved = WallState(store).tours()
        assert [(t.name, t.dwell_s, len(t.cameras)) for t in saved] == [("中心街道全部", 20, len(CAMS) + 1)]
    finally:
        stop(wall)


def test_hidden_tiles_stop_decoding(qtbot, client, store):
    from PySide6.QtWidgets import QDockWidget, QMainWindow
    win = QMainWindow()
    qtbot.addWidget(win)
    from app.video.wall_state import WallState
    from app.widgets.video_wall import VideoWall
    wall = VideoWall(client, state=WallState(store))
    dock = QDockWidget("视频墙", win)
    dock.setWidget(wall)
    win.addDockWidget(Qt.RightDockWidgetArea, dock)
    win.resize(1400, 800)
    win.show()
    qtbot.waitExposed(win)
    wall.load()
    qtbot.waitUntil(lambda: len(wall.cameras) > 4, timeout=10000)
    try:
        wall.set_layout("2x2")
        wall.put_many(list(CAMS)[:4])
        tiles = wall.tiles[:4]
        qtbot.waitUntil(lambda: all(t.shown >= 3 for t in tiles), timeout=15000)
        dock.hide()  # the dock closed
        t = QElapsedTimer()
        t.start()
        qtbot.waitUntil(lambda: not any(x.stream.running for x in tiles), timeout=1500)
        assert t.elapsed() < 1000 and wall.decoding() == 0
        decoded = [x.stream.decoded for x in tiles]
        qtbot.wait(300)
        assert [x.stream.decoded for x in tiles] == decoded  # nothing decodes while hidden
        dock.show()
        qtbot.waitUntil(lambda: all(x.stream.state == "playing" for x in tiles), timeout=5000)
        wall.detach_btn.setChecked(True)  # to a window of its own, full-size on a screen (the other one if any)
        assert dock.isFloating() and dock.geometry().contains(dock.screen().availableGeometry())
        qtbot.waitUntil(lambda: all(x.stream.active for x in tiles), timeout=2000)
        wall.detach_btn.setChecked(False)
        assert not dock.isFloating()
        win.showMinimized()  # the window minimised
        qtbot.waitUntil(lambda: win.isMinimized(), timeout=1000)
        qtbot.waitUntil(lambda: not any(x.stream.running for x in tiles), timeout=1500)
    finally:
        wall.stop_all()
        win.close()


def test_snapshot_lands_on_the_case_with_camera_and_time(qtbot, client, store):
    from app.widgets.video_wall import tile_actions
    case = client.report({"kind": "event", "class_code": "0102", "lon": 120.6005, "lat": 31.3001,
                          "description": "暴露垃圾一堆"})
    wall = make_wall(qtbot, client, store)
    try:
        wall.set_layout("1")
        cid = list(CAMS)[0]
        wall.put(0, cid)
        qtbot.waitUntil(lambda: wall.tiles[0].shown >= 3, timeout=15000)
        wall.set_case(case)
        with qtbot.waitSignal(wall.evidenceAttached, timeout=10000) as sig:
            tile_actions.snapshot_to_case(wall, 0)
        detail = client.case(case["id"])
        photos = detail["photos"].get("evidence") or []
        assert len(photos) == 1 and photos[0]["sha256"] == sig.args[0]["photo"]["sha256"]
        assert photos[0]["camera_id"] == cid and photos[0]["stream_time"]
        jpeg = client.photo(photos[0]["sha256"])
        assert jpeg[:3] == b"\xff\xd8\xff" and len(jpeg) > 5000
    finally:
        stop(wall)


def test_linkage_puts_the_cameras_seeing_a_case_on_the_wall(qtbot, client, store):
    case = client.report({"kind": "event", "class_code": "0102", "lon": 120.6005, "lat": 31.3001,
                          "description": "暴露垃圾一堆"})
    wall = make_wall(qtbot, client, store)
    try:
        wall.set_layout("2x2")
        wall.put_many([None] * 4)
        wall.set_case(case)  # linkage off: the list offers them, the wall stays as it is
        qtbot.waitUntil(lambda: wall.browser.seeing.count() > 0, timeout=10000)
        assert wall.assign[:4] == [None] * 4
        seen = [wall.browser.seeing.item(i).data(0x0100) for i in range(wall.browser.seeing.count())]
        # the four cameras around the place look at it (滨江公园 and 火车站 are too far)
        assert set(seen) == set(list(CAMS)[:4])
        wall.browser.link_btn.click()  # one click
        assert wall.assign[:4] == seen
        wall.put_many([None] * 4)
        wall.linkage.setChecked(True)  # linkage on: a case selected (or turning red) goes up at once
        wall.set_case(dict(case))
        qtbot.waitUntil(lambda: wall.assign[:4] == seen, timeout=10000)
        assert [c["distance_m"] for c in wall.seeing] == sorted(c["distance_m"] for c in wall.seeing)
        # a place no camera looks at: the nearest are offered instead, and go up on one click
        far = client.report({"kind": "event", "class_code": "0102", "lon": 120.6150, "lat": 31.3150,
                             "description": "暴露垃圾一堆"})
        wall.linkage.setChecked(False)
        wall.set_case(far)
        qtbot.waitUntil(lambda: "最近" in wall.browser.case_label.text() or "nearest" in wall.browser.case_label.text(),
                        timeout=10000)
        assert wall.seeing == [] and wall.browser.seeing.count() > 0
        wall.browser.link_btn.click()
        assert wall.assign[0] == wall.browser.seeing_ids()[0]
    finally:
        stop(wall)


def test_a_case_turning_red_and_a_camera_going_offline_reach_the_wall(qtbot, client, store):
    """Through the main window's event stream (wiring.attach): with linkage on, a case that turns
    red puts its cameras up; camera.changed offline stops that tile."""
    from types import SimpleNamespace

    from PySide6.QtCore import QObject, Signal

    from app.video.player import State
    from app.widgets.video_wall import wiring

    class Events(QObject):
        event = Signal(dict)
        resync = Signal()

    case = client.report({"kind": "event", "class_code": "0102", "lon": 120.6005, "lat": 31.3001,
                          "description": "暴露垃圾一堆"})
    wall = make_wall(qtbot, client, store)
    events = Events()
    win = SimpleNamespace(panels={}, events=events, data=SimpleNamespace(case_props={case["id"]: case}))
    try:
        wiring.attach(win, wall)
        wall.set_layout("2x2")
        wall.put_many([None] * 4)
        events.event.emit({"type": "case.band", "data": {"id": case["id"], "band": "red"}})
        qtbot.wait(300)
        assert wall.assign[:4] == [None] * 4  # linkage off: nothing moves
        wall.linkage.setChecked(True)
        events.event.emit({"type": "case.band", "data": {"id": case["id"], "band": "red"}})
        qtbot.waitUntil(lambda: set(wall.assign[:4]) == set(list(CAMS)[:4]), timeout=10000)
        qtbot.waitUntil(lambda: wall.tiles[0].stream.active, timeout=2000)
        first = wall.assign[0]
        events.event.emit({"type": "camera.changed", "data": {"id": first, "online": False}})
        assert wall.tiles[0].stream.state == State.CAMERA_OFFLINE and not wall.tiles[0].stream.active
    finally:
        stop(wall)


def test_video_patrol_report_from_a_tile(qtbot, client, store):
    from app.widgets.video_wall import tile_actions
    wall = make_wall(qtbot, client, store)
    try:
        wall.set_layout("1")
        cid = list(CAMS)[2]
        wall.put(0, cid)
        qtbot.waitUntil(lambda: wall.tiles[0].shown >= 3, timeout=15000)
        tile_actions.report(wall, 0)
        qtbot.waitUntil(lambda: wall.report_dialog is not None and bool(wall.report_dialog.picker._classes),
                        timeout=10000)
        dlg = wall.report_dialog
        assert dlg.place.point() == (CAMS[cid][1], CAMS[cid][2])  # the camera's place
        dlg.picker.set_current("event", "0102")
        with qtbot.waitSignal(dlg.accepted, timeout=10000):
            dlg.submit()
        case = client.case(dlg.case["id"])
        assert case["source"] == "video"
        photos = case["photos"]["report"]
        assert len(photos) == 1 and photos[0]["camera_id"] == cid and photos[0]["stream_time"]
    finally:
        stop(wall)


def test_dead_url_shows_offline_and_retries_without_blocking(qtbot, client, store):
    from app.video.player import State
    wall = make_wall(qtbot, client, store)
    try:
        wall.set_layout("2x2")
        tile = wall.tiles[0]
        tile.stream.backoff = (0.05, 0.1)
        ticks: list[float] = []
        beat = QTimer()
        beat.timeout.connect(lambda: ticks.append(time.monotonic()))
        beat.start(10)
        wall.put(0, DEAD)
        qtbot.waitUntil(lambda: tile.stream.attempts >= 3, timeout=5000)
        beat.stop()
        assert tile.stream.state in (State.OFFLINE, State.RECONNECTING)
        assert tile.status_text() in ("Offline", "Reconnecting", "离线", "重连中")
        gaps = [b - a for a, b in zip(ticks, ticks[1:])]
        assert len(ticks) > 10 and max(gaps) < 0.25  # the UI kept its beat while the stream retried
        # the server reports a camera offline: shown as such, not even tried
        wall.camera_changed({"id": list(CAMS)[5], "online": False})
        wall.put(1, list(CAMS)[5])
        assert wall.tiles[1].stream.state == State.CAMERA_OFFLINE and not wall.tiles[1].stream.active
    finally:
        stop(wall)


def test_a_stream_that_drops_keeps_its_last_time_and_reconnects(qtbot, server):
    from app.video.player import State, VideoStream
    srv = StreamServer(server.hls)  # the demo's loop on a server of its own, to be switched off
    s = VideoStream(backoff=(0.05, 0.1))
    s.start(srv.url("sub/index.m3u8"))
    qtbot.waitUntil(lambda: s.decoded >= 5, timeout=10000)
    srv.stop()  # the source goes away
    qtbot.waitUntil(lambda: s.state == State.OFFLINE and s.attempts >= 3, timeout=10000)
    assert s.last_time is not None  # the tile keeps showing the last frame's time
    s.stop()


def test_saved_layout_comes_back_after_restart(qtbot, client, store):
    wall = make_wall(qtbot, client, store)
    a, b = list(CAMS)[0], list(CAMS)[3]
    wall.set_layout("1+7")
    wall.put(0, a)
    wall.drop(5, b, -1)
    stop(wall)
    again = make_wall(qtbot, client, store)
    try:
        assert again.layout_key == "1+7" and again.layout_box.currentText() == "1+7"
        assert again.assign[0] == a and again.assign[5] == b
        assert again.tiles[5].camera["name"] == CAMS[b][0]
        again.drop(0, b, 5)  # tile to tile: the two swap
        assert again.assign[0] == b and again.assign[5] == a
    finally:
        stop(again)
