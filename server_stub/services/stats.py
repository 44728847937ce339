"""What the hall's wall shows: today's counts, the on-time closing rate, what is overdue now, who is
on duty, the department ranking of the month, the top classes and the 7-day trend. Aggregated by
the database (a few GROUP BY queries over indexed columns), never row by row in Python."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from app.domain.workflow import ACTIVE_STATES, OPEN_STATES, Action, State

from ..db.models import Case, CaseEvent, Department, Inspector

ONLINE_SECONDS = 300  # an inspector with a fix in the last 5 minutes is on duty
KPI_ACTIONS = {Action.ACCEPT.value: "accepted", Action.FILE.value: "filed", Action.DISPATCH.value: "dispatched",
               Action.CLOSE.value: "closed"}
OPEN = sorted(s.value for s in OPEN_STATES)


def _day_start(now: datetime, tz: Any, days_back: int = 0) -> datetime:
    day = now.astimezone(tz).date() - timedelta(days=days_back)
    return datetime.combine(day, time(0), tz).astimezone(timezone.utc)


def wall(s: Session, classification: Any, tz: Any, now: datetime | None = None, board: int = 12) -> dict:
    now = now or datetime.now(timezone.utc)
    today = _day_start(now, tz)
    month = datetime.combine(now.astimezone(tz).date().replace(day=1), time(0), tz).astimezone(timezone.utc)
    week = _day_start(now, tz, 6)

    kpi = {"reports": s.scalar(select(func.count()).select_from(Case).where(Case.created_at >= today)) or 0}
    counts = dict(s.execute(select(CaseEvent.action, func.count()).where(CaseEvent.at >= today,
                                                                          CaseEvent.action.in_(list(KPI_ACTIONS)))
                            .group_by(CaseEvent.action)).all())
    kpi.update({name: int(counts.get(action, 0)) for action, name in KPI_ACTIONS.items()})
    closed, on_time = s.execute(select(func.count(), func.sum(case((Case.handling_overdue.is_(False), 1), else_=0)))
                                .where(Case.closed_at >= today, Case.state == "closed")).one()
    kpi["on_time_close_rate"] = (int(on_time or 0) / closed) if closed else None
    kpi["overdue_now"] = s.scalar(select(func.count()).select_from(Case)
                                  .where(Case.state.in_(OPEN), Case.band == "red")) or 0
    by_state = dict(s.execute(select(Case.state, func.count()).where(Case.state.in_(OPEN))
                              .group_by(Case.state)).all())
    # active: open and not hung up (挂账 leaves the active count; 缓办 stays in it)
    kpi["open"] = sum(int(n) for st, n in by_state.items() if st in ACTIVE_STATES)
    kpi["postponed"] = int(by_state.get(State.POSTPONED.value, 0))
    kpi["suspended"] = int(by_state.get(State.SUSPENDED.value, 0))
    kpi["inspectors_on_duty"] = s.scalar(select(func.count()).select_from(Inspector)
                                         .where(Inspector.fix_at >= now - timedelta(seconds=ONLINE_SECONDS))) or 0

    # departments this month: dispatched to them, closed, closed on time
    dept_rows = s.execute(
        select(Department.name, func.count(Case.id),
               func.sum(case((Case.state == "closed", 1), else_=0)),
               func.sum(case((and_(Case.state == "closed", Case.handling_overdue.is_(False)), 1), else_=0)),
               func.sum(case((and_(Case.state.in_(OPEN), Case.band == "red"), 1), else_=0)))
        .join(Case, Case.department_id == Department.id)
        .where(Case.created_at >= month).group_by(Department.id, Department.name)).all()
    ranking = []
    for name, total, closed_n, on_time_n, red in dept_rows:
        closed_n, on_time_n = int(closed_n or 0), int(on_time_n or 0)
        ranking.append({"department": name, "cases": int(total), "closed": closed_n,
                        "on_time_rate": on_time_n / closed_n if closed_n else None, "overdue_now": int(red or 0)})
    ranking.sort(key=lambda r: (-(r["on_time_rate"] if r["on_time_rate"] is not None else -1), -r["cases"]))

    top = s.execute(select(Case.kind, Case.class_code, func.count().label("n")).where(Case.created_at >= week)
                    .group_by(Case.kind, Case.class_code).order_by(func.count().desc()).limit(8)).all()
    top_classes = [{"kind": k, "class_code": c, "name": _class_name(classification, k, c), "count": int(n)}
                   for k, c, n in top]

    # days in the city's zone, not the database's: seven small counts over indexed columns
    trend = []
    for back in range(6, -1, -1):
        a, b = _day_start(now, tz, back), _day_start(now, tz, back - 1)
        reported = s.scalar(select(func.count()).select_from(Case).where(Case.created_at >= a, Case.created_at < b))
        closed_d = s.scalar(select(func.count()).select_from(Case).where(Case.closed_at >= a, Case.closed_at < b))
        trend.append({"day": a.astimezone(tz).date().isoformat(), "reported": int(reported or 0),
                      "closed": int(closed_d or 0)})

    overdue = s.execute(select(Case.id, Case.number, Case.kind, Case.class_code, Case.address, Case.deadline_at,
                               Case.state, Department.name)
                        .outerjoin(Department, Department.id == Case.department_id)
                        .where(Case.state.in_(OPEN), Case.band == "red")
                        .order_by(Case.deadline_at.asc()).limit(board)).all()
    board_rows = [{"id": cid, "number": num, "class_name": _class_name(classification, k, c), "address": addr,
                   "state": st, "department": dn,
                   "overdue_s": max(0.0, (now - dl).total_seconds()) if dl is not None else None}
                  for cid, num, k, c, addr, dl, st, dn in overdue]
    return {"at": now, "today": today, "kpi": kpi, "departments": ranking, "top_classes": top_classes,
            "trend": trend, "overdue": board_rows}


def _class_name(classification: Any, kind: str, code: str) -> str:
    found = classification.find(kind, code)
    return found.name if found is not None else code
