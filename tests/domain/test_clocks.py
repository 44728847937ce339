"""The four deadline clocks: shift edges, weekends, holidays, 调休, 2027 fallback, inverse property."""
from __future__ import annotations

import logging
import time as timer
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from app.domain.clocks import DEFAULT_SHIFTS, ClockType, Shift, WorkClock, band
from app.domain.holiday_calendar import HolidayCalendar

SH = ZoneInfo("Asia/Shanghai")
CLOCK = WorkClock()  # shared: its calendar cache makes the property tests fast
H, D = 3600.0, 86400.0


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SH)


# 2025-11-03 is an ordinary Monday, 2025-11-07 a Friday.
@pytest.mark.parametrize("start, hours, deadline", [
    (at(2025, 11, 3, 8, 30), 0.25, at(2025, 11, 3, 8, 45)),  # start exactly at 08:30
    (at(2025, 11, 3, 8, 30), 3.5, at(2025, 11, 3, 12, 0)),  # ends exactly at a shift end, not 14:00
    (at(2025, 11, 3, 12, 0), 0.5, at(2025, 11, 3, 14, 30)),  # start exactly at 12:00
    (at(2025, 11, 3, 17, 30), 0.25, at(2025, 11, 4, 8, 45)),  # start exactly at 17:30
    (at(2025, 11, 3, 7, 0), 1, at(2025, 11, 3, 9, 30)),  # before the first shift
    (at(2025, 11, 3, 11, 30), 1, at(2025, 11, 3, 14, 30)),  # across the lunch gap
    (at(2025, 11, 3, 13, 0), 0.5, at(2025, 11, 3, 14, 30)),  # inside the lunch gap
    (at(2025, 11, 3, 20, 0), 1, at(2025, 11, 4, 9, 30)),  # after the last shift
    (at(2025, 11, 3, 9, 0), 7, at(2025, 11, 4, 9, 0)),  # a full working day later
    (at(2025, 11, 7, 17, 0), 1, at(2025, 11, 10, 9, 0)),  # Friday -> Monday
    (at(2025, 11, 8, 10, 0), 1, at(2025, 11, 10, 9, 30)),  # on a Saturday
    (at(2025, 10, 3, 10, 0), 2, at(2025, 10, 9, 10, 30)),  # on a holiday (National Day week)
    (at(2025, 9, 30, 16, 0), 4, at(2025, 10, 9, 11, 0)),  # across the holiday week
    (at(2025, 9, 27, 18, 0), 1, at(2025, 9, 28, 9, 30)),  # Sunday 2025-09-28 is worked (调休)
    (at(2026, 9, 19, 12, 0), 1, at(2026, 9, 20, 9, 30)),  # Sunday 2026-09-20 is worked (调休)
    (at(2026, 2, 13, 17, 0), 1, at(2026, 2, 14, 9, 0)),  # Saturday 2026-02-14 is worked, then Spring Festival
    (at(2026, 2, 14, 17, 0), 1, at(2026, 2, 24, 9, 0)),  # ...and the festival ends on 2026-02-23
])
def test_work_hour(start: datetime, hours: float, deadline: datetime) -> None:
    assert CLOCK.add(start, hours, "work_hour") == deadline
    assert CLOCK.counted_seconds(start, deadline, ClockType.WORK_HOUR) == hours * H


@pytest.mark.parametrize("start, days, deadline", [
    (at(2025, 11, 7, 10), 1, at(2025, 11, 10, 10)),  # Friday 10:00 -> Monday 10:00
    (at(2025, 11, 8, 10), 1, at(2025, 11, 11, 0)),  # Saturday -> the end of Monday
    (at(2025, 11, 3, 0), 5, at(2025, 11, 8, 0)),  # a full working week
    (at(2025, 9, 30, 10), 5, at(2025, 10, 14, 10)),  # across National Day; Sat 10-11 is worked
    (at(2025, 10, 3, 10), 1, at(2025, 10, 10, 0)),  # start on a holiday
    (at(2025, 9, 27, 10), 1, at(2025, 9, 29, 0)),  # Saturday -> Sunday 09-28 is worked
    (at(2026, 2, 13, 10), 2, at(2026, 2, 24, 10)),  # Fri, worked Sat 02-14, festival to 02-23
])
def test_work_day(start: datetime, days: float, deadline: datetime) -> None:
    assert CLOCK.add(start, days, "work_day") == deadline
    assert CLOCK.counted_seconds(start, deadline, "work_day") == days * D


def test_urgent_hour_and_natural_day_ignore_the_calendar() -> None:
    assert CLOCK.add(at(2025, 10, 1, 23), 2, "urgent_hour") == at(2025, 10, 2, 1)
    assert CLOCK.add(at(2025, 9, 30, 10), 3, "natural_day") == at(2025, 10, 3, 10)
    assert CLOCK.counted_seconds(at(2025, 10, 1), at(2025, 10, 8), "natural_day") == 7 * D


def test_counted_seconds() -> None:
    assert CLOCK.counted_seconds(at(2025, 11, 3, 8), at(2025, 11, 3, 18), "work_hour") == 7 * H
    assert CLOCK.counted_seconds(at(2025, 11, 3, 11), at(2025, 11, 3, 15), "work_hour") == 2 * H
    assert CLOCK.counted_seconds(at(2025, 11, 3, 12), at(2025, 11, 3, 14), "work_hour") == 0
    assert CLOCK.counted_seconds(at(2025, 10, 1), at(2025, 10, 9), "work_day") == 0
    assert CLOCK.counted_seconds(at(2025, 11, 3, 15), at(2025, 11, 3, 11), "work_hour") == -2 * H


def test_time_zones() -> None:
    start = datetime(2025, 11, 3, 0, 30, tzinfo=timezone.utc)  # 08:30 in Shanghai
    end = CLOCK.add(start, 1, "work_hour")
    assert end == datetime(2025, 11, 3, 1, 30, tzinfo=timezone.utc) and end.tzinfo is timezone.utc
    assert CLOCK.add(at(2025, 11, 3, 9), 1, "work_hour").tzinfo is SH
    # local rules follow the clock's zone, not the caller's
    urumqi = WorkClock(tz="Asia/Urumqi")  # UTC+6: 08:30 there is 10:30 in Beijing
    assert urumqi.add(at(2025, 11, 3, 10, 30), 0.5, "work_hour") == at(2025, 11, 3, 11)
    assert urumqi.add(at(2025, 11, 3, 9, 0), 0.5, "work_hour") == at(2025, 11, 3, 11)


def test_invalid_input() -> None:
    with pytest.raises(ValueError):
        CLOCK.add(datetime(2025, 11, 3, 9), 1, "work_hour")  # naive
    with pytest.raises(ValueError):
        CLOCK.counted_seconds(at(2025, 11, 3), datetime(2025, 11, 4), "work_hour")
    with pytest.raises(ValueError):
        CLOCK.add(at(2025, 11, 3), -1, "work_hour")
    with pytest.raises(ValueError):
        CLOCK.add(at(2025, 11, 3), 1, "fortnight")
    with pytest.raises(ValueError):
        WorkClock(shifts=[Shift(time(9), time(12)), Shift(time(11), time(13))])  # overlap
    with pytest.raises(ValueError):
        WorkClock(shifts=[Shift(time(18), time(2))])  # overnight


def test_zero_amount_is_the_start() -> None:
    s = at(2025, 11, 3, 13)
    assert all(CLOCK.add(s, 0, c) == s for c in ClockType)


def test_custom_shifts() -> None:
    c = WorkClock(shifts=[Shift(time(9), time(17))], calendar=CLOCK.calendar)
    assert c.add(at(2025, 11, 3, 16), 2, "work_hour") == at(2025, 11, 4, 10)


def test_limit_seconds() -> None:
    assert WorkClock.limit_seconds(2, "urgent_hour") == 2 * H
    assert CLOCK.limit_seconds(4, ClockType.WORK_HOUR) == 4 * H
    assert CLOCK.limit_seconds(5, "work_day") == 5 * D
    assert CLOCK.limit_seconds(1.5, "natural_day") == 1.5 * D


def test_band() -> None:
    assert band(100, 100) == "green"
    assert band(21, 100) == "green"
    assert band(20, 100) == "yellow"
    assert band(1, 100) == "yellow"
    assert band(0, 100) == "red"
    assert band(-5, 100) == "red"
    assert band(40, 100, yellow_fraction=0.5) == "yellow"


def test_long_holidays_are_fast() -> None:
    start = at(2025, 9, 30, 10)
    CLOCK.add(start, 5, "work_day")  # warm the calendar cache
    best = min(_timed(lambda: CLOCK.add(start, 5, "work_day")) for _ in range(20))
    assert best < 1e-3
    best = min(_timed(lambda: CLOCK.add(at(2026, 2, 13, 10), 40, "work_hour")) for _ in range(20))
    assert best < 1e-3


def _timed(f) -> float:
    t = timer.perf_counter()
    f()
    return timer.perf_counter() - t


def test_2027_works_with_the_fallback_and_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    clock = WorkClock(calendar=HolidayCalendar())
    with caplog.at_level(logging.WARNING, logger="occ.calendar"):
        # National Day 2027 (Fri 10-01 .. Tue 10-05 in the package estimate)
        assert clock.add(at(2027, 9, 30, 17), 1, "work_hour") == at(2027, 10, 6, 9)
        assert clock.add(at(2027, 9, 30, 10), 2, "work_day") == at(2027, 10, 7, 10)
        clock.counted_seconds(at(2027, 1, 1), at(2027, 12, 31), "work_hour")
    warnings = [r for r in caplog.records if r.name == "occ.calendar"]
    assert len(warnings) == 1 and "2027" in warnings[0].getMessage()


def test_override_file_changes_2027_deadlines(tmp_path) -> None:
    f = tmp_path / "o.csv"
    f.write_text("date,kind,name\n2027-10-06,holiday,国庆节\n2027-10-09,workday,国庆节调休\n", encoding="utf-8")
    plain, city = WorkClock(calendar=HolidayCalendar()), WorkClock(calendar=HolidayCalendar(f))
    start = at(2027, 9, 30, 17)
    assert plain.add(start, 1, "work_hour") == at(2027, 10, 6, 9)
    assert city.add(start, 1, "work_hour") == at(2027, 10, 7, 9)  # 10-06 declared a holiday
    start = at(2027, 10, 8, 17)  # Friday evening; Saturday 10-09 declared worked
    assert plain.add(start, 1, "work_hour") == at(2027, 10, 11, 9)
    assert city.add(start, 1, "work_hour") == at(2027, 10, 9, 9)


# -- properties, 2024-2028 (2027-2028 use the fallback calendar)
starts = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 1),
                      timezones=st.just(SH))
clocks = st.sampled_from(list(ClockType))
quarters = st.integers(min_value=0, max_value=4 * 120).map(lambda n: n / 4)  # exact binary fractions
PROPS = settings(max_examples=200, deadline=None)


@PROPS
@given(starts, quarters, clocks)
def test_add_and_counted_seconds_are_exact_inverses(start: datetime, amount: float, clock: ClockType) -> None:
    end = CLOCK.add(start, amount, clock)
    assert end >= start
    assert CLOCK.counted_seconds(start, end, clock) == CLOCK.limit_seconds(amount, clock)
    assert CLOCK.counted_seconds(end, start, clock) == -CLOCK.limit_seconds(amount, clock)


@PROPS
@given(starts, st.floats(min_value=0, max_value=200, allow_nan=False), clocks)
def test_inverse_for_any_float_to_the_microsecond(start: datetime, amount: float, clock: ClockType) -> None:
    end = CLOCK.add(start, amount, clock)
    assert abs(CLOCK.counted_seconds(start, end, clock) - CLOCK.limit_seconds(amount, clock)) <= 1e-6


@PROPS
@given(starts, quarters, quarters, clocks)
def test_more_amount_means_a_later_deadline(start: datetime, a: float, b: float, clock: ClockType) -> None:
    a, b = sorted((a, b))
    da, db = CLOCK.add(start, a, clock), CLOCK.add(start, b, clock)
    assert da < db if a < b else da == db


@PROPS
@given(starts, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
       st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)), clocks)
def test_counted_seconds_is_additive(start: datetime, d1: timedelta, d2: timedelta, clock: ClockType) -> None:
    mid, end = start + d1, start + d1 + d2
    total = CLOCK.counted_seconds(start, end, clock)
    assert total == pytest.approx(CLOCK.counted_seconds(start, mid, clock)
                                  + CLOCK.counted_seconds(mid, end, clock), abs=1e-6)
    assert 0 <= total <= (end - start).total_seconds() + 1e-6


def test_default_shifts() -> None:
    assert DEFAULT_SHIFTS == (Shift(time(8, 30), time(12, 0)), Shift(time(14, 0), time(17, 30)))
