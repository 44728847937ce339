"""The base of the case-flow panels (accept, file, dispatch): a message line, role-aware buttons,
and `run_action`, which runs a workflow step off the UI thread with an Idempotency-Key kept for the
user's attempt (a retry of the same step with the same input reuses it, so the step never happens
twice) and turns failures into plain messages (409: the case changed, its row is reloaded;
offline: nothing was lost). Also the reason dialog; final actions are confirmed by
case_actions.confirm_final."""
from __future__ import annotations

import json
import uuid
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractButton, QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from app.api.city_config import current_workflow
from app.api.client import ApiClient, ApiError
from app.domain.workflow import Workflow, check_result
from .case_actions import action_label, confirm_final
from .case_table import CaseTable, async_for, state_label


# ---------------------------------------------------------------------- reasons
class ReasonDialog(QDialog):
    """Asks for a required reason; OK stays disabled until something is typed."""

    def __init__(self, title: str, prompt: str, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.edit = QPlainTextEdit(self)
        self.edit.setPlainText(text)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.edit.textChanged.connect(self._check)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(prompt, self))
        lay.addWidget(self.edit)
        lay.addWidget(self.buttons)
        self._check()

    def _check(self) -> None:
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(bool(self.edit.toPlainText().strip()))

    def reason(self) -> str:
        return self.edit.toPlainText().strip()


# ---------------------------------------------------------------------- the panels' base
class FlowPanel(QWidget):
    """Shared by the accept, file and dispatch panels. Subclasses set STATES and build their UI."""

    caseSelected = Signal(int)
    actionDone = Signal(str, dict)  # action, the case as the server answered
    messageShown = Signal(str)

    STATES: tuple[str, ...] = ()

    def __init_subclass__(cls, **kw: Any) -> None:
        """Every panel's `_buttons` (which enables what the selected case allows) is followed by
        the in-flight lock: while an action is on its way no action button is enabled, so a second
        click cannot act again, nor on whatever is selected next."""
        super().__init_subclass__(**kw)
        own = cls.__dict__.get("_buttons")
        if own is not None and not getattr(own, "_locks", False):
            def _buttons(self: "FlowPanel", _own=own) -> None:
                _own(self)
                self._lock_in_flight()
            _buttons._locks = True  # type: ignore[attr-defined]
            cls._buttons = _buttons  # type: ignore[method-assign]

    def __init__(self, client: ApiClient, data: Any = None, parent: QWidget | None = None,
                 workflow: Workflow | None = None):
        super().__init__(parent)
        self.client = client
        self.data = data
        self.workflow = workflow or current_workflow()
        self.outbox = None  # app.api.outbox.Outbox: where actions wait while the server is away
        self._keys: dict[str, str] = {}  # attempt signature -> Idempotency-Key
        self._reasons: dict[str, str] = {}  # what the user typed for an attempt that has not succeeded
        self._busy: set[str] = set()
        self.classes: list[dict] = []
        self.departments: list[dict] = []
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.message.hide()
        self.loading = 0

    # -- role
    @property
    def role(self) -> str | None:
        s = self.client.session
        return s.role if s else None

    def may(self, case: dict | None, action: str) -> bool:
        if not case or not self.role:
            return False
        try:
            return action in self.workflow.allowed(case["state"], self.role, case.get("pending"),
                                                   checked=check_result(case))
        except ValueError:
            return False

    # -- actions in flight
    def action_buttons(self) -> list[QAbstractButton]:
        """The buttons that act on a case (attributes named *_btn)."""
        return [w for name, w in vars(self).items() if name.endswith("_btn") and isinstance(w, QAbstractButton)]

    @property
    def in_flight(self) -> bool:
        return bool(self._busy)

    def _lock_in_flight(self) -> None:
        if self._busy:
            for b in self.action_buttons():
                b.setEnabled(False)

    def _buttons(self) -> None:
        pass

    def version_of(self, case_id: int) -> int | None:
        """The version of the case as this panel shows it (what the user saw)."""
        for t in self.tables():
            c = t.case(case_id)
            if c and c.get("version") is not None:
                return int(c["version"])
        return None

    # -- messages
    def show_message(self, text: str, error: bool = True) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("font-weight: bold;" if error else "")
        from .theme import set_ink
        set_ink(self.message, "error" if error else "ok")
        self.message.setVisible(bool(text))
        self.messageShown.emit(text)

    def clear_message(self) -> None:
        self.message.clear()
        self.message.hide()

    # -- loading
    def load_reference(self, on_done: Callable[[], None] | None = None) -> None:
        def work() -> tuple[list, list]:
            return self.client.classes(), self.client.departments()

        def done(res: tuple[list, list]) -> None:
            self.classes, self.departments = res
            self.reference_loaded()
            if on_done:
                on_done()

        async_for(self, work, done, lambda e: self.show_message(self.error_text(e)))

    def reference_loaded(self) -> None:
        """Subclasses fill their pickers; the tables learn department names."""
        for t in self.tables():
            t.set_departments(self.departments)

    def tables(self) -> list[CaseTable]:
        return []

    def class_of(self, kind: str | None, code: str | None) -> dict | None:
        for c in self.classes:
            if c["kind"] == kind and c["code"] == code:
                return c
        return None

    def refresh(self) -> None:
        """Loads the panel's cases (client.cases(state=…))."""
        states = ",".join(self.STATES)
        self.loading += 1

        def done(res: dict) -> None:
            self.loading -= 1
            for t in self.tables():
                t.set_cases(res["items"])
            self.refreshed()

        def failed(e: Exception) -> None:
            self.loading -= 1
            self.show_message(self.error_text(e))

        async_for(self, lambda: self.client.cases(state=states, limit=1000, sort="created_at"), done, failed)

    def refreshed(self) -> None:
        pass

    def on_event(self, msg: dict) -> None:
        """Live events (connect EventStream.event here): rows change in place."""
        for t in self.tables():
            t.apply_event(msg)
        if msg.get("type") == "case.changed":
            self.case_changed(msg.get("data") or {})

    def case_changed(self, case: dict) -> None:
        pass

    def upsert(self, case: dict) -> None:
        for t in self.tables():
            t.upsert(case)
        self.case_changed(case)

    # -- errors
    def error_text(self, e: Exception, state: str | None = None) -> str:
        if isinstance(e, ApiError):
            if e.is_offline:
                return self.tr("Cannot reach the server; nothing was lost, try again.")
            if e.status == 409 and "passed check" in str(e):
                return self.tr("Not yet: the inspector's check must pass first (核查通过).")
            if e.status == 409:
                return self.tr("This case was changed by someone else (now: {state}); the list is refreshed.") \
                    .replace("{state}", state_label(state) if state else self.tr("unknown"))
            if e.status == 403:
                return self.tr("Your role may not do this: {msg}").replace("{msg}", str(e))
            return str(e)
        return self.tr("Unexpected error: {msg}").replace("{msg}", str(e))

    def reload_case(self, case_id: int, then: Callable[[dict | None], None] | None = None) -> None:
        def done(case: dict) -> None:
            self.upsert(case)
            if then:
                then(case)

        def failed(e: Exception) -> None:
            if isinstance(e, ApiError) and e.status == 404:
                for t in self.tables():
                    t.remove(case_id)
            if then:
                then(None)

        async_for(self, lambda: self.client.case(case_id), done, failed)

    # -- actions
    @staticmethod
    def signature(name: str, case_id: int | None, body: dict | None) -> str:
        return json.dumps([name, case_id, body or {}], sort_keys=True, ensure_ascii=False, default=str)

    def idempotency_key(self, sig: str) -> str:
        return self._keys.setdefault(sig, uuid.uuid4().hex)

    def run_action(self, case_id: int | None, action: str, body: dict | None,
                   call: Callable[[str], Any] | None = None,
                   on_done: Callable[[Any], None] | None = None,
                   on_error: Callable[[Exception], None] | None = None,
                   path: str | None = None, label: str | None = None, exclusive: bool = True) -> str:
        """Runs one user action off the UI thread. `call(key)` defaults to client.act(case_id, action,
        body, idempotency_key=key), with the version of the case the user saw (the server refuses it
        with 409 if the case changed since). While it runs the action buttons are disabled. When the
        server cannot be reached and the panel has an outbox, the action waits there with its key
        (`path`: the POST to repeat; act's own by default). `exclusive=False` lets one batch send
        several at once (batch dispatch). Returns the Idempotency-Key used."""
        body = dict(body or {})
        if call is None and case_id is not None and "expected_version" not in body:
            seen = self.version_of(case_id)
            if seen is not None:
                body["expected_version"] = seen
        if call is None and case_id is not None:
            path = path or f"/api/cases/{int(case_id)}/actions/{action}"
        sig = self.signature(action, case_id, body)
        key = self.idempotency_key(sig)
        if sig in self._busy or (exclusive and self._busy):  # a double click must not act twice
            return key
        self._busy.add(sig)
        self._buttons()
        if call is None:
            def call(k: str) -> Any:
                return self.client.act(case_id, action, body, idempotency_key=k)
        self.clear_message()
        number = (self.case_of(case_id) or {}).get("number", "") if case_id is not None else ""
        label = label or " ".join(x for x in (number, action_label(action)) if x)

        def done(result: Any) -> None:
            self._busy.discard(sig)
            self._keys.pop(sig, None)
            self._buttons()
            self.actionDone.emit(action, result if isinstance(result, dict) else {})
            if isinstance(result, dict) and "id" in result and "state" in result:
                self.upsert(result)
            if on_done:
                on_done(result)

        def failed(e: Exception) -> None:
            self._busy.discard(sig)
            self._buttons()
            if isinstance(e, ApiError) and e.retryable and self.outbox is not None and path:
                # The key stays with this input: sending the same again finds it in the outbox.
                self.outbox.add(path, body, key, label=label, case_id=case_id, action=action)
                self.show_message(self.tr("The server is not answering: “{what}” waits in the outbox and goes "
                                          "out when it is back.").replace("{what}", label), error=False)
                if on_error:
                    on_error(e)
                return
            if isinstance(e, ApiError) and e.retryable:  # no definite answer: the next try keeps the key
                self.show_message(self.error_text(e))
                if on_error:
                    on_error(e)
                return
            if isinstance(e, ApiError) and e.status == 409 and case_id is not None:
                # someone else acted first: a later attempt is a new one (the key would replay the 409)
                self._keys.pop(sig, None)
                self.reload_case(case_id, lambda c: self.show_message(
                    self.error_text(e, c.get("state") if c else None)))
                self.refresh()
            else:
                self.show_message(self.error_text(e))
            if on_error:
                on_error(e)

        async_for(self, lambda: call(key), done, failed)
        return key

    def case_of(self, case_id: int | None) -> dict | None:
        for t in self.tables():
            c = t.case(case_id) if case_id is not None else None
            if c:
                return c
        return None

    def confirm(self, action: str, case: dict) -> bool:
        """结案 and 作废 are asked once more, naming the case: they cannot be taken back."""
        return confirm_final(self, action, case)

    def ask_reason(self, name: str, title: str, prompt: str | None = None) -> str | None:
        """A required reason from a dialog (pre-filled with what the user typed last time for `name`)."""
        dlg = ReasonDialog(title, prompt or self.tr("Reason (required):"), self._reasons.get(name, ""), self)
        if dlg.exec() != QDialog.Accepted:
            return None
        self._reasons[name] = dlg.reason()
        return dlg.reason()

    def forget_reason(self, name: str) -> None:
        self._reasons.pop(name, None)
