"""缓办 (postponement) and 挂账 (suspension) are two things, as the national model has them:
缓办 keeps the case in handling against an approved later date (its clock runs to the end of that
day, overdue after it, in the active count and the handling statistics); 挂账 hangs the case up as
unsolvable for now (no clock, out of the active count). Through the API, time moved by FakeNow."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest


from .casekit import FakeNow, act, bring_to, get, shared_world_fixture, ts, working_morning
from server_stub.services import cases as svc

sw = shared_world_fixture()


@pytest.fixture
def now(sw, monkeypatch) -> FakeNow:
    f = FakeNow(working_morning(sw.ctx))
    monkeypatch.setattr(svc, "utcnow", f)
    return f


def _end_of(sw, day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), sw.ctx.clock.tz).astimezone(timezone.utc)


def test_postponement_runs_against_the_approved_date(sw, now):
    cid = bring_to(sw, "handling")
    d0 = ts(get(sw, cid)["deadline_at"])
    today = now.t.astimezone(sw.ctx.clock.tz).date()
    # a date that does not lie after the deadline is no postponement: a clear 422, nothing changes
    yesterday = today - timedelta(days=1)
    r = sw.client.post(f"/api/cases/{cid}/actions/request_postponement",
                       json={"reason": "雨季后施工", "until": yesterday.isoformat()}, headers=sw.h("department"))
    assert r.status_code == 422 and "until" in r.text and "later" in r.text
    r = sw.client.post(f"/api/cases/{cid}/actions/request_postponement",
                       json={"reason": "雨季后施工", "until": "next week"}, headers=sw.h("department"))
    assert r.status_code == 422
    assert get(sw, cid)["pending"] is None

    asked = today + timedelta(days=10)
    c = act(sw, cid, "request_postponement", "department", reason="雨季后施工", until=asked.isoformat())
    assert (c["state"], c["pending"], c["pending_data"]["until"]) == ("handling", "postponement", asked.isoformat())
    # the dispatcher grants a shorter postponement than asked
    granted = today + timedelta(days=7)
    c = act(sw, cid, "approve_postponement", "dispatcher", until=granted.isoformat())
    assert (c["state"], c["pending"], c["stage"]) == ("postponed", None, "handling")
    assert ts(c["deadline_at"]) == _end_of(sw, granted) > d0
    assert c["band"] == "green" and c["remaining_seconds"] > 0  # the clock runs
    ev = get(sw, cid)["events"][-1]
    assert ev["data"]["until"] == granted.isoformat() and ts(ev["data"]["old_deadline"]) == d0
    # the department feeds back from 缓办; nothing resumes it by hand
    assert set(get(sw, cid, "department")["allowed_actions"]) == {"feedback"}
    assert "resume" not in get(sw, cid, "dispatcher")["allowed_actions"]

    # past the approved date it is overdue like any handling case
    now.t = _end_of(sw, granted) + timedelta(hours=1)
    c = act(sw, cid, "urge", "leader", comment="缓办到期")
    assert c["band"] == "red" and c["handling_overdue"] and c["state"] == "postponed"
    c = act(sw, cid, "feedback", "department", comment="已修复")
    assert c["state"] == "pending_check"


def test_denied_postponement_changes_nothing(sw, now):
    cid = bring_to(sw, "handling")
    d0 = get(sw, cid)["deadline_at"]
    until = (now.t.astimezone(sw.ctx.clock.tz).date() + timedelta(days=5)).isoformat()
    act(sw, cid, "request_postponement", "department", reason="等材料", until=until)
    c = act(sw, cid, "deny_postponement", "leader", reason="可按期处置")
    assert (c["state"], c["pending"], c["deadline_at"]) == ("handling", None, d0)


def test_active_count_keeps_postponed_and_drops_suspended(sw, now):
    base = sw.client.get("/api/stats/wall", headers=sw.h("leader")).json()["kpi"]
    bring_to(sw, "postponed")
    bring_to(sw, "suspended")
    k = sw.client.get("/api/stats/wall", headers=sw.h("leader")).json()["kpi"]
    assert k["open"] == base["open"] + 1  # 缓办 counts, 挂账 does not
    assert (k["postponed"], k["suspended"]) == (base["postponed"] + 1, base["suspended"] + 1)
    st = {c["state"] for c in sw.client.get("/api/cases", params={"state": "postponed,suspended"},
                                            headers=sw.h("leader")).json()["items"]}
    assert st == {"postponed", "suspended"}
