"""Which days are working days in China: public holidays, weekends and adjusted working days (调休).

Sources, first match wins:
1. the city's override file (resources/calendar/holiday_overrides.csv: date,kind,name with kind
   holiday|workday) — for local holidays and for years the packages do not know yet;
2. `chinese_calendar`: the State Council schedule, holidays AND adjusted working weekends, but
   only for the years it ships (it raises NotImplementedError outside them);
3. the `holidays` package's China calendar: statutory holidays for any year plus the adjusted
   working weekends it knows (`weekend_workdays`); for years without a published schedule it
   estimates the holidays and knows no 调休 — one warning per year says so;
4. weekends only, if even that fails. The calendar never raises for a valid date.

Every year is computed once and kept as two dicts, so a lookup is one dict access.
"""
from __future__ import annotations

import csv
import logging
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

from .resources import resources_dir

log = logging.getLogger("occ.calendar")

WORKDAY, WEEKEND, HOLIDAY, ADJUSTED_WORKDAY = "workday", "weekend", "holiday", "adjusted_workday"
SOURCE_CHINESE_CALENDAR, SOURCE_HOLIDAYS, SOURCE_WEEKENDS = "chinese_calendar", "holidays", "weekends"


class CalendarError(ValueError):
    """A malformed override file; the message names the file and line."""


def default_override_file() -> Path:
    return resources_dir() / "calendar" / "holiday_overrides.csv"


def _load_overrides(path: Path) -> dict[date, tuple[bool, str]]:
    """date -> (is_working, name). Lines starting with # are comments; the header is optional."""
    out: dict[date, tuple[bool, str]] = {}
    with open(path, encoding="utf-8-sig", newline="") as f:  # -sig: cities edit it in Excel
        for lineno, row in enumerate(csv.reader(f), start=1):
            if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                continue
            cells = [c.strip() for c in row]
            if cells[0].lower() == "date":
                continue
            try:
                d = date.fromisoformat(cells[0])
                kind = cells[1].lower()
                if kind not in ("holiday", "workday"):
                    raise ValueError(f"kind must be holiday or workday, got {cells[1]!r}")
            except (IndexError, ValueError) as e:
                raise CalendarError(f"{path} line {lineno}: {e}") from None
            out[d] = (kind == "workday", cells[2] if len(cells) > 2 else "")
    return out


class HolidayCalendar:
    def __init__(self, override_file: str | Path | None = None,
                 overrides: dict[date, tuple[bool, str]] | None = None):
        """`overrides` (date -> (is_working, name)) replaces the file: a client gets the server's
        overrides (GET /api/ref/clock-config) so both count the same days."""
        if overrides is not None:
            path = None
            self._overrides = dict(overrides)
        elif override_file is None:
            path = default_override_file()
            self._overrides = _load_overrides(path) if path.is_file() else {}
        else:
            path = Path(override_file)
            self._overrides = _load_overrides(path)  # an explicit file must exist
        self.override_file = path
        self._working: dict[date, bool] = {}
        self._kind: dict[date, str] = {}
        self._name: dict[date, str] = {}
        self._sources: dict[int, str] = {}
        self._lock = threading.Lock()

    def overrides(self) -> dict[date, tuple[bool, str]]:
        """The city's own entries (the State Council's notice typed in), date -> (is_working, name)."""
        return dict(self._overrides)

    # -- hot path: one dict access once the year is loaded
    def is_working_day(self, d: date) -> bool:
        try:
            return self._working[d]
        except KeyError:
            return self._working[self._load(d)]

    def day_kind(self, d: date) -> str:
        """"workday" | "weekend" | "holiday" | "adjusted_workday" (a weekend day worked, 调休)."""
        try:
            return self._kind[d]
        except KeyError:
            return self._kind[self._load(d)]

    def name(self, d: date) -> str:
        """The holiday or adjusted-workday name ("" for ordinary days)."""
        return self._name.get(self._load(d), "")

    def source(self, year: int) -> str:
        """Which package decided `year` (besides the override file)."""
        self._load(date(year, 1, 1))
        return self._sources[year]

    def _load(self, d: date) -> date:
        """Make sure d's year is computed; return d as a plain date (datetimes are accepted)."""
        if isinstance(d, datetime):
            d = d.date()
        if d.year not in self._sources:
            with self._lock:
                if d.year not in self._sources:
                    self._compute_year(d.year)
        return d

    def _compute_year(self, year: int) -> None:
        days = [date(year, 1, 1) + timedelta(n) for n in range((date(year, 12, 31) - date(year, 1, 1)).days + 1)]
        source, table = _from_chinese_calendar(days), SOURCE_CHINESE_CALENDAR
        if source is None:
            source, table = _from_holidays_package(year, days), SOURCE_HOLIDAYS
            if source is None:
                source, table = {d: (WEEKEND if d.weekday() >= 5 else WORKDAY, "") for d in days}, SOURCE_WEEKENDS
                log.warning("holiday calendar %d: no package knows this year; using weekends only "
                            "(declare its holidays and 调休 in %s)", year, self.override_file)
            else:
                adjusted = sum(k == ADJUSTED_WORKDAY for k, _ in source.values())
                log.warning("holiday calendar %d: chinese_calendar has no data for this year; using the "
                            "holidays package (statutory holidays, possibly estimated; %d adjusted working "
                            "days known). Declare the official schedule in %s", year, adjusted,
                            self.override_file)
        for d, (kind, name) in source.items():
            if d in self._overrides:
                working, name = self._overrides[d]
                kind = (ADJUSTED_WORKDAY if d.weekday() >= 5 else WORKDAY) if working else HOLIDAY
            self._kind[d] = kind
            self._working[d] = kind in (WORKDAY, ADJUSTED_WORKDAY)
            if name:
                self._name[d] = name
        self._sources[year] = table  # last: readers test this to know the year is complete


def _from_chinese_calendar(days: list[date]) -> dict[date, tuple[str, str]] | None:
    try:
        import chinese_calendar as cc
        cc.is_workday(days[0])  # raises NotImplementedError for a year it does not cover
        out = {}
        for d in days:
            weekend = d.weekday() >= 5
            if d in cc.workdays:
                out[d] = (ADJUSTED_WORKDAY if weekend else WORKDAY, _cc_name(cc, cc.workdays[d]))
            elif d in cc.holidays:
                out[d] = (HOLIDAY, _cc_name(cc, cc.holidays[d]))
            else:
                out[d] = (WEEKEND if weekend else WORKDAY, "")
        return out
    except Exception:  # NotImplementedError for unknown years; anything else must not crash us
        return None


def _cc_name(cc, value: str) -> str:
    for h in cc.Holiday:  # values are English names; show the Chinese one
        if h.value == value:
            return h.chinese
    return value


def _from_holidays_package(year: int, days: list[date]) -> dict[date, tuple[str, str]] | None:
    try:
        import holidays
        cn = holidays.country_holidays("CN", years=year, language="zh_CN")
        weekend_workdays = getattr(cn, "weekend_workdays", set())
        out = {}
        for d in days:
            weekend = d.weekday() >= 5
            if d in cn:
                out[d] = (HOLIDAY, cn.get(d) or "")
            elif weekend and d in weekend_workdays:
                out[d] = (ADJUSTED_WORKDAY, "调休")
            else:
                out[d] = (WEEKEND if weekend else WORKDAY, "")
        return out
    except Exception:
        return None
