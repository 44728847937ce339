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
