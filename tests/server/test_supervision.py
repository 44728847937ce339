"""督查督办 through the API: who may urge, escalation, 督办's reply date, the department's reply,
who reads which urges (API and live events), idempotency, hostile input, and the overdue board."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.domain.workflow import Workflow
from server_stub.services import cases as case_svc

from .casekit import FakeNow, bring_to, get, working_morning
from .test_events import connect, recv, recv_type


def urge(w, ids, role="leader", expect=201, headers=None, **body):
    r = w.client.post("/api/urges", json={"case_ids": list(ids), **body}, headers={**w.h(role), **(headers or {})})
    assert r.status_code == expect, r.text
    return r.json()


def reply(w, urge_id, text="已安排人员今日处理", role="department", expect=200):
    r = w.client.post(f"/api/urges/{urge_id}/reply", json={"text": text}, headers=w.h(role))
    assert r.status_code == expect, r.text
    return r.json()


def history(w, cid, role="leader", expect=200):
    r = w.client.get(f"/api/cases/{cid}/urges", headers=w.h(role))
    assert r.status_code == expect, r.text
    return r.json()


@pytest.fixture
def now(world, monkeypatch):
    clock = FakeNow(working_morning(world.ctx))
    monkeypatch.setattr(case_svc, "utcnow", clock)
    return clock


def today(clock) -> str:
    from zoneinfo import ZoneInfo
    return clock().astimezone(ZoneInfo("Asia/Shanghai")).date()


def test_urge_escalates_and_reaches_the_department_only(world, now):
    cid = bring_to(world, "handling")
    with connect(world, "department") as dep, connect(world, "department2") as dep2, \
            connect(world, "inspector") as insp, connect(world, "dispatcher") as disp:
        for ws in (dep, dep2, insp, disp):
            recv(ws)
        first = urge(world, [cid], message="请尽快处理")["items"][0]
        assert (first["kind"], first["level"], first["department_id"]) == ("urge", 1, world.departments["water"])
        assert first["by_name"] == "leader user" and first["case_number"] and not first["answered"]
        got = recv_type(dep, "urge.created")["data"]
        assert got["id"] == first["id"] and got["message"] == "请尽快处理"
        assert recv_type(disp, "urge.created")["data"]["id"] == first["id"]  # the hall sees it too
        # the second urge of the case is level 2, a 督办 at once at least 2, the top is 3
        second = urge(world, [cid], role="dispatcher")["items"][0]
        due = (today(now) + timedelta(days=2)).isoformat()
        third = urge(world, [cid], kind="supervise", reply_due=due, message="限期答复")["items"][0]
        fourth = urge(world, [cid])["items"][0]
        assert [second["level"], third["level"], fourth["level"]] == [2, 3, 3]
        assert third["reply_due"] == due and third["kind"] == "supervise"
        assert get(world, cid)["urge_count"] == 4
        # nothing of it went to the other department or the inspector: their next message is a pong
        for ws in (dep2, insp):
            msgs = []
            ws.send_json({"type": "ping"})
            while (m := recv(ws))["type"] != "pong":
                msgs.append(m["type"])
            assert not [t for t in msgs if t.startswith("urge.")]
        # the department answers; the leader's socket gets it
        with connect(world, "leader") as lead:
            recv(lead)
            answered = reply(world, third["id"])
            got = recv_type(lead, "urge.replied")["data"]
        assert got["id"] == third["id"] and got["reply_text"] == "已安排人员今日处理" and got["answered"]
        assert answered["reply_by_name"] == "department user"
    log = history(world, cid)
    assert [u["level"] for u in log] == [1, 2, 3, 3] and log[2]["answered"]
    events = [e for e in get(world, cid)["events"] if e["action"] == "urge"]
    assert [e["data"]["level"] for e in events] == [1, 2, 3, 3] and events[2]["data"]["urge_kind"] == "supervise"


def test_who_urges_reads_and_answers(world, now):
    water = bring_to(world, "handling")
    u = urge(world, [water])["items"][0]
    h = world.h
    assert world.client.get("/api/urges", headers=h("department")).json()["total"] == 1
    assert world.client.get("/api/urges", headers=h("department2")).json()["total"] == 0
    # a department cannot look at another's by asking for its id
    r = world.client.get(f"/api/urges?department_id={world.departments['water']}", headers=h("department2"))
    assert r.json()["total"] == 0
    assert world.client.get("/api/urges", headers=h("inspector")).status_code == 403
    assert world.client.get(f"/api/urges?department_id={world.departments['water']}&answered=false",
                            headers=h("leader")).json()["total"] == 1
    history(world, water, role="department2", expect=404)  # not its case: no existence leak
    history(world, water, role="inspector", expect=403)
    reply(world, u["id"], role="department2", expect=404)
    reply(world, u["id"], role="leader", expect=403)
    reply(world, u["id"], text="   ", expect=422)
    reply(world, u["id"])
    again = reply(world, u["id"], text="second", expect=409)
    assert "first reply stands" in again["detail"]
    assert history(world, water, role="department")[0]["reply_text"] == "已安排人员今日处理"
    assert world.client.get("/api/urges?answered=true", headers=h("leader")).json()["total"] == 1
    reply(world, 99999, expect=404)

    # who may urge: the city's workflow
    cid = bring_to(world, "handling")
    for role in ("department", "inspector", "acceptor", "shift_leader"):
        urge(world, [cid], role=role, expect=403)
    urge(world, [cid], role="dispatcher")
    world.ctx.workflow = Workflow({"urge": ["leader", "shift_leader"]})  # a city where dispatchers don't
    urge(world, [cid], role="dispatcher", expect=403)
    urge(world, [cid], role="shift_leader")
    assert get(world, cid)["urge_count"] == 2


def test_batch_all_or_none_input_checked_idempotent(world, now):
    a, b = bring_to(world, "handling"), bring_to(world, "handling")
    closed = bring_to(world, "closed")
    r = urge(world, [a, closed, b], expect=409)
    assert f"case {closed}" in r["detail"]
    assert get(world, a)["urge_count"] == 0 and get(world, b)["urge_count"] == 0  # nothing was done
    assert "case 424242" in urge(world, [a, 424242], expect=404)["detail"]
    t = today(now)
    bad = [
        {"case_ids": []}, {"case_ids": list(range(1, 202))}, {"case_ids": ["x"]}, {"case_ids": [2**40]},
        {"case_ids": [a], "kind": "scold"}, {"case_ids": [a], "message": "催" * 1001},
        {"case_ids": [a], "kind": "supervise"},  # no reply date
        {"case_ids": [a], "kind": "supervise", "reply_due": (t - timedelta(days=1)).isoformat()},
        {"case_ids": [a], "kind": "supervise", "reply_due": (t + timedelta(days=400)).isoformat()},
        {"case_ids": [a], "kind": "supervise", "reply_due": "next week"},
        {"case_ids": [a], "reply_due": t.isoformat()},  # a 催办 takes no date
        {"case_ids": [a], "extra": 1},
    ]
    for body in bad:
        r = world.client.post("/api/urges", json=body, headers=world.h("leader"))
        assert r.status_code == 422, (body, r.text)
    r = world.client.post("/api/urges/1/reply", json={"text": "x" * 2001}, headers=world.h("department"))
    assert r.status_code == 422
    assert get(world, a)["urge_count"] == 0
    # duplicates in one request urge once
    assert urge(world, [a, a, b])["count"] == 2 and get(world, a)["urge_count"] == 1
    # the old single-case action still works and leaves the same trace
    r = world.client.post(f"/api/cases/{a}/actions/urge", json={"comment": "抓紧"}, headers=world.h("leader"))
    assert r.status_code == 200 and history(world, a)[-1]["level"] == 2

    # a retry with the same Idempotency-Key: the first answer, byte for byte, and one urge
    cid = bring_to(world, "handling")
    key = {"Idempotency-Key": "urge-key-1"}
    first = world.client.post("/api/urges", json={"case_ids": [cid]}, headers={**world.h("leader"), **key})
    again = world.client.post("/api/urges", json={"case_ids": [cid]}, headers={**world.h("leader"), **key})
    assert first.status_code == again.status_code == 201 and first.content == again.content
    assert again.headers.get("Idempotent-Replay") == "true"
    assert get(world, cid)["urge_count"] == 1 and len(history(world, cid)) == 1
    uid = first.json()["items"][0]["id"]
    rkey = {"Idempotency-Key": "reply-key-1"}
    r1 = world.client.post(f"/api/urges/{uid}/reply", json={"text": "好"}, headers={**world.h("department"), **rkey})
    r2 = world.client.post(f"/api/urges/{uid}/reply", json={"text": "好"}, headers={**world.h("department"), **rkey})
    assert r1.status_code == r2.status_code == 200 and r1.content == r2.content


def test_board_groups_overdue_cases_worst_first(world, now):
    from sqlalchemy import update

    from server_stub.db.models import Case
    early = [bring_to(world, "handling") for _ in range(2)]
    now.advance(hours=2)
    late = bring_to(world, "handling")
    fresh_dept2 = bring_to(world, "pending_dispatch")
    now.advance(days=3)  # every handling deadline (4 work hours) has passed
    soon = bring_to(world, "handling")
    # ten minutes before its deadline it is yellow (the last 20 %): stored as the band watcher would
    now.t = datetime.fromisoformat(get(world, soon)["deadline_at"]) - timedelta(minutes=10)
    assert get(world, soon)["band"] == "yellow"
    with world.ctx.db.transaction() as s:
        s.execute(update(Case).where(Case.id == soon).values(band="yellow"))
    urge(world, [early[0]])
    b = world.client.get("/api/supervision/board?group_by=department", headers=world.h("leader")).json()
    ids = [i["id"] for i in b["items"]]
    assert set(early + [late, soon]) <= set(ids)
    assert ids.index(early[0]) < ids.index(late) < ids.index(soon)  # longest overdue first
    water = next(g for g in b["groups"] if g["key"] == str(world.departments["water"]))
    assert water["name"] == "水务集团" and water["overdue"] >= 3 and water["soon"] >= 1 and water["urged"] == 1
    assert water["worst_overdue_seconds"] > 2 * 86400
    item = next(i for i in b["items"] if i["id"] == early[0])
    assert item["urge_count"] == 1 and item["last_urge"]["level"] == 1 and item["overdue_seconds"] > 0
    assert next(i for i in b["items"] if i["id"] == soon)["overdue_seconds"] < 0
    # the dispatch stage's own clock ran out for the undispatched case: it is in the no-department group
    none = [g for g in b["groups"] if g["key"] == ""]
    assert not none or fresh_dept2 in [i["id"] for i in b["items"] if i["group_key"] == ""]
    # only overdue; one group's cases; other groupings
    b2 = world.client.get("/api/supervision/board?soon=false", headers=world.h("leader")).json()
    assert soon not in [i["id"] for i in b2["items"]]
    key = str(world.departments["water"])
    b3 = world.client.get(f"/api/supervision/board?key={key}", headers=world.h("leader")).json()
    assert {i["group_key"] for i in b3["items"]} == {key} and b3["items_total"] == water["count"]
    for g in ("street", "community", "class"):
        r = world.client.get(f"/api/supervision/board?group_by={g}", headers=world.h("leader"))
        assert r.status_code == 200 and r.json()["total"] == b["total"], r.text
    cls = world.client.get("/api/supervision/board?group_by=class", headers=world.h("leader")).json()
    assert any(g["key"] == "event:0102" and g["name"] for g in cls["groups"])
    # a department's board holds only its own cases; nonsense is refused clearly
    d2 = world.client.get("/api/supervision/board", headers=world.h("department2")).json()
    assert d2["total"] == 0
    for q in ("group_by=mood", "limit=0", "limit=5000", "key=abc"):
        assert world.client.get(f"/api/supervision/board?{q}", headers=world.h("leader")).status_code == 422, q
