"""Urges (催办 / 督办) of cases: the record each one leaves, who may read it, the department's reply.

`record` runs inside the URGE action of services/cases.py (so an urge through
POST /api/cases/{id}/actions/urge and one through POST /api/urges leave the same trace); the units
of work with their publishing are in services/supervision.py. Escalation is the domain's rule
(app/domain/supervision.escalation_level) over the case's urge count before this one.

Who reads what (services/visibility.py has the same rule for the live events): a department its
own department's urges (the ones sent to it), an inspector none, the command hall, leaders and
admins all.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.supervision import REPLY_MAX, UrgeKind, check_reply_due, escalation_level
from app.domain.workflow import Role

from ..db.models import Case, Department, Urge, User


class UrgeError(Exception):
    status = 400


class UrgeNotFound(UrgeError, LookupError):
    status = 404


class UrgeForbidden(UrgeError, PermissionError):
    status = 403


class UrgeConflict(UrgeError):
    status = 409


class UrgeInputError(UrgeError, ValueError):
    status = 422

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


def parse_kind(value: Any) -> UrgeKind:
    try:
        return UrgeKind(value or UrgeKind.URGE)
    except ValueError:
        raise UrgeInputError("kind", f"must be urge (催办) or supervise (督办), got {value!r}") from None


def parse_due(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise UrgeInputError("reply_due", f"must be a date YYYY-MM-DD, got {value!r}") from None


def check_due(kind: UrgeKind, reply_due: date | None, today: date) -> None:
    why = check_reply_due(kind, reply_due, today)
    if why:
        raise UrgeInputError("reply_due", why)


def record(s: Session, case: Case, actor: User, kind: UrgeKind, message: str | None, reply_due: date | None,
           at: datetime, event_id: int | None = None) -> Urge:
    """The urge's row, at the level the domain gives after the case's earlier urges (urge_count − 1
    of them, the last at its level): call it after the URGE action counted this urge."""
    last = s.scalar(select(Urge.level).where(Urge.case_id == case.id).order_by(Urge.id.desc()).limit(1)) or 0
    level = escalation_level((case.urge_count or 1) - 1, kind, last)
    urge = Urge(case_id=case.id, kind=kind.value, level=level,
                message=(message or "").strip(), reply_due=reply_due, by_id=actor.id,
                by_name=actor.display_name, at=at, department_id=case.department_id, event_id=event_id)
    s.add(urge)
    return urge


# ---------------------------------------------------------------- reading
def may_read(user: User, urge: Urge) -> bool:
    if user.role == Role.DEPARTMENT:
        return user.department_id is not None and urge.department_id == user.department_id
    return user.role != Role.INSPECTOR


def scope(user: User):  # noqa: ANN201 - a WHERE clause, or None for everything
    if user.role == Role.DEPARTMENT:
        return Urge.department_id == user.department_id if user.department_id is not None else Urge.id < 0
    if user.role == Role.INSPECTOR:
        raise UrgeForbidden("inspectors do not read urges: they go to departments")
    return None


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def urge_out(u: Urge, case: Case | None = None, department_name: str | None = None,
             class_name: str | None = None) -> dict:
    """The UrgeOut shape (schemas/supervision.py), JSON-ready, with the case's facts a list shows."""
    out = {"id": u.id, "case_id": u.case_id, "kind": u.kind, "level": u.level, "message": u.message,
           "reply_due": u.reply_due.isoformat() if u.reply_due else None, "by_id": u.by_id, "by_name": u.by_name,
           "at": _iso(u.at), "department_id": u.department_id, "department_name": department_name,
           "reply_text": u.reply_text, "reply_by_id": u.reply_by_id, "reply_by_name": u.reply_by_name,
           "reply_at": _iso(u.reply_at), "answered": u.reply_at is not None}
    if case is not None:
        out.update(case_number=case.number, case_state=case.state, class_code=case.class_code,
                   class_name=class_name, address=case.address, deadline_at=_iso(case.deadline_at),
                   urge_count=case.urge_count or 0)
    return out


def _rows_out(s: Session, ctx: Any, rows: list[tuple[Urge, Case, str | None]]) -> list[dict]:
    out = []
    for u, c, dname in rows:
        cls = ctx.classification.find(c.kind, c.class_code)
        out.append(urge_out(u, c, dname, cls.name if cls else None))
    return out


def _joined():  # noqa: ANN202
    return (select(Urge, Case, Department.name).join(Case, Case.id == Urge.case_id)
            .outerjoin(Department, Department.id == Urge.department_id))


def of_case(s: Session, ctx: Any, user: User, case_id: int) -> list[dict]:
    """A case's urges, oldest first, as `user` may read them (the caller checked the case is visible)."""
    q = _joined().where(Urge.case_id == case_id)
    where = scope(user)
    if where is not None:
        q = q.where(where)
    return _rows_out(s, ctx, list(s.execute(q.order_by(Urge.id)).all()))


def listing(s: Session, ctx: Any, user: User, *, department_id: int | None = None, answered: bool | None = None,
            kind: UrgeKind | None = None, limit: int = 200, offset: int = 0) -> tuple[list[dict], int]:
    """Urges newest first: a department's own; the hall's of one department or all."""
    q = _joined()
    where = scope(user)
    if where is not None:
        q = q.where(where)
    if department_id is not None:
        q = q.where(Urge.department_id == department_id)
    if answered is not None:
        q = q.where(Urge.reply_at.is_not(None) if answered else Urge.reply_at.is_(None))
    if kind is not None:
        q = q.where(Urge.kind == kind.value)
    total = s.scalar(select(func.count()).select_from(q.with_only_columns(Urge.id).subquery())) or 0
    rows = s.execute(q.order_by(Urge.at.desc(), Urge.id.desc()).offset(offset).limit(limit)).all()
    return _rows_out(s, ctx, list(rows)), total


def one_out(s: Session, ctx: Any, urge: Urge) -> dict:
    case = s.get(Case, urge.case_id)
    dname = s.scalar(select(Department.name).where(Department.id == urge.department_id)) \
        if urge.department_id is not None else None
    return _rows_out(s, ctx, [(urge, case, dname)])[0]


# ---------------------------------------------------------------- the reply
def reply(s: Session, user: User, urge_id: int, text: str, at: datetime) -> Urge:
    """The department's answer to an urge sent to it: once (a second answer is a 409, the first
    stands). Other departments get 404 (no existence leak), other roles 403."""
    if user.role != Role.DEPARTMENT:
        raise UrgeForbidden(f"only the department an urge went to replies to it; you are '{user.role}'")
    urge = s.get(Urge, urge_id, with_for_update=True)
    if urge is None or not may_read(user, urge):
        raise UrgeNotFound(f"urge {urge_id} not found")
    text = (text or "").strip()
    if not text:
        raise UrgeInputError("text", "the reply is empty: say what is being done")
    if len(text) > REPLY_MAX:
        raise UrgeInputError("text", f"at most {REPLY_MAX} characters")
    if urge.reply_at is not None:
        raise UrgeConflict(f"urge {urge_id} was already answered by {urge.reply_by_name} at "
                           f"{urge.reply_at.isoformat()}; the first reply stands")
    urge.reply_text, urge.reply_by_id, urge.reply_by_name, urge.reply_at = text, user.id, user.display_name, at
    s.flush()
    return urge
