"""The playback clock and the timeline of the track panel.

PlaybackClock advances one time for all chosen inspectors at 1×–256× on a 60 Hz timer; the wall
time comes from an injectable function so that tests drive it without sleeping. TrackTimeline
draws the range with each inspector's stops, signal gaps and cases, and scrubs on click and drag.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

SPEEDS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
FRAME_MS = 16  # ~60 frames a second while playing


class PlaybackClock(QObject):
    """Playback time in epoch seconds. ``tick`` is what the timer calls; tests call it directly."""

    timeChanged = Signal(float)
    stateChanged = Signal(bool)  # playing

    def __init__(self, parent: QObject | None = None, now: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time):
        super().__init__(parent)
        self._now = now  # a monotonic clock: playback speed
        self._wall = wall  # epoch seconds: live mode
        self.start = 0.0
        self.end = 0.0
        self.time = 0.0
        self.speed = 1
        self.live = False  # follows the wall clock (epoch) instead of playing a range
        self._last = None
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.timeout.connect(self.tick)

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def set_range(self, start: float, end: float) -> None:
        self.start, self.end = float(start), float(max(start, end))
        self.seek(self.start)

    def seek(self, t: float) -> None:
        self.time = min(max(float(t), self.start), self.end)
        self.timeChanged.emit(self.time)

    def step(self, seconds: float) -> None:
        self.seek(self.time + seconds)

    def set_speed(self, speed: int) -> None:
        self.speed = int(speed)

    def play(self) -> None:
        if self.time >= self.end and not self.live:
            self.seek(self.start)
        self._last = self._now()
        self._timer.start()
        self.stateChanged.emit(True)

    def pause(self) -> None:
        self._timer.stop()
        self.stateChanged.emit(False)

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def tick(self) -> None:
        now = self._now()
        last, self._last = self._last if self._last is not None else now, now
        if self.live:
            self.end = self._wall()
            self.time = self.end
            self.timeChanged.emit(self.time)
            return
        self.time = min(self.end, self.time + (now - last) * self.speed)
        self.timeChanged.emit(self.time)
        if self.time >= self.end:
            self.pause()


@dataclass
class TimelineMark:
    t0: float
    t1: float
    kind: str  # stop | gap | case
    row: int  # inspector row
    case_id: int | None = None
    label: str = ""


class TrackTimeline(QWidget):
    """One row per inspector under a time axis; click or drag to scrub, click a case to open it."""

    scrubbed = Signal(float)
    caseClicked = Signal(int)

    ROW_H = 14
    AXIS_H = 20

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.start = 0.0
        self.end = 1.0
        self.time = 0.0
        self.rows: list[str] = []
        self.marks: list[TimelineMark] = []
        self.tz = None
        self.setMinimumHeight(self.AXIS_H + 2 * self.ROW_H + 8)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.setMouseTracking(True)
        self.setToolTip(self.tr("Click or drag to move the playback; click a case mark to open it"))

    def set_data(self, start: float, end: float, rows: list[str], marks: list[TimelineMark]) -> None:
        self.start, self.end = start, max(end, start + 1)
        self.rows, self.marks = rows, marks
        self.setFixedHeight(self.AXIS_H + max(1, len(rows)) * self.ROW_H + 8)
        self.update()

    def set_time(self, t: float) -> None:
        self.time = t
        self.update()

    # ------------------------------------------------------------------ geometry
    def _x(self, t: float) -> float:
        w = max(1, self.width() - 16)
        return 8 + (t - self.start) / (self.end - self.start) * w

    def _t(self, x: float) -> float:
        w = max(1, self.width() - 16)
        return self.start + min(max(x - 8, 0), w) / w * (self.end - self.start)

    def _row_y(self, row: int) -> float:
        return self.AXIS_H + row * self.ROW_H

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event) -> None:  # noqa: N802
        from datetime import datetime, timezone
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        text = pal.text().color()
        p.setPen(QPen(pal.mid().color(), 1))
        for r in range(len(self.rows)):
            y = self._row_y(r) + self.ROW_H / 2
            p.drawLine(QPointF(8, y), QPointF(self.width() - 8, y))
        # the axis: about 6 ticks at round minutes/hours
        span = self.end - self.start
        step = next((s for s in (60, 300, 600, 1800, 3600, 7200, 21600, 43200, 86400, 172800)
                     if span / s <= 8), 604800)
        f = QFont(self.font())
        f.setPixelSize(11)
        p.setFont(f)
        tz = self.tz or timezone.utc
        first = (int(self.start) // step + 1) * step
        for t in range(first, int(self.end) + 1, step):
            x = self._x(t)
            p.setPen(QPen(text, 1))
            p.drawLine(QPointF(x, self.AXIS_H - 5), QPointF(x, self.AXIS_H))
            d = datetime.fromtimestamp(t, tz)
            label = d.strftime("%m-%d %H:%M" if step >= 86400 or span > 86400 else "%H:%M")
            p.drawText(QRectF(x - 40, 0, 80, self.AXIS_H - 5), Qt.AlignCenter, label)
        for m in self.marks:
            y = self._row_y(m.row)
            x0, x1 = self._x(m.t0), self._x(m.t1)
            if m.kind == "stop":
                p.fillRect(QRectF(x0, y + 3, max(2.0, x1 - x0), self.ROW_H - 6), QColor(17, 24, 39, 150))
            elif m.kind == "gap":
                pen = QPen(QColor(100, 116, 139), 2, Qt.DashLine)
                p.setPen(pen)
                p.drawLine(QPointF(x0, y + self.ROW_H / 2), QPointF(max(x0 + 2, x1), y + self.ROW_H / 2))
        for m in self.marks:
            if m.kind == "case":
                x, y = self._x(m.t0), self._row_y(m.row) + self.ROW_H / 2
                p.setPen(QPen(QColor("white"), 1.5))
                p.setBrush(QColor(17, 24, 39))
                p.drawRoundedRect(QRectF(x - 5, y - 6, 10, 12), 2, 2)
        x = self._x(self.time)
        p.setPen(QPen(QColor(37, 99, 235), 2))
        p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        p.end()

    # ------------------------------------------------------------------ mouse
    def case_at(self, x: float, y: float) -> int | None:
        for m in self.marks:
            if m.kind == "case" and m.case_id is not None:
                mx, my = self._x(m.t0), self._row_y(m.row) + self.ROW_H / 2
                if abs(mx - x) <= 6 and abs(my - y) <= 7:
                    return m.case_id
        return None

    def mousePressEvent(self, e) -> None:  # noqa: N802
        pos = e.position()
        cid = self.case_at(pos.x(), pos.y())
        if cid is not None:
            self.caseClicked.emit(cid)
            return
        self.scrubbed.emit(self._t(pos.x()))

    def mouseMoveEvent(self, e) -> None:  # noqa: N802
        if e.buttons() & Qt.LeftButton:
            self.scrubbed.emit(self._t(e.position().x()))
