"""Every transition of the workflow table through the API: the right role in the right state moves
the case (logged, version +1); every other role is refused (403, or 404 where the case is out of its
scope); a wrong state is refused (409); a missing reason is refused (422).

One server per database for the whole module (refusals change nothing, and every test makes its
own cases), so the table runs in seconds."""
from __future__ import annotations

import pytest

from app.domain.workflow import BACK, DEFAULT_TRANSITIONS, OPEN_STATES, SAME, Action, Role, State

from .casekit import act, bring_to, get, params, pooled, shared_world_fixture

ORDER = list(State)
DISPATCHED = {State.HANDLING, State.POSTPONED, State.SUSPENDED, State.PENDING_CHECK, State.CHECKING, State.CLOSED}


tw = shared_world_fixture()


def source_of(t) -> State:
    return State.HANDLING if State.HANDLING in t.sources else min(t.sources, key=ORDER.index)


def wrong_state_of(t) -> State:
    """A state outside the sources in which an allowed role can still see the case."""
    if t.roles == {Role.DEPARTMENT}:
        return State.PENDING_CHECK
    for s in (State.REPORTED, State.PENDING_DISPATCH, State.CLOSED):
        if s not in t.sources:
            return s
    raise AssertionError(t)


def visible(role: str, state: State) -> bool:
    return role != "department" or state in DISPATCHED


@pytest.mark.parametrize("t", DEFAULT_TRANSITIONS, ids=[t.action.value for t in DEFAULT_TRANSITIONS])
def test_transition(tw, t):
    p = params(tw)[t.action.value]
    src = source_of(t)
    cid = bring_to(tw, src, pending=t.requires_pending)
    before = get(tw, cid)
    path = f"/api/cases/{cid}/actions/{t.action.value}"

    # every role not in the table is refused, and nothing changes
    for role in Role:
        if role in t.roles:
            continue
        r = tw.client.post(path, json=p, headers=tw.h(role.value))
        want = 403 if visible(role.value, src) else 404
        assert r.status_code == want, f"{role}: {r.status_code} {r.text}"
        if want == 403:
            assert t.action.value in r.json()["detail"] and role.value in r.json()["detail"]
    # a department that is not the case's never sees it
    assert tw.client.post(path, json=p, headers=tw.h("department2")).status_code == 404

    role = sorted(t.roles)[0].value
    assert t.action.value in get(tw, cid, role)["allowed_actions"]
    if t.needs_reason:
        r = tw.client.post(path, json={k: v for k, v in p.items() if k != "reason"}, headers=tw.h(role))
        assert r.status_code == 422 and "reason" in r.json()["detail"], r.text
        r = tw.client.post(path, json={**p, "reason": "   "}, headers=tw.h(role))
        assert r.status_code == 422
    assert get(tw, cid)["version"] == before["version"]  # refusals changed nothing

    out = act(tw, cid, t.action.value, role, **p)
    want_state = {SAME: src, BACK: before["back_state"]}.get(t.target, t.target)
    assert out["state"] == want_state
    assert out["version"] == before["version"] + 1
    ev = get(tw, cid)["events"][-1]
    assert (ev["action"], ev["from_state"], ev["to_state"]) == (t.action.value, src.value, want_state)
    assert ev["actor_id"] == tw.users[role] and ev["actor_role"] == role and ev["actor_name"] == f"{role} user"
    if t.needs_reason:
        assert ev["comment"] == p["reason"]

    # the same action in a wrong state: 409, naming the state
    wrong = wrong_state_of(t)
    cid2 = pooled(tw, wrong)
    r = tw.client.post(f"/api/cases/{cid2}/actions/{t.action.value}", json=p, headers=tw.h(role))
    assert r.status_code == 409 and wrong.value in r.json()["detail"], r.text


@pytest.mark.parametrize("action", ["approve_extension", "deny_extension", "approve_postponement",
                                    "deny_postponement", "approve_suspension", "deny_suspension"])
def test_approval_needs_an_open_request(tw, action):
    cid = bring_to(tw, State.HANDLING)
    r = tw.client.post(f"/api/cases/{cid}/actions/{action}", json=params(tw)[action], headers=tw.h("leader"))
    assert r.status_code == 409 and "request" in r.json()["detail"]


def test_second_request_while_one_is_open(tw):
    cid = bring_to(tw, State.HANDLING, pending="extension")
    r = tw.client.post(f"/api/cases/{cid}/actions/request_suspension", json={"reason": "x"},
                       headers=tw.h("department"))
    assert r.status_code == 409 and "already open" in r.json()["detail"]


def test_every_action_has_a_transition():
    assert {t.action for t in DEFAULT_TRANSITIONS} == set(Action)
    assert set(OPEN_STATES) >= {source_of(t) for t in DEFAULT_TRANSITIONS}
