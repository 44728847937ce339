"""The evaluation's charts (Qt Charts): scores by department, the monthly trend, cases by class.

Each chart lives in one QChartView that is refilled in place (a new QChart per answer: Qt Charts
owns its series and axes through the chart, so replacing the chart frees the old ones at once).
Colours: the scores in the grade's neutral blue and the trend in blue/purple/grey, never the
deadline bands' red/yellow/green.
"""
from __future__ import annotations

from PySide6.QtCharts import (QBarCategoryAxis, QBarSet, QChart, QChartView, QHorizontalBarSeries,
                              QLineSeries, QValueAxis)
from PySide6.QtCore import QCoreApplication, QMargins, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen

from .evaluation_tables import score_value

TOP_CLASSES = 10
SCORE_COLOR = QColor(49, 110, 180)
TREND_COLORS = (QColor(49, 110, 180), QColor(117, 107, 177), QColor(120, 120, 120))


def _t(text: str) -> str:
    return QCoreApplication.translate("EvaluationCharts", text)


def _short(name: str, n: int = 10) -> str:
    return name if len(name) <= n else name[:n - 1] + "…"


def _chart(title: str) -> QChart:
    c = QChart()
    c.setTitle(title)
    f = QFont(c.titleFont())
    f.setBold(True)
    f.setPointSizeF(max(f.pointSizeF(), 10.0))
    c.setTitleFont(f)
    c.setAnimationOptions(QChart.NoAnimation)  # shown at once, and identical in the PDF
    c.setMargins(QMargins(4, 4, 4, 4))
    c.legend().setAlignment(Qt.AlignBottom)
    return c


def make_view() -> QChartView:
    v = QChartView()
    v.setRenderHint(QPainter.Antialiasing)
    v.setMinimumSize(280, 200)
    return v


def _hbars(c: QChart, name: str, color: QColor, values: list[float], labels: list[str],
           vals: QValueAxis) -> QBarCategoryAxis:
    """One set of horizontal bars labelled with their values, categories on the left, no legend."""
    s = QBarSet(name)
    s.setColor(color)
    for v in values:
        s.append(float(v))
    series = QHorizontalBarSeries()
    series.append(s)
    series.setLabelsVisible(True)
    series.setLabelsPosition(QHorizontalBarSeries.LabelsInsideEnd)
    series.setLabelsFormat("@value")
    c.addSeries(series)
    cats = QBarCategoryAxis()
    cats.append(labels or [""])
    cats.setTruncateLabels(False)  # a name whole, never "…"
    c.addAxis(cats, Qt.AlignLeft)
    c.addAxis(vals, Qt.AlignBottom)
    series.attachAxis(cats)
    series.attachAxis(vals)
    c.legend().setVisible(False)
    return cats


def scores_chart(rows: list[dict]) -> QChart:
    """Departments' composite scores (an incomplete one: its measured part), best on top."""
    c = _chart(_t("Scores by department"))
    rows = [r for r in rows if score_value(r) is not None]
    rows.sort(key=lambda r: score_value(r) or 0)  # horizontal bars draw bottom-up: best on top
    vals = QValueAxis()
    vals.setRange(0, 100)
    vals.setTickCount(6)
    vals.setLabelFormat("%d")
    cats = _hbars(c, _t("Composite score"), SCORE_COLOR, [score_value(r) or 0 for r in rows],
                  [_short(r.get("name") or r.get("key", "")) for r in rows], vals)
    f = QFont(cats.labelsFont())  # many departments: smaller names rather than elided ones
    f.setPixelSize(max(7, min(12, int(320 / max(1, len(rows)) * 0.75))))
    cats.setLabelsFont(f)
    return c


def trend_chart(months: list[dict]) -> QChart:
    """Cases reported, closed and overdue per month."""
    c = _chart(_t("Monthly trend"))
    cats = QBarCategoryAxis()
    cats.append([m["month"] for m in months] or [""])
    vals = QValueAxis()
    vals.setLabelFormat("%d")
    top = 0
    c.addAxis(cats, Qt.AlignBottom)
    c.addAxis(vals, Qt.AlignLeft)
    for (key, label), color in zip((("reported", _t("Reported")), ("closed", _t("Closed")),
                                    ("overdue", _t("Overdue in handling"))), TREND_COLORS):
        s = QLineSeries()
        s.setName(label)
        pen = QPen(color, 2.0)
        if key == "closed":
            pen.setStyle(Qt.DashLine)  # close to the reported line in a good month: told apart by its dashes
        s.setPen(pen)
        s.setPointsVisible(True)
        for i, m in enumerate(months):
            s.append(i, float(m.get(key) or 0))
            top = max(top, int(m.get(key) or 0))
        c.addSeries(s)
        s.attachAxis(cats)
        s.attachAxis(vals)
    vals.setRange(0, max(10, int(top * 1.1) + 1))
    vals.applyNiceNumbers()
    return c


def classes_chart(classes: list[dict]) -> QChart:
    """The most frequent classes of the period, most on top."""
    c = _chart(_t("Cases by class (top %1)").replace("%1", str(TOP_CLASSES)))
    top = sorted(classes, key=lambda r: -r["count"])[:TOP_CLASSES][::-1]
    vals = QValueAxis()
    vals.setLabelFormat("%d")
    vals.setRange(0, max([r["count"] for r in top] + [1]) * 1.08)
    _hbars(c, _t("Cases"), QColor(117, 107, 177), [r["count"] for r in top], [_short(r["name"], 8) for r in top], vals)
    return c


def render(view: QChartView) -> QImage:
    """The chart as shown (for the PDF report)."""
    return view.grab().toImage()


__all__ = ["make_view", "scores_chart", "trend_chart", "classes_chart", "render"]
