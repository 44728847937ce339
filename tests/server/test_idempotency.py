"""Idempotency-Key on POSTs: a retry replays the first answer byte for byte and changes nothing;
a reused key with another request is refused; concurrent duplicates run once."""
from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone

import httpx
from fastapi import HTTPException
from sqlalchemy import func, select

from server_stub.db.models import Case, IdempotencyRecord
from server_stub.services import cases as svc
from server_stub.services import idempotency as idem

from .casekit import EVENT, bring_to, get, shared_world_fixture

sw = shared_world_fixture()


def _key() -> str:
    return uuid.uuid4().hex


def _cases_with(w, tag: str) -> int:
    with w.ctx.db.session() as s:
        return s.scalar(select(func.count()).select_from(Case).where(Case.description == tag))


def test_retry_of_a_report_makes_one_case(sw):
    tag, key = _key(), _key()
    h = {**sw.h("acceptor"), "Idempotency-Key": key}
    first = sw.client.post("/api/cases", json={**EVENT, "description": tag}, headers=h)
    second = sw.client.post("/api/cases", json={**EVENT, "description": tag}, headers=h)
    assert first.status_code == second.status_code == 201
    assert second.content == first.content  # byte for byte
    assert second.headers["content-type"] == first.headers["content-type"] == "application/json"
    assert second.headers["idempotent-replay"] == "true" and "idempotent-replay" not in first.headers
    assert _cases_with(sw, tag) == 1
    # a new key is a new request
    third = sw.client.post("/api/cases", json={**EVENT, "description": tag},
                           headers={**sw.h("acceptor"), "Idempotency-Key": _key()})
    assert third.status_code == 201 and third.json()["id"] != first.json()["id"]
    assert _cases_with(sw, tag) == 2


def test_retry_of_an_action_makes_one_transition(sw):
    cid = bring_to(sw, "reported")
    h = {**sw.h("acceptor"), "Idempotency-Key": _key()}
    first = sw.client.post(f"/api/cases/{cid}/actions/accept", json={"comment": "受理"}, headers=h)
    second = sw.client.post(f"/api/cases/{cid}/actions/accept", json={"comment": "受理"}, headers=h)
    assert first.status_code == second.status_code == 200 and second.content == first.content
    assert [e["action"] for e in get(sw, cid)["events"]] == ["report", "accept"]
    assert get(sw, cid)["version"] == 2
    # without the key the retry is a second request, which the workflow refuses
    again = sw.client.post(f"/api/cases/{cid}/actions/accept", json={"comment": "受理"}, headers=sw.h("acceptor"))
    assert again.status_code == 409
    # refusals are answers too: replayed, not re-run
    h2 = {**sw.h("acceptor"), "Idempotency-Key": _key()}
    r1 = sw.client.post(f"/api/cases/{cid}/actions/reject", json={}, headers=h2)
    r2 = sw.client.post(f"/api/cases/{cid}/actions/reject", json={}, headers=h2)
    assert r1.status_code == r2.status_code == 409 and r1.content == r2.content
    assert r2.headers["idempotent-replay"] == "true"


def test_key_reused_for_another_request(sw):
    key = _key()
    h = {**sw.h("acceptor"), "Idempotency-Key": key}
    assert sw.client.post("/api/cases", json={**EVENT, "description": "one"}, headers=h).status_code == 201
    for other in ({"json": {**EVENT, "description": "two"}, "headers": h},
                  {"json": {**EVENT, "description": "one"}, "headers": {**sw.h("leader"), "Idempotency-Key": key}}):
        r = sw.client.post("/api/cases", **other)
        assert r.status_code == 422 and r.json()["detail"] == "Idempotency-Key reused with a different request"
    r = sw.client.post("/api/cases/1/actions/urge", json={}, headers=h)  # another path
    assert r.status_code == 422
    r = sw.client.post("/api/cases", json=EVENT, headers={**sw.h("acceptor"), "Idempotency-Key": "x" * 101})
    assert r.status_code == 422 and "Idempotency-Key" in r.text


def test_server_errors_are_not_kept(sw, monkeypatch):
    calls = []
    real = svc.run_report

    def flaky(*a, **kw):
        calls.append(1)
        if len(calls) == 1:
            raise HTTPException(503, "database restarting")
        return real(*a, **kw)

    monkeypatch.setattr(svc, "run_report", flaky)
    tag = _key()
    h = {**sw.h("acceptor"), "Idempotency-Key": _key()}
    assert sw.client.post("/api/cases", json={**EVENT, "description": tag}, headers=h).status_code == 503
    r = sw.client.post("/api/cases", json={**EVENT, "description": tag}, headers=h)
    assert r.status_code == 201 and "idempotent-replay" not in r.headers and len(calls) == 2
    assert _cases_with(sw, tag) == 1


def test_concurrent_duplicates_run_once(sw):
    tag, key = _key(), _key()
    h = {**sw.h("acceptor"), "Idempotency-Key": key}

    async def burst():
        transport = httpx.ASGITransport(app=sw.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await asyncio.gather(*[client.post("/api/cases", json={**EVENT, "description": tag}, headers=h)
                                          for _ in range(8)])

    answers = asyncio.run(burst())
    assert _cases_with(sw, tag) == 1
    ok = [a for a in answers if a.status_code == 201]
    assert ok and all(a.status_code in (201, 409) for a in answers)
    assert len({a.content for a in ok}) == 1
    assert sum("idempotent-replay" not in a.headers for a in ok) == 1  # exactly one really ran


def test_in_progress_and_stale_keys(sw, monkeypatch):
    monkeypatch.setattr(idem, "WAIT_SECONDS", 0.3)
    body = {**EVENT, "description": _key()}
    key = _key()
    # what the middleware would hash for this request
    import json
    raw = json.dumps(body).encode()
    rhash = idem.request_hash("POST", "/api/cases", "", f"user:{sw.users['acceptor']}", raw)
    now = datetime.now(timezone.utc)
    with sw.ctx.db.transaction() as s:
        s.add(IdempotencyRecord(key=key, user_id=None, method="POST", path="/api/cases", request_hash=rhash,
                                status_code=0, body=b"", created_at=now))
    h = {**sw.h("acceptor"), "Idempotency-Key": key, "content-type": "application/json"}
    r = sw.client.post("/api/cases", content=raw, headers=h)
    assert r.status_code == 409 and "in progress" in r.text
    # the same record, left by a server that died long ago: taken over and run
    with sw.ctx.db.transaction() as s:
        s.get(IdempotencyRecord, key).created_at = now - timedelta(minutes=10)
    r = sw.client.post("/api/cases", content=raw, headers=h)
    assert r.status_code == 201, r.text
    assert _cases_with(sw, body["description"]) == 1
    r2 = sw.client.post("/api/cases", content=raw, headers=h)
    assert r2.content == r.content and r2.headers["idempotent-replay"] == "true"


def test_old_records_are_purged(sw):
    now = datetime.now(timezone.utc)
    old, recent = _key(), _key()
    with sw.ctx.db.transaction() as s:
        for key, age in ((old, timedelta(hours=25)), (recent, timedelta(hours=23))):
            s.add(IdempotencyRecord(key=key, method="POST", path="/api/cases", request_hash="x", status_code=201,
                                    body=idem.pack("application/json", b"{}"), created_at=now - age))
    assert idem.purge(sw.ctx) >= 1
    with sw.ctx.db.session() as s:
        assert s.get(IdempotencyRecord, old) is None and s.get(IdempotencyRecord, recent) is not None


def test_login_answers_are_never_stored(sw):
    key = _key()
    body = {"username": "leader", "password": "test-pw"}
    a = sw.client.post("/api/auth/login", json=body, headers={"Idempotency-Key": key})
    b = sw.client.post("/api/auth/login", json=body, headers={"Idempotency-Key": key})
    assert a.status_code == b.status_code == 200 and a.json()["token"] != b.json()["token"]
    with sw.ctx.db.session() as s:
        assert s.get(IdempotencyRecord, key) is None


def test_photo_upload_replay(sw):
    data = b"\xff\xd8\xff\xe0" + uuid.uuid4().bytes
    h = {**sw.h("inspector"), "Idempotency-Key": _key()}
    files = {"file": ("a.jpg", data, "image/jpeg")}
    first = sw.client.post("/api/photos", files=files, headers=h)
    # same key, same bytes, same multipart boundary: the stored 201, not a fresh 200 "already stored"
    boundary = first.request.headers["content-type"].split("boundary=")[1]
    second = sw.client.post("/api/photos", content=first.request.content,
                            headers={**h, "content-type": f"multipart/form-data; boundary={boundary}"})
    assert first.status_code == second.status_code == 201 and second.content == first.content
    assert second.headers["idempotent-replay"] == "true"
