"""Which dock panels each role gets. The main window builds exactly these for the logged-in user.

The work panels follow the city's workflow (GET /api/ref/workflow): a role gets a panel when the
workflow lets it take one of the panel's actions, e.g. a city that lets acceptors file (立案) gives
them the filing panel too. The rest is fixed (shared/domain §5: who does what in the command hall).
"""
from __future__ import annotations

from app.domain.workflow import Action, Workflow

# dock key -> roles that always see it
DOCK_ROLES: dict[str, frozenset[str]] = {
    "accept": frozenset({"admin"}),
    "file": frozenset({"admin"}),
    "dispatch": frozenset({"admin"}),
    "supervision": frozenset({"leader", "admin"}),  # 督查督办: the leader's workspace
    "timing": frozenset({"acceptor", "shift_leader", "dispatcher", "leader", "admin"}),
    "department": frozenset({"department"}),
    "tasks": frozenset({"inspector"}),  # 核实 / 核查 tasks
    "tracks": frozenset({"acceptor", "shift_leader", "dispatcher", "leader", "admin"}),  # 轨迹回放
    "video": frozenset({"acceptor", "shift_leader", "dispatcher", "leader"}),  # 视频墙
    "detail": frozenset({"inspector", "acceptor", "shift_leader", "dispatcher", "department", "leader", "admin"}),
}
# dock key -> the actions it is for: whoever the workflow gives one of them gets the dock
DOCK_ACTIONS: dict[str, tuple[Action, ...]] = {
    "accept": (Action.ACCEPT, Action.REJECT),
    "file": (Action.FILE, Action.NOT_FILE),
    # approvals are not among them: a leader approves in the case detail, not from the dispatcher's panel
    "dispatch": (Action.DISPATCH, Action.RETURN_TO_FILING, Action.CLOSE, Action.REWORK),
}


def docks_for(role: str, workflow: Workflow | None = None) -> list[str]:
    from app.api.city_config import current_workflow
    wf = workflow or current_workflow()
    out = []
    for key, roles in DOCK_ROLES.items():
        if role in roles or any(role in {r.value for r in wf.roles_for(a)} for a in DOCK_ACTIONS.get(key, ())):
            out.append(key)
    return out
