"""The band watcher: pushes "case.band" the moment a case turns yellow or red.

For every open case with a running clock it computes the next instant its band changes:
- green → yellow when the counted time left reaches yellow_fraction × the stage limit. With
  `rem` counted seconds left now, that is `clock.add(now, rem − f × limit)` in the stage's clock
  (counted time is additive, so this is exact also after an extension or a resume);
- yellow → red at deadline_at.
The instants sit in a heap; the task sleeps until the earliest one, or at most band_watch_seconds
to pick up cases changed by others (`updated_at` since the last look, with an overlap for commits
that were slow to land). case.changed events on the bus wake it at once for the case concerned.

A transition updates `cases.band` only if it still holds the old band (a second watcher or a
concurrent action wins cleanly, never a double event), marks the stage overdue when it turns red,
and after the commit publishes "case.band" {id, number, band, previous_band, stage, state,
deadline_at, remaining_seconds, department_id, reporter_id, task_inspector_id, grid_code} (a case's first colour, None → green, is stored
without an event: the case.changed that created it carried it).

On start (and after a takeover) it recomputes every open case from the database, so transitions
missed while no watcher ran are pushed at once. On PostgreSQL only the process holding the
advisory lock LOCK_KEY runs it (on its own connection; if that process dies the lock goes with the
connection and another process takes over within lock_retry_seconds).
"""
from __future__ import annotations

import asyncio
import heapq
import importlib
import logging
import os
import threading
import time
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable

from sqlalchemy import or_, select, update

from app.domain.clocks import ClockType, WorkClock, band as band_of
from app.domain.workflow import FINAL_STATES, State

from ..db.models import Case

log = logging.getLogger("occ.bands")

LOCK_KEY = 0x4F43_4342_414E_4457  # "OCCBANDW": pg_try_advisory_lock key of the band watcher
LOCK_RETRY_SECONDS = 5.0  # how often a process without the lock tries to take it (failover time)
# Cases named by case.changed are looked at together after this pause: under a busy hall's 40
# actions a second one query covers a batch instead of one query per action. The action itself
# already stored the case's current band; the watcher only schedules its next change.
DIRTY_BATCH_SECONDS = 0.5
_NOT_RUNNING = [s.value for s in FINAL_STATES] + [State.SUSPENDED.value]
# What the clock reading and the event need: plain rows, several times cheaper than ORM objects
# (deadlines.* read these attributes by name, so a row serves as the case).
_URGENT = ClockType.URGENT_HOUR.value
_COLS = (Case.id, Case.number, Case.state, Case.stage, Case.deadline_at, Case.limit_value, Case.limit_type,
         Case.band, Case.version, Case.department_id, Case.reporter_id, Case.task_inspector_id, Case.grid_code)


def _stamp(c: Any) -> tuple:
    """What tells a row read again from the one already scheduled (the watcher's own band writes
    keep the version)."""
    return c.version, c.band, c.deadline_at, c.state


def _deadlines():
    """services.deadlines (by the cases engineer); None while it does not exist yet."""
    try:
        return importlib.import_module(f"{__package__}.deadlines")
    except ModuleNotFoundError as e:
        if e.name != f"{__package__}.deadlines":
            raise
        return None


def _server_now() -> datetime:
    """The server's now, read through services.cases.utcnow each time (tests move that clock)."""
    from . import cases
    return cases.utcnow()


class BandWatcher:
    def __init__(self, ctx: Any, now: Callable[[], datetime] | None = None):
        self.ctx = ctx
        self.now = now or _server_now  # the instants cases change colour are read on this clock
        self.poll_seconds = max(0.05, float(ctx.settings.band_watch_seconds))
        self.lock_retry_seconds = LOCK_RETRY_SECONDS
        self.overlap = timedelta(seconds=10)  # re-read rows changed this long before the last look
        self.active = False  # True while this process is the watcher
        self.stats: dict[str, float] = {"rescans": 0, "rescan_cases": 0, "rescan_seconds": 0.0,
                                        "steps": 0, "transitions": 0}
        self._heap: list[tuple[float, int]] = []  # (timestamp, case id); stale entries skipped
        self._due: dict[int, float] = {}  # case id → the timestamp of its live heap entry
        self._dirty: set[int] = set()  # case ids to look at again (bus events, lost races)
        self._seen: dict[int, tuple] = {}  # case id → _stamp of the row last scheduled
        self._dirty_lock = threading.Lock()  # added to on the event loop, taken in a worker thread
        self._rescan = True
        self._since: datetime | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task | None = None
        self._reader: asyncio.Task | None = None
        self._sub = None
        self._lock_conn = None
        self._dl = _deadlines()

    # ------------------------------------------------------------------ life cycle
    async def start(self) -> None:
        if self._dl is None:
            log.warning("band watcher off: services/deadlines.py is not built yet")
            return
        self._sub = self.ctx.bus.subscribe(50_000, lambda e: e["type"] == "case.changed")
        self._reader = asyncio.create_task(self._read_bus(), name="occ-band-bus")
        self._task = asyncio.create_task(self._run(), name="occ-band-watcher")

    async def stop(self) -> None:
        # Let the task finish the step under way (a worker thread cannot be cancelled), then cancel.
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), 10)
            except (asyncio.TimeoutError, Exception):  # noqa: BLE001
                pass
        for t in (self._task, self._reader):
            if t is not None:
                t.cancel()
        for t in (self._task, self._reader):
            if t is not None:
                try:
                    await t
                except (asyncio.CancelledError, Exception):  # noqa: BLE001
                    pass
        if self._sub is not None:
            self._sub.close()
        await asyncio.to_thread(self._release_lock)
        self.active = False

    def status(self) -> dict:
        return {"running": self._task is not None and not self._task.done(), "active": self.active,
                "scheduled": len(self._due), **self.stats}

    async def _read_bus(self) -> None:
        while True:
            ev = await self._sub.get()
            if not self.active:
                continue  # taking over starts with a full rescan anyway
            if ev["type"] == "resync":
                self._rescan = True
            else:
                cid = (ev.get("data") or {}).get("id")
                if isinstance(cid, int):
                    self._mark_dirty(cid)
            self._wake.set()

    async def _pause(self, seconds: float) -> None:
        """Sleeps, or less if woken (stop, or an event)."""
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except asyncio.TimeoutError:
            pass

    async def _run(self) -> None:
        while not self._stopping:
            try:
                if not await asyncio.to_thread(self._hold_lock):
                    self.active = False
                    await self._pause(self.lock_retry_seconds)
                    continue
                if not self.active:
                    log.info("band watcher active in this process")
                    self.active, self._rescan = True, True
                await self._watch()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a DB hiccup must not end the watcher for good
                log.exception("band watcher failed; retrying")
                self._rescan = True
                await self._pause(min(self.lock_retry_seconds, 2.0))

    async def _watch(self) -> None:
        """Runs while the lock is held; returns when it is lost (the caller retries)."""
        loop = asyncio.get_running_loop()
        next_poll = loop.time()
        while not self._stopping:
            if self._rescan:
                self._rescan = False
                await asyncio.to_thread(self.rescan)
                next_poll = loop.time() + self.poll_seconds
            wait = next_poll - loop.time()
            if self._heap:
                wait = min(wait, self._heap[0][0] - self.now().timestamp())
            if wait > 0 and not self._dirty and not self._rescan:
                await self._pause(wait)
            if self._stopping:
                return
            poll = loop.time() >= next_poll
            if not poll and self._dirty and not (self._heap and self._heap[0][0] <= self.now().timestamp()):
                await asyncio.sleep(DIRTY_BATCH_SECONDS)  # let events of the same moment gather
                if self._stopping:
                    return
            if poll:
                if not await asyncio.to_thread(self._hold_lock):
                    log.warning("band watcher lost its lock")
                    self.active = False
                    self._clear()
                    return
                next_poll = loop.time() + self.poll_seconds
            await asyncio.to_thread(self.step, poll)

    def _mark_dirty(self, cid: int) -> None:
        with self._dirty_lock:
            self._dirty.add(cid)

    def _take_dirty(self) -> set[int]:
        with self._dirty_lock:
            dirty, self._dirty = self._dirty, set()
        return dirty

    # ------------------------------------------------------------------ advisory lock
    def _hold_lock(self) -> bool:
        """True if this process is (still) the watcher. SQLite: always (one process)."""
        if self.ctx.db.is_sqlite:
            return True
        import psycopg

        from .pg_notify import conninfo
        try:
            if self._lock_conn is not None:
                self._lock_conn.execute("SELECT 1")  # the lock lives as long as this session
                return True
            conn = psycopg.connect(conninfo(self.ctx.db.url), autocommit=True, connect_timeout=5)
            got = conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]
            if got:
                conn.execute("SELECT set_config('application_name', %s, false)",
                             (f"occ band watcher {os.getpid()}",))
                self._lock_conn = conn
                return True
            conn.close()
            return False
        except psycopg.Error as e:
            log.warning("band watcher lock connection: %s", e)
            self._release_lock()
            return False

    def _release_lock(self) -> None:
        conn, self._lock_conn = self._lock_conn, None
        if conn is not None:
            try:
                conn.close()  # ends the session: the lock is released with it
            except Exception:  # noqa: BLE001
                pass

    # ------------------------------------------------------------------ the work
    def _clear(self) -> None:
        self._seen.clear()
        self._heap.clear()
        self._due.clear()
        self._take_dirty()

    def rescan(self) -> int:
        """Recomputes every open case from the database; returns how many were looked at."""
        t0 = time.perf_counter()
        self._clear()
        now = self.now()
        self._since = now
        # Cases already marked red past their deadline stay red until they change: not even read.
        q = select(*_COLS).where(Case.deadline_at.is_not(None), Case.state.not_in(_NOT_RUNNING),
                                 or_(Case.band.is_(None), Case.band != "red", Case.deadline_at > now))
        with self.ctx.db.session() as s:
            cases = s.execute(q).all()
        n = len(cases)
        self._process(cases, now)
        dt = time.perf_counter() - t0
        self.stats["rescans"] += 1
        self.stats["rescan_cases"] = n
        self.stats["rescan_seconds"] = dt
        log.info("band watcher: %d open cases scheduled in %.3f s", n, dt)
        return n

    def step(self, poll: bool = True) -> None:
        """Handles due transitions, cases named by events and (if `poll`) rows changed lately."""
        self.stats["steps"] += 1
        now = self.now()
        ids: set[int] = set()
        while self._heap and self._heap[0][0] <= now.timestamp():
            ts, cid = heapq.heappop(self._heap)
            if self._due.get(cid) == ts:
                del self._due[cid]
                ids.add(cid)
        ids |= self._take_dirty()
        with self.ctx.db.engine.connect() as conn:  # plain rows, no ORM session: this runs often
            cases: dict[int, Any] = {}
            if ids:
                for c in conn.execute(select(*_COLS).where(Case.id.in_(ids))):
                    cases[c.id] = c
            if poll and self._since is not None:
                since, self._since = self._since - self.overlap, now
                polled: dict[int, tuple] = {}
                for c in conn.execute(select(*_COLS).where(Case.updated_at > since)):
                    polled[c.id] = _stamp(c)
                    if self._seen.get(c.id) != polled[c.id]:  # the overlap re-reads: skip what we saw
                        cases.setdefault(c.id, c)
                # Remember only what the next poll can see again: rows in this window, and these.
                self._seen = {cid: s for cid, s in self._seen.items() if cid in polled or cid in cases}
        for cid in ids - cases.keys():  # deleted? forget it
            self._due.pop(cid, None)
        if cases:
            self._process(cases.values(), now)

    def _schedule(self, cid: int, ts: float | None) -> None:
        if ts is None:
            self._due.pop(cid, None)
            return
        if self._due.get(cid) == ts:
            return
        self._due[cid] = ts
        heapq.heappush(self._heap, (ts, cid))
        if len(self._heap) > 2 * len(self._due) + 10_000:  # mostly stale (rescheduled) entries
            self._heap = [(t, c) for c, t in self._due.items()]
            heapq.heapify(self._heap)

    def band_and_next(self, case: Any, now: datetime) -> tuple[str | None, float | None]:
        """The case's band now and the next instant it changes, as a POSIX timestamp (None: no
        clock, or red)."""
        return self._band_and_next(case, now, now.timestamp())

    def _band_and_next(self, case: Any, now: datetime, now_ts: float) -> tuple[str | None, float | None]:
        """
        Same reading as deadlines.current_band; two shortcuts keep a pass over 20,000 cases cheap:
        past the deadline the band is red whatever the clock, and an urgent-hour clock counts
        real time, so its instants are plain subtraction."""
        if case.state in _NOT_RUNNING or case.deadline_at is None or not case.limit_value or not case.limit_type:
            return None, None
        deadline = case.deadline_at.timestamp()
        if deadline <= now_ts:
            return "red", None
        f = self.ctx.settings.yellow_fraction
        if case.limit_type == _URGENT:
            limit = case.limit_value * 3600.0
            b = band_of(deadline - now_ts, limit, f)
            return b, (deadline if b == "yellow" else deadline - f * limit)
        rem = self._dl.remaining_seconds(self.ctx, case, now)
        limit = self._dl.stage_limit_seconds(self.ctx, case)
        if rem is None or not limit:
            return None, None
        b = band_of(rem, limit, f)
        if b == "red":
            return b, None
        if b == "yellow":
            return b, deadline
        clock_type = ClockType(case.limit_type)
        amount = (rem - f * limit) / WorkClock.limit_seconds(1, clock_type)
        at = self.ctx.clock.add(now, amount, clock_type).timestamp()
        return b, max(at, now_ts + 0.001)

    def _process(self, cases: Iterable[Any], now: datetime) -> None:
        """Schedules each case; writes and publishes the ones whose band changed."""
        changes: list[tuple[Any, str | None, str]] = []
        now_ts = now.timestamp()
        for c in cases:
            self._seen[c.id] = _stamp(c)
            b, nxt = self._band_and_next(c, now, now_ts)
            self._schedule(c.id, nxt)
            if b is not None and b != c.band:
                changes.append((c, c.band, b))
        if changes:
            self._apply(changes, now)

    def _apply(self, changes: list[tuple[Any, str | None, str]], now: datetime) -> None:
        events = []
        with self.ctx.db.transaction() as s:
            for c, prev, b in changes:
                cond = Case.band.is_(None) if prev is None else Case.band == prev
                res = s.execute(update(Case).where(Case.id == c.id, Case.version == c.version, cond)
                                .values(band=b, updated_at=now)
                                .execution_options(synchronize_session=False))
                if res.rowcount != 1:
                    self._mark_dirty(c.id)  # changed under us: look again with fresh data
                    continue
                if b == "red":
                    fresh = s.get(Case, c.id)
                    # red means no counted time left: the deadline has passed (µs rounding aside)
                    self._dl.mark_overdue(s, self.ctx, fresh, max(now, c.deadline_at))
                if prev is None and b == "green":
                    continue  # a first colour is no news: case.changed carried it
                events.append(self._payload(c, prev, b, now))
        self.stats["transitions"] += len(events)
        for data in events:
            self.ctx.bus.publish("case.band", data)

    def _payload(self, c: Any, prev: str | None, b: str, now: datetime) -> dict:
        rem = self._dl.remaining_seconds(self.ctx, c, now)
        return {"id": c.id, "number": c.number, "band": b, "previous_band": prev, "stage": c.stage,
                "state": c.state, "deadline_at": c.deadline_at.isoformat() if c.deadline_at else None,
                "remaining_seconds": None if rem is None else round(rem, 3),
                "department_id": c.department_id,
                # what the live-event scope decides by (services/visibility.py)
                "reporter_id": c.reporter_id, "task_inspector_id": c.task_inspector_id, "grid_code": c.grid_code}
