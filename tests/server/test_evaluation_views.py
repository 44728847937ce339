"""Evaluation periods (quarters, ranges of days), cases per unit grid and per class, the monthly
trend and a department's late cases, on the hand-built March of test_evaluation (every outcome
known): A on time, B handled late, C rejected, D overdue at sanitation, E rejected, F voided,
H suspended, G reported in February and handled on time in March."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from app.domain import periods
from server_stub.db.models import Case

from .test_evaluation import GRID, SANIT, WATER, T, counts, month, rows_by  # noqa: F401 - the fixture


def api(w, path: str, who: str = "leader", expect: int = 200, **params):
    r = w.client.get(f"/api/evaluation/{path}", params=params, headers=w.h(who))
    assert r.status_code == expect, (path, r.text)
    return r.json()


def numbers(w, letters_at: dict[str, datetime]) -> dict[str, str]:
    """Case numbers by the story letter, found by their report time."""
    with w.ctx.db.session() as s:
        by_time = {c.created_at: c.number for c in s.query(Case)}
    return {k: by_time[t] for k, t in letters_at.items()}


def test_period_texts():
    assert periods.parse("2026-11").first == date(2026, 11, 1) and periods.parse("2026-11").end == date(2026, 12, 1)
    q = periods.parse("2026-Q4")
    assert (q.kind, q.first, q.last, q.months()) == ("quarter", date(2026, 10, 1), date(2026, 12, 31),
                                                     ["2026-10", "2026-11", "2026-12"])
    r = periods.parse("2026-02-27..2026-03-02")
    assert (r.kind, r.days, r.text) == ("range", 4, "2026-02-27..2026-03-02")
    assert [p.text for p in periods.trailing_months("2026-02", 3)] == ["2025-12", "2026-01", "2026-02"]
    for bad, why in (("2026-03-10..2026-03-01", "before"), ("2025-01-01..2026-12-31", "at most"),
                     ("2026-02-30..2026-03-01", "calendar"), ("2026-Q5", "a period is"), ("0000-01", "calendar")):
        with pytest.raises(ValueError, match=why):
            periods.parse(bad)


def test_quarter_and_ranges(month):
    q1 = rows_by(api(month, "2025-Q1/departments"))
    assert counts(q1["D-WATER"]) == WATER and counts(q1["D-SANIT"]) == SANIT  # nothing dispatched in Jan/Feb
    body = api(month, "2025-03-03..2025-03-04/departments")
    assert body["month"] == "2025-03-03..2025-03-04"
    assert datetime.fromisoformat(body["start"]) == T(3, 0) and datetime.fromisoformat(body["end"]) == T(5, 0)
    days = rows_by(body)
    assert counts(days["D-WATER"]) == WATER and counts(days["D-SANIT"])["to_handle"] == 0  # A, B, G
    later = rows_by(api(month, "2025-03-05..2025-03-31/departments"))
    assert counts(later["D-WATER"])["to_handle"] == 0  # D went back, H is suspended
    assert counts(later["D-SANIT"]) == SANIT
    posts = api(month, "2025-Q1/posts", role="inspector")["rows"][0]
    assert counts(posts)["reports"] == 3 + 1  # G reported in February too
    for bad in ("2025-03-10..2025-03-01", "2025-02-30..2025-03-01", "2024-01-01..2025-03-01", "2025-Q0"):
        api(month, f"{bad}/departments", expect=422)


def test_grids_classes_and_trend(month):
    # reported in March and not voided: A, B, D, H (C and E rejected, F voided; G in February)
    grids = api(month, "2025-03/grids")
    assert grids["total"] == 4 and grids["grids"] == [{"code": GRID, "count": 4}]
    assert api(month, "2025-03/grids", kind="component", class_code="0101")["total"] == 4
    assert api(month, "2025-03/grids", kind="event", class_code="0101")["total"] == 0
    assert api(month, "2025-Q1/grids")["total"] == 5  # and G
    api(month, "2025-03/grids", class_code="1", expect=422)
    classes = api(month, "2025-03/classes")
    assert classes["total"] == 4 and [(c["kind"], c["class_code"], c["count"]) for c in classes["classes"]] == \
        [("component", "0101", 4)]
    assert classes["classes"][0]["name"]  # the class's Chinese name from the classification
    trend = api(month, "2025-03/trend", months=3)["months"]
    assert [m["month"] for m in trend] == ["2025-01", "2025-02", "2025-03"]
    assert [(m["reported"], m["closed"], m["closed_on_time"]) for m in trend] == [(0, 0, 0), (1, 1, 1), (4, 1, 1)]
    assert trend[0]["on_time_closing_rate"] is None and trend[1]["on_time_closing_rate"] == 1.0
    assert api(month, "2025-Q1/trend", months=2)["months"][-1]["month"] == "2025-03"  # the period's last month
    api(month, "2025-03/trend", months=13, expect=422)


def test_late_cases_drill_down(month):
    n = numbers(month, {"A": T(3, 9), "B": T(4, 9), "D": T(6, 9)})
    water = api(month, "2025-03/departments/D-WATER/late")
    assert water["department_name"] == "水务集团"
    assert [c["number"] for c in water["items"]] == [n["B"]] and water["count"] == 1  # fed back late
    assert water["items"][0]["rework_count"] == 1 and water["items"][0]["class_code"] == "0101"
    sanit = api(month, "2025-03/departments/D-SANIT/late")
    assert [c["number"] for c in sanit["items"]] == [n["D"]]  # overdue, never fed back
    assert api(month, "2025-03-05..2025-03-31/departments/D-WATER/late")["items"] == []
    api(month, "2025-03/departments/D-NONE/late", expect=404)
    assert api(month, "2025-03/departments/D-WATER/late", who="department")["count"] == 1  # its own
    api(month, "2025-03/departments/D-SANIT/late", who="department", expect=403)
    api(month, "2025-03/grids", who="department", expect=403)
    api(month, "2025-03/departments/D-WATER/late", who="inspector", expect=403)


def test_a_slow_count_is_answered_at_once_and_recounted_behind(month):
    """A big city's month (a count slower than SLOW_COUNT_SECONDS) is answered from the last count
    while a fresh one is made on a thread; a cheap count is always fresh (test_evaluation)."""
    import threading

    from server_stub.services import evaluation as svc
    from .test_evaluation import COND, _story
    first = counts(rows_by(api(month, "2025-03/departments"))["D-SANIT"])
    cache = month.ctx.extras["evaluation_cache"]
    stamp, when, tally, _cost = cache["2025-03"]
    cache["2025-03"] = (stamp, when, tally, svc.SLOW_COUNT_SECONDS + 5)  # as if it had been slow
    _story(month, None, T(10, 9), [
        ("acceptor", "accept", T(10, 9, 5), {}), ("shift_leader", "file", T(10, 9, 10), {"condition_id": COND}),
        ("dispatcher", "dispatch", T(10, 9, 15), {"department_id": month.departments["sanitation"]})])
    body = api(month, "2025-03/departments")
    assert counts(rows_by(body)["D-SANIT"]) == first  # the last count, at once
    assert datetime.fromisoformat(body["as_of"]) == when  # ... saying when it was made
    for t in threading.enumerate():
        if t.name == "evaluation-2025-03":
            t.join(30)
    assert counts(rows_by(api(month, "2025-03/departments"))["D-SANIT"])["to_handle"] == first["to_handle"] + 1


def test_the_sql_count_equals_the_python_count(month):
    """services/evaluation_sql (PostgreSQL only) gives the very tally of the Python count."""
    from server_stub.services import evaluation as svc
    from server_stub.services import evaluation_counts as counting
    ctx = month.ctx
    if ctx.settings.is_sqlite:
        pytest.skip("the SQL count is PostgreSQL's")
    tallies = []
    for in_db in (False, True):
        counting.IN_DATABASE = in_db
        try:
            start, end = svc.month_window(ctx, "2025-Q1")
            with ctx.db.session() as s:
                tallies.append(counting.count_month(ctx, s, start, end, T(31, 23)))
        finally:
            counting.IN_DATABASE = False
    py, sql = tallies

    def plain(t):
        return ({r: {u: +c for u, c in d.items()} for r, d in t.posts.items()},
                {k: +c for k, c in t.dept.items()}, {k: +c for k, c in t.district.items()},
                {k: +c for k, c in t.street.items()}, +t.grid_filed, +t.grid_public,
                {k: set(v) for k, v in t.late.items() if v})
    assert plain(sql) == plain(py)
    assert plain(py)[1]  # something was counted


def test_the_warmer_counts_the_months_leaders_open_before_they_ask(month, monkeypatch):
    """services/evaluation_warm: the months are counted in the background once, again only after the
    log grew, and a request then answers from that count."""
    from server_stub.db.models import CaseEvent
    from server_stub.services import evaluation_warm as warm
    assert warm.months_to_warm(month.ctx, datetime(2026, 1, 10, 12)) == ["2026-01", "2025-12"]
    monkeypatch.setattr(warm, "months_to_warm", lambda ctx, now=None: ["2025-03"])
    month.ctx.extras.pop("evaluation_cache", None)
    monkeypatch.setattr(month.ctx.settings, "evaluation_warm_seconds", 3600.0)
    warm.start(month.ctx)
    try:
        assert month.ctx.extras["evaluation_warm"][1].wait(30)  # the first pass is done
    finally:
        warm.stop(month.ctx)
    stamp, when, tally, _cost = month.ctx.extras["evaluation_cache"]["2025-03"]
    assert warm.warm_once(month.ctx) == []  # nothing new in the log: not counted again
    body = api(month, "2025-03/departments")
    assert datetime.fromisoformat(body["as_of"]) == when  # the request used the warmed count
    with month.ctx.db.transaction() as s:  # the log grows
        s.execute(CaseEvent.__table__.insert().values(
            case_id=s.query(Case.id).first()[0], action="urge", from_state="handling", to_state="handling",
            actor_role="leader", at=T(20, 10), data={}))
    assert warm.warm_once(month.ctx) == ["2025-03"]
