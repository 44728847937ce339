"""The evaluation's period picker: a month, a quarter or a chosen range of days (app.domain.periods)."""
from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QSpinBox, QStackedWidget, QWidget

from app.domain import periods


def _qd(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pd(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class PeriodPicker(QWidget):
    """Emits periodChanged(text) with the canonical period text whenever the choice changes."""

    periodChanged = Signal(str)

    def __init__(self, today: date | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        today = today or date.today()
        last = periods.parse(f"{today.year:04d}-{today.month:02d}")
        self.kind = QComboBox()
        self.kind.addItem(self.tr("Month"), "month")
        self.kind.addItem(self.tr("Quarter"), "quarter")
        self.kind.addItem(self.tr("Custom range"), "range")
        self.month = QDateEdit(_qd(last.first))
        self.month.setDisplayFormat("yyyy-MM")
        self.month.setCalendarPopup(True)
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(today.year)
        self.quarter = QComboBox()
        for q in range(1, 5):
            self.quarter.addItem(self.tr("Q%1").replace("%1", str(q)), q)
        self.quarter.setCurrentIndex((today.month - 1) // 3)
        self.first = QDateEdit(_qd(last.first))
        self.last = QDateEdit(_qd(today))
        for w in (self.first, self.last):
            w.setDisplayFormat("yyyy-MM-dd")
            w.setCalendarPopup(True)
        self.stack = QStackedWidget()
        pages = ([self.month], [self.year, self.quarter], [self.first, QLabel(self.tr("to")), self.last])
        for widgets in pages:
            page = QWidget()
            lay = QHBoxLayout(page)
            lay.setContentsMargins(0, 0, 0, 0)
            for w in widgets:
                lay.addWidget(w)
            self.stack.addWidget(page)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel(self.tr("Period:")))
        lay.addWidget(self.kind)
        lay.addWidget(self.stack)
        self.kind.currentIndexChanged.connect(self.stack.setCurrentIndex)
        for sig in (self.kind.currentIndexChanged, self.month.dateChanged, self.year.valueChanged,
                    self.quarter.currentIndexChanged, self.first.dateChanged, self.last.dateChanged):
            sig.connect(self._changed)
        self._last_text = self.period()

    def period(self) -> str:
        """The canonical text of the chosen period (an invalid range gives the text the server refuses
        with a clear message; the picker keeps the ends in order itself)."""
        kind = self.kind.currentData()
        if kind == "month":
            d = self.month.date()
            return periods.month(d.year(), d.month()).text
        if kind == "quarter":
            return periods.quarter(self.year.value(), self.quarter.currentData()).text
        first, last = _pd(self.first.date()), _pd(self.last.date())
        if last < first:
            first, last = last, first
        try:
            return periods.day_range(first, last).text
        except ValueError:  # longer than allowed: the last MAX_RANGE_DAYS days of it
            from datetime import timedelta
            return periods.day_range(last - timedelta(days=periods.MAX_RANGE_DAYS - 1), last).text

    def set_period(self, text: str) -> None:
        p = periods.parse(text)
        self.blockSignals(True)
        try:
            if p.kind == "month":
                self.month.setDate(_qd(p.first))
            elif p.kind == "quarter":
                self.year.setValue(p.first.year)
                self.quarter.setCurrentIndex((p.first.month - 1) // 3)
            else:
                self.first.setDate(_qd(p.first))
                self.last.setDate(_qd(p.last))
            self.kind.setCurrentIndex(["month", "quarter", "range"].index(p.kind))
        finally:
            self.blockSignals(False)
        self._changed()

    def _changed(self, *_: object) -> None:
        if self.signalsBlocked():  # set_period: once, at its end
            return
        text = self.period()
        if text != self._last_text:
            self._last_text = text
            self.periodChanged.emit(text)
