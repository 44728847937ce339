"""Which dock panels each role gets. The main window builds exactly these for the logged-in user."""
from __future__ import annotations

# dock key -> roles that see it (shared/domain §5: who does what in the command hall)
DOCK_ROLES: dict[str, frozenset[str]] = {
    "accept": frozenset({"acceptor", "admin"}),
    "file": frozenset({"shift_leader", "acceptor_files", "admin"}),
    "dispatch": frozenset({"dispatcher", "shift_leader", "leader", "admin"}),  # shift leaders close fed-back cases there
    "timing": frozenset({"acceptor", "shift_leader", "dispatcher", "leader", "admin"}),
    "department": frozenset({"department"}),
    "tasks": frozenset({"inspector"}),  # 核实 / 核查 tasks
    "tracks": frozenset({"acceptor", "shift_leader", "dispatcher", "leader", "admin"}),  # 轨迹回放
    "detail": frozenset({"inspector", "acceptor", "shift_leader", "dispatcher", "department", "leader", "admin"}),
}


def docks_for(role: str) -> list[str]:
    return [key for key, roles in DOCK_ROLES.items() if role in roles]
