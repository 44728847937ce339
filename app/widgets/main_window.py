"""The main window: the map in the centre, dock panels around it, tools, search and status bar.

Which docks appear depends on the logged-in user's role; the dock layout is saved per user and can
be reset. The window owns no data: CityData loads it into layer models, the canvas draws them.
"""
from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QColor, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QMessageBox, QToolBar, QWidget

from app.api.client import ApiClient, Session
from app.api.events import EventStream
from app.api.worker import run_async
from app.city_data import CityData, CityLayers
from app.domain.workflow import POSITION_ROLES, Role
from app.layers import Feature, SelectionLayer
from app.map.canvas import BACKGROUND, MapCanvas
from app.map.tools.identify import IdentifyTool
from app.map.tools.measure import MeasureTool
from app.map.tools.pan import PanTool
from app.map.tools.select import RectSelectTool
from app.search_index import SearchHit

from .device_dialog import DeviceDialog
from .identify_panel import IdentifyPanel
from .layer_panel import LayerPanel
from .map_search import MapSearch
from .status_bar import MapStatusBar

LAYOUT_VERSION = 2  # 2: side columns full height, timing under the map only


def profile_crs(profile: dict) -> str:
    """The city's projected CRS from its profile (an authority code when it has one, else WKT)."""
    crs = profile.get("crs") or "EPSG:4490"
    if isinstance(crs, dict):
        return crs.get("authority") or crs.get("wkt") or "EPSG:4490"
    return str(crs)


class MainWindow(QMainWindow):
    def __init__(self, client: ApiClient, session: Session, profile: dict, parent: QWidget | None = None,
                 night: bool = False):
        super().__init__(parent)
        self.night = night
        self.client, self.session, self.profile = client, session, profile
        self.setObjectName("MainWindow")
        city_name = profile.get("name") or ""
        self.setWindowTitle(self.tr("OpenCityCommand — %1 — %2").replace("%1", city_name)
                            .replace("%2", self.user_label()))
        crs = profile_crs(profile)
        self.canvas = MapCanvas()
        self.canvas.set_crs(crs)
        self.setCentralWidget(self.canvas)
        self.selection = SelectionLayer(crs=crs, name=self.tr("Selection"))
        self.data = CityData(client, crs, {
            "basemap": self.tr("Basemap"), "grids": self.tr("Unit grids"),
            "responsibility": self.tr("Responsibility grids"), "components": self.tr("Components"),
            "cases": self.tr("Cases"), "inspectors": self.tr("Inspectors"), "cameras": self.tr("Cameras")}, self)
        self.status = MapStatusBar(crs, self)
        self.setStatusBar(self.status)
        self._make_docks()
        self._make_tools()
        self._wire()
        self.resize(1600, 950)
        extent = (profile.get("extent") or {}).get("projected")
        if extent:
            self.canvas.zoom_to_extent(tuple(extent), crs=crs)
        self.status.set_basemap_message(self.tr("Loading the city…"))
        self.data.load(profile)
        self.events = EventStream(client.ws_url, session.token, self)
        self.events.event.connect(self.data.on_event)
        self.events.resync.connect(self.data.reload_live)
        self._make_work_docks()
        self._restore_layout()  # after every dock exists
        self.events.connected.connect(lambda: self.status.set_connected(True))
        self.events.disconnected.connect(lambda why: self.status.set_connected(False, why))
        self.events.start()
        if night:
            self.night_action.setChecked(True)  # the whole window, not only the basemap
        self._make_outbox()
        from .evaluation_menu import install as install_evaluation
        install_evaluation(self)  # leaders and administrators: the evaluation window (综合评价)

    # ------------------------------------------------------------------ outbox and heartbeat
    def _make_outbox(self) -> None:
        """Actions made while the server is away wait in the outbox (persisted per server and user)
        and go out when the heartbeat sees it back; the status bar shows how many wait."""
        from PySide6.QtCore import QStandardPaths

        from app.api.heartbeat import Heartbeat
        from app.api.outbox import Outbox, outbox_path

        from .case_actions import upload_files
        base = QStandardPaths.writableLocation(QStandardPaths.AppDataLocation) or "."
        self.outbox = Outbox(self.client, outbox_path(base, self.client.base_url, self.session.user["username"]),
                             upload=upload_files, parent=self)
        for panel in self.panels.values():
            if hasattr(panel, "outbox"):
                panel.outbox = self.outbox
        self.outbox.changed.connect(lambda: self.status.set_outbox(len(self.outbox)))
        self.outbox.sent.connect(self._outbox_sent)
        self.outbox.refused.connect(self._outbox_refused)
        self.status.outbox_requested.connect(self.show_outbox)
        self.status.set_outbox(len(self.outbox))
        self.heartbeat = Heartbeat(self.client.base_url, parent=self)
        self.heartbeat.down.connect(lambda why: self.status.set_server_alive(False, why))
        self.heartbeat.up.connect(self._server_back)
        self.heartbeat.start()
        self.outbox.start()

    def _server_back(self) -> None:
        self.status.set_server_alive(True)
        self.outbox.wake()

    def _outbox_sent(self, item: dict, result) -> None:  # noqa: ANN001
        self.status.showMessage(self.tr("Sent from the outbox: %1").replace("%1", item.get("label", "")), 8000)
        if isinstance(result, dict) and "id" in result and "state" in result:
            for panel in self.panels.values():
                if hasattr(panel, "upsert"):
                    panel.upsert(result)
        detail = self.panels.get("detail")
        if detail is not None and item.get("case_id") == detail.case_id:
            detail.reload()

    def _outbox_refused(self, item: dict, error) -> None:  # noqa: ANN001
        from .case_actions import error_text
        text = self.tr("Not done: %1 — %2").replace("%1", item.get("label", "")).replace("%2", error_text(error))
        self.status.showMessage(text, 30000)
        QMessageBox.warning(self, self.tr("Outbox"), text)

    def show_outbox(self) -> None:
        from .outbox_dialog import OutboxDialog
        OutboxDialog(self.outbox, self).exec()

    def user_label(self) -> str:
        """'周静（受理员）': the name with the role once (a name that already says its role keeps it)."""
        name, role = self.session.user.get("display_name") or self.session.user.get("username", ""), self.role_label()
        if role in name:
            return name
        return self.tr("%1 (%2)").replace("%1", name).replace("%2", role)

    def role_label(self) -> str:
        labels = {"inspector": self.tr("Inspector"), "acceptor": self.tr("Acceptor"),
                  "shift_leader": self.tr("Shift leader"), "dispatcher": self.tr("Dispatcher"),
                  "department": self.tr("Department"), "leader": self.tr("Leader"), "admin": self.tr("Administrator")}
        return labels.get(self.session.role, self.session.role)

    # ------------------------------------------------------------------ construction
    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState needs it
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.view_menu.addAction(dock.toggleViewAction())
        return dock

    def _make_docks(self) -> None:
        self.view_menu = self.menuBar().addMenu(self.tr("&View"))
        self.layer_panel = LayerPanel(self.canvas)
        self.identify_panel = IdentifyPanel()
        self.identify_panel.load_departments(self.client)
        # the side columns run the full height; the timing strip sits under the map only
        self.setCorner(Qt.BottomLeftCorner, Qt.LeftDockWidgetArea)
        self.setCorner(Qt.BottomRightCorner, Qt.RightDockWidgetArea)
        self.layers_dock = self._dock("layers", self.tr("Layers"), self.layer_panel, Qt.LeftDockWidgetArea)
        self.identify_dock = self._dock("identify", self.tr("Identify"), self.identify_panel, Qt.LeftDockWidgetArea)
        self.view_menu.addSeparator()
        self.night_action = self.view_menu.addAction(self.tr("Night (dark window and basemap)"))
        self.night_action.setCheckable(True)
        self.night_action.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.night_action.toggled.connect(self._set_night)
        add_basemap = self.view_menu.addAction(self.tr("Add basemap…"))
        add_basemap.triggered.connect(self.add_basemap)
        reset = self.view_menu.addAction(self.tr("Reset layout"))
        reset.triggered.connect(self.reset_layout)
        if self.session.role == Role.ADMIN:
            admin_menu = self.menuBar().addMenu(self.tr("&Administration"))
            self.devices_action = admin_menu.addAction(self.tr("Inspectors' phones…"))
            self.devices_action.triggered.connect(self.manage_devices)
        self._default_state = self.saveState(LAYOUT_VERSION)

    def _make_work_docks(self) -> None:
        """The command hall's panels for this user's role, all fed by the same event stream."""
        from .accept_panel import AcceptPanel
        from .case_detail import CaseDetail
        from .department_panel import DepartmentPanel
        from .dispatch_panel import DispatchPanel
        from .file_panel import FilePanel
        from .inspector_panel import InspectorPanel
        from .role_docks import docks_for
        from .supervision_board import SupervisionPanel
        from .timing_panel import TimingPanel
        from .video_wall import wiring as video_wall

        makers = {
            "accept": (self.tr("Accept (受理)"), lambda: AcceptPanel(self.client, self.data), Qt.RightDockWidgetArea),
            "file": (self.tr("File (立案)"), lambda: FilePanel(self.client, self.data), Qt.RightDockWidgetArea),
            "dispatch": (self.tr("Dispatch (派遣)"), lambda: DispatchPanel(self.client, self.data),
                         Qt.RightDockWidgetArea),
            "department": (self.tr("Our cases"), lambda: DepartmentPanel(self.client, self.data),
                           Qt.RightDockWidgetArea),
            "tasks": (self.tr("My tasks"), lambda: InspectorPanel(self.client, self.data), Qt.RightDockWidgetArea),
            "timing": (self.tr("Timing (计时)"), lambda: TimingPanel(self.client, self.data), Qt.BottomDockWidgetArea),
            "detail": (self.tr("Case detail"), lambda: CaseDetail(self.client, self.session.role),
                       Qt.RightDockWidgetArea),
            "tracks": (self.tr("Track playback (轨迹回放)"), self._make_track_panel, Qt.RightDockWidgetArea),
            "video": (self.tr("Video wall (视频墙)"), lambda: video_wall.make(self), Qt.RightDockWidgetArea),
            "supervision": (self.tr("Supervision (督查督办)"), lambda: SupervisionPanel(self.client, self.data),
                            Qt.RightDockWidgetArea),
        }
        self.panels: dict[str, QWidget] = {}
        first_right: QDockWidget | None = None
        for key in docks_for(self.session.role):  # the city's workflow decides (role_docks)
            title, make, area = makers[key]
            panel = make()
            self.panels[key] = panel
            dock = self._dock(f"dock_{key}", title, panel, area)
            if area == Qt.RightDockWidgetArea and key != "detail":
                if first_right is None:
                    first_right = dock
                else:
                    self.tabifyDockWidget(first_right, dock)
            if hasattr(panel, "on_event"):
                self.events.event.connect(panel.on_event)
            if hasattr(panel, "refresh"):
                self.events.resync.connect(panel.refresh)
                panel.refresh()
            if hasattr(panel, "caseSelected"):
                panel.caseSelected.connect(self.show_case)
        self._wire_place_editors()
        if "video" in self.panels:
            video_wall.attach(self, self.panels["video"])
        detail = self.panels.get("detail")
        accept = self.panels.get("accept")
        if detail is not None and accept is not None:  # one 受理, with the accept panel's corrections
            detail.delegates["accept"] = lambda case: (accept.accept_from_detail(case),
                                                       accept.parentWidget().raise_())
        if detail is not None:
            detail.zoomToCase.connect(lambda lon, lat: self.canvas.center_on(lon, lat, crs="EPSG:4490", scale=500))
        if first_right is not None:
            first_right.raise_()
        self._apply_default_sizes()
        self._default_state = self.saveState(LAYOUT_VERSION)

    def _apply_default_sizes(self) -> None:
        """A readable default at any screen size: the work column about 36 % of the width (its
        lists' important columns fit without scrolling), the layers/identify column narrow, the
        case detail under the work panels, the timing list a third of the height under the map."""
        w, h = max(self.width(), 1200), max(self.height(), 700)
        docks = self.findChildren(QDockWidget)
        right = [d for d in docks if self.dockWidgetArea(d) == Qt.RightDockWidgetArea and not d.isFloating()]
        left = [d for d in docks if self.dockWidgetArea(d) == Qt.LeftDockWidgetArea and not d.isFloating()]
        bottom = [d for d in docks if self.dockWidgetArea(d) == Qt.BottomDockWidgetArea and not d.isFloating()]
        if right:
            self.resizeDocks(right, [int(w * 0.38)] * len(right), Qt.Horizontal)
        if left:
            self.resizeDocks(left, [int(min(300, w * 0.14))] * len(left), Qt.Horizontal)
        detail_dock = self.findChild(QDockWidget, "dock_detail")
        work = [d for d in right if d is not detail_dock]
        if work and detail_dock is not None and detail_dock in right:
            # the work panel over the detail: its list and form are where the day is spent (the leader's board needs rows)
            share = 0.72 if "supervision" in getattr(self, "panels", {}) else 0.62
            self.resizeDocks([work[0], detail_dock], [int(h * share), int(h * (1 - share))], Qt.Vertical)
        if bottom:
            self.resizeDocks(bottom, [int(h * 0.3)] * len(bottom), Qt.Vertical)

    def showEvent(self, e) -> None:  # noqa: N802, ANN001
        super().showEvent(e)
        if not getattr(self, "_sized", False):
            self._sized = True
            if not getattr(self, "_restored", False):
                QTimer.singleShot(0, self._apply_default_sizes)  # once the window has its real size

    def _wire_place_editors(self) -> None:
        """The accept and hotline forms' places: 'pick on map' puts the pick tool on the canvas; a
        place chosen any way shows as the pin and the map follows it."""
        from .place_picker import PlaceEditor, PlacePickTool
        self.pick_tool = PlacePickTool(self.canvas)
        self._picking: PlaceEditor | None = None
        self.pick_tool.picked.connect(self._place_picked)
        for editor in self.findChildren(PlaceEditor):
            editor.pickRequested.connect(self.start_picking)
            editor.pick_btn.toggled.connect(lambda on, ed=editor: None if on else self._pick_off(ed))
            editor.placeChanged.connect(lambda lon, lat, ed=editor: self._place_shown(ed, lon, lat))

    def start_picking(self, editor) -> None:  # noqa: ANN001 - a PlaceEditor
        if self._picking is not None and self._picking is not editor:
            self._picking.pick_btn.setChecked(False)
        self._picking = editor
        self._tool_before_pick = self.canvas.tool
        self.pick_tool.set_pin_lonlat(*(editor.point() or (None, None)))
        self.canvas.set_tool(self.pick_tool)
        self.status.showMessage(self.tr("Click the place on the map, or drag the pin"), 8000)

    def _pick_off(self, editor) -> None:  # noqa: ANN001
        if editor is self._picking:
            self._picking = None
            if self.canvas.tool is self.pick_tool:
                self.canvas.set_tool(getattr(self, "_tool_before_pick", None) or self.identify_tool)

    def _place_picked(self, lon: float, lat: float) -> None:
        if self._picking is not None:
            self._picking.set_point(lon, lat)

    def _place_shown(self, editor, lon: float, lat: float) -> None:  # noqa: ANN001
        if editor is self._picking or self.canvas.tool is not self.pick_tool:
            self.pick_tool.set_pin_lonlat(lon, lat)
            px, py = self.canvas.map_to_pixel(*self.pick_tool.pin)
            if not (0 <= px < self.canvas.width() and 0 <= py < self.canvas.height()):
                self.canvas.center_on(lon, lat, crs="EPSG:4490")
    def _make_track_panel(self) -> QWidget:
        """Track playback: its layer sits under the live cases, its coverage fills use the city's grids."""
        from app.layers.tracks import TrackLayer
        from .track_panel import TrackPanel
        self.track_layer = TrackLayer(crs=self.canvas.crs, name=self.tr("Track playback"))
        layers = self.canvas.layers()
        below = layers.index(self.data.cameras) if self.data.cameras in layers else None
        self.canvas.add_layer(self.track_layer, index=below, zoom=False)
        panel = TrackPanel(self.client, self.track_layer, canvas=self.canvas, grids=self.data.city.grids)
        self.data.cityLoaded.connect(lambda city: setattr(panel, "grids", city.grids))
        return panel

    def show_case(self, case_id: int) -> None:
        """A case chosen anywhere (a list, the alarm, the map): its detail, and the map centred on it."""
        detail = self.panels.get("detail")
        if detail is not None:
            detail.show_case(case_id)
            detail.parentWidget().raise_()
        props = self.data.case_props.get(case_id)
        if props:
            self.canvas.center_on(props["lon"], props["lat"], crs="EPSG:4490", scale=1000)

    def _make_tools(self) -> None:
        tb = QToolBar(self.tr("Map tools"), self)
        tb.setObjectName("map_tools")
        self.addToolBar(tb)
        group = QActionGroup(self)
        self.pan_tool = PanTool(self.canvas)
        self.identify_tool = IdentifyTool(self.canvas, selection_layer=self.selection)
        self.distance_tool = MeasureTool(self.canvas, "distance")
        self.area_tool = MeasureTool(self.canvas, "area")
        self.select_tool = RectSelectTool(self.canvas, selection_layer=self.selection)
        self.tool_actions: dict[str, QAction] = {}
        for key, label, tool, shortcut in (
                ("pan", self.tr("Pan"), self.pan_tool, "P"),
                ("identify", self.tr("Identify"), self.identify_tool, "I"),
                ("distance", self.tr("Measure distance"), self.distance_tool, "M"),
                ("area", self.tr("Measure area"), self.area_tool, "Shift+M"),
                ("select", self.tr("Select by rectangle"), self.select_tool, "S")):
            act = QAction(label, self, checkable=True)
            act.setShortcut(QKeySequence(shortcut))
            act.triggered.connect(lambda _=False, t=tool: self.canvas.set_tool(t))
            act.triggered.connect(self._stop_picking)
            group.addAction(act)
            tb.addAction(act)
            self.tool_actions[key] = act
        tb.addSeparator()
        full = tb.addAction(self.tr("Whole city"))
        full.setShortcut(QKeySequence("Home"))
        full.triggered.connect(lambda: self.canvas.zoom_full())
        s500 = tb.addAction(self.tr("1:500"))
        s500.triggered.connect(lambda: self.canvas.zoom_to_scale(500))
        tb.addSeparator()
        self.search = MapSearch(self.client, self.data, lambda: self.canvas.crs, self)
        self.search.hitChosen.connect(self.go_to)
        self.search.nothingFound.connect(
            lambda text: self.status.showMessage(self.tr("Nothing found for “%1”").replace("%1", text), 5000))
        tb.addWidget(self.search)
        self.tool_actions["identify"].setChecked(True)
        self.canvas.set_tool(self.identify_tool)

    def _stop_picking(self) -> None:
        editor, self._picking = getattr(self, "_picking", None), None
        if editor is not None:
            editor.pick_btn.setChecked(False)

    def _wire(self) -> None:
        self.canvas.cursorMoved.connect(self.status.set_cursor)
        self.canvas.scaleChanged.connect(self.status.set_scale)
        self.status.scale_requested.connect(lambda s: self.canvas.zoom_to_scale(s))
        self.identify_tool.identified.connect(self._identified)
        self.select_tool.selected.connect(self._selected)
        self.distance_tool.measured.connect(self._measured)
        self.distance_tool.measuring.connect(self._measured)
        self.area_tool.measured.connect(self._measured)
        self.area_tool.measuring.connect(self._measured)
        self.canvas.setContextMenuPolicy(Qt.CustomContextMenu)
        self.canvas.customContextMenuRequested.connect(self._context_menu)
        self.data.cityLoaded.connect(self._city_loaded)
        self.data.failed.connect(lambda msg: self.status.showMessage(self.tr("Server: %1").replace("%1", msg), 10000))
        for layer in (self.data.cameras, self.data.inspectors, self.data.cases, self.selection):
            self.canvas.add_layer(layer, zoom=False)

    def _city_loaded(self, city: CityLayers) -> None:
        for i, layer in enumerate(city.all()):
            self.canvas.add_layer(layer, index=i, zoom=False)
        run_async(self.client.tile_status, self._tiles_ready,
                  lambda e: self.status.set_basemap_message(self.tr("Vector basemap (server tiles unavailable: %1)")
                                                            .replace("%1", str(e))))
        extent = city.grids.extent(self.canvas.crs) if city.grids else None
        if extent:
            self.canvas.zoom_to_extent(extent, crs=self.canvas.crs)
        self.status.set_basemap_message(self.tr("City loaded: %1 unit grids, %2 components")
                                        .replace("%1", str(len(city.grids.store) if city.grids else 0))
                                        .replace("%2", str(len(city.components) if city.components else 0)))

    # ------------------------------------------------------------------ basemap
    def _tiles_ready(self, status: dict) -> None:
        """The QGIS-rendered basemap is the default when the server has it; the vector basemap the
        client draws itself stays as the fallback for an unreachable or QGIS-less server."""
        if not status.get("available"):
            self.status.set_basemap_message(self.tr("Vector basemap (the server has no QGIS basemap)"))
            return
        from app.layers.tiles import TileLayer
        from app.map.tiles import TileFetcher
        self.fetcher = TileFetcher()
        self.fetcher.add_status_listener(self._tile_status_changed)  # called on a worker thread
        self.tile_layer = TileLayer(self.client.tile_source("dark" if self.night else "day"), self.fetcher,
                                    name=self.tr("QGIS basemap"))
        self.canvas.add_layer(self.tile_layer, index=0, zoom=False)
        if self.data.city.basemap is not None:
            self.data.city.basemap.visible = False
        self.status.set_basemap_message(self.tr("QGIS basemap from the server"))

    def add_basemap(self) -> None:
        from .basemap_dialog import BasemapDialog
        dlg = BasemapDialog(self)
        if dlg.exec() == BasemapDialog.Accepted and dlg.source is not None:
            self.add_tile_source(dlg.source)

    def add_tile_source(self, source) -> None:  # noqa: ANN001
        """A user's basemap (XYZ, WMTS, Tianditu, MBTiles) under the city's layers."""
        from app.layers.tiles import TileLayer
        from app.map.tiles import TileFetcher
        if getattr(self, "fetcher", None) is None:
            self.fetcher = TileFetcher()
            self.fetcher.add_status_listener(self._tile_status_changed)
        self.canvas.add_layer(TileLayer(source, self.fetcher, name=getattr(source, "title", None)), index=0,
                              zoom=False)

    def _set_night(self, on: bool) -> None:
        """Night: the whole window dark (panels, lists, dialogs), and the dark basemap."""
        from .theme import apply_theme
        self.night = on
        apply_theme(on)
        self.canvas.background = QColor("#20252b") if on else QColor(BACKGROUND)
        if getattr(self, "tile_layer", None) is not None:
            self.tile_layer.set_source(self.client.tile_source("dark" if on else "day"))
        self.canvas.update()

    def _tile_status_changed(self, st) -> None:  # noqa: ANN001 - fetcher thread: hop to the UI thread
        QTimer.singleShot(0, self, lambda: self._tile_state_ui(st.ok, st.message_zh or st.message))

    def _tile_state_ui(self, ok: bool, message: str) -> None:
        basemap = self.data.city.basemap
        if basemap is not None:
            basemap.visible = not ok  # fall back to drawing the city ourselves
        self.status.set_basemap_message(self.tr("QGIS basemap from the server") if ok else message)

    # ------------------------------------------------------------------ tools' results
    def _identified(self, features: list[Feature]) -> None:
        self.identify_panel.show_features(features)
        cases = [f for f in features if f.kind == "case"]
        if cases and "detail" in getattr(self, "panels", {}):
            self.panels["detail"].show_case(cases[0].id)

    def _selected(self, by_layer: dict) -> None:
        feats = [f for fs in by_layer.values() for f in fs]
        self.identify_panel.show_features(feats[:200])
        self.status.showMessage(self.tr("%1 features selected").replace("%1", str(len(feats))), 5000)

    def _measured(self, result: dict) -> None:
        self.status.showMessage(result.get("text", ""), 15000)

    def go_to(self, hit: SearchHit) -> None:
        """A search hit: the map centres on it at a scale that shows it, and identifies what is there."""
        if hit.kind == "case" and hit.ref is not None:
            self.show_case(int(hit.ref))  # its detail, even for a case not on the map
        scale = 500 if hit.kind in ("component", "case") else 2000 if hit.kind in ("subdistrict", "community") else 1000
        self.canvas.center_on(hit.x, hit.y, scale=scale)
        feats = self.canvas.identify_at(*self.canvas.map_to_pixel(hit.x, hit.y))
        self.selection.set_features(feats[:1], self.canvas.crs)
        self.identify_panel.show_features(feats[:5])

    def _context_menu(self, pos) -> None:  # noqa: ANN001
        feats = [f for f in self.canvas.identify_at(pos.x(), pos.y()) if f.kind == "case"]
        if not feats:
            return
        case = feats[0]
        menu = QMenu(self)
        menu.addAction(self.tr("Case details"), lambda: self.show_case(case.id))
        menu.addAction(self.tr("Zoom to case"), lambda: self._zoom_case(case))
        menu.addAction(self.tr("Nearest cameras"), lambda: self._nearest(case, "cameras"))
        if self.session.role in POSITION_ROLES:  # the others may not see inspectors' positions
            menu.addAction(self.tr("Nearest inspectors"), lambda: self._nearest(case, "inspectors"))
        menu.exec(self.canvas.mapToGlobal(pos))

    def manage_devices(self) -> DeviceDialog:
        """Administrators: register, list and revoke inspectors' phones (non-modal)."""
        dlg = DeviceDialog(self.client, self)
        dlg.setAttribute(Qt.WA_DeleteOnClose)
        dlg.show()
        return dlg

    def _zoom_case(self, case: Feature) -> None:
        p = case.properties
        self.canvas.center_on(p["lon"], p["lat"], crs="EPSG:4490", scale=500)

    def _nearest(self, case: Feature, what: str) -> None:
        p = case.properties
        call = self.client.nearest_cameras if what == "cameras" else self.client.nearest_inspectors
        run_async(lambda: call(p["lon"], p["lat"], 5), self._show_nearest,
                  lambda e: QMessageBox.warning(self, self.tr("Server"), str(e)))

    def _show_nearest(self, items: list[dict]) -> None:
        feats = [Feature(layer=self.tr("Nearest"), kind="nearest", id=i.get("name") or i.get("display_name") or i.get("id"),
                         properties=i) for i in items]
        self.identify_panel.show_features(feats)

    # ------------------------------------------------------------------ layout
    def _settings(self) -> QSettings:
        return QSettings("OpenCityCommand", "client")

    def _dock_names(self) -> str:
        return ",".join(sorted(d.objectName() for d in self.findChildren(QDockWidget)))

    def _restore_layout(self) -> None:
        """The user's saved layout, unless it was saved with other docks (a new panel, a changed
        role): restoring it would leave the new docks wherever Qt drops them."""
        user = self.session.user['username']
        st = self._settings().value(f"layout/{user}")
        if isinstance(st, QByteArray) and self._settings().value(f"layout_docks/{user}") == self._dock_names():
            self._restored = self.restoreState(st, LAYOUT_VERSION)

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for dock in self.findChildren(QDockWidget):
            dock.show()
        self._apply_default_sizes()

    def closeEvent(self, e) -> None:  # noqa: N802, ANN001
        self._settings().setValue(f"layout/{self.session.user['username']}", self.saveState(LAYOUT_VERSION))
        self._settings().setValue(f"layout_docks/{self.session.user['username']}", self._dock_names())
        self.events.stop()
        if getattr(self, "heartbeat", None) is not None:
            self.heartbeat.stop()
        if getattr(self, "outbox", None) is not None:
            self.outbox.stop()  # what waits stays in its file for the next start
        if getattr(self, "fetcher", None) is not None:
            self.fetcher.shutdown()
        super().closeEvent(e)

    def settle(self, seconds: float) -> None:
        """For screenshots: let tiles and live data arrive, then wait for the last render."""
        from PySide6.QtCore import QCoreApplication, QElapsedTimer
        t = QElapsedTimer()
        t.start()
        while t.elapsed() < seconds * 1000:
            QCoreApplication.processEvents()
        self.canvas.wait_for_render()

    def wait_until_loaded(self, timeout_ms: int = 60000) -> bool:
        """For tests and screenshots: process events until the city is on the map."""
        from PySide6.QtCore import QCoreApplication, QElapsedTimer
        t = QElapsedTimer()
        t.start()
        while t.elapsed() < timeout_ms:
            QCoreApplication.processEvents()
            if self.data.city.grids is not None and not self.canvas.is_rendering():
                return True
            QTimer.singleShot(10, lambda: None)
        return False
