"""The timing panel (计时): every running case with its counted time left, ticking live.

Between server updates the remaining time is recomputed every second from the case's deadline with
the case's own clock (app.domain.clocks.WorkClock.counted_seconds(now, deadline_at, limit_type)),
so it only decreases while that clock counts (work hours, work days ...). Suspended cases show
"paused". Rows are coloured by band and sorted by urgency (red first, then the least remaining
fraction of the limit). A case turning red (a case.band event, or local ticking crossing zero)
raises the alarm: a sound (unless muted) and a banner with a "go to case" button.

    panel = TimingPanel(client, data=city_data)      # data (CityData) optional
    stream.event.connect(panel.on_event); stream.resync.connect(panel.refresh)
    panel.caseSelected.connect(detail.show_case)
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QTableView,
                               QToolButton, QVBoxLayout, QWidget)

from app.api.worker import run_async
from app.api.city_config import city_tz, current_clock, yellow_fraction
from app.domain.clocks import ClockType, WorkClock, band as band_of
from app.domain.workflow import OPEN_STATES
from app.widgets.supervision_mark import with_mark


BAND_BG = {"green": QColor("#e8f5e9"), "yellow": QColor("#fff3c4"), "red": QColor("#ffcdd2"),
           "paused": QColor("#eceff1")}
BAND_FG = {"green": QColor("#1b5e20"), "yellow": QColor("#8d6e00"), "red": QColor("#b71c1c"),
           "paused": QColor("#546e7a")}
BAND_RANK = {"red": 0, "yellow": 1, "green": 2, "paused": 3}


def _t(text: str) -> str:
    return QCoreApplication.translate("CaseLabels", text)



def state_label(state: str | None) -> str:
    names = {"reported": "Awaiting acceptance", "verifying": "Verifying", "pending_filing": "Awaiting filing",
             "pending_dispatch": "Awaiting dispatch", "handling": "Handling", "postponed": "Postponed",
             "suspended": "Suspended",
             "pending_check": "Awaiting check", "checking": "Checking", "closed": "Closed", "void": "Void"}
    return _t(names[state]) if state in names else (state or "")


def stage_label(stage: str | None) -> str:
    names = {"accept": "Acceptance", "verify": "Verification", "file": "Filing", "dispatch": "Dispatch",
             "handling": "Handling", "send_check": "Sending check", "check": "Check"}
    return _t(names[stage]) if stage in names else (stage or "")


def source_label(source: str | None) -> str:
    names = {"inspector": "Inspector", "hotline": "Hotline", "citizen": "Citizen app", "open311": "Open311",
             "video": "Video patrol", "leader": "Leader assignment", "media": "Media"}
    return _t(names[source]) if source in names else (source or "")


def limit_type_label(limit_type: str | None) -> str:
    names = {"urgent_hour": "urgent hours", "work_hour": "work hours", "work_day": "work days",
             "natural_day": "natural days"}
    return _t(names[limit_type]) if limit_type in names else (limit_type or "")


def band_label(band: str | None) -> str:
    names = {"green": "Green", "yellow": "Yellow", "red": "Red", "paused": "Paused"}
    return _t(names[band]) if band in names else ""


def fmt_duration(seconds: float) -> str:
    """A length of counted time: '2小时15分' style (via translation); no sign."""
    s = int(abs(seconds))
    d, rest = divmod(s, 86400)
    h, rest = divmod(rest, 3600)
    m, sec = divmod(rest, 60)
    if d:
        return _t("%1d %2h").replace("%1", str(d)).replace("%2", str(h))
    if h:
        return _t("%1h %2m").replace("%1", str(h)).replace("%2", str(m))
    if m:
        return _t("%1m %2s").replace("%1", str(m)).replace("%2", str(sec))
    return _t("%1s").replace("%1", str(sec))


def fmt_limit(value: float | None, limit_type: str | None) -> str:
    """A stage limit as written: '4 工作时', '2 工作日', short stage limits in minutes ('30分钟')."""
    if not value or not limit_type:
        return ""
    if limit_type in ("urgent_hour", "work_hour") and value < 1:
        return _t("%1 min").replace("%1", f"{round(value * 60, 2):g}")
    return f"{value:g} {limit_type_label(limit_type)}"


def fmt_remaining(seconds: float | None, paused: bool = False) -> str:
    if paused:
        return _t("paused") + (f" · {fmt_duration(seconds)}" if seconds else "")
    if seconds is None:
        return ""
    if seconds < 0:
        return _t("overdue %1").replace("%1", fmt_duration(seconds))
    return fmt_duration(seconds)


def parse_ts(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def fmt_local(value: Any, with_seconds: bool = False) -> str:
    """An ISO instant in the city's time zone (the server's clock config)."""
    dt = parse_ts(value)
    if dt is None:
        return ""
    return dt.astimezone(city_tz()).strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")


def fetch_all(client, **filters) -> list[dict]:
    """Worker thread: every page of client.cases(**filters)."""
    items: list[dict] = []
    while True:
        page = client.cases(limit=1000, offset=len(items), **filters)
        batch = page["items"] if isinstance(page, dict) else page
        items.extend(batch)
        total = page.get("total", 0) if isinstance(page, dict) else 0
        if not batch or len(items) >= total:
            return items


def running(case: dict) -> bool:
    """An open case with a clock (running, or paused by suspension)."""
    if case.get("state") not in OPEN_STATES:
        return False
    return case.get("deadline_at") is not None or case.get("state") == "suspended"


class CaseTimer:
    """The live clock of one case."""

    __slots__ = ("case", "server_band", "remaining", "band", "fraction", "paused")

    def __init__(self, case: dict):
        self.case = case
        self.server_band = case.get("band")
        self.remaining: float | None = case.get("remaining_seconds")
        self.paused = case.get("state") == "suspended"
        self.band = "paused" if self.paused else (self.server_band or "green")
        self.fraction = 1.0

    def limit_seconds(self) -> float | None:
        lv, lt = self.case.get("limit_value"), self.case.get("limit_type")
        return WorkClock.limit_seconds(lv, lt) if lv and lt else None

    def tick(self, clock: WorkClock, now: datetime) -> None:
        if self.paused:
            self.remaining = self.case.get("remaining_at_pause")
            self.band = "paused"
            lim = self.limit_seconds()
            self.fraction = (self.remaining or 0.0) / lim if lim else 1.0
            return
        deadline = parse_ts(self.case.get("deadline_at"))
        if deadline is not None:
            lt = self.case.get("limit_type") or ClockType.URGENT_HOUR
            self.remaining = clock.counted_seconds(now, deadline, lt)
        lim = self.limit_seconds()
        rem = self.remaining
        local = band_of(rem, lim, yellow_fraction()) if rem is not None and lim else (self.server_band or "green")
        if rem is not None and rem <= 0:
            local = "red"
        server = self.server_band or "green"
        self.band = local if BAND_RANK[local] <= BAND_RANK.get(server, 2) else server
        self.fraction = rem / lim if rem is not None and lim else 1.0

    def sort_key(self) -> tuple:
        return BAND_RANK[self.band], self.fraction, self.case.get("id", 0)


class TimingModel(QAbstractTableModel):
    COLS = ("number", "stage", "department", "remaining", "deadline")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[CaseTimer] = []
        self.dept_names: dict[int, str] = {}

    def headers(self) -> list[str]:
        return [self.tr("Case"), self.tr("State"), self.tr("Department"), self.tr("Remaining"),
                self.tr("Deadline")]

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.COLS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return self.headers()[section]
        return None

    def case_id(self, row: int) -> int:
        return int(self.rows[row].case["id"])

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        t = self.rows[index.row()]
        c = t.case
        col = self.COLS[index.column()]
        if role == Qt.DisplayRole:
            if col == "number":
                return c.get("number", "")
            if col == "stage":
                st = state_label(c.get("state"))
                return with_mark(st, c)  # 督×N: the case was urged
            if col == "department":
                d = c.get("department_id")
                return self.dept_names.get(d, str(d)) if d else ""
            if col == "remaining":
                return fmt_remaining(t.remaining, t.paused)
            if col == "deadline":
                return fmt_local(c.get("deadline_at"))
        elif role == Qt.BackgroundRole:
            return BAND_BG.get(t.band)
        elif role == Qt.ForegroundRole and col == "remaining":
            return BAND_FG.get(t.band)
        elif role == Qt.FontRole and col == "remaining":
            from PySide6.QtGui import QFont
            f = QFont()
            f.setBold(True)
            return f
        elif role == Qt.ToolTipRole:
            return (f"{c.get('number', '')} {c.get('class_name') or ''}\n{c.get('address') or ''}\n"
                    f"{(c.get('description') or '')[:80]}")
        elif role == Qt.UserRole:
            return c.get("id")
        return None

    def set_rows(self, rows: list[CaseTimer]) -> None:
        old_ids = [int(r.case["id"]) for r in self.rows]
        new_ids = [int(r.case["id"]) for r in rows]
        if old_ids == new_ids:
            self.rows = rows
            if rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(self.COLS) - 1))
            return
        if set(old_ids) != set(new_ids):
            self.beginResetModel()
            self.rows = rows
            self.endResetModel()
            return
        self.layoutAboutToBeChanged.emit()
        pos = {cid: i for i, cid in enumerate(new_ids)}
        old = self.persistentIndexList()
        new = [self.index(pos[old_ids[i.row()]], i.column()) for i in old]
        self.rows = rows
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()


class TimingPanel(QWidget):
    """Dockable 计时 panel. Signal caseSelected(int) when a row or an alarm's "go to case" is clicked."""

    caseSelected = Signal(int)
    alarmRaised = Signal(int)  # a case turned red (after the sound and the banner)
    alarmedAtLoad = Signal(list)  # case ids already red when the list loaded (one alarm for them)

    def __init__(self, client, data=None, parent: QWidget | None = None, clock: WorkClock | None = None):
        super().__init__(parent)
        self.client = client
        self.data = data
        self.clock = clock or current_clock()  # the city's shifts and holidays, from the server
        self.timers: dict[int, CaseTimer] = {}
        self._alarmed: set[tuple] = set()
        self._loading = False
        self.departments: dict[int, str] = {}

        from .alarm import AlarmBanner, AlarmSound
        self.sound = AlarmSound(self)
        self.banner = AlarmBanner(self)
        self.banner.caseSelected.connect(self.caseSelected)

        self.counts = QLabel(self)
        self.counts.setTextFormat(Qt.RichText)
        self.mute = QToolButton(self)
        self.mute.setCheckable(True)
        self.mute.setText(self.tr("Mute"))
        self.mute.setToolTip(self.tr("Mute the overdue alarm sound"))
        self.mute.toggled.connect(self._muted)
        self.dept_filter = QComboBox(self)
        self.dept_filter.addItem(self.tr("All departments"), None)
        self.stage_filter = QComboBox(self)
        self.stage_filter.addItem(self.tr("All stages"), None)
        for st in ("accept", "verify", "file", "dispatch", "handling", "send_check", "check"):
            self.stage_filter.addItem(stage_label(st), st)
        self.dept_filter.currentIndexChanged.connect(lambda _: self._tick())
        self.stage_filter.currentIndexChanged.connect(lambda _: self._tick())

        self.model = TimingModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.setAlternatingRowColors(False)
        self.view.setShowGrid(False)
        hh = self.view.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.Interactive)  # fixed widths: no re-measuring every tick
        for col, width in enumerate((150, 110, 220, 150)):
            self.view.setColumnWidth(col, width)
        hh.setStretchLastSection(True)
        self.view.clicked.connect(lambda ix: self.caseSelected.emit(self.model.case_id(ix.row())))
        self.status = QLabel(self)
        from .theme import set_ink  # theme imports this module
        set_ink(self.status, "error")
        self.status.setVisible(False)

        top = QHBoxLayout()
        top.addWidget(self.counts, 1)
        top.addWidget(self.mute)
        filters = QHBoxLayout()
        filters.addWidget(self.dept_filter, 1)
        filters.addWidget(self.stage_filter, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.banner)
        lay.addLayout(filters)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.status)

        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        if data is not None and hasattr(data, "caseChanged"):
            data.caseChanged.connect(self._case_changed)
        self._update_counts([])
        self.refresh()

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        """Reloads every running case from the server (at start and after a resync)."""
        if self._loading:
            return
        self._loading = True
        client = self.client

        def work():
            try:
                depts = client.departments()
            except Exception:  # noqa: BLE001 - a department user may not list them; names are optional
                depts = []
            return depts, fetch_all(client, state=",".join(OPEN_STATES), sort="deadline_at")

        run_async(work, self._loaded, self._failed)

    def _loaded(self, result) -> None:
        self._loading = False
        depts, page = result
        self.status.setVisible(False)
        self._set_departments(depts)
        items = page["items"] if isinstance(page, dict) else page
        self.timers = {}
        already_red = []
        for c in items:
            if running(c):
                self.timers[int(c["id"])] = t = CaseTimer(c)
                t.tick(self.clock, datetime.now(timezone.utc))
                if t.band == "red":
                    already_red.append(t)
        self._tick()
        self._alarm_already_red(already_red)

    def _alarm_already_red(self, timers: list[CaseTimer]) -> None:
        """Cases already overdue when the list loads (at login, after a reconnect): one alarm for
        those not alarmed yet, the most overdue first, so a shift starts knowing what is red."""
        fresh = [t for t in timers if self._alarm_key(t.case) not in self._alarmed]
        if not fresh:
            return
        fresh.sort(key=lambda t: t.remaining if t.remaining is not None else 0)
        for t in fresh:
            self._alarmed.add(self._alarm_key(t.case))
        shown = fresh[:self.banner.MAX_ROWS]
        for i, t in reversed(list(enumerate(shown))):  # the banner shows the last added on top
            c = t.case
            text = self.tr("%1: %2 overdue").replace("%1", str(c.get("number", c["id"]))).replace(
                "%2", stage_label(c.get("stage")))
            if i == 0 and len(fresh) > len(shown):
                text += self.tr(" (%1 cases already overdue)").replace("%1", str(len(fresh)))
            self.banner.add(int(c["id"]), text)
        self.sound.play()
        self.alarmedAtLoad.emit([int(t.case["id"]) for t in fresh])

    def _failed(self, e: Exception) -> None:
        self._loading = False
        self.status.setText(self.tr("Cannot load cases: %1").replace("%1", str(e)))
        self.status.setVisible(True)

    def _set_departments(self, depts: list[dict]) -> None:
        if not depts:
            return
        self.departments = {int(d["id"]): d["name"] for d in depts}
        self.model.dept_names = self.departments
        current = self.dept_filter.currentData()
        self.dept_filter.blockSignals(True)
        self.dept_filter.clear()
        self.dept_filter.addItem(self.tr("All departments"), None)
        for did, name in sorted(self.departments.items(), key=lambda kv: kv[1]):
            self.dept_filter.addItem(name, did)
        i = self.dept_filter.findData(current)
        self.dept_filter.setCurrentIndex(max(0, i))
        self.dept_filter.blockSignals(False)

    # ------------------------------------------------------------------ live events
    def on_event(self, msg: dict) -> None:
        kind, data = msg.get("type"), msg.get("data") or {}
        if kind == "case.changed":
            self._case_changed(data)
        elif kind == "case.band":
            self._band_changed(data)
        elif kind == "resync":
            self.refresh()

    def _case_changed(self, case: dict) -> None:
        if not case or "id" not in case:
            return
        cid = int(case["id"])
        if not running(case):
            self.timers.pop(cid, None)
            if case.get("state") not in OPEN_STATES:
                self.banner.remove(cid)
        else:
            old = self.timers.get(cid)
            t = CaseTimer(case)
            self.timers[cid] = t
            t.tick(self.clock, datetime.now(timezone.utc))
            if t.band == "red" and (old is None or old.band != "red"):
                self._alarm(t)
        self._tick()

    def _band_changed(self, d: dict) -> None:
        cid = int(d["id"])
        t = self.timers.get(cid)
        if t is None:
            # a case we have not seen yet: fetch it, then treat it like a change
            run_async(lambda: self.client.case(cid), self._fetched_then_alarm, lambda e: None)
            return
        for k in ("band", "stage", "state", "deadline_at", "remaining_seconds", "department_id", "number"):
            if k in d:
                t.case[k] = d[k]
        t.server_band = d.get("band")
        t.paused = t.case.get("state") == "suspended"
        if not running(t.case):
            self.timers.pop(cid, None)
        elif d.get("band") == "red":
            self._alarm(t)
        self._tick()

    def _fetched_then_alarm(self, case: dict) -> None:
        case = {k: v for k, v in case.items() if k not in ("events", "photos", "allowed_actions")}
        self._case_changed(case)

    # ------------------------------------------------------------------ ticking
    def _filtered(self) -> list[CaseTimer]:
        dept, stage = self.dept_filter.currentData(), self.stage_filter.currentData()
        out = []
        for t in self.timers.values():
            if dept is not None and t.case.get("department_id") != dept:
                continue
            if stage is not None and t.case.get("stage") != stage:
                continue
            out.append(t)
        return out

    def _tick(self) -> None:
        now = datetime.now(timezone.utc)
        for t in self.timers.values():
            was = t.band
            t.tick(self.clock, now)
            if t.band == "red" and was != "red":
                self._alarm(t)  # local ticking crossed zero
        rows = sorted(self._filtered(), key=CaseTimer.sort_key)
        self.model.set_rows(rows)
        self._update_counts(rows)

    def _update_counts(self, rows: list[CaseTimer]) -> None:
        n = {"green": 0, "yellow": 0, "red": 0, "paused": 0}
        for t in rows:
            n[t.band] = n.get(t.band, 0) + 1
        self.band_counts = n
        parts = [f"<span style='color:{BAND_FG[b].name()}; font-weight:bold'>{band_label(b)} {n[b]}</span>"
                 for b in ("green", "yellow", "red")]
        text = " / ".join(parts)
        # 缓办 runs against its approved date (counted in its band above, and shown apart);
        # 挂账 has no clock and is out of the active count
        postponed = sum(1 for t in rows if t.case.get("state") == "postponed")
        self.band_counts["postponed"] = postponed
        if postponed:
            text += f" &nbsp; {state_label('postponed')} {postponed}"
        if n["paused"]:
            text += f" &nbsp; <span style='color:{BAND_FG['paused'].name()}'>{state_label('suspended')} {n['paused']}</span>"
        self.counts.setText(text)

    # ------------------------------------------------------------------ the alarm
    @staticmethod
    def _alarm_key(case: dict) -> tuple:
        return int(case["id"]), case.get("stage"), case.get("deadline_at")

    def _alarm(self, t: CaseTimer) -> None:
        key = self._alarm_key(t.case)
        if key in self._alarmed:
            return
        self._alarmed.add(key)
        c = t.case
        text = self.tr("%1: %2 overdue").replace("%1", str(c.get("number", c["id"]))).replace(
            "%2", stage_label(c.get("stage")))
        self.banner.add(int(c["id"]), text)
        self.sound.play()
        self.alarmRaised.emit(int(c["id"]))

    def _muted(self, on: bool) -> None:
        self.sound.muted = on
        self.mute.setText(self.tr("Muted") if on else self.tr("Mute"))

    # ------------------------------------------------------------------ helpers for callers and tests
    def row_of(self, case_id: int) -> int:
        for i, t in enumerate(self.model.rows):
            if int(t.case["id"]) == int(case_id):
                return i
        return -1

    def remaining_text(self, case_id: int) -> str:
        i = self.row_of(case_id)
        return self.model.data(self.model.index(i, 3)) if i >= 0 else ""
