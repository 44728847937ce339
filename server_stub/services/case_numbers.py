"""Human-readable case numbers: local date (the clock's zone, Asia/Shanghai) + a 5-digit daily
sequence, e.g. 2026112300042 (the sequence grows a digit past 99,999 cases in one day).

Safe under concurrency without a counter table: the case row is inserted first with a temporary
number, then the day's highest number is read while no other transaction can allocate one —
SQLite: the insert took the database's single write lock, held to commit; PostgreSQL: a
transaction-scoped advisory lock, held to commit. So two reports never read the same maximum.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..db.models import Case

LOCK_KEY = 0x4F43_4343_4E55_4D42  # "OCCCNUMB": pg_advisory_xact_lock key of number allocation


def temporary_number() -> str:
    """Unique placeholder ('~' sorts after digits, so it never falls in a day's range)."""
    return "~" + uuid.uuid4().hex[:19]


def day_prefix(ctx: Any, at: datetime) -> str:
    return at.astimezone(ctx.clock.tz).strftime("%Y%m%d")


def assign_number(s: Session, ctx: Any, case: Case, at: datetime) -> str:
    """Gives a flushed case (with a temporary number) its final number; the caller commits."""
    day = day_prefix(ctx, at)
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
    last = s.scalar(select(Case.number)
                    .where(Case.number >= day, Case.number < str(int(day) + 1), Case.id != case.id)
                    .order_by(func.length(Case.number).desc(), Case.number.desc()).limit(1))
    seq = int(last[len(day):]) + 1 if last else 1
    number = f"{day}{seq:05d}"
    # Explicit updated_at: the column's onupdate must not stamp a backdated report with today.
    s.execute(update(Case).where(Case.id == case.id).values(number=number, updated_at=case.updated_at)
              .execution_options(synchronize_session=False))
    set_committed_value(case, "number", number)
    return number
