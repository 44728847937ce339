"""The case state machine (app/domain/workflow.py): roles, states, reasons, pending requests, allowed()."""
from __future__ import annotations

import itertools

import pytest

from app.domain.workflow import (ACTIVE_STATES, HANDLING_STATES, BACK, CHECK_FAILED, CHECK_PASSED, PAUSED_STATES, STAGE_OF_STATE, DEFAULT_TRANSITIONS, DEFAULT_WORKFLOW, FINAL_STATES, OPEN_STATES, SAME,
                                 Action, MissingReason, Pending, Role, State, Transition, Workflow,
                                 WorkflowError, WrongRole, WrongState)

WF = DEFAULT_WORKFLOW
PENDINGS: list[Pending | None] = [None, *Pending]
CASES = [(t, s) for t in DEFAULT_TRANSITIONS for s in sorted(t.sources)]


def _ok_pending(t: Transition) -> Pending | None:
    return t.requires_pending  # None unless an approval needs the open request


def _expected(t: Transition, source: State, back: State) -> State:
    return source if t.target == SAME else back if t.target == BACK else State(t.target)


def test_every_action_has_one_transition() -> None:
    assert {t.action for t in DEFAULT_TRANSITIONS} == set(Action)
    assert len(DEFAULT_TRANSITIONS) == len(Action)


@pytest.mark.parametrize("t, source", CASES, ids=[f"{t.action}-{s}" for t, s in CASES])
def test_transition_with_every_right_role(t: Transition, source: State) -> None:
    for role in t.roles:
        got = WF.check(source, t.action, role, pending=_ok_pending(t), reason="reason",
                       back_state=State.PENDING_FILING, checked=CHECK_PASSED)
        assert got == _expected(t, source, State.PENDING_FILING)


@pytest.mark.parametrize("t", DEFAULT_TRANSITIONS, ids=[t.action.value for t in DEFAULT_TRANSITIONS])
def test_every_wrong_role_is_refused(t: Transition) -> None:
    source = sorted(t.sources)[0]
    for role in set(Role) - t.roles:
        with pytest.raises(WrongRole) as e:
            WF.check(source, t.action, role, pending=_ok_pending(t), reason="r", back_state=State.REPORTED)
        assert e.value.status == 403 and role.value in str(e.value)


@pytest.mark.parametrize("t", DEFAULT_TRANSITIONS, ids=[t.action.value for t in DEFAULT_TRANSITIONS])
def test_every_wrong_state_is_refused(t: Transition) -> None:
    role = sorted(t.roles)[0]
    for state in set(State) - t.sources:
        with pytest.raises(WrongState) as e:
            WF.check(state, t.action, role, pending=_ok_pending(t), reason="r", back_state=State.REPORTED)
        assert e.value.status == 409


def test_final_states_allow_nothing() -> None:
    for state, role, pending in itertools.product(FINAL_STATES, Role, PENDINGS):
        assert WF.allowed(state, role, pending) == []


@pytest.mark.parametrize("t", DEFAULT_TRANSITIONS, ids=[t.action.value for t in DEFAULT_TRANSITIONS])
def test_needs_reason_is_enforced(t: Transition) -> None:
    source, role = sorted(t.sources)[0], sorted(t.roles)[0]
    for reason in (None, "", "   \n"):
        call = lambda: WF.check(source, t.action, role, pending=_ok_pending(t), reason=reason,  # noqa: E731
                                back_state=State.PENDING_FILING, checked=CHECK_PASSED)
        if t.needs_reason:
            with pytest.raises(MissingReason) as e:
                call()
            assert e.value.status == 422
        else:
            call()


def test_returns_and_reworks_need_a_reason() -> None:
    for a in (Action.REJECT, Action.NOT_FILE, Action.RETURN_TO_FILING, Action.DEPT_RETURN, Action.REWORK,
              Action.VOID, Action.REQUEST_EXTENSION, Action.REQUEST_SUSPENSION):
        assert WF.transition(a).needs_reason, a


def test_back_returns_to_back_state() -> None:
    for back in (State.REPORTED, State.PENDING_FILING):
        assert WF.check(State.VERIFYING, Action.ANSWER_VERIFY, Role.INSPECTOR, back_state=back) == back
    assert WF.check(State.CHECKING, "answer_check", "inspector", back_state="pending_check") == State.PENDING_CHECK
    with pytest.raises(WrongState):
        WF.check(State.VERIFYING, Action.ANSWER_VERIFY, Role.INSPECTOR)


def test_pending_request_rules() -> None:
    h, d, disp = State.HANDLING, Role.DEPARTMENT, Role.DISPATCHER
    # a second request while one is open is refused
    for action, pending in itertools.product((Action.REQUEST_EXTENSION, Action.REQUEST_POSTPONEMENT,
                                              Action.REQUEST_SUSPENSION), Pending):
        with pytest.raises(WrongState):
            WF.check(h, action, d, pending=pending, reason="r")
    assert WF.check(h, Action.REQUEST_EXTENSION, d, reason="r") == h
    # approvals and denials need the matching open request
    for action, needed in ((Action.APPROVE_EXTENSION, Pending.EXTENSION),
                           (Action.DENY_EXTENSION, Pending.EXTENSION),
                           (Action.APPROVE_POSTPONEMENT, Pending.POSTPONEMENT),
                           (Action.DENY_POSTPONEMENT, Pending.POSTPONEMENT),
                           (Action.APPROVE_SUSPENSION, Pending.SUSPENSION),
                           (Action.DENY_SUSPENSION, Pending.SUSPENSION)):
        for wrong in (None, *(set(Pending) - {needed})):
            with pytest.raises(WrongState):
                WF.check(h, action, disp, pending=wrong, reason="r")
        WF.check(h, action, disp, pending=needed, reason="r")
    assert WF.check(h, Action.APPROVE_SUSPENSION, Role.LEADER, pending="suspension") == State.SUSPENDED
    assert WF.check(h, Action.APPROVE_EXTENSION, Role.LEADER, pending="extension") == State.HANDLING


def _permitted(wf: Workflow, state: State, role: Role, pending: Pending | None) -> set[Action]:
    out = set()
    for a in Action:
        try:
            wf.check(state, a, role, pending=pending, reason="r", back_state=State.REPORTED)
            out.add(a)
        except WorkflowError:
            pass
    return out


def test_allowed_lists_exactly_the_permitted_actions() -> None:
    for state, role, pending in itertools.product(State, Role, PENDINGS):
        allowed = WF.allowed(state, role, pending)
        assert len(allowed) == len(set(allowed))
        assert set(allowed) == _permitted(WF, state, role, pending), (state, role, pending)


def test_allowed_examples() -> None:
    assert set(WF.allowed("reported", "acceptor")) == {Action.ACCEPT, Action.REJECT, Action.SEND_VERIFY}
    assert set(WF.allowed("handling", "department")) == {
        Action.DEPT_RETURN, Action.REQUEST_EXTENSION, Action.REQUEST_POSTPONEMENT, Action.REQUEST_SUSPENSION,
        Action.FEEDBACK}
    assert set(WF.allowed("handling", "department", "extension")) == {Action.DEPT_RETURN, Action.FEEDBACK}
    assert set(WF.allowed("handling", "dispatcher", "suspension")) == {
        Action.APPROVE_SUSPENSION, Action.DENY_SUSPENSION, Action.URGE}
    assert set(WF.allowed("pending_check", "shift_leader")) == {Action.REWORK}  # not checked yet
    assert set(WF.allowed("pending_check", "shift_leader", checked=CHECK_PASSED)) == {Action.REWORK, Action.CLOSE}
    assert WF.allowed("reported", "inspector") == []


def test_every_state_is_reachable_from_reported() -> None:
    seen, todo = {State.REPORTED}, [State.REPORTED]
    while todo:
        s = todo.pop()
        for t in DEFAULT_TRANSITIONS:
            if s in t.sources and t.target not in (SAME, BACK):
                if (nxt := State(t.target)) not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
    assert seen == set(State)
    assert OPEN_STATES | FINAL_STATES == set(State)


def test_happy_path() -> None:
    steps = [(Action.ACCEPT, Role.ACCEPTOR), (Action.FILE, Role.SHIFT_LEADER), (Action.DISPATCH, Role.DISPATCHER),
             (Action.FEEDBACK, Role.DEPARTMENT), (Action.CLOSE, Role.SHIFT_LEADER)]
    state = State.REPORTED
    for action, role in steps:
        state = WF.check(state, action, role, checked=CHECK_PASSED if action == Action.CLOSE else None)
    assert state == State.CLOSED


def test_role_overrides_fold_the_shift_leader_into_the_acceptor() -> None:
    wf = Workflow(role_overrides={"file": ["shift_leader", "acceptor"], "close": ["acceptor"]})
    assert wf.check("pending_filing", "file", "acceptor") == State.PENDING_DISPATCH
    assert Action.CLOSE in wf.allowed("pending_check", "acceptor", checked=CHECK_PASSED)
    with pytest.raises(WrongRole):
        wf.check("pending_check", "close", "shift_leader")
    assert WF.transition("file").roles == {Role.SHIFT_LEADER}  # the default is untouched


def test_unknown_names_are_value_errors() -> None:
    with pytest.raises(ValueError):
        WF.check("reported", "teleport", "acceptor")
    with pytest.raises(ValueError):
        WF.check("limbo", "accept", "acceptor")
    with pytest.raises(ValueError):
        WF.check("reported", "accept", "janitor")


# ---------------------------------------------------------------------- close needs a passed check
def test_close_needs_a_passed_check_by_default() -> None:
    for checked in (None, CHECK_FAILED):
        with pytest.raises(WrongState, match="passed check"):
            WF.check("pending_check", "close", "shift_leader", checked=checked)
        assert Action.CLOSE not in WF.allowed("pending_check", "shift_leader", checked=checked)
    assert WF.check("pending_check", "close", "shift_leader", checked=CHECK_PASSED) == State.CLOSED
    assert Action.CLOSE in WF.allowed("pending_check", "shift_leader", checked=CHECK_PASSED)


def test_a_city_may_close_on_the_departments_word() -> None:
    wf = Workflow.from_config({"roles": {"close": ["shift_leader", "acceptor"]},
                               "rules": {"close_requires_check": False}})
    assert wf.check("pending_check", "close", "acceptor") == State.CLOSED
    assert Action.CLOSE in wf.allowed("pending_check", "shift_leader")
    assert Workflow.from_config(wf.config()).config() == wf.config()  # what clients get rebuilds it
    assert Workflow.from_config({"file": ["acceptor"]}).roles_for("file") == {Role.ACCEPTOR}  # the old shape
    with pytest.raises(ValueError, match="unknown workflow rule"):
        Workflow(rules={"close_without_anything": True})


def test_stages_are_defined_once_and_paused_states_have_none() -> None:
    assert set(STAGE_OF_STATE) == OPEN_STATES - PAUSED_STATES


def test_postponement_and_suspension_are_two_states() -> None:
    """缓办: handled later against an approved date: the handling clock still runs, the department
    feeds back from it, it stays active. 挂账: hung up, no clock, out of the active count, resumed."""
    h, d = State.HANDLING, Role.DEPARTMENT
    assert WF.check(h, Action.APPROVE_POSTPONEMENT, Role.DISPATCHER, pending="postponement") == State.POSTPONED
    assert WF.check(h, Action.APPROVE_SUSPENSION, Role.DISPATCHER, pending="suspension") == State.SUSPENDED
    assert STAGE_OF_STATE[State.POSTPONED] == STAGE_OF_STATE[State.HANDLING]
    assert State.SUSPENDED not in STAGE_OF_STATE
    assert State.POSTPONED in HANDLING_STATES and State.POSTPONED in ACTIVE_STATES
    assert State.SUSPENDED not in ACTIVE_STATES and State.SUSPENDED in OPEN_STATES
    assert set(WF.allowed(State.POSTPONED, d)) == {Action.FEEDBACK}
    assert set(WF.allowed(State.SUSPENDED, d)) == set()
    assert set(WF.allowed(State.POSTPONED, Role.DISPATCHER)) == {Action.URGE}
    assert Action.RESUME in WF.allowed(State.SUSPENDED, Role.DISPATCHER)
    with pytest.raises(MissingReason):
        WF.check(h, Action.REQUEST_POSTPONEMENT, d)
