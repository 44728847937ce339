"""Offline camera streams for the demo: a few short looping test videos made with ffmpeg.

A real city stores each camera's RTSP / HLS / GB/T 28181 gateway URL in `cameras.stream_url`
(the package template is `{stream_base}/cam/<id>.m3u8`). The demo has no video platform, so at
first start it renders a handful of 10-second H.264 MP4 test patterns (640×360, a label and a
running timestamp burnt in) under <data_dir>/streams/ and gives every camera one of them as a
`file://` URL, which Qt Multimedia plays (and loops) without any network. Without ffmpeg the
cameras keep an empty stream_url and the client shows "no stream".
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

log = logging.getLogger("occ.demo.streams")

# (file stem, lavfi source): different patterns, so neighbouring cameras do not look identical.
VARIANTS = (("stream_a", "testsrc2"), ("stream_b", "smptehdbars"), ("stream_c", "testsrc"),
            ("stream_d", "rgbtestsrc"))
SIZE = "640x360"
SECONDS = 10
FPS = 25


def ffmpeg_path() -> str | None:
    return shutil.which(os.environ.get("OCC_FFMPEG", "ffmpeg"))


def _filter(label: str) -> str:
    box = "box=1:boxcolor=black@0.6:boxborderw=6:fontsize=22"
    return (f"drawtext=text='{label}':x=16:y=16:fontcolor=white:{box},"
            f"drawtext=text='offline test stream':x=16:y=50:fontcolor=white:{box},"
            f"drawtext=text='%{{pts\\:hms}}':x=16:y=h-44:fontcolor=yellow:{box}")


def _render(ffmpeg: str, source: str, label: str, out: Path) -> None:
    """One MP4, written under a temporary name and renamed: a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(suffix=".mp4", prefix=".render-", dir=out.parent)
    os.close(fd)
    try:
        cmd = [ffmpeg, "-y", "-nostdin", "-loglevel", "error",
               "-f", "lavfi", "-i", f"{source}=size={SIZE}:rate={FPS}:duration={SECONDS}",
               "-vf", _filter(label), "-c:v", "libx264", "-preset", "ultrafast", "-crf", "28",
               "-g", str(FPS * 2), "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-an", tmp]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a client under another user plays it
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def prepare_streams(data_dir: str | Path, variants: int = len(VARIANTS)) -> list[str]:
    """file:// URLs of the demo test videos under <data_dir>/streams (rendered when missing);
    [] when ffmpeg is not installed or fails (logged)."""
    out_dir = Path(data_dir).resolve() / "streams"
    files = [out_dir / f"{stem}.mp4" for stem, _ in VARIANTS[:max(1, variants)]]
    missing = [(f, src) for f, (_, src) in zip(files, VARIANTS) if not f.exists()]
    if missing:
        ffmpeg = ffmpeg_path()
        if ffmpeg is None:
            log.warning("ffmpeg not found: demo cameras get no stream (install ffmpeg for test videos)")
            return []
        out_dir.mkdir(parents=True, exist_ok=True)
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=len(missing)) as pool:  # one ffmpeg process each
            futures = [pool.submit(_render, ffmpeg, src, f"OCC demo camera {f.stem[-1].upper()}", f)
                       for f, src in missing]
            errors = [e for e in (fut.exception() for fut in futures) if e is not None]
        if errors:
            e = errors[0]
            err = getattr(e, "stderr", b"") or b""
            log.warning("ffmpeg could not render the demo streams: %s %s", e,
                        err.decode(errors="replace")[-300:])
            return []
    return [f.as_uri() for f in files]


def stream_for(index: int, urls: list[str]) -> str | None:
    """The test stream of the index-th camera (round robin), None without streams."""
    return urls[index % len(urls)] if urls else None
