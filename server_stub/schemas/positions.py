"""Response shapes of /api/positions."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class FixOut(BaseModel):
    fix_at: datetime
    lon: float
    lat: float
    speed_kn: float | None = None  # knots, as the OsmAnd protocol sends it
    bearing: float | None = None  # degrees clockwise from north
    altitude: float | None = None  # metres
    accuracy: float | None = None  # metres
    battery: float | None = None  # percent


class TrackOut(BaseModel):
    inspector_id: int
    device_id: str | None = None  # the current device (the track covers every device it had)
    start: datetime
    end: datetime
    count: int
    truncated: bool  # more fixes than the limit: ask for a shorter period
    fixes: list[FixOut]


class LatestOut(BaseModel):
    user_id: int
    username: str
    display_name: str
    device_id: str | None = None
    lon: float | None = None
    lat: float | None = None
    speed_kn: float | None = None
    bearing: float | None = None
    battery: float | None = None
    fix_at: datetime
    online: bool  # a fix within the last 5 minutes
