"""Which player for the video wall: Qt Multimedia (QMediaPlayer + QVideoSink, FFmpeg backend) or
PyAV (app.video.player). Both play N copies of a 640×360 25 fps H.264 HLS stream served locally;
each frame is made paintable into a 320×180 tile (Qt: QVideoFrame.toImage + scaled on the UI
thread, as a tile with an overlay must; PyAV: scaled on the stream's thread). Prints ONE JSON line:
frames per second per stream (min/median), client CPU cores, time to the first frame of all.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_video_backends.py [--streams 16]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def measure(app, start_all, counts: list[int], firsts: list[float | None], warm: float, seconds: float) -> dict:
    from PySide6.QtCore import QEventLoop, QTimer
    t0 = time.monotonic()
    start_all()

    def run_for(s: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(s * 1000), loop.quit)
        loop.exec()

    run_for(warm)
    c0, w0, n0 = cpu_s(), time.monotonic(), list(counts)
    run_for(seconds)
    dt = time.monotonic() - w0
    fps = [(a - b) / dt for a, b in zip(counts, n0)]
    got = [f for f in firsts if f is not None]
    return {"fps_min": round(min(fps), 1), "fps_median": round(statistics.median(fps), 1),
            "cores": round((cpu_s() - c0) / dt, 2),
            "first_frame_all_s": round(max(got) - t0, 2) if len(got) == len(firsts) else None}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--streams", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=8.0)
    a = ap.parse_args()
    from PySide6.QtCore import QUrl
    from PySide6.QtMultimedia import QMediaPlayer, QVideoSink
    from PySide6.QtWidgets import QApplication

    from app.video.player import VideoStream
    from tests.client.video_streams import StreamServer, render_hls
    app = QApplication.instance() or QApplication([])
    out: dict = {"streams": a.streams}
    with tempfile.TemporaryDirectory() as tmp:
        render_hls(Path(tmp), "sub", seconds=30)
        server = StreamServer(Path(tmp))
        url = server.url("sub/index.m3u8")
        n = a.streams

        # PyAV
        counts, firsts = [0] * n, [None] * n
        streams = [VideoStream() for _ in range(n)]
        for i, s in enumerate(streams):
            def got(i: int = i, s: VideoStream = s) -> None:
                if s.take() is not None:
                    counts[i] += 1
                    firsts[i] = firsts[i] or time.monotonic()
            s.frameReady.connect(got)
        out["pyav"] = measure(app, lambda: [s.start(url) for s in streams], counts, firsts, 3.0, a.seconds)
        for s in streams:
            s.stop()
        time.sleep(0.5)

        # Qt Multimedia
        counts, firsts = [0] * n, [None] * n
        players = []
        for i in range(n):
            p, sink = QMediaPlayer(), QVideoSink()
            p.setVideoSink(sink)
            p.setSource(QUrl(url))

            def frame(f, i: int = i) -> None:  # noqa: ANN001
                if f.isValid():
                    f.toImage().scaled(320, 180)
                    counts[i] += 1
                    firsts[i] = firsts[i] or time.monotonic()
            sink.videoFrameChanged.connect(frame)
            players.append((p, sink))
        out["qt_multimedia"] = measure(app, lambda: [p.play() for p, _ in players], counts, firsts, 3.0, a.seconds)
        for p, _ in players:
            p.stop()
        server.stop()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
