"""Positions: OsmAnd parsing, the group-commit writer, tracks (JSON and GPX 1.1), latest."""
from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from server_stub.db.models import Inspector, Position
from server_stub.services import positions as pos

from .test_reference_seed import DEV1_KEY, seed_city

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
GPX = "{http://www.topografix.com/GPX/1/1}"


# ---------------------------------------------------------------- parsing
def test_parse_osmand_query_like_traccar():
    f = pos.parse_params({"id": "dev-1", "lat": "28.68", "lon": "115.85", "timestamp": "1772438400",
                          "speed": "2.5", "bearing": "370", "altitude": "21.5", "accuracy": "8", "batt": "77"}, NOW)
    assert (f.device_id, f.lat, f.lon, f.speed_kn, f.bearing, f.altitude, f.accuracy, f.battery) == \
        ("dev-1", 28.68, 115.85, 2.5, 10.0, 21.5, 8.0, 77.0)
    assert f.fix_at == datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
    # OsmAnd's own template: deviceid, timestamp in milliseconds, hdop = accuracy in metres, heading
    f = pos.parse_params({"deviceid": "d", "lat": "1", "lon": "2", "timestamp": "1772438400123",
                          "hdop": "12", "heading": "90"}, NOW)
    assert f.fix_at == datetime(2026, 3, 2, 8, 0, 0, 123000, tzinfo=timezone.utc)
    assert (f.accuracy, f.bearing) == (12.0, 90.0)
    for text in ("2026-03-02T16:00:00+08:00", "2026-03-02T08:00:00Z", "2026-03-02 08:00:00"):
        assert pos.parse_params({"id": "d", "lat": "1", "lon": "2", "timestamp": text}, NOW).fix_at == NOW
    assert pos.parse_params({"id": "d", "lat": "1", "lon": "2"}, NOW).fix_at == NOW  # no time: now
    assert pos.parse_params({"id": "d", "location": "28.5,115.5"}, NOW).lon == 115.5


def test_parse_acknowledges_but_drops_invalid_or_empty_fixes():
    assert pos.parse_params({"id": "d", "lat": "1", "lon": "2", "valid": "false"}, NOW) is None
    assert pos.parse_params({"id": "d", "lat": "0", "lon": "0"}, NOW) is None
    f = pos.parse_params({"id": "d", "lat": "1", "lon": "2", "speed": "-1", "batt": ""}, NOW)
    assert f.speed_kn is None and f.battery is None  # "unknown" values


@pytest.mark.parametrize("params, field", [
    ({"lat": "1", "lon": "2"}, "id"),
    ({"id": "d", "lon": "2"}, "lat"),
    ({"id": "d", "lat": "1"}, "lon"),
    ({"id": "d", "lat": "north", "lon": "2"}, "lat"),
    ({"id": "d", "lat": "91", "lon": "2"}, "lat"),
    ({"id": "d", "lat": "1", "lon": "nan"}, "lon"),
    ({"id": "d", "lat": "1", "lon": "2", "speed": "fast"}, "speed"),
    ({"id": "d", "lat": "1", "lon": "2", "timestamp": "yesterday"}, "timestamp"),
    ({"id": "d", "lat": "1", "lon": "2", "timestamp": "1900000000"}, "timestamp"),  # 2030: future
    ({"id": "d", "location": "28.5"}, "location"),
])
def test_parse_names_the_bad_field(params, field):
    with pytest.raises(pos.FixError) as e:
        pos.parse_params(params, NOW)
    assert e.value.field == field and str(e.value).startswith(field)


def test_parse_traccar_client_json():
    body = (b'{"location": {"timestamp": "2026-03-02T08:00:00.000Z", "coords": {"latitude": 28.68, '
            b'"longitude": 115.85, "accuracy": 5, "speed": 1.0, "heading": 45, "altitude": 30}, '
            b'"is_moving": true, "battery": {"level": 0.63, "is_charging": false}}, "device_id": "dev-9"}')
    f = pos.parse_request(b"", body, "application/json", NOW)
    assert (f.device_id, f.lat, f.lon, f.bearing, f.altitude, f.accuracy, f.battery) == \
        ("dev-9", 28.68, 115.85, 45.0, 30.0, 5.0, 63.0)
    assert f.speed_kn == pytest.approx(1.943844, rel=1e-5)  # m/s → knots
    assert f.fix_at == NOW
    with pytest.raises(pos.FixError) as e:
        pos.parse_request(b"", b'{"device_id": "x", "location": {"coords": {"latitude": 1}}}', "", NOW)
    assert e.value.field == "coords.longitude"
    with pytest.raises(pos.FixError) as e:
        pos.parse_request(b"", b"{not json", "application/json", NOW)
    assert e.value.field == "body"


def test_parse_request_merges_query_and_form():
    f = pos.parse_request(b"id=dev-1&lat=1.5", b"lon=2.5&batt=50", "application/x-www-form-urlencoded", NOW)
    assert (f.device_id, f.lat, f.lon, f.battery) == ("dev-1", 1.5, 2.5, 50.0)


# ---------------------------------------------------------------- the endpoint through the app
@pytest.fixture
def city(world):
    world.ids = seed_city(world.ctx)
    return world


def _osmand(w, **params):
    return w.client.get("/osmand", params={"key": DEV1_KEY, **params})


def test_osmand_stores_fix_updates_inspector_and_publishes(city):
    sub = city.ctx.bus.subscribe()
    uid = city.ids["inspector_id"]
    t = int(time.time()) - 5
    r = _osmand(city, id="dev-1", lat=28.6805, lon=115.8505, timestamp=t, speed=3, bearing=90, batt=80)
    assert r.status_code == 200 and r.text == ""
    with city.ctx.db.session() as s:
        p = s.scalar(select(Position))
        assert (p.device_id, p.lat, p.lon, p.speed_kn, p.battery) == ("dev-1", 28.6805, 115.8505, 3.0, 80.0)
        assert p.fix_at == datetime.fromtimestamp(t, timezone.utc)
        insp = s.get(Inspector, uid)
        assert (insp.lon, insp.lat, insp.bearing, insp.fix_at) == (115.8505, 28.6805, 90.0, p.fix_at)
    deadline = time.time() + 5
    while sub.queue.empty() and time.time() < deadline:
        time.sleep(0.01)
    ev = sub.queue.get_nowait()
    sub.close()
    assert ev["type"] == "inspector.position"
    assert ev["data"] == {"user_id": uid, "device_id": "dev-1", "lon": 115.8505, "lat": 28.6805, "speed_kn": 3.0,
                          "bearing": 90.0, "battery": 80.0, "fix_at": p.fix_at.isoformat()}


def test_osmand_errors_are_plain_http(city):
    r = _osmand(city, id="dev-1", lat="x", lon=115.85)
    assert r.status_code == 400 and r.text.startswith("lat:")
    r = _osmand(city, id="nobody", lat=28.68, lon=115.85)
    assert r.status_code == 400 and "unknown device" in r.text
    assert city.client.put("/osmand?id=dev-1&lat=1&lon=2").status_code == 405
    r = city.client.post("/osmand", content=b"id=dev-1&lat=28.68&lon=115.85&x=" + b"a" * 70_000,
                         headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    with city.ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Position)) == 0


def test_late_old_fix_is_stored_but_does_not_move_inspector_back(city):
    uid = city.ids["inspector_id"]
    now = int(time.time())
    assert _osmand(city, id="dev-1", lat=28.681, lon=115.851, timestamp=now).status_code == 200
    assert _osmand(city, id="dev-1", lat=28.600, lon=115.800, timestamp=now - 600).status_code == 200
    with city.ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Position)) == 2
        assert s.get(Inspector, uid).lon == 115.851


def test_writer_batches_and_flushes_everything_on_stop(world):
    seed_city(world.ctx)
    with world.ctx.db.session() as s:
        uid = s.scalar(select(Inspector.user_id))
    writer = pos.PositionWriter(world.ctx.db)
    done: list = []
    lock = threading.Lock()

    def cb(err):
        with lock:
            done.append(err)
    base = datetime.now(timezone.utc) - timedelta(hours=1)
    for k in range(500):  # queued before the thread runs: must all land, in few transactions
        writer.submit(pos.Fix("dev-1", base + timedelta(seconds=k), 115.85 + k * 1e-5, 28.68), uid, cb)
    writer.start()
    writer.stop()
    assert len(done) == 500 and not any(done)
    assert writer.written == 500 and writer.batches <= 2
    with world.ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Position)) == 500
        assert s.get(Inspector, uid).lon == pytest.approx(115.85 + 499e-5)


# ---------------------------------------------------------------- tracks and latest
def _feed(w, n=5, start=None, gap_at=None):
    start = start or datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=30)
    uid = w.ids["inspector_id"]
    items = []
    for k in range(n):
        t = start + timedelta(seconds=10 * k + (3600 if gap_at is not None and k >= gap_at else 0))
        items.append((pos.Fix("dev-1", t, 115.85 + k * 1e-4, 28.68 + k * 1e-4, speed_kn=2.0, bearing=45.0,
                              altitude=20.0 + k, accuracy=5.0, battery=90.0), uid))
    items.reverse()  # arrival order does not matter: the track is in time order
    with w.ctx.db.transaction() as s:
        pos.write_fixes(s, items)
    return start


def test_track_json_in_time_order_and_roles(city):
    start = _feed(city, 5)
    uid = city.ids["inspector_id"]
    q = {"inspector_id": uid, "start": (start - timedelta(minutes=1)).isoformat(),
         "end": (start + timedelta(minutes=5)).isoformat()}
    r = city.client.get("/api/positions/track", params=q, headers=city.h("dispatcher"))
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["count"] == 5 and d["device_id"] == "dev-1" and d["truncated"] is False
    times = [datetime.fromisoformat(f["fix_at"]) for f in d["fixes"]]
    assert times == sorted(times) and times[0] == start
    assert d["fixes"][0]["lon"] == 115.85 and d["fixes"][4]["altitude"] == 24.0
    narrow = {**q, "start": (start + timedelta(seconds=15)).isoformat()}
    assert city.client.get("/api/positions/track", params=narrow, headers=city.h("leader")).json()["count"] == 3
    for role in ("acceptor", "shift_leader", "admin"):
        assert city.client.get("/api/positions/track", params=q, headers=city.h(role)).status_code == 200
    assert city.client.get("/api/positions/track", params=q, headers=city.h("department")).status_code == 403
    assert city.client.get("/api/positions/track", params=q, headers=city.h("inspector")).status_code == 403
    r = city.client.post("/api/auth/login", json={"username": "insp1", "password": "pw-insp1"})
    own = {"Authorization": f"Bearer {r.json()['token']}"}
    assert city.client.get("/api/positions/track", params=q, headers=own).json()["count"] == 5
    assert city.client.get("/api/positions/track", params=q).status_code == 401


def test_track_bad_periods(city):
    uid = city.ids["inspector_id"]
    h = city.h("leader")
    get = city.client.get
    assert get("/api/positions/track", params={"inspector_id": uid, "start": "2026-01-02T00:00:00Z",
                                               "end": "2026-01-01T00:00:00Z"}, headers=h).status_code == 422
    assert get("/api/positions/track", params={"inspector_id": uid, "start": "2026-01-01T00:00:00",
                                               "end": "2026-01-02T00:00:00Z"}, headers=h).status_code == 422
    assert get("/api/positions/track", params={"inspector_id": uid, "start": "2025-01-01T00:00:00Z",
                                               "end": "2026-01-01T00:00:00Z"}, headers=h).status_code == 422
    assert get("/api/positions/track", params={"inspector_id": 9999}, headers=h).status_code == 404
    r = get("/api/positions/track", params={"inspector_id": uid}, headers=h)  # default: last 24 h
    assert r.status_code == 200 and r.json()["count"] == 0


def test_track_as_gpx_1_1(city):
    start = _feed(city, 6, gap_at=4)  # an hour's gap before the 5th fix: a new segment
    uid = city.ids["inspector_id"]
    r = city.client.get("/api/positions/track", headers=city.h("leader"),
                        params={"inspector_id": uid, "format": "gpx",
                                "start": (start - timedelta(minutes=1)).isoformat(),
                                "end": (start + timedelta(hours=2)).isoformat()})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/gpx+xml")
    assert "attachment" in r.headers["content-disposition"]
    root = ET.fromstring(r.content)
    assert root.tag == f"{GPX}gpx" and root.get("version") == "1.1" and root.get("creator")
    segs = root.findall(f"{GPX}trk/{GPX}trkseg")
    assert [len(sg.findall(f"{GPX}trkpt")) for sg in segs] == [4, 2]
    pts = root.findall(f".//{GPX}trkpt")
    first = pts[0]
    assert float(first.get("lat")) == pytest.approx(28.68) and float(first.get("lon")) == pytest.approx(115.85)
    assert [c.tag for c in first][:2] == [f"{GPX}ele", f"{GPX}time"]  # schema order
    assert float(first.find(f"{GPX}ele").text) == 20.0
    assert datetime.fromisoformat(first.find(f"{GPX}time").text.replace("Z", "+00:00")) == start
    tpx = "{http://www.garmin.com/xmlschemas/TrackPointExtension/v2}"
    speed = first.find(f"{GPX}extensions/{tpx}TrackPointExtension/{tpx}speed")
    assert float(speed.text) == pytest.approx(2.0 * 0.514444, abs=0.01)
    times = [p.find(f"{GPX}time").text for p in pts]
    assert times == sorted(times)
    assert root.find(f"{GPX}trk/{GPX}name").text.startswith("监督员一")


def test_latest_positions(city):
    uid = city.ids["inspector_id"]
    assert city.client.get("/api/positions/latest", headers=city.h("dispatcher")).json() == []
    _feed(city, 3, start=datetime.now(timezone.utc) - timedelta(seconds=40))
    got = city.client.get("/api/positions/latest", headers=city.h("dispatcher")).json()
    assert len(got) == 1 and got[0]["user_id"] == uid and got[0]["online"] is True
    assert got[0]["lon"] == pytest.approx(115.8502)
    assert city.client.get("/api/positions/latest", headers=city.h("department")).status_code == 403
    assert city.client.get("/api/positions/latest", headers=city.h("inspector")).json() == []  # not theirs


def test_plain_route_without_the_fast_path(city):
    """The documented /osmand routes give the same answers when the middleware and the background
    writer are not installed (e.g. the router mounted in another app): fixes are written directly."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from server_stub.api.positions import router
    app = FastAPI()
    app.state.ctx = city.ctx
    app.include_router(router)
    with TestClient(app) as c:
        r = c.post("/osmand", data={"id": "dev-1", "key": DEV1_KEY, "lat": 28.6801, "lon": 115.8501, "timestamp": int(time.time())})
        assert r.status_code == 200, r.text
        assert c.get("/osmand", params={"id": "dev-1", "lat": "x", "lon": 1}).status_code == 400
    with city.ctx.db.session() as s:
        assert s.get(Inspector, city.ids["inspector_id"]).lat == 28.6801
