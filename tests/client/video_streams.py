"""Local HLS test streams for the video wall's tests and benchmark: ffmpeg renders a looping test
pattern (640×360 sub, 1280×720 main, 25 fps H.264, one-second segments with
EXT-X-PROGRAM-DATE-TIME) once, a small threaded HTTP server serves them on a free port."""
from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import threading
from pathlib import Path

SIZES = {"sub": (640, 360), "main": (1280, 720)}


def render_hls(out_dir: Path, kind: str = "sub", seconds: int = 20, fps: int = 25) -> Path:
    """The stream's playlist (rendered when missing). 'sub' is 640×360, 'main' 1280×720."""
    w, h = SIZES[kind]
    d = out_dir / kind
    playlist = d / "index.m3u8"
    if playlist.exists():
        return playlist
    d.mkdir(parents=True, exist_ok=True)
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise RuntimeError("ffmpeg is needed for the video test streams")
    subprocess.run([ffmpeg, "-y", "-nostdin", "-loglevel", "error", "-f", "lavfi",
                    "-i", f"testsrc2=size={w}x{h}:rate={fps}", "-t", str(seconds),
                    "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
                    "-g", str(fps), "-keyint_min", str(fps), "-sc_threshold", "0",
                    "-f", "hls", "-hls_time", "1", "-hls_list_size", "0",
                    "-hls_flags", "program_date_time+independent_segments", str(playlist)],
                   check=True, timeout=120)
    return playlist


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a) -> None:  # noqa: ANN002
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001 - players hang up mid-segment
        pass


class StreamServer:
    """Serves a folder over HTTP on 127.0.0.1 and a free port until stop()."""

    def __init__(self, root: Path):
        handler = functools.partial(_Quiet, directory=str(root))
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, rel: str) -> str:
        return f"http://127.0.0.1:{self.port}/{rel}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
