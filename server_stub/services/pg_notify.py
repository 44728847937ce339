"""Events between server processes through PostgreSQL LISTEN/NOTIFY (channel `occ_events`).

Two threads, each with its own psycopg connection (never from the SQLAlchemy pool, so a long
LISTEN cannot starve requests):
- the sender takes events from a queue and NOTIFYs them, several per transaction when busy;
- the listener LISTENs and hands every event from another process to the local bus.

A NOTIFY payload is limited to 8000 bytes. Events are JSON in ASCII (so bytes = characters) and
split into parts of at most MAX_PART characters, sent in one transaction, so they arrive together
and in order; the listener joins them. Each notification is "origin:msgid:index:count:" + part;
`origin` is the publishing bus, which skips its own events (it delivered them locally already).
If the listener loses its connection it reconnects and calls `on_gap` (the bus tells its
subscribers to resync: events may have been missed meanwhile).
"""
from __future__ import annotations

import itertools
import json
import logging
import queue
import threading
from typing import Callable

import psycopg
from sqlalchemy.engine import make_url

from .event_bus import json_default

log = logging.getLogger("occ.events.pg")

CHANNEL = "occ_events"
MAX_PART = 7800  # characters of event JSON per notification (+ a short header; limit is 8000 bytes)
_STALE_PARTS = 200  # unfinished multi-part events kept at most (a sender died mid-way)


def conninfo(url: str) -> str:
    """libpq URI from a SQLAlchemy URL (postgresql+psycopg://... → postgresql://...)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def encode(event: dict, origin: str, msgid: int) -> list[str]:
    body = json.dumps(event, ensure_ascii=True, default=json_default, separators=(",", ":"))
    parts = [body[i:i + MAX_PART] for i in range(0, len(body), MAX_PART)] or [""]
    return [f"{origin}:{msgid}:{i}:{len(parts)}:{p}" for i, p in enumerate(parts)]


class Decoder:
    """Joins multi-part notifications back into events."""

    def __init__(self) -> None:
        self._partial: dict[tuple[str, str], list[str]] = {}

    def feed(self, payload: str) -> tuple[str, dict] | None:
        """(origin, event) when `payload` completes an event, else None."""
        origin, msgid, index, count, part = payload.split(":", 4)
        n = int(count)
        if n == 1:
            return origin, json.loads(part)
        key = (origin, msgid)
        parts = self._partial.setdefault(key, [])
        if int(index) != len(parts):  # a lost part: give this event up
            self._partial.pop(key, None)
            return None
        parts.append(part)
        if len(parts) < n:
            if len(self._partial) > _STALE_PARTS:
                self._partial.pop(next(iter(self._partial)))
            return None
        del self._partial[key]
        return origin, json.loads("".join(parts))


class PgNotifier:
    def __init__(self, url: str, origin: str, deliver: Callable[[dict], None],
                 on_gap: Callable[[], None] | None = None):
        self.conninfo = conninfo(url)
        self.origin = origin
        self.deliver = deliver
        self.on_gap = on_gap
        self._out: queue.SimpleQueue = queue.SimpleQueue()
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._ids = itertools.count(1)
        self._threads: list[threading.Thread] = []
        self.sent = 0
        self.received = 0

    # ------------------------------------------------------------------ life cycle
    def start(self, wait: float = 10.0) -> None:
        """Starts both threads and waits until LISTEN is active (events from then on are seen)."""
        self._stop.clear()
        self._threads = [threading.Thread(target=self._listen_loop, name="occ-pg-listen", daemon=True),
                         threading.Thread(target=self._send_loop, name="occ-pg-notify", daemon=True)]
        for t in self._threads:
            t.start()
        if not self._listening.wait(wait):
            log.warning("PostgreSQL LISTEN not ready after %.0f s; retrying in the background", wait)

    def stop(self) -> None:
        self._stop.set()
        self._out.put(None)  # wake the sender
        for t in self._threads:
            t.join(5)
        self._threads = []

    def send(self, event: dict) -> None:
        """Queues `event` for NOTIFY (returns at once; thread-safe)."""
        self._out.put(event)

    # ------------------------------------------------------------------ sender
    def _send_loop(self) -> None:
        conn: psycopg.Connection | None = None
        while True:
            first = self._out.get()
            if first is None:
                break
            batch = [first]
            while len(batch) < 100:  # take what is waiting: one transaction for a burst
                try:
                    nxt = self._out.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._stop.set()
                    break
                batch.append(nxt)
            for attempt in range(3):
                try:
                    if conn is None or conn.closed:
                        conn = psycopg.connect(self.conninfo, connect_timeout=5)
                    with conn.transaction():
                        for ev in batch:
                            for payload in encode(ev, self.origin, next(self._ids)):
                                conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
                    self.sent += len(batch)
                    break
                except psycopg.Error as e:
                    log.warning("NOTIFY failed (%s), attempt %d", e, attempt + 1)
                    if conn is not None:
                        conn.close()
                    conn = None
                    if self._stop.wait(0.2 * (attempt + 1)):
                        break
            else:
                log.error("dropped %d events: PostgreSQL NOTIFY keeps failing", len(batch))
            if self._stop.is_set() and self._out.empty():
                break
        if conn is not None:
            conn.close()

    # ------------------------------------------------------------------ listener
    def _listen_loop(self) -> None:
        backoff = 0.2
        connected_before = False
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._listening.set()
                    backoff = 0.2
                    if connected_before and self.on_gap is not None:
                        self.on_gap()  # we were deaf for a while
                    connected_before = True
                    decoder = Decoder()
                    while not self._stop.is_set():
                        for n in conn.notifies(timeout=0.5):
                            self._handle(decoder, n.payload)
            except psycopg.Error as e:
                self._listening.clear()
                if self._stop.is_set():
                    break
                log.warning("PostgreSQL LISTEN connection lost (%s); reconnecting", e)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    def _handle(self, decoder: Decoder, payload: str) -> None:
        try:
            got = decoder.feed(payload)
        except (ValueError, json.JSONDecodeError):
            log.warning("ignored a malformed notification on %s", CHANNEL)
            return
        if got is None:
            return
        origin, event = got
        if origin == self.origin:
            return  # ours: delivered locally when published
        self.received += 1
        self.deliver(event)
