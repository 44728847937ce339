"""The four clocks of case deadlines (shared/domain §6) and the display bands.

Time is counted in integer microseconds so that `add` and `counted_seconds` are exact inverses.
urgent_hour counts real elapsed time; the three calendar clocks count local wall-clock time in
`tz` (a working day is always 24 h, a shift always its written length, even across a DST change
in zones that have one). Deadlines walk day by day, never minute by minute.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from typing import Sequence
from zoneinfo import ZoneInfo

from .holiday_calendar import HolidayCalendar


class ClockType(StrEnum):
    URGENT_HOUR = "urgent_hour"  # X紧急工作时: natural time, 24x7
    WORK_HOUR = "work_hour"  # X工作时: working hours of working days only
    WORK_DAY = "work_day"  # X工作日: working days (holidays out, adjusted working weekends in)
    NATURAL_DAY = "natural_day"  # X自然日: calendar days


@dataclass(frozen=True)
class Shift:
    """Working hours inside one day (no overnight shifts: start < end)."""
    start: time
    end: time


DEFAULT_SHIFTS = (Shift(time(8, 30), time(12, 0)), Shift(time(14, 0), time(17, 30)))

_US = timedelta(microseconds=1)
_DAY_US = 86_400_000_000
_FULL_DAY = ((0, _DAY_US),)
_MAX_IDLE_DAYS = 3660  # a calendar with no counted day in ten years is broken: stop, don't hang


def _us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _aware(dt: datetime, what: str) -> None:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {dt.isoformat()}")


def band(remaining_seconds: float, limit_seconds: float, yellow_fraction: float = 0.2) -> str:
    """"red" when overdue, "yellow" in the last `yellow_fraction` of the limit, else "green"."""
    if remaining_seconds <= 0:
        return "red"
    if remaining_seconds <= yellow_fraction * limit_seconds:
        return "yellow"
    return "green"


class WorkClock:
    def __init__(self, shifts: Sequence[Shift] = DEFAULT_SHIFTS, calendar: HolidayCalendar | None = None,
                 tz: str = "Asia/Shanghai"):
        spans = sorted((_us(s.start), _us(s.end)) for s in shifts)
        if not spans:
            raise ValueError("at least one shift is needed")
        for (a, b), nxt in zip(spans, spans[1:] + [(_DAY_US, _DAY_US)]):
            if not a < b <= nxt[0]:
                raise ValueError(f"shifts must be non-empty, within one day and not overlap: {shifts!r}")
        self.shifts = tuple(shifts)
        self._shift_spans: tuple[tuple[int, int], ...] = tuple(spans)
        self.calendar = calendar if calendar is not None else HolidayCalendar()
        self.tz = ZoneInfo(tz)

    @staticmethod
    def limit_seconds(amount: float, clock: ClockType | str) -> float:
        per_unit = 3600 if ClockType(clock) in (ClockType.URGENT_HOUR, ClockType.WORK_HOUR) else 86_400
        return amount * per_unit

    def add(self, start: datetime, amount: float, clock: ClockType | str) -> datetime:
        """The deadline: the earliest instant with `amount` units of counted time after `start`."""
        _aware(start, "start")
        clock = ClockType(clock)
        if amount < 0:
            raise ValueError(f"a time limit cannot be negative: {amount}")
        need = round(self.limit_seconds(amount, clock) * 1_000_000)
        if clock is ClockType.URGENT_HOUR:  # real time: add in UTC so DST cannot shift it
            return (start.astimezone(timezone.utc) + need * _US).astimezone(start.tzinfo)
        local = self._local(start)
        if need == 0:
            return start
        day, pos, idle = local.date(), _us(local.time()), 0
        while True:
            spans = self._spans(day, clock)
            for a, b in spans:
                avail = b - max(a, pos)
                if avail <= 0:
                    continue
                if need <= avail:
                    wall = datetime.combine(day, time()) + (max(a, pos) + need) * _US
                    return wall.replace(tzinfo=self.tz).astimezone(start.tzinfo)
                need -= avail
            idle = 0 if spans else idle + 1
            if idle > _MAX_IDLE_DAYS:
                raise ValueError(f"no counted time for {_MAX_IDLE_DAYS} days after {day}: check the calendar")
            day, pos = day + timedelta(days=1), 0

    def counted_seconds(self, start: datetime, end: datetime, clock: ClockType | str) -> float:
        """Counted time from start to end (negative when end is before start)."""
        _aware(start, "start")
        _aware(end, "end")
        clock = ClockType(clock)
        if end < start:
            return -self.counted_seconds(end, start, clock)
        if clock is ClockType.URGENT_HOUR:
            return ((end - start) // _US) / 1_000_000
        a, b = self._local(start), self._local(end)
        first, last = a.date(), b.date()
        lo, hi = _us(a.time()), _us(b.time())
        total, day = 0, first
        while day <= last:
            s = lo if day == first else 0
            e = hi if day == last else _DAY_US
            for x, y in self._spans(day, clock):
                total += max(0, min(y, e) - max(x, s))
            day += timedelta(days=1)
        return total / 1_000_000

    # -- helpers
    def _local(self, dt: datetime) -> datetime:
        """Naive local wall time in the clock's zone."""
        return dt.astimezone(self.tz).replace(tzinfo=None)

    def _spans(self, day: date, clock: ClockType) -> tuple[tuple[int, int], ...]:
        """The counted parts of `day`, as microsecond offsets from local midnight."""
        if clock is ClockType.NATURAL_DAY:
            return _FULL_DAY
        if not self.calendar.is_working_day(day):
            return ()
        return _FULL_DAY if clock is ClockType.WORK_DAY else self._shift_spans


# ---------------------------------------------------------------- the city's clock as data
DEFAULT_YELLOW_FRACTION = 0.2  # the last 20 % of a limit is yellow (shared/domain §6; configurable)


def clock_config(clock: WorkClock, yellow_fraction: float = DEFAULT_YELLOW_FRACTION) -> dict:
    """What a client needs to count deadlines exactly as the server does (GET /api/ref/clock-config)."""
    return {"time_zone": clock.tz.key,
            "shifts": [[s.start.strftime("%H:%M:%S"), s.end.strftime("%H:%M:%S")] for s in clock.shifts],
            "yellow_fraction": yellow_fraction,
            "holiday_overrides": [[d.isoformat(), "workday" if working else "holiday", name]
                                  for d, (working, name) in sorted(clock.calendar.overrides().items())]}


def clock_from_config(config: dict) -> tuple[WorkClock, float]:
    """(WorkClock, yellow_fraction) from clock_config's JSON."""
    shifts = [Shift(time.fromisoformat(a), time.fromisoformat(b)) for a, b in config["shifts"]]
    overrides = {date.fromisoformat(d): (kind == "workday", name) for d, kind, name in config.get("holiday_overrides", [])}
    clock = WorkClock(shifts, HolidayCalendar(overrides=overrides), tz=config.get("time_zone", "Asia/Shanghai"))
    return clock, float(config.get("yellow_fraction", DEFAULT_YELLOW_FRACTION))
