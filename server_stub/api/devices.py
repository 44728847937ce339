"""Inspectors' phones: an administrator registers a device to an inspector (its secret is shown
once), lists and revokes them; an inspector may pair its own phone. Positions (/osmand) count
only with the device's secret (services/devices.py)."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException

from app.domain.workflow import Role

from ..context import ServerContext
from ..db.models import User
from ..schemas.devices import DeviceIn, DeviceOut, DeviceSecretOut, MyDeviceIn
from ..schemas.types import Id
from ..services import devices as svc
from .deps import get_ctx, require_roles
from .positions import forget_device

router = APIRouter(prefix="/api/devices", tags=["devices"])
_ERRORS = {403: {"description": "not an administrator"}, 404: {"description": "no such user or device"},
           409: {"description": "the device is registered to another inspector"},
           422: {"description": "a bad field (named)"}}


@contextmanager
def refusals() -> Iterator[None]:
    try:
        yield
    except svc.DeviceError as e:
        if e.status == 422:
            raise HTTPException(422, [{"loc": ["body", e.field], "msg": e.message, "type": "value_error"}]) from None
        raise HTTPException(e.status, str(e)) from None


def _issued(ctx: ServerContext, got: svc.Issued) -> dict:
    forget_device(ctx, got.device_id)
    return {"device_id": got.device_id, "user_id": got.user_id, "secret": got.secret,
            "osmand_query": urlencode({"id": got.device_id, "key": got.secret})}


@router.get("", response_model=list[DeviceOut], responses={403: _ERRORS[403]})
def list_devices(user_id: Id | None = None, active: bool | None = None,
                 _: User = Depends(require_roles(Role.ADMIN)), ctx: ServerContext = Depends(get_ctx)) -> list[dict]:
    """Every registered device (revoked ones too, unless active=true), by inspector."""
    with ctx.db.session() as s:
        return svc.listing(s, user_id, include_revoked=not active)


@router.post("", response_model=DeviceSecretOut, status_code=201, responses=_ERRORS)
def register(body: DeviceIn, _: User = Depends(require_roles(Role.ADMIN)),
             ctx: ServerContext = Depends(get_ctx)) -> dict:
    """Registers a phone to an inspector, or re-keys it: the answer holds its new secret (shown
    this once). Configure the phone with the server's /osmand URL plus `osmand_query`."""
    with refusals(), ctx.db.transaction() as s:
        got = svc.register(s, body.user_id, body.device_id, body.label)
    return _issued(ctx, got)


@router.post("/mine", response_model=DeviceSecretOut, status_code=201, responses={
    403: {"description": "not an inspector"}, 409: _ERRORS[409], 422: _ERRORS[422]})
def register_mine(body: MyDeviceIn, user: User = Depends(require_roles(Role.INSPECTOR)),
                  ctx: ServerContext = Depends(get_ctx)) -> dict:
    """An inspector pairs its own phone (the phone app after login): a new secret for a device id
    that is free or already its own."""
    with refusals(), ctx.db.transaction() as s:
        got = svc.register(s, user.id, body.device_id, body.label)
    return _issued(ctx, got)


@router.post("/{device_id}/revoke", response_model=DeviceOut, responses=_ERRORS)
def revoke(device_id: str, _: User = Depends(require_roles(Role.ADMIN)),
           ctx: ServerContext = Depends(get_ctx)) -> dict:
    """The device's positions are refused from now on; it stays listed and its track readable."""
    with refusals(), ctx.db.transaction() as s:
        dev = svc.revoke(s, device_id)
        out = svc.device_out(dev, s.get(User, dev.user_id))
    forget_device(ctx, device_id)
    return out
