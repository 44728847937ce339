"""The demo's first start, visible: a small window opens at once and shows what the demo server
is doing (building the city, loading it) until it answers; then the main window takes over, and
its status bar shows the history being written in the background."""
from __future__ import annotations

import time

from PySide6.QtCore import QEventLoop, QTimer, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from app.api.worker import run_async

POLL_MS = 300


class DemoStartup(QWidget):
    """Polls the DemoServer (off the UI thread) until it answers; `ready()` or `failed(str)`."""

    ready = Signal()
    failed = Signal(str)

    def __init__(self, demo, parent: QWidget | None = None):  # noqa: ANN001 - an app.demo_server.DemoServer
        super().__init__(parent)
        self.demo = demo
        self.t0 = time.perf_counter()
        self.setWindowTitle(self.tr("OpenCityCommand — starting the demo"))
        self.title = QLabel(self.tr("Starting the demo city's server…"), self)
        self.title.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        self.detail.setMinimumWidth(520)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)  # busy: the server's steps have no common measure
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.bar)
        lay.addWidget(self.detail)
        self.timer = QTimer(self, interval=POLL_MS)
        self.timer.timeout.connect(self._poll)
        self._asking = False

    def start(self) -> None:
        self.show()
        self.demo.launch()
        self.timer.start()

    def _poll(self) -> None:
        secs = time.perf_counter() - self.t0
        line = self.demo.last_log_line()
        self.detail.setText(self.tr("%1 s · %2").replace("%1", f"{secs:.0f}").replace("%2", line))
        if self._asking:
            return
        self._asking = True
        run_async(self.demo.health, self._answer, self._error)

    def _answer(self, health: dict | None) -> None:
        self._asking = False
        if health is not None and self.timer.isActive():
            self.timer.stop()
            self.ready.emit()

    def _error(self, e: Exception) -> None:
        self._asking = False
        if self.timer.isActive():
            self.timer.stop()
            self.failed.emit(str(e))

    def wait(self) -> str | None:
        """Runs the event loop until the server answers; None, or why it failed."""
        loop = QEventLoop()
        out: list[str | None] = [None]
        self.ready.connect(loop.quit)
        self.failed.connect(lambda msg: (out.__setitem__(0, msg), loop.quit()))
        self.start()
        loop.exec()
        return out[0]


def history_text(health: dict) -> str | None:
    """'演示历史：已写入 1200 / 2700 个案卷' while the demo's history is being written, else None."""
    h = health.get("demo_history") or {}
    if not h or h.get("finished"):
        return None
    from PySide6.QtCore import QCoreApplication
    return QCoreApplication.translate("DemoStartup", "Demo history: %1 of %2 cases written (the cases appear when "
                                                     "it is done)").replace("%1", str(h.get("done") or 0)) \
        .replace("%2", str(h.get("total") or "…"))


def follow_history(demo, status_bar, on_done=None) -> QTimer:  # noqa: ANN001
    """Shows the background history's progress in the status bar every 2 s until it is done."""
    timer = QTimer(status_bar, interval=2000)
    asking = [False]

    def answer(health: dict | None) -> None:
        asking[0] = False
        if health is None:
            return
        text = history_text(health)
        if text is None:
            timer.stop()
            status_bar.clearMessage()
            if on_done is not None:
                on_done()
        else:
            status_bar.showMessage(text)

    def poll() -> None:
        if not asking[0]:
            asking[0] = True
            run_async(demo.health, answer, lambda e: asking.__setitem__(0, False))

    timer.timeout.connect(poll)
    timer.start()
    poll()
    return timer

