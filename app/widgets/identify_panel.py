"""What the identify tool found: one section per feature with its properties."""
from __future__ import annotations

from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from app.layers import Feature

HIDDEN = {"geometry", "x", "y"}


class IdentifyPanel(QTreeWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setColumnCount(2)
        self.setHeaderLabels([self.tr("Field"), self.tr("Value")])
        self.setAlternatingRowColors(True)

    def show_features(self, features: list[Feature]) -> None:
        self.clear()
        if not features:
            QTreeWidgetItem(self, [self.tr("Nothing here"), ""])
            return
        for f in features:
            top = QTreeWidgetItem(self, [f.layer, str(f.id)])
            for k, v in sorted((f.properties or {}).items()):
                if k in HIDDEN or v is None or isinstance(v, (dict, list)):
                    continue
                QTreeWidgetItem(top, [str(k), str(v)])
            top.setExpanded(True)
        self.resizeColumnToContents(0)
