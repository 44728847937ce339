"""Picks a case class (minor class, 小类) from the server's classification: a major-class filter and a
search box that matches Chinese text, the 4-digit code or the pinyin initials ("wsjg" → 污水井盖)."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLineEdit, QListWidget, QListWidgetItem, QSizePolicy,
                               QVBoxLayout, QWidget)



def class_text(c: dict) -> str:
    return f"{c['code']} {c['name']}"


def matches(c: dict, needle: str) -> bool:
    n = needle.strip().lower()
    if not n:
        return True
    return (n in c["name"].lower() or c["code"].startswith(n) or c.get("pinyin_initials", "").lower().startswith(n)
            or n in c.get("pinyin", "").lower() or n in c.get("major_name", "").lower()
            or n in c.get("name_en", "").lower())


class ClassPicker(QWidget):
    classChanged = Signal(dict)  # the chosen class as classes() returned it

    def __init__(self, parent: QWidget | None = None, rows: int = 5):
        super().__init__(parent)
        self._classes: list[dict] = []
        self._current: dict | None = None
        self.major = QComboBox(self)
        self.major.setAccessibleName(self.tr("Major class"))
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search: 中文, code or pinyin initials"))
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.list.setMaximumHeight(rows * 20 + 6)
        self.major.currentIndexChanged.connect(self._fill)
        self.search.textChanged.connect(self._fill)
        self.search.returnPressed.connect(self._take_first)
        self.list.currentItemChanged.connect(self._picked)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.major, 2)
        top.addWidget(self.search, 3)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(top)
        lay.addWidget(self.list)
        self.setFocusProxy(self.search)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Maximum)

    def set_classes(self, classes: list[dict]) -> None:
        self._classes = list(classes)
        self.major.blockSignals(True)
        self.major.clear()
        self.major.addItem(self.tr("All classes"), None)
        seen = set()
        for c in self._classes:
            key = (c["kind"], c["major_code"])
            if key in seen:
                continue
            seen.add(key)
            kind = self.kind_label(c["kind"])
            self.major.addItem(f"{kind} {c['major_code']} {c['major_name']}", key)
        self.major.blockSignals(False)
        self._fill()

    def kind_label(self, kind: str) -> str:
        return self.tr("Event") if kind == "event" else self.tr("Component") if kind == "component" else kind

    def _visible(self) -> list[dict]:
        key = self.major.currentData()
        text = self.search.text()
        return [c for c in self._classes
                if (key is None or (c["kind"], c["major_code"]) == tuple(key)) and matches(c, text)]

    def _fill(self, *_: object) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for c in self._visible():
            kind = self.kind_label(c["kind"])
            it = QListWidgetItem(f"{class_text(c)}  ·  {kind} / {c['major_name']}")
            it.setData(Qt.UserRole, c)
            self.list.addItem(it)
            if self._current and (c["kind"], c["code"]) == (self._current["kind"], self._current["code"]):
                self.list.setCurrentItem(it)
        self.list.blockSignals(False)

    def _take_first(self) -> None:
        if self.list.count():
            self.list.setCurrentRow(0)

    def _picked(self, item: QListWidgetItem | None, _prev: QListWidgetItem | None = None) -> None:
        if item is None:
            return
        c = item.data(Qt.UserRole)
        if self._current and (c["kind"], c["code"]) == (self._current["kind"], self._current["code"]):
            return
        self._current = c
        self.classChanged.emit(c)

    def set_current(self, kind: str | None, code: str | None, emit: bool = False) -> None:
        self._current = next((c for c in self._classes if c["kind"] == kind and c["code"] == code), None)
        self.blockSignals(not emit)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._fill()
        self.blockSignals(False)
        if emit and self._current:
            self.classChanged.emit(self._current)

    def choose(self, text: str) -> dict | None:
        """Types `text` into the search and takes the first match (keyboard use, tests)."""
        self.search.setText(text)
        self._take_first()
        return self._current

    def current(self) -> dict | None:
        return self._current
