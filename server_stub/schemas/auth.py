from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.domain.workflow import Role

from .types import Id


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    display_name: str
    role: Role
    department_id: Id | None = None
    phone: str | None = None
    active: bool = True
    locked_at: datetime | None = None  # locked after repeated failed logins (an admin unlocks)


class LoginOut(BaseModel):
    token: str
    expires_at: datetime
    user: UserOut


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    display_name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=4, max_length=200)
    role: Role
    department_id: Id | None = None
    phone: str | None = None
