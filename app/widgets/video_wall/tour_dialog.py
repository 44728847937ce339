"""Edit the saved tours: name, dwell time and cameras, picked by hand or all of a unit grid, a
responsibility grid, a community or a street."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLineEdit,
                               QListWidget, QListWidgetItem, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from app.api.worker import run_async
from app.video import groups
from app.video.tours import DEFAULT_DWELL_S, MIN_DWELL_S, Tour

if TYPE_CHECKING:
    from .wall import VideoWall


class TourDialog(QDialog):
    def __init__(self, wall: "VideoWall", tours: list[Tour], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Tours (轮巡)"))
        self.wall = wall
        self.tours = [Tour(t.name, list(t.cameras), t.dwell_s) for t in tours]
        self.responsibility: list[dict] = []
        self.list = QListWidget(self)
        self.add_btn = QPushButton(self.tr("New"), self)
        self.del_btn = QPushButton(self.tr("Delete"), self)
        self.name = QLineEdit(self)
        self.dwell = QSpinBox(self)
        self.dwell.setRange(MIN_DWELL_S, 3600)
        self.dwell.setSuffix(self.tr(" s"))
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText(self.tr("Filter cameras (name, street, grid, pinyin initials)"))
        self.cams = QListWidget(self)
        self.group_kind = QComboBox(self)
        for kind, label in zip(groups.KINDS, (self.tr("Unit grid"), self.tr("Responsibility grid"),
                                              self.tr("Community"), self.tr("Street"))):
            self.group_kind.addItem(label, kind)
        self.group = QComboBox(self)
        self.group.setMinimumContentsLength(16)
        self.group_add = QPushButton(self.tr("Add all its cameras"), self)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        left = QVBoxLayout()
        left.addWidget(self.list)
        row = QHBoxLayout()
        row.addWidget(self.add_btn)
        row.addWidget(self.del_btn)
        left.addLayout(row)
        form = QFormLayout()
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Dwell"), self.dwell)
        grp = QHBoxLayout()
        grp.addWidget(self.group_kind)
        grp.addWidget(self.group, 1)
        grp.addWidget(self.group_add)
        form.addRow(self.tr("All cameras of"), grp)
        form.addRow(self.tr("Cameras"), self.filter)
        form.addRow("", self.cams)
        main = QHBoxLayout()
        main.addLayout(left, 1)
        main.addLayout(form, 3)
        lay = QVBoxLayout(self)
        lay.addLayout(main)
        lay.addWidget(buttons)

        for cid, c in sorted(wall.cameras.items(), key=lambda kv: kv[1].get("name") or kv[0]):
            it = QListWidgetItem(wall.browser.label(c))
            it.setData(Qt.UserRole, cid)
            it.setFlags(it.flags() | Qt.ItemIsUserCheckable)
            it.setCheckState(Qt.Unchecked)
            self.cams.addItem(it)
        self.add_btn.clicked.connect(self.new_tour)
        self.del_btn.clicked.connect(self.delete_tour)
        self.list.currentRowChanged.connect(self._show)
        self.name.textEdited.connect(self._store)
        self.dwell.valueChanged.connect(self._store)
        self.cams.itemChanged.connect(self._store)
        self.filter.textChanged.connect(self._filter)
        self.group_kind.currentIndexChanged.connect(self._fill_groups)
        self.group_add.clicked.connect(self.add_group)
        self._loading = False
        for t in self.tours:
            self.list.addItem(t.name)
        if self.tours:
            self.list.setCurrentRow(0)
        self._show(self.list.currentRow())
        self._fill_groups()
        run_async(wall.client.responsibility_grids, self._responsibility, lambda e: None, owner=self)
        self.resize(820, 560)

    def _responsibility(self, items: list[dict]) -> None:
        self.responsibility = items
        self._fill_groups()

    def current(self) -> Tour | None:
        i = self.list.currentRow()
        return self.tours[i] if 0 <= i < len(self.tours) else None

    def new_tour(self) -> None:
        self.tours.append(Tour(self.tr("Tour %1").replace("%1", str(len(self.tours) + 1)), [], DEFAULT_DWELL_S))
        self.list.addItem(self.tours[-1].name)
        self.list.setCurrentRow(len(self.tours) - 1)

    def delete_tour(self) -> None:
        i = self.list.currentRow()
        if 0 <= i < len(self.tours):
            del self.tours[i]
            self.list.takeItem(i)

    def _show(self, _row: int) -> None:
        t = self.current()
        self._loading = True
        for w in (self.name, self.dwell, self.cams, self.group_add):
            w.setEnabled(t is not None)
        self.name.setText(t.name if t else "")
        self.dwell.setValue(t.dwell_s if t else DEFAULT_DWELL_S)
        chosen = set(t.cameras) if t else set()
        for i in range(self.cams.count()):
            it = self.cams.item(i)
            it.setCheckState(Qt.Checked if it.data(Qt.UserRole) in chosen else Qt.Unchecked)
        self._loading = False

    def _store(self, *_a) -> None:  # noqa: ANN002
        t = self.current()
        if t is None or self._loading:
            return
        t.name = self.name.text().strip() or t.name
        t.dwell_s = self.dwell.value()
        checked = {self.cams.item(i).data(Qt.UserRole) for i in range(self.cams.count())
                   if self.cams.item(i).checkState() == Qt.Checked}
        t.cameras = [c for c in t.cameras if c in checked] + sorted(checked - set(t.cameras))
        self.list.item(self.list.currentRow()).setText(t.name)

    def _filter(self, text: str) -> None:
        from .camera_list import search_key
        q = text.strip().lower()
        for i in range(self.cams.count()):
            it = self.cams.item(i)
            cam = self.wall.cameras.get(it.data(Qt.UserRole), {})
            it.setHidden(bool(q) and q not in search_key(cam, self.wall.browser.names))

    def _fill_groups(self) -> None:
        kind = self.group_kind.currentData()
        self.group.clear()
        for code, label in groups.options(kind, list(self.wall.cameras.values()), self.wall.browser.names,
                                          self.responsibility):
            self.group.addItem(label, code)

    def add_group(self) -> None:
        t = self.current()
        code = self.group.currentData()
        if t is None or code is None:
            return
        ids = groups.members(self.group_kind.currentData(), code, list(self.wall.cameras.values()),
                             self.responsibility)
        t.cameras += [c for c in ids if c not in t.cameras]
        self._show(self.list.currentRow())
