"""Case shapes of the API: report and action bodies, the case, its log and its detail."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .types import Id, Instant, Lat, Lon

from app.domain.classification import Kind
from app.domain.clocks import ClockType
from app.domain.workflow import CloseType

Source = Literal["inspector", "hotline", "citizen", "open311", "video", "leader", "media"]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
CameraId = Annotated[str, Field(pattern=r"^\d{20}$", description="20-digit GB/T 28181 id")]


class CaseIn(BaseModel):
    """POST /api/cases. `source` defaults by role (inspector → inspector, leader → leader, others →
    hotline); an inspector always reports as "inspector"."""
    model_config = ConfigDict(extra="forbid")
    source: Source | None = None
    kind: Kind
    class_code: str = Field(pattern=r"^\d{4}$")
    lon: Lon
    lat: Lat
    description: str = Field("", max_length=4000)
    address: str | None = Field(None, max_length=200)
    reporter_name: str | None = Field(None, max_length=100)
    reporter_contact: str | None = Field(None, max_length=100)
    external_id: str | None = Field(None, max_length=64)
    component_id: str | None = Field(None, pattern=r"^\d{16}$")
    photo_hashes: list[Sha256] = Field(default_factory=list, max_length=20)
    # video patrol (source "video"): the camera the snapshot(s) came from and the stream's time
    camera_id: CameraId | None = None
    stream_time: Instant | None = None  # with its offset (ISO 8601)


class EvidenceIn(BaseModel):
    """POST /api/cases/{id}/photos: a photo already uploaded (POST /api/photos) attached to the case
    as evidence (截图取证), with the camera and the stream's own time of the frame when from video."""
    model_config = ConfigDict(extra="forbid")
    sha256: Sha256
    stage: Literal["evidence"] = "evidence"
    camera_id: CameraId | None = None
    stream_time: Instant | None = None  # with its offset (ISO 8601)
    expected_version: int | None = Field(None, ge=1, description="the case version the user saw: 409 "
                                         "and nothing done when the case has changed since")


class ActionIn(BaseModel):
    """POST /api/cases/{id}/actions/{action}: a comment plus the parameters the action takes.
    accept: kind, class_code, lon+lat, description, address, component_id (corrections)
    reject / not_file / return_to_filing / dept_return / deny_* / rework / void: reason (or comment)
    send_verify / send_check: inspector_id (default: nearest online inspector, else the grid's)
    answer_verify: result confirmed|not_found; answer_check: result fixed|not_fixed; + photo_hashes
    file: condition_id (+ kind/class_code correction); dispatch: department_id
    request_extension: reason, amount, limit_type; approve_extension: amount/limit_type override
    request_postponement (缓办): reason, until (a date: handled by the end of it, city time);
    approve_postponement: until override; request_suspension (挂账): reason; feedback: comment, photo_hashes; close: close_type; urge: comment.
    Every action: expected_version, the version the user saw (409 if the case changed since)."""
    model_config = ConfigDict(extra="forbid")
    comment: str | None = Field(None, max_length=4000)
    reason: str | None = Field(None, max_length=4000)
    kind: Kind | None = None
    class_code: str | None = Field(None, pattern=r"^\d{4}$")
    lon: Lon | None = None
    lat: Lat | None = None
    description: str | None = Field(None, max_length=4000)
    address: str | None = Field(None, max_length=200)
    component_id: str | None = Field(None, pattern=r"^\d{16}$")
    inspector_id: Id | None = None
    result: Literal["confirmed", "not_found", "fixed", "not_fixed"] | None = None
    photo_hashes: list[Sha256] | None = Field(None, max_length=20)
    condition_id: str | None = Field(None, max_length=40)
    department_id: Id | None = None
    amount: float | None = Field(None, gt=0, le=10_000)
    limit_type: ClockType | None = None
    close_type: CloseType | None = None
    until: date | None = Field(None, description="缓办至: the later date the case is postponed to")
    expected_version: int | None = Field(None, ge=1, description="the case version the user saw: 409 "
                                         "and nothing done when the case has changed since")


class MergeIn(BaseModel):
    into_case_id: Id


class CaseOut(BaseModel):
    id: int
    number: str
    source: str
    kind: str
    class_code: str
    class_name: str | None = None
    condition_id: str | None = None
    state: str
    pending: str | None = None  # extension | postponement | suspension request open
    pending_data: dict[str, Any] | None = None
    back_state: str | None = None
    description: str = ""
    address: str | None = None
    lon: float
    lat: float
    grid_code: str | None = None
    community_code: str | None = None
    street_code: str | None = None
    district_code: str | None = None
    component_id: str | None = None
    reporter_id: int | None = None
    reporter_name: str | None = None
    reporter_contact: str | None = None
    department_id: int | None = None
    task_inspector_id: int | None = None
    stage: str | None = None  # accept | verify | file | dispatch | handling | send_check | check
    stage_started_at: datetime | None = None
    limit_value: float | None = None  # the current stage's limit, in units of limit_type
    limit_type: str | None = None
    deadline_at: datetime | None = None
    remaining_seconds: float | None = None  # counted time left on the stage clock (negative: overdue)
    remaining_at_pause: float | None = None  # while suspended
    band: str | None = None  # green | yellow | red; None when no clock runs
    handling_overdue: bool = False
    rework_count: int = 0
    return_count: int = 0
    extension_count: int = 0
    urge_count: int = 0
    close_type: str | None = None
    external_id: str | None = None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    version: int
    check_result: str | None = None  # in pending_check: fixed | not_fixed after a check, None before


class DuplicateOut(CaseOut):
    distance_m: float


class EventOut(BaseModel):
    id: int
    case_id: int
    action: str
    from_state: str | None = None
    to_state: str
    actor_id: int | None = None
    actor_role: str | None = None
    actor_name: str | None = None
    at: datetime
    comment: str | None = None
    data: dict[str, Any] | None = None


class CasePhotoOut(BaseModel):
    sha256: str
    url: str
    size: int
    content_type: str
    event_id: int | None = None
    camera_id: str | None = None  # a video snapshot's camera
    stream_time: datetime | None = None  # the stream's own time of that frame


class CaseDetail(CaseOut):
    events: list[EventOut]
    photos: dict[str, list[CasePhotoOut]]  # by stage: report, verify, feedback, check, evidence
    allowed_actions: list[str]  # what the caller's role may do now


class CaseList(BaseModel):
    items: list[CaseOut]
    total: int
    limit: int
    offset: int


class EvidenceOut(BaseModel):
    case: CaseOut
    photo: CasePhotoOut


class MergeOut(BaseModel):
    merged: CaseOut
    into: CaseOut


class DeadlinePreview(BaseModel):
    case_id: int
    condition_id: str
    department_id: int | None = None
    limit_value: float
    limit_type: str
    closing_condition: str
    start_at: datetime
    deadline_at: datetime
