"""Run blocking calls (HTTP, file IO) off the UI thread and get the answer back on it.

    run_async(lambda: client.case(42), on_done=self.show_case, on_error=self.show_error)

The callbacks run on the UI thread (queued signal delivery), so they may touch widgets -- but only
while their owner lives: an answer that comes after the widget (or other QObject) was deleted is
dropped. The owner is ``owner=`` when given, else the QObject a callback is bound to or closes over
(``self._loaded``, ``lambda r: self._loaded(gen, r)``). The jobs run
on a Python ThreadPoolExecutor, not QThreadPool: pyproj keeps per-thread state that QThreadPool's
short-lived Python thread states free under it (pyproj issue #1509), and jobs here read GeoPackages.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, Signal

_POOL: ThreadPoolExecutor | None = None
_LIVE: set["_Relay"] = set()  # keeps relays alive until their answer has been delivered


def pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        # Generous: a call stuck on a dead server (timeouts, retries) must not hold up the others.
        _POOL = ThreadPoolExecutor(max_workers=16, thread_name_prefix="occ-api")
    return _POOL


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


def _owner_of(cb: Callable | None) -> QObject | None:
    """The QObject a callback is bound to, or the first one it closes over."""
    if cb is None:
        return None
    me = getattr(cb, "__self__", None)
    if isinstance(me, QObject):
        return me
    for cell in getattr(cb, "__closure__", None) or ():
        try:
            v = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if isinstance(v, QObject):
            return v
    return None


def run_async(fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
              on_error: Callable[[Exception], None] | None = None, owner: QObject | None = None) -> None:
    relay = _Relay()  # created on the calling (UI) thread: its connections deliver there
    _LIVE.add(relay)
    owners = [o for o in (owner, _owner_of(on_done), _owner_of(on_error)) if o is not None]

    def finish(cb: Callable | None, value: Any) -> None:
        _LIVE.discard(relay)
        if cb and all(shiboken6.isValid(o) for o in owners):
            cb(value)

    relay.done.connect(lambda v: finish(on_done, v))
    relay.failed.connect(lambda e: finish(on_error, e))

    def job() -> None:
        try:
            result = fn()
        except Exception as e:  # noqa: BLE001 - delivered to the caller's error handler
            relay.failed.emit(e)
        else:
            relay.done.emit(result)

    pool().submit(job)
