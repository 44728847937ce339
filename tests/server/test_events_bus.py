"""The event bus: thread-safe publish, bounded queues with resync, and sharing events between
server processes through PostgreSQL LISTEN/NOTIFY (two buses on one database stand in for two
processes here; tests/server/test_multiprocess.py does it with real processes)."""
from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timezone

import pytest

from server_stub.db.session import Database
from server_stub.services import pg_notify
from server_stub.services.event_bus import EventBus


async def _get(sub, timeout=5.0):
    return await asyncio.wait_for(sub.get(), timeout)


async def _nothing_more(sub, wait=0.3):
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(sub.get(), wait)


def test_publish_from_worker_thread_reaches_subscriber_as_json():
    async def main():
        bus = EventBus()
        await bus.start()
        sub = bus.subscribe()
        at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
        t = threading.Thread(target=bus.publish, args=("case.changed", {"id": 1, "deadline_at": at}))
        t.start()
        t.join()
        ev = await _get(sub)
        assert ev["type"] == "case.changed"
        assert ev["data"] == {"id": 1, "deadline_at": "2026-01-02T03:04:05+00:00"}
        await bus.stop()
    asyncio.run(main())


def test_filter_and_overflow_drop_backlog_and_queue_resync():
    async def main():
        bus = EventBus()
        await bus.start()
        slow = bus.subscribe(maxsize=5)
        picky = bus.subscribe(accept=lambda e: e["data"]["n"] % 10 == 0)
        for n in range(23):  # nobody reads meanwhile: publish never waits
            bus.publish("case.changed", {"n": n})
        got = [slow.queue.get_nowait() for _ in range(slow.queue.qsize())]
        # 0..4 filled the queue, 5 overflowed it: backlog dropped, resync queued, then 6..9 fit,
        # 10 overflowed again, and so on: the reader always finds a resync before what is left.
        assert got[0]["type"] == "resync"
        assert [e["data"]["n"] for e in got[1:]] == [21, 22]
        assert slow.dropped == 23 - 2
        assert [e["data"]["n"] for e in [picky.queue.get_nowait() for _ in range(3)]] == [0, 10, 20]
        assert picky.queue.empty()
        picky.close()
        bus.publish("case.changed", {"n": 30})
        assert picky.queue.empty()
        await bus.stop()
    asyncio.run(main())


def test_notify_payload_split_and_joined():
    event = {"type": "case.changed", "data": {"description": "井盖缺失" * 3000, "id": 7}, "at": "x"}
    parts = pg_notify.encode(event, "o1", 42)
    assert len(parts) > 1 and all(len(p.encode()) < 8000 for p in parts)
    dec = pg_notify.Decoder()
    assert [dec.feed(p) for p in parts[:-1]] == [None] * (len(parts) - 1)
    assert dec.feed(parts[-1]) == ("o1", event)
    # a part lost: that event is given up, the next one still decodes
    dec.feed(parts[0])
    assert dec.feed(parts[2]) is None
    small = pg_notify.encode({"type": "t", "data": {}, "at": "y"}, "o2", 1)
    assert len(small) == 1 and dec.feed(small[0]) == ("o2", {"type": "t", "data": {}, "at": "y"})


def test_two_buses_on_one_database(db_url):
    """Two buses stand for two server processes. On PostgreSQL each gets the other's events once
    and its own once (no echo); on SQLite they stay separate (one process per SQLite file)."""
    async def main():
        dbs = [Database(db_url), Database(db_url)]
        a, b = EventBus(dbs[0]), EventBus(dbs[1])
        await a.start()
        await b.start()
        try:
            assert a.shared == b.shared == (not db_url.startswith("sqlite"))
            sa, sb = a.subscribe(), b.subscribe()
            big = {"id": 1, "description": "路面破损，" * 2500}  # ~37 kB of JSON: several NOTIFYs
            a.publish("case.changed", big)
            b.publish("case.band", {"id": 2, "band": "red"})
            expect = 2 if a.shared else 1
            got_a = [await _get(sa) for _ in range(expect)]
            got_b = [await _get(sb) for _ in range(expect)]
            await _nothing_more(sa)
            await _nothing_more(sb)
            by_type = lambda evs: {e["type"]: e["data"] for e in evs}  # noqa: E731
            if a.shared:
                assert by_type(got_a) == by_type(got_b) == {"case.changed": big,
                                                            "case.band": {"id": 2, "band": "red"}}
            else:
                assert by_type(got_a) == {"case.changed": big}
                assert by_type(got_b) == {"case.band": {"id": 2, "band": "red"}}
        finally:
            await a.stop()
            await b.stop()
            for d in dbs:
                d.dispose()
    asyncio.run(main())
