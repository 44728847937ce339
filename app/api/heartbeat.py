"""Heartbeat: notices a server that stopped answering, also one whose process is frozen while its
TCP port stays open (the WebSocket then sees nothing wrong for a long time).

A thread GETs /api/health every `interval` seconds with a timeout of `interval`; one probe that
fails or times out makes the server "down", the first answer after that makes it "up" again. A
frozen server is therefore noticed within 2 × interval (default 3 s → ≤ 6 s); OCC_HEARTBEAT_SECONDS
changes the interval. It uses its own HTTP connection, so it never waits behind a stuck request.
"""
from __future__ import annotations

import os
import threading

import requests
from PySide6.QtCore import QObject, Signal

DEFAULT_INTERVAL = float(os.environ.get("OCC_HEARTBEAT_SECONDS", "3"))


class Heartbeat(QObject):
    down = Signal(str)  # why (timeout, refused ...)
    up = Signal()

    def __init__(self, base_url: str, interval: float = DEFAULT_INTERVAL, parent: QObject | None = None):
        super().__init__(parent)
        self.url = base_url.rstrip("/") + "/api/health"
        self.interval = interval
        self.alive: bool | None = None  # None until the first probe
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="occ-heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(self.interval + 1)

    def probe(self, http: requests.Session) -> str | None:
        """None when the server answered, else why not."""
        try:
            r = http.get(self.url, timeout=self.interval)
            return None if r.status_code == 200 else f"HTTP {r.status_code}"
        except requests.Timeout:
            return f"no answer within {self.interval:g} s"
        except requests.RequestException as e:
            return str(e)

    def _run(self) -> None:
        with requests.Session() as http:
            while not self._stop.is_set():
                why = self.probe(http)
                if why is None and self.alive is not True:
                    self.alive = True
                    self.up.emit()
                elif why is not None and self.alive is not False:
                    self.alive = False
                    http.close()  # a frozen peer's connection is useless: a fresh one next time
                    self.down.emit(why)
                self._stop.wait(self.interval)
