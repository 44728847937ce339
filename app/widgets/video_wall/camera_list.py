"""The wall's camera lists: every camera, searchable by name, street, community, grid code and
pinyin initials (`zxjd` → 中心街道), and the cameras that see the selected case. Both lists are drag
sources for the tiles."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout,
                               QWidget)

from app.search_index import initials

from .tile import camera_mime


def region_names(tree: list[dict]) -> dict[str, str]:
    """code → name for every street and community of the region tree."""
    out: dict[str, str] = {}
    stack = list(tree)
    while stack:
        n = stack.pop()
        out[str(n.get("code"))] = n.get("name") or ""
        stack.extend(n.get("children") or [])
    return out


def street_of(camera: dict, names: dict[str, str]) -> str:
    g = camera.get("grid_code") or ""
    return names.get(g[:9], "") if len(g) >= 9 else ""


def community_of(camera: dict, names: dict[str, str]) -> str:
    g = camera.get("grid_code") or ""
    return names.get(g[:12], "") if len(g) >= 12 else ""


def search_key(camera: dict, names: dict[str, str]) -> str:
    """One lower-case string a query is looked for in: names, their pinyin initials, codes."""
    words = [camera.get("name") or "", street_of(camera, names), community_of(camera, names)]
    parts = [w.lower() for w in words if w] + [initials(w) for w in words if w]
    parts += [camera.get("grid_code") or "", str(camera.get("id") or "")]
    return " ".join(parts)


class CameraList(QListWidget):
    """A list whose items drag as cameras (their id in Qt.UserRole)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setDragEnabled(True)
        self.setSelectionMode(QListWidget.ExtendedSelection)

    def mimeData(self, items) -> object:  # noqa: N802, ANN001 - the first item's camera
        return camera_mime(items[0].data(Qt.UserRole)) if items else super().mimeData(items)

    def mimeTypes(self) -> list[str]:  # noqa: N802
        from .tile import CAMERA_MIME
        return [CAMERA_MIME]


class CameraBrowser(QWidget):
    """Search box and list of all cameras; under it the cameras seeing the selected case."""

    cameraActivated = Signal(str)  # double-click: to the first free tile
    linkRequested = Signal()  # "put them on the wall"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.names: dict[str, str] = {}
        self.cameras: dict[str, dict] = {}
        self._keys: dict[str, str] = {}
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Camera: name, street, grid, pinyin initials"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.filter)
        self.all = CameraList(self)
        self.all.itemDoubleClicked.connect(lambda it: self.cameraActivated.emit(it.data(Qt.UserRole)))
        self.case_label = QLabel(self.tr("Cameras seeing the selected case"), self)
        self.case_label.setWordWrap(True)
        self.seeing = CameraList(self)
        self.seeing.itemDoubleClicked.connect(lambda it: self.cameraActivated.emit(it.data(Qt.UserRole)))
        self.link_btn = QPushButton(self.tr("Put them on the wall"), self)
        self.link_btn.clicked.connect(self.linkRequested)
        self.link_btn.setEnabled(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.search)
        lay.addWidget(self.all, 3)
        lay.addWidget(self.case_label)
        lay.addWidget(self.seeing, 1)
        lay.addWidget(self.link_btn)

    def set_regions(self, names: dict[str, str]) -> None:
        self.names = names
        self.set_cameras(list(self.cameras.values()))

    def label(self, c: dict) -> str:
        street = street_of(c, self.names)
        state = "" if c.get("online", True) else self.tr(" (offline)")
        return f"{c.get('name') or c['id']}{state}" + (f"  ·  {street}" if street else "")

    def set_cameras(self, cameras: list[dict]) -> None:
        self.cameras = {str(c["id"]): c for c in cameras}
        self._keys = {cid: search_key(c, self.names) for cid, c in self.cameras.items()}
        self.all.clear()
        for cid, c in sorted(self.cameras.items(), key=lambda kv: kv[1].get("name") or kv[0]):
            it = QListWidgetItem(self.label(c))
            it.setData(Qt.UserRole, cid)
            it.setToolTip(f"{c.get('name', '')}\n{cid}\n{c.get('grid_code') or ''}")
            self.all.addItem(it)
        self.filter(self.search.text())

    def filter(self, text: str) -> int:
        """Shows the cameras matching the text; returns how many."""
        q = text.strip().lower()
        shown = 0
        for i in range(self.all.count()):
            it = self.all.item(i)
            hit = not q or q in self._keys.get(it.data(Qt.UserRole), "")
            it.setHidden(not hit)
            shown += hit
        return shown

    def visible_ids(self) -> list[str]:
        return [self.all.item(i).data(Qt.UserRole) for i in range(self.all.count()) if not self.all.item(i).isHidden()]

    def set_seeing(self, title: str, cameras: list[dict]) -> None:
        self.case_label.setText(title)
        self.seeing.clear()
        for c in cameras:
            d = c.get("distance_m")
            it = QListWidgetItem(self.label(c) + (f"  ·  {d:.0f} m" if d is not None else ""))
            it.setData(Qt.UserRole, str(c["id"]))
            self.seeing.addItem(it)
        self.link_btn.setEnabled(bool(cameras))

    def seeing_ids(self) -> list[str]:
        return [self.seeing.item(i).data(Qt.UserRole) for i in range(self.seeing.count())]
