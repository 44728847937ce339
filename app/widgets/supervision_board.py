"""督查督办 — the leader's workspace dock.

Top: the board of overdue and soon-overdue cases (GET /api/supervision/board), grouped by
department, region (street or community) or class, worst first: each group with its counts and
longest overdue time; below it the cases of the chosen group (or the worst of all), longest
overdue first, each with its urge mark. Select one or many → 催办… / 督办… (UrgeDialog).
Bottom: urge histories — of the selected case, and of the selected department (or all) — with the
departments' answers as they arrive ("urge.replied" on the live events).

The board reloads itself a moment after cases change (debounced: a busy hall sends many events).
"""
from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QCheckBox, QComboBox, QHBoxLayout, QHeaderView,
                               QLabel, QPushButton, QSplitter, QTableWidget, QTableWidgetItem, QTabWidget,
                               QToolButton, QVBoxLayout, QWidget)

from app.api import supervision as api
from app.api.city_config import city_tz
from app.api.worker import run_async
from app.domain.supervision import MAX_CASES_PER_URGE, BoardGroup

from .case_actions import IdempotencyKeys, error_text
from .supervision_dialog import UrgeDialog
from .supervision_history import UrgeHistory
from .supervision_mark import URGE_COLOUR, level_label, urge_mark
from .timing_panel import fmt_duration, state_label

ID_ROLE = Qt.UserRole + 1
REFRESH_AFTER_EVENT_MS = 5000  # a busy hall changes cases every second: one reload for the burst


def overdue_text(seconds: float) -> str:
    """'超期 2天3小时' / '剩余 40分0秒'."""
    from PySide6.QtCore import QCoreApplication
    key = "overdue %1" if seconds >= 0 else "%1 left"
    return QCoreApplication.translate("Supervision", key).replace("%1", fmt_duration(seconds))


class SupervisionPanel(QWidget):
    caseSelected = Signal(int)
    urged = Signal(dict)  # the server's answer to an urge sent from here

    def __init__(self, client, data=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("SupervisionPanel")
        self.client, self.data = client, data
        self.keys = IdempotencyKeys()
        self.loading = 0
        self.board: dict = {}
        self.items: list[dict] = []
        self._gen = 0

        # -- grouping switch: 按部门 / 按区域 (街道 | 社区) / 按类别
        self.group_buttons = QButtonGroup(self)
        row = QHBoxLayout()
        for i, (key, label) in enumerate((("department", self.tr("By department")), ("region", self.tr("By region")),
                                          ("class", self.tr("By class")))):
            b = QToolButton(self)
            b.setText(label)
            b.setCheckable(True)
            b.setObjectName(f"group_{key}")
            b.setChecked(i == 0)
            self.group_buttons.addButton(b, i)
            row.addWidget(b)
        self.region_level = QComboBox(self)
        self.region_level.addItem(self.tr("Street"), BoardGroup.STREET.value)
        self.region_level.addItem(self.tr("Community"), BoardGroup.COMMUNITY.value)
        self.region_level.setEnabled(False)
        row.addWidget(self.region_level)
        self.soon = QCheckBox(self.tr("Include soon overdue"), self)
        self.soon.setChecked(True)
        row.addWidget(self.soon)
        row.addStretch(1)
        self.refresh_btn = QPushButton(self.tr("Refresh"), self)
        row.addWidget(self.refresh_btn)
        self.group_buttons.idClicked.connect(lambda _: self._grouping_changed())
        self.region_level.currentIndexChanged.connect(lambda _: self._grouping_changed())
        self.soon.toggled.connect(lambda _: self.refresh())
        self.refresh_btn.clicked.connect(self.refresh)
        self.summary = QLabel(self)
        self.summary.setObjectName("boardSummary")
        self.summary.setStyleSheet("font-weight: bold;")

        # -- groups, then the cases of the chosen group
        self.groups = self._table([self.tr("Group"), self.tr("Cases"), self.tr("Overdue now"), self.tr("Soon overdue"),
                                   self.tr("Longest overdue"), self.tr("Urged")], stretch=0)
        self.groups.setSelectionMode(QAbstractItemView.SingleSelection)
        self.groups.itemSelectionChanged.connect(self._group_selected)
        self.cases = self._table([self.tr("Case"), self.tr("Class"), self.tr("Department"), self.tr("State"),
                                  self.tr("Overdue for"), self.tr("Urges")], stretch=1)
        self.cases.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.cases.itemSelectionChanged.connect(self._cases_selected)
        self.cases.cellDoubleClicked.connect(lambda r, _c: self._open_case(r))
        self.cases_title = QLabel(self)
        self.urge_btn = QPushButton(self.tr("&Urge (催办)…"), self)
        self.urge_btn.setObjectName("urgeButton")
        self.supervise_btn = QPushButton(self.tr("&Supervise (督办)…"), self)
        self.supervise_btn.setObjectName("superviseButton")
        for b, kind in ((self.urge_btn, "urge"), (self.supervise_btn, "supervise")):
            b.setEnabled(False)
            b.clicked.connect(lambda _=False, k=kind: self.start_urge(k))
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.cases_title, 1)
        actions.addWidget(self.urge_btn)
        actions.addWidget(self.supervise_btn)

        # -- histories
        self.case_history = UrgeHistory(client, self)
        self.dept_history = UrgeHistory(client, self)
        for h in (self.case_history, self.dept_history):
            h.caseSelected.connect(self.caseSelected)
        self.history_tabs = QTabWidget(self)
        self.history_tabs.addTab(self.case_history, self.tr("Urges of the case"))
        self.history_tabs.addTab(self.dept_history, self.tr("Urges of the department"))

        top = QWidget(self)
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addLayout(row)
        tl.addWidget(self.summary)
        tl.addWidget(self.groups, 2)
        tl.addLayout(actions)
        tl.addWidget(self.cases, 3)
        tl.addWidget(self.message)
        split = QSplitter(Qt.Vertical, self)
        split.addWidget(top)
        split.addWidget(self.history_tabs)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(split)

        self._later = QTimer(self, singleShot=True, interval=REFRESH_AFTER_EVENT_MS)
        self._later.timeout.connect(self.refresh)
        self.dept_history.show_department(None)
        self.history_tabs.setCurrentWidget(self.dept_history)  # every urge and its answer, newest first

    def _table(self, headers: list[str], stretch: int) -> QTableWidget:
        t = QTableWidget(0, len(headers), self)
        t.setHorizontalHeaderLabels(headers)
        t.setSelectionBehavior(QAbstractItemView.SelectRows)
        t.setEditTriggers(QAbstractItemView.NoEditTriggers)
        t.verticalHeader().setVisible(False)
        t.setAlternatingRowColors(True)
        hh = t.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeToContents)
        hh.setSectionResizeMode(stretch, QHeaderView.Stretch)
        return t

    # ------------------------------------------------------------------ loading
    def group_by(self) -> str:
        i = self.group_buttons.checkedId()
        if i == 1:
            return self.region_level.currentData()
        return BoardGroup.CLASS.value if i == 2 else BoardGroup.DEPARTMENT.value

    def set_group_by(self, group: str) -> None:
        """For tests and saved views: department, street, community or class."""
        i = {"department": 0, "street": 1, "community": 1, "class": 2}[group]
        self.group_buttons.button(i).setChecked(True)
        if i == 1:
            self.region_level.setCurrentIndex(0 if group == "street" else 1)
        self._grouping_changed()

    def _grouping_changed(self) -> None:
        self.region_level.setEnabled(self.group_buttons.checkedId() == 1)
        self.refresh()

    def selected_group(self) -> str | None:
        rows = self.groups.selectionModel().selectedRows()
        return self.groups.item(rows[0].row(), 0).data(ID_ROLE) if rows else None

    def refresh(self) -> None:
        self._later.stop()
        self._gen += 1
        gen = self._gen
        group, soon, key = self.group_by(), self.soon.isChecked(), self.selected_group()
        if self.board.get("group_by") != group:
            key = None  # another grouping: the old group's key means nothing there
        client = self.client
        self.loading += 1

        def work() -> tuple[dict, dict | None]:
            b = api.board(client, group, soon=soon)
            keyed = api.board(client, group, soon=soon, key=key) if key is not None else None
            return b, keyed
        run_async(work, lambda res: self._loaded(gen, key, *res), lambda e: self._failed(gen, e), owner=self)

    def _failed(self, gen: int, e: Exception) -> None:
        self.loading -= 1
        if gen == self._gen:
            self.message.setText(self.tr("Cannot load the board: %1").replace("%1", error_text(e)))

    def _loaded(self, gen: int, key: str | None, board: dict, keyed: dict | None) -> None:
        self.loading -= 1
        if gen != self._gen:
            return
        self.board = board
        self.summary.setText(self.tr("Overdue: %1 · soon overdue: %2 · urged: %3")
                             .replace("%1", str(board["overdue"])).replace("%2", str(board["soon"]))
                             .replace("%3", str(sum(g["urged"] for g in board["groups"]))))
        self.groups.blockSignals(True)
        self.groups.setRowCount(len(board["groups"]))
        for r, g in enumerate(board["groups"]):
            worst = g["worst_overdue_seconds"]
            cells = (g.get("name") or (self.no_group() if g["key"] == "" else g["key"]), str(g["count"]),
                     str(g["overdue"]), str(g["soon"]), fmt_duration(worst) if worst > 0 else "", str(g["urged"]))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(ID_ROLE, g["key"])
                if c == 2 and g["overdue"]:
                    item.setForeground(URGE_COLOUR)
                if c:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.groups.setItem(r, c, item)
            if g["key"] == key:
                self.groups.selectRow(r)
        self.groups.blockSignals(False)
        shown = keyed if keyed is not None and any(g["key"] == key for g in board["groups"]) else board
        self._show_cases(shown, key if shown is keyed else None)

    def no_group(self) -> str:
        """The group of cases without the grouping's value: not dispatched yet, or outside any grid."""
        return self.tr("(not dispatched)") if self.board.get("group_by") == BoardGroup.DEPARTMENT.value \
            else self.tr("(no region)") if self.board.get("group_by") in ("street", "community") else self.tr("(none)")

    def _group_selected(self) -> None:
        key = self.selected_group()
        if key is None:
            self._show_cases(self.board, None)
            return
        g = next((g for g in self.board.get("groups", []) if g["key"] == key), None)
        if self.board.get("group_by") == BoardGroup.DEPARTMENT.value and g is not None:
            self.dept_history.show_department(int(key) if key else None, g.get("name") or "")
            self.history_tabs.setCurrentWidget(self.dept_history)
        self.refresh()  # that group's cases from the server (the whole board holds only the worst)

    def _show_cases(self, board: dict, key: str | None) -> None:
        keep = set(self.selected_ids())
        self.items = board.get("items", [])
        g = next((g for g in self.board.get("groups", []) if g["key"] == key), None) if key is not None else None
        title = (self.tr("%1: %2 case(s), longest overdue first").replace("%1", g.get("name") or self.no_group())
                 .replace("%2", str(board["items_total"])) if g is not None
                 else self.tr("All groups: %1 case(s), longest overdue first").replace("%1", str(board.get("items_total", 0))))
        if board.get("items_total", 0) > len(self.items):
            title += " " + self.tr("(the first %1 shown)").replace("%1", str(len(self.items)))
        self.cases_title.setText(title)
        self.cases.blockSignals(True)
        self.cases.clearSelection()
        self.cases.setRowCount(len(self.items))
        for r, c in enumerate(self.items):
            last = c.get("last_urge")
            urges = urge_mark(c)
            if last:
                urges += " · " + level_label(last["level"]) + " · " + (self.tr("answered") if last["answered"]
                                                                       else self.tr("not answered"))
            cells = (c["number"], c.get("class_name") or c["class_code"], c.get("department_name") or "",
                     state_label(c["state"]), overdue_text(c["overdue_seconds"]), urges)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(ID_ROLE, c["id"])
                if col == 4:
                    item.setForeground(URGE_COLOUR if c["overdue_seconds"] >= 0 else Qt.darkYellow)
                if col == 0:
                    item.setToolTip(f"{c.get('address') or ''}\n{c.get('description') or ''}".strip())
                self.cases.setItem(r, col, item)
            if c["id"] in keep:
                self.cases.selectRow(r)
        self.cases.blockSignals(False)
        self._buttons()

    # ------------------------------------------------------------------ selection
    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.cases.selectionModel().selectedRows()})
        return [int(self.items[r]["id"]) for r in rows if r < len(self.items)]

    def select_cases(self, ids: list[int]) -> None:
        """Selects these cases of the list (tests, and 'select all overdue of a group')."""
        want = set(ids)
        self.cases.clearSelection()
        mode = self.cases.selectionMode()
        self.cases.setSelectionMode(QAbstractItemView.MultiSelection)
        for r, c in enumerate(self.items):
            if c["id"] in want:
                self.cases.selectRow(r)
        self.cases.setSelectionMode(mode)

    def _buttons(self) -> None:
        n = len(self.selected_ids())
        for b in (self.urge_btn, self.supervise_btn):
            b.setEnabled(0 < n <= MAX_CASES_PER_URGE)

    def _cases_selected(self) -> None:
        self._buttons()
        ids = self.selected_ids()
        if len(ids) == 1:
            c = next(c for c in self.items if c["id"] == ids[0])
            self.case_history.show_case(ids[0], c["number"])
            self.history_tabs.setCurrentWidget(self.case_history)

    def _open_case(self, row: int) -> None:
        if 0 <= row < len(self.items):
            self.caseSelected.emit(int(self.items[row]["id"]))

    # ------------------------------------------------------------------ urging
    def city_today(self) -> QDate:
        """Today in the city by the server's clock (the board's `now`): the reply date it accepts."""
        now = self.board.get("now")
        at = datetime.fromisoformat(now) if now else datetime.now(city_tz())
        d = at.astimezone(city_tz()).date()
        return QDate(d.year, d.month, d.day)

    def start_urge(self, kind: str) -> UrgeDialog | None:
        ids = self.selected_ids()
        if not ids:
            return None
        numbers = [c["number"] for c in self.items if c["id"] in set(ids)]
        dlg = UrgeDialog(kind, numbers, self.city_today(), self)
        dlg.setAttribute(Qt.WA_DeleteOnClose)
        dlg.accepted.connect(lambda: self.send_urge(ids, dlg.values()))
        dlg.open()
        self.dialog = dlg
        return dlg

    def send_urge(self, ids: list[int], values: dict) -> None:
        key = self.keys.key(0, "urge", {"ids": sorted(ids), **values})
        client = self.client
        for b in (self.urge_btn, self.supervise_btn):
            b.setEnabled(False)
        self.message.setText(self.tr("Sending…"))
        run_async(lambda: api.urge(client, ids, idempotency_key=key, **values), self._urged,
                  self._urge_failed, owner=self)

    def _urged(self, out: dict) -> None:
        self.keys.finished(0, "urge")
        self.message.setText(self.tr("Sent to the departments: %1 case(s).").replace("%1", str(out["count"])))
        self.urged.emit(out)
        self.refresh()
        self.case_history.reload()
        self.dept_history.reload()

    def _urge_failed(self, e: Exception) -> None:
        self.keys.finished(0, "urge", e)
        self.message.setText(self.tr("Not sent: %1").replace("%1", error_text(e)))
        self._buttons()

    # ------------------------------------------------------------------ live events
    def on_event(self, msg: dict) -> None:
        t = msg.get("type", "")
        if t in ("urge.created", "urge.replied"):
            for h in (self.case_history, self.dept_history):
                h.reload()
            if t == "urge.replied":
                d = msg.get("data") or {}
                self.message.setText(self.tr("Answer from %1 on case %2: %3")
                                     .replace("%1", d.get("department_name") or "")
                                     .replace("%2", d.get("case_number") or "")
                                     .replace("%3", d.get("reply_text") or ""))
        if t in ("case.changed", "case.band", "urge.created") and not self._later.isActive():
            self._later.start()  # one reload for a burst of events

    def on_resync(self) -> None:
        self.refresh()
