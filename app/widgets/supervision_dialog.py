"""The 催办 / 督办 dialog: the message to the department and, for 督办, the day it must reply by."""
from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QLabel, QPlainTextEdit,
                               QVBoxLayout, QWidget)

from app.domain.supervision import MESSAGE_MAX, REPLY_DUE_MAX_DAYS, UrgeKind


class UrgeDialog(QDialog):
    """kind urge or supervise; `values()` → {"kind", "message", "reply_due"} for app/api/supervision.urge."""

    def __init__(self, kind: str, numbers: list[str], today: QDate | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("UrgeDialog")
        self.kind = UrgeKind(kind)
        supervise = self.kind == UrgeKind.SUPERVISE
        self.setWindowTitle(self.tr("Supervise (督办)") if supervise else self.tr("Urge (催办)"))
        shown = ", ".join(numbers[:6]) + (self.tr(" and %1 more").replace("%1", str(len(numbers) - 6))
                                          if len(numbers) > 6 else "")
        head = QLabel(self.tr("%1 case(s): %2").replace("%1", str(len(numbers))).replace("%2", shown), self)
        head.setWordWrap(True)
        self.message = QPlainTextEdit(self)
        self.message.setPlaceholderText(self.tr("What the department must do, e.g. handle it today and report back"))
        self.message.setTabChangesFocus(True)
        self.due = QDateEdit(self)
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd")
        today = today or QDate.currentDate()
        self.due.setMinimumDate(today)
        self.due.setMaximumDate(today.addDays(REPLY_DUE_MAX_DAYS))
        self.due.setDate(today.addDays(1))
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #c62828;")
        form = QFormLayout()
        form.addRow(self.tr("&Message:"), self.message)
        if supervise:
            form.addRow(self.tr("&Reply by:"), self.due)
        self.due.setVisible(supervise)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.button(QDialogButtonBox.Ok).setText(self.tr("Supervise") if supervise else self.tr("Urge"))
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(head)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        self.resize(460, 260)

    def _check(self) -> None:
        if len(self.message.toPlainText()) > MESSAGE_MAX:
            self.error.setText(self.tr("The message is too long (at most %1 characters).").replace("%1", str(MESSAGE_MAX)))
            return
        self.accept()

    def values(self) -> dict:
        out = {"kind": self.kind.value, "message": self.message.toPlainText().strip(), "reply_due": None}
        if self.kind == UrgeKind.SUPERVISE:
            out["reply_due"] = self.due.date().toString(Qt.ISODate)
        return out
