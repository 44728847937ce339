"""The video wall's server side: cameras with main/sub streams and view cones, the cameras that see
a place, camera status, evidence snapshots on a case and video patrol reports."""
from __future__ import annotations

import hashlib
import uuid

import pytest

from server_stub.db.models import Camera
from server_stub.services import loader

from .casekit import EVENT, bring_to, get, report, shared_world_fixture
from .imagekit import image

sw = shared_world_fixture()
LON, LAT = EVENT["lon"], EVENT["lat"]  # 120.6, 31.3: the case's place
M_LAT = 1 / 111_000  # about a metre in latitude here
CAMS = {  # id: (metres north of the place, direction, fov, range, online)
    "32058200081326000001": (-20, 0.0, None, None, True),  # 20 m south looking north: sees it
    "32058200081326000002": (-30, 180.0, None, None, True),  # looking away
    "32058200081326000003": (-60, 0.0, 30.0, 100.0, False),  # long lens, offline: sees it, 60 m
    "32058200081326000004": (-10, None, None, 15.0, True),  # a dome, all round, 15 m: sees it
    "32058200081326000005": (-50, 0.0, None, None, True),  # looking at it but 50 m > 40 m default
}


@pytest.fixture(scope="module")
def cams(sw):
    with sw.ctx.db.transaction() as s:
        rows = [{"id": cid, "name": f"测试{cid[-1]}", "lon": LON, "lat": LAT + dn * M_LAT, "direction": d,
                 "fov_deg": f, "range_m": r, "online": on,
                 "stream_url": f"rtsp://vp.example:554/rtp/{cid}",
                 "sub_stream_url": f"http://vp.example/{cid}/sub.m3u8"}
                for cid, (dn, d, f, r, on) in CAMS.items()]
        loader.load_cameras(s, rows, strict=True)
    return list(CAMS)


def _get(w, path, role="dispatcher", **params):
    return w.client.get(path, params=params, headers=w.h(role))


def test_cameras_carry_streams_cone_and_status(sw, cams):
    by_id = {c["id"]: c for c in _get(sw, "/api/ref/cameras").json()}
    one, three = by_id[cams[0]], by_id[cams[2]]
    assert one["stream_url"] == f"rtsp://vp.example:554/rtp/{cams[0]}"
    assert one["sub_stream_url"] == f"http://vp.example/{cams[0]}/sub.m3u8"
    assert (one["fov_deg"], one["range_m"], one["online"]) == (60.0, 40.0, True)  # the domain defaults
    assert (three["fov_deg"], three["range_m"], three["online"]) == (30.0, 100.0, False)
    near = _get(sw, "/api/ref/cameras/nearest", lon=LON, lat=LAT, n=2).json()
    assert [c["id"] for c in near] == [cams[3], cams[0]] and near[0]["sub_stream_url"]


def test_seeing_cameras_nearest_first(sw, cams):
    r = _get(sw, "/api/ref/cameras/seeing", lon=LON, lat=LAT)
    assert r.status_code == 200, r.text
    got = r.json()
    assert [c["id"] for c in got] == [cams[3], cams[0], cams[2]]
    assert [round(c["distance_m"]) for c in got] == [10, 20, 60]
    assert [c["id"] for c in _get(sw, "/api/ref/cameras/seeing", lon=LON, lat=LAT, n=1).json()] == [cams[3]]
    assert _get(sw, "/api/ref/cameras/seeing", lon=LON + 0.01, lat=LAT).json() == []
    assert _get(sw, "/api/ref/cameras/seeing", lon=200, lat=LAT).status_code == 422
    assert sw.client.get("/api/ref/cameras/seeing", params={"lon": LON, "lat": LAT}).status_code == 401


def test_admin_sets_a_camera_offline(sw, cams):
    cid = cams[4]
    assert sw.client.patch(f"/api/ref/cameras/{cid}", json={"online": False},
                           headers=sw.h("dispatcher")).status_code == 403
    r = sw.client.patch(f"/api/ref/cameras/{cid}", json={"online": False}, headers=sw.h("admin"))
    assert r.status_code == 200 and r.json()["online"] is False, r.text
    assert _get(sw, f"/api/ref/cameras/{cid}").json()["online"] is False
    assert sw.client.patch(f"/api/ref/cameras/{cid}", json={"online": "maybe"},
                           headers=sw.h("admin")).status_code == 422
    assert sw.client.patch("/api/ref/cameras/32058200081326009999", json={"online": True},
                           headers=sw.h("admin")).status_code == 404
    r = sw.client.patch(f"/api/ref/cameras/{cid}", json={"online": True}, headers=sw.h("admin"))
    assert r.json()["online"] is True


def test_server_paths_answered_absolute_and_kept_out_of_events(sw, cams):
    cid = cams[1]
    with sw.ctx.db.transaction() as s:
        s.get(Camera, cid).sub_stream_url = f"/streams/{cid}/sub.m3u8"
    got = _get(sw, f"/api/ref/cameras/{cid}").json()
    assert got["sub_stream_url"] == f"http://testserver/streams/{cid}/sub.m3u8"
    assert got["stream_url"] == f"rtsp://vp.example:554/rtp/{cid}"
    published = []
    real = sw.ctx.bus.publish
    sw.ctx.bus.publish = lambda t, d: published.append((t, d)) or real(t, d)
    try:
        r = sw.client.patch(f"/api/ref/cameras/{cid}", json={"online": True}, headers=sw.h("admin"))
    finally:
        sw.ctx.bus.publish = real
    assert r.json()["sub_stream_url"] == f"http://testserver/streams/{cid}/sub.m3u8"
    ((kind, data),) = published
    assert kind == "camera.changed" and data["online"] is True and "sub_stream_url" not in data
    assert data["stream_url"] == f"rtsp://vp.example:554/rtp/{cid}"


def test_loader_refuses_other_schemes(sw):
    with sw.ctx.db.transaction() as s:
        rep = loader.load_cameras(s, [{"id": "32058200081326000099", "lon": LON, "lat": LAT,
                                       "stream_url": "file:///srv/video.mp4"},
                                      {"id": "32058200081326000098", "lon": LON, "lat": LAT,
                                       "sub_stream_url": "ftp://x/y"}])
    assert rep.inserted == 0 and len(rep.rejected) == 2
    assert "stream_url" in str(rep.rejected[0]) and "rtsp, rtmp, http, https" in str(rep.rejected[0])


def _photo(w, role="dispatcher") -> str:
    data = image("image/jpeg")
    r = w.client.post("/api/photos", files={"file": ("snap.jpg", data, "image/jpeg")}, headers=w.h(role))
    assert r.status_code in (200, 201), r.text
    return hashlib.sha256(data).hexdigest()


def test_evidence_snapshot_lands_on_the_case(sw, cams):
    cid = bring_to(sw, "handling")
    before = get(sw, cid)["version"]
    sha = _photo(sw)
    body = {"sha256": sha, "stage": "evidence", "camera_id": cams[0], "stream_time": "2026-12-02T22:15:03.240+08:00"}
    h = {**sw.h("dispatcher"), "Idempotency-Key": str(uuid.uuid4())}
    r = sw.client.post(f"/api/cases/{cid}/photos", json=body, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["case"]["version"] == before + 1 and r.json()["photo"]["camera_id"] == cams[0]
    again = sw.client.post(f"/api/cases/{cid}/photos", json=body, headers=h)  # a retry: the same answer
    assert again.status_code == 201 and again.content == r.content
    d = get(sw, cid)
    (p,) = d["photos"]["evidence"]
    assert p["sha256"] == sha and p["camera_id"] == cams[0] and p["url"] == f"/api/photos/{sha}"
    assert p["stream_time"].replace("Z", "+00:00").startswith("2026-12-02T14:15:03.24")
    ev = d["events"][-1]
    assert ev["action"] == "attach_evidence" and ev["data"]["camera_id"] == cams[0] and ev["to_state"] == "handling"
    # the same photo again (a new key): 409; refusals change nothing
    assert sw.client.post(f"/api/cases/{cid}/photos", json=body, headers=sw.h("leader")).status_code == 409
    assert get(sw, cid)["version"] == before + 1


@pytest.mark.parametrize("role, expect", [("acceptor", 201), ("shift_leader", 201), ("leader", 201),
                                          ("admin", 201), ("department", 403), ("inspector", 403)])
def test_evidence_roles(sw, cams, role, expect):
    cid = bring_to(sw, "pending_dispatch")
    r = sw.client.post(f"/api/cases/{cid}/photos", json={"sha256": _photo(sw)}, headers=sw.h(role))
    assert r.status_code == expect, r.text


def test_evidence_refusals(sw, cams):
    cid = bring_to(sw, "handling")
    sha = _photo(sw)
    post = lambda case, body, role="dispatcher": sw.client.post(  # noqa: E731
        f"/api/cases/{case}/photos", json=body, headers=sw.h(role))
    r = post(cid, {"sha256": "0" * 64})
    assert r.status_code == 422 and "upload it first" in r.text
    r = post(cid, {"sha256": sha, "camera_id": "32058200081326009999"})
    assert r.status_code == 422 and "unknown camera" in r.text
    assert post(cid, {"sha256": sha, "camera_id": "123"}).status_code == 422
    assert post(cid, {"sha256": sha, "stage": "report"}).status_code == 422
    assert post(cid, {"sha256": sha, "stream_time": "2026-12-02T10:00:00"}).status_code == 422  # no offset
    assert post(cid, {"sha256": sha, "expected_version": 1}).status_code == 409
    assert post(99_999_999, {"sha256": sha}).status_code == 404
    closed = bring_to(sw, "closed")
    r = post(closed, {"sha256": sha}, "leader")
    assert r.status_code == 409 and "open cases only" in r.text
    assert get(sw, cid)["photos"]["evidence"] == []


def test_video_patrol_report(sw, cams):
    sha = _photo(sw, "acceptor")
    out = report(sw, "acceptor", photo_hashes=[sha], camera_id=cams[0], stream_time="2026-12-02T14:00:00Z")
    assert out["source"] == "video"  # the default with a camera
    d = get(sw, out["id"])
    (p,) = d["photos"]["report"]
    assert p["camera_id"] == cams[0] and p["stream_time"].startswith("2026-12-02T14:00:00")
    assert d["events"][0]["data"]["camera_id"] == cams[0]
    assert report(sw, "acceptor", source="video", photo_hashes=[sha])["source"] == "video"
    r = sw.client.post("/api/cases", json={**EVENT, "camera_id": "32058200081326009999"}, headers=sw.h("acceptor"))
    assert r.status_code == 422 and "camera_id" in r.text


def test_workflow_config_names_the_evidence_roles(sw):
    roles = _get(sw, "/api/ref/workflow").json()["effective_roles"]["attach_evidence"]
    assert roles == ["acceptor", "admin", "dispatcher", "leader", "shift_leader"]
