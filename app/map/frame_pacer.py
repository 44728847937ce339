"""When the canvas composes a new frame during a render pass (after QGIS's map canvas, whose update
timer shows a running job's images every 250 ms instead of on each layer's arrival).

Layer images that arrive while a pass runs wait in the render cache; the frame is composed once
when the pass ends, or after ``preview_s`` for a slow pass (then each image shows as it comes).
The pulse animation does not tick meanwhile either. Composing a frame per arriving image and
painting hundreds of pulse rings every 33 ms on the GUI thread held the GIL the render threads
needed: at 800,000 components the city view's pass took 0.074 s for 0.03-0.045 s of layer work.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Signal

__all__ = ["FramePacer", "PREVIEW_S"]

PREVIEW_S = 0.25  # a pass still running after this long shows what it has rendered so far


class FramePacer(QObject):
    compose = Signal()  # held images are due: compose a frame now

    def __init__(self, clock: Callable[[], float], timer, preview_s: float = PREVIEW_S,
                 parent: QObject | None = None):
        """``timer``: a single-shot QTimer (or a test's look-alike) this pacer owns."""
        super().__init__(parent)
        self._clock = clock
        self.preview_s = preview_s
        self._since: float | None = None  # start of the first unfinished pass
        self._held = False
        self._timer = timer
        timer.setSingleShot(True)
        timer.timeout.connect(self._release)

    def pass_started(self) -> None:
        if self._since is None:  # a pass superseding an unfinished one keeps the first start
            self._since = self._clock()

    def pass_finished(self, _secs: float = 0.0) -> None:
        self._since = None
        self._release()

    def image_arrived(self) -> bool:
        """True: compose now. False: held until the pass ends or its preview time (``compose``)."""
        if self._since is None:
            return True
        left = self.preview_s - (self._clock() - self._since)
        if left <= 0:
            return True
        self._held = True
        if not self._timer.isActive():
            self._timer.start(max(1, int(left * 1000)))
        return False

    def animation_may_tick(self) -> bool:
        """False while a young pass runs: the rings wait a frame or two for it."""
        return self._since is None or self._clock() - self._since >= self.preview_s

    def stop(self) -> None:
        self._timer.stop()
        self._held = False
        self._since = None

    def _release(self) -> None:
        self._timer.stop()
        if self._held:
            self._held = False
            self.compose.emit()
