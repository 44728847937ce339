"""The case state machine of shared/domain §5, with the roles allowed for each action.

Pure data and pure functions: the server enforces it, the client asks it which buttons to show.
Which roles may take an action is configurable per city (`Workflow(role_overrides=...)`), e.g. a
small city that folds the shift leader into the acceptor gives `file` to both. So are a few rules
(`Workflow(rules=...)`, see RULES), e.g. whether 结案 needs a passed 核查 first.

The city's workflow file (OCC_WORKFLOW_ROLES_FILE) is JSON: either {action: [roles]} (roles only)
or {"roles": {action: [roles]}, "rules": {"close_requires_check": false}}; `Workflow.from_config`
reads both shapes, and the server hands the same JSON to clients (GET /api/ref/workflow).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable, Mapping


class State(StrEnum):
    REPORTED = "reported"  # 上报, waiting for acceptance
    VERIFYING = "verifying"  # 核实 by an inspector
    PENDING_FILING = "pending_filing"  # 待立案
    PENDING_DISPATCH = "pending_dispatch"  # 待派遣
    HANDLING = "handling"  # 处置中
    POSTPONED = "postponed"  # 缓办: handling put off to an approved later date; the clock runs to that date
    SUSPENDED = "suspended"  # 挂账: hung up as unsolvable for now; no clock, out of the active count
    PENDING_CHECK = "pending_check"  # 待核查 (department fed back)
    CHECKING = "checking"  # 核查 by an inspector
    CLOSED = "closed"  # 结案
    VOID = "void"  # 作废 (不予受理 / 不予立案 / forced)


OPEN_STATES = frozenset(State) - {State.CLOSED, State.VOID}
FINAL_STATES = frozenset({State.CLOSED, State.VOID})
PAUSED_STATES = frozenset({State.SUSPENDED})  # open, but no clock runs (挂账 is out of handling stats)
# The department holds the case and the handling clock runs: 处置中, and 缓办 against its approved date
# (缓办 stays in the active count and the handling statistics; 挂账 leaves both).
HANDLING_STATES = frozenset({State.HANDLING, State.POSTPONED})
# What counts as a live case on the dashboards: open and not hung up (挂账).
ACTIVE_STATES = OPEN_STATES - PAUSED_STATES

# The stage clock that runs in each state (shared/domain §6). Paused and final states have none.
HANDLING_STAGE = "handling"
STAGE_OF_STATE: dict[str, str] = {
    State.REPORTED: "accept",
    State.VERIFYING: "verify",
    State.PENDING_FILING: "file",
    State.PENDING_DISPATCH: "dispatch",
    State.HANDLING: HANDLING_STAGE,
    State.POSTPONED: HANDLING_STAGE,  # the same handling clock, its deadline moved to the approved date
    State.PENDING_CHECK: "send_check",
    State.CHECKING: "check",
}

# What an inspector's check (核查) found; the case carries the latest in pending_data while it
# waits in PENDING_CHECK, so lists and the detail can say 待核查 / 核查通过 / 核查未通过.
CHECK_PASSED, CHECK_FAILED = "fixed", "not_fixed"


class Role(StrEnum):
    INSPECTOR = "inspector"  # 监督员
    ACCEPTOR = "acceptor"  # 受理员
    SHIFT_LEADER = "shift_leader"  # 值班长
    DISPATCHER = "dispatcher"  # 派遣员
    DEPARTMENT = "department"  # 专业部门
    LEADER = "leader"  # 领导
    ADMIN = "admin"  # 管理员


# Roles that see every inspector's position, track and phone: the command hall and leaders (an
# inspector sees its own, a department none).
POSITION_ROLES = frozenset({Role.ACCEPTOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.LEADER, Role.ADMIN})


class Action(StrEnum):
    ACCEPT = "accept"  # 受理
    REJECT = "reject"  # 不予受理
    SEND_VERIFY = "send_verify"  # 派发核实
    ANSWER_VERIFY = "answer_verify"  # 核实反馈
    FILE = "file"  # 立案
    NOT_FILE = "not_file"  # 不予立案
    DISPATCH = "dispatch"  # 派遣
    RETURN_TO_FILING = "return_to_filing"  # 回退 (wrong class)
    DEPT_RETURN = "dept_return"  # 部门退回 (not ours)
    REQUEST_EXTENSION = "request_extension"  # 申请延期
    APPROVE_EXTENSION = "approve_extension"
    DENY_EXTENSION = "deny_extension"
    REQUEST_POSTPONEMENT = "request_postponement"  # 申请缓办 (until: the later date)
    APPROVE_POSTPONEMENT = "approve_postponement"
    DENY_POSTPONEMENT = "deny_postponement"
    REQUEST_SUSPENSION = "request_suspension"  # 申请挂账
    APPROVE_SUSPENSION = "approve_suspension"
    DENY_SUSPENSION = "deny_suspension"
    RESUME = "resume"  # 恢复 (from 挂账)
    FEEDBACK = "feedback"  # 处置反馈
    SEND_CHECK = "send_check"  # 派发核查
    ANSWER_CHECK = "answer_check"  # 核查反馈
    REWORK = "rework"  # 返工
    CLOSE = "close"  # 结案
    VOID = "void"  # 作废 (forced)
    URGE = "urge"  # 督办/催办


class CaseOp(StrEnum):
    """Case operations that change no state: not in the transition table, but their roles are set
    in the city's workflow file like an action's ({"attach_evidence": ["acceptor", ...]})."""
    ATTACH_EVIDENCE = "attach_evidence"  # 截图取证: a video snapshot attached to a case


class CloseType(StrEnum):
    NORMAL = "normal"  # 正常结案
    OVERDUE = "overdue"  # 超期结案
    ERROR = "error"  # 误报/错误结案
    SPECIAL = "special"  # 特殊结案


class Pending(StrEnum):
    """A request waiting for approval while the case stays in HANDLING."""
    EXTENSION = "extension"
    POSTPONEMENT = "postponement"  # 缓办
    SUSPENSION = "suspension"  # 挂账


# Where an action's target is not a fixed state.
SAME = "same"  # the state does not change (urge, requests, approvals of extension)
BACK = "back"  # back to the state the case was in before verification/check


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[State]
    target: State | str  # a State, SAME or BACK
    roles: frozenset[Role]
    needs_reason: bool = False
    requires_pending: Pending | None = None  # approvals need the matching open request
    forbids_pending: bool = False  # a second request while one is open is refused
    label_zh: str = ""


def _t(action: Action, sources: Iterable[State], target: State | str, roles: Iterable[Role],
       label_zh: str, needs_reason: bool = False, requires_pending: Pending | None = None,
       forbids_pending: bool = False) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), needs_reason,
                      requires_pending, forbids_pending, label_zh)


S, R, A = State, Role, Action
DEFAULT_TRANSITIONS: tuple[Transition, ...] = (
    _t(A.ACCEPT, [S.REPORTED], S.PENDING_FILING, [R.ACCEPTOR], "受理"),
    _t(A.REJECT, [S.REPORTED], S.VOID, [R.ACCEPTOR], "不予受理", needs_reason=True),
    _t(A.SEND_VERIFY, [S.REPORTED, S.PENDING_FILING], S.VERIFYING, [R.ACCEPTOR], "派发核实"),
    _t(A.ANSWER_VERIFY, [S.VERIFYING], BACK, [R.INSPECTOR, R.ACCEPTOR], "核实反馈"),
    _t(A.FILE, [S.PENDING_FILING], S.PENDING_DISPATCH, [R.SHIFT_LEADER], "立案"),
    _t(A.NOT_FILE, [S.PENDING_FILING], S.VOID, [R.SHIFT_LEADER], "不予立案", needs_reason=True),
    _t(A.DISPATCH, [S.PENDING_DISPATCH], S.HANDLING, [R.DISPATCHER], "派遣"),
    _t(A.RETURN_TO_FILING, [S.PENDING_DISPATCH], S.PENDING_FILING, [R.DISPATCHER], "回退立案",
       needs_reason=True),
    _t(A.DEPT_RETURN, [S.HANDLING], S.PENDING_DISPATCH, [R.DEPARTMENT], "部门退回", needs_reason=True),
    _t(A.REQUEST_EXTENSION, [S.HANDLING], SAME, [R.DEPARTMENT], "申请延期", needs_reason=True,
       forbids_pending=True),
    _t(A.APPROVE_EXTENSION, [S.HANDLING], SAME, [R.DISPATCHER, R.LEADER], "批准延期",
       requires_pending=Pending.EXTENSION),
    _t(A.DENY_EXTENSION, [S.HANDLING], SAME, [R.DISPATCHER, R.LEADER], "驳回延期", needs_reason=True,
       requires_pending=Pending.EXTENSION),
    _t(A.REQUEST_POSTPONEMENT, [S.HANDLING], SAME, [R.DEPARTMENT], "申请缓办", needs_reason=True,
       forbids_pending=True),
    _t(A.APPROVE_POSTPONEMENT, [S.HANDLING], S.POSTPONED, [R.DISPATCHER, R.LEADER], "批准缓办",
       requires_pending=Pending.POSTPONEMENT),
    _t(A.DENY_POSTPONEMENT, [S.HANDLING], SAME, [R.DISPATCHER, R.LEADER], "驳回缓办", needs_reason=True,
       requires_pending=Pending.POSTPONEMENT),
    _t(A.REQUEST_SUSPENSION, [S.HANDLING], SAME, [R.DEPARTMENT], "申请挂账", needs_reason=True,
       forbids_pending=True),
    _t(A.APPROVE_SUSPENSION, [S.HANDLING], S.SUSPENDED, [R.DISPATCHER, R.LEADER], "批准挂账",
       requires_pending=Pending.SUSPENSION),
    _t(A.DENY_SUSPENSION, [S.HANDLING], SAME, [R.DISPATCHER, R.LEADER], "驳回挂账", needs_reason=True,
       requires_pending=Pending.SUSPENSION),
    _t(A.RESUME, [S.SUSPENDED], S.HANDLING, [R.DISPATCHER, R.LEADER], "恢复处置"),
    _t(A.FEEDBACK, [S.HANDLING, S.POSTPONED], S.PENDING_CHECK, [R.DEPARTMENT], "处置反馈"),
    _t(A.SEND_CHECK, [S.PENDING_CHECK], S.CHECKING, [R.ACCEPTOR, R.DISPATCHER], "派发核查"),
    _t(A.ANSWER_CHECK, [S.CHECKING], BACK, [R.INSPECTOR, R.ACCEPTOR], "核查反馈"),
    _t(A.REWORK, [S.PENDING_CHECK], S.HANDLING, [R.DISPATCHER, R.SHIFT_LEADER], "返工",
       needs_reason=True),
    _t(A.CLOSE, [S.PENDING_CHECK], S.CLOSED, [R.SHIFT_LEADER], "结案"),
    _t(A.VOID, OPEN_STATES, S.VOID, [R.LEADER, R.ADMIN], "作废", needs_reason=True),
    _t(A.URGE, OPEN_STATES, SAME, [R.LEADER, R.DISPATCHER], "督办"),
)
DEFAULT_OP_ROLES: dict[CaseOp, frozenset[Role]] = {
    CaseOp.ATTACH_EVIDENCE: frozenset({R.ACCEPTOR, R.SHIFT_LEADER, R.DISPATCHER, R.LEADER, R.ADMIN}),
}
_OPS = frozenset(op.value for op in CaseOp)
del S, R, A


class WorkflowError(Exception):
    """Base of refusals; `status` is the HTTP status the server answers with."""
    status = 409


class WrongState(WorkflowError):
    status = 409


class WrongRole(WorkflowError):
    status = 403


class MissingReason(WorkflowError):
    status = 422


# Per-city rules with their defaults. close_requires_check: 结案 only after the inspector's check
# found the problem fixed (the national model: 核查结案); a city may close on the department's word.
RULES: dict[str, bool] = {"close_requires_check": True}


def check_result(case: Mapping) -> str | None:
    """The latest check result of a case dict in PENDING_CHECK (None: not checked since feedback)."""
    if case.get("state") != State.PENDING_CHECK or case.get("pending"):
        return None
    return (case.get("pending_data") or {}).get("check_result")


class Workflow:
    """The transition table, with per-city role overrides."""

    def __init__(self, role_overrides: Mapping[str, Iterable[str]] | None = None,
                 transitions: Iterable[Transition] = DEFAULT_TRANSITIONS, rules: Mapping[str, bool] | None = None):
        unknown = set(rules or {}) - set(RULES)
        if unknown:
            raise ValueError(f"unknown workflow rule(s) {', '.join(sorted(unknown))}; known: {', '.join(RULES)}")
        self.rules: dict[str, bool] = {**RULES, **{k: bool(v) for k, v in (rules or {}).items()}}
        self.role_overrides = {str(a): sorted(str(r) for r in rs) for a, rs in (role_overrides or {}).items()}
        table = {t.action: t for t in transitions}
        self._op_roles: dict[CaseOp, frozenset[Role]] = dict(DEFAULT_OP_ROLES)
        for action, roles in (role_overrides or {}).items():
            if str(action) in _OPS:
                self._op_roles[CaseOp(action)] = frozenset(Role(r) for r in roles)
                continue
            t = table[Action(action)]
            table[t.action] = Transition(t.action, t.sources, t.target, frozenset(Role(r) for r in roles),
                                         t.needs_reason, t.requires_pending, t.forbids_pending, t.label_zh)
        self._table: dict[Action, Transition] = table

    @classmethod
    def from_config(cls, config: Mapping | None) -> "Workflow":
        """From the city's workflow JSON: {action: [roles]} or {"roles": {...}, "rules": {...}}."""
        config = dict(config or {})
        if "roles" in config or "rules" in config:
            return cls(config.get("roles"), rules=config.get("rules"))
        return cls(config)

    def config(self) -> dict:
        """The JSON a client rebuilds this workflow from (Workflow.from_config)."""
        return {"roles": self.role_overrides, "rules": dict(self.rules)}

    @property
    def close_requires_check(self) -> bool:
        return self.rules["close_requires_check"]

    def roles_for(self, action: Action | CaseOp | str) -> frozenset[Role]:
        if str(action) in _OPS:
            return self._op_roles[CaseOp(action)]
        return self.transition(action).roles

    def check_op(self, op: CaseOp | str, role: Role | str) -> None:
        """Refuses (WrongRole) a role that may not do the operation."""
        op = CaseOp(op)
        if Role(role) not in self._op_roles[op]:
            raise WrongRole(f"'{op}' needs role {' or '.join(sorted(r.value for r in self._op_roles[op]))}; "
                            f"you are '{role}'")

    def transition(self, action: Action | str) -> Transition:
        return self._table[Action(action)]

    def check(self, state: State | str, action: Action | str, role: Role | str, *,
              pending: Pending | str | None = None, reason: str | None = None,
              back_state: State | str | None = None, checked: str | None = None) -> State:
        """The state after `action`, or a WorkflowError saying why it is refused."""
        t = self.transition(action)
        state = State(state)
        role = Role(role)
        if role not in t.roles:
            raise WrongRole(f"action '{t.action}' ({t.label_zh}) on a case in state '{state}' needs role "
                            f"{' or '.join(sorted(r.value for r in t.roles))}; you are '{role}'")
        if state not in t.sources:
            raise WrongState(f"action '{t.action}' ({t.label_zh}) is not possible: the case is "
                             f"'{state}'; it needs {' or '.join(sorted(s.value for s in t.sources))}")
        pending = Pending(pending) if pending else None
        if t.requires_pending and pending != t.requires_pending:
            raise WrongState(f"action '{t.action}' needs an open {t.requires_pending} request; "
                             f"the case has {pending or 'none'}")
        if t.forbids_pending and pending:
            raise WrongState(f"action '{t.action}' is not possible: a {pending} request is already open")
        if not self._check_passed(t.action, checked):
            raise WrongState(f"action '{t.action}' ({t.label_zh}) needs a passed check (核查通过) first: "
                             + ("the check found it not fixed: rework it or send another check"
                                if checked == CHECK_FAILED else "send an inspector to check (派发核查)"))
        if t.needs_reason and not (reason and reason.strip()):
            raise MissingReason(f"action '{t.action}' ({t.label_zh}) needs a reason")
        if t.target == SAME:
            return state
        if t.target == BACK:
            if not back_state:
                raise WrongState(f"action '{t.action}': the case has no state to return to")
            return State(back_state)
        return State(t.target)

    def _check_passed(self, action: Action, checked: str | None) -> bool:
        return action != Action.CLOSE or not self.close_requires_check or checked == CHECK_PASSED

    def allowed(self, state: State | str, role: Role | str, pending: Pending | str | None = None,
                checked: str | None = None) -> list[Action]:
        """The actions `role` may take now: what the case-detail panel shows, and nothing else.
        `checked`: the case's check result (check_result(case)), which 结案 may need."""
        state, role = State(state), Role(role)
        pending = Pending(pending) if pending else None
        out = []
        for t in self._table.values():
            if role not in t.roles or state not in t.sources:
                continue
            if t.requires_pending and pending != t.requires_pending:
                continue
            if t.forbids_pending and pending:
                continue
            if not self._check_passed(t.action, checked):
                continue
            out.append(t.action)
        return out


DEFAULT_WORKFLOW = Workflow()
