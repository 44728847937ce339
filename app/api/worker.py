"""Run blocking API calls off the UI thread and get the answer back on it.

    run_async(lambda: client.case(42), on_done=self.show_case, on_error=self.show_error)

The callbacks run on the UI thread (queued signal delivery), so they may touch widgets.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

_POOL: QThreadPool | None = None
_LIVE: set["_Relay"] = set()  # keeps relays alive until their answer has been delivered


def pool() -> QThreadPool:
    global _POOL
    if _POOL is None:
        _POOL = QThreadPool()
        _POOL.setMaxThreadCount(6)
    return _POOL


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay):
        super().__init__()
        self.fn = fn
        self.relay = relay

    @Slot()
    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as e:  # noqa: BLE001 - delivered to the caller's error handler
            self.relay.failed.emit(e)
        else:
            self.relay.done.emit(result)


def run_async(fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
              on_error: Callable[[Exception], None] | None = None) -> None:
    relay = _Relay()  # created on the calling (UI) thread: its slots run there
    _LIVE.add(relay)

    def finish(cb: Callable | None, value: Any) -> None:
        _LIVE.discard(relay)
        if cb:
            cb(value)

    relay.done.connect(lambda v: finish(on_done, v))
    relay.failed.connect(lambda e: finish(on_error, e))
    pool().start(_Job(fn, relay))
