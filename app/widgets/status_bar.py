"""The status bar: cursor position (lon/lat and projected), the scale as 1:N with a selector that
includes 1:500, the connection state and the basemap's messages."""
from __future__ import annotations

from pyproj import Transformer
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLabel, QStatusBar, QToolButton, QWidget
from app.widgets.theme import set_ink

SCALES = (500, 1000, 2000, 5000, 10000, 25000, 50000, 100000)


class MapStatusBar(QStatusBar):
    scale_requested = Signal(float)
    outbox_requested = Signal()  # the outbox count was clicked: show the list

    def __init__(self, crs: str, parent: QWidget | None = None):
        super().__init__(parent)
        self._to_lonlat = None
        self.coords = QLabel()
        self.coords.setMinimumWidth(420)
        self.scale_box = QComboBox()
        self.scale_box.setEditable(True)
        self.scale_box.setMinimumWidth(110)
        self.scale_box.setToolTip(self.tr("Map scale: choose or type 1:N"))
        for s in SCALES:
            self.scale_box.addItem(f"1:{s}", s)
        self.scale_box.activated.connect(self._chosen)
        self.scale_box.lineEdit().returnPressed.connect(self._typed)
        self.connection = QLabel()
        self.server = QLabel()  # the heartbeat's verdict: the server answers or not
        self.outbox = QToolButton()
        self.outbox.setObjectName("outboxCount")
        self.outbox.setAutoRaise(True)
        self.outbox.clicked.connect(self.outbox_requested)
        self.basemap = QLabel()
        self.addWidget(self.basemap, 1)
        self.addPermanentWidget(self.server)
        self.addPermanentWidget(self.outbox)
        self.addPermanentWidget(self.connection)
        self.addPermanentWidget(self.coords)
        self.addPermanentWidget(QLabel(self.tr("Scale")))
        self.addPermanentWidget(self.scale_box)
        self.set_crs(crs)
        self.set_connected(False)

    def set_crs(self, crs: str) -> None:
        self.crs = crs
        self._to_lonlat = Transformer.from_crs(crs, "EPSG:4490", always_xy=True)

    def set_cursor(self, x: float, y: float) -> None:
        lon, lat = self._to_lonlat.transform(x, y)
        self.coords.setText(self.tr("Lon %1  Lat %2   |   X %3  Y %4 m").replace("%1", f"{lon:.6f}")
                            .replace("%2", f"{lat:.6f}").replace("%3", f"{x:.1f}").replace("%4", f"{y:.1f}"))

    def set_scale(self, scale: float) -> None:
        if not self.scale_box.lineEdit().hasFocus():
            self.scale_box.setEditText(f"1:{round(scale):d}")

    def set_connected(self, ok: bool, detail: str = "") -> None:
        if ok:
            self.connection.setText(self.tr("● Live"))
            set_ink(self.connection, "ok")
            self.connection.setToolTip(self.tr("Connected to the server's live event stream"))
        else:
            self.connection.setText(self.tr("● Offline"))
            set_ink(self.connection, "error")
            self.connection.setToolTip(detail or self.tr("Not connected to the server's live events"))

    def set_outbox(self, count: int) -> None:
        """How many actions wait to be sent (click for the list)."""
        self.outbox.setText(self.tr("Outbox: %1").replace("%1", str(count)))
        self.outbox.setStyleSheet("font-weight: bold;" if count else "")
        set_ink(self.outbox, "warn" if count else None)
        self.outbox.setToolTip(self.tr("Actions waiting for the server; they go out by themselves when it "
                                       "answers again. Click for the list."))

    def set_server_alive(self, ok: bool, detail: str = "") -> None:
        if ok:
            self.server.setText("")
            self.server.setToolTip("")
        else:
            self.server.setText(self.tr("⚠ Server not answering"))
            self.server.setStyleSheet("font-weight: bold;")
            set_ink(self.server, "error")
            self.server.setToolTip(detail)

    def set_basemap_message(self, text: str) -> None:
        self.basemap.setText(text)

    def _chosen(self, index: int) -> None:
        self.scale_requested.emit(float(self.scale_box.itemData(index)))

    def _typed(self) -> None:
        text = self.scale_box.currentText().replace("：", ":").replace(",", "").strip()
        try:
            n = float(text.split(":", 1)[1] if ":" in text else text)
        except ValueError:
            return
        if n > 0:
            self.scale_requested.emit(n)
