"""A pool of QGIS renderer processes (see :mod:`.renderer_worker` for the protocol).

N long-lived worker processes (default min(2, cores)), started lazily on first use with QGIS's own
Python. ``render`` may be called from any thread (FastAPI's threadpool): a caller takes a free worker
from a queue (waiting if all are busy), sends one request and reads the answer with a deadline. A
worker that dies, answers garbage or exceeds the timeout is killed and replaced by a fresh one on the
next use, and the request is retried once; a render *error* reported by a healthy worker is not retried.
"""
from __future__ import annotations

import json
import logging
import os
import queue
import select
import subprocess
import threading
import time
from collections import deque

log = logging.getLogger("occ.basemap")


class RenderError(RuntimeError):
    """The tile could not be rendered."""


class RendererUnavailable(RenderError):
    """No renderer process can be started (QGIS missing or broken, bad city package)."""


class RenderFailed(RenderError):
    """A healthy renderer reported an error for this request."""


class _WorkerLost(RenderError):
    """The worker died, timed out or broke the protocol; it has to be replaced."""


class Worker:
    """One renderer process and its pipes. Not thread-safe: the pool gives it to one caller at a time."""

    def __init__(self, argv: list[str], env: dict[str, str], start_timeout: float):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, bufsize=0, close_fds=True,
                                     start_new_session=True)  # a Ctrl-C on the server is handled by us
        self.pid = self.proc.pid
        self.stderr_tail: deque[str] = deque(maxlen=30)
        self._buf = bytearray()
        self._seq = 0
        threading.Thread(target=self._drain_stderr, name=f"renderer-{self.pid}-stderr", daemon=True).start()
        try:
            hello = json.loads(self._read_line(time.monotonic() + start_timeout))
        except (_WorkerLost, ValueError) as e:
            self.kill()
            raise RendererUnavailable(f"renderer did not start: {e}{self._tail()}") from None
        if not hello.get("ready"):
            self.kill()
            raise RendererUnavailable(f"renderer did not start: {hello.get('error')}{self._tail()}")
        self.info = hello

    def _tail(self) -> str:
        time.sleep(0.05)  # let the stderr thread catch the last lines
        lines = [ln for ln in self.stderr_tail if "Warning 1:" not in ln][-5:]
        return (" | " + " | ".join(lines)) if lines else ""

    def _drain_stderr(self) -> None:
        for raw in iter(self.proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip()
            self.stderr_tail.append(line)
            log.debug("renderer %s: %s", self.pid, line)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def _read_some(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _WorkerLost("timed out")
        fd = self.proc.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            raise _WorkerLost("timed out")
        chunk = os.read(fd, 1 << 18)
        if not chunk:
            self.proc.wait(timeout=5)
            raise _WorkerLost(f"renderer process exited (code {self.proc.returncode})")
        self._buf += chunk

    def _read_line(self, deadline: float) -> bytes:
        while (i := self._buf.find(b"\n")) < 0:
            self._read_some(deadline)
        line = bytes(self._buf[:i])
        del self._buf[:i + 1]
        return line

    def _read_exact(self, n: int, deadline: float) -> bytes:
        while len(self._buf) < n:
            self._read_some(deadline)
        data = bytes(self._buf[:n])
        del self._buf[:n]
        return data

    def call(self, request: dict, timeout: float) -> tuple[dict, list[bytes]]:
        self._seq += 1
        line = (json.dumps(dict(request, id=self._seq)) + "\n").encode()
        try:
            fd = self.proc.stdin.fileno()
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view):]
        except OSError as e:  # BrokenPipeError: it died since the last call
            raise _WorkerLost(f"renderer process is gone ({e})") from None
        deadline = time.monotonic() + timeout
        try:
            header = json.loads(self._read_line(deadline))
        except ValueError as e:
            raise _WorkerLost(f"renderer broke the protocol: {e}") from None
        if header.get("id") != self._seq:
            raise _WorkerLost(f"renderer answered request {header.get('id')} to request {self._seq}")
        if not header.get("ok"):
            raise RenderFailed(str(header.get("error")))
        return header, [self._read_exact(int(n), deadline) for n in header.get("sizes", [])]

    def stop(self, grace: float = 2.0) -> None:
        """Ask it to finish (EOF on stdin), kill it if it does not."""
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=grace)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.kill()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            log.error("renderer %s does not die", self.pid)
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass


class RendererPool:
    def __init__(self, argv: list[str], env: dict[str, str], *, size: int | None = None, timeout: float = 30.0,
                 start_timeout: float = 120.0, queue_timeout: float | None = None):
        self.argv, self.env = argv, env
        self.size = max(1, size or min(2, os.cpu_count() or 1))
        self.timeout, self.start_timeout = timeout, start_timeout
        self.queue_timeout = queue_timeout if queue_timeout is not None else max(60.0, 4 * timeout)
        self._slots: queue.LifoQueue[Worker | None] = queue.LifoQueue()  # warm workers first
        for _ in range(self.size):
            self._slots.put(None)  # a slot whose worker is not started yet
        self._lock = threading.Lock()
        self._workers: set[Worker] = set()
        self._closed = False
        self.started = 0
        self.restarts = 0
        self.renders = 0

    def pids(self) -> list[int]:
        with self._lock:
            return sorted(w.pid for w in self._workers if w.alive)

    def render(self, request: dict) -> list[bytes]:
        """Send one render request; returns the PNG tiles it produced. Raises RenderError."""
        last: Exception | None = None
        for attempt in range(2):
            worker = self._take()
            try:
                if worker is None:
                    worker = self._start()
                _, blobs = worker.call(request, self.timeout)
                with self._lock:
                    self.renders += 1
                return blobs
            except RenderFailed:
                raise
            except (_WorkerLost, RendererUnavailable) as e:
                last = e
                if worker is not None:
                    log.warning("renderer %s failed (%s); restarting it%s", worker.pid, e,
                                " and retrying the request" if attempt == 0 else "")
                    self._discard(worker)
                    worker = None
                    with self._lock:
                        self.restarts += 1
            finally:
                self._give(worker)
        if isinstance(last, RendererUnavailable):
            raise last
        raise RenderError(f"the tile renderer failed twice: {last}")

    def _take(self) -> Worker | None:
        if self._closed:
            raise RenderError("the renderer pool is shut down")
        try:
            worker = self._slots.get(timeout=self.queue_timeout)
        except queue.Empty:
            raise RenderError(f"all {self.size} renderers stayed busy for {self.queue_timeout:.0f} s") from None
        if self._closed:  # woken by close(): pass the wake-up on
            if worker is not None:
                self._discard(worker, graceful=True)
            self._slots.put(None)
            raise RenderError("the renderer pool is shut down")
        return worker

    def _give(self, worker: Worker | None) -> None:
        if self._closed:
            if worker is not None:
                self._discard(worker, graceful=True)
            return
        self._slots.put(worker)

    def _start(self) -> Worker:
        t0 = time.monotonic()
        worker = Worker(self.argv, self.env, self.start_timeout)
        with self._lock:
            self._workers.add(worker)
            self.started += 1
        log.info("renderer %s started in %.1f s (QGIS %s)", worker.pid, time.monotonic() - t0,
                 worker.info.get("qgis"))
        return worker

    def _discard(self, worker: Worker, graceful: bool = False) -> None:
        with self._lock:
            self._workers.discard(worker)
        worker.stop() if graceful else worker.kill()

    def close(self) -> None:
        """Stop every worker (idle ones now, busy ones when their request ends)."""
        self._closed = True
        while True:
            try:
                worker = self._slots.get_nowait()
            except queue.Empty:
                break
            if worker is not None:
                self._discard(worker, graceful=True)
        self._slots.put(None)  # wakes callers still waiting for a slot (each passes it on)
