"""Hand-driven stand-ins for wall time, Qt timers and the render threads (deterministic canvas tests)."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class FakeClock:
    """A monotonic clock in seconds that moves only when told."""

    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class FakeTimer(QObject):
    """A QTimer look-alike that fires only when the test calls ``fire()``."""

    timeout = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent if isinstance(parent, QObject) else None)
        self._interval = 0
        self._active = False
        self._single = False
        self.starts = 0

    def setInterval(self, ms: int) -> None:  # noqa: N802
        self._interval = int(ms)

    def interval(self) -> int:
        return self._interval

    def setSingleShot(self, single: bool) -> None:  # noqa: N802
        self._single = bool(single)

    def start(self, ms: int | None = None) -> None:
        if ms is not None:
            self._interval = int(ms)
        self._active = True
        self.starts += 1

    def stop(self) -> None:
        self._active = False

    def isActive(self) -> bool:  # noqa: N802
        return self._active

    def fire(self, force: bool = False) -> bool:
        """Time out now if running (or, with ``force``, even if stopped: a timer event already queued)."""
        if not (self._active or force):
            return False
        if self._single:
            self._active = False
        self.timeout.emit()
        return True


class FakeTimers:
    """A ``timer_factory`` for MapCanvas that remembers every timer it made."""

    def __init__(self) -> None:
        self.made: list[FakeTimer] = []

    def __call__(self, parent=None) -> FakeTimer:
        t = FakeTimer(parent)
        self.made.append(t)
        return t

    def fire_all(self, rounds: int = 1) -> None:
        for _ in range(rounds):
            for t in list(self.made):
                t.fire()


class ManualExecutor:
    """An Executor whose jobs run when the test says; like ThreadPoolExecutor it refuses work after
    ``shutdown`` with "cannot schedule new futures after shutdown"."""

    def __init__(self) -> None:
        self.jobs: list = []
        self.submitted = 0
        self.is_shut_down = False

    def submit(self, fn, *args, **kwargs):
        if self.is_shut_down:
            raise RuntimeError("cannot schedule new futures after shutdown")
        self.jobs.append((fn, args, kwargs))
        self.submitted += 1

    def run_all(self) -> int:
        n = 0
        while self.jobs:
            fn, args, kwargs = self.jobs.pop(0)
            fn(*args, **kwargs)
            n += 1
        return n

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        self.is_shut_down = True
        if cancel_futures:
            self.cancelled = list(self.jobs)
