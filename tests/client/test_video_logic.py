"""The stream's own time: HLS program date-times, the segment FFmpeg starts on, discontinuities."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from app.video.player import Pacer
from app.video.stream_time import parse_datetime, parse_media_playlist

LIVE = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:100
#EXT-X-PROGRAM-DATE-TIME:2026-12-02T06:00:00.000Z
#EXTINF:2.000,
sub/100.ts
#EXT-X-PROGRAM-DATE-TIME:2026-12-02T06:00:02.000Z
#EXTINF:2.000,
sub/101.ts
#EXT-X-DISCONTINUITY
#EXT-X-PROGRAM-DATE-TIME:2026-12-02T06:00:04.000Z
#EXTINF:2.000,
sub/102.ts
#EXTINF:2.000,
sub/103.ts
"""
T0 = datetime(2026, 12, 2, 6, 0, tzinfo=timezone.utc)


def test_playlist_times_and_live_start():
    pl = parse_media_playlist(LIVE)
    assert not pl.ended
    # the segment without its own tag continues from the one before
    assert pl.times == [T0, T0 + timedelta(seconds=2), T0 + timedelta(seconds=4), T0 + timedelta(seconds=6)]
    assert parse_datetime("2026-12-02T14:00:00.000+0800") == T0
    assert parse_media_playlist(LIVE + "#EXT-X-ENDLIST\n").ended


def test_pacer_paces_and_continues_the_time_across_a_discontinuity():
    p = Pacer(T0)
    wait, st = p.place(10.0, now=100.0)
    assert wait == 0 and st == T0
    wait, st = p.place(10.04, now=100.0)  # early: due in 40 ms
    assert abs(wait - 0.04) < 1e-9 and st == T0 + timedelta(seconds=0.04)
    wait, st = p.place(10.08, now=100.2)  # 120 ms late
    assert abs(wait + 0.12) < 1e-9
    # the looping source starts over: pts back to 0, the stream time goes on one frame later
    wait, st = p.place(0.0, now=100.2)
    assert st == T0 + timedelta(seconds=0.12) and wait == 0
    wait, st = p.place(0.04, now=100.24)
    assert st == T0 + timedelta(seconds=0.16)
    wait, st = p.place(3.0, now=103.3)  # a stall of 3 s (far behind): the pace starts again from here
    assert wait == 0


def test_without_program_date_time_frames_carry_the_receive_time():
    _, st = Pacer(None).place(5.0, now=1.0)
    assert abs((datetime.now(timezone.utc) - st).total_seconds()) < 5


def test_layouts_cover_their_grid_once():
    from app.video.layouts import LAYOUTS
    assert {k: v.tiles for k, v in LAYOUTS.items()} == {"1": 1, "2x2": 4, "3x3": 9, "4x4": 16, "1+5": 6, "1+7": 8}
    for lay in LAYOUTS.values():
        cells = [(r + i, c + j) for r, c, rs, cs in lay.cells for i in range(rs) for j in range(cs)]
        assert sorted(cells) == [(r, c) for r in range(lay.grid) for c in range(lay.grid)]
    assert LAYOUTS["1+5"].is_big(0) and not LAYOUTS["1+5"].is_big(1) and not LAYOUTS["4x4"].is_big(0)


def test_tour_pages_fill_up_from_the_start():
    from app.video.tours import Tour
    t = Tour("t", [str(i) for i in range(6)], 10)
    assert t.pages(4) == 2 and t.page(0, 4) == ["0", "1", "2", "3"] and t.page(1, 4) == ["4", "5", "0", "1"]
    assert Tour("t", ["a"], 10).page(0, 4) == ["a"]
    assert Tour.from_json({"name": "x", "cameras": [1, 2], "dwell_s": 0}).dwell_s >= 3  # nonsense dwell: the minimum


def test_camera_groups_by_grid_community_street_and_responsibility_grid():
    from app.video import groups
    cams = [{"id": "1", "name": "甲", "grid_code": "360102001001001"}, {"id": "2", "name": "乙", "grid_code": "360102001002001"},
            {"id": "3", "name": "丙", "grid_code": "360102002001001"}, {"id": "4", "name": "丁"}]
    names = {"360102001": "中心街道", "360102001001": "人民社区"}
    rgs = [{"code": "R01", "name": "一号责任网格", "unit_grids": ["360102001001001", "360102002001001"]}]
    assert groups.members("street", "360102001", cams) == ["1", "2"]
    assert groups.members("community", "360102001001", cams) == ["1"]
    assert groups.members("unit_grid", "360102002001001", cams) == ["3"]
    assert groups.members("responsibility_grid", "R01", cams, rgs) == ["1", "3"]
    assert groups.options("street", cams, names)[0] == ("360102001", "中心街道  (360102001)")
    assert [c for c, _ in groups.options("responsibility_grid", cams, names, rgs)] == ["R01"]


def test_camera_search_by_name_street_grid_and_pinyin_initials():
    from app.widgets.video_wall.camera_list import search_key
    key = search_key({"id": "31010000001320000001", "name": "人民路口", "grid_code": "360102001001001"},
                     {"360102001": "中心街道", "360102001001": "人民社区"})
    for q in ("人民路", "rmlk", "中心街道", "zxjd", "rmsq", "360102001001001"):
        assert q in key


def test_a_late_live_stream_is_skipped_briefly_then_shown_again():
    p = Pacer(T0)
    p.place(0.0, now=0.0)
    shown = []
    for k in range(1, 40):  # every frame arrives 0.4 s late (a segment came late): no catching up
        wait, _ = p.place(k * 0.04, now=k * 0.04 + 0.4)
        shown.append(-wait <= 0.15)
    assert not any(shown[:12]) and all(shown[14:])  # half a second skipped, then the pace resets


def test_a_camera_drags_from_the_map(canvas, qtbot, monkeypatch):
    """Pressing on a camera symbol and moving starts a drag carrying the camera; elsewhere the map's
    own tool gets the mouse."""
    import numpy as np
    from PySide6.QtCore import QPoint, Qt

    from app.layers import CameraLayer
    from app.widgets.video_wall import map_drag
    from app.widgets.video_wall.tile import read_camera_mime
    from tests.client.conftest import CRS, CX, CY

    drags = []

    class FakeDrag:
        def __init__(self, source):  # noqa: ANN001
            self.source = source

        def setMimeData(self, md):  # noqa: N802, ANN001
            self.mime = read_camera_mime(md)

        def exec(self, action):  # noqa: ANN001 - a real drag would run a nested event loop here
            drags.append(self.mime)

    monkeypatch.setattr(map_drag, "QDrag", FakeDrag)
    cams = CameraLayer(crs=CRS, min_scale=None)
    cams.set_cameras(["31010000001320000001"], np.array([CX]), np.array([CY]), azimuth=np.array([90.0]))
    canvas.add_layer(cams, zoom=False)
    map_drag.MapCameraDrag(canvas)
    px, py = canvas.map_to_pixel(CX, CY)
    at = QPoint(int(px), int(py))
    qtbot.mousePress(canvas, Qt.LeftButton, pos=at)
    qtbot.mouseMove(canvas, at + QPoint(30, 0))
    qtbot.mouseRelease(canvas, Qt.LeftButton, pos=at + QPoint(30, 0))
    assert drags == [("31010000001320000001", -1)]
    qtbot.mousePress(canvas, Qt.LeftButton, pos=QPoint(5, 5))  # no camera there: no drag
    qtbot.mouseMove(canvas, QPoint(60, 40))
    qtbot.mouseRelease(canvas, Qt.LeftButton, pos=QPoint(60, 40))
    assert len(drags) == 1
