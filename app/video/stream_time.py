"""The stream's own time. HLS carries it as EXT-X-PROGRAM-DATE-TIME on each segment: the time of
the segment FFmpeg starts on anchors the first frame's pts, later frames add their pts offset.
RTSP and plain files have no such tag here: their frames are stamped with the local receive time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urljoin

import requests

HLS_LIVE_START = -3  # FFmpeg's hls demuxer default live_start_index: three segments from the end


@dataclass
class Playlist:
    times: list[datetime | None]  # each segment's program date-time
    ended: bool  # EXT-X-ENDLIST: video on demand, FFmpeg starts at the first segment


def parse_datetime(text: str) -> datetime | None:
    t = text.strip().replace("Z", "+00:00")
    if len(t) > 5 and t[-5] in "+-" and t[-3] != ":":  # +0000 → +00:00 (fromisoformat wants the colon)
        t = t[:-2] + ":" + t[-2:]
    try:
        return datetime.fromisoformat(t)
    except ValueError:
        return None


def parse_media_playlist(text: str) -> Playlist:
    times: list[datetime | None] = []
    pending: datetime | None = None
    last: datetime | None = None
    last_dur = 0.0
    dur = 0.0
    ended = False
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            pending = parse_datetime(line.split(":", 1)[1])
        elif line.startswith("#EXTINF:"):
            try:
                dur = float(line[8:].split(",", 1)[0])
            except ValueError:
                dur = 0.0
        elif line == "#EXT-X-ENDLIST":
            ended = True
        elif line and not line.startswith("#"):
            # a segment without its own tag continues from the one before it
            t = pending or (last + timedelta(seconds=last_dur) if last else None)
            times.append(t)
            last, last_dur, pending = t, dur, None
    return Playlist(times, ended)


def hls_anchor(url: str, timeout: float = 3.0) -> datetime | None:
    """The program date-time of the segment FFmpeg will start playing at, or None."""
    r = requests.get(url, timeout=timeout)
    r.raise_for_status()
    text = r.text
    if "#EXT-X-STREAM-INF" in text:  # a master playlist: FFmpeg plays the first variant
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if line.startswith("#EXT-X-STREAM-INF") and i + 1 < len(lines):
                return hls_anchor(urljoin(url, lines[i + 1].strip()), timeout)
        return None
    pl = parse_media_playlist(text)
    if not pl.times:
        return None
    start = 0 if pl.ended else max(0, len(pl.times) + HLS_LIVE_START)
    return pl.times[start]


def is_hls(url: str) -> bool:
    return url.lower().split("?", 1)[0].endswith(".m3u8")
