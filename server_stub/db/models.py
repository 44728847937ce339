"""The tables. Pydantic schemas live apart (server_stub/schemas); database work in server_stub/services.

Spatial columns are plain numbers here so the ORM is the same on SQLite and PostgreSQL: points
carry lon/lat (CGCS2000 ≈ WGS84 degrees), polygons their bounding box and GeoJSON geometry. The
spatial indexes are the databases' own, made by the migration 7b1e5c0a9d21 and outside these
models: SQLite R*Tree tables `<table>_rtree` kept by triggers, PostGIS `geom` columns generated
from lon/lat (EPSG:4326) with GiST indexes (see services/spatial.py).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from datetime import date

from sqlalchemy import (JSON, BigInteger, Boolean, Date, Float, ForeignKey, Index, Integer, LargeBinary,
                        String, Text, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .types import UTCDateTime, utcnow


class Base(DeclarativeBase):
    pass


# ---------------------------------------------------------------- organisation and users
class Department(Base):
    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), default="professional")  # professional | street_office
    region_code: Mapped[str | None] = mapped_column(String(12))  # a street office's street


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))  # app.domain.workflow.Role
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Consecutive failed logins; at OCC_LOGIN_LOCKOUT_FAILURES the account is locked (locked_at)
    # until an administrator unlocks it (services/users.py).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    department: Mapped[Department | None] = relationship()


class Token(Base):
    __tablename__ = "tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the bearer token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


# ---------------------------------------------------------------- space
class Region(Base):
    """Administrative hierarchy: district (6-digit code), street (9), community (12)."""
    __tablename__ = "regions"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    level: Mapped[str] = mapped_column(String(12))  # district | street | community
    name: Mapped[str] = mapped_column(String(100))
    parent_code: Mapped[str | None] = mapped_column(String(12), index=True)
    geometry: Mapped[dict | None] = mapped_column(JSON)  # GeoJSON, lon/lat


class ResponsibilityGrid(Base):
    __tablename__ = "responsibility_grids"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class UnitGrid(Base):
    __tablename__ = "unit_grids"
    code: Mapped[str] = mapped_column(String(15), primary_key=True)
    community_code: Mapped[str] = mapped_column(String(12), index=True)
    street_code: Mapped[str] = mapped_column(String(9), index=True)
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    responsibility_grid_id: Mapped[int | None] = mapped_column(ForeignKey("responsibility_grids.id"),
                                                               index=True)
    area_m2: Mapped[float] = mapped_column(Float)
    minx: Mapped[float] = mapped_column(Float)
    miny: Mapped[float] = mapped_column(Float)
    maxx: Mapped[float] = mapped_column(Float)
    maxy: Mapped[float] = mapped_column(Float)
    geometry: Mapped[dict] = mapped_column(JSON)  # GeoJSON Polygon/MultiPolygon, lon/lat
    __table_args__ = (Index("ix_unit_grids_bbox", "minx", "maxx", "miny", "maxy"),)


class Component(Base):
    __tablename__ = "components"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # 16-digit component ID
    class_code: Mapped[str] = mapped_column(String(4), index=True)
    name: Mapped[str | None] = mapped_column(String(100))
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))  # 主管部门
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))  # 权属单位
    maintainer_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))  # 养护单位
    grid_code: Mapped[str | None] = mapped_column(String(15), index=True)
    state: Mapped[str] = mapped_column(String(12), default="intact")  # intact|damaged|missing|occupied
    currency: Mapped[str] = mapped_column(String(8), default="in_use")  # in_use | void
    data_source: Mapped[str] = mapped_column(String(16), default="measured")
    address: Mapped[str | None] = mapped_column(String(200))
    photo: Mapped[str | None] = mapped_column(String(64))
    survey_date: Mapped[str | None] = mapped_column(String(10))
    # SQLite: the key of the component's row in components_rtree, given in spatial order by the
    # loader (migration e6b2a9d4c170); unused on PostgreSQL.
    rtree_key: Mapped[int | None] = mapped_column(BigInteger, index=True, unique=True)
    change_date: Mapped[str | None] = mapped_column(String(10))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)


class ClassResponsibility(Base):
    """The class → department responsibility matrix (lowest priority number first)."""
    __tablename__ = "class_responsibility"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    class_code: Mapped[str] = mapped_column(String(4))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    priority: Mapped[int] = mapped_column(Integer, default=1)
    __table_args__ = (Index("ix_class_resp", "kind", "class_code"),)


class Inspector(Base):
    """An inspector's current device and last known position (positions themselves are in
    `positions`, the devices and their secrets in `devices`)."""
    __tablename__ = "inspectors"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    device_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    responsibility_grid_id: Mapped[int | None] = mapped_column(ForeignKey("responsibility_grids.id"))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    speed_kn: Mapped[float | None] = mapped_column(Float)
    bearing: Mapped[float | None] = mapped_column(Float)
    battery: Mapped[float | None] = mapped_column(Float)
    fix_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship()


class Device(Base):
    """A phone registered to an inspector, with the hash of its own secret: a position counts only
    when it carries the secret (like a Traccar device's identifier plus a key only it knows)."""
    __tablename__ = "devices"
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the OsmAnd/Traccar `id`
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the secret (random, 192 bits)
    label: Mapped[str | None] = mapped_column(String(100))  # e.g. "华为 Mate 60，资产号 0042"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # set: its positions are refused


class Position(Base):
    __tablename__ = "positions"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64))
    fix_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    speed_kn: Mapped[float | None] = mapped_column(Float)
    bearing: Mapped[float | None] = mapped_column(Float)
    altitude: Mapped[float | None] = mapped_column(Float)
    accuracy: Mapped[float | None] = mapped_column(Float)
    battery: Mapped[float | None] = mapped_column(Float)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (Index("ix_positions_device_time", "device_id", "fix_at"),)


class Camera(Base):
    __tablename__ = "cameras"
    id: Mapped[str] = mapped_column(String(20), primary_key=True)  # GB/T 28181 20-digit ID
    name: Mapped[str] = mapped_column(String(100))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    direction: Mapped[float | None] = mapped_column(Float)  # degrees clockwise from north
    stream_url: Mapped[str | None] = mapped_column(String(500))  # the main stream (e.g. 1280×720)
    sub_stream_url: Mapped[str | None] = mapped_column(String(500))  # the sub stream (e.g. 640×360)
    fov_deg: Mapped[float | None] = mapped_column(Float)  # view cone width; None: camera_view default
    range_m: Mapped[float | None] = mapped_column(Float)  # view range; None: camera_view default
    kind: Mapped[str] = mapped_column(String(20), default="fixed")
    grid_code: Mapped[str | None] = mapped_column(String(15))
    online: Mapped[bool] = mapped_column(Boolean, default=True)


# ---------------------------------------------------------------- cases
class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # e.g. 20261123-000042
    source: Mapped[str] = mapped_column(String(16))  # inspector|hotline|citizen|open311|video|leader|media
    kind: Mapped[str] = mapped_column(String(10))  # component | event
    class_code: Mapped[str] = mapped_column(String(4))
    condition_id: Mapped[str | None] = mapped_column(String(40))  # filing condition chosen at 立案
    state: Mapped[str] = mapped_column(String(20), index=True)
    pending: Mapped[str | None] = mapped_column(String(12))  # extension | postponement | suspension request open
    pending_data: Mapped[dict | None] = mapped_column(JSON)  # e.g. {"amount": 2, "unit": "work_day"}
    back_state: Mapped[str | None] = mapped_column(String(20))  # where verify/check answers return
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str | None] = mapped_column(String(200))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    grid_code: Mapped[str | None] = mapped_column(String(15), index=True)
    community_code: Mapped[str | None] = mapped_column(String(12))
    street_code: Mapped[str | None] = mapped_column(String(9))
    district_code: Mapped[str | None] = mapped_column(String(6))
    component_id: Mapped[str | None] = mapped_column(String(16))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reporter_name: Mapped[str | None] = mapped_column(String(100))  # a caller or citizen
    reporter_contact: Mapped[str | None] = mapped_column(String(100))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    task_inspector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # verify/check task
    # Clock of the current stage (accept, verify, file, dispatch, handling, send_check, check).
    stage: Mapped[str | None] = mapped_column(String(12))
    stage_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    limit_value: Mapped[float | None] = mapped_column(Float)
    limit_type: Mapped[str | None] = mapped_column(String(12))  # app.domain.clocks.ClockType
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    remaining_at_pause: Mapped[float | None] = mapped_column(Float)  # counted seconds left when suspended
    band: Mapped[str | None] = mapped_column(String(8))  # green | yellow | red, as last pushed
    handling_overdue: Mapped[bool] = mapped_column(Boolean, default=False)  # ever overdue: never reset
    rework_count: Mapped[int] = mapped_column(Integer, default=0)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    urge_count: Mapped[int] = mapped_column(Integer, default=0)
    close_type: Mapped[str | None] = mapped_column(String(10))
    external_id: Mapped[str | None] = mapped_column(String(64), index=True)  # Open311 token etc.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow,
                                                 index=True)  # the band watcher polls by it
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)  # bumped by every action

    events: Mapped[list["CaseEvent"]] = relationship(back_populates="case", order_by="CaseEvent.id")
    __table_args__ = (Index("ix_cases_dept_state", "department_id", "state"),)


class CaseEvent(Base):
    """The log: every action with actor, time and comment. Never updated, never deleted."""
    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    action: Mapped[str] = mapped_column(String(24))  # app.domain.workflow.Action or "report"
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    actor_name: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    comment: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    case: Mapped[Case] = relationship(back_populates="events")


class Overdue(Base):
    """A stage that ran past its deadline. Overdue facts are never deleted."""
    __tablename__ = "overdues"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    stage: Mapped[str] = mapped_column(String(12))
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    noticed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    __table_args__ = (UniqueConstraint("case_id", "stage", "deadline_at"),)


class Urge(Base):
    """A leader's 催办 / 督办 of a case (app/domain/supervision.py), sent to the department that
    held the case then, with that department's reply. Never deleted; the reply is written once."""
    __tablename__ = "urges"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # urge | supervise
    level: Mapped[int] = mapped_column(Integer)  # escalation: the n-th urge of the case, capped
    message: Mapped[str] = mapped_column(Text, default="")
    reply_due: Mapped[date | None] = mapped_column(Date)  # 督办: the department replies by this day
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_name: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("case_events.id"))  # its entry in the case log
    reply_text: Mapped[str | None] = mapped_column(Text)
    reply_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reply_by_name: Mapped[str | None] = mapped_column(String(100))
    reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (Index("ix_urges_department_at", "department_id", "at"),)


class Photo(Base):
    __tablename__ = "photos"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CasePhoto(Base):
    __tablename__ = "case_photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("photos.sha256"))
    stage: Mapped[str] = mapped_column(String(12))  # report | verify | feedback | check | evidence
    event_id: Mapped[int | None] = mapped_column(ForeignKey("case_events.id"))
    # a video snapshot: the camera (no foreign key: a camera import replaces rows) and the stream's
    # own time of the frame (EXT-X-PROGRAM-DATE-TIME / RTCP), not the upload time
    camera_id: Mapped[str | None] = mapped_column(String(20))
    stream_time: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IdempotencyRecord(Base):
    """The stored answer to a POST with an Idempotency-Key: a retry gets it back unchanged."""
    __tablename__ = "idempotency"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(300))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
