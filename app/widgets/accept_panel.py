"""受理 — the acceptor's panel: the queue of reported cases from every channel, the selected case with
its photos, corrections (class, location → grid and nearest component), likely duplicates with merge,
and accept / send verification / reject; plus the hotline (12319) entry form."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeySequence, QPixmap
from PySide6.QtWidgets import (QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton, QScrollArea, QSplitter,
                               QTabWidget, QVBoxLayout, QWidget)

from app.api.client import ApiClient
from app.widgets.case_table import CaseTable, async_for, source_label, state_label
from app.widgets.flow_panel import FlowPanel
from app.widgets.class_picker import ClassPicker
from app.widgets.place_picker import PlaceEditor

THUMB = 96


class AcceptPanel(FlowPanel):
    STATES = ("reported",)

    def __init__(self, client: ApiClient, data: Any = None, parent: QWidget | None = None):
        super().__init__(client, data, parent)
        self.setObjectName("AcceptPanel")
        self.detail: dict | None = None
        self._detail_seq = 0
        self.table = CaseTable(lambda c: c.get("state") in self.STATES, parent=self)
        self.table.hide_columns("department")  # none before dispatch
        self.table.caseSelected.connect(self._selected)
        self.table.caseSelected.connect(self.caseSelected)

        # -- the selected case
        self.header = QLabel(self)
        self.header.setTextFormat(Qt.RichText)
        self.description = QLabel(self)
        self.description.setWordWrap(True)
        self.reporter = QLabel(self)
        self.photos = QHBoxLayout()
        self.photos.setSpacing(4)
        self.photos.addStretch(1)
        self.photo_labels: list[QLabel] = []
        self.picker = ClassPicker(self)
        self.location = PlaceEditor(client, self, data=data)
        self.duplicates = QListWidget(self)
        self.duplicates.setMaximumHeight(70)
        self.merge_btn = QPushButton(self.tr("&Merge into selected duplicate"), self)
        self.accept_btn = QPushButton(self.tr("&Accept"), self)
        self.verify_btn = QPushButton(self.tr("Send &verification"), self)
        self.reject_btn = QPushButton(self.tr("&Reject…"), self)
        self.accept_btn.setShortcut(QKeySequence("Ctrl+Return"))
        self.accept_btn.setToolTip(self.tr("Accept with the corrections (Alt+A, Ctrl+Enter)"))
        self.accept_btn.clicked.connect(self.accept_case)
        self.verify_btn.clicked.connect(self.send_verify)
        self.reject_btn.clicked.connect(self.reject_case)
        self.merge_btn.clicked.connect(self.merge_selected)
        self.duplicates.currentItemChanged.connect(lambda *_: self._buttons())

        fix = QGroupBox(self.tr("Corrections"), self)
        form = QFormLayout(fix)
        form.addRow(self.tr("Class"), self.picker)
        form.addRow(self.tr("Location"), self.location)
        dup = QGroupBox(self.tr("Likely duplicates (same class, open, nearby, recent)"), self)
        dl = QVBoxLayout(dup)
        dl.addWidget(self.duplicates)
        dl.addWidget(self.merge_btn)

        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(4, 0, 0, 0)
        rl.addWidget(self.header)
        rl.addWidget(self.description)
        rl.addWidget(self.reporter)
        rl.addLayout(self.photos)
        rl.addWidget(fix)
        rl.addWidget(dup)
        buttons = QHBoxLayout()
        for b in (self.accept_btn, self.verify_btn, self.reject_btn):
            buttons.addWidget(b)
        rl.addLayout(buttons)
        rl.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(right)

        split = QSplitter(Qt.Vertical, self)  # list above, its form below: the list keeps its columns
        split.addWidget(self.table)
        split.addWidget(scroll)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([260, 420])

        # -- the hotline form
        self.hotline = self._hotline_form()

        self.tabs = QTabWidget(self)
        self.tabs.addTab(split, self.tr("&Queue"))
        self.tabs.addTab(self.hotline, self.tr("&Hotline 12319"))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.tabs)
        lay.addWidget(self.message)
        self._buttons()
        self.load_reference()

    def tables(self) -> list[CaseTable]:
        return [self.table]

    def reference_loaded(self) -> None:
        super().reference_loaded()
        self.picker.set_classes(self.classes)
        self.h_class.set_classes(self.classes)
        if self.detail:
            self.picker.set_current(self.detail["kind"], self.detail["class_code"])

    # ------------------------------------------------------------------ hotline form
    def _hotline_form(self) -> QWidget:
        w = QWidget(self)
        form = QFormLayout(w)
        self.h_name = QLineEdit(w)
        self.h_phone = QLineEdit(w)
        self.h_class = ClassPicker(w)
        self.h_address = QLineEdit(w)
        self.h_location = PlaceEditor(self.client, w, components=False, data=self.data)
        self.h_description = QPlainTextEdit(w)
        self.h_description.setMaximumHeight(80)
        self.h_submit = QPushButton(self.tr("&Submit hotline report"), w)
        self.h_submit.clicked.connect(self.submit_hotline)
        self.h_submit.setShortcut(QKeySequence("Ctrl+S"))
        for label, field in ((self.tr("Caller &name"), self.h_name), (self.tr("&Phone"), self.h_phone),
                             (self.tr("C&lass"), self.h_class), (self.tr("Add&ress"), self.h_address),
                             (self.tr("Locat&ion"), self.h_location),
                             (self.tr("&Description"), self.h_description)):
            lbl = QLabel(label, w)
            lbl.setBuddy(field)
            form.addRow(lbl, field)
        form.addRow("", self.h_submit)
        outer = QWidget(self)
        ol = QVBoxLayout(outer)
        ol.setContentsMargins(0, 0, 0, 0)
        ol.addWidget(w)
        ol.addStretch(1)
        return outer

    def hotline_body(self) -> dict | None:
        c = self.h_class.current()
        if c is None:
            self.show_message(self.tr("Choose the class of the report."))
            return None
        if not self.h_description.toPlainText().strip():
            self.show_message(self.tr("Describe the problem."))
            return None
        if self.h_location.point() is None:
            self.show_message(self.tr("Choose the place: pick it on the map, search an address or type coordinates."))
            return None
        lon, lat = self.h_location.point()
        body = {"source": "hotline", "kind": c["kind"], "class_code": c["code"], "lon": lon, "lat": lat,
                "description": self.h_description.toPlainText().strip(),
                "address": self.h_address.text().strip() or None,
                "reporter_name": self.h_name.text().strip() or None,
                "reporter_contact": self.h_phone.text().strip() or None}
        return {k: v for k, v in body.items() if v is not None}

    def submit_hotline(self) -> None:
        body = self.hotline_body()
        if body is None:
            return

        def done(case: dict) -> None:
            for f in (self.h_name, self.h_phone, self.h_address):
                f.clear()
            self.h_description.clear()
            self.h_location.clear()
            self.show_message(self.tr("Reported as {number}.").replace("{number}", case["number"]), error=False)

        self.run_action(None, "report", body, call=lambda k: self.client.report(body, idempotency_key=k),
                        on_done=done, path="/api/cases",
                        label=" ".join(x for x in ("12319", body.get("reporter_name"),
                                                   body["description"][:20]) if x))

    # ------------------------------------------------------------------ the selected case
    def current(self) -> dict | None:
        cid = self.table.current_id()
        return self.table.case(cid) if cid is not None else None

    def _selected(self, case_id: int) -> None:
        case = self.table.case(case_id)
        if case:
            self._show(case)
        self._detail_seq += 1
        seq = self._detail_seq

        def work() -> tuple[dict, list[dict]]:
            d = self.client.case(case_id)
            dups = self.client.duplicates(d["lon"], d["lat"], d["kind"], d["class_code"], exclude_id=case_id)
            return d, dups

        def done(res: tuple[dict, list[dict]]) -> None:
            if seq != self._detail_seq:
                return
            d, dups = res
            self.detail = d
            self._show(d)
            self._photos(d)
            self._duplicates(dups)

        async_for(self, work, done, lambda e: self.show_message(self.error_text(e)))

    def _show(self, c: dict) -> None:
        self.header.setText(f"<b>{c['number']}</b> · {source_label(c['source'])} · {state_label(c['state'])}"
                            f" · {c.get('class_name') or c['class_code']}")
        self.description.setText(c.get("description") or "")
        who = " ".join(x for x in (c.get("reporter_name"), c.get("reporter_contact")) if x)
        if not who and c.get("events"):  # an inspector's report: the reporting actor
            first = c["events"][0]
            who = " ".join(x for x in (first.get("actor_name"), f"({source_label(c['source'])})") if x)
        self.reporter.setText(self.tr("Reporter: {who}").replace("{who}", who or "—") +
                              (f" · {c['address']}" if c.get("address") else ""))
        if not self.detail or self.detail.get("id") != c["id"]:
            self.picker.set_current(c["kind"], c["class_code"])
            self.location.set_point(c["lon"], c["lat"], c.get("component_id"))
            self.duplicates.clear()
            self._clear_photos()
        self._buttons()

    def _clear_photos(self) -> None:
        for lbl in self.photo_labels:
            self.photos.removeWidget(lbl)
            lbl.deleteLater()
        self.photo_labels = []

    def _photos(self, d: dict) -> None:
        self._clear_photos()
        for p in (d.get("photos") or {}).get("report", [])[:6]:
            lbl = QLabel(self.tr("photo…"), self)
            lbl.setFixedSize(THUMB, THUMB)
            lbl.setAlignment(Qt.AlignCenter)
            lbl.setStyleSheet("border: 1px solid #aaa;")
            self.photos.insertWidget(len(self.photo_labels), lbl)
            self.photo_labels.append(lbl)
            sha = p["sha256"]

            def done(data: bytes, lbl: QLabel = lbl) -> None:
                img = QImage.fromData(data)
                if not img.isNull() and lbl in self.photo_labels:
                    lbl.setPixmap(QPixmap.fromImage(img).scaled(THUMB, THUMB, Qt.KeepAspectRatio,
                                                                Qt.SmoothTransformation))

            async_for(self, lambda sha=sha: self.client.photo(sha), done, lambda e: None)

    def _duplicates(self, dups: list[dict]) -> None:
        self.duplicates.clear()
        for d in dups:
            it = QListWidgetItem(f"{d['number']} · {state_label(d['state'])} · {d['distance_m']:.0f} m · "
                                 f"{(d.get('description') or '')[:30]}")
            it.setData(Qt.UserRole, d["id"])
            self.duplicates.addItem(it)
        if dups:
            self.duplicates.setCurrentRow(0)
        self._buttons()

    def _buttons(self) -> None:
        c = self.current()
        self.accept_btn.setEnabled(self.may(c, "accept"))
        self.verify_btn.setEnabled(self.may(c, "send_verify"))
        self.reject_btn.setEnabled(self.may(c, "reject"))
        self.merge_btn.setEnabled(c is not None and self.duplicates.currentItem() is not None)

    def case_changed(self, case: dict) -> None:
        if self.detail and case.get("id") == self.detail["id"]:
            self.detail = {**self.detail, **case}
            if case.get("state") in self.STATES:
                self._show(self.detail)
        self._buttons()

    def refreshed(self) -> None:
        self._buttons()

    # ------------------------------------------------------------------ actions
    def corrections(self, case: dict) -> dict:
        body: dict = {}
        c = self.picker.current()
        if c and (c["kind"], c["code"]) != (case["kind"], case["class_code"]):
            body.update(kind=c["kind"], class_code=c["code"])
        lon, lat = self.location.point() or (case["lon"], case["lat"])
        if abs(lon - case["lon"]) > 1e-7 or abs(lat - case["lat"]) > 1e-7:
            body.update(lon=lon, lat=lat)
        comp = self.location.component_id()
        if comp and comp != case.get("component_id"):
            body["component_id"] = comp
        return body

    def accept_from_detail(self, case: dict) -> None:
        """The case detail's 受理 button: the same action as this panel's, with its corrections.
        When this panel shows another case, it switches to that one first so the acceptor sees
        (and may correct) what is accepted, then accepts on a second click."""
        if self.current() is not None and self.current()["id"] == case["id"]:
            self.accept_case()
            return
        self.tabs.setCurrentIndex(0)
        self.table.select(case["id"])
        self.show_message(self.tr("{number} is open in the accept panel: check the class and the place, "
                                  "then accept.").replace("{number}", case.get("number", "")), error=False)

    def accept_case(self) -> None:
        c = self.current()
        if c is None:
            return
        self.run_action(c["id"], "accept", self.corrections(c), on_done=lambda r: self.show_message(
            self.tr("{number} accepted.").replace("{number}", r["number"]), error=False))

    def send_verify(self) -> None:
        c = self.current()
        if c is None:
            return
        self.run_action(c["id"], "send_verify", {}, on_done=lambda r: self.show_message(
            self.tr("{number} sent to an inspector for verification.").replace("{number}", r["number"]),
            error=False))

    def reject_case(self) -> None:
        c = self.current()
        if c is None:
            return
        name = f"reject:{c['id']}"
        reason = self.ask_reason(name, self.tr("Reject (不予受理)"))
        if not reason:
            return
        self.run_action(c["id"], "reject", {"reason": reason}, on_done=lambda r: self.forget_reason(name))

    def merge_selected(self) -> None:
        c = self.current()
        it = self.duplicates.currentItem()
        if c is None or it is None:
            return
        into = int(it.data(Qt.UserRole))

        def done(res: dict) -> None:
            self.upsert(res["merged"])
            self.upsert(res["into"])
            self.show_message(self.tr("{a} merged into {b}.").replace("{a}", res["merged"]["number"])
                              .replace("{b}", res["into"]["number"]), error=False)

        self.run_action(c["id"], "merge", {"into_case_id": into},
                        call=lambda k: self.client.merge(c["id"], into, idempotency_key=k), on_done=done,
                        path=f"/api/cases/{int(c['id'])}/merge")
