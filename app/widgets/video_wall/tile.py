"""One tile of the video wall: the camera's picture, an overlay (name, status, the stream's own time)
and a small menu. The tile paints what its VideoStream hands it; the wall decides what it plays."""
from __future__ import annotations

import json

from PySide6.QtCore import QByteArray, QMimeData, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QColor, QDrag, QFont, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from app.api.city_config import city_tz
from app.video.player import Frame, State, VideoStream

CAMERA_MIME = "application/x-occ-camera"  # JSON {"id": camera id, "tile": source tile index or -1}

STATUS_COLOURS = {State.PLAYING: "#2e7d32", State.OFFLINE: "#c62828", State.RECONNECTING: "#ef6c00",
                  State.CONNECTING: "#546e7a", State.CAMERA_OFFLINE: "#c62828", State.IDLE: "#546e7a"}


def camera_mime(camera_id: str, tile: int = -1) -> QMimeData:
    md = QMimeData()
    md.setData(CAMERA_MIME, QByteArray(json.dumps({"id": camera_id, "tile": tile}).encode()))
    md.setText(camera_id)
    return md


def read_camera_mime(md: QMimeData) -> tuple[str, int] | None:
    if not md.hasFormat(CAMERA_MIME):
        return None
    try:
        d = json.loads(bytes(md.data(CAMERA_MIME)).decode())
        return str(d["id"]), int(d.get("tile", -1))
    except (ValueError, KeyError, TypeError):
        return None


class VideoTile(QWidget):
    cameraDropped = Signal(int, str, int)  # this tile, camera id, the tile it came from (-1: a list)
    doubleClicked = Signal(int)
    menuAction = Signal(int, str)  # this tile, "locate" | "snapshot" | "report" | "close"

    def __init__(self, index: int, parent: QWidget | None = None, stream: VideoStream | None = None):
        super().__init__(parent)
        self.index = index
        self.camera: dict | None = None
        self.stream = stream or VideoStream(self)
        self.stream.frameReady.connect(self._frame_ready)
        self.stream.stateChanged.connect(lambda _s: self.update())
        self.frame: Frame | None = None
        self._fresh = False
        self.shown = 0  # frames painted, for the benchmark and tests
        self.setAcceptDrops(True)
        self.setMinimumSize(80, 45)
        self.setAttribute(Qt.WA_OpaquePaintEvent)
        self._press: QPoint | None = None
        self.evidence_enabled = True
        self.report_enabled = True
        self._top_key: tuple | None = None
        self._top = QImage()
        self._time_key: tuple | None = None
        self._time = QImage()
        self._time_text: tuple[int, str] = (-1, "")

    # ------------------------------------------------------------------ content
    def set_camera(self, camera: dict | None) -> None:
        if (camera or {}).get("id") != (self.camera or {}).get("id"):
            self.frame = None
        self.camera = camera
        self.setToolTip((camera or {}).get("name", ""))
        self.update()

    def status_text(self) -> str:
        st = self.stream.state
        if self.camera is None:
            return ""
        return {State.PLAYING: self.tr("Online"), State.OFFLINE: self.tr("Offline"),
                State.RECONNECTING: self.tr("Reconnecting"), State.CONNECTING: self.tr("Connecting"),
                State.CAMERA_OFFLINE: self.tr("Offline (platform)"), State.IDLE: self.tr("Paused")}.get(st, st)

    def time_text(self) -> str:
        t = self.frame.stream_time if self.frame is not None else self.stream.last_time
        if t is None:
            return ""
        sec = int(t.timestamp())
        if self._time_text[0] != sec:  # formatted once a second, not 25 times
            self._time_text = (sec, t.astimezone(city_tz()).strftime("%Y-%m-%d %H:%M:%S"))
        return self._time_text[1]

    def _frame_ready(self) -> None:
        f = self.stream.take()
        if f is not None:
            self.frame, self._fresh = f, True
            self.update()

    def resizeEvent(self, e) -> None:  # noqa: N802, ANN001
        super().resizeEvent(e)
        dpr = self.devicePixelRatioF()
        self.stream.target = (max(16, int(self.width() * dpr)), max(16, int(self.height() * dpr)))

    # ------------------------------------------------------------------ painting
    def paintEvent(self, _e) -> None:  # noqa: N802, ANN001
        p = QPainter(self)
        r = self.rect()
        p.fillRect(r, QColor("#101418"))
        f = self.frame
        if f is not None:
            w, h = f.width, f.height
            img = QImage(f.buffer, w, h, f.stride, QImage.Format_RGB32)  # no copy: f lives meanwhile
            dpr = self.devicePixelRatioF()
            tw, th = w / dpr, h / dpr
            target = QRect(int((r.width() - tw) / 2), int((r.height() - th) / 2), int(tw), int(th))
            p.drawImage(target, img)
            if self._fresh:
                self.shown += 1
                self._fresh = False
        self._overlay(p, r)
        p.end()

    def _overlay(self, p: QPainter, r: QRect) -> None:
        """Name and status on top, the stream time at the bottom: drawn once into images and reused
        (text layout for 16 tiles 25 times a second would cost the UI thread more than the video)."""
        px = max(11, min(22, r.height() // 14))
        if self.camera is None:
            p.setFont(self._font(px))
            p.setPen(QColor("#90a4ae"))
            p.drawText(r, Qt.AlignCenter, self.tr("Drag a camera here"))
        else:
            status = self.status_text()
            key = (r.width(), px, self.camera.get("name") or self.camera.get("id", ""), status, self.stream.state)
            if self._top_key != key:
                self._top_key, self._top = key, self._top_band(*key)
            p.drawImage(0, 0, self._top)
            t = self.time_text()
            if t:
                if self._time_key != (t, px):
                    self._time_key, self._time = (t, px), self._text_band(t, px)
                p.drawImage(0, r.height() - self._time.height(), self._time)
            if self.stream.state in (State.OFFLINE, State.RECONNECTING, State.CAMERA_OFFLINE) and self.frame is None:
                p.setFont(self._font(px))
                p.setPen(QColor("#ef9a9a"))
                p.drawText(r, Qt.AlignCenter, status)
        p.setPen(QColor("#37474f"))
        p.drawRect(r.adjusted(0, 0, -1, -1))

    def _font(self, px: int) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(px)
        return font

    def _band_image(self, w: int, h: int) -> tuple[QImage, QPainter]:
        dpr = self.devicePixelRatioF()
        img = QImage(int(w * dpr), int(h * dpr), QImage.Format_ARGB32_Premultiplied)
        img.setDevicePixelRatio(dpr)
        img.fill(Qt.transparent)
        return img, QPainter(img)

    def _top_band(self, width: int, px: int, name: str, status: str, state: str) -> QImage:
        font = self._font(px)
        fm = QFontMetrics(font)
        band = fm.height() + 6
        img, p = self._band_image(width, band)
        p.setFont(font)
        p.fillRect(QRect(0, 0, width, band), QColor(0, 0, 0, 150))
        sw = fm.horizontalAdvance(status) + 12
        p.fillRect(QRect(width - sw - 4, 3, sw, band - 6), QColor(STATUS_COLOURS.get(state, "#546e7a")))
        p.setPen(QColor("white"))
        p.drawText(QRect(width - sw - 4, 0, sw, band), Qt.AlignCenter, status)
        shown = fm.elidedText(name, Qt.ElideRight, max(10, width - sw - 16))
        p.drawText(QRect(6, 0, width - sw - 12, band), Qt.AlignVCenter | Qt.AlignLeft, shown)
        p.end()
        return img

    def _text_band(self, text: str, px: int) -> QImage:
        font = self._font(px)
        fm = QFontMetrics(font)
        band, tw = fm.height() + 6, fm.horizontalAdvance(text) + 12
        img, p = self._band_image(tw, band)
        p.setFont(font)
        p.fillRect(QRect(0, 0, tw, band), QColor(0, 0, 0, 150))
        p.setPen(QColor("white"))
        p.drawText(QRect(6, 0, tw, band), Qt.AlignVCenter | Qt.AlignLeft, text)
        p.end()
        return img

    # ------------------------------------------------------------------ mouse, menu, drag and drop
    def mouseDoubleClickEvent(self, e) -> None:  # noqa: N802, ANN001
        self.doubleClicked.emit(self.index)

    def mousePressEvent(self, e) -> None:  # noqa: N802, ANN001
        self._press = e.position().toPoint() if e.button() == Qt.LeftButton else None
        super().mousePressEvent(e)

    def mouseMoveEvent(self, e) -> None:  # noqa: N802, ANN001
        if self._press is None or self.camera is None:
            return
        if (e.position().toPoint() - self._press).manhattanLength() < QApplication.startDragDistance():
            return
        self._press = None
        drag = QDrag(self)  # a tile's camera moves to another tile (the two swap)
        drag.setMimeData(camera_mime(self.camera["id"], self.index))
        drag.exec(Qt.MoveAction)

    def contextMenuEvent(self, e) -> None:  # noqa: N802, ANN001
        if self.camera is None:
            return
        menu = self.build_menu()
        menu.exec(e.globalPos())

    def build_menu(self) -> QMenu:
        menu = QMenu(self)
        menu.addAction(self.tr("Locate on map"), lambda: self.menuAction.emit(self.index, "locate"))
        snap = menu.addAction(self.tr("Snapshot to the selected case"), lambda: self.menuAction.emit(self.index, "snapshot"))
        snap.setEnabled(self.evidence_enabled and self.frame is not None)
        rep = menu.addAction(self.tr("Video patrol report…"), lambda: self.menuAction.emit(self.index, "report"))
        rep.setEnabled(self.report_enabled and self.frame is not None)
        menu.addAction(self.tr("Save snapshot as…"), lambda: self.menuAction.emit(self.index, "save"))
        menu.addSeparator()
        menu.addAction(self.tr("Close"), lambda: self.menuAction.emit(self.index, "close"))
        return menu

    def dragEnterEvent(self, e) -> None:  # noqa: N802, ANN001
        if read_camera_mime(e.mimeData()) is not None:
            e.acceptProposedAction()

    def dragMoveEvent(self, e) -> None:  # noqa: N802, ANN001
        if read_camera_mime(e.mimeData()) is not None:
            e.acceptProposedAction()

    def dropEvent(self, e) -> None:  # noqa: N802, ANN001
        got = read_camera_mime(e.mimeData())
        if got is not None:
            e.acceptProposedAction()
            self.cameraDropped.emit(self.index, got[0], got[1])
