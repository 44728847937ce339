"""Shapes of /api/devices: inspectors' phones and their secrets."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

DEVICE_ID = r"^[A-Za-z0-9_.:\-]{1,64}$"


class DeviceIn(BaseModel):
    user_id: int = Field(ge=1, le=2**31 - 1, description="the inspector")
    device_id: str = Field(pattern=DEVICE_ID, description="what the phone sends as OsmAnd/Traccar `id`")
    label: str | None = Field(None, max_length=100)


class MyDeviceIn(BaseModel):
    device_id: str = Field(pattern=DEVICE_ID)
    label: str | None = Field(None, max_length=100)


class DeviceOut(BaseModel):
    device_id: str
    user_id: int
    username: str | None = None
    display_name: str | None = None
    label: str | None = None
    created_at: datetime
    revoked_at: datetime | None = None
    active: bool
    has_secret: bool  # false for a device carried over from before secrets: issue one


class DeviceSecretOut(BaseModel):
    device_id: str
    user_id: int
    secret: str  # shown this once: the server keeps only its hash
    osmand_query: str  # what to append to the server URL in OsmAnd / Traccar Client
