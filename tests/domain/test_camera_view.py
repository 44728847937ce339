"""The view-cone rule (app/domain/camera_view.py) and stream URL checks (app/domain/stream_urls.py)."""
from __future__ import annotations

import numpy as np
import pytest

from app.domain.camera_view import DEFAULT_FOV_DEG, DEFAULT_RANGE_M, sees
from app.domain.stream_urls import StreamUrlError, check_stream_url, check_template, expand


def test_cone_direction_fov_and_range():
    # four cameras at the origin: looking east 60°, looking north 60°, all round, east with 10° fov
    x = np.zeros(4)
    y = np.zeros(4)
    direction = np.array([90.0, 0.0, np.nan, 90.0])
    fov = np.array([60.0, np.nan, 60.0, 10.0])
    rng = np.array([40.0, 40.0, np.nan, 100.0])
    mask, dist = sees(x, y, direction, fov, rng, 30.0, 10.0)  # 31.6 m at bearing 71.6°
    assert mask.tolist() == [True, False, True, False] and dist[0] == pytest.approx(np.hypot(30, 10))
    assert sees(x, y, direction, fov, rng, 30.0, 17.0)[0].tolist() == [True, False, True, False]  # 60.5°: edge
    assert sees(x, y, direction, fov, rng, 30.0, 18.0)[0].tolist() == [False, False, True, False]  # 59.0°
    assert sees(x, y, direction, fov, rng, 50.0, 0.0)[0].tolist() == [False, False, False, True]  # beyond 40 m
    assert sees(x, y, direction, fov, rng, 0.0, 0.0)[0].all()  # the camera's own place


def test_cone_across_north_and_defaults():
    px, py = np.sin(np.radians(15)) * 20, np.cos(np.radians(15)) * 20
    mask, _ = sees([0.0], [0.0], [350.0], None, None, px, py)
    assert mask.tolist() == [True]  # 15° is 25° from 350°, inside ±30°
    assert DEFAULT_FOV_DEG == 60.0 and DEFAULT_RANGE_M == 40.0
    assert not sees([0.0], [0.0], [0.0], None, None, 0.0, DEFAULT_RANGE_M + 0.5)[0][0]


@pytest.mark.parametrize("url", ["rtsp://10.0.0.5:554/rtp/34020000001320000001", "rtmp://h/live/1",
                                 "http://h/a.m3u8", "HTTPS://h/a.flv", "/streams/a/sub.m3u8"])
def test_stream_urls_accepted(url):
    assert check_stream_url(f"  {url} ") == url


@pytest.mark.parametrize("url, why", [("file:///tmp/a.mp4", "scheme must be one of"), ("h/a.m3u8", "no scheme"),
                                      ("javascript:alert(1)", "'javascript'"), ("http:///a", "names no host"),
                                      ("rtsp://h/a b", "white space"),
                                      ("/etc/passwd", "no scheme"), ("/streams/../x", "no scheme"), ("http://h/" + "a" * 500, "at most 500")])
def test_stream_urls_refused_with_the_reason(url, why):
    with pytest.raises(StreamUrlError, match=why):
        check_stream_url(url)


def test_templates():
    t = check_template("rtsp://vp.example:554/rtp/{channel}")
    assert expand(t, "34020000001320000001") == "rtsp://vp.example:554/rtp/34020000001320000001"
    assert expand("http://h/{channel}/hls.m3u8?x={{a}}", "1" * 20) == f"http://h/{'1' * 20}/hls.m3u8?x={{a}}"
    for bad, why in (("rtsp://h/rtp/", "must contain {channel}"), ("rtsp://h/{id}", "found {id}"),
                     ("rtsp://h/{channel", "literal braces"), ("ftp://h/{channel}", "'ftp'")):
        with pytest.raises(StreamUrlError, match=why):
            check_template(bad)
