"""The wall's parts, painted with QPainter at sizes read from 8 m: KPI tiles, the event ticker and
the rotating panels (department ranking, top classes, 7-day trend, overdue board).

Colours: the deadline bands keep their meaning (red = overdue, and only that); everything else is
white, grey and one blue on the dark background.
"""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.map.painting import LABEL_FAMILIES

BG = QColor(11, 17, 32)
PANEL = QColor(17, 26, 46)
TEXT = QColor(229, 231, 235)
MUTED = QColor(148, 163, 184)
ACCENT = QColor(96, 165, 250)
RED = QColor(239, 68, 68)  # overdue, as the case markers' red band
GREEN = QColor(34, 197, 94)


def wall_font(px: float, bold: bool = False) -> QFont:
    f = QFont()
    f.setFamilies(LABEL_FAMILIES)
    f.setPixelSize(max(8, int(px)))
    f.setBold(bold)
    return f


def fitted_font(text: str, px: float, width: float, bold: bool = False) -> QFont:
    """The largest font up to `px` in which `text` fits `width` (a tile never cuts its number)."""
    f = wall_font(px, bold)
    w = QFontMetricsF(f).horizontalAdvance(text)
    if w > width > 0:
        f = wall_font(px * width / w * 0.97, bold)
    return f


def panel_frame(p: QPainter, widget: QWidget, title: str) -> tuple[QRectF, float]:
    """A rounded panel with its title; returns the panel's rectangle and its unit (1/14 of its
    height), from which the panel lays out everything else."""
    p.setRenderHint(QPainter.Antialiasing)
    r = QRectF(widget.rect()).adjusted(6, 6, -6, -6)
    p.setPen(Qt.NoPen)
    p.setBrush(PANEL)
    p.drawRoundedRect(r, 14, 14)
    unit = r.height() / 14
    p.setPen(TEXT)
    p.setFont(wall_font(unit * 0.9, bold=True))
    p.drawText(QRectF(r.left() + unit, r.top() + unit * 0.4, r.width(), unit * 1.4), Qt.AlignLeft | Qt.AlignVCenter,
               title)
    return r, unit


class KpiTile(QWidget):
    """A big number with its name; red when `alarm` is set and the value is not zero."""

    def __init__(self, title: str, alarm: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = title
        self.alarm = alarm
        self.value = "—"
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    def set_value(self, text: str) -> None:
        if text != self.value:
            self.value = text
            self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        r = QRectF(self.rect()).adjusted(6, 6, -6, -6)
        p.setPen(Qt.NoPen)
        p.setBrush(PANEL)
        p.drawRoundedRect(r, 14, 14)
        h = r.height()
        p.setPen(MUTED)
        p.setFont(fitted_font(self.title, h * 0.16, r.width() - h * 0.22))
        p.drawText(r.adjusted(h * 0.12, h * 0.08, -h * 0.1, 0), Qt.AlignLeft | Qt.AlignTop, self.title)
        hot = self.alarm and self.value not in ("0", "—")
        p.setPen(RED if hot else TEXT)
        p.setFont(fitted_font(self.value, h * 0.46, r.width() - h * 0.22, bold=True))
        p.drawText(r.adjusted(h * 0.12, h * 0.3, -h * 0.1, -h * 0.06), Qt.AlignLeft | Qt.AlignVCenter, self.value)
        p.end()


class Ticker(QWidget):
    """The latest events scrolling right to left, newest first; stops moving when hidden."""

    def __init__(self, parent: QWidget | None = None, keep: int = 12, px_per_s: float = 120.0):
        super().__init__(parent)
        self.items: list[str] = []
        self.placeholder = ""
        self.keep = keep
        self.offset = 0.0
        self.px_per_s = px_per_s
        self._timer = QTimer(self)
        self._timer.setInterval(33)
        self._timer.timeout.connect(self._step)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)

    def add(self, text: str) -> None:
        self.items.insert(0, text)
        del self.items[self.keep:]
        if not self._timer.isActive() and self.isVisible():
            self._timer.start()
        self.update()

    def showEvent(self, e) -> None:  # noqa: N802
        if self.items:
            self._timer.start()

    def hideEvent(self, e) -> None:  # noqa: N802
        self._timer.stop()

    def text(self) -> str:
        return "　　◆　　".join(self.items)

    def _step(self) -> None:
        self.offset += self.px_per_s * self._timer.interval() / 1000.0
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), PANEL)
        font = wall_font(self.height() * 0.5)
        if not self.items:
            p.setFont(font)
            p.setPen(MUTED)
            p.drawText(self.rect().adjusted(int(self.height() * 0.4), 0, 0, 0), Qt.AlignLeft | Qt.AlignVCenter,
                       self.placeholder)
            p.end()
            return
        p.setFont(font)
        p.setPen(TEXT)
        text = self.text() + "　　◆　　"
        w = QFontMetricsF(font).horizontalAdvance(text)
        x = self.width() - (self.offset % (w + self.width()))
        p.drawText(QRectF(x, 0, w + 10, self.height()), Qt.AlignLeft | Qt.AlignVCenter, text)
        p.end()


class BarPanel(QWidget):
    """A titled list of horizontal bars: (label, value, shown text, colour)."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = title
        self.rows: list[tuple[str, float, str, QColor]] = []
        self.empty_text = ""

    def set_rows(self, rows: list[tuple[str, float, str, QColor]]) -> None:
        self.rows = rows
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        r, unit = panel_frame(p, self, self.title)
        if not self.rows:
            p.setPen(MUTED)
            p.setFont(wall_font(unit * 0.7))
            p.drawText(r, Qt.AlignCenter, self.empty_text)
            p.end()
            return
        top = r.top() + unit * 2.4
        row_h = min(unit * 1.3, (r.bottom() - top - unit * 0.5) / max(1, len(self.rows)))
        label_w = r.width() * 0.34
        top_value = max((v for _, v, _, _ in self.rows), default=1.0) or 1.0
        font = wall_font(row_h * 0.55)
        for i, (label, value, shown, colour) in enumerate(self.rows):
            y = top + i * row_h
            p.setFont(font)
            p.setPen(TEXT)
            p.drawText(QRectF(r.left() + unit, y, label_w - unit, row_h), Qt.AlignLeft | Qt.AlignVCenter, label)
            bar_w = (r.width() - label_w - unit * 5) * max(0.0, value) / top_value
            p.setPen(Qt.NoPen)
            p.setBrush(colour)
            p.drawRoundedRect(QRectF(r.left() + label_w, y + row_h * 0.22, max(2.0, bar_w), row_h * 0.56), 4, 4)
            p.setPen(TEXT)
            p.drawText(QRectF(r.left() + label_w + bar_w + unit * 0.3, y, unit * 5, row_h),
                       Qt.AlignLeft | Qt.AlignVCenter, shown)
        p.end()


class TrendPanel(QWidget):
    """Seven days of reported (blue) and closed (white) as paired columns."""

    def __init__(self, title: str, legend: tuple[str, str], parent: QWidget | None = None):
        super().__init__(parent)
        self.title = title
        self.legend = legend
        self.days: list[dict] = []

    def set_days(self, days: list[dict]) -> None:
        self.days = days
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        r, unit = panel_frame(p, self, self.title)
        p.setFont(wall_font(unit * 0.6))
        for k, (name, colour) in enumerate(zip(self.legend, (ACCENT, TEXT))):
            x = r.right() - unit * (9 - k * 4.5)
            p.setBrush(colour)
            p.setPen(Qt.NoPen)
            p.drawRect(QRectF(x, r.top() + unit * 0.9, unit * 0.6, unit * 0.6))
            p.setPen(TEXT)
            p.drawText(QRectF(x + unit * 0.8, r.top() + unit * 0.5, unit * 4, unit * 1.4), Qt.AlignLeft | Qt.AlignVCenter,
                       name)
        if not self.days:
            p.end()
            return
        base = r.bottom() - unit * 1.6
        height = base - (r.top() + unit * 3)
        peak = max(max(d["reported"], d["closed"]) for d in self.days) or 1
        slot = (r.width() - unit * 2) / len(self.days)
        font = wall_font(unit * 0.6)
        for i, d in enumerate(self.days):
            x = r.left() + unit + i * slot
            for j, (key, colour) in enumerate((("reported", ACCENT), ("closed", TEXT))):
                h = height * d[key] / peak
                bx = x + slot * (0.18 + 0.32 * j)
                p.setPen(Qt.NoPen)
                p.setBrush(colour)
                p.drawRect(QRectF(bx, base - h, slot * 0.3, h))
                p.setPen(TEXT)
                p.setFont(font)
                p.drawText(QRectF(bx - slot * 0.1, base - h - unit, slot * 0.5, unit), Qt.AlignCenter, str(d[key]))
            p.setPen(MUTED)
            p.drawText(QRectF(x, base + unit * 0.2, slot, unit * 1.2), Qt.AlignCenter, d["day"][5:])
        p.end()


class BoardPanel(QWidget):
    """The overdue board: number, class, department and how long overdue, the worst first."""

    def __init__(self, title: str, headers: tuple[str, str, str, str], parent: QWidget | None = None):
        super().__init__(parent)
        self.title = title
        self.headers = headers
        self.rows: list[tuple[str, str, str, str]] = []
        self.empty_text = ""

    def set_rows(self, rows: list[tuple[str, str, str, str]]) -> None:
        self.rows = rows
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        r, unit = panel_frame(p, self, self.title)
        cols = (0.0, 0.30, 0.55, 0.80)
        w = r.width() - unit * 2
        y = r.top() + unit * 2.2
        p.setFont(wall_font(unit * 0.6))
        p.setPen(MUTED)
        for c, text in zip(cols, self.headers):
            p.drawText(QRectF(r.left() + unit + c * w, y, w * 0.25, unit), Qt.AlignLeft | Qt.AlignVCenter, text)
        if not self.rows:
            p.drawText(r, Qt.AlignCenter, self.empty_text)
            p.end()
            return
        row_h = min(unit * 1.2, (r.bottom() - y - unit * 1.5) / len(self.rows))
        p.setFont(wall_font(row_h * 0.55))
        for i, row in enumerate(self.rows):
            ry = y + unit * 1.2 + i * row_h
            for k, (c, text) in enumerate(zip(cols, row)):
                p.setPen(RED if k == 3 else TEXT)
                p.drawText(QRectF(r.left() + unit + c * w, ry, w * (0.3 if k < 3 else 0.2), row_h),
                           Qt.AlignLeft | Qt.AlignVCenter, text)
        p.end()
