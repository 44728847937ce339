"""轨迹回放: inspector track playback with the analysis of stops, signal gaps, speeds, duty and
patrol coverage, cases on the way, exports, and a live mode.

The panel asks the server (on worker threads) for each chosen inspector's track as Arrow columns
and for its analysis; the map shows them through a TrackLayer; one PlaybackClock moves every
inspector together.
"""
from __future__ import annotations

from datetime import datetime, time as dtime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDateTimeEdit, QFileDialog, QGridLayout,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QPushButton, QStyle, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout,
                               QWidget)

from app.api.client import ApiClient
from app.api.worker import run_async
from app.api.city_config import city_tz, current_clock
from app.domain.track_export import ExportTrack, csv_bytes, gpx, kml
from app.layers.tracks import InspectorTrack, TrackLayer, prepare

from .track_timeline import SPEEDS, PlaybackClock, TimelineMark, TrackTimeline

LONG_RANGE_S = 86_400 * 1.5  # longer ranges come simplified from the server
SIMPLIFY_M = 2.0
LIVE_TRAIL_S = 1800.0
FOLLOW_BOX = 0.4  # follow mode re-centres when the inspector leaves the middle 40 % of the map


def _fmt_duration(seconds: float) -> str:
    m = int(round(seconds / 60))
    return f"{m // 60}小时{m % 60}分" if m >= 60 else f"{m}分"


class TrackPanel(QWidget):
    caseSelected = Signal(int)
    loaded = Signal()

    def __init__(self, client: ApiClient, layer: TrackLayer, canvas=None, grids=None,  # noqa: ANN001
                 clock: PlaybackClock | None = None, tz: ZoneInfo | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.client = client
        self.layer = layer
        self.canvas = canvas
        self.grids = grids  # the city's UnitGridLayer (for coverage fills)
        self.tz = tz or city_tz()  # the city's zone, as the server counts it
        self.clock = clock or PlaybackClock(self)
        self.inspectors: list[dict] = []
        self.analyses: dict[int, dict] = {}
        self.tracks: dict[int, InspectorTrack] = {}
        self._pending = 0
        self._build()
        self.clock.timeChanged.connect(self._on_time)
        self.clock.stateChanged.connect(self._show_playing)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        root = QVBoxLayout(self)
        pick = QGridLayout()
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(self.tr("Filter inspectors by name"))
        self.filter_edit.textChanged.connect(self._filter)
        self.group_combo = QComboBox()
        self.group_combo.activated.connect(self._pick_group)
        self.inspector_list = QListWidget()
        self.inspector_list.setMaximumHeight(110)
        pick.addWidget(self.filter_edit, 0, 0)
        pick.addWidget(self.group_combo, 0, 1)
        pick.addWidget(self.inspector_list, 1, 0, 1, 2)
        self.start_edit, self.end_edit = QDateTimeEdit(), QDateTimeEdit()
        for e in (self.start_edit, self.end_edit):
            e.setDisplayFormat("yyyy-MM-dd HH:mm")
            e.setCalendarPopup(True)
            e.setTimeZone(_qtz(self.tz))
        rng = QHBoxLayout()
        rng.addWidget(QLabel(self.tr("From")))
        rng.addWidget(self.start_edit)
        rng.addWidget(QLabel(self.tr("to")))
        rng.addWidget(self.end_edit)
        presets = QHBoxLayout()
        for label, fn in ((self.tr("Today's shift"), self.preset_today), (self.tr("Yesterday"), self.preset_yesterday),
                          (self.tr("Last 7 days"), self.preset_week)):
            b = QPushButton(label)
            b.clicked.connect(fn)
            presets.addWidget(b)
        self.load_btn = QPushButton(self.tr("Load tracks"))
        self.load_btn.clicked.connect(self.load)
        self.live_check = QCheckBox(self.tr("Live"))
        self.live_check.toggled.connect(self.set_live)
        presets.addWidget(self.load_btn)
        presets.addWidget(self.live_check)
        root.addLayout(pick)
        root.addLayout(rng)
        root.addLayout(presets)

        self.clock_label = QLabel("--:--:--")
        f = QFont(self.font())
        f.setPixelSize(30)
        f.setBold(True)
        self.clock_label.setFont(f)
        self.clock_label.setAlignment(Qt.AlignCenter)
        root.addWidget(self.clock_label)
        ctl = QHBoxLayout()
        icon = self.style().standardIcon
        self.back_btn = QPushButton(icon(QStyle.SP_MediaSeekBackward), self.tr("−1 min"))
        self.back_btn.clicked.connect(lambda: self.clock.step(-60))
        self.play_btn = QPushButton(icon(QStyle.SP_MediaPlay), self.tr("Play"))
        self.play_btn.clicked.connect(self.clock.toggle)
        self.fwd_btn = QPushButton(icon(QStyle.SP_MediaSeekForward), self.tr("+1 min"))
        self.fwd_btn.clicked.connect(lambda: self.clock.step(60))
        self.speed_combo = QComboBox()
        for s in SPEEDS:
            self.speed_combo.addItem(f"{s}×", s)
        self.speed_combo.setCurrentIndex(SPEEDS.index(16))
        self.clock.set_speed(16)
        self.speed_combo.currentIndexChanged.connect(lambda i: self.clock.set_speed(self.speed_combo.itemData(i)))
        self.follow_check = QCheckBox(self.tr("Follow"))
        self.follow_combo = QComboBox()
        self.speed_colour = QCheckBox(self.tr("Colour by speed"))
        self.speed_colour.setChecked(True)
        self.speed_colour.toggled.connect(self._set_by_speed)
        for w in (self.back_btn, self.play_btn, self.fwd_btn, self.speed_combo, self.follow_check, self.follow_combo,
                  self.speed_colour):
            ctl.addWidget(w)
        root.addLayout(ctl)
        self.timeline = TrackTimeline()
        self.timeline.tz = self.tz
        self.timeline.scrubbed.connect(self.clock.seek)
        self.timeline.caseClicked.connect(self.caseSelected)
        root.addWidget(self.timeline)

        self.tabs = QTabWidget()
        self.summary = self._table([self.tr("Inspector"), self.tr("Mileage"), self.tr("On duty / shift"),
                                    self.tr("Stops"), self.tr("Signal gaps"), self.tr("Too fast"),
                                    self.tr("Grids covered")])
        self.stops_table = self._table([self.tr("Inspector"), self.tr("From"), self.tr("Duration"), self.tr("Place")])
        self.gaps_table = self._table([self.tr("Inspector"), self.tr("From"), self.tr("Duration"), self.tr("Distance")])
        self.fast_table = self._table([self.tr("Inspector"), self.tr("From"), self.tr("Distance"), self.tr("Top speed")])
        self.cases_table = self._table([self.tr("Inspector"), self.tr("Time"), self.tr("What"), self.tr("Case number")])
        self.cases_table.cellDoubleClicked.connect(self._open_case_row)
        for tbl, title in ((self.summary, self.tr("Summary")), (self.stops_table, self.tr("Stops")),
                           (self.gaps_table, self.tr("Signal gaps")), (self.fast_table, self.tr("Too fast")),
                           (self.cases_table, self.tr("Cases"))):
            self.tabs.addTab(tbl, title)
        self.stops_table.cellDoubleClicked.connect(lambda r, _c: self._seek_row(self.stops_table, r))
        self.gaps_table.cellDoubleClicked.connect(lambda r, _c: self._seek_row(self.gaps_table, r))
        self.fast_table.cellDoubleClicked.connect(lambda r, _c: self._seek_row(self.fast_table, r))
        root.addWidget(self.tabs, 1)
        exp = QHBoxLayout()
        for label, fmt in (("GPX", "gpx"), ("KML", "kml"), ("CSV", "csv"), (self.tr("Map PNG"), "png")):
            b = QPushButton(self.tr("Export %1").replace("%1", label))
            b.clicked.connect(lambda _=False, f=fmt: self._export_dialog(f))
            exp.addWidget(b)
        root.addLayout(exp)
        self.status = QLabel()
        self.status.setWordWrap(True)
        root.addWidget(self.status)
        self.preset_today()

    def _table(self, headers: list[str]) -> QTableWidget:
        t = QTableWidget(0, len(headers))
        t.setHorizontalHeaderLabels(headers)
        t.verticalHeader().setVisible(False)
        t.setEditTriggers(QAbstractItemView.NoEditTriggers)
        t.setSelectionBehavior(QAbstractItemView.SelectRows)
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        t.horizontalHeader().setStretchLastSection(True)
        return t

    # ------------------------------------------------------------------ choosing
    def refresh(self) -> None:
        run_async(self.client.track_inspectors, self._set_inspectors, self._error)

    def _set_inspectors(self, found: list[dict]) -> None:
        checked = set(self.chosen_ids())
        self.inspectors = found
        self.inspector_list.clear()
        for d in found:
            label = d["display_name"]
            if d.get("responsibility_grid_name"):
                label += f"  ·  {d['responsibility_grid_name']}"
            it = QListWidgetItem(label)
            it.setData(Qt.UserRole, d["inspector_id"])
            it.setFlags(it.flags() | Qt.ItemIsUserCheckable)
            it.setCheckState(Qt.Checked if d["inspector_id"] in checked else Qt.Unchecked)
            self.inspector_list.addItem(it)
        self.group_combo.clear()
        self.group_combo.addItem(self.tr("Choose a group…"), None)
        rgs = sorted({(d["responsibility_grid_code"], d["responsibility_grid_name"]) for d in found
                      if d.get("responsibility_grid_code")})
        for code, name in rgs:
            self.group_combo.addItem(self.tr("Grid: %1").replace("%1", name or code), ("rg", code))
        streets = sorted({(s["code"], s["name"]) for d in found for s in d.get("streets", [])})
        for code, name in streets:
            self.group_combo.addItem(self.tr("Street: %1").replace("%1", name), ("street", code))
        self.group_combo.addItem(self.tr("All inspectors"), ("all", None))

    def _filter(self, text: str) -> None:
        for i in range(self.inspector_list.count()):
            it = self.inspector_list.item(i)
            it.setHidden(bool(text) and text not in it.text())

    def _pick_group(self, index: int) -> None:
        key = self.group_combo.itemData(index)
        if not key:
            return
        kind, code = key
        ids = {d["inspector_id"] for d in self.inspectors
               if kind == "all" or (kind == "rg" and d.get("responsibility_grid_code") == code)
               or (kind == "street" and any(s["code"] == code for s in d.get("streets", [])))}
        self.choose(ids)

    def choose(self, ids: set[int] | list[int]) -> None:
        ids = set(ids)
        for i in range(self.inspector_list.count()):
            it = self.inspector_list.item(i)
            it.setCheckState(Qt.Checked if it.data(Qt.UserRole) in ids else Qt.Unchecked)

    def chosen_ids(self) -> list[int]:
        return [self.inspector_list.item(i).data(Qt.UserRole) for i in range(self.inspector_list.count())
                if self.inspector_list.item(i).checkState() == Qt.Checked]

    # ------------------------------------------------------------------ ranges
    def set_range(self, start: datetime, end: datetime) -> None:
        self.start_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(start.timestamp())))
        self.end_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(end.timestamp())))

    def range(self) -> tuple[datetime, datetime]:
        a = datetime.fromtimestamp(self.start_edit.dateTime().toSecsSinceEpoch(), timezone.utc)
        b = datetime.fromtimestamp(self.end_edit.dateTime().toSecsSinceEpoch(), timezone.utc)
        return a, b

    def _day_shift(self, day) -> tuple[datetime, datetime]:  # noqa: ANN001
        shifts = current_clock().shifts  # the city's own shifts (GET /api/ref/clock-config)
        first, last = shifts[0].start, shifts[-1].end
        return datetime.combine(day, first, self.tz), datetime.combine(day, last, self.tz)

    def preset_today(self) -> None:
        self.set_range(*self._day_shift(datetime.now(self.tz).date()))

    def preset_yesterday(self) -> None:
        day = datetime.now(self.tz).date() - timedelta(days=1)
        self.set_range(datetime.combine(day, dtime(0), self.tz), datetime.combine(day, dtime(23, 59, 59), self.tz))

    def preset_week(self) -> None:
        now = datetime.now(self.tz)
        self.set_range(now - timedelta(days=7), now)

    # ------------------------------------------------------------------ loading
    def load(self) -> None:
        ids = self.chosen_ids()
        if not ids:
            self.status.setText(self.tr("Choose at least one inspector."))
            return
        start, end = self.range()
        if end <= start:
            self.status.setText(self.tr("The end of the range is before its start."))
            return
        self.clock.pause()
        self.tracks, self.analyses = {}, {}
        self._pending = len(ids)
        self._errors: list[str] = []
        self.load_btn.setEnabled(False)
        self.status.setText(self.tr("Loading %1 tracks…").replace("%1", str(len(ids))))
        simplify = SIMPLIFY_M if (end - start).total_seconds() > LONG_RANGE_S else 0.0
        names = {d["inspector_id"]: d["display_name"] for d in self.inspectors}
        s, e = start.isoformat(), end.isoformat()
        crs = self.layer.crs
        for uid in ids:
            def job(uid=uid) -> tuple[int, dict, InspectorTrack]:
                # one request brings the track and its analysis; projecting it is done here too,
                # off the UI thread
                cols, analysis = self.client.track_playback(uid, s, e, simplify)
                name = names.get(uid) or analysis.get("name") or str(uid)
                stops = [{**st, "start": _epoch(st["start"]), "end": _epoch(st["end"])} for st in analysis["stops"]]
                cases = [{**c, "t": _epoch(c["at"])} for c in analysis["cases"]]
                tr = InspectorTrack(uid, name, cols["t"], cols["lon"], cols["lat"], cols.get("bearing"),
                                    stops=stops, cases=cases)
                prepare(tr, crs)
                return uid, analysis, tr
            run_async(job, self._one_loaded, self._load_failed)

    def _one_loaded(self, got: tuple[int, dict, InspectorTrack]) -> None:
        uid, analysis, track = got
        self.analyses[uid] = analysis
        self.tracks[uid] = track
        self._finish_one()

    def _load_failed(self, err: Exception) -> None:
        self._errors.append(str(err))
        self._finish_one()

    def _finish_one(self) -> None:
        self._pending -= 1
        if self._pending > 0:
            return
        self.load_btn.setEnabled(True)
        order = [uid for uid in self.chosen_ids() if uid in self.tracks]
        tracks = [self.tracks[uid] for uid in order]
        self.layer.set_tracks(tracks)
        self._set_coverage()
        self._fill_tables(order)
        start, end = self.range()
        if not self.live_check.isChecked():
            self.clock.set_range(start.timestamp(), end.timestamp())
            first = self.layer.time_range()
            if first:
                self.clock.seek(first[0])
        self.follow_combo.clear()
        for tr in tracks:
            self.follow_combo.addItem(tr.name, tr.inspector_id)
        marks = []
        for row, tr in enumerate(tracks):
            a = self.analyses[tr.inspector_id]
            marks += [TimelineMark(s["start"], s["end"], "stop", row) for s in tr.stops]
            marks += [TimelineMark(_epoch(g["start"]), _epoch(g["end"]), "gap", row) for g in a["gaps"]]
            marks += [TimelineMark(c["t"], c["t"], "case", row, c["case_id"], c["number"]) for c in tr.cases]
        self.timeline.set_data(start.timestamp(), end.timestamp(), [t.name for t in tracks], marks)
        fixes = sum(len(t) for t in tracks)
        text = self.tr("%1 inspectors, %2 fixes").replace("%1", str(len(tracks))).replace("%2", str(fixes))
        if self._errors:
            text += "\n" + self.tr("Could not load a track: %1").replace("%1", self._errors[0])
        self.status.setText(text)
        if self.canvas is not None and not self.live_check.isChecked():
            ext = self.layer.extent(self.canvas.crs)
            if ext:
                self.canvas.zoom_to_extent(ext, crs=self.canvas.crs, margin=0.08)
        self.loaded.emit()

    def _set_coverage(self) -> None:
        if self.grids is None:
            self.layer.set_coverage([], self.layer.crs)
            return
        dwell: dict[str, float] = {}
        visited: dict[str, bool] = {}
        for a in self.analyses.values():
            for g in a["coverage"]["grids"]:
                dwell[g["code"]] = dwell.get(g["code"], 0.0) + g["dwell_s"]
                visited[g["code"]] = visited.get(g["code"], False) or g["visited"]
        cells = []
        for code, v in visited.items():
            i = self.grids.index_of(code)
            if i is not None:
                cells.append((self.grids.store.geoms[i], v, dwell[code]))
        self.layer.set_coverage(cells, self.grids.crs)

    def _fill_tables(self, order: list[int]) -> None:
        def fill(table: QTableWidget, rows: list[tuple]) -> None:
            table.setRowCount(len(rows))
            for r, row in enumerate(rows):
                *cells, data = row
                for c, v in enumerate(cells):
                    it = QTableWidgetItem(str(v))
                    it.setData(Qt.UserRole, data)
                    table.setItem(r, c, it)
        summary, stops, gaps, fast, cases = [], [], [], [], []
        for uid in order:
            a, name = self.analyses[uid], self.tracks[uid].name
            share = a["duty_share"]
            cov = a["coverage"]
            summary.append((name, f"{a['distance_m'] / 1000:.2f} km",
                            f"{_fmt_duration(a['duty_s'])} / {_fmt_duration(a['shift_s'])}"
                            + (f"（{share:.0%}）" if share is not None else ""),
                            len(a["stops"]), len(a["gaps"]), len(a["fast"]),
                            f"{cov['visited']}/{cov['total']}（{cov['share']:.0%}）" if cov["total"] else "—", uid))
            stops += [(name, self._clock_text(_epoch(s["start"])), _fmt_duration(s["duration_s"]),
                       f"{s['lon']:.5f}, {s['lat']:.5f}", _epoch(s["start"])) for s in a["stops"]]
            gaps += [(name, self._clock_text(_epoch(g["start"])), _fmt_duration(g["duration_s"]),
                      f"{g['distance_m']:.0f} m", _epoch(g["start"])) for g in a["gaps"]]
            fast += [(name, self._clock_text(_epoch(f["start"])), f"{f['distance_m']:.0f} m",
                      f"{f['max_speed_kmh']:.0f} km/h", _epoch(f["start"])) for f in a["fast"]]
            what = {"report": self.tr("Inspector's report"), "verify": self.tr("Inspector's verification"),
                    "check": self.tr("Inspector's check")}
            cases += [(name, self._clock_text(_epoch(c["at"])), what.get(c["what"], c["what"]), c["number"],
                       c["case_id"]) for c in a["cases"]]
        for table, rows in ((self.summary, summary), (self.stops_table, stops), (self.gaps_table, gaps),
                            (self.fast_table, fast), (self.cases_table, cases)):
            fill(table, rows)

    def _open_case_row(self, row: int, _col: int) -> None:
        it = self.cases_table.item(row, 0)
        if it is not None:
            self.caseSelected.emit(int(it.data(Qt.UserRole)))

    def _seek_row(self, table: QTableWidget, row: int) -> None:
        it = table.item(row, 0)
        if it is not None:
            self.clock.seek(float(it.data(Qt.UserRole)))

    # ------------------------------------------------------------------ playback
    def _clock_text(self, t: float, with_date: bool = False) -> str:
        d = datetime.fromtimestamp(t, self.tz)
        return d.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%m-%d %H:%M:%S")

    def _on_time(self, t: float) -> None:
        self.layer.set_time(t)
        self.clock_label.setText(self._clock_text(t, with_date=True))
        self.timeline.set_time(t)
        if self.canvas is None:
            return
        if self.follow_check.isChecked() and self.follow_combo.count():
            uid = self.follow_combo.currentData()
            self.layer.selected = uid
            tr = self.tracks.get(uid)
            pos = self.layer.position_at(tr, t) if tr is not None else None
            if pos is not None and self._off_centre(pos[0], pos[1]):
                # re-centre (one render of the layers) only when the inspector leaves the middle of
                # the map: centring at every frame would re-render every layer 60 times a second
                self.canvas.center_on(pos[0], pos[1], crs=self.layer.crs)
                return
        self.canvas.update()

    def _off_centre(self, x: float, y: float) -> bool:
        vp = self.canvas.viewport
        px, py = vp.map_to_pixel(x, y) if vp.crs == self.layer.crs else (-1.0, -1.0)
        return (abs(px - vp.width / 2) > FOLLOW_BOX * vp.width / 2
                or abs(py - vp.height / 2) > FOLLOW_BOX * vp.height / 2)

    def _show_playing(self, playing: bool) -> None:
        self.play_btn.setText(self.tr("Pause") if playing else self.tr("Play"))
        self.play_btn.setIcon(self.style().standardIcon(QStyle.SP_MediaPause if playing else QStyle.SP_MediaPlay))

    def _set_by_speed(self, on: bool) -> None:
        self.layer.by_speed = on
        self.layer.notify("style")

    # ------------------------------------------------------------------ live mode
    def set_live(self, on: bool) -> None:
        """Follow the chosen inspectors now, with the last half hour as a trail."""
        self.clock.live = on
        if on:
            now = datetime.now(timezone.utc)
            self.layer.trail_s = LIVE_TRAIL_S
            self.set_range(now - timedelta(seconds=LIVE_TRAIL_S), now)
            self.load()
            self.clock.play()
        else:
            self.layer.trail_s = 600.0
            self.clock.pause()

    def on_event(self, ev: dict) -> None:
        """inspector.position events extend the tracks while live."""
        if not self.live_check.isChecked() or ev.get("type") != "inspector.position":
            return
        d = ev.get("data") or ev
        uid = d.get("user_id") or d.get("inspector_id")
        tr = self.tracks.get(uid)
        if tr is None or d.get("lon") is None:
            return
        t = _epoch(d.get("fix_at") or datetime.now(timezone.utc).isoformat())
        if len(tr) and t <= tr.t[-1]:
            return
        tr.t = np.append(tr.t, t)
        tr.lon = np.append(tr.lon, float(d["lon"]))
        tr.lat = np.append(tr.lat, float(d["lat"]))
        if tr.bearing is not None:
            tr.bearing = np.append(tr.bearing, np.float32(d.get("bearing") if d.get("bearing") is not None else np.nan))
        self.layer.set_tracks(list(self.layer.tracks))

    # ------------------------------------------------------------------ export
    def export_tracks(self) -> list[ExportTrack]:
        return [ExportTrack(tr.name, tr.t, tr.lon, tr.lat, None, tr.bearing) for tr in self.layer.tracks]

    def export(self, fmt: str, path: str | Path) -> Path:
        path = Path(path)
        if fmt == "png":
            if self.canvas is None:
                raise ValueError("no map to export")
            if not self.canvas.compose_image().save(str(path), "PNG"):
                raise OSError(f"cannot write {path}")
            return path
        data = {"gpx": gpx, "kml": kml, "csv": csv_bytes}[fmt](self.export_tracks())
        path.write_bytes(data)
        return path

    def _export_dialog(self, fmt: str) -> None:
        if fmt != "png" and not self.layer.tracks:
            self.status.setText(self.tr("Load tracks first."))
            return
        filters = {"gpx": "GPX (*.gpx)", "kml": "KML (*.kml)", "csv": "CSV (*.csv)", "png": "PNG (*.png)"}
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export"), f"tracks.{fmt}", filters[fmt])
        if not path:
            return
        try:
            self.export(fmt, path)
            self.status.setText(self.tr("Saved %1").replace("%1", path))
        except (OSError, ValueError) as e:
            self.status.setText(self.tr("Could not save: %1").replace("%1", str(e)))

    def _error(self, err: Exception) -> None:
        self.status.setText(str(err))


def _epoch(value: str | float) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def _qtz(tz: ZoneInfo):  # noqa: ANN202
    from PySide6.QtCore import QTimeZone
    return QTimeZone(str(tz.key).encode())
