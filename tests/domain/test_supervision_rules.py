"""The escalation rule and the 督办 reply date (app/domain/supervision.py)."""
from __future__ import annotations

from datetime import date, timedelta

from app.domain.supervision import MAX_LEVEL, check_reply_due, escalation_level


def test_repeated_urging_escalates_and_never_steps_down():
    assert [escalation_level(n, "urge") for n in range(5)] == [1, 2, 3, 3, 3]
    assert escalation_level(0, "supervise") == 2  # a 督办 is the stronger step at once
    assert escalation_level(1, "urge", previous_level=2) == 3  # a 催办 after a first 督办
    assert escalation_level(9, "supervise", previous_level=3) == MAX_LEVEL
    assert escalation_level(-4, "urge") == 1


def test_reply_date_fits_the_kind():
    today = date(2026, 12, 2)
    assert check_reply_due("urge", None, today) is None
    assert "no reply date" in check_reply_due("urge", today, today)
    assert "needs the date" in check_reply_due("supervise", None, today)
    assert "in the past" in check_reply_due("supervise", today - timedelta(days=1), today)
    assert check_reply_due("supervise", today, today) is None
    assert "within 90 days" in check_reply_due("supervise", today + timedelta(days=91), today)
