"""Inspectors' phones (administrators): register a phone to an inspector, which issues its secret
(shown once, with the URL to type into OsmAnd / Traccar Client), list the phones, revoke one.
Every call runs on a worker thread; a refusal is shown and what was typed stays."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPushButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from app.api.client import ApiClient
from app.api.worker import run_async


class DeviceDialog(QDialog):
    COLUMNS = ("device_id", "inspector", "label", "state", "created_at")

    def __init__(self, client: ApiClient, parent: QWidget | None = None):
        super().__init__(parent)
        self.client = client
        self.setWindowTitle(self.tr("Inspectors' phones"))
        self.devices: list[dict] = []

        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels([self.tr("Device ID"), self.tr("Inspector"), self.tr("Note"),
                                              self.tr("State"), self.tr("Registered")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        self.inspector = QComboBox()
        self.device_id = QLineEdit()
        self.device_id.setPlaceholderText(self.tr("What the phone sends as its device ID (e.g. its IMEI)"))
        self.label = QLineEdit()
        self.label.setPlaceholderText(self.tr("Optional, e.g. the phone's asset number"))
        self.register_button = QPushButton(self.tr("&Register and issue a secret"))
        self.register_button.clicked.connect(self.register)
        self.revoke_button = QPushButton(self.tr("Re&voke selected phone"))
        self.revoke_button.setEnabled(False)
        self.revoke_button.clicked.connect(self.revoke)

        self.secret = QLineEdit()
        self.secret.setReadOnly(True)
        self.secret.setPlaceholderText(self.tr("The secret appears here once, after registering"))
        self.url = QLineEdit()
        self.url.setReadOnly(True)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse)

        form = QFormLayout()
        form.addRow(self.tr("Inspector"), self.inspector)
        form.addRow(self.tr("Device ID"), self.device_id)
        form.addRow(self.tr("Note"), self.label)
        form.addRow(self.tr("Secret"), self.secret)
        form.addRow(self.tr("Phone URL"), self.url)
        row = QHBoxLayout()
        row.addWidget(self.register_button)
        row.addWidget(self.revoke_button)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.Close)
        close.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addLayout(form)
        lay.addLayout(row)
        lay.addWidget(self.message)
        lay.addWidget(close)
        self.resize(760, 520)
        self.refresh()

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        client = self.client
        run_async(lambda: (client.users(role="inspector"), client.devices()), self._loaded, self._failed)

    def _loaded(self, result: tuple[list[dict], list[dict]]) -> None:
        inspectors, devices = result
        chosen = self.inspector.currentData()
        self.inspector.clear()
        for u in inspectors:
            if u.get("active", True):
                self.inspector.addItem(f"{u['display_name']} ({u['username']})", u["id"])
        if chosen is not None and self.inspector.findData(chosen) >= 0:
            self.inspector.setCurrentIndex(self.inspector.findData(chosen))
        self.devices = devices
        self.table.setRowCount(len(devices))
        for r, d in enumerate(devices):
            who = d.get("display_name") or d.get("username") or str(d["user_id"])
            values = (d["device_id"], who, d.get("label") or "", self._state(d), (d.get("created_at") or "")[:16])
            for c, v in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(v))
        self._selection_changed()

    def _state(self, d: dict) -> str:
        if not d.get("active"):
            return self.tr("revoked")
        return self.tr("active") if d.get("has_secret") else self.tr("needs a secret: register again")

    def _failed(self, e: Exception) -> None:
        self.register_button.setEnabled(True)
        self._selection_changed()
        self.message.setText(self.tr("The server refused: %1").replace("%1", str(e)))

    # ------------------------------------------------------------------ actions
    def selected_device(self) -> str | None:
        rows = {i.row() for i in self.table.selectedItems()}
        return self.devices[rows.pop()]["device_id"] if len(rows) == 1 else None

    def _selection_changed(self) -> None:
        dev = self.selected_device()
        active = dev is not None and any(d["device_id"] == dev and d.get("active") for d in self.devices)
        self.revoke_button.setEnabled(active)

    def register(self) -> None:
        user_id, device_id = self.inspector.currentData(), self.device_id.text().strip()
        if user_id is None or not device_id:
            self.message.setText(self.tr("Choose an inspector and type the phone's device ID."))
            return
        label = self.label.text().strip() or None
        client = self.client
        self.register_button.setEnabled(False)
        self.message.setText(self.tr("Registering…"))
        run_async(lambda: client.register_device(user_id, device_id, label), self._registered, self._failed)

    def _registered(self, got: dict) -> None:
        self.register_button.setEnabled(True)
        self.secret.setText(got["secret"])
        self.url.setText(f"{self.client.base_url}/osmand?{got['osmand_query']}")
        self.device_id.clear()
        self.label.clear()
        self.message.setText(self.tr("Phone %1 registered. Its secret is shown only now: enter the URL in the "
                                     "phone's OsmAnd or Traccar Client.").replace("%1", got["device_id"]))
        self.refresh()

    def revoke(self) -> None:
        dev = self.selected_device()
        if dev is None:
            return
        client = self.client
        self.revoke_button.setEnabled(False)
        run_async(lambda: client.revoke_device(dev), self._revoked, self._failed)

    def _revoked(self, d: dict) -> None:
        self.message.setText(self.tr("Phone %1 revoked: its positions are refused from now on.")
                             .replace("%1", d["device_id"]))
        self.refresh()
