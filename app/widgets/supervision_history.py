"""Urge histories for the leader: of one case, or of one department (or all), each urge with the
department's answer as it comes (the board reloads these on "urge.created" / "urge.replied")."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from app.api import supervision as api
from app.api.worker import run_async

from .case_actions import error_text
from .supervision_mark import URGE_COLOUR, kind_label, level_label
from .timing_panel import fmt_local

URGE_ID_ROLE = Qt.UserRole + 1
CASE_ID_ROLE = Qt.UserRole + 2


class UrgeHistory(QWidget):
    """`show_case(id)` or `show_department(id | None)`; `reload()` asks again for what is shown."""
    caseSelected = Signal(int)

    def __init__(self, client, parent: QWidget | None = None):
        super().__init__(parent)
        self.client = client
        self.what: tuple[str, int | None] | None = None
        self.items: list[dict] = []
        self.loading = 0
        self._gen = 0
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.table = QTableWidget(0, 7, self)
        self.table.setHorizontalHeaderLabels([self.tr("Time"), self.tr("Case"), self.tr("Kind"), self.tr("By"),
                                              self.tr("Message"), self.tr("Reply by"), self.tr("Answer")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeToContents)
        hh.setSectionResizeMode(6, QHeaderView.Stretch)
        self.table.cellDoubleClicked.connect(lambda r, _c: self._open(r))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.table, 1)

    def show_case(self, case_id: int, number: str = "") -> None:
        self.what = ("case", int(case_id))
        self.title.setText(self.tr("Urges of case %1").replace("%1", number or str(case_id)))
        self.reload()

    def show_department(self, department_id: int | None, name: str = "") -> None:
        self.what = ("department", department_id)
        self.title.setText(self.tr("Urges sent to %1").replace("%1", name) if department_id is not None
                           else self.tr("All urges, newest first"))
        self.reload()

    def reload(self) -> None:
        if self.what is None:
            return
        what, ident = self.what
        client = self.client
        self._gen += 1
        gen = self._gen
        self.loading += 1
        if what == "case":
            fn = lambda: api.case_urges(client, ident)[::-1]  # noqa: E731 - newest first, like the other list
        else:
            fn = lambda: api.urges(client, department_id=ident, limit=300)["items"]  # noqa: E731
        run_async(fn, lambda items: self._loaded(gen, items), lambda e: self._failed(gen, e), owner=self)

    def _failed(self, gen: int, e: Exception) -> None:
        self.loading -= 1
        if gen == self._gen:
            self.title.setText(self.tr("Cannot load the urges: %1").replace("%1", error_text(e)))

    def _loaded(self, gen: int, items: list[dict]) -> None:
        self.loading -= 1
        if gen != self._gen:
            return
        self.items = items
        self.table.setRowCount(len(items))
        for r, u in enumerate(items):
            answer = (f"{u['reply_text']} — {u.get('reply_by_name') or ''} {fmt_local(u.get('reply_at'))}"
                      if u["answered"] else self.tr("not answered yet"))
            cells = (fmt_local(u["at"]), u.get("case_number") or str(u["case_id"]),
                     f"{kind_label(u['kind'])} · {level_label(u['level'])}", u.get("by_name") or "",
                     u.get("message") or "", u.get("reply_due") or "", answer)
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(URGE_ID_ROLE, u["id"])
                item.setData(CASE_ID_ROLE, u["case_id"])
                if c == 6 and not u["answered"]:
                    item.setForeground(URGE_COLOUR)
                if c in (4, 6):
                    item.setToolTip(text)
                self.table.setItem(r, c, item)

    def answer_of(self, urge_id: int) -> str | None:
        """The reply text shown for an urge (None: not in the list or not answered)."""
        u = next((u for u in self.items if u["id"] == urge_id), None)
        return u.get("reply_text") if u else None

    def _open(self, row: int) -> None:
        if 0 <= row < len(self.items):
            self.caseSelected.emit(int(self.items[row]["case_id"]))
