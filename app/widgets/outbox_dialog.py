"""The outbox as a list: what waits to be sent (with its tries and last problem) and what the server
refused once it answered (with why), so nothing made during an outage disappears unseen."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget

from app.api.outbox import Outbox, describe


class OutboxDialog(QDialog):
    def __init__(self, outbox: Outbox, parent: QWidget | None = None):
        super().__init__(parent)
        self.outbox = outbox
        self.setWindowTitle(self.tr("Outbox"))
        self.resize(640, 360)
        self.waiting = QListWidget(self)
        self.refused = QListWidget(self)
        self.retry = QPushButton(self.tr("Send now"), self)
        self.retry.clicked.connect(outbox.wake)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(self.tr("Waiting for the server (sent in this order, each with its own key):"), self))
        lay.addWidget(self.waiting)
        lay.addWidget(self.retry)
        lay.addWidget(QLabel(self.tr("Refused by the server when it answered:"), self))
        lay.addWidget(self.refused)
        lay.addWidget(buttons)
        outbox.changed.connect(self.fill)
        self.fill()

    def fill(self) -> None:
        self.waiting.clear()
        self.waiting.addItems([describe(it) for it in self.outbox.pending()])
        self.refused.clear()
        self.refused.addItems([describe(it) for it in self.outbox.refusals])
