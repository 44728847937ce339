"""The evaluation's map: cases of the period per unit grid (app.layers.choropleth) on a small canvas,
a class filter and the legend. The same counts can also be put on the main map as a layer."""
from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.layers.choropleth import ChoroplethLayer
from app.map.canvas import MapCanvas


class Legend(QWidget):
    """Swatches of the choropleth's classes with their count ranges."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.entries: list[tuple[QColor, str]] = []
        self.title = ""

    def set_entries(self, title: str, entries: list[tuple[QColor, str]]) -> None:
        self.title, self.entries = title, entries
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        fm = self.fontMetrics()
        return QSize(120, (len(self.entries) + 1) * (fm.height() + 4) + 6)

    def paintEvent(self, e) -> None:  # noqa: N802, ANN001
        p = QPainter(self)
        fm = self.fontMetrics()
        h = fm.height() + 4
        p.setPen(self.palette().windowText().color())
        p.drawText(QRectF(2, 2, self.width() - 4, h), Qt.AlignLeft | Qt.AlignVCenter, self.title)
        for i, (color, label) in enumerate(self.entries):
            y = 2 + (i + 1) * h
            p.setPen(QPen(QColor(90, 90, 110), 1))
            p.setBrush(QColor(color.red(), color.green(), color.blue()))
            p.drawRect(QRectF(4, y + 3, 22, h - 6))
            p.setPen(self.palette().windowText().color())
            p.drawText(QRectF(32, y, self.width() - 34, h), Qt.AlignLeft | Qt.AlignVCenter, label)
        p.end()


class EvaluationMap(QWidget):
    """classFilterChanged(kind, class_code) ('' for all); mainMapToggled(on)."""

    classFilterChanged = Signal(str, str)
    mainMapToggled = Signal(bool)

    def __init__(self, crs: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.layer: ChoroplethLayer | None = None
        self.canvas = MapCanvas(crs=crs, settle_ms=60)
        self.canvas.show_north_arrow = False
        self.canvas.show_attribution = False
        self.canvas.setMinimumSize(260, 200)
        self.classes = QComboBox()
        self.classes.addItem(self.tr("All classes"), "")
        self.classes.setMinimumContentsLength(12)
        self.classes.currentIndexChanged.connect(
            lambda _i: self.classFilterChanged.emit(*self.class_filter()))
        self.on_main = QCheckBox(self.tr("Show on the main map"))
        self.on_main.toggled.connect(self.mainMapToggled)
        self.total = QLabel()
        self.legend = Legend()
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Class:")))
        top.addWidget(self.classes, 1)
        top.addWidget(self.on_main)
        body = QHBoxLayout()
        body.addWidget(self.canvas, 1)
        side = QVBoxLayout()
        side.addWidget(self.legend)
        side.addWidget(self.total)
        side.addStretch(1)
        body.addLayout(side)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addLayout(body, 1)

    def image(self) -> QImage:
        """The map and its legend side by side (for the report), without the filter's widgets."""
        m, lg = self.canvas.grab(), self.legend.grab()
        img = QImage(m.width() + lg.width() + 8, max(m.height(), lg.height()), QImage.Format_ARGB32)
        img.fill(Qt.white)
        p = QPainter(img)
        p.drawPixmap(0, 0, m)
        p.drawPixmap(m.width() + 8, 0, lg)
        p.end()
        return img

    def class_filter(self) -> tuple[str, str]:
        """(kind, class code) chosen, ('', '') for all classes."""
        kind, _, code = (self.classes.currentData() or "").partition(":")
        return kind, code

    def set_grids(self, grids) -> None:  # noqa: ANN001 - an app.layers.UnitGridLayer
        """The city's unit grids (once loaded); the choropleth is drawn on their geometry."""
        if grids is None or self.layer is not None:
            return
        self.layer = ChoroplethLayer.from_grids(grids, name=self.tr("Cases per unit grid"))
        self.canvas.add_layer(self.layer, zoom=False)
        ext = self.layer.extent(self.canvas.crs)
        if ext:
            self.canvas.zoom_to_extent(ext, crs=self.canvas.crs)

    def set_classes(self, classes: list[dict]) -> None:
        """The period's classes for the filter (keeps the current choice when it is still there)."""
        current = self.classes.currentData()
        self.classes.blockSignals(True)
        self.classes.clear()
        self.classes.addItem(self.tr("All classes"), "")
        for c in sorted(classes, key=lambda r: -r["count"]):
            self.classes.addItem(f"{c['name']} ({c['count']})", f"{c['kind']}:{c['class_code']}")
        i = self.classes.findData(current)
        self.classes.setCurrentIndex(max(0, i))
        self.classes.blockSignals(False)

    def set_counts(self, answer: dict) -> None:
        counts = {g["code"]: g["count"] for g in answer.get("grids", [])}
        self.total.setText(self.tr("%1 cases in %2 grids").replace("%1", str(answer.get("total", 0)))
                           .replace("%2", str(len(counts))))
        if self.layer is None:
            return
        self.layer.set_counts(counts)
        entries = []
        for color, lo, hi in self.layer.legend():
            entries.append((color, str(lo) if hi == lo else f"{lo}–{hi}"))
        self.legend.set_entries(self.tr("Cases"), entries)
