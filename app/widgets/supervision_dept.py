"""The department's 督办 list: the urges sent to it (unanswered first), the alert when one arrives
(the alarm sound and a red banner with "go to case"), and the reply.

Fed by the live events: "urge.created" for this department raises the alert and reloads the list,
"urge.replied" (also another workstation of the same department answering) reloads it.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPlainTextEdit, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from app.api import supervision as api
from app.api.worker import run_async
from app.domain.supervision import REPLY_MAX

from .alarm import AlarmBanner, AlarmSound
from .case_actions import IdempotencyKeys, error_text
from .supervision_mark import URGE_COLOUR, kind_label, level_label
from .timing_panel import fmt_local

ID_ROLE = Qt.UserRole + 1


class DeptUrgeList(QWidget):
    """urges: the rows as the server sent them. `titleChanged(str)`: the tab's title with the count
    of unanswered urges."""
    caseSelected = Signal(int)
    titleChanged = Signal(str)
    alerted = Signal(dict)  # an urge arrived (after the sound and the banner)

    COLS = ("at", "case", "kind", "message", "due", "reply")

    def __init__(self, client, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("DeptUrgeList")
        self.client = client
        self.urges: list[dict] = []
        self.keys = IdempotencyKeys()
        self.loading = 0
        self.sound = AlarmSound(self)
        self.banner = AlarmBanner(self)
        self.banner.caseSelected.connect(self.caseSelected)
        self.table = QTableWidget(0, len(self.COLS), self)
        self.table.setHorizontalHeaderLabels([self.tr("Time"), self.tr("Case"), self.tr("Kind"), self.tr("Message"),
                                              self.tr("Reply by"), self.tr("Our reply")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeToContents)
        hh.setSectionResizeMode(3, QHeaderView.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)
        self.reply_edit = QPlainTextEdit(self)
        self.reply_edit.setPlaceholderText(self.tr("Our answer: what is being done and by when"))
        self.reply_edit.setMaximumHeight(70)
        self.reply_btn = QPushButton(self.tr("&Reply"), self)
        self.reply_btn.setObjectName("urgeReply")
        self.reply_btn.setEnabled(False)
        self.reply_btn.clicked.connect(self.send_reply)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.reply_edit, 1)
        row.addWidget(self.reply_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.banner)
        lay.addWidget(self.table, 1)
        lay.addLayout(row)
        lay.addWidget(self.status)
        self.refresh()

    # ------------------------------------------------------------------ data
    def refresh(self) -> None:
        self.loading += 1
        client = self.client
        run_async(lambda: api.urges(client, limit=500)["items"], self._loaded, self._failed, owner=self)

    def _failed(self, e: Exception) -> None:
        self.loading -= 1
        self.status.setText(self.tr("Cannot load the urges: %1").replace("%1", error_text(e)))

    def _loaded(self, items: list[dict]) -> None:
        self.loading -= 1
        keep = self.current()
        self.urges = sorted(items, key=lambda u: (u["answered"], u["reply_due"] or "9999", -u["id"]))
        self.table.setRowCount(len(self.urges))
        for r, u in enumerate(self.urges):
            kind = kind_label(u["kind"]) + " · " + level_label(u["level"])
            reply = u.get("reply_text") or self.tr("not answered")
            for c, text in enumerate((fmt_local(u["at"]), u.get("case_number") or str(u["case_id"]), kind,
                                      u.get("message") or "", u.get("reply_due") or "", reply)):
                item = QTableWidgetItem(text)
                item.setData(ID_ROLE, u["id"])
                if not u["answered"]:
                    item.setForeground(URGE_COLOUR)
                if c == 3:
                    item.setToolTip(u.get("message") or "")
                self.table.setItem(r, c, item)
        open_n = sum(1 for u in self.urges if not u["answered"])
        self.titleChanged.emit(self.tr("Supervision (%1)").replace("%1", str(open_n)) if open_n
                               else self.tr("Supervision"))
        if keep is not None:
            self.select_urge(keep["id"], emit=False)
        self._selected(emit=False)

    def current(self) -> dict | None:
        rows = self.table.selectionModel().selectedRows()
        return self.urges[rows[0].row()] if rows and rows[0].row() < len(self.urges) else None

    def select_urge(self, urge_id: int, emit: bool = True) -> None:
        for r, u in enumerate(self.urges):
            if u["id"] == urge_id:
                self.table.blockSignals(not emit)
                self.table.selectRow(r)
                self.table.blockSignals(False)
                return

    def _selected(self, emit: bool = True) -> None:
        u = self.current()
        self.reply_btn.setEnabled(bool(u) and not u["answered"])
        self.reply_edit.setEnabled(bool(u) and not u["answered"])
        if u is not None and emit:
            self.caseSelected.emit(int(u["case_id"]))

    # ------------------------------------------------------------------ live
    def on_event(self, msg: dict) -> None:
        t, d = msg.get("type"), msg.get("data") or {}
        if t == "resync" or t == "urge.replied":
            self.refresh()
        elif t == "urge.created":
            self.alert(d)
            self.refresh()

    def alert(self, urge: dict) -> None:
        """The sound and the banner: '督办（二级）：20261202-000042 — 请今日处理'."""
        text = self.tr("%1 (%2): case %3 — %4").replace("%1", kind_label(urge.get("kind"))) \
            .replace("%2", level_label(urge.get("level"))).replace("%3", urge.get("case_number") or "") \
            .replace("%4", urge.get("message") or "")
        if urge.get("reply_due"):
            text += " · " + self.tr("reply by %1").replace("%1", urge["reply_due"])
        self.sound.play()
        self.banner.add(int(urge["case_id"]), text)
        self.alerted.emit(urge)

    # ------------------------------------------------------------------ reply
    def send_reply(self) -> None:
        u = self.current()
        text = self.reply_edit.toPlainText().strip()
        if u is None:
            return
        if not text:
            self.status.setText(self.tr("Write the answer first."))
            return
        if len(text) > REPLY_MAX:
            self.status.setText(self.tr("The answer is too long (at most %1 characters).").replace("%1", str(REPLY_MAX)))
            return
        key = self.keys.key(u["id"], "reply", text)
        self.reply_btn.setEnabled(False)
        client = self.client
        run_async(lambda: api.reply(client, u["id"], text, idempotency_key=key),
                  lambda out: self._replied(out), lambda e: self._reply_failed(u["id"], e), owner=self)

    def _replied(self, out: dict) -> None:
        self.keys.finished(out["id"], "reply")
        self.reply_edit.clear()
        self.status.setText(self.tr("Answered: case %1.").replace("%1", out.get("case_number") or ""))
        self.banner.remove(int(out["case_id"]))
        self.refresh()

    def _reply_failed(self, urge_id: int, e: Exception) -> None:
        self.keys.finished(urge_id, "reply", e)
        self.status.setText(self.tr("Not answered: %1").replace("%1", error_text(e)))
        self._selected(emit=False)
        self.refresh()
