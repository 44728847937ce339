"""Engine and sessions: SQLite (WAL mode) by default, PostgreSQL by URL."""
from __future__ import annotations

import contextvars
import logging
import threading
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

log = logging.getLogger("occ.db")
T = TypeVar("T")
BUSY_TIMEOUT_MS = 30_000
# Set while a unit of work runs on the event loop (Database.run_write): SQLite must then fail at
# once on a lock held by another process instead of waiting for it on the loop.
_on_loop: contextvars.ContextVar[bool] = contextvars.ContextVar("occ_db_on_loop", default=False)


def normalize_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and a bare file path for SQLite."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if "://" not in url:
        return f"sqlite:///{url}"
    return url


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=20, max_overflow=20)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses no committed data
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.close()
        return engine
    # PostGIS lives in its own schema `postgis` (see the migration 7b1e5c0a9d21): on the path of
    # every connection, whatever the database's default (a missing schema is skipped).
    return create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True,
                         connect_args={"options": '-c search_path="$user",public,postgis'})


class Database:
    """One engine and its session factory; `app.state.db` on the server."""

    def __init__(self, url: str):
        self.url = normalize_url(url)
        self.engine = make_engine(self.url)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time. Left to itself, a second writer sleeps in SQLite's busy
        # handler with growing back-off (tens of ms per wait); queueing writers on a lock in this
        # process instead hands the database over the moment it is free.
        self._write_lock = threading.RLock() if self.is_sqlite else None
        self._autocheckpoint = 1000  # SQLite's default: pages of WAL after which a commit checkpoints
        self._ck_stop = threading.Event()
        self._ck_thread: threading.Thread | None = None
        self._now_conn: Connection | None = None  # write_now's own connection
        self._read_conn: Connection | None = None  # read_now's own connection
        if self.is_sqlite:
            event.listen(self.engine, "connect", self._set_autocheckpoint)

    def _set_autocheckpoint(self, dbapi_conn, _record) -> None:  # noqa: ANN001
        dbapi_conn.execute(f"PRAGMA wal_autocheckpoint={int(self._autocheckpoint)}")

    def start_checkpoints(self, every_seconds: float = 1.0) -> None:
        """SQLite: copy the WAL into the database from a side thread every `every_seconds`, instead
        of inside whichever commit crosses 1,000 WAL pages. That checkpoint (with its fsync) took
        20-30 ms in the middle of somebody's request; a PASSIVE checkpoint beside the writers
        blocks nobody. The server calls this at start; tools that write briefly need not."""
        if not self.is_sqlite or self._ck_thread is not None:
            return
        self._autocheckpoint = 0
        self.engine.dispose()  # pooled connections were opened with the default
        self._ck_stop.clear()
        self._ck_thread = threading.Thread(target=self._checkpoints, args=(every_seconds,),
                                           name="occ-wal-checkpoint", daemon=True)
        self._ck_thread.start()

    def _checkpoints(self, every_seconds: float) -> None:
        while not self._ck_stop.wait(every_seconds):
            try:
                with self.engine.connect() as c:
                    c.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception:  # noqa: BLE001 - try again next time
                log.exception("WAL checkpoint failed")

    def stop_checkpoints(self) -> None:
        if self._ck_thread is not None:
            self._ck_stop.set()
            self._ck_thread.join(10)
            self._ck_thread = None
        self._autocheckpoint = 1000

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessionmaker() as s:
            yield s

    @contextmanager
    def bounded(self, ms: int | None = None) -> Iterator[Session]:
        """A read session whose statements are cancelled after `ms` (default OCC_QUERY_TIMEOUT_MS):
        QueryTimeout, answered 503. For queries whose size depends on the caller's input."""
        from .bounds import time_bound
        with self.sessionmaker() as s, time_bound(s, ms):
            yield s

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed on success, rolled back on any error."""
        if self._write_lock is None:
            with self.sessionmaker() as s, s.begin():
                yield s
            return
        with self._write_lock, self.sessionmaker() as s, s.begin():
            if not _on_loop.get():
                yield s
                return
            dbapi = s.connection().connection.dbapi_connection
            dbapi.execute("PRAGMA busy_timeout=0")
            try:
                yield s
            finally:  # before the commit: a connection goes back to the pool as it came
                dbapi.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    def writing(self) -> Any:
        """The in-process write lock as a context (SQLite), for writers with their own connection."""
        return self._write_lock or nullcontext()

    async def run_write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Runs the unit of work `fn` (a service function that opens its own transaction) for an
        async endpoint. On SQLite, when no other thread of this process is writing, it runs right
        here on the event loop: the database takes one writer at a time anyway, the loop then
        serves writes first come first served, and the request is spared two thread hand-overs,
        each a fraction of a millisecond on an idle virtual CPU (the larger part of a 5 ms
        request). Otherwise, and always on PostgreSQL, it runs on a worker thread. A lock held by
        another process (SQLITE_BUSY at once, see transaction) also sends it to a worker thread,
        to wait there; the failed attempt was rolled back and published nothing."""
        if self._write_lock is not None and self._write_lock.acquire(blocking=False):
            token = _on_loop.set(True)
            try:
                return fn(*args, **kwargs)
            except OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e):
                    raise
            finally:
                _on_loop.reset(token)
                self._write_lock.release()
        return await run_in_threadpool(fn, *args, **kwargs)

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """A Core connection in one transaction, without an ORM session: for small writes on the
        hot path of every request (an ORM session costs several times the statement itself)."""
        with self._write_lock or nullcontext(), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def write_now(self) -> Iterator[Connection | None]:
        """A small write transaction right here on the calling thread (the server's event loop),
        or None when it could wait: PostgreSQL (a network round trip), another thread of this
        process writing, or (raised as OperationalError, busy_timeout 0) another process holding
        SQLite's lock. The caller then hands the work to a worker thread as usual. On an idle
        virtual CPU that hand-over costs two thread wake-ups, more than a 0.1 ms insert."""
        if self._write_lock is None or not self._write_lock.acquire(blocking=False):
            yield None
            return
        try:
            if self._now_conn is None:
                self._now_conn = self.engine.connect()
                self._now_conn.exec_driver_sql("PRAGMA busy_timeout=0")
                self._now_conn.commit()
            with self._now_conn.begin():
                yield self._now_conn
        finally:
            self._write_lock.release()

    @contextmanager
    def read_now(self) -> Iterator[Connection | None]:
        """SQLite: a short read right here on the calling thread (the server's event loop), on a
        connection of its own that never waits (busy_timeout 0: OperationalError instead; WAL
        readers are not blocked by writers). None on PostgreSQL (a network round trip): the caller
        reads on a worker thread."""
        if not self.is_sqlite:
            yield None
            return
        if self._read_conn is None:
            self._read_conn = self.engine.connect()
            self._read_conn.exec_driver_sql("PRAGMA busy_timeout=0")
            self._read_conn.commit()
        with self._read_conn.begin():  # ends the read transaction at once: no snapshot kept
            yield self._read_conn

    def migrate(self) -> None:
        from .migrate import upgrade
        upgrade(self.engine)

    def dispose(self) -> None:
        self.stop_checkpoints()
        if self._now_conn is not None:
            with self._write_lock or nullcontext():
                self._now_conn.close()
                self._now_conn = None
        if self._read_conn is not None:
            self._read_conn.close()
            self._read_conn = None
        self.engine.dispose()
