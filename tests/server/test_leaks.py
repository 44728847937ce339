"""Nothing leaks: a WebSocket carries only the cases (and fields) its user may read through the API,
positions and devices only to the roles that may see them, the user list only to administrators,
and a case names only components that exist."""
from __future__ import annotations

from datetime import datetime, timezone

from server_stub.db.models import Inspector, ResponsibilityGrid, UnitGrid
from server_stub.services.visibility import EventScope

from .conftest import COMPONENT_ID, ensure_component
from .test_events import connect, recv, recv_type

GRID = "320582001001001"  # the inspector's one unit grid: lon 120.60..120.61, lat 31.30..31.31
IN_GRID = {"lon": 120.605, "lat": 31.305}
OUTSIDE = {"lon": 120.65, "lat": 31.35}
CONTACT = "13912345678"


def _patrol(world) -> None:
    """The inspector patrols GRID and has sent a position; a second inspector too, elsewhere. The
    city is that one grid: reports up to 10 km away are let in (the city-area rule is tested in
    test_case_safety), so a case can lie outside the inspector's grid."""
    world.ctx.settings.city_area_tolerance_m = 10_000.0
    box = [[120.60, 31.30], [120.61, 31.30], [120.61, 31.31], [120.60, 31.31], [120.60, 31.30]]
    from server_stub.services.users import create_user
    with world.ctx.db.transaction() as s:
        rg = ResponsibilityGrid(code="RG-1", name="一号责任网格", inspector_id=world.users["inspector"])
        s.add(rg)
        s.flush()
        s.add(UnitGrid(code=GRID, community_code=GRID[:12], street_code=GRID[:9], district_code=GRID[:6],
                       responsibility_grid_id=rg.id, area_m2=1e6, minx=120.60, miny=31.30, maxx=120.61,
                       maxy=31.31, geometry={"type": "Polygon", "coordinates": [box]}))
        other = create_user(s, "inspector2", "二号监督员", "test-pw", "inspector")
        now = datetime.now(timezone.utc)
        s.add_all([Inspector(user_id=world.users["inspector"], device_id="phone-1", lon=120.605, lat=31.305,
                             fix_at=now, responsibility_grid_id=rg.id),
                   Inspector(user_id=other.id, device_id="phone-2", lon=120.7, lat=31.4, fix_at=now)])
        world.users["inspector2"] = other.id


def _report(world, where: dict, **kw) -> dict:
    body = {"kind": "event", "class_code": "0102", "description": "暴露垃圾", "source": "hotline",
            "reporter_name": "王先生", "reporter_contact": CONTACT, **where, **kw}
    r = world.client.post("/api/cases", json=body, headers=world.h("acceptor"))
    assert r.status_code == 201, r.text
    return r.json()


def _same(case: dict) -> dict:
    """A case JSON to compare: times parsed (the API writes Z, events +00:00), the ticking clock out."""
    return {k: datetime.fromisoformat(v) if k.endswith("_at") and v else v for k, v in case.items()
            if k != "remaining_seconds"}


def _case_events(ws) -> list[dict]:
    """case.* events until a pong (the socket's order is the bus's order)."""
    ws.send_json({"type": "ping"})
    out = []
    while (m := recv(ws))["type"] != "pong":
        if m["type"].startswith("case."):
            out.append(m["data"])
    return out


def test_inspector_socket_carries_its_cases_only_with_the_fields_the_api_shows(world):
    _patrol(world)
    with connect(world, "inspector") as insp, connect(world, "dispatcher") as disp:
        recv(insp), recv(disp)
        mine = _report(world, IN_GRID)
        other = _report(world, OUTSIDE)
        assert mine["grid_code"] == GRID and other["grid_code"] is None
        got = _case_events(insp)
        assert [d["id"] for d in got] == [mine["id"]]
        assert got[0]["reporter_contact"] is None and CONTACT not in str(got)
        api = world.client.get(f"/api/cases/{mine['id']}", headers=world.h("inspector")).json()
        assert api["reporter_contact"] is None
        assert _same(got[0]) == _same({k: api[k] for k in got[0]})
        assert world.client.get(f"/api/cases/{other['id']}", headers=world.h("inspector")).status_code == 404
        # the hall sees both, with the caller's number
        seen = _case_events(disp)
        assert [d["id"] for d in seen] == [mine["id"], other["id"]]
        assert all(d["reporter_contact"] == CONTACT for d in seen)
        # tasked with the other case: from now on the inspector hears of it
        r = world.client.post(f"/api/cases/{other['id']}/actions/send_verify", headers=world.h("acceptor"),
                              json={"inspector_id": world.users["inspector"]})
        assert r.status_code == 200, r.text
        got = recv_type(insp, "case.changed")["data"]
        assert (got["id"], got["state"], got["reporter_contact"]) == (other["id"], "verifying", None)


def test_case_lists_and_answers_hide_the_citizens_contact_outside_the_hall(world):
    _patrol(world)
    case = _report(world, IN_GRID)
    for role, shown in (("inspector", None), ("acceptor", CONTACT), ("leader", CONTACT), ("admin", CONTACT)):
        items = world.client.get("/api/cases", headers=world.h(role)).json()["items"]
        assert [c["reporter_contact"] for c in items if c["id"] == case["id"]] == [shown], role
    r = world.client.post(f"/api/cases/{case['id']}/actions/send_verify", headers=world.h("acceptor"),
                          json={"inspector_id": world.users["inspector"]})
    assert r.json()["reporter_contact"] == CONTACT
    r = world.client.post(f"/api/cases/{case['id']}/actions/answer_verify", headers=world.h("inspector"),
                          json={"result": "confirmed"})
    assert r.status_code == 200 and r.json()["reporter_contact"] is None
    for action, role, body in (("accept", "acceptor", {}), ("file", "shift_leader", {"condition_id": "event-0102-1"}),
                               ("dispatch", "dispatcher", {"department_id": world.departments["water"]})):
        assert world.client.post(f"/api/cases/{case['id']}/actions/{action}", json=body,
                                 headers=world.h(role)).status_code == 200
    d = world.client.get(f"/api/cases/{case['id']}", headers=world.h("department")).json()
    assert d["reporter_contact"] is None and d["reporter_name"] == "王先生"


def test_positions_reach_only_the_roles_that_may_see_them(world):
    _patrol(world)
    bus = world.ctx.bus
    me, other = world.users["inspector"], world.users["inspector2"]
    with connect(world, "inspector") as insp, connect(world, "department") as dep, \
            connect(world, "leader") as lead:
        for ws in (insp, dep, lead):
            recv(ws)
        for uid in (other, me):
            bus.publish("inspector.position", {"user_id": uid, "device_id": f"phone-{uid}", "lon": 120.6,
                                               "lat": 31.3})
        assert recv(insp)["data"]["user_id"] == me  # its own only: the other one's was not sent
        assert [recv(lead)["data"]["user_id"] for _ in range(2)] == [other, me]
        dep.send_json({"type": "ping"})
        assert recv(dep)["type"] == "pong"
    # the reference list: positions and devices for the hall, names for the rest
    for role in ("department", "inspector"):
        items = world.client.get("/api/ref/inspectors", headers=world.h(role)).json()
        assert {i["display_name"] for i in items} >= {"二号监督员"}
        for i in items:
            if role == "inspector" and i["user_id"] == me:
                assert i["device_id"] == "phone-1" and i["lon"] == 120.605
            else:
                assert "device_id" not in i and "lon" not in i and "fix_at" not in i and not i["online"], (role, i)
        r = world.client.get("/api/ref/inspectors/nearest", params={"lon": 120.6, "lat": 31.3},
                             headers=world.h(role))
        assert r.status_code == 403
        assert world.client.get("/api/positions/track", params={"inspector_id": other},
                                headers=world.h(role)).status_code == 403
    assert world.client.get("/api/positions/latest", headers=world.h("department")).status_code == 403
    items = world.client.get("/api/ref/inspectors", headers=world.h("dispatcher")).json()
    assert {i["device_id"] for i in items} == {"phone-1", "phone-2"} and all(i["online"] for i in items)
    near = world.client.get("/api/ref/inspectors/nearest", params={"lon": 120.6, "lat": 31.3},
                            headers=world.h("dispatcher")).json()
    assert near[0]["user_id"] == me


def test_event_scope_follows_band_events_and_grid_changes(world):
    class U:
        role, id, department_id = "inspector", 7, None
    scope = EventScope(U())
    band = {"type": "case.band", "data": {"id": 1, "band": "red", "grid_code": GRID, "reporter_id": None,
                                          "task_inspector_id": None, "department_id": None}}
    assert scope.view(band) is None
    scope.set_grids([GRID])  # the grid was given to this inspector (re-read at the next heartbeat)
    assert scope.view(band) == band
    moved = {"type": "case.changed", "data": {**band["data"], "grid_code": "999", "reporter_contact": CONTACT}}
    left = scope.view(moved)  # it leaves: sent once more so the client drops it, without the contact
    assert left["data"]["id"] == 1 and left["data"]["reporter_contact"] is None and left["left_scope"] is True
    assert scope.view(moved) is None


def test_user_list_is_for_administrators(world):
    for role in ("inspector", "acceptor", "shift_leader", "dispatcher", "department", "leader"):
        assert world.client.get("/api/auth/users", headers=world.h(role)).status_code == 403, role
    r = world.client.get("/api/auth/users", params={"role": "inspector"}, headers=world.h("admin"))
    assert r.status_code == 200 and [u["username"] for u in r.json()] == ["inspector"]


def test_an_unknown_component_is_refused(world):
    ensure_component(world.ctx)
    body = {"kind": "component", "class_code": "0101", "lon": 120.6, "lat": 31.3}
    r = world.client.post("/api/cases", json={**body, "component_id": "3205820101999999"},
                          headers=world.h("acceptor"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "component_id"]
    assert "3205820101999999" in r.json()["detail"][0]["msg"]
    case = _report(world, IN_GRID, kind="component", class_code="0101", component_id=COMPONENT_ID)
    assert case["component_id"] == COMPONENT_ID
    r = world.client.post(f"/api/cases/{case['id']}/actions/accept", json={"component_id": "3205820101999998"},
                          headers=world.h("acceptor"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "component_id"]
    assert world.client.get(f"/api/cases/{case['id']}", headers=world.h("leader")).json()["state"] == "reported"


def test_an_open311_citizens_email_stays_in_the_hall(world):
    r = world.client.post("/open311/v2/requests.json", data={
        "api_key": "demo-open311-key", "service_code": "event-0102", "lat": "31.3", "long": "120.6",
        "description": "垃圾", "email": "citizen@example.com", "phone": "13800001111",
        "media_url": "https://example.com/a.jpg"})
    assert r.status_code == 201, r.text
    number = r.json()[0]["service_request_id"]
    [case] = [c for c in world.client.get("/api/cases", headers=world.h("acceptor")).json()["items"]
              if c["number"] == number]
    for action, role, body in (("accept", "acceptor", {}), ("file", "shift_leader", {"condition_id": "event-0102-1"}),
                               ("dispatch", "dispatcher", {"department_id": world.departments["water"]})):
        assert world.client.post(f"/api/cases/{case['id']}/actions/{action}", json=body,
                                 headers=world.h(role)).status_code == 200
    for role, shown in (("department", False), ("leader", True)):
        d = world.client.get(f"/api/cases/{case['id']}", headers=world.h(role)).json()
        log = world.client.get(f"/api/cases/{case['id']}/events", headers=world.h(role)).json()
        for text in (str(d), str(log)):
            assert ("citizen@example.com" in text) == shown, role
        assert ("13800001111" in str(d)) == shown, role
        assert d["events"][0]["data"]["open311"]["media_url"] == "https://example.com/a.jpg"
