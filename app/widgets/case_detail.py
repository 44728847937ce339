"""The case detail: header, clock, the whole history as a timeline, photos before and after, the
location, and the action buttons the user's role may take now (exactly the server's
allowed_actions). Each button opens the minimal input its action needs and calls client.act with an
Idempotency-Key kept across retries of the same input; a failure shows a plain message and keeps
everything typed.

    detail = CaseDetail(client, session.role)
    detail.show_case(42); stream.event.connect(detail.on_event)
    detail.zoomToCase.connect(lambda lon, lat: ...)
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QFormLayout, QFrame, QGridLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QScrollArea, QSizePolicy, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
                               QWidget)

from app.api.city_config import current_clock
from app.api.worker import run_async
from app.domain.clocks import WorkClock
from app.domain.workflow import Action

from .case_table import case_state_label
from .photo_strip import PhotoStrip
from .theme import set_ink
from .timing_panel import (BAND_BG, BAND_FG, CaseTimer, band_label, fmt_limit, fmt_local, fmt_remaining,
                           limit_type_label,
                           source_label, stage_label, state_label)
from .case_actions import (INPUT_ACTIONS, ActionDialog, ActionHost, IdempotencyKeys, _t, action_label, error_text,
                           needs_reason, role_label)

BEFORE_STAGES, AFTER_STAGES = ("report", "verify"), ("feedback", "check")


class CaseDetail(ActionHost, QWidget):
    zoomToCase = Signal(float, float)
    caseLoaded = Signal(dict)
    actionDone = Signal(str, dict)  # action, the case after it

    def __init__(self, client, session_role: str, parent: QWidget | None = None, clock: WorkClock | None = None):
        super().__init__(parent)
        self.client = client
        self.role = session_role
        self.clock = clock or current_clock()  # the city's shifts and holidays, from the server
        self.case_id: int | None = None
        self.case: dict | None = None
        self.departments: dict[int, str] = {}
        self.keys = IdempotencyKeys()
        self.drafts: dict[tuple[int, str], dict] = {}
        self.action_buttons: dict[str, QPushButton] = {}
        self.outbox = None  # app.api.outbox.Outbox, set by the main window
        # action -> callable(case): an action another panel does with more input (受理 with the
        # accept panel's corrections), so both buttons do the same thing
        self.delegates: dict[str, Callable[[dict], None]] = {}
        self._gen = 0
        self._busy = False
        self._await_reload = False
        self._timer_obj: CaseTimer | None = None
        self.dialog: ActionDialog | None = None
        self._build()
        self.tick = QTimer(self)
        self.tick.setInterval(1000)
        self.tick.timeout.connect(self._tick)
        self.tick.start()
        self.reload_timer = QTimer(self)
        self.reload_timer.setSingleShot(True)
        self.reload_timer.setInterval(150)
        self.reload_timer.timeout.connect(self.reload)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.placeholder = QLabel(self.tr("Select a case to see its detail."), self)
        self.placeholder.setAlignment(Qt.AlignCenter)
        set_ink(self.placeholder, "muted")

        body = QWidget()
        v = QVBoxLayout(body)
        v.setContentsMargins(6, 6, 6, 6)
        # header
        head = QHBoxLayout()
        self.number = QLabel(body)
        self.number.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.number.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.state_badge = QLabel(body)
        self.state_badge.setStyleSheet("padding: 2px 8px; border-radius: 3px; background: #1565c0; color: white;")
        head.addWidget(self.number)
        head.addWidget(self.state_badge)
        head.addStretch(1)
        v.addLayout(head)
        self.info = QFormLayout()
        self.info.setLabelAlignment(Qt.AlignRight)
        self.f_class, self.f_source, self.f_dept, self.f_addr, self.f_desc = (QLabel(body) for _ in range(5))
        for w in (self.f_addr, self.f_desc):
            w.setWordWrap(True)
        self.info.addRow(self.tr("Class"), self.f_class)
        self.info.addRow(self.tr("Source"), self.f_source)
        self.info.addRow(self.tr("Department"), self.f_dept)
        self.info.addRow(self.tr("Address"), self.f_addr)
        self.info.addRow(self.tr("Description"), self.f_desc)
        self.f_task = QLabel(body)  # who was sent to verify or check it
        self.f_task.setObjectName("tasked_inspector")
        self.f_task_label = QLabel(self.tr("Tasked inspector"), body)
        self.info.addRow(self.f_task_label, self.f_task)
        v.addLayout(self.info)
        # actions
        self.actions_box = QGroupBox(self.tr("Actions"), body)
        self.actions_grid = QGridLayout(self.actions_box)
        self.no_actions = QLabel(self.tr("No action for your role at this stage."), self.actions_box)
        set_ink(self.no_actions, "muted")
        self.actions_grid.addWidget(self.no_actions, 0, 0)
        self.message = QLabel(body)
        self.message.setWordWrap(True)
        set_ink(self.message, "error")
        self.message.setVisible(False)
        v.addWidget(self.actions_box)
        v.addWidget(self.message)
        # clock
        clock_box = QGroupBox(self.tr("Clock"), body)
        cf = QFormLayout(clock_box)
        self.c_stage, self.c_deadline, self.c_remaining, self.c_counters, self.c_pending = (
            QLabel(clock_box) for _ in range(5))
        self.c_remaining.setStyleSheet("font-weight: bold;")
        self.c_pending.setWordWrap(True)
        cf.addRow(self.tr("Stage"), self.c_stage)
        cf.addRow(self.tr("Deadline"), self.c_deadline)
        cf.addRow(self.tr("Remaining"), self.c_remaining)
        cf.addRow(self.tr("Counters"), self.c_counters)
        cf.addRow(self.tr("Request"), self.c_pending)
        v.addWidget(clock_box)
        # photos
        photos_box = QGroupBox(self.tr("Photos"), body)
        pf = QFormLayout(photos_box)
        self.photos_before = PhotoStrip(self.client, photos_box)
        self.photos_after = PhotoStrip(self.client, photos_box)
        pf.addRow(self.tr("Before"), self.photos_before)
        pf.addRow(self.tr("After"), self.photos_after)
        v.addWidget(photos_box)
        # location
        loc_box = QGroupBox(self.tr("Location"), body)
        lf = QHBoxLayout(loc_box)
        self.l_text = QLabel(loc_box)
        self.l_text.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.zoom_button = QPushButton(self.tr("Show on map"), loc_box)
        self.zoom_button.clicked.connect(self._zoom)
        lf.addWidget(self.l_text, 1)
        lf.addWidget(self.zoom_button)
        v.addWidget(loc_box)
        # timeline
        tl_box = QGroupBox(self.tr("History"), body)
        tv = QVBoxLayout(tl_box)
        self.timeline = QTreeWidget(tl_box)
        self.timeline.setHeaderLabels([self.tr("Time"), self.tr("By"), self.tr("Action"), self.tr("Comment")])
        self.timeline.setRootIsDecorated(False)
        self.timeline.setWordWrap(True)
        self.timeline.setUniformRowHeights(False)
        self.timeline.setMinimumHeight(160)
        hh = self.timeline.header()
        for i in range(3):
            hh.setSectionResizeMode(i, QHeaderView.ResizeToContents)
        hh.setStretchLastSection(True)
        tv.addWidget(self.timeline)
        v.addWidget(tl_box, 1)

        self.scroll = QScrollArea(self)
        self.scroll.setWidget(body)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.NoFrame)
        self.scroll.setVisible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.placeholder)
        lay.addWidget(self.scroll)

    # ------------------------------------------------------------------ loading
    def show_case(self, case_id: int) -> None:
        if self.case_id != int(case_id):
            self.message.setVisible(False)
        self.case_id = int(case_id)
        self.reload()

    def reload(self) -> None:
        if self.case_id is None:
            return
        self._gen += 1
        gen, cid, client = self._gen, self.case_id, self.client
        need_depts = not self.departments

        def work():
            detail = client.case(cid)
            depts = None
            if need_depts:
                try:
                    depts = client.departments()
                except Exception:  # noqa: BLE001
                    depts = None
            return detail, depts

        run_async(work, lambda r: self._loaded(gen, r), lambda e: self._load_failed(gen, e))

    def _load_failed(self, gen: int, e: Exception) -> None:
        if gen != self._gen:
            return
        if self._await_reload:
            self._await_reload = False
            self._set_busy(False)
        self._show_message(self.tr("Cannot load the case: %1").replace("%1", error_text(e)))

    def _loaded(self, gen: int, result) -> None:
        if gen != self._gen:
            return
        detail, depts = result
        if depts:
            self.departments = {int(d["id"]): d["name"] for d in depts}
        self.case = detail
        self.placeholder.setVisible(False)
        self.scroll.setVisible(True)
        if self._await_reload:
            self._await_reload = False
            self._busy = False
        self._fill(detail)
        self.caseLoaded.emit(detail)

    def _fill(self, c: dict) -> None:
        self.number.setText(c["number"])
        self.state_badge.setText(case_state_label(c) + (" · " + self.tr("urged") if c.get("urge_count") else ""))
        tasked = self.tasked_inspector() if c["state"] in ("verifying", "checking") else ""
        self.f_task.setText(tasked or "—")
        self.f_task.setVisible(bool(tasked))
        self.f_task_label.setVisible(bool(tasked))
        band = "paused" if c["state"] == "suspended" else (c.get("band") or "")
        self.state_badge.setStyleSheet("padding: 2px 8px; border-radius: 3px; color: white; background: %s;"
                                       % (BAND_FG[band].name() if band in BAND_FG else "#1565c0"))
        kind = self.tr("Component") if c.get("kind") == "component" else self.tr("Event")
        self.f_class.setText(f"{kind} · {c.get('class_code', '')} {c.get('class_name') or ''}")
        self.f_source.setText(source_label(c.get("source")) + (f" · {c['reporter_name']}" if c.get("reporter_name")
                                                               else ""))
        d = c.get("department_id")
        self.f_dept.setText(self.departments.get(d, str(d)) if d else "—")
        self.f_addr.setText(c.get("address") or "—")
        self.f_desc.setText(c.get("description") or "—")
        # clock
        self._timer_obj = CaseTimer(c) if (c.get("deadline_at") or c["state"] == "suspended") else None
        lim = fmt_limit(c.get("limit_value"), c.get("limit_type"))
        self.c_stage.setText(stage_label(c.get("stage")) + (f" · {lim}" if lim else ""))
        self.c_deadline.setText(fmt_local(c.get("deadline_at")) or "—")
        self.c_counters.setText(self.tr("returns %1 · extensions %2 · reworks %3 · urges %4")
                                .replace("%1", str(c.get("return_count", 0)))
                                .replace("%2", str(c.get("extension_count", 0)))
                                .replace("%3", str(c.get("rework_count", 0)))
                                .replace("%4", str(c.get("urge_count", 0))))
        self.c_pending.setText(pending_text(c))
        self._tick()
        # actions
        self._fill_actions(c.get("allowed_actions") or [])
        # photos
        ph = c.get("photos") or {}
        self.photos_before.set_photos([p for s in BEFORE_STAGES for p in ph.get(s, [])])
        self.photos_after.set_photos([p for s in AFTER_STAGES for p in ph.get(s, [])])
        # location
        self.l_text.setText(f"{c['lon']:.6f}, {c['lat']:.6f}" + (
            "   " + self.tr("Grid %1").replace("%1", c["grid_code"]) if c.get("grid_code") else ""))
        # timeline
        self.timeline.clear()
        for ev in c.get("events") or []:
            who = ev.get("actor_name") or ""
            if ev.get("actor_role"):
                who = f"{who} ({role_label(ev['actor_role'])})" if who else role_label(ev["actor_role"])
            what = action_label(ev["action"])
            move = ""
            if ev.get("from_state") and ev.get("to_state") and ev["from_state"] != ev["to_state"]:
                move = f"{state_label(ev['from_state'])} → {state_label(ev['to_state'])}"
            at = fmt_local(ev.get("at"), True)
            note = " · ".join(x for x in (self._event_facts(ev), ev.get("comment") or "") if x)
            item = QTreeWidgetItem([at[5:], who, what, note])
            item.setToolTip(0, at)
            item.setToolTip(2, move or state_label(ev.get("to_state")))
            item.setToolTip(3, note)
            self.timeline.addTopLevelItem(item)

    def _event_facts(self, ev: dict) -> str:
        """What an event decided, from its data: the department, the limit, the result ..."""
        d = ev.get("data") or {}
        parts = []
        if d.get("task_inspector_name"):
            parts.append("→ " + d["task_inspector_name"])
        if d.get("department_id") and ev.get("action") == "dispatch":
            parts.append("→ " + self.departments.get(d["department_id"], str(d["department_id"])))
        if ev.get("action") == "file" and d.get("limit_value") and d.get("limit_type"):
            parts.append(self.tr("limit %1").replace("%1", fmt_limit(d["limit_value"], d["limit_type"])))
        if d.get("amount") and d.get("limit_type"):
            parts.append(f"{d['amount']:g} {limit_type_label(d['limit_type'])}")
        if d.get("result"):
            parts.append(_t({"confirmed": "Confirmed", "not_found": "Not found", "fixed": "Fixed",
                             "not_fixed": "Not fixed"}.get(d["result"], d["result"])))
        if d.get("close_type"):
            parts.append(_t({"normal": "Normal", "overdue": "Overdue", "error": "Error",
                             "special": "Special"}.get(d["close_type"], d["close_type"])))
        if d.get("photo_hashes"):
            parts.append(self.tr("%1 photo(s)").replace("%1", str(len(d["photo_hashes"]))))
        return " ".join(parts)

    def _fill_actions(self, allowed: list[str]) -> None:
        for b in self.action_buttons.values():
            self.actions_grid.removeWidget(b)
            b.deleteLater()
        self.action_buttons = {}
        self.no_actions.setVisible(not allowed)
        for i, a in enumerate(allowed):
            b = QPushButton(action_label(a), self.actions_box)
            b.setObjectName(f"action_{a}")
            b.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
            b.clicked.connect(lambda _=False, act=a: self.start_action(act))
            self.actions_grid.addWidget(b, 1 + i // 3, i % 3)
            self.action_buttons[a] = b
        self._set_busy(self._busy)

    def _tick(self) -> None:
        t = self._timer_obj
        if t is None or self.case is None:
            if self.case is not None:
                self.c_remaining.setText("—")
            return
        t.tick(self.clock, datetime.now(timezone.utc))
        self.c_remaining.setText(f"{fmt_remaining(t.remaining, t.paused)}  ({band_label(t.band)})")
        self.c_remaining.setStyleSheet(f"font-weight: bold; padding: 1px 6px; color: {BAND_FG[t.band].name()};"
                                       f" background: {BAND_BG[t.band].name()};")

    def _zoom(self) -> None:
        if self.case:
            self.zoomToCase.emit(float(self.case["lon"]), float(self.case["lat"]))

    # ------------------------------------------------------------------ events
    def on_event(self, msg: dict) -> None:
        if self.case_id is None:
            return
        data = msg.get("data") or {}
        if msg.get("type") in ("case.changed", "case.band") and data.get("id") == self.case_id:
            self.reload_timer.start()
        elif msg.get("type") == "resync":
            self.reload_timer.start()

    # ------------------------------------------------------------------ acting
    def start_action(self, action: str) -> None:
        if self.case is None or self._busy:  # one action at a time: a double click acts once
            return
        if action in self.delegates:
            self.delegates[action](self.case)
            return
        if action not in INPUT_ACTIONS and not needs_reason(action):
            self.send(action, {})
            return
        self.open_action_dialog(self.case, action)

    def send(self, action: str, values: dict, dlg: ActionDialog | None = None) -> None:
        if self.case is None or self._busy:
            return
        self._set_busy(True)
        self.send_action(int(self.case["id"]), action, values, dlg, version=self.case.get("version"))

    def _acted(self, cid: int, action: str, out: dict, dlg: ActionDialog | None) -> None:
        # The buttons stay disabled until the case is shown as it is now: the old buttons (结案 ...)
        # must not be clickable a second time in between.
        self._await_reload = cid == self.case_id
        if not self._await_reload:
            self._set_busy(False)
        self.keys.finished(cid, action)
        self.drafts.pop((cid, action), None)
        if dlg is not None:
            dlg.accept()
        if action in (Action.SEND_VERIFY.value, Action.SEND_CHECK.value):
            self._show_task_message(out or {})
        self.actionDone.emit(action, out or {})
        if cid == self.case_id:
            self.reload()

    def _act_failed(self, cid: int, action: str, e: Exception, dlg: ActionDialog | None) -> None:
        self._set_busy(False)
        self.keys.finished(cid, action, e)
        text = error_text(e)
        if dlg is not None and dlg.isVisible():
            dlg.set_busy(False)
            dlg._show_error(text)  # the dialog stays open with everything typed
        else:
            self._show_message(f"{action_label(action)}: {text}")
        if getattr(e, "status", 0) == 409 and cid == self.case_id:
            self.reload()  # show what the case is now

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(True)

    def _show_task_message(self, out: dict) -> None:
        """After 派发核实 / 派发核查: which inspector was tasked (the log names them; see _event_facts)."""
        if out.get("task_inspector_id") is None:
            self._show_message(self.tr("No inspector could be tasked (none online, none for this grid): "
                                       "enter the answer for them or choose one."))

    def tasked_inspector(self) -> str:
        """The name of the inspector the last 派发核实/派发核查 tasked, from the case log."""
        for ev in reversed((self.case or {}).get("events") or []):
            if ev.get("action") in (Action.SEND_VERIFY.value, Action.SEND_CHECK.value):
                return (ev.get("data") or {}).get("task_inspector_name") or ""
        return ""

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for b in self.action_buttons.values():
            b.setEnabled(not busy)

    # ------------------------------------------------------------------ for tests and callers
    def allowed_buttons(self) -> list[str]:
        return list(self.action_buttons)

    def timeline_actions(self) -> list[str]:
        return [(self.case or {}).get("events", [])[i]["action"] for i in range(self.timeline.topLevelItemCount())]

    def after_photos(self) -> list[str]:
        return list(self.photos_after.hashes)


def pending_text(c: dict) -> str:
    p = c.get("pending")
    if not p:
        return "—"
    d = c.get("pending_data") or {}
    if p == "extension":
        amt = d.get("amount")
        extra = f" {amt:g} {limit_type_label(d.get('limit_type'))}" if isinstance(amt, (int, float)) else ""
        text = _t("Extension requested, awaiting approval") + extra
    elif p == "postponement":
        text = _t("Postponement requested, awaiting approval") + (f" {d['until']}" if d.get("until") else "")
    elif p == "suspension":
        text = _t("Suspension requested, awaiting approval")
    else:
        text = p
    if d.get("reason"):
        text += f" — {d['reason']}"
    return text
