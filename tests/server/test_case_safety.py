"""Server rules that keep a dispatcher's action from landing on the wrong case or the wrong place:
the version the user saw (409 and nothing done when it changed), 结案 only after a passed check
(with the result on the case), a place outside the city refused with 422 (report, relocation,
Open311), and who was tasked by 派发核实."""
from __future__ import annotations

import pytest

from server_stub.db.models import UnitGrid

from .casekit import EVENT, act, bring_to, get, report, shared_world_fixture

sw = shared_world_fixture()


def test_an_action_on_a_version_the_user_did_not_see_is_refused(sw):
    cid = bring_to(sw, "pending_filing")
    seen = get(sw, cid)["version"]
    act(sw, cid, "urge", "leader", comment="先督办一下", expected_version=seen)  # someone acts first
    r = sw.client.post(f"/api/cases/{cid}/actions/file", json={"condition_id": "event-0102-1",
                                                              "expected_version": seen},
                       headers=sw.h("shift_leader"))
    assert r.status_code == 409, r.text
    assert "changed since you saw it" in r.json()["detail"] and "pending_filing" in r.json()["detail"]
    c = get(sw, cid)
    assert (c["state"], c["version"]) == ("pending_filing", seen + 1)  # nothing was done
    out = act(sw, cid, "file", "shift_leader", condition_id="event-0102-1", expected_version=seen + 1)
    assert out["state"] == "pending_dispatch"
    assert "expected_version" not in get(sw, cid)["events"][-1]["data"]  # not logged as a parameter


def test_close_needs_a_passed_check_and_the_result_is_shown(sw):
    cid = bring_to(sw, "handling")
    c = act(sw, cid, "feedback", "department", comment="已清理")
    assert (c["state"], c["check_result"]) == ("pending_check", None)  # 待核查
    assert "close" not in get(sw, cid, "shift_leader")["allowed_actions"]
    r = sw.client.post(f"/api/cases/{cid}/actions/close", json={}, headers=sw.h("shift_leader"))
    assert r.status_code == 409 and "passed check" in r.json()["detail"]
    act(sw, cid, "send_check", "dispatcher")
    c = act(sw, cid, "answer_check", "acceptor", result="not_fixed")
    assert (c["state"], c["check_result"]) == ("pending_check", "not_fixed")  # 核查未通过
    r = sw.client.post(f"/api/cases/{cid}/actions/close", json={"close_type": "special"},
                       headers=sw.h("shift_leader"))
    assert r.status_code == 409 and "not fixed" in r.json()["detail"]
    c = act(sw, cid, "rework", "dispatcher", reason="没清干净")
    assert c["check_result"] is None
    act(sw, cid, "feedback", "department")
    act(sw, cid, "send_check", "dispatcher")
    c = act(sw, cid, "answer_check", "acceptor", result="fixed")
    assert c["check_result"] == "fixed"  # 核查通过
    assert "close" in get(sw, cid, "shift_leader")["allowed_actions"]
    assert act(sw, cid, "close", "shift_leader")["state"] == "closed"


def test_a_city_may_close_on_the_departments_word(sw):
    from app.domain.workflow import Workflow
    default = sw.ctx.workflow
    sw.ctx.workflow = Workflow.from_config({"rules": {"close_requires_check": False}})
    try:
        cid = bring_to(sw, "handling")
        act(sw, cid, "feedback", "department")
        assert act(sw, cid, "close", "shift_leader")["state"] == "closed"
    finally:
        sw.ctx.workflow = default


def test_send_verify_logs_the_tasked_inspector_by_name(sw):
    cid = report(sw, "acceptor", source="hotline")["id"]
    c = act(sw, cid, "send_verify", "acceptor", inspector_id=sw.users["inspector"])
    assert c["task_inspector_id"] == sw.users["inspector"]
    data = get(sw, cid)["events"][-1]["data"]
    assert data["task_inspector_name"] == "inspector user" and data["assigned"] == "chosen"


@pytest.fixture
def city_grid(sw):
    """One unit grid of 0.01° around the test world's usual place; removed after the test (the
    other tests of the module run in a city without grids, so without an area)."""
    x, y = EVENT["lon"] - 0.005, EVENT["lat"] - 0.005
    ring = [[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]
    with sw.ctx.db.transaction() as s:
        s.add(UnitGrid(code="320582110152998", community_code="320582110152", street_code="320582110",
                       district_code="320582", area_m2=1_000_000, minx=x, miny=y, maxx=x + 0.01, maxy=y + 0.01,
                       geometry={"type": "Polygon", "coordinates": [ring]}))
    yield
    with sw.ctx.db.transaction() as s:
        s.delete(s.get(UnitGrid, "320582110152998"))


def test_a_place_outside_the_city_is_refused(sw, city_grid):
    inside = report(sw, "acceptor", lon=EVENT["lon"], lat=EVENT["lat"])
    assert inside["grid_code"] == "320582110152998"
    near = report(sw, "acceptor", lon=EVENT["lon"] + 0.0065, lat=EVENT["lat"])  # ~140 m out: tolerated
    assert near["grid_code"] is None
    for lon, lat in ((0.0, 0.0), (EVENT["lon"] + 0.01, EVENT["lat"])):  # 0,0 and ~600 m out
        r = sw.client.post("/api/cases", json={**EVENT, "lon": lon, "lat": lat}, headers=sw.h("acceptor"))
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["loc"] == ["body", "lon"]
        assert "outside the city's area" in r.json()["detail"][0]["msg"]
    # relocating on accept: the same rule, and the case stays where it was
    r = sw.client.post(f"/api/cases/{inside['id']}/actions/accept", json={"lon": 0.0, "lat": 0.0},
                       headers=sw.h("acceptor"))
    assert r.status_code == 422 and "outside the city's area" in r.text
    c = get(sw, inside["id"])
    assert (c["state"], c["lon"], c["lat"]) == ("reported", EVENT["lon"], EVENT["lat"])
    # Open311: a citizen's app gets the same refusal
    r = sw.client.post("/open311/v2/requests.json", data={"api_key": "demo-open311-key", "service_code": "event-0102",
                                                          "lat": "0.0", "long": "0.0", "description": "垃圾"})
    assert r.status_code == 422, r.text
    assert "outside the city's area" in r.text
