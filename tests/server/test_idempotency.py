"""Idempotency-Key on POSTs: a retry replays the first answer byte for byte and changes nothing;
a reused key with another request is refused; concurrent duplicates run once."""
from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone

import httpx
from fastapi import HTTPException
from sqlalchemy import func, select

from server_stub.db.models import Case, IdempotencyRecord, User
from server_stub.schemas.cases import CaseOut
from server_stub.services import cases as svc
from server_stub.services import idempotency as idem

from .casekit import EVENT, bring_to, get, shared_world_fixture
from .imagekit import image

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


def test_legacy_in_progress_claims(sw):
    """A status-0 claim (written by a server of the earlier claim-first design) is "in progress"
    while fresh and taken over once stale."""
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


class Died(Exception):
    """Stands for the server process dying at that point (nothing in the server handles it; the
    test client raises it)."""


def _die_in(monkeypatch, target, name: str, after: bool):
    """Makes `target.name` kill the request once, before or after running."""
    real = getattr(target, name)
    calls = []

    def dying(*a, **kw):
        calls.append(1)
        if len(calls) == 1 and not after:
            raise Died()
        out = real(*a, **kw)
        if len(calls) == 1:
            raise Died()
        return out
    monkeypatch.setattr(target, name, dying)
    return calls


def _urges(sw, cid: int) -> tuple[int, int]:
    d = get(sw, cid)
    return d["urge_count"], sum(e["action"] == "urge" for e in d["events"])


def test_death_after_the_commit_replays_the_answer(sw, monkeypatch):
    """The answer commits with the change: a server dying after the commit (before publishing or
    answering) leaves the stored answer, and the retry gets it without a second execution."""
    cid = bring_to(sw, "handling")
    h = {**sw.h("leader"), "Idempotency-Key": _key()}
    _die_in(monkeypatch, svc, "_publish", after=False)  # runs after the commit
    try:
        sw.client.post(f"/api/cases/{cid}/actions/urge", json={"comment": "督办"}, headers=h)
        raise AssertionError("the request should have died")
    except Died:
        pass
    assert _urges(sw, cid) == (1, 1)
    again = sw.client.post(f"/api/cases/{cid}/actions/urge", json={"comment": "督办"}, headers=h)
    assert again.status_code == 200 and again.headers["idempotent-replay"] == "true"
    assert again.json()["urge_count"] == 1 and _urges(sw, cid) == (1, 1)
    # a report likewise: one case
    _die_in(monkeypatch, svc, "_publish", after=False)
    tag = _key()
    h = {**sw.h("acceptor"), "Idempotency-Key": _key()}
    try:
        sw.client.post("/api/cases", json={**EVENT, "description": tag}, headers=h)
        raise AssertionError("the request should have died")
    except Died:
        pass
    again = sw.client.post("/api/cases", json={**EVENT, "description": tag}, headers=h)
    assert again.status_code == 201 and again.headers["idempotent-replay"] == "true"
    assert _cases_with(sw, tag) == 1


def test_death_before_the_commit_leaves_nothing(sw, monkeypatch):
    """Dying inside the unit of work (after the answer was written, before the commit) rolls both
    back: the key is free and the retry runs the request once."""
    cid = bring_to(sw, "handling")
    h = {**sw.h("leader"), "Idempotency-Key": _key()}
    _die_in(monkeypatch, idem, "seal", after=True)
    try:
        sw.client.post(f"/api/cases/{cid}/actions/urge", json={"comment": "督办"}, headers=h)
        raise AssertionError("the request should have died")
    except Died:
        pass
    assert _urges(sw, cid) == (0, 0)
    with sw.ctx.db.session() as s:
        assert s.get(IdempotencyRecord, h["Idempotency-Key"]) is None
    first = sw.client.post(f"/api/cases/{cid}/actions/urge", json={"comment": "督办"}, headers=h)
    assert first.status_code == 200 and "idempotent-replay" not in first.headers
    again = sw.client.post(f"/api/cases/{cid}/actions/urge", json={"comment": "督办"}, headers=h)
    assert again.content == first.content and _urges(sw, cid) == (1, 1)


def test_a_key_answered_meanwhile_rolls_the_second_run_back(sw):
    """Two runs of one key that both passed the look-up: the second's transaction finds the key
    taken, rolls back (no second urge) and replays the first answer."""
    cid = bring_to(sw, "handling")
    key = _key()
    h = {**sw.h("leader"), "Idempotency-Key": key}
    first = sw.client.post(f"/api/cases/{cid}/actions/urge", json={"comment": "督办"}, headers=h)
    user = sw.users["leader"]
    p = idem.Pending(key, user, f"/api/cases/{cid}/actions/urge", "not-looked-up")
    token = idem._pending.set(p)
    try:
        with sw.ctx.db.session() as s:
            leader = s.get(User, user)
            s.expunge(leader)
        try:
            svc.run_action(sw.ctx, cid, leader, "urge", answer=idem.json_answer(CaseOut), comment="督办")
            raise AssertionError("the key is taken")
        except idem.AlreadyAnswered:
            pass
    finally:
        idem._pending.reset(token)
    assert p.taken and not p.sealed
    assert first.json()["urge_count"] == 1 and _urges(sw, cid) == (1, 1)


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
    data = image()
    h = {**sw.h("inspector"), "Idempotency-Key": _key()}
    files = {"file": ("a.jpg", data, "image/jpeg")}
    first = sw.client.post("/api/photos", files=files, headers=h)
    # same key, same bytes, same multipart boundary: the stored 201, not a fresh 200 "already stored"
    boundary = first.request.headers["content-type"].split("boundary=")[1]
    second = sw.client.post("/api/photos", content=first.request.content,
                            headers={**h, "content-type": f"multipart/form-data; boundary={boundary}"})
    assert first.status_code == second.status_code == 201 and second.content == first.content
    assert second.headers["idempotent-replay"] == "true"


def test_open311_post_answer_commits_with_its_case(sw, monkeypatch):
    """A citizen's report through Open311 with a key: a server dying after the commit leaves the
    stored answer; the retry replays it and there is one case."""
    tag = _key()
    form = {"api_key": "demo-open311-key", "service_code": "event-0102", "lat": "31.3", "long": "120.6",
            "description": tag}
    h = {"Idempotency-Key": _key()}
    _die_in(monkeypatch, sw.ctx.bus, "publish", after=False)
    try:
        sw.client.post("/open311/v2/requests.json", data=form, headers=h)
        raise AssertionError("the request should have died")
    except Died:
        pass
    again = sw.client.post("/open311/v2/requests.json", data=form, headers=h)
    assert again.status_code == 201 and again.headers["idempotent-replay"] == "true", again.text
    assert _cases_with(sw, tag) == 1
