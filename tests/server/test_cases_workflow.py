"""Case life cycles through the API: the happy path, verification, department return, extension,
suspension, rework, overdue, void and urge, scope, and concurrent actions. Time is the server's
`services.cases.utcnow`, moved by the tests (FakeNow), and deadlines are compared with ctx.clock."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.domain.clocks import ClockType
from server_stub.db.models import Case, Inspector, Overdue, ResponsibilityGrid, UnitGrid
from server_stub.services import cases as svc
from server_stub.services import deadlines as dl
from server_stub.services.users import create_user

from .casekit import COND, COND_OTHER_CLASS, FakeNow, act, bring_to, get, report, shared_world_fixture, ts, \
    working_morning
from .imagekit import image

sw = shared_world_fixture()


@pytest.fixture
def now(sw, monkeypatch) -> FakeNow:
    f = FakeNow(working_morning(sw.ctx))
    monkeypatch.setattr(svc, "utcnow", f)
    return f


def _photo(w, data: bytes, role: str = "inspector") -> str:
    r = w.client.post("/api/photos", files={"file": ("p.png", data, "image/png")}, headers=w.h(role))
    assert r.status_code in (200, 201), r.text
    return r.json()["sha256"]


def _handling_limit(w):
    fc = w.ctx.classification.condition(COND)
    return fc.limit_value, fc.limit_type


def test_happy_path(sw, now):
    clock, water = sw.ctx.clock, sw.departments["water"]
    before = _photo(sw, image("image/png", seed=b"before"))
    c = report(sw, "inspector", photo_hashes=[before])
    t0 = now.t
    assert c["state"] == "reported" and c["source"] == "inspector" and c["stage"] == "accept"
    assert ts(c["deadline_at"]) == t0 + timedelta(minutes=30) and c["band"] == "green"
    assert c["remaining_seconds"] == pytest.approx(1800) and c["class_name"] == "暴露垃圾"
    cid = c["id"]

    now.advance(minutes=10)
    c = act(sw, cid, "accept", "acceptor")
    assert (c["state"], c["stage"], ts(c["deadline_at"])) == ("pending_filing", "file", now.t + timedelta(minutes=30))
    now.advance(minutes=5)
    c = act(sw, cid, "file", "shift_leader", condition_id=COND)
    assert (c["state"], c["condition_id"], c["stage"]) == ("pending_dispatch", COND, "dispatch")
    now.advance(minutes=5)
    t_dispatch = now.t
    c = act(sw, cid, "dispatch", "dispatcher", department_id=water, comment="请尽快清理")
    value, unit = _handling_limit(sw)
    assert (c["state"], c["department_id"], c["stage"]) == ("handling", water, "handling")
    assert ts(c["deadline_at"]) == clock.add(t_dispatch, value, unit)
    assert (c["limit_value"], c["limit_type"]) == (value, unit.value)
    assert c["remaining_seconds"] == pytest.approx(value * 3600)  # 4 work hours left

    now.advance(hours=1)
    after = _photo(sw, image("image/png", seed=b"after"), "department")
    c = act(sw, cid, "feedback", "department", comment="已清理", photo_hashes=[after])
    assert (c["state"], c["stage"]) == ("pending_check", "send_check")
    c = act(sw, cid, "send_check", "dispatcher")
    assert c["state"] == "checking" and c["back_state"] == "pending_check"
    check = _photo(sw, image("image/png", seed=b"check"))
    c = act(sw, cid, "answer_check", "inspector", result="fixed", photo_hashes=[check])
    assert c["state"] == "pending_check" and c["back_state"] is None
    c = act(sw, cid, "close", "shift_leader")
    assert (c["state"], c["close_type"], ts(c["closed_at"])) == ("closed", "normal", now.t)
    assert c["deadline_at"] is None and c["band"] is None and c["remaining_seconds"] is None

    d = get(sw, cid, "leader")
    assert [e["action"] for e in d["events"]] == ["report", "accept", "file", "dispatch", "feedback",
                                                  "send_check", "answer_check", "close"]
    assert [e["to_state"] for e in d["events"]][-1] == "closed" and d["version"] == 8
    assert d["events"][3]["comment"] == "请尽快清理" and d["events"][3]["data"]["department_id"] == water
    assert d["events"][6]["data"]["result"] == "fixed"
    assert {k: [p["sha256"] for p in v] for k, v in d["photos"].items()} == \
        {"report": [before], "verify": [], "feedback": [after], "check": [check], "evidence": []}
    assert d["photos"]["feedback"][0]["event_id"] == d["events"][4]["id"]
    assert d["allowed_actions"] == [] and not d["handling_overdue"]


def test_verification_path_and_task_assignment(sw, now):
    ctx = sw.ctx
    # a second inspector, and both phones online: the nearer one gets the task by default
    with ctx.db.transaction() as s:
        far = create_user(s, "insp_far", "远的监督员", "pw", "inspector").id
        s.add_all([Inspector(user_id=sw.users["inspector"], device_id="dev-near", lon=120.6005, lat=31.3,
                             fix_at=now.t - timedelta(minutes=1)),
                   Inspector(user_id=far, device_id="dev-far", lon=120.7, lat=31.3,
                             fix_at=now.t - timedelta(minutes=1))])
    c = report(sw, "acceptor", source="hotline", reporter_name="王先生", reporter_contact="13800000000")
    assert (c["source"], c["reporter_name"], c["reporter_id"]) == ("hotline", "王先生", sw.users["acceptor"])
    cid = c["id"]
    c = act(sw, cid, "send_verify", "acceptor")
    assert (c["state"], c["task_inspector_id"], c["back_state"]) == ("verifying", sw.users["inspector"], "reported")
    assert c["stage"] == "verify" and ts(c["deadline_at"]) == now.t + timedelta(minutes=30)
    assert get(sw, cid, "inspector")["allowed_actions"] == ["answer_verify"]  # tasked: it sees the case

    r = sw.client.post("/api/auth/login", json={"username": "insp_far", "password": "pw"})
    far_h = {"Authorization": f"Bearer {r.json()['token']}"}
    assert sw.client.get(f"/api/cases/{cid}", headers=far_h).status_code == 404  # not its case
    r = sw.client.post(f"/api/cases/{cid}/actions/answer_verify", json={"result": "confirmed"}, headers=far_h)
    assert r.status_code == 404
    r = sw.client.post(f"/api/cases/{cid}/actions/answer_verify", json={"result": "bogus"},
                       headers=sw.h("inspector"))
    assert r.status_code == 422 and "result" in r.text
    r = sw.client.post(f"/api/cases/{cid}/actions/answer_verify", json={}, headers=sw.h("inspector"))
    assert r.status_code == 422 and "result" in r.text
    pic = _photo(sw, image("image/png", seed=b"verify"))
    c = act(sw, cid, "answer_verify", "inspector", result="confirmed", photo_hashes=[pic], comment="属实")
    assert c["state"] == "reported" and c["stage"] == "accept"
    c = act(sw, cid, "accept", "acceptor")

    # from PENDING_FILING, the far inspector named explicitly; an acceptor enters the answer for them
    c = act(sw, cid, "send_verify", "acceptor", inspector_id=far)
    assert c["task_inspector_id"] == far
    r = sw.client.post(f"/api/cases/{cid}/actions/answer_verify", json={"result": "confirmed"},
                       headers=sw.h("inspector"))
    assert r.status_code == 404  # no longer its task, nor its report
    c = act(sw, cid, "answer_verify", "acceptor", result="not_found", comment="电话核实")
    assert c["state"] == "pending_filing"
    ev = get(sw, cid)["events"][-1]
    assert ev["data"]["for_inspector_id"] == far and ev["data"]["result"] == "not_found"
    r = sw.client.post(f"/api/cases/{cid}/actions/send_verify", json={"inspector_id": sw.users["acceptor"]},
                       headers=sw.h("acceptor"))
    assert r.status_code == 422 and "inspector_id" in r.text
    assert get(sw, cid)["photos"]["verify"][0]["sha256"] == pic

    # an inspector who sees the case (its own report) but is not the tasked one: 403
    own = report(sw, "inspector")["id"]
    act(sw, own, "send_verify", "acceptor", inspector_id=far)
    assert "answer_verify" not in get(sw, own, "inspector")["allowed_actions"]
    r = sw.client.post(f"/api/cases/{own}/actions/answer_verify", json={"result": "confirmed"},
                       headers=sw.h("inspector"))
    assert r.status_code == 403 and "tasked" in r.text
    assert act(sw, own, "answer_verify", "acceptor", result="confirmed")["state"] == "reported"


def test_task_falls_back_to_the_grid_inspector(sw, now):
    """No phone online: the inspector of the responsibility grid the case lies in."""
    ctx = sw.ctx
    now.advance(hours=1)  # phones seen in earlier tests are offline by now
    with ctx.db.transaction() as s:
        uid = create_user(s, "insp_grid", "网格监督员", "pw", "inspector").id
        rg = ResponsibilityGrid(code="RG-T1", name="测试责任网格", inspector_id=uid)
        s.add(rg)
        s.flush()
        s.add(UnitGrid(code="320582110152999", community_code="320582110152", street_code="320582110",
                       district_code="320582", responsibility_grid_id=rg.id, area_m2=10_000,
                       minx=121.0, miny=31.0, maxx=121.001, maxy=31.001,
                       geometry={"type": "Polygon", "coordinates": [[[121.0, 31.0], [121.001, 31.0],
                                                                     [121.001, 31.001], [121.0, 31.001],
                                                                     [121.0, 31.0]]]}))
    c = report(sw, "acceptor", lon=121.0005, lat=31.0005)
    assert (c["grid_code"], c["community_code"], c["street_code"], c["district_code"]) == \
        ("320582110152999", "320582110152", "320582110", "320582")
    c = act(sw, c["id"], "send_verify", "acceptor")
    assert c["task_inspector_id"] == uid
    # the grid's inspector sees cases in its grid, also ones it is not tasked with
    other = report(sw, "acceptor", lon=121.0006, lat=31.0006)
    r = sw.client.post("/api/auth/login", json={"username": "insp_grid", "password": "pw"})
    h = {"Authorization": f"Bearer {r.json()['token']}"}
    assert sw.client.get(f"/api/cases/{other['id']}", headers=h).status_code == 200
    ids = {x["id"] for x in sw.client.get("/api/cases", headers=h).json()["items"]}
    assert {c["id"], other["id"]} <= ids and len(ids) == 2
    # the city of this module's other tests has no unit grids (no area to check reports against)
    with ctx.db.transaction() as s:
        s.delete(s.get(UnitGrid, "320582110152999"))


def test_department_return_and_redispatch(sw, now):
    water, sanit = sw.departments["water"], sw.departments["sanitation"]
    cid = bring_to(sw, "handling")
    assert get(sw, cid, "department")["allowed_actions"] == ["dept_return", "request_extension",
                                                             "request_postponement", "request_suspension",
                                                             "feedback"]
    r = sw.client.post(f"/api/cases/{cid}/actions/dept_return", json={}, headers=sw.h("department"))
    assert r.status_code == 422
    now.advance(hours=2)
    c = act(sw, cid, "dept_return", "department", reason="不属于我单位")
    assert (c["state"], c["department_id"], c["return_count"], c["stage"]) == ("pending_dispatch", None, 1, "dispatch")
    get(sw, cid, "department", expect=404)  # it left the water department's scope
    now.advance(minutes=10)
    c = act(sw, cid, "dispatch", "dispatcher", department_id=sanit)
    value, unit = _handling_limit(sw)
    assert ts(c["deadline_at"]) == sw.ctx.clock.add(now.t, value, unit)  # restarted in full
    assert get(sw, cid, "department2")["department_id"] == sanit
    act(sw, cid, "feedback", "department2")
    r = sw.client.post(f"/api/cases/{cid}/actions/dispatch", json={"department_id": 99999},
                       headers=sw.h("dispatcher"))
    assert r.status_code == 409  # wrong state is checked before the parameters
    cid2 = bring_to(sw, "pending_dispatch")
    for body in ({}, {"department_id": 99999}):
        r = sw.client.post(f"/api/cases/{cid2}/actions/dispatch", json=body, headers=sw.h("dispatcher"))
        assert r.status_code == 422 and "department_id" in r.text


def test_extension_approved_moves_the_deadline_by_counted_time(sw, now):
    clock = sw.ctx.clock
    cid = bring_to(sw, "handling")
    d0 = ts(get(sw, cid)["deadline_at"])
    r = sw.client.post(f"/api/cases/{cid}/actions/request_extension", json={"reason": "材料未到", "amount": 2},
                       headers=sw.h("department"))
    assert r.status_code == 422 and "limit_type" in r.text
    c = act(sw, cid, "request_extension", "department", reason="材料未到", amount=2, limit_type="work_day")
    assert c["pending"] == "extension" and c["pending_data"]["amount"] == 2
    assert c["pending_data"]["reason"] == "材料未到" and c["pending_data"]["requested_by"] == sw.users["department"]
    assert c["pending_data"]["limit_type"] == "work_day" and ts(c["deadline_at"]) == d0
    c = act(sw, cid, "approve_extension", "leader")
    assert ts(c["deadline_at"]) == clock.add(d0, 2, ClockType.WORK_DAY)
    assert (c["pending"], c["pending_data"], c["extension_count"], c["state"]) == (None, None, 1, "handling")
    # the limit grows by the counted time added, in the case's own clock (work hours)
    added = clock.counted_seconds(d0, ts(c["deadline_at"]), ClockType.WORK_HOUR) / 3600
    assert c["limit_value"] == pytest.approx(_handling_limit(sw)[0] + added)
    ev = get(sw, cid)["events"][-1]
    assert ev["data"]["old_deadline"] == d0.isoformat() and ev["data"]["amount"] == 2

    # the approver may grant less than asked
    d1 = ts(c["deadline_at"])
    act(sw, cid, "request_extension", "department", reason="再延", amount=3, limit_type="work_day")
    c = act(sw, cid, "approve_extension", "dispatcher", amount=4, limit_type="work_hour")
    assert ts(c["deadline_at"]) == clock.add(d1, 4, ClockType.WORK_HOUR) and c["extension_count"] == 2

    # denied: nothing moves
    d2 = ts(c["deadline_at"])
    act(sw, cid, "request_extension", "department", reason="第三次", amount=1, limit_type="natural_day")
    c = act(sw, cid, "deny_extension", "leader", reason="不予延期")
    assert (ts(c["deadline_at"]), c["extension_count"], c["pending"]) == (d2, 2, None)


def test_suspension_pauses_the_clock_and_resume_restores_it(sw, now):
    clock = sw.ctx.clock
    cid = bring_to(sw, "handling")
    d0 = ts(get(sw, cid)["deadline_at"])
    now.advance(hours=1)
    c = act(sw, cid, "request_suspension", "department", comment="需市政审批")  # a comment serves as reason
    assert (c["pending"], c["pending_data"]["reason"]) == ("suspension", "需市政审批")
    c = act(sw, cid, "deny_suspension", "dispatcher", reason="不符合挂账条件")
    assert (c["state"], c["pending"], ts(c["deadline_at"])) == ("handling", None, d0)
    act(sw, cid, "request_suspension", "department", reason="需市政审批")
    c = act(sw, cid, "approve_suspension", "leader")
    left = clock.counted_seconds(now.t, d0, ClockType.WORK_HOUR)
    assert left > 0
    assert (c["state"], c["deadline_at"], c["band"], c["remaining_seconds"]) == ("suspended", None, None, None)
    assert c["remaining_at_pause"] == pytest.approx(left)
    assert sw.client.get("/api/cases", params={"state": "suspended"}, headers=sw.h("leader")).json()["total"] >= 1

    now.advance(days=9)  # a long gap: nothing runs while suspended
    c = get(sw, cid)
    assert c["remaining_at_pause"] == pytest.approx(left) and c["deadline_at"] is None
    r = sw.client.post(f"/api/cases/{cid}/actions/feedback", json={}, headers=sw.h("department"))
    assert r.status_code == 409
    c = act(sw, cid, "resume", "dispatcher")
    assert c["state"] == "handling" and c["remaining_at_pause"] is None
    assert ts(c["deadline_at"]) == clock.add(now.t, left / 3600, ClockType.WORK_HOUR)
    assert c["remaining_seconds"] == pytest.approx(left, abs=0.01) and not c["handling_overdue"]


def test_rework_counts_and_restarts_the_clock(sw, now):
    cid = bring_to(sw, "pending_check")
    act(sw, cid, "send_check", "acceptor")
    c = act(sw, cid, "answer_check", "inspector", result="not_fixed", comment="仍有垃圾")
    r = sw.client.post(f"/api/cases/{cid}/actions/close", json={}, headers=sw.h("shift_leader"))
    assert r.status_code == 409 and "not fixed" in r.text
    now.advance(hours=26)
    c = act(sw, cid, "rework", "dispatcher", reason="核查未通过")
    value, unit = _handling_limit(sw)
    assert (c["state"], c["rework_count"], c["department_id"]) == ("handling", 1, sw.departments["water"])
    assert ts(c["deadline_at"]) == sw.ctx.clock.add(now.t, value, unit)
    assert c["remaining_seconds"] == pytest.approx(value * 3600)
    act(sw, cid, "feedback", "department")
    c = act(sw, cid, "rework", "shift_leader", reason="再次返工")
    assert c["rework_count"] == 2


def test_overdue_is_recorded_and_closes_as_overdue(sw, now):
    cid = bring_to(sw, "handling")
    deadline = ts(get(sw, cid)["deadline_at"])
    now.t = deadline + timedelta(hours=1)
    c = get(sw, cid)
    assert c["band"] == "red" and c["remaining_seconds"] < 0 and not c["handling_overdue"]
    c = act(sw, cid, "urge", "leader", comment="已超期，速办")
    assert c["handling_overdue"] and c["urge_count"] == 1 and c["state"] == "handling"
    with sw.ctx.db.session() as s:
        rows = s.execute(select(Overdue.stage, Overdue.deadline_at, Overdue.department_id)
                         .where(Overdue.case_id == cid)).all()
        assert rows == [("handling", deadline, sw.departments["water"])]
        case = s.get(Case, cid)
        assert not dl.mark_overdue(s, sw.ctx, case, now.t)  # once per deadline
    listed = sw.client.get("/api/cases", params={"overdue": "true", "q": c["number"]}, headers=sw.h("leader"))
    assert [x["id"] for x in listed.json()["items"]] == [cid]
    act(sw, cid, "feedback", "department")
    act(sw, cid, "send_check", "dispatcher")
    act(sw, cid, "answer_check", "acceptor", result="fixed")
    c = act(sw, cid, "close", "shift_leader")
    assert c["close_type"] == "overdue" and c["handling_overdue"]  # never reset


def test_mark_overdue_for_the_band_watcher(sw, now):
    """The watcher's entry point: a stage past its deadline gets its Overdue row; handling also the flag."""
    cid = bring_to(sw, "pending_dispatch")
    with sw.ctx.db.transaction() as s:
        case = s.get(Case, cid)
        assert not dl.mark_overdue(s, sw.ctx, case, now.t)  # not due yet
        assert dl.mark_overdue(s, sw.ctx, case, case.deadline_at + timedelta(seconds=1))
        assert not case.handling_overdue  # the dispatch stage, not handling
    with sw.ctx.db.session() as s:
        assert s.scalar(select(Overdue.stage).where(Overdue.case_id == cid)) == "dispatch"


def test_void_and_urge(sw, now):
    cid = bring_to(sw, "pending_filing")
    c = act(sw, cid, "urge", "dispatcher", comment="请尽快立案")
    assert (c["state"], c["urge_count"], c["stage"]) == ("pending_filing", 1, "file")
    r = sw.client.post(f"/api/cases/{cid}/actions/void", json={}, headers=sw.h("leader"))
    assert r.status_code == 422
    c = act(sw, cid, "void", "admin", reason="重复上报")
    assert (c["state"], ts(c["closed_at"]), c["deadline_at"]) == ("void", now.t, None)
    r = sw.client.post(f"/api/cases/{cid}/actions/urge", json={}, headers=sw.h("leader"))
    assert r.status_code == 409
    ev = get(sw, cid)["events"]
    assert [e["action"] for e in ev][-2:] == ["urge", "void"] and ev[-1]["comment"] == "重复上报"


def test_reject_and_not_file_need_a_reason(sw):
    cid = bring_to(sw, "reported")
    for body in ({}, {"comment": ""}, {"reason": " "}):
        r = sw.client.post(f"/api/cases/{cid}/actions/reject", json=body, headers=sw.h("acceptor"))
        assert r.status_code == 422 and "reason" in r.json()["detail"]
    c = act(sw, cid, "reject", "acceptor", comment="非城管问题")  # a comment serves as the reason
    assert c["state"] == "void"
    cid = bring_to(sw, "pending_filing")
    r = sw.client.post(f"/api/cases/{cid}/actions/not_file", json={}, headers=sw.h("shift_leader"))
    assert r.status_code == 422
    assert act(sw, cid, "not_file", "shift_leader", reason="不符合立案条件")["state"] == "void"


def test_file_checks_the_condition_against_the_class(sw):
    cid = bring_to(sw, "pending_filing")
    for cond in (COND_OTHER_CLASS, "event-9999-1"):
        r = sw.client.post(f"/api/cases/{cid}/actions/file", json={"condition_id": cond},
                           headers=sw.h("shift_leader"))
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["loc"] == ["body", "condition_id"]
    r = sw.client.post(f"/api/cases/{cid}/actions/file", json={}, headers=sw.h("shift_leader"))
    assert r.status_code == 422 and "condition_id" in r.text
    # the shift leader corrects the class while filing: the condition must fit the corrected class
    c = act(sw, cid, "file", "shift_leader", class_code="0103", condition_id=COND_OTHER_CLASS)
    assert (c["class_code"], c["condition_id"], c["state"]) == ("0103", COND_OTHER_CLASS, "pending_dispatch")
    assert get(sw, cid)["events"][-1]["data"]["corrected_class"] == {"from": ["event", "0102"],
                                                                     "to": ["event", "0103"]}


def test_accept_corrects_class_and_location(sw):
    cid = report(sw, "inspector", lon=120.5, lat=31.2)["id"]
    r = sw.client.post(f"/api/cases/{cid}/actions/accept", json={"class_code": "9999"}, headers=sw.h("acceptor"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "class_code"]
    r = sw.client.post(f"/api/cases/{cid}/actions/accept", json={"lon": 120.51}, headers=sw.h("acceptor"))
    assert r.status_code == 422 and "lat" in r.text
    c = act(sw, cid, "accept", "acceptor", kind="component", class_code="0101", lon=120.51, lat=31.21,
            description="上水井盖缺失", address="人民路100号")
    assert (c["kind"], c["class_code"], c["lon"], c["lat"]) == ("component", "0101", 120.51, 31.21)
    assert (c["description"], c["address"]) == ("上水井盖缺失", "人民路100号")
    data = get(sw, cid)["events"][-1]["data"]
    assert data["relocated"] == {"from": [120.5, 31.2], "to": [120.51, 31.21]}
    r = sw.client.post(f"/api/cases/{cid}/actions/urge", json={"photo_hashes": ["a" * 64]}, headers=sw.h("leader"))
    assert r.status_code == 422 and "photo_hashes" in r.text


def test_department_scope(sw):
    cid = bring_to(sw, "handling")
    number = get(sw, cid)["number"]
    h2 = sw.h("department2")
    assert sw.client.get(f"/api/cases/{cid}", headers=h2).status_code == 404
    assert sw.client.get(f"/api/cases/{cid}/events", headers=h2).status_code == 404
    assert sw.client.get(f"/api/cases/{cid}/deadline-preview", headers=h2).status_code == 404
    r = sw.client.post(f"/api/cases/{cid}/actions/feedback", json={}, headers=h2)
    assert r.status_code == 404 and "not found" in r.text
    listed = sw.client.get("/api/cases", params={"q": number}, headers=h2).json()
    assert listed == {"items": [], "total": 0, "limit": 100, "offset": 0}
    mine = sw.client.get("/api/cases", params={"q": number}, headers=sw.h("department")).json()
    assert [x["id"] for x in mine["items"]] == [cid]
    # not yet dispatched cases are nobody's department's business
    cid2 = bring_to(sw, "pending_dispatch")
    assert sw.client.get(f"/api/cases/{cid2}", headers=sw.h("department")).status_code == 404
    assert get(sw, cid, "department")["state"] == "handling"


def test_concurrent_actions_on_one_case(sw):
    """Six acceptors accept the same case at once: one wins, the others get 409; one event."""
    cid = bring_to(sw, "reported")
    user = _user(sw, "acceptor")
    results: list = []

    def go() -> None:
        try:
            svc.run_action(sw.ctx, cid, user, "accept")
            results.append(200)
        except Exception as e:  # noqa: BLE001
            results.append(getattr(e, "status", repr(e)))

    threads = [threading.Thread(target=go) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200] + [409] * 5
    events = get(sw, cid)["events"]
    assert [e["action"] for e in events] == ["report", "accept"] and get(sw, cid)["version"] == 2


def test_case_numbers_are_unique_and_sequential_under_concurrency(sw):
    user = _user(sw, "acceptor")
    numbers: list[str] = []
    lock = threading.Lock()

    def go() -> None:
        for _ in range(4):
            out = svc.run_report(sw.ctx, user, source="hotline", kind="event", class_code="0102",
                                 lon=120.6, lat=31.3)
            with lock:
                numbers.append(out["number"])

    threads = [threading.Thread(target=go) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(numbers)) == 24
    with sw.ctx.db.session() as s:
        day = sorted(numbers)[0][:8]
        all_today = sorted(s.scalars(select(Case.number).where(Case.number.startswith(day))))
        assert s.scalar(select(func.count()).select_from(Case).where(Case.number.startswith("~"))) == 0
    seqs = [int(n[8:]) for n in all_today]
    assert seqs == list(range(1, len(seqs) + 1))  # no gaps, no repeats
    assert all(len(n) == 13 and n.isdigit() for n in numbers)


def _user(w, name: str):
    from server_stub.db.models import User
    with w.ctx.db.session() as s:
        u = s.get(User, w.users[name])
        s.expunge(u)
        return u
