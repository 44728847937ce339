"""Acting on a case, for every widget that does (the case detail, the department's and the
inspector's panels): the labels of actions and roles, an Idempotency-Key per attempt
(IdempotencyKeys), plain error messages, the minimal input of each action (ActionDialog, photos
uploaded when it is sent), the confirmation of actions that cannot be taken back, and ActionHost,
which sends an action and keeps what was typed across a cancel or a failure."""
from __future__ import annotations

import json
import mimetypes
import uuid
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDate
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QMessageBox, QPlainTextEdit, QPushButton, QVBoxLayout,
                               QWidget)

from app.api.city_config import city_tz
from app.api.worker import run_async
from app.domain.workflow import DEFAULT_WORKFLOW, Action

from .theme import set_ink
from .timing_panel import limit_type_label


FINAL_ACTIONS = ("close", "void")  # cannot be taken back: confirmed with the case number


def _t(text: str) -> str:
    return QCoreApplication.translate("CaseLabels", text)


def action_label(action: str) -> str:
    try:
        return DEFAULT_WORKFLOW.transition(action).label_zh
    except (KeyError, ValueError):
        return {"report": "上报", "merge": "合并", "attach_evidence": "截图取证"}.get(action, action)


def role_label(role: str | None) -> str:
    names = {"inspector": "Inspector", "acceptor": "Acceptor", "shift_leader": "Shift leader",
             "dispatcher": "Dispatcher", "department": "Department", "leader": "Leader", "admin": "Administrator"}
    return _t(names[role]) if role in names else (role or "")


def needs_reason(action: str) -> bool:
    try:
        return DEFAULT_WORKFLOW.transition(action).needs_reason
    except (KeyError, ValueError):
        return False


PHOTO_ACTIONS = {Action.FEEDBACK.value, Action.ANSWER_VERIFY.value, Action.ANSWER_CHECK.value}
INPUT_ACTIONS = {Action.DISPATCH.value, Action.FILE.value, Action.REQUEST_EXTENSION.value, Action.CLOSE.value,
                 Action.ANSWER_VERIFY.value, Action.ANSWER_CHECK.value, Action.FEEDBACK.value, Action.URGE.value}


class IdempotencyKeys:
    """One key per (case, action, input): a retry of the same input reuses it (the server answers
    the first result again); changed input or a definite refusal gets a fresh key."""

    def __init__(self):
        self._keys: dict[tuple, tuple[str, str]] = {}

    def key(self, case_id: int, action: str, user_input) -> str:
        sig = json.dumps(user_input, sort_keys=True, default=str)
        k = self._keys.get((case_id, action))
        if k and k[0] == sig:
            return k[1]
        key = uuid.uuid4().hex
        self._keys[(case_id, action)] = (sig, key)
        return key

    def finished(self, case_id: int, action: str, error: Exception | None = None) -> None:
        if error is None or not getattr(error, "retryable", False):
            self._keys.pop((case_id, action), None)  # done, or a definite answer: next try is new
        # no answer, or "still in progress": the next try must carry the same key


def error_text(e: Exception) -> str:
    status = getattr(e, "status", 0)
    if status is None:
        return _t("The server cannot be reached. Nothing was lost: try again.")
    if getattr(e, "in_progress", False):
        return _t("The server is still working on this action: it will be sent again, once.")
    if status == 409 and "changed since you saw it" in str(e):
        return _t("Nothing was done: the case changed after you opened it. It is shown as it is now; look "
                  "again and act again if still needed.")
    if status == 409 and "passed check" in str(e):
        return _t("Not yet: the inspector's check must pass first (核查通过).")
    if status == 409:
        return _t("The case has changed (someone may have acted first): %1").replace("%1", str(e))
    if status == 403:
        return _t("Your role may not do this: %1").replace("%1", str(e))
    return str(e)


def upload_files(client, paths: list[str]) -> list[str]:
    """Worker thread: uploads image files, returns their hashes."""
    out = []
    for p in paths:
        data = Path(p).read_bytes()
        ctype = mimetypes.guess_type(p)[0] or "image/jpeg"
        out.append(client.upload_photo(Path(p).name, data, ctype)["sha256"])
    return out


class PhotoPicker(QWidget):
    """Choose image files to attach (uploaded when the action is sent)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.paths: list[str] = []
        self.label = QLabel(self.tr("No photos chosen"), self)
        self.button = QPushButton(self.tr("Choose photos…"), self)
        self.button.clicked.connect(self.choose)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.button)

    def choose(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Choose photos"), "",
                                                self.tr("Images (*.jpg *.jpeg *.png *.webp)"))
        if paths:
            self.set_paths(paths)

    def set_paths(self, paths: list[str]) -> None:
        self.paths = list(paths)
        self.label.setText(", ".join(Path(p).name for p in self.paths) if self.paths else self.tr("No photos chosen"))


class ActionDialog(QDialog):
    """The minimal input of one action. `values()` is what the user typed; `body()` the act body
    (photo paths are uploaded by the sender). Stays open on failure with the message shown."""

    def __init__(self, client, case: dict, action: str, parent: QWidget | None = None, draft: dict | None = None,
                 units=("work_day", "work_hour", "natural_day")):
        super().__init__(parent)
        self.client, self.case, self.action = client, case, action
        self.setWindowTitle(f"{action_label(action)} — {case.get('number', '')}")
        self.setMinimumWidth(380)
        form = QFormLayout()
        self.reason = self.comment = self.department = self.condition = None
        self.amount = self.unit = self.close_type = self.result_box = self.photos = self.until = None
        if action == Action.DISPATCH:
            self.department = QComboBox(self)
            self.department.addItem(self.tr("Loading…"), None)
            form.addRow(self.tr("Department"), self.department)
            run_async(self._load_departments, self._departments_ready, lambda e: self._show_error(e))
        if action == Action.FILE:
            self.condition = QComboBox(self)
            self.condition.addItem(self.tr("Loading…"), None)
            form.addRow(self.tr("Filing condition"), self.condition)
            run_async(lambda: client.classes(case.get("kind")), self._classes_ready, lambda e: self._show_error(e))
        if action == Action.REQUEST_EXTENSION:
            self.amount = QDoubleSpinBox(self)
            self.amount.setRange(0.5, 1000)
            self.amount.setDecimals(1)
            self.amount.setValue(1)
            self.unit = QComboBox(self)
            for u in units:
                self.unit.addItem(limit_type_label(u), u)
            row = QHBoxLayout()
            row.addWidget(self.amount)
            row.addWidget(self.unit)
            form.addRow(self.tr("Extension"), row)
        if action == Action.REQUEST_POSTPONEMENT:
            # 缓办至: handled by the end of that day (city time); a week on by default
            today = datetime.now(city_tz()).date()
            self.until = QDateEdit(QDate(today.year, today.month, today.day).addDays(7), self)
            self.until.setCalendarPopup(True)
            self.until.setDisplayFormat("yyyy-MM-dd")
            self.until.setMinimumDate(QDate(today.year, today.month, today.day).addDays(1))
            form.addRow(self.tr("Postpone until"), self.until)
        if action == Action.CLOSE:
            self.close_type = QComboBox(self)
            for ct, text in (("normal", "Normal"), ("overdue", "Overdue"), ("error", "Error"), ("special", "Special")):
                self.close_type.addItem(_t(text), ct)
            if case.get("handling_overdue"):
                self.close_type.setCurrentIndex(1)
            form.addRow(self.tr("Close type"), self.close_type)
        if action in (Action.ANSWER_VERIFY, Action.ANSWER_CHECK):
            self.result_box = QComboBox(self)
            opts = ((("confirmed", "Confirmed"), ("not_found", "Not found")) if action == Action.ANSWER_VERIFY
                    else (("fixed", "Fixed"), ("not_fixed", "Not fixed")))
            for val, text in opts:
                self.result_box.addItem(_t(text), val)
            form.addRow(self.tr("Result"), self.result_box)
        if needs_reason(action):
            self.reason = QPlainTextEdit(self)
            self.reason.setPlaceholderText(self.tr("Reason (required)"))
            self.reason.setFixedHeight(70)
            form.addRow(self.tr("Reason"), self.reason)
        elif action in INPUT_ACTIONS:
            self.comment = QPlainTextEdit(self)
            self.comment.setPlaceholderText(self.tr("Comment"))
            self.comment.setFixedHeight(70)
            form.addRow(self.tr("Comment"), self.comment)
        if action in PHOTO_ACTIONS:
            self.photos = PhotoPicker(self)
            form.addRow(self.tr("Photos"), self.photos)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        set_ink(self.error, "error")
        self.error.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.button(QDialogButtonBox.Ok).setText(action_label(action))
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        self._pending_draft = dict(draft or {})
        self.restore(self._pending_draft)

    # -- reference lists
    def _load_departments(self):
        c = self.case
        try:
            sugg = self.client.suggest_department(c["kind"], c["class_code"], c["lon"], c["lat"],
                                                  c.get("component_id"))
        except Exception:  # noqa: BLE001 - suggestions are a help, not a need
            sugg = []
        return self.client.departments(), sugg

    def _departments_ready(self, result) -> None:
        depts, sugg = result
        self.department.clear()
        first = [s["department"]["id"] for s in sugg or []]
        order = sorted(depts, key=lambda d: (first.index(d["id"]) if d["id"] in first else 999, d["name"]))
        for d in order:
            mark = " ★" if first and d["id"] == first[0] else ""
            self.department.addItem(d["name"] + mark, d["id"])
        self.restore(self._pending_draft)

    def _classes_ready(self, classes) -> None:
        self.condition.clear()
        for cl in classes or []:
            if cl.get("code") != self.case.get("class_code"):
                continue
            for cond in cl.get("conditions", []):
                lim = f"{cond['limit_value']:g} {limit_type_label(cond['limit_type'])}"
                self.condition.addItem(f"{cond['text']} ({lim})", cond["id"])
        if self.condition.count() == 0:
            self.condition.addItem(self.tr("No filing condition for this class"), None)
        cur = self.case.get("condition_id")
        if cur:
            self.condition.setCurrentIndex(max(0, self.condition.findData(cur)))
        self.restore(self._pending_draft)

    # -- values
    def values(self) -> dict:
        v = {}
        if self.reason is not None:
            v["reason"] = self.reason.toPlainText().strip()
        if self.comment is not None:
            v["comment"] = self.comment.toPlainText().strip()
        if self.department is not None:
            v["department_id"] = self.department.currentData()
        if self.condition is not None:
            v["condition_id"] = self.condition.currentData()
        if self.amount is not None:
            v["amount"] = self.amount.value()
            v["limit_type"] = self.unit.currentData()
        if self.close_type is not None:
            v["close_type"] = self.close_type.currentData()
        if self.until is not None:
            v["until"] = self.until.date().toString("yyyy-MM-dd")
        if self.result_box is not None:
            v["result"] = self.result_box.currentData()
        if self.photos is not None:
            v["photo_paths"] = list(self.photos.paths)
        return v

    def restore(self, d: dict) -> None:
        if not d:
            return
        if self.reason is not None and d.get("reason"):
            self.reason.setPlainText(d["reason"])
        if self.comment is not None and d.get("comment"):
            self.comment.setPlainText(d["comment"])
        for combo, k in ((self.department, "department_id"), (self.condition, "condition_id"),
                         (self.close_type, "close_type"), (self.result_box, "result"), (self.unit, "limit_type")):
            if combo is not None and d.get(k) is not None and combo.findData(d[k]) >= 0:
                combo.setCurrentIndex(combo.findData(d[k]))
        if self.until is not None and d.get("until"):
            self.until.setDate(QDate.fromString(d["until"], "yyyy-MM-dd"))
        if self.amount is not None and d.get("amount"):
            self.amount.setValue(float(d["amount"]))
        if self.photos is not None and d.get("photo_paths"):
            self.photos.set_paths(d["photo_paths"])

    def missing(self) -> str | None:
        v = self.values()
        if self.reason is not None and not v["reason"]:
            return self.tr("Please give a reason.")
        if self.department is not None and v["department_id"] is None:
            return self.tr("Please choose a department.")
        if self.condition is not None and v["condition_id"] is None:
            return self.tr("Please choose a filing condition.")
        return None

    def _show_error(self, e) -> None:
        self.error.setText(e if isinstance(e, str) else error_text(e))
        self.error.setVisible(True)

    def set_busy(self, busy: bool) -> None:
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(not busy)
        if busy:
            self.error.setVisible(False)


def act_body(values: dict) -> dict:
    return {k: v for k, v in values.items() if k != "photo_paths" and v not in (None, "")}


class ActionHost:
    """What a widget needs to act on cases through ActionDialog: the dialog opens with what was typed
    last time for that case and action, what is typed survives a cancel or a failure, and the action
    goes out (photos uploaded first) with an Idempotency-Key kept across retries of the same input.
    Hosts have ``client``, ``keys`` (IdempotencyKeys), ``drafts`` and ``dialog``, and implement
    ``_acted(cid, action, out, dlg)`` and ``_act_failed(cid, action, e, dlg)``."""

    def open_action_dialog(self, case: dict, action: str) -> ActionDialog:
        dlg = ActionDialog(self.client, case, action, self, draft=self.drafts.get((int(case["id"]), action)))
        self.dialog = dlg
        dlg.buttons.accepted.connect(lambda: self._dialog_ok(dlg))
        dlg.finished.connect(lambda _r: self._dialog_closed(dlg))
        dlg.open()
        return dlg

    def _dialog_ok(self, dlg: ActionDialog) -> None:  # noqa: C901
        miss = dlg.missing()
        if miss:
            dlg._show_error(miss)
            return
        self.drafts[(int(dlg.case["id"]), dlg.action)] = dlg.values()
        if not confirm_final(self, dlg.action, dlg.case):
            return
        if hasattr(self, "_set_busy"):
            self._set_busy(True)
        dlg.set_busy(True)
        self.send_action(int(dlg.case["id"]), dlg.action, dlg.values(), dlg)

    def _dialog_closed(self, dlg: ActionDialog) -> None:
        if dlg.result() != QDialog.Accepted:
            self.drafts[(int(dlg.case["id"]), dlg.action)] = dlg.values()  # cancelled: keep what was typed
        if self.dialog is dlg:
            self.dialog = None

    def send_action(self, cid: int, action: str, values: dict, dlg: ActionDialog | None = None,
                    version: int | None = None) -> None:
        """Sends the action with the version of the case the user is looking at (`version`, else
        the dialog's case): a case that changed since is refused (409) and nothing is done. When
        the server cannot be reached and the host has an outbox, the action waits there."""
        key = self.keys.key(cid, action, values)
        client = self.client
        paths = list(values.get("photo_paths") or [])
        body = act_body(values)
        seen = version if version is not None else (dlg.case.get("version") if dlg is not None else None)
        if seen is not None:
            body["expected_version"] = int(seen)

        def work():
            sent = dict(body)
            if paths:
                sent["photo_hashes"] = upload_files(client, paths)
            return client.act(cid, action, sent, idempotency_key=key)

        def failed(e: Exception) -> None:
            outbox = getattr(self, "outbox", None)
            if getattr(e, "retryable", False) and outbox is not None:
                number = (dlg.case if dlg is not None else (getattr(self, "case", None) or {})).get("number", "")
                outbox.add(f"/api/cases/{cid}/actions/{action}", body, key,
                           label=f"{number} {action_label(action)}".strip(), case_id=cid, action=action,
                           photo_paths=paths)
                self.keys.finished(cid, action)  # the outbox owns the key now
                self._queued(cid, action, dlg)
                return
            self._act_failed(cid, action, e, dlg)

        self.message.setVisible(False)
        run_async(work, lambda out: self._acted(cid, action, out, dlg), failed)

    def _queued(self, cid: int, action: str, dlg: ActionDialog | None) -> None:
        """The action waits in the outbox: the dialog closes (its input went with the action)."""
        self.drafts.pop((cid, action), None)
        if dlg is not None:
            dlg.accept()
        if hasattr(self, "_set_busy"):
            self._set_busy(False)
        self._show_message(_t("The server is not answering: “%1” waits in the outbox and goes out when it "
                              "is back.").replace("%1", action_label(action)))


def confirm_final(parent: QWidget, action: str, case: dict) -> bool:
    """Asks "结案 <number>?" (or 作废) before an action that cannot be taken back; other actions pass."""
    if action not in FINAL_ACTIONS:
        return True
    title = action_label(action)
    text = QCoreApplication.translate("FlowPanel", "{action} case {number}? This cannot be undone.") \
        .replace("{action}", title).replace("{number}", case.get("number", ""))
    box = QMessageBox(QMessageBox.Question, f"{title} {case.get('number', '')}", text,
                      QMessageBox.Yes | QMessageBox.Cancel, parent)
    box.setDefaultButton(QMessageBox.Cancel)  # Enter or a second click does not confirm by accident
    box.button(QMessageBox.Yes).setText(f"{title} {case.get('number', '')}")
    return box.exec() == QMessageBox.Yes
