"""A tiny callback mechanism for layer models (no Qt, no widgets).

    layer.changed.connect(callback)      # callback(layer, what)
    layer.changed.emit(layer, "data")

Callbacks run on the thread that emits. The canvas forwards them to the GUI thread itself.
"""
from __future__ import annotations

import threading
import weakref
from typing import Callable


class Event:
    """A list of callbacks. Bound methods are held weakly so a closed canvas does not leak."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: list = []

    def connect(self, callback: Callable) -> None:
        ref = weakref.WeakMethod(callback) if hasattr(callback, "__self__") else (lambda cb=callback: cb)
        with self._lock:
            self._slots.append((ref, callback if not hasattr(callback, "__self__") else None))

    def disconnect(self, callback: Callable | None = None) -> None:
        with self._lock:
            if callback is None:
                self._slots.clear()
                return
            self._slots = [(r, s) for (r, s) in self._slots if r() is not None and r() != callback]

    def emit(self, *args) -> None:
        with self._lock:
            slots = list(self._slots)
        dead = False
        for ref, _strong in slots:
            cb = ref()
            if cb is None:
                dead = True
                continue
            cb(*args)
        if dead:
            with self._lock:
                self._slots = [(r, s) for (r, s) in self._slots if r() is not None]

    def __len__(self) -> int:
        return len(self._slots)
