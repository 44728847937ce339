"""Fetching tiles off the caller's thread: a bounded pool, caches, retries, cancellation, and a
per-source health status for the status bar.

Use from the canvas (any thread; the calls never block)::

    fetcher = TileFetcher()                       # one per application
    fetcher.add_status_listener(on_status)        # SourceStatus -> status bar (worker thread!)
    zoom, tiles = tiles_for_view(source.tms, bbox, resolution)
    wanted = [(zoom, x, y) for x, y, _b in tiles]
    for z, x, y in wanted:
        data = fetcher.cached(source, z, x, y)    # memory hit: draw now
    fetcher.request_view(source, wanted, on_tile) # cancels queued tiles no longer in view

``on_tile(result: TileResult)`` runs in a worker thread (or at once, in the caller's thread,
for a memory hit): a Qt layer should only emit a queued signal from it and decode the bytes
(QImage.fromData) on the GUI thread or in its own worker. ``result.status`` is ``ok`` (bytes in
``result.data``; ``stale`` when an expired disk copy is served because the server is down),
``missing`` (no such tile: draw a placeholder), ``error`` (``result.error``/``error_zh``) or
``cancelled``.
"""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Callable, Iterable, NamedTuple

import requests
from requests.adapters import HTTPAdapter

from app import __version__

from .cache import DiskTileCache, MemoryLRU
from .sources import TileSource

log = logging.getLogger("occ.tiles")

USER_AGENT = f"OpenCityCommand/{__version__} (+tile fetcher)"


class TileStatus(StrEnum):
    OK = "ok"
    MISSING = "missing"
    ERROR = "error"
    CANCELLED = "cancelled"


class TileKey(NamedTuple):
    source_id: str
    z: int
    x: int
    y: int


@dataclass(frozen=True)
class TileResult:
    key: TileKey
    status: TileStatus
    data: bytes | None = None
    error: str | None = None  # English, for logs and the English UI
    error_zh: str | None = None  # Chinese, for the status bar
    origin: str = ""  # "memory", "disk", "network", "file"
    stale: bool = False  # an expired disk copy, served because the source failed
    http_status: int | None = None

    @property
    def ok(self) -> bool:
        return self.status is TileStatus.OK


class SourceState(StrEnum):
    OK = "ok"
    UNREACHABLE = "unreachable"  # connection refused / DNS / timeout
    FAILING = "failing"  # reachable but answering errors (HTTP 5xx after retries, 401, 403...)


@dataclass(frozen=True)
class SourceStatus:
    source_id: str
    state: SourceState
    host: str = ""
    message: str = ""  # English
    message_zh: str = ""
    since: float = 0.0

    @property
    def ok(self) -> bool:
        return self.state is SourceState.OK


TileCallback = Callable[[TileResult], None]
StatusListener = Callable[[SourceStatus], None]


class _Job:
    __slots__ = ("key", "source", "future", "cancelled", "task", "callbacks")

    def __init__(self, key: TileKey, source: TileSource):
        self.key = key
        self.source = source
        self.future: Future = Future()
        self.cancelled = False
        self.task: Future | None = None
        self.callbacks: list[TileCallback] = []


class _Failure(NamedTuple):
    state: SourceState
    message: str
    message_zh: str
    http_status: int | None = None


def _default_session(pool_size: int, trust_env: bool) -> requests.Session:
    s = requests.Session()
    s.trust_env = trust_env
    adapter = HTTPAdapter(pool_connections=8, pool_maxsize=pool_size, max_retries=0)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s


class TileFetcher:
    """A bounded pool fetching tiles for any number of sources.

    ``cache_dir``: the disk cache root (None: the default under ~/.cache; False: no disk cache).
    ``timeout``: seconds for connecting and for reading. ``retries``: further tries after a 5xx,
    429 or connection error (never after 404), waiting ``backoff * 2**n`` seconds.
    After a connection failure a source is held down for ``down_for`` seconds (doubling up to
    ``down_for_max``): requests then fail at once (or get a stale disk copy) instead of each
    waiting for its own timeout; one request is let through when the time is up.
    """

    def __init__(self, *, workers: int = 6, cache_dir=None, memory_bytes: int = 64 << 20,
                 timeout: float = 5.0, retries: int = 2, backoff: float = 0.25,
                 missing_ttl: float = 600.0, down_for: float = 5.0, down_for_max: float = 60.0,
                 user_agent: str = USER_AGENT, trust_env: bool = True,
                 session_factory: Callable[[], requests.Session] | None = None):
        self.workers = workers
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.missing_ttl = missing_ttl
        self.down_for = down_for
        self.down_for_max = down_for_max
        self.headers = {"User-Agent": user_agent}
        self.memory = MemoryLRU(memory_bytes)
        self.disk: DiskTileCache | None = None if cache_dir is False else DiskTileCache(cache_dir)
        self._session_factory = session_factory or (
            lambda: _default_session(max(2, workers), trust_env))
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tiles")
        self._lock = threading.Lock()
        self._jobs: dict[TileKey, _Job] = {}
        self._missing: dict[TileKey, float] = {}
        self._down: dict[str, tuple[float, float, _Failure]] = {}  # id -> (until, backoff, why)
        self._status: dict[str, SourceStatus] = {}
        self._listeners: list[StatusListener] = []
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._closing = threading.Event()

    # -- public API -------------------------------------------------------------------------
    def cached(self, source: TileSource, z: int, x: int, y: int) -> bytes | None:
        """The tile's bytes if they are in memory (no I/O: safe on the GUI thread)."""
        return self.memory.get(TileKey(source.id, z, x, y))

    def request(self, source: TileSource, z: int, x: int, y: int,
                callback: TileCallback | None = None) -> Future:
        """Ask for a tile; returns a Future of :class:`TileResult` (it never raises). A request
        for a tile already under way joins it. Never blocks."""
        key = TileKey(source.id, z, x, y)
        data = self.memory.get(key)
        if data is not None:
            return self._done(TileResult(key, TileStatus.OK, data, origin="memory"), callback)
        if not source.has_tile(z, x, y) or self._known_missing(key):
            return self._done(TileResult(key, TileStatus.MISSING), callback)
        with self._lock:
            job = self._jobs.get(key)
            if job is None:
                job = _Job(key, source)
                self._jobs[key] = job
                submit = True
            else:
                # A job still listed is queued or running (a cancelled job whose task could
                # be withdrawn is unlisted at once), so wanting it again simply revives it.
                job.cancelled = False
                submit = False
            # The same callback (e.g. a layer's bound method) is registered once per tile,
            # however often the view asks again while the tile is under way.
            add_callback = callback is not None and callback not in job.callbacks
            if add_callback:
                job.callbacks.append(callback)
        if add_callback:
            job.future.add_done_callback(lambda f, cb=callback: self._call(cb, f.result()))
        if submit:
            try:
                job.task = self._executor.submit(self._run, job)
            except RuntimeError:  # shut down
                self._finish(job, TileResult(key, TileStatus.CANCELLED))
        return job.future

    def request_many(self, source: TileSource, tiles: Iterable[tuple[int, int, int]],
                     callback: TileCallback | None = None) -> dict[TileKey, Future]:
        return {TileKey(source.id, z, x, y): self.request(source, z, x, y, callback)
                for z, x, y in tiles}

    def request_view(self, source: TileSource, tiles: Iterable[tuple[int, int, int]],
                     callback: TileCallback | None = None) -> dict[TileKey, Future]:
        """:meth:`set_wanted` then :meth:`request_many`: the usual call after a pan or zoom."""
        tiles = list(tiles)
        self.set_wanted(source, tiles)
        return self.request_many(source, tiles, callback)

    def set_wanted(self, source: TileSource, tiles: Iterable[tuple[int, int, int]]) -> int:
        """Cancel this source's pending tiles that are not in ``tiles`` (z, x, y); returns how
        many were cancelled. Tiles already downloading finish and are cached."""
        keep = {TileKey(source.id, z, x, y) for z, x, y in tiles}
        with self._lock:
            victims = [j for k, j in self._jobs.items()
                       if k.source_id == source.id and k not in keep]
        return sum(self._cancel_job(j) for j in victims)

    def cancel(self, source: TileSource, z: int, x: int, y: int) -> bool:
        with self._lock:
            job = self._jobs.get(TileKey(source.id, z, x, y))
        return self._cancel_job(job) if job else False

    def cancel_source(self, source: TileSource) -> int:
        return self.set_wanted(source, ())

    def pending(self, source: TileSource | None = None) -> int:
        with self._lock:
            return sum(1 for k in self._jobs if source is None or k.source_id == source.id)

    def status(self, source: TileSource | str) -> SourceStatus:
        sid = source if isinstance(source, str) else source.id
        with self._lock:
            return self._status.get(sid) or SourceStatus(sid, SourceState.OK)

    def statuses(self) -> list[SourceStatus]:
        with self._lock:
            return list(self._status.values())

    def add_status_listener(self, listener: StatusListener) -> None:
        """``listener(SourceStatus)`` on every change of a source's state or message; it runs
        in a worker thread."""
        with self._lock:
            self._listeners.append(listener)

    def remove_status_listener(self, listener: StatusListener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def reset_source(self, source: TileSource) -> None:
        """Forget that a source was down and which of its tiles were missing (e.g. after the
        user changed its key or the network came back)."""
        with self._lock:
            self._down.pop(source.id, None)
            self._missing = {k: v for k, v in self._missing.items() if k.source_id != source.id}

    def shutdown(self, wait: bool = False) -> None:
        """Cancel everything and stop the workers."""
        self._closing.set()
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            self._cancel_job(job)
        self._executor.shutdown(wait=wait, cancel_futures=True)
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for s in sessions:
            try:
                s.close()
            except Exception:  # noqa: BLE001 - closing must not raise
                pass

    def __enter__(self) -> "TileFetcher":
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()

    # -- internals ----------------------------------------------------------------------------
    def _done(self, result: TileResult, callback: TileCallback | None) -> Future:
        fut: Future = Future()
        fut.set_result(result)
        if callback is not None:
            self._call(callback, result)
        return fut

    @staticmethod
    def _call(callback: TileCallback, result: TileResult) -> None:
        try:
            callback(result)
        except Exception:  # noqa: BLE001 - a broken callback must not kill a worker
            log.exception("tile callback failed for %s", result.key)

    def _known_missing(self, key: TileKey) -> bool:
        with self._lock:
            until = self._missing.get(key)
            if until is None:
                return False
            if until > time.monotonic():
                return True
            del self._missing[key]
            return False

    def _remember_missing(self, key: TileKey) -> None:
        with self._lock:
            if len(self._missing) > 50_000:
                self._missing.clear()
            self._missing[key] = time.monotonic() + self.missing_ttl

    def _cancel_job(self, job: _Job) -> bool:
        with self._lock:
            if job.cancelled or job.future.done():
                return False
            job.cancelled = True
            withdrawn = job.task is not None and job.task.cancel()
            if withdrawn and self._jobs.get(job.key) is job:
                del self._jobs[job.key]
        if withdrawn:
            self._finish(job, TileResult(job.key, TileStatus.CANCELLED))
        # else: queued-but-not-submitted or running; _run sees the flag (or it is revived)
        return True

    def _finish(self, job: _Job, result: TileResult) -> None:
        with self._lock:
            if self._jobs.get(job.key) is job:
                del self._jobs[job.key]
        if not job.future.done():
            job.future.set_result(result)

    def _session(self) -> requests.Session:
        s = getattr(self._local, "session", None)
        if s is None:
            s = self._session_factory()
            self._local.session = s
            with self._lock:
                self._sessions.append(s)
        return s

    def _run(self, job: _Job) -> None:
        try:
            result = self._produce(job)
        except Exception as exc:  # noqa: BLE001 - every job must end with a result
            log.exception("tile job %s failed", job.key)
            result = TileResult(job.key, TileStatus.ERROR, error=f"internal error: {exc}",
                                error_zh=f"底图瓦片处理出错: {exc}")
        self._finish(job, result)

    def _produce(self, job: _Job) -> TileResult:
        key, src = job.key, job.source
        if job.cancelled:
            return TileResult(key, TileStatus.CANCELLED)
        if not src.is_remote:
            return self._read_local(key, src)

        cached = self.disk.get(key.source_id, key.z, key.x, key.y) if self.disk else None
        if cached is not None and cached.fresh:
            self.memory.put(key, cached.data)
            return TileResult(key, TileStatus.OK, cached.data, origin="disk")

        probe = False
        down_failure = None
        with self._lock:
            down = self._down.get(src.id)
            if down is not None:
                now = time.monotonic()
                if now < down[0]:
                    down_failure = down[2]
                else:  # this job probes; the others keep failing fast meanwhile
                    self._down[src.id] = (now + down[1], down[1], down[2])
                    probe = True
        if down_failure is not None:
            return self._failed(key, down_failure, cached)
        return self._fetch(job, cached, probe)

    def _read_local(self, key: TileKey, src: TileSource) -> TileResult:
        try:
            data = src.read_tile(key.z, key.x, key.y)
        except Exception as exc:  # noqa: BLE001 - sqlite errors, closed files...
            why = _Failure(SourceState.FAILING, f"Local basemap unreadable: {src.title}: {exc}",
                           f"本地底图读取失败: {src.title}: {exc}")
            self._set_status(src, why)
            return TileResult(key, TileStatus.ERROR, error=why.message, error_zh=why.message_zh)
        self._set_status(src, None)
        if not data:
            return TileResult(key, TileStatus.MISSING, origin="file")
        self.memory.put(key, data)
        return TileResult(key, TileStatus.OK, data, origin="file")

    def _fetch(self, job: _Job, cached, probe: bool = False) -> TileResult:
        key, src = job.key, job.source
        url = src.tile_url(key.z, key.x, key.y)
        headers = {**self.headers, **src.headers}
        host = src.host
        failure: _Failure | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                if self._closing.wait(self.backoff * 2 ** (attempt - 1)):
                    return TileResult(key, TileStatus.CANCELLED)
            if job.cancelled:
                return TileResult(key, TileStatus.CANCELLED)
            try:
                resp = self._session().get(url, headers=headers, timeout=self.timeout)
            except requests.Timeout:
                failure = _Failure(SourceState.UNREACHABLE, f"Basemap service timed out: {host}",
                                   f"底图服务响应超时: {host}")
                continue
            except requests.ConnectionError:
                failure = _Failure(SourceState.UNREACHABLE,
                                   f"Basemap service unreachable: {host}",
                                   f"底图服务无法连接: {host}")
                continue
            except requests.RequestException as exc:
                failure = _Failure(SourceState.FAILING, f"Basemap request failed: {host}: {exc}",
                                   f"底图请求失败: {host}: {exc}")
                break
            code = resp.status_code
            data = resp.content
            if code in (404, 410, 204) or (code == 200 and not data) or (
                    code == 400 and b"TileOutOfRange" in data):
                self._source_ok(src)
                self._remember_missing(key)
                return TileResult(key, TileStatus.MISSING, origin="network", http_status=code)
            if code == 200:
                if _looks_like_error_document(resp):
                    if b"TileOutOfRange" in data:
                        self._source_ok(src)
                        self._remember_missing(key)
                        return TileResult(key, TileStatus.MISSING, origin="network",
                                          http_status=code)
                    failure = _Failure(SourceState.FAILING,
                                       f"Basemap service sent an error page: {host}",
                                       f"底图服务返回错误信息: {host}", code)
                    break
                self._source_ok(src)
                max_age = _max_age(resp, src.max_age)
                if self.disk is not None and max_age is not None:
                    self.disk.put(key.source_id, key.z, key.x, key.y, data, max_age)
                self.memory.put(key, data)
                return TileResult(key, TileStatus.OK, data, origin="network", http_status=code)
            if code >= 500 or code == 429:
                failure = _Failure(SourceState.FAILING,
                                   f"Basemap service error (HTTP {code}): {host}",
                                   f"底图服务出错 (HTTP {code}): {host}", code)
                continue
            if code in (401, 403):
                failure = _Failure(SourceState.FAILING,
                                   f"Basemap service refused access (HTTP {code}): {host}; "
                                   "check the key",
                                   f"底图服务拒绝访问 (HTTP {code}): {host}，请检查密钥", code)
            else:
                failure = _Failure(SourceState.FAILING,
                                   f"Basemap tile request failed (HTTP {code}): {host}",
                                   f"底图瓦片请求失败 (HTTP {code}): {host}", code)
            break
        assert failure is not None
        if failure.state is SourceState.UNREACHABLE:
            self._hold_down(src, failure, probe)
        return self._failed(key, failure, cached, src)

    def _failed(self, key: TileKey, failure: _Failure, cached, src: TileSource | None = None
                ) -> TileResult:
        if src is not None:
            self._set_status(src, failure)
        if cached is not None:  # better an old tile than none (kept out of memory: retried)
            return TileResult(key, TileStatus.OK, cached.data, error=failure.message,
                              error_zh=failure.message_zh, origin="disk", stale=True,
                              http_status=failure.http_status)
        return TileResult(key, TileStatus.ERROR, error=failure.message,
                          error_zh=failure.message_zh, http_status=failure.http_status)

    def _hold_down(self, src: TileSource, failure: _Failure, probe: bool) -> None:
        """Hold the source down: for ``down_for`` seconds after the first failure, twice as
        long after each failed probe; failures of requests already under way change nothing."""
        with self._lock:
            prev = self._down.get(src.id)
            if prev is None:
                backoff = self.down_for
            elif probe:
                backoff = min(self.down_for_max, prev[1] * 2)
            else:
                return
            self._down[src.id] = (time.monotonic() + backoff, backoff, failure)

    def _source_ok(self, src: TileSource) -> None:
        with self._lock:
            self._down.pop(src.id, None)
        self._set_status(src, None)

    def _set_status(self, src: TileSource, failure: _Failure | None) -> None:
        if failure is None:
            new = SourceStatus(src.id, SourceState.OK, src.host, since=time.time())
        else:
            new = SourceStatus(src.id, failure.state, src.host, failure.message,
                               failure.message_zh, time.time())
        with self._lock:
            old = self._status.get(src.id)
            if old is None and failure is None:
                self._status[src.id] = new
                return  # first success: nothing to announce
            if old is not None and (old.state, old.message) == (new.state, new.message):
                return
            self._status[src.id] = new
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(new)
            except Exception:  # noqa: BLE001
                log.exception("tile status listener failed")


def _looks_like_error_document(resp: requests.Response) -> bool:
    """A 200 answer that is an error page or an OGC exception, not a tile (servers that label
    real images text/html are tolerated: the body has to look like text too)."""
    ctype = resp.headers.get("Content-Type", "").lower()
    if not any(t in ctype for t in ("xml", "html", "text/", "json")):
        return False
    return resp.content.lstrip()[:1] in (b"<", b"{", b"[")


def _max_age(resp: requests.Response, default: float) -> float | None:
    """Seconds to keep a response on disk; None when it must not be stored."""
    cc = resp.headers.get("Cache-Control", "").lower()
    directives = [d.strip() for d in cc.split(",") if d.strip()]
    if "no-store" in directives:
        return None
    ages = []
    for d in directives:
        if d.startswith("max-age="):
            try:
                ages.append(max(0.0, float(d.split("=", 1)[1].strip('"'))))
            except ValueError:
                ages.append(0.0)
    if ages:
        return min(ages)
    if "no-cache" in directives:
        return 0.0
    expires = resp.headers.get("Expires")
    if expires:
        try:
            return max(0.0, parsedate_to_datetime(expires).timestamp() - time.time())
        except (TypeError, ValueError):
            return 0.0
    return default
