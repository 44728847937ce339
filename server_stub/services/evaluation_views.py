"""What the evaluation window shows beside the tables: cases per unit grid (the choropleth), cases
per class, the monthly trend, and a department's late cases (the drill-down from its score).

"Cases of a period" here are the cases reported in it (created_at in [start, end)) that were not
voided (不予受理 / 不予立案 / 作废 are no problem of the city's): one indexed range scan and a GROUP BY
in the database. The late cases come from the evaluation's own count (services/evaluation), so the
list has exactly the cases behind the department's 按期处置率 and 超期未处置数.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, case, func, select

from app.domain import periods
from app.domain.workflow import State

from ..context import ServerContext
from ..db.models import Case, Department
from .evaluation import cached_count, month_window

TREND_MONTHS = 12  # at most


def _counted(start: datetime, end: datetime, kind: str | None, class_code: str | None) -> list:
    where = [Case.created_at >= start, Case.created_at < end, Case.state != State.VOID.value]
    if kind:
        where.append(Case.kind == kind)
    if class_code:
        where.append(Case.class_code == class_code)
    return where


def grid_counts(ctx: ServerContext, period: str, kind: str | None = None,
                class_code: str | None = None) -> dict[str, Any]:
    start, end = month_window(ctx, period)
    with ctx.db.session() as s:
        rows = s.execute(select(Case.grid_code, func.count()).where(
            *_counted(start, end, kind, class_code), Case.grid_code.is_not(None))
            .group_by(Case.grid_code)).all()
    grids = sorted(({"code": g, "count": int(n)} for g, n in rows), key=lambda r: (-r["count"], r["code"]))
    return {"period": period, "start": start, "end": end, "kind": kind, "class_code": class_code,
            "total": sum(r["count"] for r in grids), "grids": grids}


def class_counts(ctx: ServerContext, period: str) -> dict[str, Any]:
    start, end = month_window(ctx, period)
    with ctx.db.session() as s:
        rows = s.execute(select(Case.kind, Case.class_code, func.count()).where(
            *_counted(start, end, None, None)).group_by(Case.kind, Case.class_code)).all()
    out = []
    for kind, code, n in rows:
        mc = ctx.classification.find(kind, code)
        out.append({"kind": kind, "class_code": code, "name": mc.name if mc else code, "name_en": mc.name_en if mc else code,
                    "major_name": mc.major_name if mc else "", "count": int(n)})
    out.sort(key=lambda r: (-r["count"], r["kind"], r["class_code"]))
    return {"period": period, "start": start, "end": end, "total": sum(r["count"] for r in out),
            "classes": out}


def trend(ctx: ServerContext, last_month: str, months: int = 6) -> dict[str, Any]:
    """Per calendar month up to `last_month`: cases reported (not voided), of them closed, closed
    without a handling overdue, and ever overdue in handling; one query, bucketed by month."""
    months = max(1, min(TREND_MONTHS, months))
    ps = periods.trailing_months(last_month, months)
    bounds = [month_window(ctx, p.text) for p in ps]
    bucket = case(*((Case.created_at < e, i) for i, (_, e) in enumerate(bounds)), else_=None)
    closed = Case.state == State.CLOSED.value
    with ctx.db.session() as s:
        rows = s.execute(select(
            bucket.label("b"), func.count(),
            func.sum(case((closed, 1), else_=0)),
            func.sum(case((and_(closed, Case.handling_overdue.is_(False)), 1), else_=0)),
            func.sum(case((Case.handling_overdue.is_(True), 1), else_=0)))
            .where(Case.created_at >= bounds[0][0], Case.created_at < bounds[-1][1],
                   Case.state != State.VOID.value)
            .group_by("b")).all()
    got = {int(b): r for b, *r in rows if b is not None}
    out = []
    for i, p in enumerate(ps):
        n, c, ok, late = (int(v or 0) for v in got.get(i, (0, 0, 0, 0)))
        out.append({"month": p.text, "reported": n, "closed": c, "closed_on_time": ok, "overdue": late,
                    "on_time_closing_rate": ok / c if c else None})
    return {"months": out}


def late_cases(ctx: ServerContext, period: str, department_code: str) -> dict[str, Any] | None:
    """The department's assignments of the period that were handled late or are overdue unhandled;
    None when there is no such department."""
    with ctx.db.session() as s:
        dept = s.scalar(select(Department).where(Department.code == department_code))
        if dept is None:
            return None
        tally, as_of = cached_count(ctx, s, period, None)
        ids = sorted(tally.late.get(dept.id, ()))
        items = [] if not ids else [_case_row(ctx, c) for c in s.scalars(
            select(Case).where(Case.id.in_(ids)).order_by(Case.created_at))]
        name = dept.name
    return {"period": period, "department": department_code, "department_name": name, "as_of": as_of,
            "count": len(items), "items": items}


def _case_row(ctx: ServerContext, c: Case) -> dict[str, Any]:
    mc = ctx.classification.find(c.kind, c.class_code)
    return {"id": c.id, "number": c.number, "kind": c.kind, "class_code": c.class_code,
            "class_name": mc.name if mc else c.class_code, "state": c.state,
            "address": c.address, "description": c.description, "grid_code": c.grid_code,
            "street_code": c.street_code, "created_at": _utc(c.created_at), "deadline_at": _utc(c.deadline_at),
            "closed_at": _utc(c.closed_at), "close_type": c.close_type,
            "rework_count": c.rework_count, "urge_count": c.urge_count, "lon": c.lon, "lat": c.lat}


def _utc(v: datetime | None) -> str | None:
    return None if v is None else v.astimezone(timezone.utc).isoformat()


def department_code(ctx: ServerContext, department_id: int | None) -> str | None:
    if department_id is None:
        return None
    with ctx.db.session() as s:
        return s.scalar(select(Department.code).where(Department.id == department_id))
