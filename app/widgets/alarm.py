"""The overdue alarm: a short sound (resources/sounds/alarm.wav through QSoundEffect) and a visible
banner listing the cases that just turned red, each with a "go to case" button.

Audio is optional: without QtMultimedia or an audio device the sound is skipped, never a crash.
"""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

from app.domain.resources import resources_dir

log = logging.getLogger("occ.client")


def alarm_sound_path():
    return resources_dir() / "sounds" / "alarm.wav"


class AlarmSound(QObject):
    """Plays the alarm unless muted. `played` counts the requests that were not muted (for tests)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.muted = False
        self.played = 0
        self._effect = None
        self._tried = False

    def _ensure(self):
        if self._tried:
            return self._effect
        self._tried = True
        try:
            from PySide6.QtMultimedia import QSoundEffect
            path = alarm_sound_path()
            if not path.exists():
                return None
            eff = QSoundEffect(self)
            eff.setSource(QUrl.fromLocalFile(str(path)))
            eff.setVolume(0.8)
            self._effect = eff
        except Exception as e:  # noqa: BLE001 - no audio is not an error
            log.info("alarm sound unavailable: %s", e)
            self._effect = None
        return self._effect

    def play(self) -> None:
        if self.muted:
            return
        self.played += 1
        try:
            eff = self._ensure()
            if eff is not None:
                eff.play()
        except Exception as e:  # noqa: BLE001
            log.info("alarm sound failed: %s", e)


class AlarmBanner(QFrame):
    """A red strip listing alarmed cases (newest first), each with "Go to case" and dismiss."""

    caseSelected = Signal(int)
    MAX_ROWS = 4

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("alarmBanner")
        self.setStyleSheet("#alarmBanner { background: #c62828; border-radius: 4px; }"
                           "#alarmBanner QLabel { color: white; font-weight: bold; }"
                           "#alarmBanner QPushButton { background: white; color: #c62828; padding: 2px 8px;"
                           " border-radius: 3px; font-weight: bold; }"
                           "#alarmBanner QToolButton { color: white; border: none; font-weight: bold; }")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(6, 4, 6, 4)
        self._layout.setSpacing(2)
        self._rows: dict[int, QWidget] = {}
        self._order: list[int] = []
        self.setVisible(False)

    def case_ids(self) -> list[int]:
        return list(self._order)

    def go_button(self, case_id: int) -> QPushButton | None:
        row = self._rows.get(case_id)
        return row.findChild(QPushButton, "goToCase") if row else None

    def add(self, case_id: int, text: str) -> None:
        if case_id in self._rows:
            self._rows[case_id].findChild(QLabel).setText(text)
            return
        row = QWidget(self)
        h = QHBoxLayout(row)
        h.setContentsMargins(0, 0, 0, 0)
        label = QLabel(text, row)
        label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        go = QPushButton(self.tr("Go to case"), row)
        go.setObjectName("goToCase")
        go.setCursor(Qt.PointingHandCursor)
        go.clicked.connect(lambda _=False, cid=case_id: self.caseSelected.emit(cid))
        close = QToolButton(row)
        close.setText("×")
        close.setToolTip(self.tr("Dismiss"))
        close.clicked.connect(lambda _=False, cid=case_id: self.remove(cid))
        h.addWidget(label, 1)
        h.addWidget(go)
        h.addWidget(close)
        self._layout.insertWidget(0, row)
        self._rows[case_id] = row
        self._order.insert(0, case_id)
        while len(self._order) > self.MAX_ROWS:
            self.remove(self._order[-1])
        self.setVisible(True)

    def remove(self, case_id: int) -> None:
        row = self._rows.pop(case_id, None)
        if row is None:
            return
        self._order.remove(case_id)
        self._layout.removeWidget(row)
        row.deleteLater()
        self.setVisible(bool(self._rows))

    def clear(self) -> None:
        for cid in list(self._rows):
            self.remove(cid)
