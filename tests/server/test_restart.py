"""A restart loses nothing: cases, their logs, counters, deadlines, paused clocks, photos, login
tokens and stored idempotent answers are all in the database (or the photo directory), and the
case numbers continue where they stopped."""
from __future__ import annotations

from fastapi.testclient import TestClient

from server_stub.app import create_app

from .casekit import COND, EVENT
from .conftest import PASSWORD, World, seed_world
from .imagekit import image

JPEG = image(seed=b"restart-test-photo")


def _drive(w: World) -> dict[str, int]:
    def act(cid: int, action: str, role: str, **body) -> None:
        r = w.client.post(f"/api/cases/{cid}/actions/{action}", json=body, headers=w.h(role))
        assert r.status_code == 200, r.text

    def new(**body) -> int:
        r = w.client.post("/api/cases", json={**EVENT, **body}, headers=w.h("inspector"))
        assert r.status_code == 201, r.text
        return r.json()["id"]

    photo = w.client.post("/api/photos", files={"file": ("a.jpg", JPEG, "image/jpeg")},
                          headers=w.h("inspector")).json()["sha256"]
    ids = {"reported": new(photo_hashes=[photo]), "extended": new(), "suspended": new(), "closed": new()}
    for name in ("extended", "suspended", "closed"):
        act(ids[name], "accept", "acceptor")
        act(ids[name], "file", "shift_leader", condition_id=COND)
        act(ids[name], "dispatch", "dispatcher", department_id=w.departments["water"])
    act(ids["extended"], "request_extension", "department", reason="缺材料", amount=2, limit_type="work_day")
    act(ids["extended"], "approve_extension", "leader")
    act(ids["extended"], "urge", "leader", comment="督办")
    act(ids["suspended"], "request_suspension", "department", reason="待审批")
    act(ids["suspended"], "approve_suspension", "dispatcher")
    act(ids["closed"], "feedback", "department")
    act(ids["closed"], "rework", "dispatcher", reason="未完成")
    act(ids["closed"], "feedback", "department")
    act(ids["closed"], "send_check", "dispatcher")
    act(ids["closed"], "answer_check", "acceptor", result="fixed")
    act(ids["closed"], "close", "shift_leader")
    return ids


def _snapshot(w: World, ids: dict[str, int]) -> dict:
    out = {}
    for name, cid in ids.items():
        d = w.client.get(f"/api/cases/{cid}", headers=w.h("leader")).json()
        d.pop("remaining_seconds")  # time passes
        out[name] = d
    out["list"] = w.client.get("/api/cases", params={"sort": "id"}, headers=w.h("leader")).json()
    for item in out["list"]["items"]:
        item.pop("remaining_seconds")
    return out


def test_restart_loses_nothing(settings):
    app = create_app(settings)
    with TestClient(app) as client:
        uids, depts = seed_world(app)
        w = World(client, app, users=uids, departments=depts)
        for name in uids:
            r = client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
            w.tokens[name] = r.json()["token"]
        ids = _drive(w)
        key_h = {**w.h("acceptor"), "Idempotency-Key": "restart-key-1"}
        first = client.post("/api/cases", json={**EVENT, "description": "idem"}, headers=key_h)
        assert first.status_code == 201
        before = _snapshot(w, ids)
    # the first server is shut down (lifespan ended, engine disposed); a new one on the same database
    app2 = create_app(settings)
    with TestClient(app2) as client2:
        w2 = World(client2, app2, tokens=w.tokens, users=uids, departments=depts)  # old tokens still valid
        after = _snapshot(w2, ids)
        assert after == before
        ext, sus, closed = after["extended"], after["suspended"], after["closed"]
        assert (ext["extension_count"], ext["urge_count"], ext["state"]) == (1, 1, "handling")
        assert ext["deadline_at"] is not None and [e["action"] for e in ext["events"]][-3:] == \
            ["request_extension", "approve_extension", "urge"]
        assert sus["state"] == "suspended" and sus["remaining_at_pause"] > 0 and sus["deadline_at"] is None
        assert (closed["state"], closed["rework_count"], closed["close_type"]) == ("closed", 1, "normal")
        assert [e["action"] for e in closed["events"]] == ["report", "accept", "file", "dispatch", "feedback",
                                                           "rework", "feedback", "send_check", "answer_check",
                                                           "close"]
        photo = after["reported"]["photos"]["report"][0]
        assert client2.get(photo["url"]).content == JPEG
        again = client2.post("/api/cases", json={**EVENT, "description": "idem"}, headers=key_h)
        assert again.content == first.content and again.headers["idempotent-replay"] == "true"
        # numbering continues
        numbers = [x["number"] for x in after["list"]["items"]]
        assert first.json()["number"] in numbers and len(numbers) == 5
        new = client2.post("/api/cases", json=EVENT, headers=w2.h("acceptor")).json()["number"]
        assert int(new[8:]) == max(int(n[8:]) for n in numbers) + 1
