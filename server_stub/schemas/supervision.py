"""督查督办 shapes: an urge of one or many cases, the urge with the case facts a list shows, the
department's reply, and the overdue board."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.domain.supervision import MAX_CASES_PER_URGE, MESSAGE_MAX, REPLY_MAX

from .types import Id


class UrgeIn(BaseModel):
    """POST /api/urges. kind urge (催办) takes no reply date; supervise (督办) needs one."""
    model_config = ConfigDict(extra="forbid")
    case_ids: list[Id] = Field(min_length=1, max_length=MAX_CASES_PER_URGE)
    kind: Literal["urge", "supervise"] = "urge"
    message: str = Field("", max_length=MESSAGE_MAX)
    reply_due: date | None = Field(None, description="督办: the day the department must reply by (YYYY-MM-DD)")


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=REPLY_MAX)


class UrgeOut(BaseModel):
    id: int
    case_id: int
    kind: str
    level: int
    message: str
    reply_due: str | None = None
    by_id: int | None = None
    by_name: str | None = None
    at: str
    department_id: int | None = None
    department_name: str | None = None
    reply_text: str | None = None
    reply_by_id: int | None = None
    reply_by_name: str | None = None
    reply_at: str | None = None
    answered: bool
    case_number: str | None = None
    case_state: str | None = None
    class_code: str | None = None
    class_name: str | None = None
    address: str | None = None
    deadline_at: str | None = None
    urge_count: int | None = None


class UrgeBatchOut(BaseModel):
    items: list[UrgeOut]
    count: int


class UrgeList(BaseModel):
    items: list[UrgeOut]
    total: int
    limit: int
    offset: int


class LastUrge(BaseModel):
    kind: str
    level: int
    at: str
    answered: bool


class BoardGroupOut(BaseModel):
    key: str = Field(description="department id, street or community code, kind:class_code; '' = none")
    name: str | None = None
    count: int
    overdue: int
    soon: int
    urged: int
    worst_overdue_seconds: float = Field(description="since the group's oldest deadline (negative: not yet)")


class BoardItem(BaseModel):
    id: int
    number: str
    kind: str
    class_code: str
    class_name: str | None = None
    state: str
    stage: str | None = None
    band: str | None = None
    department_id: int | None = None
    department_name: str | None = None
    street_code: str | None = None
    community_code: str | None = None
    address: str | None = None
    description: str
    deadline_at: str
    overdue_seconds: float = Field(description="wall-clock seconds since the deadline (negative: time left)")
    urge_count: int
    group_key: str
    last_urge: LastUrge | None = None
    version: int


class BoardOut(BaseModel):
    group_by: str
    now: str
    soon_included: bool
    total: int
    overdue: int
    soon: int
    groups: list[BoardGroupOut]
    items: list[BoardItem]
    items_total: int
    limit: int
