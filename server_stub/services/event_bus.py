"""Live events to every connected client.

`publish()` is thread-safe and called after a transaction commits (sync endpoints run in worker
threads). Subscribers are asyncio queues read by the WebSocket endpoint. An event is a dict
{"type": "...", "data": {...}, "at": ISO-8601}. Types: case.changed, case.band, inspector.position.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime, timezone
from typing import Any

log = logging.getLogger("occ.events")


class Subscription:
    def __init__(self, bus: "EventBus", maxsize: int = 10_000):
        self.bus = bus
        self.queue: asyncio.Queue[dict] = asyncio.Queue(maxsize)
        self.dropped = 0

    async def get(self) -> dict:
        return await self.queue.get()

    def close(self) -> None:
        self.bus._remove(self)


class EventBus:
    def __init__(self, db: Any = None):
        self.db = db
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        self._loop = None

    def subscribe(self) -> Subscription:
        sub = Subscription(self)
        with self._lock:
            self._subs.add(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)

    def publish(self, type_: str, data: dict[str, Any]) -> None:
        event = {"type": type_, "data": data, "at": datetime.now(timezone.utc).isoformat()}
        self._deliver_local(event)

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
            loop.call_soon_threadsafe(self._fan_out, event)

    def _fan_out(self, event: dict) -> None:
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            try:
                sub.queue.put_nowait(event)
            except asyncio.QueueFull:  # a stuck client must not stall the server
                sub.dropped += 1
