"""Stage clocks of a case: which clock runs in each state, its deadline, time left and band.

Columns on Case describe the clock of the *current* stage: `stage`, `stage_started_at`,
`limit_value` + `limit_type` (the stage's limit in the clock's unit) and `deadline_at`.
- Every stage but handling runs on settings.stage_limits() (minutes of natural time): stored as
  urgent_hour with limit_value in hours, so one formula serves all stages.
- handling runs on the filing condition chosen at 立案 (case.condition_id), starting at dispatch and
  restarted in full at rework and at re-dispatch. An approved extension moves the deadline and grows
  limit_value by the counted time added (in the case's own clock, so the band threshold stays right
  when the extension is given in another clock type). A postponement (缓办) moves the deadline the
  same way, to the end of the approved day (extend_to). A suspension (挂账) stores the counted time left
  (remaining_at_pause) and clears deadline_at; resume puts it back on the clock from then.
"""
from __future__ import annotations

import functools

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.classification import ClassificationError, FilingCondition
from app.domain.clocks import ClockType, WorkClock, band
from app.domain.workflow import FINAL_STATES, HANDLING_STAGE, PAUSED_STATES, STAGE_OF_STATE, Action

from ..db.models import Case, CaseEvent, Overdue

HANDLING = HANDLING_STAGE
_NO_CLOCK = {s.value for s in FINAL_STATES | PAUSED_STATES}


@functools.lru_cache(maxsize=None)
def insert_ignoring(table: Any, dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING <primary key> for `table`, built once per
    dialect (SQLite, PostgreSQL); execute it with the row's values as parameters. An explicit
    RETURNING tells inserted from skipped on both drivers (rowcount does not: psycopg reports it
    oddly when SQLAlchemy adds its own RETURNING for the primary key)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    pk = list(table.primary_key.columns)[0]
    return insert(table).on_conflict_do_nothing().returning(pk)


def insert_ignore(s: Session, model: Any, values: dict) -> bool:
    """True if a row was inserted (no savepoints: pysqlite's SAVEPOINT handling is unreliable)."""
    stmt = insert_ignoring(model.__table__, s.get_bind().dialect.name)
    return s.execute(stmt, values).first() is not None


# ---------------------------------------------------------------- limits
def stage_limit(ctx: Any, stage: str) -> tuple[float, ClockType] | None:
    """A non-handling stage's limit as (hours, urgent_hour); None when the city sets none."""
    minutes = ctx.settings.stage_limits().get(stage)
    if minutes is None or minutes <= 0:
        return None
    return minutes / 60.0, ClockType.URGENT_HOUR


def handling_limit(s: Session | None, ctx: Any, case: Case) -> tuple[float, ClockType]:
    """The filing condition's limit, in full. Falls back to the limit logged at 立案 when the
    city's classification no longer has that condition id."""
    try:
        fc: FilingCondition = ctx.classification.condition(case.condition_id or "")
        return fc.limit_value, ClockType(fc.limit_type)
    except ClassificationError:
        if s is not None:
            data = s.scalar(select(CaseEvent.data).where(CaseEvent.case_id == case.id,
                                                         CaseEvent.action == Action.FILE.value)
                            .order_by(CaseEvent.id.desc()).limit(1))
            if data and data.get("limit_value") is not None:
                return float(data["limit_value"]), ClockType(data["limit_type"])
        raise ValueError(f"case {case.number} has no filing condition: file it first") from None


# ---------------------------------------------------------------- setting the clock
def start_stage(s: Session | None, ctx: Any, case: Case, now: datetime) -> None:
    """Starts the clock of the stage of case.state from `now`, in full (final states: no clock)."""
    stage = STAGE_OF_STATE.get(case.state)
    case.remaining_at_pause = None
    if stage is None:
        case.stage = None
        case.stage_started_at = None
        case.limit_value = None
        case.limit_type = None
        case.deadline_at = None
        return
    limit = handling_limit(s, ctx, case) if stage == HANDLING else stage_limit(ctx, stage)
    case.stage = stage
    case.stage_started_at = now
    if limit is None:
        case.limit_value = case.limit_type = case.deadline_at = None
        return
    value, clock_type = limit
    case.limit_value = value
    case.limit_type = clock_type.value
    case.deadline_at = ctx.clock.add(now, value, clock_type)


def extend(ctx: Any, case: Case, amount: float, limit_type: ClockType | str) -> tuple[datetime, datetime]:
    """Moves the handling deadline by `amount` of `limit_type`; returns (old, new) deadline."""
    if case.deadline_at is None:
        raise ValueError("the case has no running deadline to extend")
    old = case.deadline_at
    new = ctx.clock.add(old, amount, ClockType(limit_type))
    own = ClockType(case.limit_type or ClockType.URGENT_HOUR)
    added = ctx.clock.counted_seconds(old, new, own)
    case.limit_value = (case.limit_value or 0.0) + added / WorkClock.limit_seconds(1, own)
    case.deadline_at = new
    return old, new


def extend_to(ctx: Any, case: Case, new: datetime) -> tuple[datetime, datetime]:
    """缓办: the handling deadline becomes `new` (later); limit_value grows by the counted time
    added, as for an extension, so the yellow band keeps its meaning. Returns (old, new)."""
    if case.deadline_at is None:
        raise ValueError("the case has no running deadline to postpone")
    old = case.deadline_at
    own = ClockType(case.limit_type or ClockType.URGENT_HOUR)
    added = ctx.clock.counted_seconds(old, new, own)
    case.limit_value = (case.limit_value or 0.0) + added / WorkClock.limit_seconds(1, own)
    case.deadline_at = new
    return old, new


def pause(ctx: Any, case: Case, now: datetime) -> float:
    """Suspension: keeps the counted time left (never negative) and stops the clock."""
    rem = remaining_seconds(ctx, case, now, running_only=False)
    case.remaining_at_pause = max(0.0, rem or 0.0)
    case.deadline_at = None
    return case.remaining_at_pause


def resume(ctx: Any, case: Case, now: datetime) -> None:
    """Back on the clock with the time that was left at suspension."""
    clock_type = ClockType(case.limit_type or ClockType.URGENT_HOUR)
    rem = case.remaining_at_pause or 0.0
    case.deadline_at = ctx.clock.add(now, rem / WorkClock.limit_seconds(1, clock_type), clock_type)
    case.remaining_at_pause = None


def preview(ctx: Any, value: float, limit_type: ClockType | str, now: datetime) -> datetime:
    return ctx.clock.add(now, value, ClockType(limit_type))


# ---------------------------------------------------------------- reading the clock
def remaining_seconds(ctx: Any, case: Case, now: datetime, running_only: bool = True) -> float | None:
    """Counted seconds left on the current stage clock (negative when overdue); None without a clock."""
    if case.deadline_at is None or (running_only and case.state in _NO_CLOCK):
        return None
    return ctx.clock.counted_seconds(now, case.deadline_at, ClockType(case.limit_type or "urgent_hour"))


def stage_limit_seconds(ctx: Any, case: Case) -> float | None:
    if not case.limit_value or not case.limit_type:
        return None
    return WorkClock.limit_seconds(case.limit_value, case.limit_type)


def current_band(ctx: Any, case: Case, now: datetime) -> str | None:
    rem = remaining_seconds(ctx, case, now)
    limit = stage_limit_seconds(ctx, case)
    if rem is None or not limit:
        return None
    return band(rem, limit, ctx.settings.yellow_fraction)


# ---------------------------------------------------------------- overdue facts
def mark_overdue(s: Session, ctx: Any, case: Case, now: datetime) -> bool:
    """Records that the current stage ran past its deadline (an Overdue row, once per deadline) and,
    for the handling stage, sets handling_overdue for good. True if a new fact was recorded.
    Called by every action before it changes the case, and by the band watcher when it turns red."""
    if case.deadline_at is None or case.state in _NO_CLOCK or case.stage is None or case.deadline_at > now:
        return False
    if case.stage == HANDLING and not case.handling_overdue:
        case.handling_overdue = True
    return insert_ignore(s, Overdue, {"case_id": case.id, "stage": case.stage,
                                      "deadline_at": case.deadline_at, "noticed_at": now,
                                      "department_id": case.department_id})
