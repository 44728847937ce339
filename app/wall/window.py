"""Big-screen mode (大屏): the read-only view for the hall's wall.

The city map with the open cases coloured by band (new ones pulse), KPI tiles, a ticker of the
latest events and panels that rotate on a timer. It never opens a dialog: a lost server shows as
"reconnecting" with the time of the last update while the event stream and the figures retry by
themselves; a refused login is retried too. Every few minutes the content moves by a few pixels
against burn-in. Built to run for days: no per-frame allocation that grows, a bounded ticker.
"""
from __future__ import annotations

import time
from datetime import datetime
from typing import Callable
from zoneinfo import ZoneInfo

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from app.api.city_config import city_tz
from app.api.client import ApiClient, ApiError
from app.api.events import EventStream
from app.api.worker import run_async
from app.city_data import CityData, CityLayers
from app.map.canvas import MapCanvas

from .widgets import ACCENT, BG, GREEN, MUTED, RED, TEXT, BarPanel, BoardPanel, KpiTile, Ticker, TrendPanel, wall_font

BURN_IN_STEPS = ((0, 0), (6, 0), (6, 6), (0, 6))  # pixels, one step every `shift_every_s`


class WallWindow(QWidget):
    def __init__(self, client: ApiClient, profile: dict, *, credentials: tuple[str, str] | None = None,
                 refresh_s: float = 15.0, rotate_s: float = 20.0, shift_every_s: float = 300.0,
                 tz: ZoneInfo | None = None, now: Callable[[], float] = time.time, parent: QWidget | None = None):
        super().__init__(parent)
        self.client, self.profile, self.credentials, self._now = client, profile, credentials, now
        self.tz = tz or city_tz()  # the city's zone, as the server counts it
        self.setObjectName("WallWindow")
        self.setWindowTitle(self.tr("OpenCityCommand — wall"))
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(QPalette.Window, BG)
        pal.setColor(QPalette.WindowText, TEXT)
        self.setPalette(pal)
        self.last_update: float | None = None
        self.online = False
        self.burn_step = 0
        self.stats: dict | None = None
        self._build()
        from app.widgets.main_window import profile_crs
        crs = profile_crs(profile)
        self.canvas.set_crs(crs)
        self.data = CityData(client, crs, {
            "basemap": self.tr("Basemap"), "grids": self.tr("Unit grids"),
            "responsibility": self.tr("Responsibility grids"), "components": self.tr("Components"),
            "cases": self.tr("Cases"), "inspectors": self.tr("Inspectors"), "cameras": self.tr("Cameras")}, self)
        self.data.cases.marker_px = 36  # read from 8 m
        for layer in (self.data.inspectors, self.data.cases):
            self.canvas.add_layer(layer, zoom=False)
        self.data.cityLoaded.connect(self._city_loaded)
        self.data.failed.connect(self._failed)
        extent = (profile.get("extent") or {}).get("projected")
        self.city_extent = tuple(extent) if extent else None
        self.data.load(profile)
        self.events = EventStream(client.ws_url, client.session.token, self)
        self.events.event.connect(self.data.on_event)
        self.events.event.connect(self._on_event)
        self.events.resync.connect(self.data.reload_live)
        self.events.resync.connect(self.refresh)
        self.events.connected.connect(lambda: self._set_online(True))
        self.events.disconnected.connect(lambda _why: self._set_online(False))
        self.events.start()
        self._timers: list[QTimer] = []
        self._every(refresh_s, self.refresh)
        self._every(rotate_s, self.rotate)
        self._every(shift_every_s, self.shift_burn_in)
        self._every(1.0, self._tick_clock)
        self.refresh()
        self._tick_clock()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        root = QVBoxLayout(self)
        self.root = root
        top = QHBoxLayout()
        self.title = QLabel(self.tr("%1 Digital Urban Management Command Centre")
                            .replace("%1", self.profile.get("name") or ""))
        self.clock = QLabel()
        self.status = QLabel()
        top.addWidget(self.title, 1)
        top.addWidget(self.status)
        top.addSpacing(40)
        top.addWidget(self.clock)
        root.addLayout(top)
        body = QHBoxLayout()
        self.canvas = MapCanvas()
        self.canvas.background = QColor(BG)
        self.canvas.setFocusPolicy(Qt.NoFocus)
        body.addWidget(self.canvas, 58)
        right = QVBoxLayout()
        grid = QGridLayout()
        self.kpis = {
            "reports": KpiTile(self.tr("Reports today")), "accepted": KpiTile(self.tr("Accepted")),
            "filed": KpiTile(self.tr("Filed")), "dispatched": KpiTile(self.tr("Dispatched")),
            "closed": KpiTile(self.tr("Closed")), "on_time_close_rate": KpiTile(self.tr("On time")),
            "overdue_now": KpiTile(self.tr("Overdue now"), alarm=True),
            "inspectors_on_duty": KpiTile(self.tr("Inspectors on duty")),
        }
        for i, tile in enumerate(self.kpis.values()):
            grid.addWidget(tile, i // 4, i % 4)
        right.addLayout(grid, 34)
        self.panels = QStackedWidget()
        self.ranking = BarPanel(self.tr("Departments this month: on-time closing"))
        self.classes = BarPanel(self.tr("Top classes, last 7 days"))
        self.trend = TrendPanel(self.tr("Last 7 days"), (self.tr("Reported"), self.tr("Closed")))
        self.board = BoardPanel(self.tr("Overdue now"), (self.tr("Case"), self.tr("Class"), self.tr("Department"),
                                                         self.tr("Overdue by")))
        for w in (self.ranking, self.classes, self.trend, self.board):
            w.empty_text = self.tr("No data yet")
            self.panels.addWidget(w)
        self.board.empty_text = self.tr("Nothing is overdue")
        right.addWidget(self.panels, 66)
        body.addLayout(right, 42)
        root.addLayout(body, 1)
        self.ticker = Ticker()
        self.ticker.placeholder = self.tr("Waiting for the latest events…")
        root.addWidget(self.ticker)
        self._apply_sizes()

    def _apply_sizes(self) -> None:
        """Everything scales with the wall's height: 2160 px gives 64 px titles and a 72 px ticker."""
        h = max(600, self.height())
        for label, k, colour in ((self.title, 0.030, TEXT), (self.clock, 0.030, TEXT), (self.status, 0.018, MUTED)):
            label.setFont(wall_font(h * k, bold=label is not self.status))
            label.setStyleSheet(f"color: {colour.name()}")
        self.ticker.setFixedHeight(int(h * 0.034))
        m = int(h * 0.008)
        dx, dy = BURN_IN_STEPS[self.burn_step % len(BURN_IN_STEPS)]
        self.root.setContentsMargins(m + dx, m + dy, m + 6 - dx, m + 6 - dy)

    def resizeEvent(self, e) -> None:  # noqa: N802
        super().resizeEvent(e)
        self._apply_sizes()
        QTimer.singleShot(0, self, self.fit_city)  # after the layout gave the map its new size

    def fit_city(self) -> None:
        """The whole city fills the map: the wall is never panned by hand."""
        if self.city_extent is not None:
            self.canvas.zoom_to_extent(self.city_extent, crs=self.canvas.crs, margin=0.02)

    def _every(self, seconds: float, fn: Callable[[], None]) -> None:
        t = QTimer(self)
        t.setInterval(int(seconds * 1000))
        t.timeout.connect(fn)
        t.start()
        self._timers.append(t)

    def place_on_screens(self, indexes: list[int] | None) -> None:
        """Full screen on one screen, or frameless across several (a wall of monitors)."""
        screens = QGuiApplication.screens()
        chosen = [screens[i] for i in (indexes or [0]) if 0 <= i < len(screens)] or screens[:1]
        if len(chosen) == 1:
            self.setGeometry(chosen[0].geometry())
            self.showFullScreen()
            return
        area = QRect(chosen[0].geometry())
        for s in chosen[1:]:
            area = area.united(s.geometry())
        self.setWindowFlags(Qt.FramelessWindowHint | Qt.WindowStaysOnTopHint)
        self.setGeometry(area)
        self.show()

    # ------------------------------------------------------------------ city and events
    def _city_loaded(self, city: CityLayers) -> None:
        for i, layer in enumerate(l for l in (city.basemap, city.grids) if l is not None):
            self.canvas.add_layer(layer, index=i, zoom=False)
        if city.grids is not None:
            city.grids.opacity = 0.5
            extent = city.grids.extent(self.canvas.crs)
            if extent:
                self.city_extent = tuple(extent)
                self.fit_city()
        run_async(self.client.tile_status, self._tiles_ready, lambda e: None)

    def _tiles_ready(self, status: dict) -> None:
        if not status.get("available"):
            return
        from app.layers.tiles import TileLayer
        from app.map.tiles import TileFetcher
        self.fetcher = TileFetcher()
        self.canvas.add_layer(TileLayer(self.client.tile_source("dark"), self.fetcher, name=self.tr("Basemap")),
                              index=0, zoom=False)
        if self.data.city.basemap is not None:
            self.data.city.basemap.visible = False

    def _failed(self, message: str) -> None:
        self._set_online(False)
        if self.data.city.grids is None:  # the city never arrived: try again
            QTimer.singleShot(10_000, self, lambda: self.data.load(self.profile))

    def _on_event(self, msg: dict) -> None:
        kind, d = msg.get("type"), msg.get("data") or {}
        stamp = datetime.fromtimestamp(self._now(), self.tz).strftime("%H:%M")
        if kind == "case.changed":
            state = self._state_names().get(d.get("state", ""), d.get("state", ""))
            where = d.get("address") or ""
            self.ticker.add(f"{stamp} {d.get('number', '')} {state} {where}".strip())
        elif kind == "case.band" and d.get("band") == "red":
            self.ticker.add(self.tr("%1 %2 is overdue").replace("%1", stamp).replace("%2", str(d.get("number") or d.get("id"))))

    # ------------------------------------------------------------------ figures
    def refresh(self) -> None:
        run_async(self.client.wall_stats, self._show_stats, self._stats_failed)

    def _stats_failed(self, err: Exception) -> None:
        self._set_online(False)
        if isinstance(err, ApiError) and err.status == 401 and self.credentials:
            run_async(lambda: self.client.login(*self.credentials), lambda _s: self.refresh(), lambda _e: None)

    def _show_stats(self, st: dict) -> None:
        self.stats = st
        self.last_update = self._now()
        self._set_online(True)
        k = st["kpi"]
        for key, tile in self.kpis.items():
            v = k.get(key)
            tile.set_value("—" if v is None else (f"{v:.0%}" if key == "on_time_close_rate" else str(v)))
        self.ranking.set_rows([(d["department"], d["on_time_rate"] or 0.0,
                                "—" if d["on_time_rate"] is None else f"{d['on_time_rate']:.0%}",
                                RED if d["overdue_now"] else GREEN) for d in st["departments"][:10]])
        self.classes.set_rows([(c["name"], float(c["count"]), str(c["count"]), ACCENT) for c in st["top_classes"]])
        self.trend.set_days(st["trend"])
        self.board.set_rows([(b["number"], b["class_name"], b["department"] or "—", self._duration(b["overdue_s"]))
                             for b in st["overdue"]])
        self._show_status()

    def _set_online(self, on: bool) -> None:
        self.online = on
        self._show_status()

    def _show_status(self) -> None:
        when = "—" if self.last_update is None else datetime.fromtimestamp(self.last_update, self.tz).strftime("%H:%M:%S")
        if self.online:
            text = self.tr("Live · updated %1").replace("%1", when)
        else:
            text = self.tr("Reconnecting… · last update %1").replace("%1", when)
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {(MUTED if self.online else RED).name()}")

    def _tick_clock(self) -> None:
        self.clock.setText(datetime.fromtimestamp(self._now(), self.tz).strftime("%Y-%m-%d %H:%M:%S"))

    def rotate(self) -> None:
        self.panels.setCurrentIndex((self.panels.currentIndex() + 1) % self.panels.count())

    def shift_burn_in(self) -> None:
        self.burn_step += 1
        self._apply_sizes()

    def _state_names(self) -> dict[str, str]:
        return {"reported": self.tr("reported"), "verifying": self.tr("being verified"),
                "pending_filing": self.tr("accepted"), "pending_dispatch": self.tr("filed"),
                "handling": self.tr("dispatched"), "postponed": self.tr("postponed"),
                "suspended": self.tr("hung up"),
                "pending_check": self.tr("fed back"), "checking": self.tr("being checked"),
                "closed": self.tr("closed"), "void": self.tr("voided")}

    def _duration(self, seconds: float | None) -> str:
        if seconds is None:
            return "—"
        m = int(seconds // 60)
        if m >= 1440:
            return self.tr("%1 d %2 h").replace("%1", str(m // 1440)).replace("%2", str(m % 1440 // 60))
        if m >= 60:
            return self.tr("%1 h %2 min").replace("%1", str(m // 60)).replace("%2", str(m % 60))
        return self.tr("%1 min").replace("%1", str(m))

    def closeEvent(self, e) -> None:  # noqa: N802, ANN001
        for t in self._timers:
            t.stop()
        self.events.stop()
        if getattr(self, "fetcher", None) is not None:
            self.fetcher.shutdown()
        super().closeEvent(e)
