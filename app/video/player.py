"""One camera stream decoded with PyAV on its own thread, frames handed to the UI as pixel arrays.

Why PyAV and not Qt Multimedia: measured (benchmarks/bench_video_backends.py, README), PyAV lets the
worker thread scale each frame to the tile's size and drop frames the UI has not taken yet, so the UI
thread only blits; QVideoSink frames have to be converted (toImage) and scaled on the UI thread.

The worker never blocks the UI: opening, reading, decoding and scaling run on the stream's thread;
stop() only sets a flag (a read stuck on a dead network ends by its own timeout). A dropped or
unreachable stream is retried with back-off; the UI is told the state and the last frame's time.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Callable

import numpy as np
from PySide6.QtCore import QObject, Signal

from .stream_time import hls_anchor, is_hls

log = logging.getLogger(__name__)

BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)  # between reconnection attempts, the last one repeats
OPEN_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 5.0
LATE_RESYNC_S = 1.0  # this far behind the stream's clock: take the stream's pace again from here
LATE_SKIP_S = 0.15
CATCH_UP_S = 0.5  # late frames are skipped this long (stream time) to catch up, then the pace resets
JUMP_S = 2.0  # a pts this far ahead of the frame before (or any step back) is a discontinuity  # this far behind: decode but do not scale the frame (nobody would see it in time)


class State:
    """What a tile shows about its stream."""
    IDLE = "idle"
    CONNECTING = "connecting"  # first attempt
    PLAYING = "playing"
    OFFLINE = "offline"  # the last attempt failed; waiting to retry
    RECONNECTING = "reconnecting"  # a retry is under way
    CAMERA_OFFLINE = "camera_offline"  # the server says the camera is offline: not tried


class Frame:
    """A frame scaled for its tile: BGRA rows (QImage.Format_RGB32 on little-endian) in a buffer
    of the decoder's own, wrapped by the tile's QImage without a copy."""
    __slots__ = ("buffer", "width", "height", "stride", "stream_time", "_frame")

    def __init__(self, frame, stream_time: datetime | None):  # noqa: ANN001 - av.VideoFrame in bgra
        plane = frame.planes[0]
        self._frame = frame  # owns the buffer
        self.buffer = memoryview(plane)
        self.width, self.height, self.stride = frame.width, frame.height, plane.line_size
        self.stream_time = stream_time


class Pacer:
    """Paces decoded frames by their pts and gives each its stream time.

    The stream time is the HLS anchor (the program date-time of the first segment played) plus the
    pts since the first frame, else the receive time. A jump of the pts (an HLS discontinuity, e.g.
    a looping source starting over) continues the stream time from the frame before, instead of
    jumping back with the pts."""

    def __init__(self, anchor: datetime | None):
        self.anchor = anchor
        self.pts0: float | None = None
        self.wall0 = 0.0
        self.last_pts: float | None = None
        self.last_time: datetime | None = None
        self.step = 0.04  # a frame's duration, as last seen
        self.late_since: float | None = None  # pts of the first frame of the current late run

    def place(self, pts: float | None, now: float) -> tuple[float, datetime]:
        """(seconds until the frame is due, negative when late; its stream time)."""
        if pts is None:
            return 0.0, datetime.now(timezone.utc)
        last = self.last_pts
        if self.pts0 is None:
            self.pts0, self.wall0 = pts, now
        elif pts < last or pts - last > JUMP_S:  # a discontinuity: go on from the frame before
            if self.anchor is not None and self.last_time is not None:
                self.anchor = self.last_time + timedelta(seconds=self.step)
            self.pts0, self.wall0 = pts, now
        elif pts > last:
            self.step = min(pts - last, 1.0)
        late = now - (self.wall0 + pts - self.pts0)
        if late <= LATE_SKIP_S:
            self.late_since = None
        elif self.late_since is None:
            self.late_since = pts
        # Far behind (a stall), or behind for a while without catching up (a live source that sent
        # a segment late cannot be caught up with): take the stream's pace again from here.
        if late > LATE_RESYNC_S or (self.late_since is not None and pts - self.late_since >= CATCH_UP_S):
            self.wall0, late, self.late_since = now - (pts - self.pts0), 0.0, None
        self.last_pts = pts
        st = self.anchor + timedelta(seconds=pts - self.pts0) if self.anchor is not None \
            else datetime.now(timezone.utc)
        self.last_time = st
        return -late, st


class VideoStream(QObject):
    """start(url) / stop(); frameReady fires (at most one pending at a time) when take() has a frame."""

    frameReady = Signal()
    stateChanged = Signal(str)

    def __init__(self, parent: QObject | None = None, backoff: tuple[float, ...] = BACKOFF_S,
                 clock: Callable[[], float] = time.monotonic):
        super().__init__(parent)
        self.backoff = backoff
        self.clock = clock
        self.url: str | None = None
        self.state = State.IDLE
        self.target = (320, 180)  # the tile's picture size; read by the worker for every frame
        self.attempts = 0  # connection attempts since start(), for the UI and tests
        self.decoded = 0  # frames decoded since start()
        self.delivered = 0  # frames handed to the UI
        self.last_error = ""
        self.last_time: datetime | None = None  # stream time of the last frame decoded
        self._lock = threading.Lock()
        self._latest: Frame | None = None
        self._pending = False
        self._native = None  # the last decoded av.VideoFrame at full size, for snapshots
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None
        self._threads: list[threading.Thread] = []  # started and maybe not ended yet

    # ------------------------------------------------------------------ UI side
    def start(self, url: str) -> None:
        if self._thread is not None and self.url == url and not self._stop.is_set():
            return
        self.stop()
        self.url = url
        self.attempts = self.decoded = self.delivered = 0
        stop = threading.Event()
        self._stop = stop
        self._set_state(State.CONNECTING)
        self._thread = threading.Thread(target=self._run, args=(url, stop), daemon=True,
                                        name=f"occ-video-{url[-24:]}")
        self._thread.start()
        self._threads.append(self._thread)

    def stop(self) -> None:
        """Stops decoding at once (flag); the thread ends after its current packet or read timeout."""
        if self._stop is not None:
            self._stop.set()
        self._thread = None
        with self._lock:
            self._pending = False
        if self.state not in (State.IDLE, State.CAMERA_OFFLINE):
            self._set_state(State.IDLE)

    def mark_camera_offline(self) -> None:
        self.stop()
        self._set_state(State.CAMERA_OFFLINE)

    @property
    def active(self) -> bool:
        """Started and not stopped (decoding, or trying to)."""
        return self._thread is not None

    @property
    def running(self) -> bool:
        """A decoding thread of this stream is still alive (a stopped one ends after its current frame)."""
        self._threads = [t for t in self._threads if t.is_alive()]
        return bool(self._threads)

    def take(self) -> Frame | None:
        """The newest frame (the UI thread calls this on frameReady)."""
        with self._lock:
            self._pending = False
            f = self._latest
        return f

    def snapshot(self) -> tuple[np.ndarray, datetime | None] | None:
        """The last decoded frame at full size as RGB pixels, and its stream time (call off the UI thread)."""
        with self._lock:
            frame, t = self._native, self.last_time
        if frame is None:
            return None
        return frame.to_ndarray(format="rgb24"), t

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.stateChanged.emit(state)

    # ------------------------------------------------------------------ worker thread
    def _run(self, url: str, stop: threading.Event) -> None:
        failures = 0
        while not stop.is_set():
            self.attempts += 1
            if self.attempts > 1:
                self._emit_state(stop, State.RECONNECTING)
            try:
                played = self._play(url, stop)
            except Exception as e:  # noqa: BLE001 - any failure of a stream is a reason to retry it
                played = False
                self.last_error = str(e)[:200]
                log.info("stream %s: %s", url, e)
            if stop.is_set():
                return
            failures = 0 if played else failures + 1
            self._emit_state(stop, State.OFFLINE if not played else State.RECONNECTING)
            if played:  # it ended or dropped after playing (a file's end, a live stream's drop): again now
                continue
            stop.wait(self.backoff[min(failures - 1, len(self.backoff) - 1)])

    def _emit_state(self, stop: threading.Event, state: str) -> None:
        if not stop.is_set():  # a stopped stream's thread must not overwrite the new state
            self.state = state
            self.stateChanged.emit(state)

    def _play(self, url: str, stop: threading.Event) -> bool:
        """Plays until the stream ends, fails or stop is set. True when at least one frame came."""
        import av
        import av.video.reformatter

        anchor: datetime | None = None
        if is_hls(url):
            try:
                anchor = hls_anchor(url, OPEN_TIMEOUT_S)
            except Exception as e:  # noqa: BLE001 - the stream may still play without its time
                log.debug("no program date-time for %s: %s", url, e)
        options = {"probesize": "500000", "analyzeduration": "500000"}
        if url.startswith("rtsp"):
            options["rtsp_transport"] = "tcp"
        container = av.open(url, options=options, timeout=(OPEN_TIMEOUT_S, READ_TIMEOUT_S))
        # one scaler per stream: VideoFrame.reformat builds a new SwsContext for every frame (3× the cost)
        scaler = av.video.reformatter.VideoReformatter()
        try:
            vstream = container.streams.video[0]
            vstream.thread_type = "SLICE"  # small frames: one thread per stream, no frame-thread delay
            vstream.codec_context.thread_count = 1
            played = False
            pacer = Pacer(anchor)
            for packet in container.demux(vstream):
                if stop.is_set():
                    return played
                for frame in packet.decode():
                    if stop.is_set():
                        return played
                    wait, st = pacer.place(float(frame.time) if frame.time is not None else None, self.clock())
                    if wait > 0:  # early: keep the stream's pace (files and bursts of segments)
                        if stop.wait(min(wait, 1.0)):
                            return played
                    late = -wait
                    self.decoded += 1
                    with self._lock:
                        self._native, self.last_time = frame, st
                    if not played:
                        played = True
                        self._emit_state(stop, State.PLAYING)
                    if late > LATE_SKIP_S:
                        continue
                    self._deliver(scaler, frame, st)
            return played
        finally:
            container.close()

    def _deliver(self, scaler, frame, st: datetime | None) -> None:  # noqa: ANN001 - av objects
        tw, th = self.target
        fw, fh = frame.width, frame.height
        scale = min(tw / fw, th / fh) if fw and fh else 1.0
        w, h = max(2, int(fw * scale) & ~1), max(2, int(fh * scale) & ~1)
        out = scaler.reformat(frame, format="bgra", width=w, height=h, interpolation="BILINEAR")
        with self._lock:
            self._latest = Frame(out, st)
            notify = not self._pending
            self._pending = True
        self.delivered += 1
        if notify:
            self.frameReady.emit()
