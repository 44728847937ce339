"""Reading cases: one page of what a user may see (filters, sort), open cases of the same class
near a point (duplicates), and the deadline filing or dispatching would set now."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.domain.workflow import State

from ..db.models import Case, Department, User
from . import deadlines as dl
from .cases import (_OPEN, DUPLICATE_DAYS, DUPLICATE_RADIUS_M, CaseInputError, case_out, check_point, get_visible,
                    scope_clause, utcnow)
from .spatial import bbox_filter, dialect_of, distance_m, near_ranges
from .visibility import case_view

__all__ = ["SORTS", "CaseFilter", "query_cases", "duplicates", "deadline_preview"]

SORTS = {"created_at": Case.created_at, "updated_at": Case.updated_at, "deadline_at": Case.deadline_at,
         "number": Case.number, "state": Case.state, "id": Case.id}


@dataclass
class CaseFilter:
    state: list[str] | None = None
    department_id: int | None = None
    source: str | None = None
    kind: str | None = None
    class_code: str | None = None
    grid_code: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    band: str | None = None
    q: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    overdue: bool | None = None
    sort: str = "-created_at"
    limit: int = 100
    offset: int = 0


def query_cases(s: Session, ctx: Any, user: User, f: CaseFilter, now: datetime | None = None
                ) -> tuple[list[dict], int]:
    """One page of the cases `user` may see, and how many match in all."""
    now = now or utcnow()
    q = select(Case)
    scope = scope_clause(user)
    if scope is not None:
        q = q.where(scope)
    if f.state:
        q = q.where(Case.state.in_(f.state))
    for col, val in ((Case.department_id, f.department_id), (Case.source, f.source), (Case.kind, f.kind),
                     (Case.class_code, f.class_code), (Case.band, f.band)):
        if val is not None:
            q = q.where(col == val)
    if f.grid_code:  # a unit grid, or a community/street/district code as a prefix
        q = q.where(Case.grid_code.startswith(f.grid_code))
    if f.bbox:
        q = q.where(bbox_filter(Case, *f.bbox, dialect=dialect_of(s)))
    if f.q and f.q.strip():
        text = f.q.strip()
        q = q.where(or_(*[col.icontains(text, autoescape=True)
                          for col in (Case.number, Case.description, Case.address)]))
    if f.created_from:
        q = q.where(Case.created_at >= f.created_from)
    if f.created_to:
        q = q.where(Case.created_at < f.created_to)
    if f.overdue is not None:
        late = or_(Case.handling_overdue.is_(True),
                   (Case.deadline_at < now) & Case.state.in_(_OPEN) & (Case.state != State.SUSPENDED.value))
        q = q.where(late if f.overdue else ~late)
    if f.sort.lstrip("-") not in SORTS:
        raise CaseInputError("sort", f"must be one of {', '.join(SORTS)} (prefix - for descending)")
    total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
    desc = f.sort.startswith("-")
    col = SORTS[f.sort.lstrip("-")]
    order = [col.desc() if desc else col.asc(), Case.id.desc() if desc else Case.id.asc()]
    if f.sort.lstrip("-") == "deadline_at":
        order.insert(0, Case.deadline_at.is_(None))  # cases without a clock last
    rows = s.scalars(q.order_by(*order).offset(f.offset).limit(f.limit)).all()
    return [case_view(user.role, case_out(ctx, c, now)) for c in rows], total


def duplicates(s: Session, ctx: Any, user: User, lon: float, lat: float, kind: str, class_code: str,
               exclude_id: int | None = None, now: datetime | None = None) -> list[dict]:
    """Open cases of the same class within DUPLICATE_RADIUS_M reported in the last DUPLICATE_DAYS."""
    now = now or utcnow()
    lon, lat = check_point(lon, lat)
    box = near_ranges(lon, lat, DUPLICATE_RADIUS_M)
    q = select(Case).where(bbox_filter(Case, *box, dialect=dialect_of(s)),
                           Case.kind == kind, Case.class_code == class_code, Case.state.in_(_OPEN),
                           Case.created_at >= now - timedelta(days=DUPLICATE_DAYS))
    scope = scope_clause(user)
    if scope is not None:
        q = q.where(scope)
    if exclude_id is not None:
        q = q.where(Case.id != exclude_id)
    out = []
    for c in s.scalars(q):
        d = distance_m(lon, lat, c.lon, c.lat)
        if d <= DUPLICATE_RADIUS_M:
            out.append({**case_view(user.role, case_out(ctx, c, now)), "distance_m": round(d, 1)})
    return sorted(out, key=lambda x: (x["distance_m"], x["id"]))


def deadline_preview(s: Session, ctx: Any, user: User, case_id: int, condition_id: str | None,
                     department_id: int | None, now: datetime | None = None) -> dict:
    """The handling deadline the server would set if the case were filed (with condition_id) and/or
    dispatched now."""
    now = now or utcnow()
    case = get_visible(s, user, case_id)
    if department_id is not None and s.get(Department, department_id) is None:
        raise CaseInputError("department_id", f"department {department_id} does not exist")
    cid = condition_id or case.condition_id
    if not cid:
        raise CaseInputError("condition_id", "the case is not filed yet: name a filing condition")
    try:
        fc = ctx.classification.condition(cid)
    except ValueError:
        raise CaseInputError("condition_id", f"unknown filing condition {cid!r}") from None
    if (fc.kind.value, fc.minor_code) != (case.kind, case.class_code):
        raise CaseInputError("condition_id", f"filing condition {cid!r} is not of this case's class")
    return {"case_id": case.id, "condition_id": cid, "department_id": department_id,
            "limit_value": fc.limit_value, "limit_type": fc.limit_type.value,
            "closing_condition": fc.closing_condition, "start_at": now.isoformat(),
            "deadline_at": dl.preview(ctx, fc.limit_value, fc.limit_type, now).isoformat()}
