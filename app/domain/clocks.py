"""The four clocks of case deadlines. (Placeholder: ClockType only; the calendar follows.)"""
from __future__ import annotations

from enum import StrEnum


class ClockType(StrEnum):
    URGENT_HOUR = "urgent_hour"  # X紧急工作时: natural time, 24x7
    WORK_HOUR = "work_hour"  # X工作时: working hours of working days only
    WORK_DAY = "work_day"  # X工作日: working days (holidays out, adjusted working weekends in)
    NATURAL_DAY = "natural_day"  # X自然日: calendar days
