"""视频巡查上报: a new report from a wall tile, prefilled with the snapshot, the camera's place and
source `video` (the acceptor's report form: class, place, description; the server records the
camera and the stream time of the frame)."""
from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit,
                               QVBoxLayout, QWidget)

from app.api.city_config import city_time
from app.api.client import ApiClient
from app.api.worker import run_async
from app.video.evidence import Snapshot, upload

from ..class_picker import ClassPicker
from ..place_picker import PlaceEditor


class VideoReportDialog(QDialog):
    def __init__(self, client: ApiClient, camera: dict, snap: Snapshot, data=None,  # noqa: ANN001 - CityData
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.client, self.camera, self.snap = client, camera, snap
        self.key = uuid.uuid4().hex  # one report, however often OK is pressed
        self.case: dict | None = None
        self.setWindowTitle(self.tr("Video patrol report (视频巡查上报)"))
        pic = QLabel(self)
        pm = QPixmap()
        pm.loadFromData(snap.jpeg, "JPEG")
        pic.setPixmap(pm.scaled(480, 270, Qt.KeepAspectRatio, Qt.SmoothTransformation))
        self.source = QLabel(self.tr("Source: video patrol · camera %1 · %2")
                             .replace("%1", camera.get("name") or camera.get("id", ""))
                             .replace("%2", city_time(snap.iso_time, "%Y-%m-%d %H:%M:%S")), self)
        self.picker = ClassPicker(self)
        self.place = PlaceEditor(client, self, data=data)
        if camera.get("lon") is not None:
            self.place.set_point(camera["lon"], camera["lat"])
        self.address = QLineEdit(self)
        self.description = QPlainTextEdit(self)
        self.description.setMaximumHeight(80)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.button(QDialogButtonBox.Ok).setText(self.tr("Report"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("Class"), self.picker)
        form.addRow(self.tr("Place"), self.place)
        form.addRow(self.tr("Address"), self.address)
        form.addRow(self.tr("Description"), self.description)
        lay = QVBoxLayout(self)
        lay.addWidget(pic)
        lay.addWidget(self.source)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)
        run_async(client.classes, self.picker.set_classes, lambda e: self.message.setText(str(e)), owner=self)

    def body(self) -> dict | None:
        c = self.picker.current()
        if c is None:
            self.message.setText(self.tr("Choose the class of the report."))
            return None
        if self.place.point() is None:
            self.message.setText(self.tr("Choose the place."))
            return None
        lon, lat = self.place.point()
        body = {"source": "video", "kind": c["kind"], "class_code": c["code"], "lon": lon, "lat": lat,
                "description": self.description.toPlainText().strip() or self.tr("Video patrol: %1")
                .replace("%1", self.camera.get("name") or ""),
                "address": self.address.text().strip() or None, "camera_id": self.camera.get("id"),
                "stream_time": self.snap.iso_time}
        return {k: v for k, v in body.items() if v is not None}

    def submit(self) -> None:
        body = self.body()
        if body is None:
            return
        self.buttons.setEnabled(False)
        self.message.setText(self.tr("Sending…"))
        snap, key = self.snap, self.key

        def work() -> dict:
            return self.client.report({**body, "photo_hashes": [upload(self.client, snap)]}, idempotency_key=key)

        def done(case: dict) -> None:
            self.case = case
            self.accept()

        def failed(e: Exception) -> None:
            self.buttons.setEnabled(True)
            self.message.setText(str(e))

        run_async(work, done, failed, owner=self)
