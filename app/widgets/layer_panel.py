"""The layer panel: visibility, order (drag), opacity, and style presets where a layer has them."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFormLayout, QLabel, QListWidget, QListWidgetItem,
                               QSlider, QVBoxLayout, QWidget)

from app.layers import Layer
from app.map.canvas import MapCanvas
from app.widgets.theme import set_ink


class LayerPanel(QWidget):
    def __init__(self, canvas: MapCanvas, parent: QWidget | None = None):
        super().__init__(parent)
        self.canvas = canvas
        self.list = QListWidget()
        self.list.setDragDropMode(QAbstractItemView.InternalMove)
        self.list.itemChanged.connect(self._item_changed)
        self.list.currentItemChanged.connect(self._current_changed)
        self.list.model().rowsMoved.connect(self._rows_moved)
        self.opacity = QSlider(Qt.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.valueChanged.connect(self._opacity_changed)
        self.preset = QComboBox()
        self.preset.activated.connect(self._preset_chosen)
        form = QFormLayout()
        form.addRow(self.tr("Opacity"), self.opacity)
        form.addRow(self.tr("Style"), self.preset)
        hint = QLabel(self.tr("Tick to show, drag to reorder (top is drawn last)."))
        hint.setWordWrap(True)
        set_ink(hint, "muted")
        lay = QVBoxLayout(self)
        lay.addWidget(self.list, 1)
        lay.addLayout(form)
        lay.addWidget(hint)
        canvas.layersChanged.connect(self.rebuild)
        self._watched: set[str] = set()
        self.rebuild()

    def _layer_of(self, item: QListWidgetItem | None) -> Layer | None:
        if item is None:
            return None
        uid = item.data(Qt.UserRole)
        return next((lyr for lyr in self.canvas.layers() if lyr.uid == uid), None)

    def rebuild(self) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for layer in reversed(self.canvas.layers()):  # the top of the list is drawn last
            it = QListWidgetItem(layer.name)
            it.setData(Qt.UserRole, layer.uid)
            it.setFlags(it.flags() | Qt.ItemIsUserCheckable | Qt.ItemIsDragEnabled)
            it.setCheckState(Qt.Checked if layer.visible else Qt.Unchecked)
            self.list.addItem(it)
            if layer.uid not in self._watched:
                self._watched.add(layer.uid)
                layer.changed.connect(self._layer_changed)
        self.list.blockSignals(False)

    def _layer_changed(self, layer: Layer, what: str) -> None:
        """Visibility changed elsewhere (e.g. the basemap fallback): tick the box to match."""
        if what == "visibility":  # may come from any thread: update the list on the UI thread
            QTimer.singleShot(0, self, self._sync_checks)

    def _sync_checks(self) -> None:
        self.list.blockSignals(True)
        for i in range(self.list.count()):
            it = self.list.item(i)
            layer = self._layer_of(it)
            if layer is not None:
                it.setCheckState(Qt.Checked if layer.visible else Qt.Unchecked)
        self.list.blockSignals(False)

    def _item_changed(self, item: QListWidgetItem) -> None:
        layer = self._layer_of(item)
        if layer is not None:
            layer.visible = item.checkState() == Qt.Checked

    def _current_changed(self, item: QListWidgetItem | None, _prev=None) -> None:  # noqa: ANN001
        layer = self._layer_of(item)
        self.opacity.setEnabled(layer is not None)
        self.preset.clear()
        if layer is None:
            return
        self.opacity.blockSignals(True)
        self.opacity.setValue(round(layer.opacity * 100))
        self.opacity.blockSignals(False)
        presets = getattr(layer, "presets", None)
        names = list(presets().keys()) if callable(presets) else []
        self.preset.setEnabled(bool(names))
        self.preset.addItems(names)

    def _opacity_changed(self, value: int) -> None:
        layer = self._layer_of(self.list.currentItem())
        if layer is not None:
            layer.opacity = value / 100.0

    def _preset_chosen(self, index: int) -> None:
        layer = self._layer_of(self.list.currentItem())
        if layer is not None and hasattr(layer, "apply_preset"):
            layer.apply_preset(self.preset.itemText(index))

    def _rows_moved(self, *args) -> None:  # noqa: ANN002
        order = [self._layer_of(self.list.item(i)) for i in range(self.list.count())]
        for index, layer in enumerate(reversed([lyr for lyr in order if lyr is not None])):
            self.canvas.move_layer(layer, index)
