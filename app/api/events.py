"""The server's live event stream (WebSocket) as Qt signals.

A websocket-client thread reads JSON events and emits `event(dict)`; Qt queues the signal to the
UI thread. It reconnects with backoff, and after a reconnect (or a server "resync") emits
`resync()` so panels reload what they may have missed.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from urllib.parse import quote

import websocket
from PySide6.QtCore import QObject, Signal

log = logging.getLogger("occ.client.events")


class EventStream(QObject):
    event = Signal(dict)
    connected = Signal()
    disconnected = Signal(str)
    resync = Signal()

    def __init__(self, ws_url: str, token: str, parent: QObject | None = None):
        super().__init__(parent)
        self._url = f"{ws_url}?token={quote(token)}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ws: websocket.WebSocket | None = None

    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="occ-events", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        ws = self._ws
        if ws is not None:
            try:
                ws.close()
            except Exception:  # noqa: BLE001
                pass
        if self._thread:
            self._thread.join(3)

    def _run(self) -> None:
        backoff = 0.5
        first = True
        while not self._stop.is_set():
            try:
                ws = websocket.create_connection(self._url, timeout=30)
            except Exception as e:  # noqa: BLE001
                self.disconnected.emit(str(e))
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            self._ws = ws
            backoff = 0.5
            self.connected.emit()
            if not first:
                self.resync.emit()
            first = False
            try:
                while not self._stop.is_set():
                    try:
                        text = ws.recv()
                    except websocket.WebSocketTimeoutException:
                        ws.send(json.dumps({"type": "ping"}))
                        continue
                    if not text:
                        break
                    msg = json.loads(text)
                    if msg.get("type") == "resync":
                        self.resync.emit()
                    elif msg.get("type") not in ("pong", "heartbeat"):
                        self.event.emit(msg)
            except Exception as e:  # noqa: BLE001
                if not self._stop.is_set():
                    self.disconnected.emit(str(e))
            finally:
                self._ws = None
                try:
                    ws.close()
                except Exception:  # noqa: BLE001
                    pass
            if not self._stop.is_set():
                time.sleep(0.2)
