"""Exports of what the evaluation window shows: an XLSX workbook (one sheet per table) and a PDF
report with the charts. The tables' text is made on the UI thread (translations), the workbook is
written on a worker (openpyxl); the PDF is laid out by QTextDocument and written by QPdfWriter in
the CJK font, so the Chinese shows in any viewer."""
from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QMarginsF, QSizeF, QUrl
from PySide6.QtGui import QFont, QFontDatabase, QImage, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from app.domain import evaluation as ev

from .evaluation_tables import columns, pct

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
                "Microsoft YaHei", "PingFang SC", "Noto Serif CJK SC")
Table = tuple[str, list[str], list[list[Any]]]  # (title, header, rows); rates as fractions


def _t(text: str) -> str:
    return QCoreApplication.translate("EvaluationExport", text)


def role_names() -> dict[str, str]:
    return {"inspector": _t("Inspectors"), "acceptor": _t("Acceptors"), "shift_leader": _t("Shift leaders"),
            "dispatcher": _t("Dispatchers")}


def subject_table(title: str, rows: list[dict], kind: str) -> Table:
    """One subject kind's rows: name, leading counts, every rate (a fraction), score, grade."""
    count_cols, ind_cols = columns(rows, kind)
    head = [_t("Name")] + [h for _, h in count_cols] + [h for _, h in ind_cols] + \
        [_t("Score"), _t("Grade"), _t("Measured score"), _t("Measured weight")]
    out = []
    for r in rows:
        counts = {c["key"]: c["value"] for c in r.get("counts", [])}
        inds = {i["key"]: i.get("value") for i in r.get("indicators", [])}
        out.append([r.get("name") or r.get("key")] + [counts.get(k) for k, _ in count_cols] +
                   [inds.get(k) for k, _ in ind_cols] +
                   [r.get("score"), r.get("grade"), r.get("partial_score"), r.get("coverage")])
    return title, head, out


def tables(data: dict[str, Any]) -> list[Table]:
    """Every table of the window, in reading order."""
    out: list[Table] = []
    if data.get("departments"):
        out.append(subject_table(_t("Departments"), data["departments"]["rows"], "department"))
    if data.get("posts"):
        rows = data["posts"]["rows"]
        for role, name in role_names().items():
            mine = [r for r in rows if r.get("role") == role]
            if mine:
                out.append(subject_table(name, mine, role))
    for level, name in (("district", _t("Districts")), ("street", _t("Streets"))):
        if data.get(f"regions_{level}"):
            out.append(subject_table(name, data[f"regions_{level}"]["rows"], "department"))
    if data.get("classes"):
        out.append((_t("Cases by class"), [_t("Kind"), _t("Class code"), _t("Class"), _t("Cases")],
                    [[_t("Component") if c["kind"] == "component" else _t("Event"), c["class_code"], c["name"],
                      c["count"]] for c in data["classes"]["classes"]]))
    if data.get("trend"):
        out.append((_t("Monthly trend"), [_t("Month"), _t("Reported"), _t("Closed"), _t("Closed on time"),
                                          _t("Overdue in handling"), _t("On-time closing rate")],
                    [[m["month"], m["reported"], m["closed"], m["closed_on_time"], m["overdue"],
                      m["on_time_closing_rate"]] for m in data["trend"]["months"]]))
    if data.get("grids"):
        out.append((_t("Cases per unit grid"), [_t("Unit grid"), _t("Cases")],
                    [[g["code"], g["count"]] for g in data["grids"]["grids"]]))
    return out


def _rate_columns(head: list[str]) -> set[int]:
    rates = set(ev.NAMES_ZH.values()) | {_t("On-time closing rate"), _t("Measured weight")}
    return {i for i, h in enumerate(head) if h in rates}


def write_xlsx(path: str | Path, title: str, ts: list[Table]) -> Path:
    """The workbook (run on a worker thread: plain Python)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    wb = Workbook()
    wb.remove(wb.active)
    for name, head, rows in ts:
        ws = wb.create_sheet(name[:31])
        ws.append(head)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for r in rows:
            ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in r])
        for col in _rate_columns(head):
            for (cell,) in ws.iter_rows(min_row=2, min_col=col + 1, max_col=col + 1):
                cell.number_format = "0.0%"
        for i, h in enumerate(head, start=1):
            ws.column_dimensions[ws.cell(1, i).column_letter].width = max(10, 2 * len(str(h)) + 2)
        ws.freeze_panes = "B2"
    wb.properties.title = title
    path = Path(path)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())  # whole or nothing: a failed save leaves no half file
    return path


def cjk_family() -> str:
    families = set(QFontDatabase.families())
    return next((f for f in CJK_FAMILIES if f in families), QFont().family())


def _cell(v: Any, rate: bool) -> str:
    if v is None:
        return "—"
    if rate and isinstance(v, (int, float)):
        return pct(float(v))
    if isinstance(v, float):
        return f"{v:.2f}"
    return html.escape(str(v))


def report_html(title: str, subtitle: str, charts: list[str], ts: list[Table], data: dict[str, Any]) -> str:
    parts = [f"<h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p>"]
    for name in charts:
        parts.append(f'<p align="center"><img src="chart:{name}" width="640"></p>')
    for name, head, rows in ts:
        if name == _t("Cases per unit grid"):
            rows = rows[:30]  # the whole list is in the workbook; the report shows the worst grids
            name = _t("Unit grids with the most cases (top 30)")
        rates = _rate_columns(head)
        parts.append(f"<h2>{html.escape(name)}</h2>")
        parts.append('<table border="1" cellspacing="0" cellpadding="3" width="100%">')
        parts.append("<tr>" + "".join(f"<th>{html.escape(str(h))}</th>" for h in head) + "</tr>")
        for r in rows:
            parts.append("<tr>" + "".join(f"<td>{_cell(v, i in rates)}</td>" for i, v in enumerate(r)) + "</tr>")
        parts.append("</table>")
    return "".join(parts)


def write_pdf(path: str | Path, title: str, subtitle: str, charts: dict[str, QImage], ts: list[Table],
              data: dict[str, Any]) -> Path:
    """The report: title, the charts, then every table; A4 landscape, in a CJK font (UI thread)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    writer = QPdfWriter(str(tmp))
    writer.setTitle(title)
    writer.setCreator("OpenCityCommand")
    writer.setResolution(144)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.A4), QPageLayout.Landscape, QMarginsF(12, 12, 12, 12),
                                     QPageLayout.Millimeter))
    doc = QTextDocument()
    font = QFont(cjk_family())
    font.setPointSizeF(8.5)
    doc.setDefaultFont(font)
    doc.setDefaultStyleSheet("h1 { font-size: 16pt; } h2 { font-size: 12pt; margin-top: 10px; } "
                             "th { background-color: #e8e6f2; } td, th { font-size: 8pt; }")
    for name, img in charts.items():
        doc.addResource(QTextDocument.ImageResource, QUrl(f"chart:{name}"), img)
    doc.setHtml(report_html(title, subtitle, list(charts), ts, data))
    layout = writer.pageLayout()
    rect = layout.paintRectPixels(writer.resolution())
    doc.setPageSize(QSizeF(rect.width(), rect.height()))
    doc.print_(writer)
    del writer  # finishes the file
    tmp.replace(path)
    return path


def png_bytes(img: QImage) -> bytes:
    ba = QByteArray()
    buf = QBuffer(ba)
    buf.open(QIODevice.WriteOnly)
    img.save(buf, "PNG")
    return bytes(ba.data())
