"""Inspectors' phones: registered to an inspector with a secret of their own, listed, revoked.

A position (OsmAnd/Traccar) counts only when it names a registered, unrevoked device of an active
inspector AND carries that device's secret (`key`): a device id alone is no proof, it is printed on
the phone and travels in every URL. The secret is 32 random URL-safe characters (192 bits), shown
once when issued; the database keeps its sha256 (like login tokens: a random secret needs no slow
hash). Registering a device again issues a new secret (the old one stops working at once in this
process, within DeviceDirectory's cache time in others).
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.workflow import Role

from ..db.models import Device, Inspector, User

DEVICE_ID_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")  # what OsmAnd/Traccar clients send as `id`
SECRET_BYTES = 24


class DeviceError(ValueError):
    """A refused registration; `status` is the HTTP answer (404 unknown, 409 taken, 422 bad field)."""

    def __init__(self, status: int, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.status, self.field, self.message = status, field, message


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def secret_matches(stored_hash: str, secret: str | None) -> bool:
    """Constant-time comparison; an empty stored hash (a device carried over from before secrets
    existed) matches nothing."""
    return bool(secret) and bool(stored_hash) and hmac.compare_digest(stored_hash, secret_hash(secret))


@dataclass
class Issued:
    device_id: str
    user_id: int
    secret: str  # shown once: the database keeps only its hash


def _inspector(s: Session, user_id: int) -> User:
    user = s.get(User, user_id)
    if user is None:
        raise DeviceError(404, "user_id", f"user {user_id} does not exist")
    if user.role != Role.INSPECTOR or not user.active:
        raise DeviceError(422, "user_id", f"user {user.username} is not an active inspector")
    return user


def register(s: Session, user_id: int, device_id: str, label: str | None = None,
             now: datetime | None = None) -> Issued:
    """Registers (or re-keys) `device_id` for the inspector: a new secret, unrevoked, and the
    inspector's current device. 409 if the device is in use by another inspector (revoke it there
    first). The caller commits."""
    device_id = (device_id or "").strip()
    if not DEVICE_ID_RE.match(device_id):
        raise DeviceError(422, "device_id", "1 to 64 letters, digits or . _ : - (what the phone sends as `id`)")
    user = _inspector(s, user_id)
    now = now or datetime.now(timezone.utc)
    dev = s.get(Device, device_id, with_for_update=True)
    if dev is not None and dev.user_id != user.id and dev.revoked_at is None:
        owner = s.get(User, dev.user_id)
        raise DeviceError(409, "device_id", f"device {device_id} is registered to {owner.username if owner else dev.user_id}: "
                                            "revoke it there first")
    secret = secrets.token_urlsafe(SECRET_BYTES)
    if dev is None:
        dev = Device(device_id=device_id, user_id=user.id, created_at=now)
        s.add(dev)
    dev.user_id, dev.secret_hash, dev.revoked_at = user.id, secret_hash(secret), None
    dev.created_at = now
    if label is not None:
        dev.label = label.strip()[:100] or None
    # The inspector's current device (tracks and the reference list name it); a previous owner's
    # row lets go of it first (the column is unique).
    for other in s.scalars(select(Inspector).where(Inspector.device_id == device_id, Inspector.user_id != user.id)):
        other.device_id = None
    s.flush()
    insp = s.get(Inspector, user.id)
    if insp is None:
        s.add(Inspector(user_id=user.id, device_id=device_id))
    else:
        insp.device_id = device_id
    s.flush()
    return Issued(device_id, user.id, secret)


def revoke(s: Session, device_id: str, now: datetime | None = None) -> Device:
    """Its positions are refused from now on (the device stays listed, and its track readable)."""
    dev = s.get(Device, device_id) if DEVICE_ID_RE.match(device_id or "") else None
    if dev is None:
        raise DeviceError(404, "device_id", f"device {device_id!r} is not registered")
    if dev.revoked_at is None:
        dev.revoked_at = now or datetime.now(timezone.utc)
    s.flush()
    return dev


def device_out(dev: Device, user: User | None) -> dict:
    return {"device_id": dev.device_id, "user_id": dev.user_id, "username": user.username if user else None,
            "display_name": user.display_name if user else None, "label": dev.label,
            "created_at": dev.created_at, "revoked_at": dev.revoked_at, "active": dev.revoked_at is None,
            "has_secret": bool(dev.secret_hash)}


def listing(s: Session, user_id: int | None = None, include_revoked: bool = True) -> list[dict]:
    q = select(Device, User).join(User, User.id == Device.user_id).order_by(User.username, Device.device_id)
    if user_id is not None:
        q = q.where(Device.user_id == user_id)
    if not include_revoked:
        q = q.where(Device.revoked_at.is_(None))
    return [device_out(d, u) for d, u in s.execute(q)]


def device_ids_of(s: Session, user_id: int) -> list[str]:
    """Every device ever registered to the inspector, plus its current one (its track is theirs)."""
    ids = set(s.scalars(select(Device.device_id).where(Device.user_id == user_id)))
    current = s.scalar(select(Inspector.device_id).where(Inspector.user_id == user_id))
    if current:
        ids.add(current)
    return sorted(ids)
