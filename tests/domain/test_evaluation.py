"""Evaluation formulas of shared/domain §7 with hand-computed numbers and zero denominators."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from app.domain import evaluation as ev
from app.domain.evaluation import (AcceptorCounts, DepartmentCounts, DispatcherCounts, InspectorCounts,
                                   ShiftLeaderCounts)

approx = pytest.approx


def test_inspector() -> None:
    c = InspectorCounts(reports=50, valid_reports=40, public_valid_reports_in_grid=10,
                        verify_tasks=20, verify_on_time=18, check_tasks=30, check_on_time=27)
    assert ev.valid_report_rate(c) == approx(0.8)
    assert ev.missed_report_rate(c) == approx(10 / 50)  # public valid / (own valid + public valid)
    assert ev.on_time_verify_rate(c) == approx(0.9)
    assert ev.on_time_check_rate(c) == approx(0.9)
    s = ev.inspector_score(c)  # 0.8*40 + (1-0.2)*20 + 0.9*20 + 0.9*20
    assert s.value == 84.0 and s.grade == "B"
    assert [p.key for p in s.parts] == list(ev.DEFAULT_WEIGHTS["inspector"])
    assert {p.name_zh for p in s.parts} == {"有效上报率", "漏报率", "按时核实率", "按时核查率"}


def test_missed_report_rate_with_explicit_filed_in_grid() -> None:
    c = InspectorCounts(valid_reports=40, public_valid_reports_in_grid=10, filed_in_grid=80)
    assert ev.missed_report_rate(c) == approx(10 / 80)


def test_acceptor() -> None:
    c = AcceptorCounts(accepted=80, verify_dispatches=10, verify_dispatches_on_time=9,
                       check_dispatches=20, check_dispatches_on_time=19)
    assert ev.on_time_verify_dispatch_rate(c) == approx(0.9)
    assert ev.on_time_check_dispatch_rate(c) == approx(0.95)
    s = ev.acceptor_score(c, max_accepted=100)  # 0.8*25 + 0.9*40 + 0.95*35
    assert s.value == 89.25 and s.grade == "B"


def test_shift_leader() -> None:
    c = ShiftLeaderCounts(filed=100, filed_on_time=90, voided_after_filing=5, closed=80, closed_on_time=72)
    assert ev.on_time_filing_rate(c) == approx(0.9)
    assert ev.accurate_filing_rate(c) == approx(0.95)  # (filed - voided) / filed
    assert ev.on_time_closing_rate(c) == approx(0.9)
    s = ev.shift_leader_score(c)  # 0.9*25 + 0.95*40 + 0.9*35
    assert s.value == 92.0 and s.grade == "A"


def test_dispatcher() -> None:
    c = DispatcherCounts(dispatched=50, dispatched_on_time=45, reworked=5)
    assert ev.on_time_dispatch_rate(c) == approx(0.9)
    assert ev.accurate_dispatch_rate(c) == approx(0.9)  # (dispatched - reworked) / dispatched
    s = ev.dispatcher_score(c, max_dispatched=100)  # 0.5*20 + 0.9*40 + 0.9*40
    assert s.value == 82.0 and s.grade == "B"


def test_department() -> None:
    c = DepartmentCounts(to_handle=100, handled=90, handled_on_time=80, reworked=9, overdue_unhandled=10,
                         extended=5, closed=85, closed_on_time=70)
    assert c.to_close_count == 100  # handled + overdue unhandled
    r = ev.department_rates(c)
    assert r == approx({"handling_rate": 0.9, "on_schedule_handling_rate": 0.8, "closing_rate": 0.85,
                        "on_schedule_closing_rate": 0.7, "rework_rate": 0.09,
                        "overdue_unhandled_rate": 0.1, "extension_rate": 0.05})
    s = ev.department_score(c)  # 0.9*30 + 0.8*20 + (1-0.09)*20 + (1-0.1)*20 + (1-0.05)*10
    assert s.value == 88.7 and s.grade == "B"


def test_department_explicit_to_close() -> None:
    c = DepartmentCounts(handled=10, overdue_unhandled=2, reworked=3, closed=6, to_close=15)
    assert ev.rework_rate(c) == approx(0.2) and ev.closing_rate(c) == approx(0.4)


def test_zero_denominators_give_none_and_no_score() -> None:
    assert ev.ratio(3, 0) is None
    for rates in (ev.inspector_rates(InspectorCounts()), ev.acceptor_rates(AcceptorCounts(), 0),
                  ev.shift_leader_rates(ShiftLeaderCounts()), ev.dispatcher_rates(DispatcherCounts(), 0),
                  ev.department_rates(DepartmentCounts())):
        assert set(rates.values()) == {None}
    for s in (ev.inspector_score(InspectorCounts()), ev.department_score(DepartmentCounts()),
              ev.acceptor_score(AcceptorCounts(), 0), ev.dispatcher_score(DispatcherCounts(), 0),
              ev.shift_leader_score(ShiftLeaderCounts())):
        assert s.value is None and s.grade is None and all(p.value is None for p in s.parts)


def test_missing_parts_make_the_score_incomplete_not_an_a() -> None:
    """An inspector measured on 2 of 4 indicators gets no score and no grade (not 100 / A): the
    measured part is shown apart, with the share of the weight it covers."""
    c = InspectorCounts(reports=10, valid_reports=10)  # perfect on what was measured; no verify/check tasks
    s = ev.inspector_score(c)
    assert (s.value, s.grade, s.complete) == (None, None, False)
    assert (s.partial, s.coverage) == (100.0, 0.6)  # 有效上报率 40 % + 漏报率 20 % of the weight
    c = InspectorCounts(reports=10, valid_reports=9, public_valid_reports_in_grid=1)
    s = ev.inspector_score(c)  # (0.9*40 + 0.9*20) / 60 over 60 % of the weight
    assert s.value is None and s.partial == 90.0 and s.coverage == 0.6
    c = AcceptorCounts(accepted=0, check_dispatches=4, check_dispatches_on_time=3)
    s = ev.acceptor_score(c, max_accepted=50)  # (0*25 + 0.75*35) / 60
    assert s.value is None and s.partial == round(100 * 0.75 * 35 / 60, 2) and s.coverage == 0.6
    full = ev.inspector_score(InspectorCounts(reports=10, valid_reports=10, verify_tasks=2, verify_on_time=2,
                                              check_tasks=1, check_on_time=1))
    assert (full.value, full.grade, full.partial, full.coverage, full.complete) == (100.0, "A", 100.0, 1.0, True)


def test_custom_weights() -> None:
    c = DepartmentCounts(to_handle=10, handled=7)
    assert ev.department_score(c, {"handling_rate": 1}).value == 70.0
    # fractions and percentages mean the same
    i = InspectorCounts(reports=50, valid_reports=40, public_valid_reports_in_grid=10, verify_tasks=20,
                        verify_on_time=18, check_tasks=30, check_on_time=27)
    frac = {k: v / 100 for k, v in ev.DEFAULT_WEIGHTS["inspector"].items()}
    assert ev.inspector_score(i, frac).value == ev.inspector_score(i).value


def test_count_scores() -> None:
    assert ev.count_scores({"a": 10, "b": 5, "c": 0}) == {"a": 1.0, "b": 0.5, "c": 0.0}
    assert ev.count_scores({"a": 0, "b": 0}) == {"a": None, "b": None}
    assert ev.count_scores({}) == {}
    assert ev.count_score(30, 120) == 0.25


@pytest.mark.parametrize("score, letter", [
    (100, "A"), (90, "A"), (89.99, "B"), (75, "B"), (74.99, "C"), (60, "C"), (59.99, "D"), (40, "D"),
    (39.99, "E"), (0, "E"),
])
def test_grade(score: float, letter: str) -> None:
    assert ev.grade(score) == letter


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        DepartmentCounts(handled=-1)
    with pytest.raises(ValueError):
        InspectorCounts(filed_in_grid=-3)


def test_every_key_has_a_chinese_name() -> None:
    keys = {k for w in ev.DEFAULT_WEIGHTS.values() for k in w}
    keys |= set(ev.department_rates(DepartmentCounts()))
    assert keys <= set(ev.NAMES_ZH) and ev.LOWER_IS_BETTER <= set(ev.NAMES_ZH)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 1000), min_size=8, max_size=8))
def test_consistent_counts_give_rates_in_0_1_and_scores_in_0_100(n: list[int]) -> None:
    to_handle = n[0]
    handled = min(n[1], to_handle)
    c = DepartmentCounts(to_handle=to_handle, handled=handled, handled_on_time=min(n[2], handled),
                         overdue_unhandled=min(n[3], to_handle - handled), extended=min(n[4], to_handle),
                         reworked=min(n[5], handled), closed=min(n[6], handled),
                         closed_on_time=min(n[7], handled))
    for v in ev.department_rates(c).values():
        assert v is None or 0 <= v <= 1
    s = ev.department_score(c)
    assert (s.partial is None) is (to_handle == 0)
    assert (s.value is None) is (to_handle == 0 or c.to_close_count == 0)  # 返工率 needs cases to close
    if s.value is not None:
        assert 0 <= s.value <= 100 and s.grade == ev.grade(s.value)
