"""派遣 — the dispatcher's panel.

Top: cases waiting for dispatch, the server's suggested departments (with reasons; the first one
preselected) and the handling deadline the server computes for that choice; dispatch, batch dispatch
(several selected cases to one department), return to filing (with a reason).
Below: requests — handling cases with an open extension/suspension request (approve / deny with a
reason) and suspended cases (resume); and fed-back cases (send check, rework with a reason, close).
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QComboBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSplitter, QTabWidget,
                               QVBoxLayout, QWidget)

from app.api.client import ApiClient
from app.widgets.case_table import CaseTable, async_for, case_state_label, limit_label, local_time, source_label
from app.widgets.flow_panel import FlowPanel

def basis_label(basis: str) -> str:
    """Why a department is suggested, in a word (the server's own reason text is for the log)."""
    return {"owner": QCoreApplication.translate("Suggestion", "component owner"),
            "maintainer": QCoreApplication.translate("Suggestion", "component maintainer"),
            "authority": QCoreApplication.translate("Suggestion", "competent authority"),
            "matrix": QCoreApplication.translate("Suggestion", "responsibility matrix"),
            "locality": QCoreApplication.translate("Suggestion", "locality")}.get(basis, basis)


def basis_reason(basis: str) -> str:
    return {"owner": QCoreApplication.translate("Suggestion", "owns the component (owner first, then locality)"),
            "maintainer": QCoreApplication.translate("Suggestion", "maintains the component"),
            "authority": QCoreApplication.translate("Suggestion", "competent authority of the component"),
            "matrix": QCoreApplication.translate("Suggestion", "responsible for this class in the city's "
                                                               "responsibility matrix"),
            "locality": QCoreApplication.translate("Suggestion", "street office of the street where the problem "
                                                                 "is (locality first for events)")}.get(basis, basis)
CLOSE_TYPES = (("normal", "Normal"), ("overdue", "Overdue"), ("error", "Error (false report)"),
               ("special", "Special"))


def _is_request(c: dict) -> bool:
    return (c.get("state") == "handling" and bool(c.get("pending"))) or c.get("state") in ("postponed", "suspended")


class DispatchPanel(FlowPanel):
    STATES = ("pending_dispatch", "handling", "postponed", "suspended", "pending_check", "checking")

    def __init__(self, client: ApiClient, data: Any = None, parent: QWidget | None = None):
        super().__init__(client, data, parent)
        self.setObjectName("DispatchPanel")
        self._suggest_seq = 0
        self._preview_seq = 0
        self.suggestions: list[dict] = []

        # -- dispatch
        self.table = CaseTable(lambda c: c.get("state") == "pending_dispatch", multi=True, parent=self)
        self.table.hide_columns("department")  # none before dispatch
        self.table.caseSelected.connect(self._selected)
        self.table.caseSelected.connect(self.caseSelected)
        self.table.selectionChangedIds.connect(lambda _: self._buttons())
        self.header = QLabel(self)
        self.header.setTextFormat(Qt.RichText)
        self.header.setWordWrap(True)
        self.department = QComboBox(self)
        self.department.currentIndexChanged.connect(self._department_changed)
        self.reason = QLabel(self)
        self.reason.setWordWrap(True)
        self.preview = QLabel(self)
        self.preview.setWordWrap(True)
        self.dispatch_btn = QPushButton(self.tr("&Dispatch"), self)
        self.dispatch_btn.setShortcut(QKeySequence("Ctrl+Return"))
        self.batch_btn = QPushButton(self.tr("&Batch dispatch selected"), self)
        self.return_btn = QPushButton(self.tr("Re&turn to filing…"), self)
        self.dispatch_btn.clicked.connect(self.dispatch_case)
        self.batch_btn.clicked.connect(self.batch_dispatch)
        self.return_btn.clicked.connect(self.return_to_filing)
        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(4, 0, 0, 0)
        rl.addWidget(self.header)
        lbl = QLabel(self.tr("D&epartment (suggested first):"), right)
        lbl.setBuddy(self.department)
        rl.addWidget(lbl)
        rl.addWidget(self.department)
        rl.addWidget(self.reason)
        rl.addWidget(self.preview)
        rl.addStretch(1)
        row = QHBoxLayout()
        for b in (self.dispatch_btn, self.batch_btn, self.return_btn):
            row.addWidget(b)
        rl.addLayout(row)
        top = QSplitter(Qt.Vertical, self)  # list above, its form below: the list keeps its columns
        top.addWidget(self.table)
        top.addWidget(right)
        top.setStretchFactor(0, 3)  # the queue gets the room: the form below needs ~170 px, not more
        top.setStretchFactor(1, 1)
        top.setSizes([300, 170])

        # -- requests
        self.requests = CaseTable(_is_request, parent=self)
        self.requests.caseSelected.connect(self.caseSelected)
        self.requests.caseSelected.connect(lambda _: self._request_selected())
        self.request_info = QLabel(self)
        self.request_info.setWordWrap(True)
        self.approve_btn = QPushButton(self.tr("A&pprove"), self)
        self.deny_btn = QPushButton(self.tr("Den&y…"), self)
        self.resume_btn = QPushButton(self.tr("Res&ume handling"), self)
        self.approve_btn.clicked.connect(self.approve_request)
        self.deny_btn.clicked.connect(self.deny_request)
        self.resume_btn.clicked.connect(self.resume_case)
        req = QWidget(self)
        ql = QVBoxLayout(req)
        ql.setContentsMargins(0, 0, 0, 0)
        ql.addWidget(self.requests, 1)
        ql.addWidget(self.request_info)
        r2 = QHBoxLayout()
        for b in (self.approve_btn, self.deny_btn, self.resume_btn):
            r2.addWidget(b)
        r2.addStretch(1)
        ql.addLayout(r2)

        # -- fed back
        self.checks = CaseTable(lambda c: c.get("state") in ("pending_check", "checking"), parent=self)
        self.checks.caseSelected.connect(self.caseSelected)
        self.checks.caseSelected.connect(lambda _: self._buttons())
        self.check_info = QLabel(self)
        self.check_info.setWordWrap(True)
        self.send_check_btn = QPushButton(self.tr("Send chec&k"), self)
        self.rework_btn = QPushButton(self.tr("Re&work…"), self)
        self.close_type = QComboBox(self)
        for value, label in CLOSE_TYPES:
            self.close_type.addItem(self.tr(label), value)
        self.close_btn = QPushButton(self.tr("&Close case"), self)
        self.send_check_btn.clicked.connect(self.send_check)
        self.rework_btn.clicked.connect(self.rework)
        self.close_btn.clicked.connect(self.close_case)
        chk = QWidget(self)
        cl = QVBoxLayout(chk)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(self.checks, 1)
        cl.addWidget(self.check_info)
        r3 = QHBoxLayout()
        ct = QLabel(self.tr("Close t&ype:"), chk)
        ct.setBuddy(self.close_type)
        for w in (self.send_check_btn, self.rework_btn, ct, self.close_type, self.close_btn):
            r3.addWidget(w)
        r3.addStretch(1)
        cl.addLayout(r3)

        self.lower = QTabWidget(self)
        self.lower.addTab(req, "")
        self.lower.addTab(chk, "")
        split = QSplitter(Qt.Vertical, self)
        box = QGroupBox(self.tr("Waiting for dispatch"), self)
        QVBoxLayout(box).addWidget(top)
        split.addWidget(box)
        split.addWidget(self.lower)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(split)
        lay.addWidget(self.message)
        for t in self.tables():
            t.model.rowsInserted.connect(self._titles)
            t.model.rowsRemoved.connect(self._titles)
            t.model.modelReset.connect(self._titles)
            t.model.dataChanged.connect(lambda *_: self._buttons())
        self._titles()
        self._buttons()
        self.load_reference()

    def tables(self) -> list[CaseTable]:
        return [self.table, self.requests, self.checks]

    def _titles(self, *_: Any) -> None:
        self.lower.setTabText(0, self.tr("&Requests ({n})").replace("{n}", str(self.requests.model.rowCount())))
        self.lower.setTabText(1, self.tr("&Fed back ({n})").replace("{n}", str(self.checks.model.rowCount())))

    def current(self) -> dict | None:
        cid = self.table.current_id()
        return self.table.case(cid) if cid is not None else None

    def _current_of(self, table: CaseTable) -> dict | None:
        cid = table.current_id()
        return table.case(cid) if cid is not None else None

    def dept_name(self, dept_id: int | None) -> str:
        return next((d["name"] for d in self.departments if d["id"] == dept_id), f"#{dept_id}" if dept_id else "")

    def reference_loaded(self) -> None:
        super().reference_loaded()
        self._fill_departments()

    # ------------------------------------------------------------------ dispatch
    def _selected(self, case_id: int) -> None:
        c = self.table.case(case_id)
        if not c:
            return
        self.header.setText(f"<b>{c['number']}</b> · {source_label(c['source'])} · "
                            f"{c['class_code']} {c.get('class_name') or ''}"
                            + (f"<br>{c['address']}" if c.get("address") else "")
                            + (f"<br>{c['description']}" if c.get("description") else ""))
        self.suggestions = []
        self._fill_departments()
        self._suggest_seq += 1
        seq = self._suggest_seq

        def done(s: list[dict]) -> None:
            if seq == self._suggest_seq:
                self.suggestions = s
                self._fill_departments()

        def failed(e: Exception) -> None:
            if seq == self._suggest_seq:
                self.reason.setText(self.error_text(e))

        async_for(self, lambda: self.client.suggest_department(c["kind"], c["class_code"], c["lon"], c["lat"],
                                                         c.get("component_id")), done, failed)
        self._buttons()

    def _fill_departments(self) -> None:
        self.department.blockSignals(True)
        self.department.clear()
        seen = set()
        for s in self.suggestions:
            d = s["department"]
            seen.add(d["id"])
            self.department.addItem(f"★ {d['name']} · {basis_label(s.get('basis', ''))}", d["id"])
            self.department.setItemData(self.department.count() - 1, basis_reason(s.get("basis", "")),
                                        Qt.ToolTipRole)
        for d in self.departments:
            if d["id"] not in seen:
                self.department.addItem(d["name"], d["id"])
        self.department.setCurrentIndex(0 if self.department.count() else -1)
        self.department.blockSignals(False)
        self._department_changed()

    def department_id(self) -> int | None:
        return self.department.currentData()

    def choose_department(self, dept_id: int) -> None:
        i = self.department.findData(dept_id)
        if i >= 0:
            self.department.setCurrentIndex(i)

    def _department_changed(self, *_: Any) -> None:
        c, dept = self.current(), self.department_id()
        sug = next((s for s in self.suggestions if s["department"]["id"] == dept), None)
        self.reason.setText(self.tr("Suggested: {reason}").replace("{reason}", basis_reason(sug.get("basis", ""))) if sug else "")
        self._buttons()
        if not c or dept is None:
            self.preview.setText("")
            self.preview.setProperty("deadline_at", None)
            return
        self._preview_seq += 1
        seq = self._preview_seq
        self.preview.setText(self.tr("Deadline: …"))
        self.preview.setProperty("deadline_at", None)

        def done(p: dict) -> None:
            if seq == self._preview_seq:
                self.preview.setText(self.tr("Deadline if dispatched now: {t} ({limit})")
                                     .replace("{t}", local_time(p["deadline_at"]))
                                     .replace("{limit}", limit_label(p["limit_value"], p["limit_type"])))
                self.preview.setProperty("deadline_at", p["deadline_at"])

        def failed(e: Exception) -> None:
            if seq == self._preview_seq:
                self.preview.setText(self.error_text(e))

        async_for(self, lambda: self.client.deadline_preview(c["id"], department_id=dept), done, failed)

    def dispatch_case(self) -> None:
        c, dept = self.current(), self.department_id()
        if c is None or dept is None:
            return
        self.run_action(c["id"], "dispatch", {"department_id": dept}, on_done=lambda r: self.show_message(
            self.tr("{number} dispatched to {dept}.").replace("{number}", r["number"])
            .replace("{dept}", self.dept_name(dept)), error=False))

    def batch_dispatch(self) -> None:
        ids, dept = self.table.selected_ids(), self.department_id()
        if not ids or dept is None:
            return
        done_n = []

        def one_done(r: dict) -> None:
            done_n.append(r["id"])
            if len(done_n) == len(ids):
                self.show_message(self.tr("{n} cases dispatched to {dept}.").replace("{n}", str(len(ids)))
                                  .replace("{dept}", self.dept_name(dept)), error=False)

        for cid in ids:
            self.run_action(cid, "dispatch", {"department_id": dept}, on_done=one_done, exclusive=False)

    def return_to_filing(self) -> None:
        c = self.current()
        if c is None:
            return
        name = f"return_to_filing:{c['id']}"
        reason = self.ask_reason(name, self.tr("Return to filing"), self.tr("Why is it returned (e.g. wrong class)?"))
        if reason:
            self.run_action(c["id"], "return_to_filing", {"reason": reason},
                            on_done=lambda r: self.forget_reason(name))

    # ------------------------------------------------------------------ requests
    def _request_selected(self) -> None:
        c = self._current_of(self.requests)
        if not c:
            self.request_info.setText("")
        elif c["state"] == "suspended":
            self.request_info.setText(self.tr("{number} is hung up (挂账): out of the active count, no clock "
                                              "runs until it is resumed.").replace("{number}", c["number"]))
        elif c["state"] == "postponed":
            self.request_info.setText(self.tr("{number} is postponed (缓办) to {date}; the department feeds back "
                                              "by then.").replace("{number}", c["number"])
                                      .replace("{date}", local_time(c.get("deadline_at")) or "—"))
        else:
            p = c.get("pending_data") or {}
            what = {"extension": self.tr("Extension"), "postponement": self.tr("Postponement (缓办)")}.get(
                c["pending"], self.tr("Suspension"))
            extra = limit_label(p.get("amount"), p.get("limit_type")) if p.get("amount") else ""
            if p.get("until"):
                extra = self.tr("until {date}").replace("{date}", p["until"])
            dept = self.dept_name(c.get("department_id"))
            self.request_info.setText(f"<b>{c['number']}</b> · {what} {extra} · {dept}"
                                      f"<br>{p.get('reason') or p.get('comment') or ''}")
        self._buttons()

    def approve_request(self) -> None:
        c = self._current_of(self.requests)
        if not c or not c.get("pending"):
            return
        self.run_action(c["id"], f"approve_{c['pending']}", {}, on_done=lambda r: self.show_message(
            self.tr("{number}: request approved.").replace("{number}", r["number"]), error=False))

    def deny_request(self) -> None:
        c = self._current_of(self.requests)
        if not c or not c.get("pending"):
            return
        action = f"deny_{c['pending']}"
        name = f"{action}:{c['id']}"
        reason = self.ask_reason(name, self.tr("Deny the request"))
        if reason:
            self.run_action(c["id"], action, {"reason": reason}, on_done=lambda r: self.forget_reason(name))

    def resume_case(self) -> None:
        c = self._current_of(self.requests)
        if c and c["state"] == "suspended":
            self.run_action(c["id"], "resume", {})

    # ------------------------------------------------------------------ fed back
    def send_check(self) -> None:
        c = self._current_of(self.checks)
        if c:
            self.run_action(c["id"], "send_check", {}, on_done=lambda r: self.show_message(
                self.tr("{number} sent to an inspector for checking.").replace("{number}", r["number"]),
                error=False))

    def rework(self) -> None:
        c = self._current_of(self.checks)
        if not c:
            return
        name = f"rework:{c['id']}"
        reason = self.ask_reason(name, self.tr("Rework (返工)"), self.tr("What is not fixed?"))
        if reason:
            self.run_action(c["id"], "rework", {"reason": reason}, on_done=lambda r: self.forget_reason(name))

    def close_case(self) -> None:
        c = self._current_of(self.checks)
        if c and self.confirm("close", c):
            self.run_action(c["id"], "close", {"close_type": self.close_type.currentData()},
                            on_done=lambda r: self.show_message(
                                self.tr("{number} closed.").replace("{number}", r["number"]), error=False))

    # ------------------------------------------------------------------ state of the buttons
    def _buttons(self) -> None:
        c = self.current()
        ids = self.table.selected_ids()
        dept = self.department_id()
        self.dispatch_btn.setEnabled(self.may(c, "dispatch") and dept is not None)
        self.batch_btn.setEnabled(len(ids) > 1 and dept is not None and
                                  all(self.may(self.table.case(i), "dispatch") for i in ids))
        self.return_btn.setEnabled(self.may(c, "return_to_filing"))
        r = self._current_of(self.requests)
        pend = (r or {}).get("pending")
        self.approve_btn.setEnabled(bool(pend) and self.may(r, f"approve_{pend}"))
        self.deny_btn.setEnabled(bool(pend) and self.may(r, f"deny_{pend}"))
        self.resume_btn.setEnabled(self.may(r, "resume"))
        k = self._current_of(self.checks)
        self.send_check_btn.setEnabled(self.may(k, "send_check"))
        self.rework_btn.setEnabled(self.may(k, "rework"))
        self.close_btn.setEnabled(self.may(k, "close"))
        self.close_type.setEnabled(self.may(k, "close"))
        if k:
            self.check_info.setText(f"<b>{k['number']}</b> · {case_state_label(k)} · "
                                    f"{self.dept_name(k.get('department_id'))} · "
                                    + self.tr("reworked {n}×").replace("{n}", str(k.get("rework_count", 0))))

    def case_changed(self, case: dict) -> None:
        self._request_selected()

    def refreshed(self) -> None:
        self._request_selected()
