"""督查督办: urging many cases at once, the department's reply, and the overdue board.

Units of work for the API, each complete with its publishing after the commit (like
services/cases.run_action): "case.changed" for every urged case (its urge count is the mark every
list shows) and "urge.created" / "urge.replied" with the urge, which the WebSocket scope
(services/visibility.py) sends to the department the urge went to and to the command hall.

The board (`board`) is two SQL queries over the open cases with a running clock that are overdue
(deadline passed) or soon overdue (yellow band, as the band watcher keeps it): counts per group
and the cases themselves, worst (longest overdue) first.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case as sql_case, func, or_, select
from sqlalchemy.orm import Session

from app.domain.supervision import NO_GROUP, BoardGroup, UrgeKind
from app.domain.workflow import OPEN_STATES, PAUSED_STATES, Action

from ..db.models import Case, Department, Region, Urge, User
from . import cases as case_svc
from . import urges as urge_svc
from .cases import Answer

URGE_CREATED, URGE_REPLIED = "urge.created", "urge.replied"


# ---------------------------------------------------------------- urging
def run_urges(ctx: Any, actor: User, case_ids: list[int], kind: UrgeKind | str, message: str | None,
              reply_due: str | None = None, *, answer: Answer | None = None) -> Any:
    """Urges every case in one transaction: all or none (the first refusal names its case and
    nothing is done). Who may urge is the city's workflow (Action.URGE)."""
    kind = urge_svc.parse_kind(kind)
    ids = list(dict.fromkeys(int(i) for i in case_ids))
    now = case_svc.utcnow()
    with ctx.db.transaction() as s:
        cases_out, urges_out = [], []
        for cid in sorted(ids):  # lock rows in id order: two overlapping batches cannot deadlock
            try:
                case = case_svc.apply_action(s, ctx, cid, actor, Action.URGE, comment=message, at=now,
                                             urge_kind=kind.value, reply_due=reply_due)
            except Exception as e:
                _name_case(e, cid)
                raise
            cases_out.append(case_svc.case_out(ctx, case, now))
            urges_out.append(case._occ_urge)
        s.flush()
        items = [urge_svc.one_out(s, ctx, u) for u in urges_out]
        out = {"items": items, "count": len(items)}
        result = answer(s, out) if answer else out
    for c in cases_out:
        ctx.bus.publish("case.changed", c)
    for u in items:
        ctx.bus.publish(URGE_CREATED, u)
    return result


def _name_case(e: Exception, case_id: int) -> None:
    """A refusal in a batch says which case it was about."""
    if len(e.args) == 1 and isinstance(e.args[0], str) and f"case {case_id}" not in e.args[0]:
        e.args = (f"case {case_id}: {e.args[0]}",)
        if isinstance(e, case_svc.CaseInputError):
            e.message = f"case {case_id}: {e.message}"


def run_reply(ctx: Any, user: User, urge_id: int, text: str, *, answer: Answer | None = None) -> Any:
    with ctx.db.transaction() as s:
        urge = urge_svc.reply(s, user, urge_id, text, case_svc.utcnow())
        out = urge_svc.one_out(s, ctx, urge)
        result = answer(s, out) if answer else out
    ctx.bus.publish(URGE_REPLIED, out)
    return result


# ---------------------------------------------------------------- the board
_ON_CLOCK = [st.value for st in OPEN_STATES - PAUSED_STATES]


def _key_column(group: BoardGroup):  # noqa: ANN202
    if group == BoardGroup.DEPARTMENT:
        return Case.department_id
    if group == BoardGroup.STREET:
        return Case.street_code
    if group == BoardGroup.COMMUNITY:
        return Case.community_code
    return Case.kind + ":" + Case.class_code


def _names(s: Session, ctx: Any, group: BoardGroup, keys: list) -> dict:
    keys = [k for k in keys if k not in (None, NO_GROUP)]
    if not keys:
        return {}
    if group == BoardGroup.DEPARTMENT:
        return {str(i): n for i, n in s.execute(select(Department.id, Department.name)
                                                .where(Department.id.in_(keys)))}
    if group in (BoardGroup.STREET, BoardGroup.COMMUNITY):
        return dict(s.execute(select(Region.code, Region.name).where(Region.code.in_(keys))).all())
    out = {}
    for k in keys:
        kind, _, code = str(k).partition(":")
        cls = ctx.classification.find(kind, code)
        out[k] = cls.name if cls else code
    return out


def board(s: Session, ctx: Any, user: User, group: BoardGroup, *, key: str | None = None, soon: bool = True,
          limit: int = 500, now: datetime | None = None) -> dict:
    """Overdue (and, with `soon`, soon-overdue) open cases the user may see, grouped; `key` limits
    the cases to one group. Overdue time is wall-clock time since the deadline."""
    now = now or case_svc.utcnow()
    col = _key_column(group)
    late = Case.deadline_at <= now
    cond = [Case.state.in_(_ON_CLOCK), Case.deadline_at.is_not(None),
            or_(late, Case.band == "yellow") if soon else late]
    where = case_svc.scope_clause(user)
    if where is not None:
        cond.append(where)
    grp = col.label("k")
    rows = s.execute(select(grp, func.count().label("n"),
                            func.sum(sql_case((late, 1), else_=0)).label("late"),
                            func.min(Case.deadline_at).label("first"),
                            func.sum(sql_case((Case.urge_count > 0, 1), else_=0)).label("urged"))
                     .where(and_(*cond)).group_by(grp)).all()
    names = _names(s, ctx, group, [r.k for r in rows])
    groups = []
    for r in rows:
        k = NO_GROUP if r.k is None else str(r.k)
        first = r.first if r.first.tzinfo else r.first.replace(tzinfo=now.tzinfo)
        groups.append({"key": k, "name": names.get(k) or names.get(r.k), "count": r.n, "overdue": int(r.late or 0),
                       "soon": r.n - int(r.late or 0), "urged": int(r.urged or 0),
                       "worst_overdue_seconds": round((now - first).total_seconds(), 1)})
    groups.sort(key=lambda g: (-g["overdue"], -g["worst_overdue_seconds"], -g["count"], g["key"]))

    cols = (Case.id, Case.number, Case.kind, Case.class_code, Case.state, Case.stage, Case.band, Case.department_id,
            Case.street_code, Case.community_code, Case.address, Case.description, Case.deadline_at,
            Case.urge_count, Case.version)
    q = select(*cols).where(and_(*cond))  # plain rows: ORM objects cost more than the query here
    if key is not None:
        q = q.where(col.is_(None) if key == NO_GROUP else col == _key_value(group, key))
    items_total = sum(g["count"] for g in groups if key is None or g["key"] == key)
    rows = s.execute(q.order_by(Case.deadline_at.asc(), Case.id.asc()).limit(limit)).all()
    dept_names = dict(s.execute(select(Department.id, Department.name)).all()) if rows else {}
    last = last_urges(s, [r.id for r in rows if r.urge_count])
    classes: dict[tuple[str, str], str | None] = {}
    items = []
    for c in rows:
        ck = (c.kind, c.class_code)
        if ck not in classes:
            found = ctx.classification.find(*ck)
            classes[ck] = found.name if found else None
        gk = {"department": c.department_id, "street": c.street_code, "community": c.community_code}.get(
            group.value, f"{c.kind}:{c.class_code}")
        items.append({
            "id": c.id, "number": c.number, "kind": c.kind, "class_code": c.class_code, "class_name": classes[ck],
            "state": c.state, "stage": c.stage, "band": c.band, "department_id": c.department_id,
            "department_name": dept_names.get(c.department_id), "street_code": c.street_code,
            "community_code": c.community_code, "address": c.address, "description": (c.description or "")[:120],
            "deadline_at": c.deadline_at.isoformat(),
            "overdue_seconds": round((now - c.deadline_at).total_seconds(), 1), "urge_count": c.urge_count or 0,
            "group_key": NO_GROUP if gk is None else str(gk), "last_urge": last.get(c.id), "version": c.version})
    return {"group_by": group.value, "now": now.isoformat(), "soon_included": soon,
            "total": sum(g["count"] for g in groups), "overdue": sum(g["overdue"] for g in groups),
            "soon": sum(g["soon"] for g in groups), "groups": groups, "items": items,
            "items_total": items_total, "limit": limit}


def _key_value(group: BoardGroup, key: str) -> Any:
    if group == BoardGroup.DEPARTMENT:
        try:
            return int(key)
        except ValueError:
            raise urge_svc.UrgeInputError("key", f"a department key is its id, got {key!r}") from None
    return key


def last_urges(s: Session, case_ids: list[int]) -> dict[int, dict]:
    """The latest urge of each case (for the board's 'last urged' column)."""
    if not case_ids:
        return {}
    last = select(Urge.case_id, func.max(Urge.id).label("mid")).where(Urge.case_id.in_(case_ids)) \
        .group_by(Urge.case_id).subquery()
    rows = s.scalars(select(Urge).join(last, Urge.id == last.c.mid)).all()
    return {u.case_id: {"kind": u.kind, "level": u.level, "at": u.at.isoformat(),
                        "answered": u.reply_at is not None} for u in rows}
