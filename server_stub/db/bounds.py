"""A time bound on the queries of one read session: PostgreSQL's statement_timeout for the
transaction, SQLite's progress handler on the connection. A query past its bound is aborted by
the database and answered 503 with a message (server_stub/app.py), instead of holding a worker
and memory for minutes."""
from __future__ import annotations

import os
import sqlite3
import time
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy.orm import Session

QUERY_TIMEOUT_MS = int(os.environ.get("OCC_QUERY_TIMEOUT_MS", "3000"))
_SQLITE_STEPS = 10_000  # VM instructions between clock checks (~0.1 ms of work)


class QueryTimeout(RuntimeError):
    """A query ran past its time bound and was cancelled (→ 503)."""

    def __init__(self, ms: int):
        super().__init__(f"the query took longer than {ms / 1000:g} s and was stopped: narrow it "
                         "(a smaller box, fewer rows, more filters) and try again")
        self.ms = ms


def _timed_out(e: BaseException) -> bool:
    orig = getattr(e, "orig", e)
    if isinstance(orig, sqlite3.OperationalError):
        return "interrupted" in str(orig)
    return type(orig).__name__ == "QueryCanceled"  # psycopg.errors.QueryCanceled (SQLSTATE 57014)


@contextmanager
def time_bound(s: Session, ms: int | None = None) -> Iterator[Session]:
    """Bound every statement of `s` inside the block to `ms` milliseconds (default
    OCC_QUERY_TIMEOUT_MS, 3 s). Raises QueryTimeout when the database cancels one."""
    ms = QUERY_TIMEOUT_MS if ms is None else int(ms)
    conn = s.connection()
    raw = None
    if conn.dialect.name == "sqlite":
        raw = conn.connection.driver_connection
        deadline = time.monotonic() + ms / 1000.0
        raw.set_progress_handler(lambda: time.monotonic() > deadline, _SQLITE_STEPS)
    else:  # for this transaction only: a read session is rolled back when it closes
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, ms)}")
    try:
        yield s
    except Exception as e:  # the driver's own error on a raw cursor, or SQLAlchemy's wrapper
        if _timed_out(e):
            raise QueryTimeout(ms) from None
        raise
    finally:
        if raw is not None:
            raw.set_progress_handler(None, 0)
