"""From a department's score down to its late cases: the assignments of the period it handled late
or has not handled past the deadline (GET /api/evaluation/{period}/departments/{code}/late).
Double-click (or Enter) on a case opens it in the main window."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from app.api.client import ApiClient
from app.api.worker import run_async

from .case_table import local_time, state_label
from .evaluation_tables import make_table

ID_ROLE = Qt.UserRole + 1


class LateCasesDialog(QDialog):
    caseRequested = Signal(int)

    def __init__(self, client: ApiClient, period: str, department_code: str, department_name: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.client, self.period, self.code = client, period, department_code
        self.setWindowTitle(self.tr("Late cases — %1 — %2").replace("%1", department_name).replace("%2", period))
        self.resize(900, 480)
        self.head = QLabel(self.tr("Loading…"))
        self.table: QTableWidget = make_table()
        self.table.doubleClicked.connect(lambda idx: self._open(idx.row()))
        self.table.activated.connect(lambda idx: self._open(idx.row()))
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.head)
        lay.addWidget(self.table, 1)
        lay.addWidget(QLabel(self.tr("Double-click a case to open it in the main window.")))
        lay.addWidget(buttons)
        self.items: list[dict] = []
        run_async(lambda: client.evaluation_late(period, department_code), self._loaded, self._failed)

    def _failed(self, e: Exception) -> None:
        self.head.setText(self.tr("Could not load the late cases: %1").replace("%1", str(e)))

    def _loaded(self, answer: dict) -> None:
        self.items = answer.get("items", [])
        self.head.setText(self.tr("%1 cases handled late or overdue unhandled (as of %2)")
                          .replace("%1", str(answer.get("count", len(self.items))))
                          .replace("%2", local_time(str(answer.get("as_of") or ""))))
        head = [self.tr("Case number"), self.tr("Class"), self.tr("State"), self.tr("Reported"),
                self.tr("Deadline"), self.tr("Reworks"), self.tr("Address")]
        t = self.table
        t.setColumnCount(len(head))
        t.setHorizontalHeaderLabels(head)
        t.setRowCount(len(self.items))
        for r, c in enumerate(self.items):
            cells = [c["number"], c.get("class_name") or c["class_code"], state_label(c["state"]),
                     local_time(c.get("created_at")), local_time(c.get("deadline_at")), str(c.get("rework_count", 0)),
                     c.get("address") or ""]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(ID_ROLE, c["id"])
                t.setItem(r, col, item)
        self.loaded = True

    def _open(self, row: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.caseRequested.emit(int(item.data(ID_ROLE)))
