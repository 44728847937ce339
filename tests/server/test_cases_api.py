"""The case API around the workflow: report validation, list filters and paging, detail, events,
deadline preview, duplicates, merge and the case.changed events."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from app.domain.clocks import ClockType

from .casekit import COND, COND_OTHER_CLASS, EVENT, act, bring_to, get, report, shared_world_fixture, ts
from .conftest import COMPONENT_ID, ensure_component
from .imagekit import image

sw = shared_world_fixture()
CASE_FIELDS = {
    "id", "number", "source", "kind", "class_code", "class_name", "condition_id", "state", "pending",
    "pending_data", "back_state", "description", "address", "lon", "lat", "grid_code", "community_code",
    "street_code", "district_code", "component_id", "reporter_id", "reporter_name", "reporter_contact",
    "department_id", "task_inspector_id", "stage", "stage_started_at", "limit_value", "limit_type",
    "deadline_at", "remaining_seconds", "remaining_at_pause", "band", "handling_overdue", "rework_count",
    "return_count", "extension_count", "urge_count", "close_type", "external_id", "created_at", "updated_at",
    "closed_at", "version", "check_result"}


def _tag() -> str:
    return uuid.uuid4().hex[:10]


def _list(w, role: str = "leader", **params) -> dict:
    r = w.client.get("/api/cases", params=params, headers=w.h(role))
    assert r.status_code == 200, r.text
    return r.json()


def test_report_validation(sw):
    r = sw.client.post("/api/cases", json={**EVENT, "class_code": "9999"}, headers=sw.h("acceptor"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "class_code"]
    for bad in ({"lon": 200}, {"lat": -95}, {"lon": "east"}, {"class_code": "12"}, {"kind": "thing"},
                {"photo_hashes": ["not-a-hash"]}, {"component_id": "123"}, {"source": "rumour"}):
        r = sw.client.post("/api/cases", json={**EVENT, **bad}, headers=sw.h("acceptor"))
        assert r.status_code == 422, bad
        assert list(bad)[0] in str(r.json()["detail"][0]["loc"]), r.text
    r = sw.client.post("/api/cases", json={**EVENT, "photo_hashes": ["0" * 64]}, headers=sw.h("acceptor"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "photo_hashes"]
    assert sw.client.post("/api/cases", json=EVENT, headers=sw.h("department")).status_code == 403
    assert sw.client.post("/api/cases", json=EVENT).status_code == 401


def test_report_sources_and_shape(sw):
    ensure_component(sw.ctx)
    beijing = timezone(timedelta(hours=8))
    day_before = datetime.now(beijing).strftime("%Y%m%d")
    c = report(sw, "acceptor", source="hotline", reporter_name="李女士", reporter_contact="12345",
               address="干将路1号", kind="component", class_code="0101", component_id=COMPONENT_ID)
    day_after = datetime.now(beijing).strftime("%Y%m%d")  # the report may straddle midnight
    assert set(c) == CASE_FIELDS
    assert (c["source"], c["reporter_name"], c["reporter_contact"], c["kind"], c["component_id"]) == \
        ("hotline", "李女士", "12345", "component", COMPONENT_ID)
    assert c["number"].isdigit() and len(c["number"]) == 13
    assert c["number"][:8] in {day_before, day_after}
    assert report(sw, "inspector", source="hotline")["source"] == "inspector"  # an inspector reports as itself
    assert report(sw, "leader")["source"] == "leader"
    assert report(sw, "acceptor")["source"] == "hotline"
    assert report(sw, "acceptor", source="video")["source"] == "video"


def test_list_filters_and_paging(sw):
    tag = _tag()
    water = sw.departments["water"]
    a = report(sw, "inspector", description=f"{tag} A", lon=120.60, lat=31.30)
    b = report(sw, "acceptor", source="hotline", description=f"{tag} B", lon=120.70, lat=31.40,
               class_code="0103")
    c_id = bring_to(sw, "handling")
    act(sw, c_id, "urge", "leader")  # any action: give the handling case a tag in its log only
    h_case = get(sw, c_id)
    both = _list(sw, q=tag)
    assert both["total"] == 2 and [x["id"] for x in both["items"]] == [b["id"], a["id"]]  # newest first
    assert set(both["items"][0]) == CASE_FIELDS
    assert [x["id"] for x in _list(sw, q=tag, sort="created_at")["items"]] == [a["id"], b["id"]]
    assert _list(sw, q=tag, source="hotline")["items"][0]["id"] == b["id"]
    assert _list(sw, q=tag, class_code="0103")["total"] == 1
    assert _list(sw, q=tag, kind="component")["total"] == 0
    assert _list(sw, q=tag, state="reported")["total"] == 2
    assert _list(sw, q=tag, state="handling")["total"] == 0
    assert _list(sw, q=tag.upper())["total"] == 2  # case-insensitive
    assert _list(sw, q=a["number"])["items"][0]["id"] == a["id"]
    box = _list(sw, q=tag, bbox="120.65,31.35,120.75,31.45")
    assert [x["id"] for x in box["items"]] == [b["id"]]
    page = _list(sw, q=tag, limit=1, offset=1)
    assert page["total"] == 2 and page["limit"] == 1 and page["offset"] == 1 and len(page["items"]) == 1
    # several states, repeated or comma-separated; department; band; dates
    ids = {x["id"] for x in _list(sw, state=["reported", "handling"], limit=1000)["items"]}
    assert {a["id"], b["id"], c_id} <= ids
    ids = {x["id"] for x in _list(sw, state="reported,handling", limit=1000)["items"]}
    assert {a["id"], b["id"], c_id} <= ids
    dept = _list(sw, department_id=water, limit=1000)["items"]
    assert c_id in {x["id"] for x in dept} and all(x["department_id"] == water for x in dept)
    assert c_id in {x["id"] for x in _list(sw, band="green", limit=1000)["items"]}
    assert _list(sw, q=h_case["number"], band="red")["total"] == 0
    created = ts(a["created_at"])
    assert _list(sw, q=tag, created_from=(created + timedelta(microseconds=1)).isoformat())["total"] == 1
    assert _list(sw, q=tag, created_to=created.isoformat())["total"] == 0
    assert _list(sw, q=tag, overdue="false")["total"] == 2
    assert _list(sw, q=tag, overdue="true")["total"] == 0
    assert _list(sw, q=tag, grid_code="3205")["total"] == 0  # outside every grid: no grid code
    for bad in ({"bbox": "1,2,3"}, {"bbox": "3,3,1,1"}, {"state": "nowhere"}, {"sort": "colour"},
                {"limit": 0}, {"created_from": "2026-01-01T00:00:00"}, {"band": "blue"}):
        r = sw.client.get("/api/cases", params=bad, headers=sw.h("leader"))
        assert r.status_code == 422 and list(bad)[0] in r.text, (bad, r.text)


def test_inspector_sees_its_own_reports_only(sw):
    tag = _tag()
    own = report(sw, "inspector", description=tag)
    report(sw, "acceptor", description=tag)
    assert [x["id"] for x in _list(sw, "inspector", q=tag)["items"]] == [own["id"]]


def test_detail_and_events(sw):
    cid = bring_to(sw, "pending_dispatch")
    d = get(sw, cid, "dispatcher")
    assert set(d) == CASE_FIELDS | {"events", "photos", "allowed_actions"}
    assert d["allowed_actions"] == ["dispatch", "return_to_filing", "urge"]
    assert get(sw, cid, "acceptor")["allowed_actions"] == []
    assert get(sw, cid, "leader")["allowed_actions"] == ["void", "urge"]
    assert d["photos"] == {"report": [], "verify": [], "feedback": [], "check": [], "evidence": []}
    r = sw.client.get(f"/api/cases/{cid}/events", headers=sw.h("leader"))
    assert r.status_code == 200 and r.json() == d["events"]
    assert [(e["action"], e["from_state"], e["to_state"]) for e in d["events"]] == [
        ("report", None, "reported"), ("accept", "reported", "pending_filing"),
        ("file", "pending_filing", "pending_dispatch")]
    assert d["events"][2]["data"]["condition_id"] == COND and d["events"][2]["data"]["limit_type"] == "work_hour"
    assert sw.client.get("/api/cases/999999", headers=sw.h("leader")).status_code == 404
    assert sw.client.post("/api/cases/999999/actions/urge", json={}, headers=sw.h("leader")).status_code == 404
    assert sw.client.post(f"/api/cases/{cid}/actions/fly", json={}, headers=sw.h("leader")).status_code == 422
    r = sw.client.post(f"/api/cases/{cid}/actions/urge", json={"colour": "red"}, headers=sw.h("leader"))
    assert r.status_code == 422 and "colour" in r.text  # unknown parameters are refused, not dropped
    # no body at all is fine for actions without parameters
    assert sw.client.post(f"/api/cases/{cid}/actions/urge", headers=sw.h("leader")).json()["urge_count"] == 1


def test_deadline_preview(sw):
    clock = sw.ctx.clock
    cid = bring_to(sw, "pending_filing")
    r = sw.client.get(f"/api/cases/{cid}/deadline-preview", params={"condition_id": COND},
                      headers=sw.h("shift_leader"))
    assert r.status_code == 200, r.text
    p = r.json()
    fc = sw.ctx.classification.condition(COND)
    assert (p["limit_value"], p["limit_type"]) == (fc.limit_value, fc.limit_type.value)
    assert ts(p["deadline_at"]) == clock.add(ts(p["start_at"]), fc.limit_value, ClockType(fc.limit_type))
    r = sw.client.get(f"/api/cases/{cid}/deadline-preview", params={"condition_id": COND_OTHER_CLASS},
                      headers=sw.h("shift_leader"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "condition_id"]
    r = sw.client.get(f"/api/cases/{cid}/deadline-preview", headers=sw.h("shift_leader"))
    assert r.status_code == 422  # not filed: a condition must be named
    act(sw, cid, "file", "shift_leader", condition_id=COND)
    r = sw.client.get(f"/api/cases/{cid}/deadline-preview",
                      params={"department_id": sw.departments["water"]}, headers=sw.h("dispatcher"))
    assert r.status_code == 200 and r.json()["condition_id"] == COND
    before = datetime.now(timezone.utc)
    c = act(sw, cid, "dispatch", "dispatcher", department_id=sw.departments["water"])
    # the preview is what dispatching at that moment gives
    assert ts(c["deadline_at"]) >= ts(r.json()["deadline_at"])
    assert ts(c["deadline_at"]) == clock.add(ts(c["stage_started_at"]), fc.limit_value, ClockType(fc.limit_type))
    assert ts(c["stage_started_at"]) >= before
    r = sw.client.get(f"/api/cases/{cid}/deadline-preview", params={"department_id": 99999},
                      headers=sw.h("dispatcher"))
    assert r.status_code == 422 and "department_id" in r.text


def test_duplicates_and_merge(sw):
    tag = _tag()
    lon, lat = 121.3, 30.9  # a spot no other test uses
    first = report(sw, "inspector", description=tag, lon=lon, lat=lat)
    near = report(sw, "acceptor", description=tag, lon=lon + 0.0003, lat=lat)  # about 29 m east
    report(sw, "acceptor", description=tag, lon=lon + 0.001, lat=lat)  # about 95 m: too far
    report(sw, "acceptor", description=tag, lon=lon, lat=lat, class_code="0103")  # another class
    r = sw.client.get("/api/cases/duplicates", params={"lon": lon, "lat": lat, "kind": "event",
                                                      "class_code": "0102"}, headers=sw.h("acceptor"))
    assert r.status_code == 200, r.text
    got = r.json()
    assert [x["id"] for x in got] == [first["id"], near["id"]]
    assert got[0]["distance_m"] == 0 and 25 < got[1]["distance_m"] < 35
    r = sw.client.get("/api/cases/duplicates", params={"lon": lon, "lat": lat, "kind": "event",
                                                      "class_code": "0102", "exclude_id": first["id"]},
                      headers=sw.h("acceptor"))
    assert [x["id"] for x in r.json()] == [near["id"]]

    photo = sw.client.post("/api/photos", files={"file": ("a.jpg", image(seed=tag.encode()), "image/jpeg")},
                           headers=sw.h("acceptor")).json()["sha256"]
    dup = report(sw, "acceptor", description=tag, lon=lon, lat=lat, photo_hashes=[photo])
    assert sw.client.post(f"/api/cases/{dup['id']}/merge", json={"into_case_id": first["id"]},
                          headers=sw.h("department")).status_code == 403
    r = sw.client.post(f"/api/cases/{dup['id']}/merge", json={"into_case_id": dup["id"]}, headers=sw.h("acceptor"))
    assert r.status_code == 422
    r = sw.client.post(f"/api/cases/{dup['id']}/merge", json={"into_case_id": first["id"]}, headers=sw.h("acceptor"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["merged"]["state"] == "void" and out["into"]["id"] == first["id"]
    d = get(sw, dup["id"])
    assert d["events"][-1]["action"] == "merge" and d["events"][-1]["comment"] == f"merged into {first['number']}"
    assert d["events"][-1]["data"]["into_case_id"] == first["id"]
    k = get(sw, first["id"])
    assert k["events"][-1]["data"]["merged_case_id"] == dup["id"] and k["state"] == "reported"
    assert [p["sha256"] for p in k["photos"]["report"]] == [photo]
    # a merged case is no longer a duplicate candidate, and cannot be merged again
    r = sw.client.get("/api/cases/duplicates", params={"lon": lon, "lat": lat, "kind": "event",
                                                      "class_code": "0102"}, headers=sw.h("acceptor"))
    assert dup["id"] not in [x["id"] for x in r.json()]
    r = sw.client.post(f"/api/cases/{dup['id']}/merge", json={"into_case_id": first["id"]}, headers=sw.h("acceptor"))
    assert r.status_code == 409
    filed = bring_to(sw, "pending_dispatch")
    r = sw.client.post(f"/api/cases/{filed}/merge", json={"into_case_id": first["id"]}, headers=sw.h("acceptor"))
    assert r.status_code == 409 and "void" in r.text


def test_case_changed_events(sw):
    """Every committed report and action is published with the case JSON; a department return also
    names the department the case left."""
    import time
    seen: list[dict] = []  # filled on the event loop by the subscription's filter (list.append is atomic)
    sub = sw.ctx.bus.subscribe(accept=lambda e: seen.append(e) and False)
    try:
        cid = bring_to(sw, "handling")
        act(sw, cid, "dept_return", "department", reason="非我单位")
        deadline = time.time() + 5
        while time.time() < deadline:
            events = [e["data"] for e in list(seen) if e["type"] == "case.changed" and e["data"]["id"] == cid]
            if len(events) >= 5:
                break
            time.sleep(0.02)
    finally:
        sub.close()
    assert [e["state"] for e in events] == ["reported", "pending_filing", "pending_dispatch", "handling",
                                           "pending_dispatch"]
    assert [e["version"] for e in events] == [1, 2, 3, 4, 5]
    assert events[-1]["previous_department_id"] == sw.departments["water"] and events[-1]["department_id"] is None
    assert "previous_department_id" not in events[3]
    assert set(events[0]) == CASE_FIELDS


@pytest.mark.parametrize("role", ["acceptor", "leader", "dispatcher"])
def test_everyone_but_department_and_inspector_sees_everything(sw, role):
    tag = _tag()
    report(sw, "inspector", description=tag)
    report(sw, "acceptor", description=tag)
    assert _list(sw, role, q=tag)["total"] == 2
