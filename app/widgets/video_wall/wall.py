"""The video wall (视频墙) panel: tiles in a layout, the camera lists beside them, tours and linkage.

Which tile plays what is decided here, in one place (sync_players): a tile decodes only while it is
in the layout, shown (dock open, its tab in front, window not minimised), holds a camera the server
reports online, and has a URL; big tiles play the main stream, small ones the sub stream. sync_players
runs on every change and on a short timer (hiding by a minimised window or a tab sends no event
to the tiles themselves), so a hidden tile stops decoding within VISIBILITY_MS.
"""
from __future__ import annotations

import logging
from typing import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDockWidget, QGridLayout, QHBoxLayout, QLabel,
                               QPushButton, QSplitter, QVBoxLayout, QWidget)

from app.api.client import ApiClient
from app.api.worker import run_async
from app.video.layouts import LAYOUTS, MAX_TILES
from app.video.player import State
from app.video.tours import TourRunner
from app.video.wall_state import WallState

from .camera_list import CameraBrowser, region_names
from .tile import VideoTile

log = logging.getLogger(__name__)
VISIBILITY_MS = 250
LAYOUT_LABELS = {"1": "1", "2x2": "2×2", "3x3": "3×3", "4x4": "4×4", "1+5": "1+5", "1+7": "1+7"}


class VideoWall(QWidget):
    message = Signal(str)
    evidenceAttached = Signal(dict)  # the server's answer: {"case", "photo"}

    def __init__(self, client: ApiClient, parent: QWidget | None = None, state: WallState | None = None,
                 timer_factory: Callable[[QObject], object] | None = None):
        super().__init__(parent)
        self.setObjectName("VideoWall")
        self.client = client
        self.state = state or WallState()
        self.cameras: dict[str, dict] = {}
        self.case: dict | None = None  # the selected case: linkage and evidence go to it
        self.seeing: list[dict] = []
        self.enlarged: int | None = None
        self.layout_key = self.state.layout()
        self.assign: list[str | None] = self.state.tiles()
        self.locate: Callable[[dict], None] | None = None  # set by the main window: centre the map
        self.data = None  # CityData, for the report form's place search (set by the main window)
        self.report_dialog = None
        self.tiles = [VideoTile(i, self) for i in range(MAX_TILES)]
        for t in self.tiles:
            t.cameraDropped.connect(self.drop)
            t.doubleClicked.connect(self.toggle_enlarged)
            t.menuAction.connect(self._tile_action)
            t.stream.stateChanged.connect(lambda _s: self._sync_soon())
            t.hide()
        self.grid_host = QWidget(self)
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(2)
        self.browser = CameraBrowser(self)
        self.browser.cameraActivated.connect(self.put_first_free)
        self.browser.linkRequested.connect(self.link_case)
        self.tours = TourRunner(self._show_tour_page, lambda: LAYOUTS[self.layout_key].tiles,
                                timer_factory=timer_factory, parent=self)
        self._make_toolbar()
        split = QSplitter(Qt.Horizontal, self)
        split.addWidget(self.grid_host)
        split.addWidget(self.browser)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.message.connect(self.status.setText)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(self.toolbar)
        lay.addWidget(split, 1)
        lay.addWidget(self.status)
        self.visibility = QTimer(self)
        self.visibility.setInterval(VISIBILITY_MS)
        self.visibility.timeout.connect(self.sync_players)
        self.visibility.start()
        self._apply_layout()

    # ------------------------------------------------------------------ construction
    def _make_toolbar(self) -> None:
        from .tour_controls import TourControls
        self.toolbar = QHBoxLayout()
        self.layout_box = QComboBox(self)
        for key in LAYOUTS:
            self.layout_box.addItem(LAYOUT_LABELS[key], key)
        self.layout_box.setCurrentIndex(list(LAYOUTS).index(self.layout_key))
        self.layout_box.currentIndexChanged.connect(lambda i: self.set_layout(self.layout_box.itemData(i)))
        self.layout_box.setToolTip(self.tr("Layout of the wall"))
        self.tour_controls = TourControls(self, self)
        self.linkage = QCheckBox(self.tr("Linkage"), self)
        self.linkage.setToolTip(self.tr("Put the cameras that see a case on the wall when it is selected or turns red"))
        self.linkage.setChecked(self.state.linkage())
        self.linkage.toggled.connect(self.state.set_linkage)
        self.detach_btn = QPushButton(self.tr("Detach to window"), self)
        self.detach_btn.setCheckable(True)
        self.detach_btn.toggled.connect(self.detach)
        self.toolbar.addWidget(QLabel(self.tr("Layout"), self))
        self.toolbar.addWidget(self.layout_box)
        self.toolbar.addWidget(self.tour_controls, 1)
        self.toolbar.addWidget(self.linkage)
        self.toolbar.addWidget(self.detach_btn)

    # ------------------------------------------------------------------ cameras
    def set_cameras(self, cameras: list[dict]) -> None:
        self.cameras = {str(c["id"]): c for c in cameras}
        self.browser.set_cameras(cameras)
        for i, t in enumerate(self.tiles):
            t.set_camera(self.cameras.get(self.assign[i]) if self.assign[i] else None)
        self.sync_players()

    def load(self) -> None:
        """Cameras and region names from the server (worker thread)."""
        run_async(self.client.cameras, self.set_cameras, lambda e: self.message.emit(str(e)))
        run_async(self.client.regions, lambda tree: self.browser.set_regions(region_names(tree)),
                  lambda e: None)

    def camera_changed(self, cam: dict) -> None:
        """A camera's record changed on the server (e.g. it went offline)."""
        cid = str(cam.get("id"))
        if cid in self.cameras:
            self.cameras[cid] = {**self.cameras[cid], **cam}
            self.browser.set_cameras(list(self.cameras.values()))
            for t in self.tiles:
                if t.camera and t.camera.get("id") == cid:
                    t.set_camera(self.cameras[cid])
            self.sync_players()

    # ------------------------------------------------------------------ layout
    def visible_count(self) -> int:
        return LAYOUTS[self.layout_key].tiles

    def set_layout(self, key: str) -> None:
        if key not in LAYOUTS or (key == self.layout_key and self.enlarged is None):
            return
        self.layout_key, self.enlarged = key, None
        i = list(LAYOUTS).index(key)
        if self.layout_box.currentIndex() != i:
            self.layout_box.setCurrentIndex(i)
        self._apply_layout()
        self._save()

    def _apply_layout(self) -> None:
        lay = LAYOUTS[self.layout_key]
        while self.grid.count():
            self.grid.takeAt(0)
        for r in range(4):
            self.grid.setRowStretch(r, 0)
            self.grid.setColumnStretch(r, 0)
        for t in self.tiles:
            t.hide()
        if self.enlarged is not None:
            t = self.tiles[self.enlarged]
            self.grid.addWidget(t, 0, 0)
            self.grid.setRowStretch(0, 1)
            self.grid.setColumnStretch(0, 1)
            t.show()
        else:
            for i, (r, c, rs, cs) in enumerate(lay.cells):
                self.grid.addWidget(self.tiles[i], r, c, rs, cs)
                self.tiles[i].show()
            for k in range(lay.grid):
                self.grid.setRowStretch(k, 1)
                self.grid.setColumnStretch(k, 1)
        for i, t in enumerate(self.tiles):
            t.set_camera(self.cameras.get(self.assign[i]) if self.assign[i] else None)
        self.sync_players()

    def toggle_enlarged(self, index: int) -> None:
        self.enlarged = None if self.enlarged is not None else index
        self._apply_layout()

    def _save(self) -> None:
        if not self.tours.running:  # a tour's pages are not the user's own arrangement
            self.state.save(self.layout_key, self.assign)

    # ------------------------------------------------------------------ putting cameras on tiles
    def put(self, index: int, camera_id: str | None) -> None:
        self.assign[index] = camera_id
        self.tiles[index].set_camera(self.cameras.get(camera_id) if camera_id else None)
        self._save()
        self.sync_players()

    def drop(self, index: int, camera_id: str, source: int) -> None:
        if camera_id not in self.cameras:
            self.message.emit(self.tr("Unknown camera %1").replace("%1", camera_id))
            return
        if 0 <= source < MAX_TILES and source != index:  # tile to tile: the two swap
            self.assign[source] = self.assign[index]
            self.tiles[source].set_camera(self.cameras.get(self.assign[source]) if self.assign[source] else None)
        self.put(index, camera_id)

    def put_first_free(self, camera_id: str) -> None:
        n = self.visible_count()
        free = next((i for i in range(n) if not self.assign[i]), n - 1)
        self.put(free, camera_id)

    def put_many(self, camera_ids: list[str]) -> None:
        """The cameras into the tiles from the first (the big tile of 1+5 and 1+7) on."""
        n = self.visible_count()
        for i in range(n):
            self.assign[i] = camera_ids[i] if i < len(camera_ids) else self.assign[i]
        self.enlarged = None
        self._apply_layout()
        self._save()

    # ------------------------------------------------------------------ playing
    def _sync_soon(self) -> None:
        QTimer.singleShot(0, self, self.sync_players)

    def tile_shown(self, t: VideoTile) -> bool:
        win = self.window()
        return t.isVisible() and not win.isMinimized() and not t.visibleRegion().isEmpty()

    def url_for(self, index: int) -> str | None:
        cam = self.tiles[index].camera or {}
        big = self.enlarged == index or (self.enlarged is None and LAYOUTS[self.layout_key].is_big(index))
        main, sub = cam.get("stream_url"), cam.get("sub_stream_url")
        return (main or sub) if big else (sub or main)

    def sync_players(self) -> None:
        for i, t in enumerate(self.tiles):
            cam = t.camera
            if cam is None:
                t.stream.stop()
                continue
            if not cam.get("online", True):
                if t.stream.state != State.CAMERA_OFFLINE:
                    t.stream.mark_camera_offline()
                    t.update()
                continue
            url = self.url_for(i)
            if url and self.tile_shown(t):
                t.stream.start(url)
            else:
                t.stream.stop()

    def decoding(self) -> int:
        """How many tiles decode now."""
        return sum(1 for t in self.tiles if t.stream.active)

    def stop_all(self) -> None:
        self.visibility.stop()
        for t in self.tiles:
            t.stream.stop()

    def hideEvent(self, e) -> None:  # noqa: N802, ANN001
        super().hideEvent(e)
        self.sync_players()

    def showEvent(self, e) -> None:  # noqa: N802, ANN001
        super().showEvent(e)
        self._sync_soon()

    def closeEvent(self, e) -> None:  # noqa: N802, ANN001
        self.stop_all()
        super().closeEvent(e)

    # ------------------------------------------------------------------ tours
    def _show_tour_page(self, cameras: list[str]) -> None:
        self.put_many(cameras)

    # ------------------------------------------------------------------ linkage (联动)
    def set_case(self, case: dict | None, red: bool = False) -> None:
        """The selected case (or one that just turned red): find the cameras that see it; with
        linkage on they go on the wall at once."""
        if case is None or case.get("lon") is None:
            self.case = case
            return
        self.case = case
        lon, lat = case["lon"], case["lat"]
        number = case.get("number") or str(case.get("id", ""))

        def done(res: tuple[list[dict], list[dict]]) -> None:
            items, nearest = res
            if self.case is not case:
                return
            self.seeing = items
            if items:
                title = self.tr("Cameras seeing %1: %2").replace("%1", number).replace("%2", str(len(items)))
            else:  # none looks at the place: the nearest ones, to turn or to watch the way there
                title = self.tr("No camera sees %1; the nearest:").replace("%1", number)
            self.browser.set_seeing(title, [self.cameras.get(str(c["id"]), {}) | c for c in items or nearest])
            if self.linkage.isChecked() and items:
                self.link_case()
                if red:
                    self.message.emit(self.tr("Case %1 turned red: its cameras are on the wall").replace("%1", number))

        def failed(e: Exception) -> None:  # the list says so; the server's words go to the log
            log.warning("cameras seeing case %s: %s", number, e)
            if self.case is case:
                self.seeing = []
                self.browser.set_seeing(self.tr("Cameras seeing %1: the server did not answer").replace("%1", number), [])

        def work() -> tuple[list[dict], list[dict]]:
            seeing = self.client.seeing_cameras(lon, lat, n=self.visible_count())
            return seeing, ([] if seeing else self.client.nearest_cameras(lon, lat, n=self.visible_count()))

        run_async(work, done, failed, owner=self)

    def link_case(self) -> None:
        """The listed cameras (those seeing the case, else the nearest) onto the wall."""
        ids = [str(c["id"]) for c in self.seeing] or self.browser.seeing_ids()
        if ids:
            if self.tours.running:
                self.tours.stop()
            self.put_many(ids)

    # ------------------------------------------------------------------ tile menu
    def _tile_action(self, index: int, action: str) -> None:
        from . import tile_actions
        tile_actions.run(self, index, action)

    # ------------------------------------------------------------------ second screen
    def detach(self, on: bool) -> None:
        """Float the dock full-size on another screen (the first other one), or dock it back."""
        dock = self.parentWidget()
        while dock is not None and not isinstance(dock, QDockWidget):
            dock = dock.parentWidget()
        if dock is None:
            return
        if not on:
            dock.setFloating(False)
            return
        dock.setFloating(True)
        screens = QGuiApplication.screens()
        here = dock.screen()
        target = next((s for s in screens if s is not here), here) if screens else None
        if target is not None:
            dock.setGeometry(target.availableGeometry())
        dock.show()
        dock.raise_()
