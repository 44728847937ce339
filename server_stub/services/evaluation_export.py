"""The evaluation's downloads: one table (Chinese header, a row per subject) as CSV or XLSX."""
from __future__ import annotations

import csv
import io
from typing import Any

from ..schemas.evaluation import EvaluationOut
from .evaluation import LEVEL_ZH, ROLE_ZH

__all__ = ["to_csv", "to_xlsx"]

SUBJECT_ZH = {"departments": "部门", "posts": "岗位", "regions": "区域"}


def _table(result: EvaluationOut) -> tuple[list[str], list[list[Any]], set[int]]:
    """Header (Chinese), rows, and the indexes of rate columns. Count and indicator columns are the
    union over the rows (posts of several roles have different ones), in first-seen order."""
    count_cols: dict[str, str] = {}
    ind_cols: dict[str, str] = {}
    for r in result.rows:
        for c in r.counts:
            count_cols.setdefault(c.key, c.name_zh)
        for i in r.indicators:
            ind_cols.setdefault(i.key, i.name_zh)
    head = ["编号", "名称"]
    if result.subject == "posts":
        head.append("岗位")
    if result.subject == "regions":
        head.append("层级")
    fixed = len(head)
    head += list(count_cols.values()) + list(ind_cols.values()) + ["综合得分", "等级", "已测得分", "测得权重"]
    rate_idx = set(range(fixed + len(count_cols), fixed + len(count_cols) + len(ind_cols)))
    rows = []
    for r in result.rows:
        line: list[Any] = [r.key, r.name]
        if result.subject == "posts":
            line.append(ROLE_ZH.get(r.role or "", r.role))
        if result.subject == "regions":
            line.append(LEVEL_ZH.get(r.level or "", r.level))
        counts = {c.key: c.value for c in r.counts}
        inds = {i.key: i.value for i in r.indicators}
        line += [counts.get(k) for k in count_cols]
        line += [None if inds.get(k) is None else round(inds[k], 4) for k in ind_cols]
        line += [r.score, r.grade, r.partial_score, r.coverage]
        rows.append(line)
    return head, rows, rate_idx


def to_csv(result: EvaluationOut) -> bytes:
    """UTF-8 with a BOM, so Excel opens the Chinese right; rates as fractions (0.6667)."""
    head, rows, _ = _table(result)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(head)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(result: EvaluationOut) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    head, rows, rate_idx = _table(result)
    wb = Workbook()
    ws = wb.active
    ws.title = f"{SUBJECT_ZH[result.subject]}{result.month}"
    ws.append(head)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:  # control characters (a name typed with one) are not allowed in a worksheet
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in r])
    for col in rate_idx:
        for (cell,) in ws.iter_rows(min_row=2, min_col=col + 1, max_col=col + 1):
            cell.number_format = "0.00%"
    for i, h in enumerate(head, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(8, 2 * len(h) + 2)
    ws.freeze_panes = "C2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
