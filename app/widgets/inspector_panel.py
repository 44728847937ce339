"""The inspector's tasks (监督员): cases sent to them to verify (核实) and to check (核查), newest
task first, with the answer buttons for the selected one. An answer opens the same dialog as the
case detail (result, comment, photos) and goes out with an Idempotency-Key kept across retries.

    panel = InspectorPanel(client)
    stream.event.connect(panel.on_event); panel.caseSelected.connect(window.show_case)
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.api.worker import run_async
from app.domain.workflow import Action

from .case_actions import ActionDialog, ActionHost, IdempotencyKeys, error_text
from .case_table import CaseTable, async_for
from app.widgets.theme import set_ink

TASK_STATES = ("verifying", "checking")
ANSWER_OF = {"verifying": Action.ANSWER_VERIFY.value, "checking": Action.ANSWER_CHECK.value}


class InspectorPanel(ActionHost, QWidget):
    caseSelected = Signal(int)
    actionDone = Signal(str, dict)

    def __init__(self, client, data=None, parent: QWidget | None = None):  # noqa: ANN001
        super().__init__(parent)
        self.setObjectName("InspectorPanel")
        self.client = client
        self.data = data
        self.keys = IdempotencyKeys()
        self.drafts: dict[tuple[int, str], dict] = {}
        self.dialog: ActionDialog | None = None
        self.loading = 0
        session = getattr(client, "session", None)
        self.user_id = (getattr(session, "user", None) or {}).get("id")
        self.table = CaseTable(self.is_task, parent=self)
        self.table.hide_columns("department", "source")
        self.table.caseSelected.connect(self.caseSelected)
        self.table.caseSelected.connect(lambda _id: self._buttons())
        self.count = QLabel(self)
        self.answer_btn = QPushButton(self.tr("&Answer the task…"), self)
        self.answer_btn.setToolTip(self.tr("Verification: is the problem there? Check: was it fixed? "
                                           "With a comment and photos"))
        self.answer_btn.clicked.connect(self.answer)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        set_ink(self.message, "error")
        self.message.hide()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.count)
        lay.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addWidget(self.answer_btn)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addWidget(self.message)
        self._buttons()

    def is_task(self, case: dict) -> bool:
        """Tasked to me (or to no one yet: any inspector of the grid may take it)."""
        return case.get("state") in TASK_STATES and case.get("task_inspector_id") in (None, self.user_id)

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self.loading += 1

        def done(res: dict) -> None:
            self.loading -= 1
            self.table.set_cases(res["items"])
            self._buttons()

        def failed(e: Exception) -> None:
            self.loading -= 1
            self._show(error_text(e))

        async_for(self, lambda: self.client.cases(state=",".join(TASK_STATES), limit=1000, sort="-updated_at"),
                  done, failed)

    def on_event(self, msg: dict) -> None:
        self.table.apply_event(msg)
        self._buttons()

    # ------------------------------------------------------------------ answering
    def current(self) -> dict | None:
        cid = self.table.current_id()
        return self.table.case(cid) if cid is not None else None

    def _buttons(self) -> None:
        n = {s: 0 for s in TASK_STATES}
        for cid in self.table.ids():
            c = self.table.case(cid) or {}
            n[c.get("state")] = n.get(c.get("state"), 0) + 1
        self.count.setText(self.tr("To verify: %1 · To check: %2").replace("%1", str(n["verifying"]))
                           .replace("%2", str(n["checking"])))
        c = self.current()
        self.answer_btn.setEnabled(c is not None and c.get("state") in ANSWER_OF and self.dialog is None)
        if c is not None and c.get("state") == "verifying":
            self.answer_btn.setText(self.tr("&Answer the verification…"))
        elif c is not None and c.get("state") == "checking":
            self.answer_btn.setText(self.tr("&Answer the check…"))
        else:
            self.answer_btn.setText(self.tr("&Answer the task…"))

    def answer(self) -> ActionDialog | None:
        c = self.current()
        if c is None or c.get("state") not in ANSWER_OF:
            return None
        dlg = self.open_action_dialog(c, ANSWER_OF[c["state"]])
        dlg.finished.connect(lambda _r: self._buttons())
        self._buttons()
        return dlg

    def _acted(self, cid: int, action: str, out: dict, dlg: ActionDialog | None) -> None:
        self.keys.finished(cid, action)
        self.drafts.pop((cid, action), None)
        if dlg is not None:
            dlg.accept()
        if out and "id" in out:
            self.table.upsert(out)  # the answered task leaves the list
        self.actionDone.emit(action, out or {})
        self._buttons()

    def _act_failed(self, cid: int, action: str, e: Exception, dlg: ActionDialog | None) -> None:
        self.keys.finished(cid, action, e)
        text = error_text(e)
        if dlg is not None and dlg.isVisible():
            dlg.set_busy(False)
            dlg._show_error(text)
        else:
            self._show(text)
        if getattr(e, "status", 0) == 409:
            run_async(lambda: self.client.case(cid), self.table.upsert, lambda _e: None)

    def _show(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
