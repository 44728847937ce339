"""The wall's tour bar: choose a saved tour, start/stop, pause, step; new and edit open TourDialog."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from app.video.tours import Tour

if TYPE_CHECKING:
    from .wall import VideoWall


class TourControls(QWidget):
    def __init__(self, wall: "VideoWall", parent: QWidget | None = None):
        super().__init__(parent)
        self.wall = wall
        self.runner = wall.tours
        self.saved: list[Tour] = wall.state.tours()
        self.box = QComboBox(self)
        self.box.setMinimumContentsLength(8)
        self.box.setToolTip(self.tr("Saved tours"))
        self.start_btn = QPushButton(self.tr("Start tour"), self)
        self.start_btn.setCheckable(True)
        self.start_btn.setToolTip(self.tr("Start or stop the chosen tour"))
        self.pause_btn = QPushButton(self.tr("Pause"), self)
        self.pause_btn.setCheckable(True)
        self.prev_btn = QPushButton("◀", self)
        self.next_btn = QPushButton("▶", self)
        self.prev_btn.setToolTip(self.tr("Previous page"))
        self.next_btn.setToolTip(self.tr("Next page"))
        self.edit_btn = QPushButton(self.tr("Tours…"), self)
        self.page = QLabel(self)
        self.start_btn.toggled.connect(self._start_stop)
        self.pause_btn.toggled.connect(self.runner.pause)
        self.prev_btn.clicked.connect(self.runner.previous)
        self.next_btn.clicked.connect(self.runner.next)
        self.edit_btn.clicked.connect(self.edit)
        self.runner.stateChanged.connect(self._update)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 0, 8, 0)
        lay.addWidget(QLabel(self.tr("Tour"), self))
        for w in (self.box, self.start_btn, self.pause_btn, self.prev_btn, self.next_btn, self.page, self.edit_btn):
            lay.addWidget(w)
        lay.addStretch(1)
        self._fill()
        self._update()

    def _fill(self) -> None:
        current = self.box.currentText()
        self.box.clear()
        for t in self.saved:
            self.box.addItem(t.name)
        if current:
            self.box.setCurrentText(current)

    def chosen(self) -> Tour | None:
        i = self.box.currentIndex()
        return self.saved[i] if 0 <= i < len(self.saved) else None

    def _start_stop(self, on: bool) -> None:
        tour = self.chosen()
        if on and tour is not None and tour.cameras:
            self.runner.start(tour)
        else:
            if on:
                self.wall.message.emit(self.tr("Choose a tour with cameras first (Tours…)"))
            self.runner.stop()

    def _update(self) -> None:
        running = self.runner.running
        if self.start_btn.isChecked() != running:
            self.start_btn.blockSignals(True)
            self.start_btn.setChecked(running)
            self.start_btn.blockSignals(False)
        self.start_btn.setText(self.tr("Stop tour") if running else self.tr("Start tour"))
        for w in (self.pause_btn, self.prev_btn, self.next_btn):
            w.setEnabled(running)
        if not running and self.pause_btn.isChecked():
            self.pause_btn.blockSignals(True)
            self.pause_btn.setChecked(False)
            self.pause_btn.blockSignals(False)
        tour = self.runner.tour
        self.page.setText(f"{self.runner.index + 1}/{tour.pages(self.wall.visible_count())}" if tour else "")
        self.box.setEnabled(not running)

    def set_tours(self, tours: list[Tour]) -> None:
        self.saved = tours
        self.wall.state.save_tours(tours)
        self._fill()

    def edit(self) -> None:
        from .tour_dialog import TourDialog
        dlg = TourDialog(self.wall, self.saved, self)
        if dlg.exec() == TourDialog.Accepted:
            self.set_tours(dlg.tours)
