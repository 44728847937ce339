"""The evaluation window (综合评价) for leaders and administrators: a period (month, quarter or range),
tables of departments, posts and regions with their rates, composite scores and grades, charts
(scores by department, monthly trend, classes of cases), the cases per unit grid as a choropleth
with a class filter, the drill-down from a department to its late cases, and XLSX / PDF exports.

Every answer comes from the server through app.api on the worker pool; the server counts a
period once and answers the three subjects from that one count, so the window asks for everything
at once and shows each part as it arrives.
"""
from __future__ import annotations

import time
from datetime import date
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel, QMainWindow, QMessageBox,
                               QPushButton, QSplitter, QTabWidget, QVBoxLayout, QWidget)

from app.api.client import ApiClient
from app.api.worker import run_async

from . import evaluation_charts as charts
from . import evaluation_export as export
from .case_table import local_time
from .evaluation_map import EvaluationMap
from .evaluation_period import PeriodPicker
from .evaluation_tables import fill, make_table, row_key

POST_ROLES = ("inspector", "acceptor", "dispatcher", "shift_leader")
PARTS = ("departments", "posts", "regions_district", "regions_street", "classes", "trend", "grids")


class EvaluationWindow(QMainWindow):
    """loaded(period, seconds): every part of a period has arrived and is shown.
    caseRequested(case id): the drill-down asks the main window to open a case.
    mainMapCounts(dict | None): the choropleth's counts for the main map (None: take it off)."""

    loaded = Signal(str, float)
    caseRequested = Signal(int)
    mainMapCounts = Signal(object)

    def __init__(self, client: ApiClient, crs: str, grids=None, today: date | None = None,  # noqa: ANN001
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("EvaluationWindow")
        self.setWindowTitle(self.tr("Evaluation (综合评价)"))
        self.client = client
        self.data: dict[str, Any] = {}
        self._gen = 0
        self._t0 = 0.0
        self._pending: set[str] = set()
        self.dialogs: list[QWidget] = []
        self.picker = PeriodPicker(today)
        self.picker.periodChanged.connect(lambda _p: self.reload())
        refresh = QPushButton(self.tr("Refresh"))
        refresh.clicked.connect(self.reload)
        self.xlsx_btn = QPushButton(self.tr("Export XLSX…"))
        self.xlsx_btn.clicked.connect(lambda: self.export_xlsx())
        self.pdf_btn = QPushButton(self.tr("Export PDF report…"))
        self.pdf_btn.clicked.connect(lambda: self.export_pdf())
        self.status = QLabel()
        bar = QHBoxLayout()
        bar.addWidget(self.picker)
        bar.addWidget(refresh)
        bar.addStretch(1)
        bar.addWidget(self.status)
        bar.addWidget(self.xlsx_btn)
        bar.addWidget(self.pdf_btn)

        self.tabs = QTabWidget()
        self.dept_table = make_table()
        self.dept_table.setToolTip(self.tr("Double-click a department to list its late cases"))
        self.dept_table.doubleClicked.connect(lambda idx: self.drill(row_key(self.dept_table, idx.row())))
        self.post_table = make_table()
        self.role = QComboBox()
        for r, label in zip(POST_ROLES, (self.tr("Inspectors"), self.tr("Acceptors"), self.tr("Dispatchers"),
                                         self.tr("Shift leaders"))):
            self.role.addItem(label, r)
        self.role.currentIndexChanged.connect(lambda _i: self._show_posts())
        self.region_table = make_table()
        self.level = QComboBox()
        self.level.addItem(self.tr("Districts"), "district")
        self.level.addItem(self.tr("Streets"), "street")
        self.level.currentIndexChanged.connect(lambda _i: self._show_regions())
        self.tabs.addTab(self.dept_table, self.tr("Departments"))
        self.tabs.addTab(self._with_combo(self.tr("Post:"), self.role, self.post_table), self.tr("Posts"))
        self.tabs.addTab(self._with_combo(self.tr("Level:"), self.level, self.region_table), self.tr("Regions"))

        self.scores_view, self.trend_view, self.classes_view = (charts.make_view() for _ in range(3))
        self.map = EvaluationMap(crs)
        self.map.set_grids(grids)
        self.map.classFilterChanged.connect(lambda kind, code: self._load_grids())
        self.map.mainMapToggled.connect(lambda on: self.mainMapCounts.emit(self._grid_counts() if on else None))
        right = QWidget()
        grid = QGridLayout(right)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.scores_view, 0, 0)
        grid.addWidget(self.trend_view, 0, 1)
        grid.addWidget(self.classes_view, 1, 0)
        grid.addWidget(self.map, 1, 1)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(self.tabs)
        split.addWidget(right)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 6)
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.addLayout(bar)
        lay.addWidget(split, 1)
        self.setCentralWidget(central)
        self.resize(1600, 900)

    @staticmethod
    def _with_combo(label: str, combo: QComboBox, table: QWidget) -> QWidget:
        w = QWidget()
        top = QHBoxLayout()
        top.addWidget(QLabel(label))
        top.addWidget(combo)
        top.addStretch(1)
        lay = QVBoxLayout(w)
        lay.addLayout(top)
        lay.addWidget(table, 1)
        return w

    def set_grids(self, grids) -> None:  # noqa: ANN001 - the city's UnitGridLayer, once loaded
        self.map.set_grids(grids)
        if self.data.get("grids"):
            self.map.set_counts(self.data["grids"])

    # ------------------------------------------------------------------ loading
    @property
    def period(self) -> str:
        return self.picker.period()

    def reload(self) -> None:
        """Asks for every part of the chosen period at once; each is shown as it arrives."""
        self._gen += 1
        gen, period, c = self._gen, self.period, self.client
        self._t0 = time.perf_counter()
        self._pending = set(PARTS)
        self.status.setText(self.tr("Loading %1…").replace("%1", period))
        calls: dict[str, Callable[[], Any]] = {
            "departments": lambda: c.evaluation(period, "departments"),
            "posts": lambda: c.evaluation(period, "posts"),
            "regions_district": lambda: c.evaluation(period, "regions", level="district"),
            "regions_street": lambda: c.evaluation(period, "regions", level="street"),
            "classes": lambda: c.evaluation_classes(period),
            "trend": lambda: c.evaluation_trend(period, 6),
            "grids": lambda: c.evaluation_grids(period, *self._class_filter()),
        }
        for part, call in calls.items():
            run_async(call, lambda r, p=part: self._arrived(gen, p, r), lambda e, p=part: self._failed(gen, p, e),
                      owner=self)

    def _class_filter(self) -> tuple[str | None, str | None]:
        kind, code = self.map.class_filter()
        return kind or None, code or None

    def _load_grids(self) -> None:
        gen, period = self._gen, self.period
        kind, code = self._class_filter()
        run_async(lambda: self.client.evaluation_grids(period, kind, code),
                  lambda r: self._arrived(gen, "grids", r), lambda e: self._failed(gen, "grids", e), owner=self)

    def _failed(self, gen: int, part: str, e: Exception) -> None:
        if gen != self._gen:
            return
        self._pending.discard(part)
        self.status.setText(self.tr("Could not load the evaluation: %1").replace("%1", str(e)))

    def _arrived(self, gen: int, part: str, answer: dict) -> None:
        if gen != self._gen:
            return  # an older period's answer
        self.data[part] = answer
        if part == "departments":
            fill(self.dept_table, answer["rows"], "department")
            self.scores_view.setChart(charts.scores_chart(answer["rows"]))
        elif part == "posts":
            self._show_posts()
        elif part.startswith("regions"):
            self._show_regions()
        elif part == "classes":
            self.classes_view.setChart(charts.classes_chart(answer["classes"]))
            self.map.set_classes(answer["classes"])
        elif part == "trend":
            self.trend_view.setChart(charts.trend_chart(answer["months"]))
        elif part == "grids":
            self.map.set_counts(answer)
            if self.map.on_main.isChecked():
                self.mainMapCounts.emit(self._grid_counts())
        self._pending.discard(part)
        if not self._pending:
            secs = time.perf_counter() - self._t0
            as_of = (self.data.get("departments") or {}).get("as_of")
            self.status.setText(self.tr("%1 — as of %2").replace("%1", self.period)
                                .replace("%2", local_time(as_of)))
            self.loaded.emit(self.period, secs)

    def _grid_counts(self) -> dict[str, int]:
        return {g["code"]: g["count"] for g in (self.data.get("grids") or {}).get("grids", [])}

    def _show_posts(self) -> None:
        role = self.role.currentData()
        rows = [r for r in (self.data.get("posts") or {}).get("rows", []) if r.get("role") == role]
        fill(self.post_table, rows, role)

    def _show_regions(self) -> None:
        level = self.level.currentData()
        fill(self.region_table, (self.data.get(f"regions_{level}") or {}).get("rows", []), "department")

    # ------------------------------------------------------------------ drill-down
    def drill(self, department_code: str | None):  # noqa: ANN201
        """The department's late cases of the period in a dialog; returns the dialog."""
        if not department_code:
            return None
        from .evaluation_drill import LateCasesDialog
        rows = (self.data.get("departments") or {}).get("rows", [])
        name = next((r["name"] for r in rows if r["key"] == department_code), department_code)
        dlg = LateCasesDialog(self.client, self.period, department_code, name, self)
        dlg.setAttribute(Qt.WA_DeleteOnClose)
        dlg.caseRequested.connect(self.caseRequested)
        dlg.show()
        return dlg

    # ------------------------------------------------------------------ exports
    def _title(self) -> str:
        return self.tr("Evaluation %1").replace("%1", self.period)

    def export_xlsx(self, path: str | None = None, on_done: Callable[[str], None] | None = None) -> None:
        """The tables of the period as a workbook, written on a worker thread."""
        path = path or QFileDialog.getSaveFileName(self, self.tr("Export XLSX"), f"{self._title()}.xlsx",
                                                   "Excel (*.xlsx)")[0]
        if not path:
            return
        ts, title = export.tables(self.data), self._title()
        run_async(lambda: str(export.write_xlsx(path, title, ts)),
                  lambda p: self._exported(p, on_done), self._export_failed, owner=self)

    def export_pdf(self, path: str | None = None) -> str | None:
        """The report with the charts as shown, laid out and written here (Qt's text layout)."""
        path = path or QFileDialog.getSaveFileName(self, self.tr("Export PDF report"), f"{self._title()}.pdf",
                                                   "PDF (*.pdf)")[0]
        if not path:
            return None
        imgs = {"scores": charts.render(self.scores_view), "trend": charts.render(self.trend_view),
                "classes": charts.render(self.classes_view), "map": self.map.image()}
        as_of = local_time((self.data.get("departments") or {}).get("as_of"))
        subtitle = self.tr("Period %1; figures as of %2").replace("%1", self.period).replace("%2", as_of)
        try:
            out = str(export.write_pdf(path, self._title(), subtitle, imgs, export.tables(self.data), self.data))
        except OSError as e:
            self._export_failed(e)
            return None
        self._exported(out, None)
        return out

    def _exported(self, path: str, on_done: Callable[[str], None] | None) -> None:
        self.status.setText(self.tr("Saved %1").replace("%1", path))
        if on_done is not None:
            on_done(path)

    def _export_failed(self, e: Exception) -> None:
        QMessageBox.warning(self, self.tr("Export"), self.tr("Could not save: %1").replace("%1", str(e)))
