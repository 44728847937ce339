"""A live HLS stream out of a short pre-segmented loop, computed from the clock.

The demo's sources are a few seconds of H.264 cut into equal MPEG-TS segments once (streams.py).
Every request for the playlist computes where "live" is now: the loop has run since the Unix
epoch, so segment number `seq` (counted since then) is loop segment `seq % n`, it started at
`seq`'s place on the clock, and the playlist lists the last WINDOW finished segments. Every client
sees the same live edge move on (EXT-X-MEDIA-SEQUENCE grows), each segment carries its start as
EXT-X-PROGRAM-DATE-TIME (the stream's own time, which a client can show and record), and the jump
back to the loop's first frame is marked EXT-X-DISCONTINUITY. Nothing runs per request but this
arithmetic; a segment URL names its `seq`, so the same URL always means the same bytes.
"""
from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

WINDOW = 4  # finished segments per playlist (≥ 3 target durations, as players expect)
_EXTINF = re.compile(r"^#EXTINF:([0-9.]+)")


@dataclass(frozen=True)
class Loop:
    """The loop's segments: files in order and their durations (seconds)."""
    files: tuple[Path, ...]
    durations: tuple[float, ...]

    @property
    def length(self) -> float:
        return sum(self.durations)

    @property
    def starts(self) -> tuple[float, ...]:
        out, t = [], 0.0
        for d in self.durations:
            out.append(t)
            t += d
        return tuple(out)

    @classmethod
    def read(cls, playlist: Path) -> "Loop":
        """From the VOD playlist ffmpeg wrote next to the segments."""
        files, durations, pending = [], [], None
        for line in playlist.read_text().splitlines():
            m = _EXTINF.match(line)
            if m:
                pending = float(m.group(1))
            elif line and not line.startswith("#") and pending is not None:
                files.append(playlist.parent / line.strip())
                durations.append(pending)
                pending = None
        if not files or min(durations) <= 0:
            raise ValueError(f"{playlist}: no segments")
        return cls(tuple(files), tuple(durations))

    def segment_at(self, t: float) -> int:
        """The number (since the epoch) of the segment playing at time t (Unix seconds)."""
        q, r = divmod(t, self.length)
        return int(q) * len(self.files) + bisect.bisect_right(self.starts, r) - 1

    def start_of(self, seq: int) -> float:
        q, j = divmod(seq, len(self.files))
        return q * self.length + self.starts[j]

    def file_of(self, seq: int) -> Path:
        return self.files[seq % len(self.files)]


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def playlist(loop: Loop, now: float, segment_url=lambda seq: f"{seq}.ts", window: int = WINDOW) -> str:  # noqa: ANN001
    """The live media playlist at `now` (Unix seconds)."""
    n = len(loop.files)
    last = loop.segment_at(now) - 1  # the newest finished segment
    first = last - window + 1
    lines = ["#EXTM3U", "#EXT-X-VERSION:3",
             f"#EXT-X-TARGETDURATION:{math.ceil(max(loop.durations))}",
             f"#EXT-X-MEDIA-SEQUENCE:{first}",
             # a segment of loop q has discontinuity number q: the first listed one carries no tag
             f"#EXT-X-DISCONTINUITY-SEQUENCE:{first // n}"]
    for seq in range(first, last + 1):
        if seq % n == 0 and seq != first:
            lines.append("#EXT-X-DISCONTINUITY")
        lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{_iso(loop.start_of(seq))}")
        lines.append(f"#EXTINF:{loop.durations[seq % n]:.3f},")
        lines.append(segment_url(seq))
    return "\n".join(lines) + "\n"
