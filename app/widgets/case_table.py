"""A reusable case list, and what the case-flow panels (accept, file, dispatch) share.

CaseTable: a QAbstractTableModel + QSortFilterProxyModel over CaseOut dicts in a QTableView, with a
filter box. Rows are updated in place from live events (case.changed, case.band) by case id, never by
reloading. Selecting a row emits caseSelected(int).

The panels' base (FlowPanel) is in flow_panel.py.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from PySide6.QtCore import (QAbstractTableModel, QCoreApplication, QDateTime, QModelIndex, QObject,
                            QSortFilterProxyModel, Qt, Signal)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtCore import QTimeZone
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QTableView, QVBoxLayout, QWidget

from app.api.city_config import city_tz as city_time_zone
from app.api.worker import run_async
from app.domain.workflow import CHECK_FAILED, CHECK_PASSED, check_result
from app.widgets.supervision_mark import with_mark


def async_for(owner: QObject, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
              on_error: Callable[[Exception], None] | None = None) -> None:
    """run_async whose callbacks are dropped when `owner` (a widget) is gone by the time the answer comes."""
    run_async(fn, on_done, on_error, owner=owner)


def _t(context: str, text: str) -> str:
    return QCoreApplication.translate(context, text)


# Labels are translated where they are shown (the source strings are English; the UI ships in Chinese).
STATE_LABELS = {
    "reported": "Reported", "verifying": "Verifying", "pending_filing": "Pending filing",
    "pending_dispatch": "Pending dispatch", "handling": "Handling", "postponed": "Postponed",
    "suspended": "Suspended", "pending_check": "Pending check", "checking": "Checking", "closed": "Closed", "void": "Void",
}
SOURCE_LABELS = {
    "inspector": "Inspector", "hotline": "Hotline", "citizen": "Citizen app", "open311": "Open311",
    "video": "Video patrol", "leader": "Leader", "media": "Media",
}
LIMIT_LABELS = {
    "urgent_hour": "{n} urgent hours", "work_hour": "{n} work hours", "work_day": "{n} working days",
    "natural_day": "{n} calendar days",
}
PENDING_LABELS = {"extension": "Extension requested", "postponement": "Postponement requested",
                  "suspension": "Suspension requested"}
BAND_COLOURS = {"green": QColor(46, 160, 67), "yellow": QColor(230, 180, 0), "red": QColor(215, 48, 39)}
BAND_TINTS = {"green": QColor(46, 160, 67, 40), "yellow": QColor(240, 190, 0, 70), "red": QColor(215, 48, 39, 70)}


def state_label(state: str | None) -> str:
    return _t("CaseState", STATE_LABELS.get(state or "", state or ""))


CHECK_LABELS = {None: "Pending check", CHECK_PASSED: "Check passed", CHECK_FAILED: "Check failed"}


def case_state_label(case: dict) -> str:
    """The state as the user should read it: in pending_check also what the check found
    (待核查 before any check, then 核查通过 or 核查未通过)."""
    if case.get("state") == "pending_check" and not case.get("pending"):
        return _t("CaseState", CHECK_LABELS.get(check_result(case), "Pending check"))
    return state_label(case.get("state"))


def source_label(source: str | None) -> str:
    return _t("CaseSource", SOURCE_LABELS.get(source or "", source or ""))


def number_text(v: float) -> str:
    return f"{v:g}"


def limit_label(value: float | None, limit_type: str | None) -> str:
    if value is None or not limit_type:
        return ""
    return _t("TimeLimit", LIMIT_LABELS.get(limit_type, "{n} " + limit_type)).replace("{n}", number_text(value))


def condition_label(cond: dict) -> str:
    """'4 工作时 — 破损超过25平方厘米 → 更换或修复'."""
    return (f"{limit_label(cond.get('limit_value'), cond.get('limit_type'))} — {cond.get('text', '')}"
            f" → {cond.get('closing_condition', '')}")


def local_time(iso: str | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """An ISO 8601 instant from the server, shown in the city's time zone (the server's clock
    config), whatever zone the workstation is set to: deadlines are the city's wall-clock times."""
    if not iso:
        return ""
    dt = QDateTime.fromString(iso.replace("Z", "+00:00"), Qt.ISODateWithMs)
    if not dt.isValid():
        dt = QDateTime.fromString(iso, Qt.ISODate)
    if not dt.isValid():
        return iso
    zone = QTimeZone(city_time_zone().key.encode("ascii"))
    return (dt.toTimeZone(zone) if zone.isValid() else dt.toLocalTime()).toString(fmt)


def remaining_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(round(seconds))
    sign = "-" if s < 0 else ""
    s = abs(s)
    d, rem = divmod(s, 86400)
    h, rem = divmod(rem, 3600)
    m = rem // 60
    if d:
        return sign + _t("Remaining", "{d}d {h}h").replace("{d}", str(d)).replace("{h}", str(h))
    return f"{sign}{h}:{m:02d}"


# ---------------------------------------------------------------------- the model
COLUMNS = ("number", "class", "source", "state", "where", "department", "deadline", "remaining", "band")
COLUMN_TITLES = ("Number", "Class", "Source", "State", "Address / grid", "Department", "Deadline",
                 "Remaining", "Band")
SORT_ROLE = Qt.UserRole + 1
ID_ROLE = Qt.UserRole + 2


class CaseTableModel(QAbstractTableModel):
    """CaseOut dicts by id; `upsert` and `apply_band` change one row in place."""

    def __init__(self, parent=None):  # noqa: ANN001
        super().__init__(parent)
        self._rows: list[dict] = []
        self._row_of: dict[int, int] = {}
        self.departments: dict[int, str] = {}

    # -- data access
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation, role=Qt.DisplayRole):  # noqa: N802, ANN001
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return _t("CaseTable", COLUMN_TITLES[section])
        return None

    def case(self, case_id: int) -> dict | None:
        i = self._row_of.get(int(case_id))
        return None if i is None else self._rows[i]

    def case_at(self, row: int) -> dict:
        return self._rows[row]

    def ids(self) -> list[int]:
        return [c["id"] for c in self._rows]

    def _text(self, c: dict, col: str) -> str:
        if col == "number":
            return c.get("number", "")
        if col == "class":
            return c.get("class_name") or c.get("class_code", "")
        if col == "source":
            return source_label(c.get("source"))
        if col == "state":
            s = case_state_label(c)
            if c.get("pending"):
                s += " · " + _t("CaseState", PENDING_LABELS.get(c["pending"], c["pending"]))
            return with_mark(s, c)  # 督×N: the case was urged
        if col == "where":
            return c.get("address") or c.get("grid_code") or f"{c.get('lon', 0):.5f}, {c.get('lat', 0):.5f}"
        if col == "department":
            d = c.get("department_id")
            return "" if d is None else self.departments.get(d, f"#{d}")
        if col == "deadline":
            return local_time(c.get("deadline_at"), "MM-dd HH:mm")
        if col == "remaining":
            return remaining_text(c.get("remaining_seconds"))
        if col == "band":
            return {"green": "●", "yellow": "●", "red": "●"}.get(c.get("band") or "", "")
        return ""

    def data(self, index: QModelIndex, role=Qt.DisplayRole):  # noqa: ANN001
        if not index.isValid():
            return None
        c = self._rows[index.row()]
        col = COLUMNS[index.column()]
        if role == Qt.DisplayRole:
            return self._text(c, col)
        if role == SORT_ROLE:
            if col == "remaining":
                r = c.get("remaining_seconds")
                return float("inf") if r is None else float(r)
            if col == "band":
                return {"red": 0, "yellow": 1, "green": 2}.get(c.get("band") or "", 3)
            if col == "deadline":
                return c.get("deadline_at") or "~"
            return self._text(c, col)
        if role == ID_ROLE:
            return c["id"]
        if role == Qt.DecorationRole and col == "number":  # the band, visible however narrow the table
            return BAND_COLOURS.get(c.get("band") or "")
        if role == Qt.ForegroundRole and col == "band":
            colour = BAND_COLOURS.get(c.get("band") or "")
            return QBrush(colour) if colour else None
        if role == Qt.BackgroundRole and col in ("remaining", "band"):
            tint = BAND_TINTS.get(c.get("band") or "")
            return QBrush(tint) if tint else None
        if role == Qt.ToolTipRole:
            return c.get("description") or None
        if role == Qt.TextAlignmentRole and col == "band":
            return int(Qt.AlignCenter)
        return None

    # -- changes
    def set_cases(self, cases: Iterable[dict]) -> None:
        self.beginResetModel()
        self._rows = [dict(c) for c in cases]
        self._row_of = {c["id"]: i for i, c in enumerate(self._rows)}
        self.endResetModel()

    def upsert(self, case: dict) -> None:
        i = self._row_of.get(case["id"])
        if i is None:
            n = len(self._rows)
            self.beginInsertRows(QModelIndex(), n, n)
            self._rows.append(dict(case))
            self._row_of[case["id"]] = n
            self.endInsertRows()
        else:
            self._rows[i] = {**self._rows[i], **case}
            self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))

    def remove(self, case_id: int) -> None:
        i = self._row_of.get(int(case_id))
        if i is None:
            return
        self.beginRemoveRows(QModelIndex(), i, i)
        del self._rows[i]
        self._row_of = {c["id"]: k for k, c in enumerate(self._rows)}
        self.endRemoveRows()

    def apply_band(self, data: dict) -> bool:
        i = self._row_of.get(data.get("id"))
        if i is None:
            return False
        keep = ("band", "stage", "state", "deadline_at", "remaining_seconds", "department_id")
        self._rows[i].update({k: data[k] for k in keep if k in data})
        self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))
        return True


class CaseFilterProxy(QSortFilterProxyModel):
    def __init__(self, parent=None):  # noqa: ANN001
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseInsensitive)
        self.setFilterKeyColumn(-1)
        self.setDynamicSortFilter(True)

    needle = ""  # the filter text as typed (setFilterFixedString escapes 井盖 into a pattern that cannot match)

    def set_needle(self, text: str) -> None:
        self.needle = text.strip().lower()
        self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: QModelIndex) -> bool:  # noqa: N802
        needle = self.needle
        if not needle:
            return True
        m: CaseTableModel = self.sourceModel()  # type: ignore[assignment]
        c = m.case_at(row)
        hay = " ".join(m._text(c, col) for col in COLUMNS) + " " + (c.get("description") or "") + " " + \
            (c.get("grid_code") or "") + " " + (c.get("reporter_name") or "")
        return all(word in hay.lower() for word in needle.split())


class CaseTable(QWidget):
    """A filter box over a sortable case table. `accepts(case)` decides which cases belong here: an
    event for a case that no longer belongs removes its row; a new one that does is added."""

    caseSelected = Signal(int)
    selectionChangedIds = Signal(list)

    def __init__(self, accepts: Callable[[dict], bool] | None = None, multi: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.accepts = accepts or (lambda c: True)
        self.model = CaseTableModel(self)
        self.proxy = CaseFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText(self.tr("Filter: number, class, address, grid…"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter)
        self.view = QTableView(self)
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(COLUMNS.index("number"), Qt.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.ExtendedSelection if multi else
                                   QAbstractItemView.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(22)
        h = self.view.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.Interactive)
        h.setStretchLastSection(False)
        for col, w in zip(COLUMNS, (150, 92, 52, 70, 120, 92, 92, 66, 24)):
            self.view.setColumnWidth(COLUMNS.index(col), w)
        # the address takes what is left, so the row fits the panel's width without scrolling
        h.setSectionResizeMode(COLUMNS.index("where"), QHeaderView.Stretch)
        h.setMinimumSectionSize(24)
        self.view.setColumnHidden(COLUMNS.index("band"), True)  # the number's colour dot says it already
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.filter)
        lay.addWidget(self.view)
        self._last_selected: int | None = None

    def hide_columns(self, *names: str) -> None:
        for n in names:
            self.view.setColumnHidden(COLUMNS.index(n), True)

    # -- content
    def set_departments(self, departments: Iterable[dict]) -> None:
        self.model.departments = {d["id"]: d["name"] for d in departments}
        if self.model.rowCount():
            self.model.dataChanged.emit(self.model.index(0, 0),
                                        self.model.index(self.model.rowCount() - 1, len(COLUMNS) - 1))

    def set_cases(self, cases: Iterable[dict]) -> None:
        keep = self.selected_ids()
        self.model.set_cases(c for c in cases if self.accepts(c))
        self.select_ids(keep, emit=False)

    def upsert(self, case: dict) -> None:
        """A case as the server describes it now: updated in place, added, or removed (no longer here)."""
        if self.accepts(case):
            self.model.upsert(case)
        else:
            self.remove(case["id"])

    def remove(self, case_id: int) -> None:
        """Removes the row. When it was the selected one, nothing is selected afterwards: Qt would
        move the selection to the next row, and a second click meant for the case just acted on
        would land on that other case (and the detail and map would jump to it)."""
        if self.model.case(case_id) is None:
            return
        sm = self.view.selectionModel()
        if int(case_id) in self.selected_ids() or self.proxy.data(self.view.currentIndex(), ID_ROLE) == case_id:
            sm.blockSignals(True)
            sm.clear()  # selection and current index
            sm.blockSignals(False)
            self.view.viewport().update()
            self._last_selected = None
            self.model.remove(case_id)
            self.selectionChangedIds.emit([])
            return
        self.model.remove(case_id)

    def case(self, case_id: int) -> dict | None:
        return self.model.case(case_id)

    def ids(self) -> list[int]:
        return self.model.ids()

    def apply_event(self, msg: dict) -> None:
        t, data = msg.get("type"), msg.get("data") or {}
        if t == "case.changed" and "id" in data and msg.get("left_scope"):
            self.remove(data["id"])  # no longer this user's case (another grid, another department)
        elif t == "case.changed" and "id" in data:
            self.upsert(data)
        elif t == "case.band" and "id" in data:
            self.model.apply_band(data)

    # -- selection
    def _filter(self, text: str) -> None:
        self.proxy.set_needle(text)

    def selected_ids(self) -> list[int]:
        rows = self.view.selectionModel().selectedRows() if self.view.selectionModel() else []
        return [int(self.proxy.data(r, ID_ROLE)) for r in rows]

    def current_id(self) -> int | None:
        ids = self.selected_ids()
        return ids[0] if ids else None

    def select_ids(self, ids: Iterable[int], emit: bool = True) -> None:
        sm = self.view.selectionModel()
        ids = set(ids)
        if not ids:
            return
        sm.blockSignals(not emit)
        sm.clearSelection()
        first = None
        for r in range(self.proxy.rowCount()):
            idx = self.proxy.index(r, 0)
            if self.proxy.data(idx, ID_ROLE) in ids:
                sm.select(idx, sm.SelectionFlag.Select | sm.SelectionFlag.Rows)
                first = first or idx
        if first is not None:
            sm.setCurrentIndex(first, sm.SelectionFlag.NoUpdate)
            self.view.scrollTo(first)
        sm.blockSignals(False)
        if emit:
            self._selection_changed()

    def select(self, case_id: int) -> None:
        self.select_ids([case_id])

    def _selection_changed(self, *_: Any) -> None:
        ids = self.selected_ids()
        self.selectionChangedIds.emit(ids)
        cid = ids[0] if ids else None
        if cid is not None and cid != self._last_selected:
            self.caseSelected.emit(cid)
        self._last_selected = cid
