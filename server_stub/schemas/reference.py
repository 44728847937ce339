"""Response shapes of the reference API (/api/ref). The map-layer answers (components in a box,
unit grids as GeoJSON) are written directly for speed; their shapes are documented on the routes."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class ConditionOut(BaseModel):
    id: str
    text: str
    limit_value: float
    limit_type: str
    closing_condition: str


class ClassOut(BaseModel):
    kind: str
    major_code: str
    major_name: str
    major_en: str
    code: str
    name: str
    name_en: str
    pinyin_initials: str  # e.g. 污水井盖 → "wsjg", for the client's type-ahead search
    pinyin: str  # e.g. "wushuijinggai"
    conditions: list[ConditionOut]


class DepartmentOut(BaseModel):
    id: int
    code: str
    name: str
    kind: str  # professional | street_office
    region_code: str | None = None


class ResponsibilityOut(BaseModel):
    kind: str
    class_code: str
    priority: int
    department: DepartmentOut


class SuggestionOut(BaseModel):
    rank: int
    basis: str  # owner | maintainer | authority | matrix | locality
    reason: str
    department: DepartmentOut


class RegionNode(BaseModel):
    code: str
    level: str  # district | street | community
    name: str
    parent_code: str | None = None
    geometry: dict[str, Any] | None = None
    children: list["RegionNode"] = []


class RegionChild(BaseModel):
    code: str
    level: str
    name: str


class RegionOut(BaseModel):
    code: str
    level: str
    name: str
    parent_code: str | None = None
    geometry: dict[str, Any] | None = None
    children: list[RegionChild] = []


class NamedCode(BaseModel):
    code: str
    name: str | None = None


class RespGridRef(BaseModel):
    id: int
    code: str
    name: str
    inspector_id: int | None = None


class GridOut(BaseModel):
    code: str
    community_code: str
    street_code: str
    district_code: str
    area_m2: float
    bbox: list[float]
    responsibility_grid: RespGridRef | None = None
    community: NamedCode
    street: NamedCode
    district: NamedCode
    geometry: dict[str, Any] | None = None


class ResponsibilityGridOut(BaseModel):
    id: int
    code: str
    name: str
    inspector_id: int | None = None
    inspector_name: str | None = None
    unit_grids: list[str]


class ComponentOut(BaseModel):
    id: str
    class_code: str
    name: str | None = None
    lon: float
    lat: float
    grid_code: str | None = None
    state: str
    currency: str
    data_source: str
    address: str | None = None
    photo: str | None = None
    survey_date: str | None = None
    change_date: str | None = None
    authority: DepartmentOut | None = None
    owner: DepartmentOut | None = None
    maintainer: DepartmentOut | None = None


class NearComponentOut(BaseModel):
    id: str
    class_code: str
    name: str | None = None
    lon: float
    lat: float
    state: str
    grid_code: str | None = None
    distance_m: float


class InspectorOut(BaseModel):
    user_id: int
    username: str
    display_name: str
    phone: str | None = None
    active: bool
    device_id: str | None = None  # the registered phone; only for roles that see positions
    responsibility_grid_id: int | None = None
    responsibility_grid_code: str | None = None
    lon: float | None = None
    lat: float | None = None
    speed_kn: float | None = None
    bearing: float | None = None
    battery: float | None = None
    fix_at: datetime | None = None
    online: bool  # a fix within the last 5 minutes (false when you may not see positions)
    distance_m: float | None = None  # only in nearest answers


class CameraOut(BaseModel):
    id: str  # 20-digit GB/T 28181 id
    name: str
    lon: float
    lat: float
    direction: float | None = None  # degrees clockwise from north; none: sees all round
    stream_url: str | None = None  # the main stream (1280×720 in the demo): rtsp, rtmp, http(s) (HLS, FLV)
    sub_stream_url: str | None = None  # the sub stream (640×360 in the demo) for small tiles
    fov_deg: float | None = None  # view cone width (the answers fill app/domain/camera_view defaults in)
    range_m: float | None = None  # view range, metres
    kind: str
    grid_code: str | None = None
    online: bool  # false: the video platform / IT reports it offline
    distance_m: float | None = None  # only in nearest and seeing answers


class CameraPatch(BaseModel):
    """PATCH /api/ref/cameras/{id} (admin): what IT may change by hand."""
    model_config = ConfigDict(extra="forbid")
    online: bool
