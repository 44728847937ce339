"""Helpers of the case tests: report, act, and bring a case to any state through the API."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.domain.workflow import State
from server_stub.app import create_app
from server_stub.settings import Settings

from .conftest import PASSWORD, PG_URL, World, _pg_reset, seed_world

EVENT = {"kind": "event", "class_code": "0102", "lon": 120.6, "lat": 31.3, "description": "暴露垃圾一堆"}
COND = "event-0102-1"  # 4 work hours
COND_OTHER_CLASS = "event-0103-1"


def report(w, role: str = "inspector", expect: int = 201, headers: dict | None = None, **body: Any) -> dict:
    r = w.client.post("/api/cases", json={**EVENT, **body}, headers={**w.h(role), **(headers or {})})
    assert r.status_code == expect, r.text
    return r.json()


def act(w, cid: int, action: str, role: str, expect: int = 200, headers: dict | None = None,
        **body: Any) -> dict:
    r = w.client.post(f"/api/cases/{cid}/actions/{action}", json=body,
                      headers={**w.h(role), **(headers or {})})
    assert r.status_code == expect, f"{action} by {role}: {r.status_code} {r.text}"
    return r.json()


def get(w, cid: int, role: str = "leader", expect: int = 200) -> dict:
    r = w.client.get(f"/api/cases/{cid}", headers=w.h(role))
    assert r.status_code == expect, r.text
    return r.json()


def params(w) -> dict[str, dict]:
    """Valid parameters of every action in the test world."""
    insp, water = w.users["inspector"], w.departments["water"]
    why = {"reason": "测试原因"}
    return {
        "accept": {}, "reject": why, "send_verify": {"inspector_id": insp}, "answer_verify": {"result": "confirmed"},
        "file": {"condition_id": COND}, "not_file": why, "dispatch": {"department_id": water},
        "return_to_filing": why, "dept_return": why,
        "request_extension": {**why, "amount": 1, "limit_type": "work_day"}, "approve_extension": {},
        "deny_extension": why,
        "request_postponement": {**why, "until": "2099-12-31"}, "approve_postponement": {},
        "deny_postponement": why, "request_suspension": why, "approve_suspension": {}, "deny_suspension": why,
        "resume": {}, "feedback": {"comment": "已清理"}, "send_check": {"inspector_id": insp},
        "answer_check": {"result": "fixed"}, "rework": why, "close": {}, "void": why,
        "urge": {"comment": "尽快处理"},
    }


# (action, role) steps from REPORTED to each state
_TO_HANDLING = [("accept", "acceptor"), ("file", "shift_leader"), ("dispatch", "dispatcher")]
PATHS: dict[str, list[tuple[str, str]]] = {
    State.REPORTED: [],
    State.VERIFYING: [("send_verify", "acceptor")],
    State.PENDING_FILING: [("accept", "acceptor")],
    State.PENDING_DISPATCH: [("accept", "acceptor"), ("file", "shift_leader")],
    State.HANDLING: _TO_HANDLING,
    State.POSTPONED: _TO_HANDLING + [("request_postponement", "department"),
                                     ("approve_postponement", "dispatcher")],
    State.SUSPENDED: _TO_HANDLING + [("request_suspension", "department"), ("approve_suspension", "dispatcher")],
    # fed back and checked fixed (核查通过): what 结案 needs by default
    State.PENDING_CHECK: _TO_HANDLING + [("feedback", "department"), ("send_check", "dispatcher"),
                                         ("answer_check", "inspector")],
    State.CHECKING: _TO_HANDLING + [("feedback", "department"), ("send_check", "dispatcher")],
    State.CLOSED: _TO_HANDLING + [("feedback", "department"), ("send_check", "dispatcher"),
                                  ("answer_check", "inspector"), ("close", "shift_leader")],
    State.VOID: [("reject", "acceptor")],
}
PENDING_STEP = {"extension": ("request_extension", "department"),
                "postponement": ("request_postponement", "department"),
                "suspension": ("request_suspension", "department")}


def bring_to(w, state: str, pending: str | None = None, reporter: str = "inspector") -> int:
    """A new case (reported by `reporter`) driven through the API to `state` (+ an open request)."""
    cid = report(w, reporter)["id"]
    p = params(w)
    steps = list(PATHS[State(state)]) + ([PENDING_STEP[pending]] if pending else [])
    for action, role in steps:
        out = act(w, cid, action, role, **p[action])
    if steps:
        assert out["state"] == state
    return cid


def ts(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


def shared_world_fixture():
    """A module-scoped World per database: one server for all tests of a module (each test makes
    its own cases). A module using it must not use the function-scoped `world`/`live_server`
    fixtures, which reset the PostgreSQL schema under it."""
    @pytest.fixture(scope="module", params=["sqlite", "postgresql"])
    def sw(request, tmp_path_factory):
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('db')}/occ.sqlite"
        else:
            if not PG_URL:
                pytest.skip("PostgreSQL not available (OCC_TEST_PG_URL unset)")
            _pg_reset(PG_URL)
            url = PG_URL
        settings = Settings(db=url, data_dir=tmp_path_factory.mktemp("data"), band_watch_seconds=0.2)
        app = create_app(settings)
        with TestClient(app) as client:
            uids, depts = seed_world(app)
            w = World(client, app, users=uids, departments=depts)
            for name in uids:
                r = client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
                w.tokens[name] = r.json()["token"]
            w.pool = {}
            yield w
    return sw


def pooled(w, state: str) -> int:
    """A case in `state` kept for refusals only (refusals change nothing, so it can be shared)."""
    if state not in w.pool:
        w.pool[state] = bring_to(w, state)
    return w.pool[state]


class FakeNow:
    """Stands in for services.cases.utcnow: the server's idea of now, moved by the test."""

    def __init__(self, t: datetime):
        self.t = t

    def __call__(self) -> datetime:
        return self.t

    def advance(self, **kw: float) -> datetime:
        from datetime import timedelta
        self.t += timedelta(**kw)
        return self.t


def working_morning(ctx, days_ahead: int = 20) -> datetime:
    """09:00 local on a working day some weeks ahead (real time never reaches these deadlines, so
    the band watcher leaves the test's cases alone)."""
    from datetime import date, time, timedelta, timezone
    d = date.today() + timedelta(days=days_ahead)
    while not ctx.clock.calendar.is_working_day(d):
        d += timedelta(days=1)
    return datetime.combine(d, time(9, 0), tzinfo=ctx.clock.tz).astimezone(timezone.utc)
