"""The demo's camera streams: live HLS served by the demo server itself, and a few cameras over RTSP.

A real city stores each camera's RTSP / HLS / HTTP-FLV URLs (main and sub stream) from its video
platform. The demo has none, so at first start ffmpeg renders a few LOOP_S-second H.264 test
patterns per variant (sub 640×360 and main 1280×720, 25 fps, a keyframe every second, a label and
the loop's running time burnt in), already cut into SEGMENT_S-second MPEG-TS segments, under
<data_dir>/streams/hls/<variant>/<sub|main>/. The server then serves them as *live* streams
(api/streams.py + hls_live.py): the playlist is computed from the clock, no encoder runs. The
rendering runs in the background (a few seconds); until it is done the playlists answer 503.

Camera URLs are paths on the server (`/streams/<camera id>/<sub|main>.m3u8`), which the camera
answers resolve against the address the client used, so they survive a new port. A few cameras
are served over RTSP by rtsp_demo.py (Debian's gst-rtsp-server) when it can start.
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("occ.demo.streams")

# (variant, lavfi source): different patterns, so neighbouring cameras do not look identical.
VARIANTS = (("a", "testsrc2"), ("b", "smptehdbars"), ("c", "testsrc"), ("d", "rgbtestsrc"))
QUALITIES = {"sub": (640, 360), "main": (1280, 720)}
LOOP_S = 6
SEGMENT_S = 2
FPS = 25
PLAYLIST = "index.m3u8"  # the VOD playlist ffmpeg writes; hls_live reads the segment list from it
STATE_KEY = "demo.streams"  # ctx.extras: {"state": rendering|ready|failed, "seconds": ...}


def ffmpeg_path() -> str | None:
    return shutil.which(os.environ.get("OCC_FFMPEG", "ffmpeg"))


def hls_dir(data_dir: str | Path) -> Path:
    return Path(data_dir).resolve() / "streams" / "hls"


def variant_of(name: str) -> str | None:
    """The variant a stream name plays: a variant itself, or a camera id (round robin by its serial)."""
    names = [v for v, _ in VARIANTS]
    if name in names:
        return name
    if len(name) == 20 and name.isdigit():
        return names[int(name) % len(names)]
    return None


def _filter(label: str, height: int) -> str:
    size = max(14, height // 16)
    box = f"box=1:boxcolor=black@0.6:boxborderw={size // 4}:fontsize={size}"
    return (f"drawtext=text='{label}':x={size}:y={size}:fontcolor=white:{box},"
            f"drawtext=text='live demo stream':x={size}:y={size * 5 // 2}:fontcolor=white:{box},"
            f"drawtext=text='%{{pts\\:hms}}':x={size}:y=h-{size * 2}:fontcolor=yellow:{box}")


def _render(ffmpeg: str, source: str, label: str, quality: str, out: Path) -> None:
    """One variant × quality, segmented into a temporary folder renamed into place at the end:
    a reader never sees half a loop."""
    w, h = QUALITIES[quality]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".render-", dir=out.parent))
    try:
        cmd = [ffmpeg, "-y", "-nostdin", "-loglevel", "error",
               "-f", "lavfi", "-i", f"{source}=size={w}x{h}:rate={FPS}:duration={LOOP_S}",
               "-vf", _filter(f"OCC demo {label} {quality} {w}x{h}", h),
               "-c:v", "libx264", "-preset", "ultrafast", "-crf", "30",
               "-g", str(FPS), "-keyint_min", str(FPS), "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-an",
               "-f", "hls", "-hls_time", str(SEGMENT_S), "-hls_list_size", "0", "-hls_playlist_type", "vod",
               "-hls_segment_filename", str(tmp / "seg%d.ts"), str(tmp / PLAYLIST)]
        subprocess.run(cmd, check=True, capture_output=True, timeout=300)
        for p in tmp.iterdir():
            os.chmod(p, 0o644)  # mkdtemp is private; a client under another user may read files too
        os.chmod(tmp, 0o755)
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def missing_sources(data_dir: str | Path, variants: tuple[str, ...] | None = None,
                    qualities: tuple[str, ...] | None = None) -> list[tuple[str, str, str]]:
    """(variant, source, quality) whose loop is not rendered yet (of those asked for; default all)."""
    base = hls_dir(data_dir)
    return [(v, src, q) for v, src in VARIANTS for q in QUALITIES
            if (variants is None or v in variants) and (qualities is None or q in qualities)
            and not (base / v / q / PLAYLIST).exists()]


def prepare_streams(data_dir: str | Path, workers: int = 2, variants: tuple[str, ...] | None = None,
                    qualities: tuple[str, ...] | None = None) -> float | None:
    """Renders the missing loops (ffmpeg, `workers` at a time); returns the seconds it took, or
    None when ffmpeg is missing or failed (logged: the demo's HLS cameras then stay dark)."""
    todo = missing_sources(data_dir, variants, qualities)
    if not todo:
        return 0.0
    ffmpeg = ffmpeg_path()
    if ffmpeg is None:
        log.warning("ffmpeg not found: the demo cameras' HLS streams are not available (install ffmpeg)")
        return None
    t0 = time.perf_counter()
    from concurrent.futures import ThreadPoolExecutor
    base = hls_dir(data_dir)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_render, ffmpeg, src, f"camera {v.upper()}", q, base / v / q) for v, src, q in todo]
        errors = [e for e in (f.exception() for f in futures) if e is not None]
    if errors:
        e = errors[0]
        err = getattr(e, "stderr", b"") or b""
        log.warning("ffmpeg could not render the demo streams: %s %s", e, err.decode(errors="replace")[-300:])
        return None
    took = time.perf_counter() - t0
    log.info("demo streams: %d HLS loops rendered in %.1f s", len(todo), took)
    return took


def start_background_render(ctx: Any) -> threading.Thread | None:
    """Renders the loops in a daemon thread while the server already serves; state in ctx.extras."""
    data_dir = ctx.settings.data_dir
    if not missing_sources(data_dir):
        ctx.extras[STATE_KEY] = {"state": "ready", "seconds": 0.0}
        return None
    state = ctx.extras[STATE_KEY] = {"state": "rendering", "seconds": None}

    def run() -> None:
        try:
            took = prepare_streams(data_dir)
        except Exception:  # noqa: BLE001 - a demo helper must never take the server down
            log.exception("demo streams")
            took = None
        state.update(state="ready" if took is not None else "failed", seconds=took)

    t = threading.Thread(target=run, name="demo-streams", daemon=True)
    t.start()
    return t


def hls_urls(camera_id: str) -> tuple[str, str]:
    """(main, sub) of a camera played from the demo server's own HLS."""
    return f"/streams/{camera_id}/main.m3u8", f"/streams/{camera_id}/sub.m3u8"


# ---------------------------------------------------------------- RTSP (a separate process)
RTSP_CAMERAS = 3  # the first online cameras get RTSP instead of HLS
RTSP_SCRIPT = Path(__file__).with_name("rtsp_demo.py")


def system_python() -> str:
    """Debian's python3, which has the gi bindings (the venv's has not)."""
    return os.environ.get("OCC_SYSTEM_PYTHON", "/usr/bin/python3")


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_rtsp(camera_ids: list[str], timeout: float = 10.0) -> tuple[subprocess.Popen, int] | None:
    """The RTSP server process on a free port, or None (logged) when it cannot start (no gi, no
    x264enc, ...). It ends when our end of its stdin closes, so it never outlives the server."""
    py = system_python()
    if not camera_ids or not Path(py).exists():
        log.warning("demo RTSP: %s not found: those cameras play HLS instead", py)
        return None
    port = free_port()
    t0 = time.perf_counter()
    try:
        proc = subprocess.Popen([py, str(RTSP_SCRIPT), "--port", str(port), "--cameras", ",".join(camera_ids)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")})
    except OSError as e:
        log.warning("demo RTSP could not start (%s): those cameras play HLS instead", e)
        return None
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    line = b""
    if sel.select(timeout):
        line = proc.stdout.readline()
    sel.close()
    if not line.startswith(b"ready"):
        rest = b"" if proc.poll() is None else proc.stdout.read()
        stop_rtsp(proc)
        log.warning("demo RTSP did not start (%s): those cameras play HLS instead",
                    (line + rest).decode(errors="replace").strip()[-300:] or "no answer")
        return None
    log.info("demo RTSP server on port %d for %d cameras, started in %.1f s", port, len(camera_ids),
             time.perf_counter() - t0)
    return proc, port


def stop_rtsp(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.stdin.close()  # its signal to stop
        proc.wait(3)
    except (OSError, subprocess.TimeoutExpired):
        proc.terminate()
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            proc.kill()


# ---------------------------------------------------------------- the demo's cameras
def start_live_streams(ctx: Any) -> list[str]:
    """At every demo start: render the HLS loops if missing (in the background), start the RTSP
    process and point the cameras at them: RTSP_CAMERAS online cameras on RTSP (its port is new at
    every start), the others on the server's own HLS. Returns lines to print."""
    import atexit

    from sqlalchemy import select, update

    from ..db.models import Camera
    start_background_render(ctx)
    lines = []
    with ctx.db.session() as s:
        first = list(s.scalars(select(Camera.id).where(Camera.online.is_(True)).order_by(Camera.id)
                               .limit(RTSP_CAMERAS)))
    started = start_rtsp(first) if first else None
    with ctx.db.transaction() as s:
        for cid in list(s.scalars(select(Camera.id).where(Camera.stream_url.like("rtsp://127.0.0.1:%")))):
            main, sub = hls_urls(cid)
            s.execute(update(Camera).where(Camera.id == cid).values(stream_url=main, sub_stream_url=sub))
        if started:
            proc, port = started
            ctx.extras["demo.rtsp"] = proc
            atexit.register(stop_rtsp, proc)
            for cid in first:
                base = f"rtsp://127.0.0.1:{port}/{cid}"
                s.execute(update(Camera).where(Camera.id == cid).values(stream_url=f"{base}/main",
                                                                        sub_stream_url=f"{base}/sub"))
            lines.append(f"demo cameras over RTSP: rtsp://127.0.0.1:{port}/<camera id>/main|sub ({len(first)})")
    state = ctx.extras.get(STATE_KEY, {}).get("state")
    lines.append("demo cameras over HLS: /streams/<camera id>/main|sub.m3u8"
                 + (" (rendering the loops in the background)" if state == "rendering" else ""))
    return lines
