"""Supervision (督查督办): how a leader's urges escalate, and what the overdue board groups by.

Pure data and functions, shared by the server (which records the level) and the client (which
shows it). shared/domain §5: "any open state --urge (督办/催办, leader or dispatcher)--> same state,
flagged and logged"; who may urge follows the city's workflow (Action.URGE).

Two kinds: 催办 (urge: "get on with it") and 督办 (supervise: stronger, the department must reply
by a date). Repeated urging of one case escalates: the n-th urge of a case is level n, and never
below one above the last urge's level, up to MAX_LEVEL; a 督办 is at least SUPERVISE_MIN_LEVEL (it
is the stronger step whenever it comes), so a 催办 after a first 督办 is level 3.
"""
from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum


class UrgeKind(StrEnum):
    URGE = "urge"  # 催办
    SUPERVISE = "supervise"  # 督办: a reply is due by a date


MAX_LEVEL = 3  # 一级 / 二级 / 三级: beyond the third urge the level stays at the top
SUPERVISE_MIN_LEVEL = 2
MESSAGE_MAX = 1000  # characters of an urge's message
REPLY_MAX = 2000  # characters of the department's reply
MAX_CASES_PER_URGE = 200  # one request urges at most this many cases (the board's selection)
REPLY_DUE_MAX_DAYS = 90  # a 督办 reply date lies within this many days from today


def escalation_level(previous_urges: int, kind: UrgeKind | str, previous_level: int = 0) -> int:
    """The level of a new urge of a case urged `previous_urges` times before, the last time at
    `previous_level`: one above both (urging again never steps down, also after a 督办)."""
    level = max(max(0, int(previous_urges)), max(0, int(previous_level))) + 1
    if UrgeKind(kind) == UrgeKind.SUPERVISE:
        level = max(level, SUPERVISE_MIN_LEVEL)
    return min(level, MAX_LEVEL)


def check_reply_due(kind: UrgeKind | str, reply_due: date | None, today: date) -> str | None:
    """Why the reply date does not fit the kind (None: it fits). A 督办 needs one between today and
    REPLY_DUE_MAX_DAYS ahead; a 催办 takes none."""
    if UrgeKind(kind) == UrgeKind.URGE:
        return "a 催办 (urge) takes no reply date; use kind 'supervise' (督办) to require a reply" \
            if reply_due is not None else None
    if reply_due is None:
        return "a 督办 (supervise) needs the date the department must reply by"
    if reply_due < today:
        return f"the reply date {reply_due.isoformat()} is in the past (today is {today.isoformat()})"
    if reply_due > today + timedelta(days=REPLY_DUE_MAX_DAYS):
        return f"the reply date must be within {REPLY_DUE_MAX_DAYS} days from today"
    return None


# The overdue board: what it groups by, and which cases it holds.
class BoardGroup(StrEnum):
    DEPARTMENT = "department"
    STREET = "street"
    COMMUNITY = "community"
    CLASS = "class"


NO_GROUP = ""  # the key of cases without the grouping's value (not dispatched yet, no grid)
