"""Open311 GeoReport v2 over real HTTP, as a GeoReport client does it: form-encoded POST, JSON and
XML answers parsed back, the spec's error lists, and a posted request followed through the workflow."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from server_stub.db.models import Component, Region

from .conftest import PASSWORD, seed_world

KEY = "demo-open311-key"  # Settings.open311_api_keys default
POINT = {"lat": "31.3", "long": "120.6"}


@pytest.fixture
def o311(live_server):
    """(GeoReport base URL, httpx client, {role: auth headers}) on a live server with users."""
    _, depts = seed_world(live_server.app)
    with httpx.Client(base_url=live_server.url, timeout=20) as http:
        heads = {}
        for role in ("acceptor", "shift_leader", "dispatcher", "department", "leader"):
            r = http.post("/api/auth/login", json={"username": role, "password": PASSWORD})
            assert r.status_code == 200, r.text
            heads[role] = {"Authorization": f"Bearer {r.json()['token']}"}
        heads["departments"] = depts
        yield "/open311/v2", http, heads


def xml_of(r: httpx.Response) -> ET.Element:
    assert r.headers["content-type"].startswith("text/xml"), r.headers["content-type"]
    assert r.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(r.content)


def post(http: httpx.Client, base: str, fmt: str = "json", **form: str) -> httpx.Response:
    body = {"api_key": KEY, "service_code": "event-0102", **POINT, **form}
    return http.post(f"{base}/requests.{fmt}", data=body)  # application/x-www-form-urlencoded


def test_discovery_and_services_in_json_and_xml(o311):
    base, http, _ = o311
    d = http.get(f"{base}/discovery.json").json()
    ep = d["endpoints"][0]
    assert ep["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert ep["url"].endswith("/open311/v2") and set(ep["formats"]) == {"text/xml", "application/json"}
    root = xml_of(http.get(f"{base}/discovery.xml"))
    assert root.tag == "discovery" and root.findtext("endpoints/endpoint/type") == "production"
    formats = [f.text for f in root.findall("endpoints/endpoint/formats/format")]
    assert formats == ["text/xml", "application/json"]

    services = http.get(f"{base}/services.json").json()
    by_code = {s["service_code"]: s for s in services}
    garbage = by_code["event-0102"]
    assert garbage["service_name"] == "暴露垃圾" and garbage["group"] == "市容环境"
    assert garbage["type"] == "realtime" and garbage["metadata"] is True
    assert "exposed garbage" in garbage["description"]
    assert by_code["component-0101"]["service_name"] == "上水井盖"  # same 4 digits, other kind
    root = xml_of(http.get(f"{base}/services.xml"))
    assert root.tag == "services" and len(root.findall("service")) == len(services)
    first = root.find("service")
    assert first.findtext("service_code") == services[0]["service_code"]
    assert first.findtext("metadata") in ("true", "false") and first.findtext("type") == "realtime"


def test_service_definition(o311):
    base, http, _ = o311
    d = http.get(f"{base}/services/event-0102.json").json()
    assert d["service_code"] == "event-0102"
    cond = d["attributes"][0]
    assert cond["code"] == "filing_condition" and cond["datatype"] == "singlevaluelist"
    assert cond["required"] is False and cond["order"] == 1
    assert [v["key"] for v in cond["values"]] == ["event-0102-1", "event-0102-2"]
    root = xml_of(http.get(f"{base}/services/component-0101.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "component-0101"
    codes = [a.findtext("code") for a in root.findall("attributes/attribute")]
    assert codes == ["filing_condition", "component_id"]
    assert root.findtext("attributes/attribute/values/value/key") == "component-0101-1"

    r = http.get(f"{base}/services/event-9999.xml")
    assert r.status_code == 404
    assert xml_of(r).findtext("error/code") == "404"
    assert http.get(f"{base}/services/event-0102.html").status_code == 404


def test_api_key_is_required(o311):
    base, http, _ = o311
    r = post(http, base, api_key="wrong")
    assert r.status_code == 403
    assert r.json() == [{"code": 403, "description": r.json()[0]["description"]}]
    assert "api_key" in r.json()[0]["description"]
    r = http.post(f"{base}/requests.xml", data={"service_code": "event-0102", **POINT})
    assert r.status_code == 403
    root = xml_of(r)
    assert root.tag == "errors" and root.findtext("error/code") == "403"


def test_public_output_carries_public_fields_only(o311):
    base, http, h = o311
    r = post(http, base, description="井盖破损，请联系 13912345678 或 0512-65201234", first_name="四", last_name="李",
             phone="13700001111", email="ls@example.com", media_url="https://example.com/p/2.jpg")
    assert r.status_code == 201, r.text
    number = r.json()[0]["service_request_id"]
    cases = http.get("/api/cases", params={"state": "reported"}, headers=h["acceptor"]).json()["items"]
    [case] = [c for c in cases if c["number"] == number]
    r = http.post(f"/api/cases/{case['id']}/actions/reject", headers=h["acceptor"],
                  json={"reason": "内部：重复上报，已电话告知市民 13700001111"})
    assert r.status_code == 200, r.text
    for fmt in ("json", "xml"):
        for url in (f"{base}/requests/{number}.{fmt}", f"{base}/requests.{fmt}"):
            text = http.get(url).text
            assert number in text
            for secret in ("13912345678", "65201234", "13700001111", "ls@example.com", "内部", "李四", "重复上报"):
                assert secret not in text, (url, secret)
    [req] = http.get(f"{base}/requests/{number}.json").json()
    assert req["description"] == "井盖破损，请联系 139****5678 或 051*****1234"
    assert req["media_url"] == "https://example.com/p/2.jpg" and req["status_notes"] == "已作废"


def test_media_url_must_be_http(o311):
    base, http, _ = o311
    for bad in ("javascript:alert(document.cookie)", "data:text/html,<script>x</script>", "file:///etc/passwd",
                "ftp://example.com/a.jpg", "http://", "//example.com/a.jpg", "https://exa mple.com/a.jpg"):
        for fmt in ("json", "xml"):
            r = post(http, base, fmt, description="x", media_url=bad)
            assert r.status_code == 422, (bad, r.text)
            assert "media_url" in r.text
    assert post(http, base, media_url="HTTP://example.com/a.jpg").status_code == 201


def test_post_validation_errors_are_listed(o311):
    base, http, _ = o311
    r = http.post(f"{base}/requests.json", data={"api_key": KEY, "lat": "91", "long": "120"})
    assert r.status_code == 400
    errors = r.json()
    assert all(e["code"] == 400 for e in errors) and len(errors) >= 2
    text = " ".join(e["description"] for e in errors)
    assert "service_code" in text and "lat must be between" in text
    r = http.post(f"{base}/requests.json", data={"api_key": KEY, "description": "x"})
    assert [e["description"].split(" ")[0] for e in r.json()] == ["service_code", "a"]  # both listed
    r = post(http, base, "xml", service_code="event-9999")
    assert r.status_code == 404 and xml_of(r).findtext("error/code") == "404"
    r = http.post(f"{base}/requests.json", data={"api_key": KEY, "service_code": "event-0102"})
    assert r.status_code == 400 and "location" in r.json()[0]["description"]
    r = post(http, base, **{"attribute[filing_condition]": "event-0103-1"})
    assert r.status_code == 400 and "filing_condition" in r.json()[0]["description"]


def test_posted_request_is_a_reported_case_then_closed(o311):
    base, http, h = o311
    r = post(http, base, description="路口一堆垃圾", first_name="三", last_name="张", phone="13800000000",
             email="zs@example.com", media_url="http://example.com/p/1.jpg",
             address_string="人民路与中山路口", **{"attribute[filing_condition]": "event-0102-1"})
    assert r.status_code == 201, r.text
    [posted] = r.json()
    number = posted["service_request_id"]
    assert posted["account_id"] is None and number in posted["service_notice"]

    # the acceptor's queue has it, reported through open311 by the citizen
    cases = http.get("/api/cases", params={"state": "reported"}, headers=h["acceptor"]).json()["items"]
    [case] = [c for c in cases if c["number"] == number]
    assert case["source"] == "open311" and case["class_code"] == "0102" and case["kind"] == "event"
    assert case["reporter_name"] == "张三" and "13800000000" in case["reporter_contact"]
    assert case["description"] == "路口一堆垃圾" and case["address"] == "人民路与中山路口"

    [req] = http.get(f"{base}/requests/{number}.json").json()
    assert req["status"] == "open" and req["service_code"] == "event-0102"
    assert req["service_name"] == "暴露垃圾" and "待受理" in req["status_notes"]
    assert req["media_url"] == "http://example.com/p/1.jpg"
    assert (req["lat"], req["long"]) == (31.3, 120.6)
    requested = datetime.fromisoformat(req["requested_datetime"])
    assert requested.utcoffset() == timedelta(hours=8)  # with the city's offset
    assert abs(requested - datetime.now(timezone.utc)) < timedelta(minutes=5)
    assert req["agency_responsible"] is None and req["expected_datetime"] is None

    # through the workflow
    cid, water = case["id"], h["departments"]["water"]
    for action, role, body in [("accept", "acceptor", {}),
                               ("file", "shift_leader", {"condition_id": "event-0102-1"}),
                               ("dispatch", "dispatcher", {"department_id": water})]:
        r = http.post(f"/api/cases/{cid}/actions/{action}", json=body, headers=h[role])
        assert r.status_code == 200, r.text
    handling = r.json()
    root = xml_of(http.get(f"{base}/requests/{number}.xml"))
    req = root.find("request")
    assert root.tag == "service_requests" and req.findtext("status") == "open"
    assert req.findtext("agency_responsible") == "水务集团" and "处置中" in req.findtext("status_notes")
    expected = datetime.fromisoformat(req.findtext("expected_datetime"))  # the handling deadline
    assert abs(expected - datetime.fromisoformat(handling["deadline_at"])) < timedelta(seconds=1)
    assert "彻底清理" in req.findtext("service_notice")  # the closing condition of the filing condition
    for action, role, body in [("send_check", "dispatcher", {}), ("answer_check", "acceptor", {"result": "fixed"}),
                               ("close", "shift_leader", {})]:
        if action == "send_check":  # the department's word first: the status notes quote it
            r = http.post(f"/api/cases/{cid}/actions/feedback", json={"comment": "已清理完毕"}, headers=h["department"])
            assert r.status_code == 200, r.text
        r = http.post(f"/api/cases/{cid}/actions/{action}", json=body, headers=h[role])
        assert r.status_code == 200, r.text
    [req] = http.get(f"{base}/requests.json", params={"service_request_id": number}).json()
    assert req["status"] == "closed" and req["status_notes"].startswith("已结案（正常结案）")
    assert "已清理完毕" not in r.text and "已清理完毕" not in str(req)  # the workflow's comments are internal
    assert req["expected_datetime"] is None
    closed_at = datetime.fromisoformat(r.json()["closed_at"])
    assert abs(datetime.fromisoformat(req["updated_datetime"]) - closed_at) < timedelta(seconds=1)


def test_get_requests_filters_window_and_pages(o311):
    base, http, h = o311
    numbers = [post(http, base, description=f"第{i}处").json()[0]["service_request_id"] for i in range(3)]
    other = post(http, base, "xml", service_code="component-0101")
    assert other.status_code == 201
    other_number = xml_of(other).findtext("request/service_request_id")
    # one of the three rejected: closed (VOID is closed for Open311)
    cases = http.get("/api/cases", params={"state": "reported"}, headers=h["acceptor"]).json()["items"]
    first_id = next(c["id"] for c in cases if c["number"] == numbers[0])
    r = http.post(f"/api/cases/{first_id}/actions/reject", json={"reason": "重复举报"}, headers=h["acceptor"])
    assert r.status_code == 200, r.text

    got = http.get(f"{base}/requests.json").json()  # default: the last 90 days
    assert {g["service_request_id"] for g in got} == set(numbers) | {other_number}
    assert [g["service_request_id"] for g in got][0] == other_number  # newest first
    got = http.get(f"{base}/requests.json", params={"service_code": "event-0102", "status": "open"}).json()
    assert {g["service_request_id"] for g in got} == set(numbers[1:])
    closed = http.get(f"{base}/requests.json", params={"status": "closed"}).json()
    assert [g["service_request_id"] for g in closed] == [numbers[0]]
    assert closed[0]["status_notes"] == "已作废"  # the reason is the centre's, not for the public
    both = http.get(f"{base}/requests.json", params={"service_request_id": f"{numbers[0]},{other_number}",
                                                     "status": "open"}).json()  # ids override the rest
    assert {g["service_request_id"] for g in both} == {numbers[0], other_number}
    page = http.get(f"{base}/requests.json", params={"page_size": 2, "page": 2})
    assert page.headers["x-total-count"] == "4" and len(page.json()) == 2
    root = xml_of(http.get(f"{base}/requests.xml", params={"service_code": "component-0101"}))
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [other_number]
    assert root.find("request").findtext("service_code") == "component-0101"

    end = datetime.now(timezone.utc) + timedelta(minutes=1)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    ok = {"start_date": (end - timedelta(days=90)).strftime(fmt), "end_date": end.strftime(fmt)}  # 90 days
    assert len(http.get(f"{base}/requests.json", params=ok).json()) == 4
    too_long = {"start_date": (end - timedelta(days=91)).strftime(fmt), "end_date": end.strftime(fmt)}
    r = http.get(f"{base}/requests.json", params=too_long)
    assert r.status_code == 400 and "90 days" in r.json()[0]["description"]
    r = http.get(f"{base}/requests.xml", params=too_long)
    assert r.status_code == 400 and xml_of(r).findtext("error/code") == "400"
    r = http.get(f"{base}/requests.json", params={"start_date": "2026-01-01T00:00:00"})
    assert r.status_code == 400 and "time zone" in r.json()[0]["description"]
    past = {"start_date": "2020-01-01T00:00:00+08:00", "end_date": "2020-03-01T00:00:00+08:00"}
    assert http.get(f"{base}/requests.json", params=past).json() == []
    assert http.get(f"{base}/requests.json", params={"status": "pending"}).status_code == 400
    assert http.get(f"{base}/requests.json", params={"end_date": "0001-01-01T00:00:00Z"}).status_code == 400
    r = http.get(f"{base}/requests/19990101-000001.json")
    assert r.status_code == 404 and r.json()[0]["code"] == 404


def test_address_string_alone_is_placed_in_the_named_region(o311, live_server):
    base, http, _ = o311
    square = {"type": "Polygon", "coordinates": [[[120.60, 31.30], [120.62, 31.30], [120.62, 31.32],
                                                  [120.60, 31.32], [120.60, 31.30]]]}
    with live_server.app.state.ctx.db.transaction() as s:
        s.add(Region(code="320582", level="district", name="张家港市", geometry=None))
        s.add(Region(code="320582110", level="street", name="杨舍镇", parent_code="320582", geometry=square))
    r = http.post(f"{base}/requests.json", data={"api_key": KEY, "service_code": "event-0102",
                                                 "address_string": "张家港市杨舍镇人民路88号"})
    assert r.status_code == 201, r.text
    [req] = http.get(f"{base}/requests/{r.json()[0]['service_request_id']}.json").json()
    assert 120.60 < req["long"] < 120.62 and 31.30 < req["lat"] < 31.32
    assert req["address"] == "张家港市杨舍镇人民路88号"
    r = http.post(f"{base}/requests.json", data={"api_key": KEY, "service_code": "event-0102",
                                                 "address_string": "某地某路"})
    assert r.status_code == 400 and "lat and long" in r.json()[0]["description"]


def test_a_component_request_is_placed_at_the_component(o311, live_server):
    base, http, _ = o311
    with live_server.app.state.ctx.db.transaction() as s:
        s.add(Component(id="3205820101000001", class_code="0101", lon=120.611, lat=31.311))
    form = {"api_key": KEY, "service_code": "component-0101"}
    r = http.post(f"{base}/requests.json", data={**form, "attribute[component_id]": "12345"})
    assert r.status_code == 400 and "16 digits" in r.json()[0]["description"]
    r = http.post(f"{base}/requests.json", data={**form, "attribute[component_id]": "3205820101000001"})
    assert r.status_code == 201, r.text
    [req] = http.get(f"{base}/requests/{r.json()[0]['service_request_id']}.json").json()
    assert (req["long"], req["lat"]) == (120.611, 31.311)
