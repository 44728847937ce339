"""Starting the wall without a person at the keyboard: log in (retrying while the server is away),
then show the wall on the chosen screens. Nothing here ever waits on a dialog."""
from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel

from app.api import city_config
from app.api.client import ApiClient
from app.api.worker import run_async

from .widgets import BG, TEXT, wall_font

log = logging.getLogger("occ.wall")
RETRY_S = 5.0


def run_wall(app: QApplication, server: str, user: str, password: str, screens: list[int] | None, *,
             size: str | None = None, screenshot: str | None = None, settle: float = 6.0) -> int:
    from .window import WallWindow
    waiting = QLabel(QApplication.translate("WallWindow", "Connecting to the server…"))
    waiting.setAlignment(Qt.AlignCenter)
    waiting.setFont(wall_font(48, bold=True))
    waiting.setStyleSheet(f"background: {BG.name()}; color: {TEXT.name()}")
    _place(waiting, screens, size)
    state: dict = {}

    def attempt() -> None:
        client = ApiClient(server, timeout=10)

        def work() -> tuple[ApiClient, dict]:
            client.login(user, password)
            city_config.load(client)  # the city's time zone and shifts, as in the main window
            return client, client.city()
        run_async(work, ready, failed)

    def failed(e: Exception) -> None:
        log.warning("wall: cannot log in to %s yet (%s); retrying in %.0f s", server, e, RETRY_S)
        waiting.setText(QApplication.translate("WallWindow", "Connecting to the server…") + f"\n{e}")
        QTimer.singleShot(int(RETRY_S * 1000), attempt)

    def ready(got: tuple[ApiClient, dict]) -> None:
        client, profile = got
        wall = WallWindow(client, profile, credentials=(user, password))
        state["wall"] = wall
        _place(wall, screens, size)
        waiting.close()
        if screenshot:  # once the city is on the map (or a minute has gone), let it settle, save, quit
            waited = [0.0]

            def check() -> None:
                waited[0] += 0.5
                if wall.data.city.grids is None and waited[0] < 60:
                    QTimer.singleShot(500, check)
                    return
                QTimer.singleShot(int(settle * 1000), lambda: (wall.grab().save(screenshot), app.quit()))
            check()

    QTimer.singleShot(0, attempt)
    return app.exec()


def _place(widget, screens: list[int] | None, size: str | None) -> None:  # noqa: ANN001
    if size:
        w, h = (int(v) for v in size.lower().split("x"))
        widget.resize(w, h)
        widget.show()
    elif hasattr(widget, "place_on_screens"):
        widget.place_on_screens(screens)
    else:
        widget.showFullScreen()
