"""Identify: click -> the features under the cursor from every layer (grid, component, case, ...).

Drags still pan. ``identified`` carries a list of app.layers.base.Feature (top layer first); the
features are also highlighted in ``selection_layer`` when one is given.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal

from .pan import PanTool


class IdentifyTool(PanTool):
    name = "identify"
    cursor = Qt.CursorShape.PointingHandCursor
    identified = Signal(object)  # list[Feature]

    def __init__(self, canvas, selection_layer=None, tolerance_px: float | None = None, layers=None):
        super().__init__(canvas)
        self.selection_layer = selection_layer
        self.tolerance_px = tolerance_px
        self.layers = layers  # None = all layers
        self.last: list = []

    def identify(self, px: float, py: float) -> list:
        feats = self.canvas.identify_at(px, py, self.tolerance_px, self.layers)
        self.last = feats
        if self.selection_layer is not None:
            self.selection_layer.set_features(feats[:1], self.canvas.crs)
        self.identified.emit(feats)
        return feats

    def click(self, pos, e) -> None:
        self.identify(pos.x(), pos.y())
