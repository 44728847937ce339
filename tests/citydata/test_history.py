"""The demo case history: played through the case service, so the log, clocks, overdue facts and the
monthly evaluation agree; the mix of states, sources, classes and side roads is realistic."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.domain.workflow import State
from server_stub.app import create_app
from server_stub.citydata.history import generate_history
from server_stub.db.models import Case, CaseEvent, Overdue
from server_stub.services import deadlines as dl

from .test_demo_load import reference_demo  # noqa: F401 - the shared session fixture

END = datetime(2026, 11, 18, 6, 30, tzinfo=timezone.utc)  # a Wednesday, 14:30 in the city
DAYS = 10


@pytest.fixture(scope="module")
def history(reference_demo, tmp_path_factory):  # noqa: F811
    settings = reference_demo.clone(tmp_path_factory.mktemp("history"))
    app = create_app(settings)
    ctx = app.state.ctx
    ctx.db.migrate()
    stats = generate_history(ctx, days=DAYS, end=END)
    yield app, stats
    ctx.db.dispose()


def test_volume(history):
    _, stats = history
    assert stats.skipped == 0
    assert 25 * DAYS <= stats.cases <= 40 * DAYS  # about 30 a day
    assert stats.actions > 5 * stats.cases
    # how long it took is printed, not asserted: a shared machine's seconds are no pass/fail criterion
    print(f"\nhistory: {stats.cases} cases, {stats.actions} actions over {DAYS} days in {stats.seconds:.1f} s")


def test_every_state_is_present(history):
    app, stats = history
    assert set(stats.by_state) == {s.value for s in State}, stats.by_state
    assert stats.by_state["closed"] > 0.7 * stats.cases


def test_overdue_share_of_closed_cases(history):
    app, stats = history
    assert 0.01 <= stats.overdue_share <= 0.10, stats.overdue_share
    with app.state.ctx.db.session() as s:
        # an overdue closed case was closed as overdue, and its overdue fact is kept
        late = list(s.scalars(select(Case).where(Case.state == "closed", Case.handling_overdue.is_(True))))
        assert late and all(c.close_type == "overdue" for c in late)
        ids = {c.id for c in late}
        facts = set(s.scalars(select(Overdue.case_id).where(Overdue.stage == "handling")))
        assert ids <= facts


def test_side_roads_of_the_workflow(history):
    app, _ = history
    with app.state.ctx.db.session() as s:
        actions = Counter(dict(s.execute(select(CaseEvent.action, func.count()).group_by(CaseEvent.action)).all()))
        totals = s.execute(select(func.sum(Case.return_count), func.sum(Case.extension_count),
                                  func.sum(Case.rework_count))).one()
    for a in ("dept_return", "request_extension", "approve_extension", "request_suspension",
              "approve_suspension", "rework", "reject", "not_file", "send_verify", "answer_verify",
              "send_check", "answer_check", "close"):
        assert actions[a] > 0, a
    assert all(v and v > 0 for v in totals)
    assert actions["dept_return"] < 0.1 * actions["dispatch"]
    assert actions["rework"] < 0.1 * actions["close"]


def test_sources_classes_and_places(history):
    app, _ = history
    with app.state.ctx.db.session() as s:
        by_source = dict(s.execute(select(Case.source, func.count()).group_by(Case.source)).all())
        total = sum(by_source.values())
        assert 0.6 < by_source["inspector"] / total < 0.8
        assert 0.08 < by_source["hotline"] / total < 0.22
        assert {"citizen", "open311", "video", "leader"} <= set(by_source)
        events = dict(s.execute(select(Case.class_code, func.count()).where(Case.kind == "event")
                                .group_by(Case.class_code)).all())
        top = sorted(events, key=events.get, reverse=True)[:6]
        assert {"0102", "0507", "0505"} & set(top)  # exposed garbage, piled materials, parking
        comps = s.execute(select(Case.component_id, Case.grid_code).where(Case.kind == "component")).all()
        assert comps and all(cid is not None and grid is not None for cid, grid in comps)
        assert s.scalar(select(func.count()).select_from(Case).where(Case.grid_code.is_(None))) == 0
        # a working-hours rhythm: most reports between 08:00 and 18:00 in the city
        tz = app.state.ctx.clock.tz
        hours = Counter(c.astimezone(tz).hour for c in s.scalars(select(Case.created_at)))
        day = sum(v for h, v in hours.items() if 8 <= h < 18)
        assert day > 0.7 * sum(hours.values())


def test_log_is_consistent(history):
    """Every case's log is in time order, starts with its report and ends in its state."""
    app, _ = history
    with app.state.ctx.db.session() as s:
        events = s.execute(select(CaseEvent.case_id, CaseEvent.action, CaseEvent.to_state, CaseEvent.at)
                           .order_by(CaseEvent.case_id, CaseEvent.id)).all()
        states = dict(s.execute(select(Case.id, Case.state)).all())
        numbers = list(s.scalars(select(Case.number).order_by(Case.created_at)))
    by_case: dict[int, list] = {}
    for row in events:
        by_case.setdefault(row.case_id, []).append(row)
    for cid, evs in by_case.items():
        assert evs[0].action == "report"
        assert all(a.at <= b.at for a, b in zip(evs, evs[1:])), cid
        assert evs[-1].to_state == states[cid]
        assert evs[-1].at <= END
    assert numbers == sorted(numbers)  # numbers follow the report time


def test_open_cases_carry_bands(history):
    """At the end of the history the open cases show the true colours of their clocks."""
    app, _ = history
    ctx = app.state.ctx
    with ctx.db.session() as s:
        open_cases = list(s.scalars(select(Case).where(Case.state.not_in(["closed", "void"]))))
    bands = Counter(dl.current_band(ctx, c, END) for c in open_cases if c.state != "suspended")
    assert bands["green"] > 0 and bands["red"] > 0, bands
    assert None not in bands
    handling = Counter(dl.current_band(ctx, c, END) for c in open_cases if c.state == "handling")
    assert handling["green"] > handling["yellow"] > 0 and handling["red"] > 0, handling  # some running late


def test_evaluation_of_the_month(history):
    app, _ = history
    month = END.astimezone(app.state.ctx.clock.tz).strftime("%Y-%m")
    with TestClient(app) as client:
        tok = client.post("/api/auth/login", json={"username": "leader", "password": "demo"}).json()["token"]
        r = client.get(f"/api/evaluation/{month}/departments", headers={"Authorization": f"Bearer {tok}"})
        assert r.status_code == 200, r.text
        body = r.json()
        subjects = body["rows"]
        assert subjects, body
        scored = [x for x in subjects if x.get("score") is not None]
        assert len(scored) >= 3
        assert all(0 <= x["score"] <= 100 for x in scored)
        assert len({round(x["score"], 1) for x in scored}) > 1  # departments differ


def test_deterministic_with_a_seed(reference_demo, tmp_path):  # noqa: F811
    """The same seed and end give the same cases, numbers and states."""
    out = []
    for name in ("a.sqlite", "b.sqlite"):
        app = create_app(reference_demo.clone(tmp_path, name))
        ctx = app.state.ctx
        generate_history(ctx, days=2, end=END - timedelta(days=3), seed=7)
        with ctx.db.session() as s:
            out.append(s.execute(select(Case.number, Case.class_code, Case.state, Case.department_id, Case.lon)
                                 .order_by(Case.id)).all())
        ctx.db.dispose()
    assert out[0] and out[0] == out[1]


def test_a_postponed_case_asks_for_no_extension(reference_demo, tmp_path, monkeypatch):  # noqa: F811
    """Every handled case put off (缓办) and every department wanting more time: the workflow refuses
    an extension of a postponed case, so the history must not ask for one (the demo's 90 days lost
    three cases to it)."""
    from server_stub.citydata import history

    monkeypatch.setitem(history.P, "postponement", 1.0)
    monkeypatch.setitem(history.P, "extension", 1.0)
    app = create_app(reference_demo.clone(tmp_path, "postponed.sqlite"))
    ctx = app.state.ctx
    stats = generate_history(ctx, days=4, end=END - timedelta(days=12), per_day=15.0, seed=11)
    with ctx.db.session() as s:
        postponed = s.scalar(select(func.count()).select_from(CaseEvent)
                             .where(CaseEvent.action == "approve_postponement"))
    ctx.db.dispose()
    assert postponed > 0 and stats.skipped == 0
