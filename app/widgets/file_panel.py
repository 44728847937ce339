"""立案 — the shift leader's panel: cases waiting to be filed; one of the class's filing conditions
(time limit — condition → closing condition) is chosen, with the deadline it would give; file or
refuse (不予立案, with a reason)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QGroupBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QSplitter,
                               QVBoxLayout, QWidget)

from app.api.client import ApiClient
from app.widgets.case_table import CaseTable, async_for, condition_label, local_time, source_label
from app.widgets.flow_panel import FlowPanel


class FilePanel(FlowPanel):
    STATES = ("pending_filing",)

    def __init__(self, client: ApiClient, data: Any = None, parent: QWidget | None = None):
        super().__init__(client, data, parent)
        self.setObjectName("FilePanel")
        self._preview_seq = 0
        self.table = CaseTable(lambda c: c.get("state") in self.STATES, parent=self)
        self.table.hide_columns("department")  # none before dispatch
        self.table.caseSelected.connect(self._selected)
        self.table.caseSelected.connect(self.caseSelected)
        self.header = QLabel(self)
        self.header.setTextFormat(Qt.RichText)
        self.header.setWordWrap(True)
        self.description = QLabel(self)
        self.description.setWordWrap(True)
        self.conditions = QListWidget(self)
        self.conditions.currentItemChanged.connect(self._condition_changed)
        self.preview = QLabel(self)
        self.file_btn = QPushButton(self.tr("&File with this condition"), self)
        self.file_btn.setShortcut(QKeySequence("Ctrl+Return"))
        self.not_file_btn = QPushButton(self.tr("Do &not file…"), self)
        self.file_btn.clicked.connect(self.file_case)
        self.not_file_btn.clicked.connect(self.not_file_case)

        box = QGroupBox(self.tr("Filing condition (time limit — condition → closing condition)"), self)
        bl = QVBoxLayout(box)
        lbl = QLabel(self.tr("&Conditions:"), box)
        lbl.setBuddy(self.conditions)
        bl.addWidget(lbl)
        bl.addWidget(self.conditions)
        bl.addWidget(self.preview)
        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(4, 0, 0, 0)
        rl.addWidget(self.header)
        rl.addWidget(self.description)
        rl.addWidget(box, 1)
        row = QHBoxLayout()
        row.addWidget(self.file_btn)
        row.addWidget(self.not_file_btn)
        rl.addLayout(row)
        split = QSplitter(Qt.Vertical, self)  # list above, its form below: the list keeps its columns
        split.addWidget(self.table)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([240, 400])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(split)
        lay.addWidget(self.message)
        self._buttons()
        self.load_reference()

    def tables(self) -> list[CaseTable]:
        return [self.table]

    def current(self) -> dict | None:
        cid = self.table.current_id()
        return self.table.case(cid) if cid is not None else None

    def reference_loaded(self) -> None:
        super().reference_loaded()
        c = self.current()
        if c:
            self._show(c)

    def _selected(self, case_id: int) -> None:
        c = self.table.case(case_id)
        if c:
            self._show(c)

    def _show(self, c: dict) -> None:
        self.header.setText(f"<b>{c['number']}</b> · {source_label(c['source'])} · "
                            f"{c['class_code']} {c.get('class_name') or ''}"
                            + (f" · {c['address']}" if c.get("address") else ""))
        self.description.setText(c.get("description") or "")
        self.conditions.blockSignals(True)
        self.conditions.clear()
        cls = self.class_of(c["kind"], c["class_code"])
        for cond in (cls or {}).get("conditions", []):
            it = QListWidgetItem(condition_label(cond))
            it.setData(Qt.UserRole, cond["id"])
            it.setToolTip(cond["id"])
            self.conditions.addItem(it)
        self.conditions.blockSignals(False)
        if self.conditions.count():
            want = c.get("condition_id")
            rows = [i for i in range(self.conditions.count())
                    if self.conditions.item(i).data(Qt.UserRole) == want]
            self.conditions.setCurrentRow(rows[0] if rows else 0)
        else:
            self.preview.setText(self.tr("No filing conditions for this class.") if self.classes else "")
        self._buttons()

    def condition_id(self) -> str | None:
        it = self.conditions.currentItem()
        return it.data(Qt.UserRole) if it else None

    def _condition_changed(self, *_: Any) -> None:
        c, cond = self.current(), self.condition_id()
        self._buttons()
        if not c or not cond:
            return
        self._preview_seq += 1
        seq = self._preview_seq
        self.preview.setText(self.tr("Deadline if filed now: …"))

        def done(p: dict) -> None:
            if seq == self._preview_seq:
                self.preview.setText(self.tr("Deadline if filed and dispatched now: {t}")
                                     .replace("{t}", local_time(p["deadline_at"])))

        def failed(e: Exception) -> None:
            if seq == self._preview_seq:
                self.preview.setText(self.error_text(e))

        async_for(self, lambda: self.client.deadline_preview(c["id"], condition_id=cond), done, failed)

    def _buttons(self) -> None:
        c = self.current()
        self.file_btn.setEnabled(self.may(c, "file") and self.condition_id() is not None)
        self.not_file_btn.setEnabled(self.may(c, "not_file"))

    def case_changed(self, case: dict) -> None:
        self._buttons()

    def refreshed(self) -> None:
        c = self.current()
        if c:
            self._show(c)
        self._buttons()

    def file_case(self) -> None:
        c, cond = self.current(), self.condition_id()
        if c is None or cond is None:
            return
        self.run_action(c["id"], "file", {"condition_id": cond}, on_done=lambda r: self.show_message(
            self.tr("{number} filed.").replace("{number}", r["number"]), error=False))

    def not_file_case(self) -> None:
        c = self.current()
        if c is None:
            return
        name = f"not_file:{c['id']}"
        reason = self.ask_reason(name, self.tr("Do not file (不予立案)"))
        if not reason:
            return
        self.run_action(c["id"], "not_file", {"reason": reason}, on_done=lambda r: self.forget_reason(name))
