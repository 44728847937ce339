"""Where a case is: the place editor of the accept and hotline forms.

Three ways in, one result: pick on the map (PlacePickTool: click, or drag the pin), search an
address (streets, communities, roads, places and POIs of the city, pinyin initials too, through the
map's own search index), or type coordinates ("115.85, 28.68"). The unit grid, street, community
and nearest components then fill in (client.grid_at / nearest_components off the UI thread). A form
starts with no place at all, never at 0,0."""
from __future__ import annotations

import re

from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (QComboBox, QCompleter, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout,
                               QWidget)

from app.api.client import ApiClient
from app.map.tools.pan import PanTool
from app.widgets.case_table import async_for
from app.widgets.theme import set_ink

LONLAT_CRS = "EPSG:4490"
COORDS = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[,，\s]\s*(-?\d+(?:\.\d+)?)\s*$")
SNAP_COMPONENT_M = 5.0  # a component this close is what the report is about (a cover under the pin)
PIN_GRAB_PX = 14.0


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """'115.85, 28.68' (lon, lat; a Chinese comma or a space works too) -> (lon, lat); None if not."""
    m = COORDS.match(text or "")
    if not m:
        return None
    lon, lat = float(m.group(1)), float(m.group(2))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return lon, lat


class PlacePickTool(PanTool):
    """Click to put the pin, drag the pin to move it; drags elsewhere pan. `picked(lon, lat)`."""

    name = "pick_place"
    cursor = Qt.CursorShape.CrossCursor
    picked = Signal(float, float)

    def __init__(self, canvas):  # noqa: ANN001
        super().__init__(canvas)
        self.pin: tuple[float, float] | None = None  # map CRS
        self._moving = False

    def set_pin_lonlat(self, lon: float | None, lat: float | None) -> None:
        from app.map.crs import transform_xy
        if lon is None or lat is None:
            self.pin = None
        else:
            x, y = transform_xy([lon], [lat], LONLAT_CRS, self.canvas.crs)
            self.pin = (float(x[0]), float(y[0]))
        self.canvas.update()

    def _near_pin(self, pos: QPointF) -> bool:
        if self.pin is None:
            return False
        px, py = self.canvas.map_to_pixel(*self.pin)
        return abs(px - pos.x()) + abs(py - pos.y()) <= PIN_GRAB_PX

    def mouse_press(self, e) -> bool:  # noqa: ANN001
        if e.button() == Qt.MouseButton.LeftButton and self._near_pin(e.position()):
            self._moving = True
            return True
        return super().mouse_press(e)

    def mouse_move(self, e) -> bool:  # noqa: ANN001
        if self._moving:
            self.pin = self.canvas.pixel_to_map(e.position().x(), e.position().y())
            self.canvas.update()
            return True
        return super().mouse_move(e)

    def mouse_release(self, e) -> bool:  # noqa: ANN001
        if self._moving:
            self._moving = False
            self._emit(e.position())
            return True
        return super().mouse_release(e)

    def click(self, pos: QPointF, e) -> None:  # noqa: ANN001
        self._emit(pos)

    def _emit(self, pos: QPointF) -> None:
        from app.map.crs import transform_xy
        self.pin = self.canvas.pixel_to_map(pos.x(), pos.y())
        lon, lat = transform_xy([self.pin[0]], [self.pin[1]], self.canvas.crs, LONLAT_CRS)
        self.canvas.update()
        self.picked.emit(float(lon[0]), float(lat[0]))

    def paint(self, painter: QPainter) -> None:
        super().paint(painter)
        if self.pin is None:
            return
        x, y = self.canvas.map_to_pixel(*self.pin)
        path = QPainterPath()  # a map pin with its tip on the place
        path.moveTo(x, y)
        path.cubicTo(x - 4, y - 10, x - 11, y - 14, x - 11, y - 22)
        path.arcTo(x - 11, y - 33, 22, 22, 180, -180)
        path.cubicTo(x + 11, y - 14, x + 4, y - 10, x, y)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(QColor(255, 255, 255), 2))
        painter.setBrush(QColor(25, 103, 210))
        painter.drawPath(path)
        painter.setBrush(QColor(255, 255, 255))
        painter.drawEllipse(QPointF(x, y - 22), 4, 4)
        painter.restore()


class PlaceEditor(QWidget):
    """The place of a report. `pickRequested` asks the main window to put PlacePickTool on the map
    (the window answers with `set_point`); `placeChanged(lon, lat)` after every change."""

    pickRequested = Signal(object)  # self
    placeChanged = Signal(float, float)

    def __init__(self, client: ApiClient, parent: QWidget | None = None, components: bool = True,
                 data=None):  # noqa: ANN001 - data: CityData (its search index), optional
        super().__init__(parent)
        self.client = client
        self.data = data
        self._point: tuple[float, float] | None = None
        self._component_id: str | None = None
        self.grid: dict | None = None
        self._seq = 0
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search an address, road, place or community (pinyin initials too)"))
        self.search.setClearButtonEnabled(True)
        self._completer = QCompleter([], self)
        self._completer.setCaseSensitivity(Qt.CaseInsensitive)
        self._completer.setFilterMode(Qt.MatchContains)
        self._completer.activated.connect(self._search_go)
        self.search.setCompleter(self._completer)
        self.search.textEdited.connect(self._suggest)
        self.search.returnPressed.connect(lambda: self._search_go(self.search.text()))
        self._hits: dict = {}
        self.pick_btn = QPushButton(self.tr("Pick on map"), self)
        self.pick_btn.setToolTip(self.tr("Click the place on the map, or drag the pin"))
        self.pick_btn.setCheckable(True)
        self.pick_btn.toggled.connect(lambda on: self.pickRequested.emit(self) if on else None)
        self.coords = QLineEdit(self)
        self.coords.setPlaceholderText(self.tr("or longitude, latitude, e.g. 115.8505, 28.6805"))
        self.coords.editingFinished.connect(self._coords_typed)
        self.place = QLabel(self.tr("No place chosen yet"), self)
        self.place.setWordWrap(True)
        self.component = QComboBox(self) if components else None
        self._timer = QTimer(self, singleShot=True, interval=150)
        self._timer.timeout.connect(self._lookup)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        row = QHBoxLayout()
        row.addWidget(self.search, 1)
        row.addWidget(self.pick_btn)
        lay.addLayout(row)
        lay.addWidget(self.coords)
        lay.addWidget(self.place)
        if self.component is not None:
            lay.addWidget(self.component)
            self.component.addItem(self.tr("No component linked"), None)

    # ------------------------------------------------------------------ the value
    def set_point(self, lon: float, lat: float, component_id: str | None = None, lookup: bool = True) -> None:
        self._component_id = component_id
        self._point = (float(lon), float(lat))
        self.coords.setText(f"{lon:.6f}, {lat:.6f}")
        set_ink(self.coords, None)
        self.placeChanged.emit(float(lon), float(lat))
        if lookup:
            self._timer.start(0)

    def clear(self) -> None:
        self._point, self.grid, self._component_id = None, None, None
        self.coords.clear()
        self.search.clear()
        self.place.setText(self.tr("No place chosen yet"))
        if self.component is not None:
            self.component.clear()
            self.component.addItem(self.tr("No component linked"), None)

    def point(self) -> tuple[float, float] | None:
        return self._point

    def component_id(self) -> str | None:
        return self.component.currentData() if self.component is not None else None

    # ------------------------------------------------------------------ ways in
    def _coords_typed(self) -> None:
        text = self.coords.text().strip()
        if not text:
            return
        got = parse_coordinates(text)
        if got is None:
            set_ink(self.coords, "error")
            self.place.setText(self.tr("Not coordinates: type longitude, latitude in degrees, e.g. 115.8505, 28.6805"))
            return
        if self._point is None or abs(got[0] - self._point[0]) > 1e-9 or abs(got[1] - self._point[1]) > 1e-9:
            self.set_point(*got)

    def _suggest(self, text: str) -> None:
        if self.data is None:
            return
        hits = [h for h in self.data.find(text) if h.kind != "case"]
        self._hits = {h.label: h for h in hits}
        self._completer.model().setStringList(list(self._hits))

    def _search_go(self, text: str) -> None:
        if self.data is None:
            return
        hit = self._hits.get(text) or next((h for h in self.data.find(text) if h.kind != "case"), None)
        if hit is None:
            self.place.setText(self.tr("Nothing found for “%1”").replace("%1", text))
            return
        from app.map.crs import transform_xy
        lon, lat = transform_xy([hit.x], [hit.y], self.data.crs, LONLAT_CRS)
        self.set_point(float(lon[0]), float(lat[0]))

    # ------------------------------------------------------------------ what is there
    def _lookup(self) -> None:
        if self._point is None:
            return
        self._seq += 1
        seq = self._seq
        lon, lat = self._point
        want_comp = self.component is not None

        def work() -> tuple[dict | None, list[dict]]:
            grid = self.client.grid_at(lon, lat)
            comps = self.client.nearest_components(lon, lat, 5) if want_comp else []
            return grid, comps

        def done(res: tuple[dict | None, list[dict]]) -> None:
            if seq != self._seq:
                return  # the point moved meanwhile
            grid, comps = res
            self.grid = grid
            if grid:
                self.place.setText(self.tr("Grid {grid} · {street} · {community}")
                                   .replace("{grid}", grid["code"])
                                   .replace("{street}", grid["street"].get("name") or grid["street_code"])
                                   .replace("{community}", grid["community"].get("name") or grid["community_code"]))
            else:
                self.place.setText(self.tr("Outside every unit grid of the city: choose a place inside the city"))
            if self.component is not None:
                self._fill_components(comps)

        def failed(e: Exception) -> None:
            if seq == self._seq:
                self.place.setText(self.tr("Grid lookup failed: {msg}").replace("{msg}", str(e)))

        async_for(self, work, done, failed)

    def _fill_components(self, comps: list[dict]) -> None:
        keep = self._component_id
        self.component.clear()
        self.component.addItem(self.tr("No component linked"), None)
        for c in comps:
            self.component.addItem(f"{c.get('name') or c['class_code']} · {c['distance_m']:.0f} m · {c['id']}", c["id"])
        i = self.component.findData(keep) if keep else -1
        if i < 0 and comps and comps[0]["distance_m"] <= SNAP_COMPONENT_M:
            i = 1  # the component right under the pin is the likely subject
        self.component.setCurrentIndex(max(i, 0))


LocationEditor = PlaceEditor  # the name the panels and their tests know
