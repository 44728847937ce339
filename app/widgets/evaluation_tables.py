"""The evaluation's tables: one row per department, post holder or region, with its rates, the
composite score and the grade (GET /api/evaluation/{period}/...).

An incomplete composite (a weighted part could not be measured: app.domain.evaluation) shows no
score and no grade, but what was measured in brackets with the share of the weight, e.g.
"(87.50 · 60%)", so a reader never mistakes it for a score.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

KEY_ROLE = Qt.UserRole + 1  # the subject's key (department code, user id, region code)
SORT_ROLE = Qt.UserRole + 2
# the counts shown before the rates, per subject kind (the rest are in the exports)
LEAD_COUNTS = {"department": ("to_handle", "handled", "overdue_unhandled"), "inspector": ("reports",),
               "acceptor": ("accepted",), "shift_leader": ("filed", "closed"), "dispatcher": ("dispatched",)}


def _t(text: str) -> str:
    return QCoreApplication.translate("EvaluationTables", text)


class _Item(QTableWidgetItem):
    """Sorts by its number (None last), shows its text."""

    def __init__(self, text: str, value: float | None = None):
        super().__init__(text)
        self.setData(SORT_ROLE, value)
        self.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter if value is not None or text in ("—", "")
                              else Qt.AlignLeft | Qt.AlignVCenter)
        self.setFlags(self.flags() & ~Qt.ItemIsEditable)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        a, b = self.data(SORT_ROLE), other.data(SORT_ROLE)
        if a is None and b is None:
            return self.text() < other.text()
        return (float("-inf") if a is None else a) < (float("-inf") if b is None else b)


def pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def score_text(row: dict) -> str:
    if row.get("score") is not None:
        return f"{row['score']:.2f}"
    if row.get("partial_score") is not None:
        return f"({row['partial_score']:.2f} · {row.get('coverage', 0) * 100:.0f}%)"
    return "—"


def score_value(row: dict) -> float | None:
    """What a chart or a sort uses: the score, else the measured part (incomplete)."""
    return row.get("score") if row.get("score") is not None else row.get("partial_score")


def columns(rows: list[dict], kind: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """([(count key, header)], [(indicator key, header)]) in the server's order."""
    counts: dict[str, str] = {}
    inds: dict[str, str] = {}
    lead = LEAD_COUNTS.get(kind, ())
    for r in rows:
        for c in r.get("counts", []):
            if c["key"] in lead:
                counts.setdefault(c["key"], c["name_zh"])
        for i in r.get("indicators", []):
            inds.setdefault(i["key"], i["name_zh"])
    order = {k: n for n, k in enumerate(lead)}
    return sorted(counts.items(), key=lambda kv: order[kv[0]]), list(inds.items())


def make_table() -> QTableWidget:
    t = QTableWidget()
    t.setEditTriggers(QAbstractItemView.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectRows)
    t.setSelectionMode(QAbstractItemView.SingleSelection)
    t.setAlternatingRowColors(True)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(False)
    return t


def fill(table: QTableWidget, rows: list[dict], kind: str) -> None:
    """Rows of one subject kind (department, a post role, or region) into the table."""
    table.setSortingEnabled(False)
    table.clear()
    count_cols, ind_cols = columns(rows, kind)
    head = [_t("Name")] + [h for _, h in count_cols] + [h for _, h in ind_cols] + [_t("Score"), _t("Grade")]
    table.setColumnCount(len(head))
    table.setHorizontalHeaderLabels(head)
    table.setRowCount(len(rows))
    bold = QFont(table.font())
    bold.setBold(True)
    for r, row in enumerate(rows):
        name = _Item(row.get("name") or row.get("key", ""))
        name.setData(KEY_ROLE, row.get("key"))
        table.setItem(r, 0, name)
        counts = {c["key"]: c["value"] for c in row.get("counts", [])}
        inds = {i["key"]: i for i in row.get("indicators", [])}
        col = 1
        for key, _ in count_cols:
            v = counts.get(key)
            table.setItem(r, col, _Item("" if v is None else str(v), v))
            col += 1
        for key, _ in ind_cols:
            i = inds.get(key)
            v = None if i is None else i.get("value")
            item = _Item(pct(v), v)
            if i is not None:
                item.setToolTip(f"{i['name_zh']} = {i['numerator']:g} / {i['denominator']:g}")
            table.setItem(r, col, item)
            col += 1
        score = _Item(score_text(row), score_value(row))
        if row.get("score") is None and row.get("partial_score") is not None:
            score.setToolTip(_t("Incomplete: a part could not be measured; %1 of the weight measured, no grade")
                             .replace("%1", f"{row.get('coverage', 0) * 100:.0f}%"))
        table.setItem(r, col, score)
        grade = _Item(row.get("grade") or "—")
        grade.setFont(bold)
        grade.setTextAlignment(Qt.AlignCenter)
        table.setItem(r, col + 1, grade)
    table.setSortingEnabled(True)
    table.sortItems(len(head) - 2, Qt.DescendingOrder)


def row_key(table: QTableWidget, row: int) -> Any:
    item = table.item(row, 0)
    return None if item is None else item.data(KEY_ROLE)
