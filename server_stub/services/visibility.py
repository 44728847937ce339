"""Who sees what: the fields of a case each role reads, whose positions it sees, and the live-event
scope of one WebSocket. The API and the event stream both use these, so a socket never carries a
case, a field or a position its user could not read through the API.

- Cases: a department reads its department's cases, an inspector the cases it reported, is tasked
  with or that lie in its responsibility grids (services/cases.scope_clause); the command hall,
  leaders and admins read all. A citizen's contact (reporter_contact, usually a phone number)
  stays in the command hall: inspectors and departments get it as null.
- Positions: the hall, leaders and admins see every inspector's position and device; an inspector
  sees only its own; a department sees none.
- Urges (督办 / 催办, services/urges.py) and their replies: a department those sent to it, an
  inspector none, the hall, leaders and admins all.
"""
from __future__ import annotations

from typing import Any, Iterable

from app.domain.workflow import POSITION_ROLES, Role
# Case fields a role reads as null.
HIDDEN_CASE_FIELDS: dict[str, frozenset[str]] = {
    Role.INSPECTOR: frozenset({"reporter_contact"}),
    Role.DEPARTMENT: frozenset({"reporter_contact"}),
}
# Inspector fields only the position roles (and the inspector itself) read.
POSITION_FIELDS = ("device_id", "lon", "lat", "speed_kn", "bearing", "battery", "fix_at")


def case_view(role: str, case: dict) -> dict:
    """The case JSON as `role` may read it (a copy when something is hidden)."""
    hidden = HIDDEN_CASE_FIELDS.get(role)
    if not hidden or not any(case.get(k) is not None for k in hidden):
        return case
    return {**case, **{k: None for k in hidden if k in case}}


# What a citizen left in an Open311 report's log entry beyond the case's own fields.
HIDDEN_OPEN311 = frozenset({"email", "account_id", "device_id"})


def event_view(role: str | None, event: dict) -> dict:
    """A case-log entry as `role` may read it: where the contact is hidden, so is the citizen's
    e-mail (and account) that an Open311 report keeps in its log entry."""
    data = event.get("data")
    if role not in HIDDEN_CASE_FIELDS or not isinstance(data, dict) or not isinstance(data.get("open311"), dict):
        return event
    o311 = {k: v for k, v in data["open311"].items() if k not in HIDDEN_OPEN311}
    return {**event, "data": {**data, "open311": o311}}


def sees_positions_of(user: Any, inspector_id: int) -> bool:
    return user.role in POSITION_ROLES or (user.role == Role.INSPECTOR and user.id == inspector_id)


def inspector_view(user: Any, item: dict) -> dict:
    """An inspector row (reference list) without position and device for those who may not see them."""
    if sees_positions_of(user, item["user_id"]):
        return item
    return {**{k: v for k, v in item.items() if k not in POSITION_FIELDS}, "online": False}


class EventScope:
    """What one WebSocket user receives: `view(event)` → the event as the user may see it, or
    None. Runs on the event loop for every event, so it does no I/O: an inspector's grid codes
    are loaded by the caller (at connect and at every heartbeat, `set_grids`)."""

    def __init__(self, user: Any, grid_codes: Iterable[str] = ()):
        self.role, self.user_id, self.department_id = user.role, user.id, user.department_id
        self.grids: frozenset[str] = frozenset(grid_codes)
        self.seen: set = set()  # cases sent on this connection: the one that leaves scope is sent once more

    def set_grids(self, codes: Iterable[str]) -> None:
        self.grids = frozenset(codes)

    def _case_in_scope(self, d: dict) -> bool:
        if self.role == Role.DEPARTMENT:
            return self.department_id is not None and d.get("department_id") == self.department_id
        if self.role == Role.INSPECTOR:
            return (self.user_id in (d.get("reporter_id"), d.get("task_inspector_id"))
                    or d.get("grid_code") in self.grids)
        return True

    def _left_scope(self, d: dict) -> bool:
        if self.role == Role.DEPARTMENT and self.department_id is not None \
                and d.get("previous_department_id") == self.department_id:
            return True
        return d.get("id") in self.seen

    def view(self, event: dict) -> dict | None:
        t = event.get("type", "")
        d = event.get("data") or {}
        if t.startswith("case."):
            if self.role not in HIDDEN_CASE_FIELDS:
                return event
            cid = d.get("id")
            left = False
            if self._case_in_scope(d):
                self.seen.add(cid)
            elif self._left_scope(d):  # it was ours: the client sees it leave, then no more of it
                self.seen.discard(cid)
                left = True
            else:
                return None
            shown = case_view(self.role, d)
            if left:  # said outright: the client drops the case instead of keeping a stale copy
                return {**event, "data": shown, "left_scope": True}
            return event if shown is d else {**event, "data": shown}
        if t.startswith("urge."):  # an urge and its reply: the department it went to, and the hall
            if self.role == Role.DEPARTMENT:
                return event if self.department_id is not None and d.get("department_id") == self.department_id \
                    else None
            return None if self.role == Role.INSPECTOR else event
        if t == "inspector.position":
            uid = d.get("user_id")
            if self.role in POSITION_ROLES or (self.role == Role.INSPECTOR and uid == self.user_id):
                return event
            return None
        return event  # resync and other control events
