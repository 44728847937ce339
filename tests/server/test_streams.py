"""The demo's live camera streams: the sliding-window HLS playlist computed from the clock, served
by the server and read by ffmpeg (the ecosystem's own client), and the RTSP process."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from server_stub.api import streams as streams_api
from server_stub.app import create_app
from server_stub.citydata import hls_live, streams
from server_stub.settings import Settings

from .conftest import LiveServer

FFMPEG = shutil.which("ffmpeg")
FFPROBE = shutil.which("ffprobe")
needs_ffmpeg = pytest.mark.skipif(not (FFMPEG and FFPROBE), reason="ffmpeg/ffprobe not installed")
CAM = "32058200081326000004"  # plays variant "a" (4 % 4 == 0)


def _loop(n: int = 3, d: float = 2.0) -> hls_live.Loop:
    return hls_live.Loop(tuple(Path(f"seg{i}.ts") for i in range(n)), (d,) * n)


def _tags(text: str, tag: str) -> list[str]:
    return re.findall(rf"^#{tag}:(.*)$", text, re.M)


def test_playlist_is_live_and_advances_with_the_clock():
    loop = _loop()  # 3 segments of 2 s: a 6 s loop since the epoch
    t = 1_764_684_001.5  # 2025-12-02T14:00:01.5Z: 294114000 loops and 0.75 of a segment
    a = hls_live.playlist(loop, t)
    assert _tags(a, "EXT-X-TARGETDURATION") == ["2"]
    first = int(_tags(a, "EXT-X-MEDIA-SEQUENCE")[0])
    uris = [ln for ln in a.splitlines() if ln and not ln.startswith("#")]
    assert uris == [f"{s}.ts" for s in range(first, first + hls_live.WINDOW)]
    playing = loop.segment_at(t)
    assert first + hls_live.WINDOW == playing  # the newest listed one has finished; the playing one is not listed
    dates = [datetime.fromisoformat(x.replace("Z", "+00:00")).timestamp() for x in _tags(a, "EXT-X-PROGRAM-DATE-TIME")]
    assert dates == [loop.start_of(s) for s in range(first, first + hls_live.WINDOW)]
    assert dates[-1] + 2.0 <= t < dates[-1] + 4.0  # the live edge is at most a segment behind the clock
    # the loop's jump back is a discontinuity, counted so that a segment of loop q has number q
    assert a.count("#EXT-X-DISCONTINUITY\n") == sum(1 for s in range(first + 1, first + 4) if s % 3 == 0)
    assert int(_tags(a, "EXT-X-DISCONTINUITY-SEQUENCE")[0]) == first // 3
    # 2 s later: one more segment, the window moved by one, the same segment keeps its name and time
    b = hls_live.playlist(loop, t + 2.0)
    assert int(_tags(b, "EXT-X-MEDIA-SEQUENCE")[0]) == first + 1
    assert _tags(b, "EXT-X-PROGRAM-DATE-TIME")[:-1] == _tags(a, "EXT-X-PROGRAM-DATE-TIME")[1:]
    assert loop.file_of(first) == Path(f"seg{first % 3}.ts")


def test_segment_arithmetic_with_uneven_segments():
    loop = hls_live.Loop((Path("0"), Path("1"), Path("2")), (2.0, 1.0, 3.0))
    assert [loop.segment_at(t) for t in (0, 1.99, 2.0, 2.5, 3.0, 5.99, 6.0, 8.5)] == [0, 0, 1, 1, 2, 2, 3, 4]
    assert [loop.start_of(s) for s in range(5)] == [0, 2, 3, 6, 8]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Variant "a", sub stream only: one loop rendered by the real ffmpeg (a few seconds)."""
    if not (FFMPEG and FFPROBE):
        pytest.skip("ffmpeg/ffprobe not installed")
    data = tmp_path_factory.mktemp("streams")
    took = streams.prepare_streams(data, variants=("a",), qualities=("sub",))
    assert took is not None
    print(f"\nrendered one {streams.LOOP_S} s 640x360 HLS loop in {took:.1f} s")
    return data


def _settings(data: Path, tmp: Path) -> Settings:
    return Settings(db=f"sqlite:///{tmp}/occ.sqlite", data_dir=data, band_watch_seconds=0.5)


def test_served_playlist_and_segments(rendered, tmp_path, monkeypatch):
    monkeypatch.setattr(streams_api, "clock", lambda: 1_764_684_001.5)
    with TestClient(create_app(_settings(rendered, tmp_path))) as c:
        r = c.get(f"/streams/{CAM}/sub.m3u8")  # no login: players fetch it as it is
        assert r.status_code == 200 and r.headers["content-type"] == "application/vnd.apple.mpegurl"
        assert r.headers["cache-control"] == "no-cache"
        uris = [ln for ln in r.text.splitlines() if ln and not ln.startswith("#")]
        assert all(u.startswith("sub/") for u in uris) and len(uris) == hls_live.WINDOW
        seg = c.get(f"/streams/{CAM}/{uris[-1]}")
        assert seg.status_code == 200 and seg.headers["content-type"] == "video/mp2t"
        assert seg.content[0] == 0x47 and len(seg.content) % 188 == 0  # MPEG-TS packets
        assert c.get("/streams/a/sub.m3u8").text == r.text  # the variant by its name
        assert c.get(f"/streams/{CAM}/main.m3u8").status_code == 404  # not rendered here
        for bad in ("/streams/..%2F..%2Fetc/sub.m3u8", "/streams/a/hd.m3u8", "/streams/123/sub.m3u8",
                    "/streams/a/sub/-1.ts", "/streams/a/sub/x.ts"):
            assert c.get(bad).status_code in (404, 422), bad


def test_not_rendered_yet_is_503_then_404_without_demo(tmp_path):
    app = create_app(_settings(tmp_path / "data", tmp_path))
    with TestClient(app) as c:
        assert c.get("/streams/a/sub.m3u8").status_code == 404
        app.state.ctx.extras[streams.STATE_KEY] = {"state": "rendering", "seconds": None}
        r = c.get("/streams/a/sub.m3u8")
        assert r.status_code == 503 and r.headers["retry-after"] == "2"
        assert c.get("/api/health").json()["demo_streams"]["state"] == "rendering"


def _frames(url: str, n: int, extra: tuple[str, ...] = ()) -> int:
    """Frames ffmpeg decodes from the URL (it stops after n)."""
    out = subprocess.run([FFMPEG, "-v", "error", *extra, "-i", url, "-frames:v", str(n), "-f", "null", "-",
                          "-progress", "pipe:1"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr[-500:]
    return max(int(x) for x in re.findall(r"^frame=(\d+)", out.stdout, re.M))


def test_ffmpeg_plays_the_live_hls_from_the_server(rendered, tmp_path):
    with LiveServer(_settings(rendered, tmp_path)) as srv:
        url = f"{srv.url}/streams/{CAM}/sub.m3u8"
        probe = subprocess.run([FFPROBE, "-v", "error", "-select_streams", "v", "-show_entries",
                                "stream=codec_name,width,height,avg_frame_rate", "-of", "csv=p=0", url],
                               capture_output=True, text=True, timeout=30)
        assert set(probe.stdout.split()) == {"h264,640,360,25/1"}, probe.stderr[-500:]
        assert _frames(url, 30) == 30  # decodes from the live edge


def test_rtsp_process_serves_and_stops():
    if not Path(streams.system_python()).exists() or not FFMPEG:
        pytest.skip("no system python3 or ffmpeg")
    started = streams.start_rtsp([CAM])
    if started is None:
        pytest.skip("gst-rtsp-server not available (gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-ugly)")
    proc, port = started
    try:
        assert _frames(f"rtsp://127.0.0.1:{port}/{CAM}/sub", 10, ("-rtsp_transport", "tcp")) == 10
    finally:
        streams.stop_rtsp(proc)
    assert proc.poll() is not None  # closing its stdin ended it


def _demo_cameras(app) -> None:
    from server_stub.services import loader
    with app.state.ctx.db.transaction() as s:
        loader.load_cameras(s, [{"id": f"3205820008132600000{i}", "lon": 24.94, "lat": 60.17,
                                 "stream_url": streams.hls_urls(f"3205820008132600000{i}")[0],
                                 "sub_stream_url": streams.hls_urls(f"3205820008132600000{i}")[1],
                                 "online": i != 1} for i in range(1, 6)], strict=True)


def _urls(app) -> dict[str, tuple[str, str]]:
    from sqlalchemy import select

    from server_stub.db.models import Camera
    with app.state.ctx.db.session() as s:
        return {c.id: (c.stream_url, c.sub_stream_url) for c in s.scalars(select(Camera))}


def test_demo_start_puts_three_online_cameras_on_rtsp_else_hls(tmp_path, monkeypatch):
    monkeypatch.setattr(streams, "start_background_render", lambda ctx: None)  # no ffmpeg here
    app = create_app(_settings(tmp_path / "data", tmp_path))
    ctx = app.state.ctx
    ctx.db.migrate()
    _demo_cameras(app)
    monkeypatch.setenv("OCC_SYSTEM_PYTHON", "/nonexistent/python3")  # no gi: everything stays on HLS
    lines = streams.start_live_streams(ctx)
    assert not any("RTSP" in ln for ln in lines)
    assert all(main.startswith("/streams/") and sub.startswith("/streams/") for main, sub in _urls(app).values())
    monkeypatch.delenv("OCC_SYSTEM_PYTHON")
    if not Path(streams.system_python()).exists():
        pytest.skip("no system python3")
    lines = streams.start_live_streams(ctx)
    proc = ctx.extras.get("demo.rtsp")
    if proc is None:
        pytest.skip("gst-rtsp-server not available")
    try:
        urls = _urls(app)
        rtsp = sorted(cid for cid, (main, _) in urls.items() if main.startswith("rtsp://127.0.0.1:"))
        assert rtsp == ["32058200081326000002", "32058200081326000003", "32058200081326000004"]  # 1 is offline
        assert all(urls[c][1].endswith(f"/{c}/sub") for c in rtsp)
    finally:
        streams.stop_rtsp(proc)
    # the next start without RTSP puts them back on HLS (their old port is gone)
    monkeypatch.setenv("OCC_SYSTEM_PYTHON", "/nonexistent/python3")
    streams.start_live_streams(ctx)
    assert all(main.startswith("/streams/") for main, _ in _urls(app).values())
