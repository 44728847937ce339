"""Live events to every connected client.

`publish()` is thread-safe and called after a transaction commits (sync endpoints run in worker
threads). Subscribers are bounded asyncio queues read by the WebSocket endpoint and the band
watcher. An event is a dict {"type": "...", "data": {...}, "at": ISO-8601}. Types: case.changed,
case.band, inspector.position; and "resync" (no data), which tells a subscriber that events were
lost (its queue overflowed, or the PostgreSQL listener reconnected) and lists must be reloaded.

On PostgreSQL the bus also sends every event with NOTIFY (services/pg_notify.py) and fans out
what other server processes publish, so all processes on one database share events. An event is
delivered once per bus: locally at once for the publisher, through LISTEN for everyone else.
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum
from typing import Any, Callable

log = logging.getLogger("occ.events")

RESYNC = "resync"


def json_default(o: Any) -> Any:
    """JSON for what case payloads carry besides plain types."""
    if isinstance(o, (datetime, date)):
        return o.isoformat()
    if isinstance(o, Enum):
        return o.value
    if isinstance(o, Decimal):
        return float(o)
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=json_default, separators=(",", ":"))


class Subscription:
    """One subscriber's bounded queue. `accept(event)` filters before queueing (runs on the event
    loop, must be cheap): falsy drops the event, a dict is queued instead of it (a view of the
    event for this subscriber), anything else queues the event itself. On overflow the backlog is dropped and a resync event queued: a
    slow reader costs memory up to `maxsize` events, never a stalled publisher."""

    def __init__(self, bus: "EventBus", maxsize: int = 10_000,
                 accept: Callable[[dict], bool | dict | None] | None = None):
        self.bus = bus
        self.queue: asyncio.Queue[dict] = asyncio.Queue(maxsize)
        self.accept = accept
        self.dropped = 0  # events lost to overflow, for logs and tests

    async def get(self) -> dict:
        return await self.queue.get()

    def close(self) -> None:
        self.bus._remove(self)

    def _offer(self, event: dict) -> None:
        if event["type"] != RESYNC and self.accept is not None:
            try:
                got = self.accept(event)
                if not got:
                    return
                if isinstance(got, dict):
                    event = got
            except Exception:  # noqa: BLE001 - a bad filter must not break the fan-out
                log.exception("event filter failed")
                return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            # The reader will reload everything, so the backlog is worthless: drop it all.
            self.dropped += 1
            while not self.queue.empty():
                if self.queue.get_nowait()["type"] != RESYNC:
                    self.dropped += 1
            self.queue.put_nowait(_resync_event())


def _resync_event() -> dict:
    return {"type": RESYNC, "data": {}, "at": datetime.now(timezone.utc).isoformat()}


class EventBus:
    def __init__(self, db: Any = None):
        self.db = db
        self.origin = uuid.uuid4().hex  # tells our own NOTIFYs apart from other processes'
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._notifier = None  # pg_notify.PgNotifier on PostgreSQL

    @property
    def shared(self) -> bool:
        """True when events travel between server processes (PostgreSQL LISTEN/NOTIFY)."""
        return self._notifier is not None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self.db is not None and not self.db.is_sqlite:
            from .pg_notify import PgNotifier
            self._notifier = PgNotifier(self.db.url, self.origin, self._deliver_local,
                                        on_gap=self.resync_all)
            await asyncio.to_thread(self._notifier.start)

    async def stop(self) -> None:
        if self._notifier is not None:
            await asyncio.to_thread(self._notifier.stop)
            self._notifier = None
        self._loop = None

    def subscribe(self, maxsize: int = 10_000, accept: Callable[[dict], bool | dict | None] | None = None
                  ) -> Subscription:
        sub = Subscription(self, maxsize, accept)
        with self._lock:
            self._subs.add(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)

    def publish(self, type_: str, data: dict[str, Any]) -> None:
        # Normalise through JSON so that local subscribers see exactly what other processes see.
        event = json.loads(dumps({"type": type_, "data": data, "at": datetime.now(timezone.utc).isoformat()}))
        self._deliver_local(event)
        if self._notifier is not None:
            self._notifier.send(event)

    def resync_all(self) -> None:
        """Tell every local subscriber that events may have been lost."""
        self._deliver_local(_resync_event())

    def _deliver_local(self, event: dict) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._fan_out(event)
        else:
            try:
                loop.call_soon_threadsafe(self._fan_out, event)
            except RuntimeError:  # the loop closed meanwhile (shutdown)
                pass

    def _fan_out(self, event: dict) -> None:
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            sub._offer(event)
