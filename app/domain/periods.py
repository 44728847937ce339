"""Evaluation periods (考核周期): a calendar month, a quarter or a chosen range of days.

Written the way URLs and file names carry them:
    2026-11                  a month
    2026-Q4                  a quarter (October to December)
    2026-10-08..2026-11-15   a range of days, both ends included

Qt-free; the server turns a period into [start, end) instants in the city's time zone, the client
builds the text from its period picker.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

MAX_RANGE_DAYS = 366  # a custom range covers at most a year (a bigger one is a yearly report)
PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$|^\d{4}-Q[1-4]$|^\d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2}$"
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


class PeriodError(ValueError):
    """A period text that names no period (the message says why)."""


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | range
    first: date  # first day
    end: date  # the day after the last day (exclusive)
    text: str  # canonical text, e.g. 2026-Q4

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.first).days

    def months(self) -> list[str]:
        """The calendar months ('YYYY-MM') the period touches, in order."""
        out, d = [], self.first.replace(day=1)
        while d < self.end:
            out.append(f"{d.year:04d}-{d.month:02d}")
            d = _add_months(d, 1)
        return out


def _add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    return date(d.year + m // 12, m % 12 + 1, 1)


def month(year: int, mon: int) -> Period:
    first = date(year, mon, 1)
    return Period("month", first, _add_months(first, 1), f"{year:04d}-{mon:02d}")


def quarter(year: int, q: int) -> Period:
    first = date(year, 3 * (q - 1) + 1, 1)
    return Period("quarter", first, _add_months(first, 3), f"{year:04d}-Q{q}")


def day_range(first: date, last: date) -> Period:
    """A range of days, both included."""
    if last < first:
        raise PeriodError(f"the range ends ({last}) before it begins ({first})")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise PeriodError(f"a range covers at most {MAX_RANGE_DAYS} days, got {(last - first).days + 1}")
    return Period("range", first, last + timedelta(days=1), f"{first.isoformat()}..{last.isoformat()}")


def parse(text: str) -> Period:
    """A period from its text; ValueError (with what is wrong) otherwise."""
    t = (text or "").strip()
    try:
        if m := _MONTH.match(t):
            return month(int(m[1]), int(m[2]))
        if m := _QUARTER.match(t):
            return quarter(int(m[1]), int(m[2]))
        if m := _RANGE.match(t):
            return day_range(date.fromisoformat(m[1]), date.fromisoformat(m[2]))
    except PeriodError:
        raise
    except ValueError as e:  # date(): no such day, or a year out of range
        raise PeriodError(f"not a calendar date in {text!r}: {e}") from None
    raise PeriodError(f"a period is YYYY-MM, YYYY-Qn or YYYY-MM-DD..YYYY-MM-DD, got {text!r}")


def trailing_months(last_month: str, n: int) -> list[Period]:
    """The n calendar months ending with `last_month` (YYYY-MM), oldest first."""
    p = parse(last_month)
    first = _add_months(p.first.replace(day=1), -(n - 1))
    return [month((d := _add_months(first, i)).year, d.month) for i in range(n)]
