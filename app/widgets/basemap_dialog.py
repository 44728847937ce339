"""Add a basemap: an XYZ template, an OGC WMTS service, Tianditu with the user's key, or an
MBTiles file. Building the source (reading capabilities or the file) runs off the UI thread; a
bad URL, key or file is explained and nothing typed is lost."""
from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QVBoxLayout, QWidget)

from app.api.worker import run_async
from app.widgets.theme import set_ink

KINDS = ("xyz", "wmts", "tianditu", "mbtiles")


def make_source(kind: str, url: str, layer: str = "", key: str = ""):
    """Runs on a worker thread. Raises with a readable message when the input is wrong."""
    from app.map.tiles import MBTilesSource, WmtsSource, XyzSource, tianditu_source
    if kind == "xyz":
        if "{z}" not in url or "{x}" not in url or ("{y}" not in url and "{-y}" not in url):
            raise ValueError("an XYZ template needs {z}, {x} and {y}")
        return XyzSource(url)
    if kind == "wmts":
        return WmtsSource.from_url(url, layer, params={"tk": key} if key else None)
    if kind == "tianditu":
        if not key:
            raise ValueError("Tianditu needs your key (tk)")
        return tianditu_source(layer or "vec", key, url or "w")
    return MBTilesSource(url)


class BasemapDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add basemap"))
        self.source = None
        self.kind = QComboBox()
        for k, label in zip(KINDS, (self.tr("XYZ tiles"), self.tr("OGC WMTS"), self.tr("Tianditu"),
                                    self.tr("MBTiles file"))):
            self.kind.addItem(label, k)
        self.url = QLineEdit()
        self.url.setPlaceholderText(self.tr("URL template, capabilities URL, Tianditu set (w or c) or file"))
        browse = QPushButton(self.tr("File…"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.url, 1)
        row.addWidget(browse)
        self.layer = QLineEdit()
        self.layer.setPlaceholderText(self.tr("WMTS layer, or Tianditu vec / img / ter"))
        self.key = QLineEdit()
        self.key.setPlaceholderText(self.tr("Key (Tianditu tk), if the service needs one"))
        self.message = QLabel("")
        self.message.setWordWrap(True)
        set_ink(self.message, "error")
        form = QFormLayout()
        form.addRow(self.tr("Kind"), self.kind)
        form.addRow(self.tr("Address"), row)
        form.addRow(self.tr("Layer"), self.layer)
        form.addRow(self.tr("Key"), self.key)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self._try)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)
        self.resize(560, 220)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("MBTiles file"), "", "MBTiles (*.mbtiles)")
        if path:
            self.url.setText(path)
            self.kind.setCurrentIndex(KINDS.index("mbtiles"))

    def _try(self) -> None:
        kind, url, layer, key = (self.kind.currentData(), self.url.text().strip(), self.layer.text().strip(),
                                 self.key.text().strip())
        self.buttons.setEnabled(False)
        self.message.setText(self.tr("Checking…"))
        run_async(lambda: make_source(kind, url, layer, key), self._ok, self._failed)

    def _ok(self, source) -> None:  # noqa: ANN001
        self.source = source
        self.buttons.setEnabled(True)
        self.accept()

    def _failed(self, e: Exception) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(self.tr("This basemap cannot be used: %1").replace("%1", str(e)))
