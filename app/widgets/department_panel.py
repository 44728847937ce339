"""The department's view (专业部门): its own cases (the server scopes them) by state — handling (with
the time left, ticking), returned for rework, suspended, fed back — and its actions on the selected
case: feedback with photos, return to dispatch (not ours), request an extension, request a
suspension. Open requests show their status; the last decided one shows its outcome.

    panel = DepartmentPanel(client)
    stream.event.connect(panel.on_event); panel.caseSelected.connect(detail.show_case)
"""
from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QTableView, QTabWidget, QVBoxLayout, QWidget)

from app.api.worker import run_async
from app.domain.clocks import WorkClock
from app.domain.workflow import Action

from .case_actions import ActionDialog, ActionHost, IdempotencyKeys, action_label, error_text
from .case_detail import pending_text
from .supervision_dept import DeptUrgeList
from .supervision_mark import with_mark
from .theme import set_ink
from .timing_panel import BAND_BG, BAND_FG, CaseTimer, fetch_all, fmt_local, fmt_remaining, state_label

DEPT_STATES = ("handling", "postponed", "suspended", "pending_check", "checking")
DEPT_ACTIONS = (Action.FEEDBACK.value, Action.DEPT_RETURN.value, Action.REQUEST_EXTENSION.value,
                Action.REQUEST_POSTPONEMENT.value, Action.REQUEST_SUSPENSION.value)
REQUEST_OUTCOME = {"approve_extension": "extension approved", "deny_extension": "extension denied",
                   "approve_postponement": "postponement approved", "deny_postponement": "postponement denied",
                   "approve_suspension": "suspension approved", "deny_suspension": "suspension denied"}
REQUESTS = ("request_extension", "request_postponement", "request_suspension")


def group_of(case: dict) -> str | None:
    s = case.get("state")
    if s == "handling":
        return "returned" if case.get("rework_count") else "handling"
    if s in ("postponed", "suspended"):
        return s
    if s in ("pending_check", "checking"):
        return "fed_back"
    return None


class DeptModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[CaseTimer] = []

    def headers(self):
        return [self.tr("Case"), self.tr("Class"), self.tr("Address"), self.tr("Remaining"), self.tr("Request")]

    def rowCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else 5

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return self.headers()[section]
        return None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        t = self.rows[index.row()]
        c, col = t.case, index.column()
        if role == Qt.DisplayRole:
            if col == 0:
                return with_mark(c.get("number") or "", c)  # 督×N: the case was urged
            if col == 1:
                return c.get("class_name") or c.get("class_code")
            if col == 2:
                return c.get("address") or (c.get("description") or "")[:30]
            if col == 3:
                if c.get("state") in ("pending_check", "checking"):
                    return state_label(c.get("state"))
                return fmt_remaining(t.remaining, t.paused)
            if col == 4:
                return pending_text(c) if c.get("pending") else ""
        elif role == Qt.BackgroundRole and col == 3 and c.get("state") in ("handling", "postponed", "suspended"):
            return BAND_BG.get(t.band)
        elif role == Qt.ForegroundRole and col == 3 and c.get("state") in ("handling", "postponed", "suspended"):
            return BAND_FG.get(t.band)
        elif role == Qt.ToolTipRole:
            return c.get("description")
        return None

    def set_rows(self, rows: list[CaseTimer]) -> None:
        if [id(r) for r in rows] == [id(r) for r in self.rows]:
            if rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, 4))
            return
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()


class DepartmentPanel(ActionHost, QWidget):
    caseSelected = Signal(int)
    actionDone = Signal(str, dict)

    GROUPS = (("handling", "Handling"), ("returned", "Returned for rework"), ("postponed", "Postponed"),
              ("suspended", "Suspended"), ("fed_back", "Fed back"))

    def group_title(self, key: str) -> str:
        return {"handling": self.tr("Handling"), "returned": self.tr("Returned for rework"),
                "postponed": self.tr("Postponed (缓办)"),
                "suspended": self.tr("Hung up (挂账)"), "fed_back": self.tr("Fed back")}.get(key, key)

    def __init__(self, client, data=None, parent: QWidget | None = None, clock: WorkClock | None = None):
        super().__init__(parent)
        self.client = client
        self.data = data
        self.clock = clock or WorkClock()
        self.timers: dict[int, CaseTimer] = {}
        self.selected: dict | None = None  # the selected case's detail
        self.keys = IdempotencyKeys()
        self.drafts: dict[tuple[int, str], dict] = {}
        self.dialog: ActionDialog | None = None
        self._gen = 0
        user = getattr(getattr(client, "session", None), "user", None) or {}
        self.department_id = user.get("department_id")

        self.tabs = QTabWidget(self)
        self.models: dict[str, DeptModel] = {}
        self.views: dict[str, QTableView] = {}
        for key, _title in self.GROUPS:
            m = DeptModel(self)
            v = QTableView(self)
            v.setModel(m)
            v.setSelectionBehavior(QAbstractItemView.SelectRows)
            v.setSelectionMode(QAbstractItemView.SingleSelection)
            v.setEditTriggers(QAbstractItemView.NoEditTriggers)
            v.verticalHeader().setVisible(False)
            v.setShowGrid(False)
            hh = v.horizontalHeader()
            hh.setSectionResizeMode(QHeaderView.ResizeToContents)
            hh.setSectionResizeMode(2, QHeaderView.Stretch)
            v.clicked.connect(lambda ix, m=m: self.select(int(m.rows[ix.row()].case["id"])))
            self.models[key], self.views[key] = m, v
            self.tabs.addTab(v, "")

        # 督办: the urges sent to us, their alert, our replies (supervision_dept.py)
        self.urge_list = DeptUrgeList(client, self)
        self.urge_tab = self.tabs.addTab(self.urge_list, self.tr("Supervision"))
        self.urge_list.titleChanged.connect(lambda text: self.tabs.setTabText(self.urge_tab, text))
        self.urge_list.alerted.connect(lambda _: self.tabs.setCurrentWidget(self.urge_list))
        self.urge_list.caseSelected.connect(self.caseSelected)

        self.sel_label = QLabel(self.tr("Select a case."), self)
        self.sel_label.setWordWrap(True)
        self.request_label = QLabel(self)
        self.request_label.setWordWrap(True)
        set_ink(self.request_label, "muted")
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for a in DEPT_ACTIONS:
            b = QPushButton(action_label(a), self)
            b.setObjectName(f"dept_{a}")
            b.setEnabled(False)
            b.clicked.connect(lambda _=False, act=a: self.start_action(act))
            self.buttons[a] = b
            row.addWidget(b)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        set_ink(self.message, "error")
        self.message.setVisible(False)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.sel_label)
        lay.addWidget(self.request_label)
        lay.addLayout(row)
        lay.addWidget(self.message)

        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self._tick()
        self.refresh()

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        client = self.client
        run_async(lambda: fetch_all(client, state=",".join(DEPT_STATES), sort="deadline_at"),
                  self._loaded, lambda e: self._show_message(self.tr("Cannot load cases: %1")
                                                             .replace("%1", error_text(e))))

    def _loaded(self, page) -> None:
        items = page["items"] if isinstance(page, dict) else page
        self.timers = {int(c["id"]): CaseTimer(c) for c in items if group_of(c)}
        self._tick()
        if self.selected and int(self.selected["id"]) in self.timers:
            self.select(int(self.selected["id"]), emit=False)

    def on_event(self, msg: dict) -> None:
        kind, d = msg.get("type"), msg.get("data") or {}
        self.urge_list.on_event(msg)
        if kind == "resync":
            self.refresh()
            return
        if kind not in ("case.changed", "case.band") or "id" not in d:
            return
        cid = int(d["id"])
        if kind == "case.band":
            t = self.timers.get(cid)
            if t is not None:
                for k in ("band", "deadline_at", "remaining_seconds", "state", "stage"):
                    if k in d:
                        t.case[k] = d[k]
                t.server_band = d.get("band")
            self._tick()
            return
        ours = self.department_id is None or d.get("department_id") == self.department_id
        if ours and group_of(d):
            self.timers[cid] = CaseTimer(d)
        else:
            self.timers.pop(cid, None)
        self._tick()
        if self.selected and int(self.selected["id"]) == cid:
            self.select(cid, emit=False)

    # ------------------------------------------------------------------ ticking
    def _tick(self) -> None:
        now = datetime.now(timezone.utc)
        groups: dict[str, list[CaseTimer]] = {k: [] for k, _ in self.GROUPS}
        for t in self.timers.values():
            t.tick(self.clock, now)
            g = group_of(t.case)
            if g:
                groups[g].append(t)
        for i, (key, title) in enumerate(self.GROUPS):
            rows = sorted(groups[key], key=CaseTimer.sort_key)
            self.models[key].set_rows(rows)
            self.tabs.setTabText(i, f"{self.group_title(key)} ({len(rows)})")

    # ------------------------------------------------------------------ selection
    def case_ids(self, group: str | None = None) -> list[int]:
        return [int(t.case["id"]) for t in self.timers.values() if group is None or group_of(t.case) == group]

    def select(self, case_id: int, emit: bool = True) -> None:
        if emit:
            self.caseSelected.emit(int(case_id))
        self._gen += 1
        gen = self._gen
        run_async(lambda: self.client.case(case_id), lambda d: self._selected(gen, d),
                  lambda e: self._show_message(error_text(e)))

    def _selected(self, gen: int, d: dict) -> None:
        if gen != self._gen:
            return
        self.selected = d
        self.sel_label.setText(f"<b>{d['number']}</b> · {state_label(d['state'])} · "
                               f"{d.get('class_name') or ''} · {d.get('address') or ''}"
                               "<br>" + self.tr("Deadline: %1").replace("%1", fmt_local(d.get("deadline_at")) or "—"))
        self.request_label.setText(self.request_status(d))
        allowed = set(d.get("allowed_actions") or [])
        for a, b in self.buttons.items():
            b.setEnabled(a in allowed)

    def request_status(self, d: dict) -> str:
        if d.get("pending"):
            return self.tr("Request: %1").replace("%1", pending_text(d))
        for ev in reversed(d.get("events") or []):
            if ev["action"] in REQUEST_OUTCOME:
                text = f"{action_label(ev['action'])} ({fmt_local(ev.get('at'))})"
                if ev.get("comment"):
                    text += f" — {ev['comment']}"
                return self.tr("Last request: %1").replace("%1", text)
            if ev["action"] in REQUESTS:
                break
        return ""

    # ------------------------------------------------------------------ acting
    def start_action(self, action: str) -> None:
        if not self.selected:
            return
        self.open_action_dialog(self.selected, action)

    def _acted(self, cid: int, action: str, out: dict, dlg: ActionDialog | None) -> None:
        self.keys.finished(cid, action)
        self.drafts.pop((cid, action), None)
        if dlg is not None:
            dlg.accept()
        if out:
            self.on_event({"type": "case.changed", "data": out})
        self.actionDone.emit(action, out or {})
        self.select(cid, emit=False)

    def _act_failed(self, cid: int, action: str, e: Exception, dlg: ActionDialog | None) -> None:
        self.keys.finished(cid, action, e)
        if dlg is not None and dlg.isVisible():
            dlg.set_busy(False)
            dlg._show_error(error_text(e))
        else:
            self._show_message(f"{action_label(action)}: {error_text(e)}")

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(True)
