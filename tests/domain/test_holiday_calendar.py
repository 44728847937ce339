"""The working-day calendar: package sources, the 2027+ fallback, the override file, speed."""
from __future__ import annotations

import logging
import time
from datetime import date, datetime, timedelta

import chinese_calendar
import pytest

from app.domain.holiday_calendar import CalendarError, HolidayCalendar, default_override_file


@pytest.fixture(scope="module")
def cal() -> HolidayCalendar:
    return HolidayCalendar()


@pytest.mark.parametrize("d, kind", [
    (date(2025, 9, 26), "workday"),  # Friday
    (date(2025, 9, 27), "weekend"),
    (date(2025, 9, 28), "adjusted_workday"),  # Sunday worked before National Day (调休)
    (date(2025, 10, 1), "holiday"),
    (date(2025, 10, 4), "holiday"),  # a Saturday inside the holiday week
    (date(2025, 10, 8), "holiday"),
    (date(2025, 10, 9), "workday"),
    (date(2025, 10, 11), "adjusted_workday"),
    (date(2026, 2, 17), "holiday"),  # Spring Festival 2026
    (date(2026, 9, 20), "adjusted_workday"),
    (date(2026, 10, 10), "adjusted_workday"),
])
def test_known_days(cal: HolidayCalendar, d: date, kind: str) -> None:
    assert cal.day_kind(d) == kind
    assert cal.is_working_day(d) is (kind in ("workday", "adjusted_workday"))
    assert cal.source(d.year) == "chinese_calendar"


def test_agrees_with_chinese_calendar_for_2024_to_2026(cal: HolidayCalendar) -> None:
    d = date(2024, 1, 1)
    while d.year <= 2026:
        assert cal.is_working_day(d) is chinese_calendar.is_workday(d), d
        d += timedelta(days=1)


def test_every_2026_adjusted_weekend_from_the_package(cal: HolidayCalendar) -> None:
    worked_weekends = [d for d in chinese_calendar.workdays if d.year == 2026 and d.weekday() >= 5]
    assert worked_weekends  # the package ships 2026
    assert all(cal.day_kind(d) == "adjusted_workday" for d in worked_weekends)


def test_names(cal: HolidayCalendar) -> None:
    assert cal.name(date(2025, 10, 1)) == "国庆节"
    assert cal.name(date(2025, 10, 9)) == ""


def test_datetime_argument_is_accepted(cal: HolidayCalendar) -> None:
    assert cal.is_working_day(datetime(2025, 10, 1, 9)) is False
    assert cal.day_kind(datetime(2025, 9, 28, 9)) == "adjusted_workday"


def test_2027_falls_back_with_one_warning_per_year(caplog: pytest.LogCaptureFixture) -> None:
    c = HolidayCalendar()
    with caplog.at_level(logging.WARNING, logger="occ.calendar"):
        assert c.day_kind(date(2027, 10, 1)) == "holiday"  # National Day, from the holidays package
        assert c.is_working_day(date(2027, 10, 1)) is False
        assert c.day_kind(date(2027, 1, 1)) == "holiday"
        assert c.day_kind(date(2027, 3, 10)) == "workday"
        assert c.day_kind(date(2027, 3, 13)) == "weekend"
        for n in range(365):
            c.is_working_day(date(2027, 1, 1) + timedelta(n))
    assert c.source(2027) == "holidays"
    warnings = [r for r in caplog.records if r.name == "occ.calendar" and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "2027" in warnings[0].getMessage() and "holidays package" in warnings[0].getMessage()


def test_no_warning_for_years_the_package_knows(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="occ.calendar"):
        HolidayCalendar().is_working_day(date(2025, 5, 1))
    assert not [r for r in caplog.records if r.name == "occ.calendar"]


def test_far_years_never_crash() -> None:
    c = HolidayCalendar()
    for d in (date(1, 1, 1), date(1900, 6, 1), date(2100, 10, 1), date(9999, 12, 31)):
        assert c.day_kind(d) in ("workday", "weekend", "holiday", "adjusted_workday")


def test_override_file_wins(tmp_path) -> None:
    f = tmp_path / "overrides.csv"
    f.write_text(
        "# a comment\n"
        "date,kind,name\n"
        "2027-10-08,holiday,国庆节\n"   # Friday: not a holiday in the package fallback
        "2027-10-09,workday,国庆节调休\n"  # Saturday worked
        "2025-10-02,workday,test\n"   # a known holiday cancelled
        "\n"
        "2025-11-03, Holiday ,城市假日\n",  # spaces and case tolerated
        encoding="utf-8")
    base, c = HolidayCalendar(), HolidayCalendar(f)
    assert base.day_kind(date(2027, 10, 8)) == "workday" and c.day_kind(date(2027, 10, 8)) == "holiday"
    assert base.day_kind(date(2027, 10, 9)) == "weekend" and c.day_kind(date(2027, 10, 9)) == "adjusted_workday"
    assert c.is_working_day(date(2027, 10, 9)) and not c.is_working_day(date(2027, 10, 8))
    assert c.day_kind(date(2025, 10, 2)) == "workday"
    assert c.day_kind(date(2025, 11, 3)) == "holiday" and c.name(date(2025, 11, 3)) == "城市假日"
    assert c.name(date(2027, 10, 9)) == "国庆节调休"


@pytest.mark.parametrize("line", ["2027-13-01,holiday,x", "2027-10-01,dayoff,x", "2027-10-01"])
def test_malformed_override_is_refused_with_the_line(tmp_path, line: str) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(f"date,kind,name\n{line}\n", encoding="utf-8")
    with pytest.raises(CalendarError, match="line 2"):
        HolidayCalendar(f)


def test_explicit_missing_file_is_an_error(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        HolidayCalendar(tmp_path / "nope.csv")


def test_shipped_override_file_loads() -> None:
    assert default_override_file().is_file()
    HolidayCalendar(default_override_file())


def test_cached_lookup_is_fast(cal: HolidayCalendar) -> None:
    days = [date(2025, 1, 1) + timedelta(n) for n in range(365)]
    for d in days:
        cal.is_working_day(d)
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        for d in days * 10:
            cal.is_working_day(d)
        best = min(best, (time.perf_counter() - t) / (len(days) * 10))
    assert best < 2e-6
