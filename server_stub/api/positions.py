"""Inspector positions: the OsmAnd/Traccar endpoint (/osmand, and optionally its own port like
Traccar's 5055), tracks as JSON or GPX 1.1, everyone's latest position.

/osmand answers plain HTTP codes, not JSON, because that is what phone apps understand: 200 stored,
400 malformed (the text names the field) or unknown device (Traccar answers the same), 401 the
device's secret (`key`) missing or wrong, 413 body too large, 503 the database failed. A stock client keeps any fix not answered 200 and sends it again,
so a phone registered late still delivers its buffered track.
"""
from __future__ import annotations

import asyncio
import gc
import logging
from datetime import datetime, timedelta, timezone
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from app.domain.workflow import Role

from ..context import ServerContext
from ..db.models import Inspector, User
from ..schemas.positions import LatestOut, TrackOut
from ..schemas.types import Id, Instant
from ..services import devices as dev_svc
from ..services import positions as pos
from ..services.gpx import track_gpx
from ..services.visibility import POSITION_ROLES
from .deps import current_user, get_ctx
from .errors import errors

log = logging.getLogger("occ.positions")
router = APIRouter(tags=["positions"])

# Who may see anyone's track (an inspector sees only their own; a department none).
TRACK_ROLES = POSITION_ROLES
MAX_TRACK_DAYS = 31
WRITER, DEVICES, EXTRA = "positions.writer", "positions.devices", "positions.extra_port"


# ---------------------------------------------------------------- ingest (shared by all doors)
def _devices(ctx: ServerContext) -> pos.DeviceDirectory:
    d = ctx.extras.get(DEVICES)
    if d is None:
        d = ctx.extras[DEVICES] = pos.DeviceDirectory(ctx.db)
    return d


def forget_device(ctx: ServerContext, device_id: str) -> None:
    """After a device was re-keyed or revoked: the next fix reads it again."""
    _devices(ctx).forget(device_id)


async def ingest(ctx: ServerContext, query: bytes, body: bytes, content_type: str) -> tuple[int, str]:
    """One OsmAnd request → (HTTP status, plain-text answer)."""
    try:
        fix = pos.parse_request(query, body, content_type)
    except pos.FixError as e:
        return 400, str(e)
    if fix is None:
        return 200, ""  # valid=false or no location: acknowledged so the phone does not resend it
    devices = _devices(ctx)
    known = devices.cached(fix.device_id)
    if known is pos._MISSING:  # noqa: SLF001
        known = await run_in_threadpool(devices.lookup, fix.device_id)
    if known is None:
        return 400, f"id: unknown device {fix.device_id!r}: register it for an inspector first"
    uid, stored_hash = known
    if not dev_svc.secret_matches(stored_hash, fix.key):
        return 401, ("key: the device's secret is missing or wrong: add key=<secret> to the URL "
                     "(python -m server_stub devices add)")
    writer: pos.PositionWriter | None = ctx.extras.get(WRITER)
    try:
        if writer is not None and writer.running:
            await writer.write(fix, uid)
        else:  # no background writer (router used without install): write here
            events = await run_in_threadpool(_write_one, ctx, fix, uid)
            for ev in events:
                ctx.bus.publish("inspector.position", ev)
    except Exception as e:  # noqa: BLE001 - the phone retries on 503
        log.warning("position not stored: %s", e)
        return 503, "position not stored, try again"
    return 200, ""


def _write_one(ctx: ServerContext, fix: pos.Fix, uid: int) -> list[dict]:
    with ctx.db.transaction() as s:
        return pos.write_fixes(s, [(fix, uid)])


class OsmAndASGI:
    """The OsmAnd endpoint as a bare ASGI app: no routing, no dependency injection, no JSON —
    phones send a fix every few seconds, so this path must be cheap. It answers any path (on its
    own port Traccar Client posts to '/')."""

    def __init__(self, ctx: ServerContext):
        self.ctx = ctx

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            return
        status, text = await self.handle(scope, receive)
        payload = text.encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})

    async def handle(self, scope, receive) -> tuple[int, str]:  # noqa: ANN001
        if scope["method"] not in ("GET", "POST"):
            return 405, "use GET or POST"
        body = b""
        more = True
        while more:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return 400, "client went away"
            body += msg.get("body", b"")
            more = msg.get("more_body", False)
            if len(body) > pos.MAX_BODY:
                return 413, "body too large: one fix per request"
        ctype = ""
        for k, v in scope["headers"]:
            if k == b"content-type":
                ctype = v.decode("latin-1")
                break
        return await ingest(self.ctx, scope.get("query_string", b""), body, ctype)


class OsmAndMiddleware:
    """Answers /osmand before the FastAPI stack (the fast path on the main port)."""

    PATHS = frozenset({"/osmand", "/osmand/"})

    def __init__(self, app, ctx: ServerContext):  # noqa: ANN001
        self.app = app
        self.osmand = OsmAndASGI(ctx)

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] == "http" and scope["path"] in self.PATHS:
            await self.osmand(scope, receive, send)
        else:
            await self.app(scope, receive, send)


_TEXT = {"content": {"text/plain": {"schema": {"type": "string"}}}}
_OSMAND_RESPONSES = {200: {"description": "stored (empty body)", **_TEXT},
                     400: {"description": "malformed (the text names the field) or unknown device", **_TEXT},
                     401: {"description": "the device's secret (key) is missing or wrong", **_TEXT},
                     405: {"description": "neither GET nor POST", **_TEXT},
                     413: {"description": "body too large: one fix per request", **_TEXT},
                     503: {"description": "not stored: send again", **_TEXT}}


async def _osmand_route(request: Request, ctx: ServerContext) -> Response:
    status, text = await ingest(ctx, request.scope.get("query_string", b""), await request.body(),
                                request.headers.get("content-type", ""))
    return Response(text, status_code=status, media_type="text/plain")


@router.get("/osmand", response_class=Response, responses=_OSMAND_RESPONSES)
async def osmand_get(request: Request, ctx: ServerContext = Depends(get_ctx)) -> Response:
    """OsmAnd/Traccar position: id, key (the device's secret), lat, lon, timestamp, speed (knots),
    bearing, altitude, accuracy (or hdop), batt as query parameters. One fix per request. (With the server's
    middleware installed, requests are answered before reaching this route; same logic.)"""
    return await _osmand_route(request, ctx)


@router.post("/osmand", response_class=Response, responses=_OSMAND_RESPONSES)
async def osmand_post(request: Request, ctx: ServerContext = Depends(get_ctx)) -> Response:
    """The same as GET with the parameters in the query or a form body, or the Traccar Client
    JSON body {"device_id", "location": {"timestamp", "coords": {...}, "battery": {...}}}."""
    return await _osmand_route(request, ctx)


# ---------------------------------------------------------------- reading
@router.get("/api/positions/track", response_model=TrackOut,
            responses={200: {"content": {"application/gpx+xml": {}},
                             "description": "JSON, or GPX 1.1 with format=gpx"}, **errors(403, 404)})
def track(inspector_id: Id, start: Instant | None = None, end: Instant | None = None,
          format: Literal["json", "gpx"] = "json", limit: int = Query(100_000, ge=1, le=500_000),
          user: User = Depends(current_user), ctx: ServerContext = Depends(get_ctx)):  # noqa: ANN201
    """An inspector's fixes between start and end (default: the last 24 hours), in time order.
    Leaders, shift leaders, dispatchers, acceptors and admins see anyone; an inspector sees
    their own."""
    if user.role not in TRACK_ROLES and not (user.role == Role.INSPECTOR and user.id == inspector_id):
        raise HTTPException(403, "this needs role leader, shift_leader, dispatcher, acceptor or admin "
                                 f"(an inspector sees only their own track); you are '{user.role}'")
    end = end or datetime.now(timezone.utc)
    start = start or end - timedelta(hours=24)
    if start > end:
        raise HTTPException(422, "start is after end")
    if end - start > timedelta(days=MAX_TRACK_DAYS):
        raise HTTPException(422, f"start to end is longer than {MAX_TRACK_DAYS} days")
    with ctx.db.session() as s:
        insp = s.get(Inspector, inspector_id)
        if insp is None:
            raise HTTPException(404, f"inspector {inspector_id} does not exist")
        name = s.get(User, inspector_id).display_name
        fixes, truncated = pos.track(s, dev_svc.device_ids_of(s, inspector_id), start, end, limit)
    if format == "gpx":
        body = track_gpx(f"{name} {start.date().isoformat()}", fixes,
                         description=f"inspector {inspector_id}, device {insp.device_id}")
        fname = f"track-{inspector_id}-{start.strftime('%Y%m%dT%H%M')}.gpx"
        return Response(body, media_type="application/gpx+xml",
                        headers={"Content-Disposition": f'attachment; filename="{fname}"'})
    return {"inspector_id": inspector_id, "device_id": insp.device_id, "start": start, "end": end,
            "count": len(fixes), "truncated": truncated, "fixes": fixes}


@router.get("/api/positions/latest", response_model=list[LatestOut], responses=errors(403))
def latest(user: User = Depends(current_user), ctx: ServerContext = Depends(get_ctx)) -> list[dict]:
    """Every inspector's last position (online = a fix in the last 5 minutes). An inspector gets
    only their own."""
    if user.role not in TRACK_ROLES and user.role != Role.INSPECTOR:
        raise HTTPException(403, f"this needs role leader, shift_leader, dispatcher, acceptor, admin or "
                                 f"inspector; you are '{user.role}'")
    with ctx.db.session() as s:
        return pos.latest(s, user_id=user.id if user.role == Role.INSPECTOR else None)


# ---------------------------------------------------------------- lifecycle
class ExtraPort:
    """A second uvicorn server in the same event loop, for phones configured with Traccar's
    port (5055): any path, same handler. No signal handlers of its own (the main server owns them)."""

    def __init__(self, ctx: ServerContext, host: str, port: int):
        import uvicorn
        self.config = uvicorn.Config(OsmAndASGI(ctx), host=host, port=port, lifespan="off",
                                     log_config=None, access_log=False, timeout_graceful_shutdown=3)
        self.server = uvicorn.Server(self.config)
        self.task: asyncio.Task | None = None

    @property
    def port(self) -> int:
        return self.server.servers[0].sockets[0].getsockname()[1]

    async def start(self) -> None:
        self.config.load()
        self.server.lifespan = self.config.lifespan_class(self.config)
        try:
            await self.server.startup()
        except SystemExit:  # uvicorn exits when it cannot bind
            raise RuntimeError(f"cannot listen for OsmAnd positions on {self.config.host}:{self.config.port}"
                               ) from None
        self.task = asyncio.create_task(self.server.main_loop())

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            await self.task
        await self.server.shutdown()


_FROZEN = False


def _freeze_startup_heap() -> None:
    """Move everything alive after start-up (app, SQLAlchemy and pydantic machinery: ~110k
    objects) out of the garbage collector's reach. A full collection over them takes 40-50 ms,
    which would stall every request in flight (positions' and map queries' p99). Once per process."""
    global _FROZEN
    if not _FROZEN:
        _FROZEN = True
        gc.collect()
        gc.freeze()


def install(app) -> None:  # noqa: ANN001
    ctx: ServerContext = app.state.ctx
    app.add_middleware(OsmAndMiddleware, ctx=ctx)

    async def start(ctx: ServerContext) -> None:
        _freeze_startup_heap()
        _devices(ctx).forget()
        writer = pos.PositionWriter(ctx.db, ctx.bus.publish)
        writer.start()
        ctx.extras[WRITER] = writer
        if ctx.settings.osmand_port is not None:
            extra = ExtraPort(ctx, ctx.settings.host, ctx.settings.osmand_port)
            await extra.start()
            ctx.extras[EXTRA] = extra

    async def stop(ctx: ServerContext) -> None:
        extra = ctx.extras.pop(EXTRA, None)
        if extra is not None:
            await extra.stop()  # no new fixes from phones first...
        writer = ctx.extras.pop(WRITER, None)
        if writer is not None:
            await asyncio.to_thread(writer.stop)  # ...then everything queued is committed

    app.state.startup_hooks.append(start)
    app.state.shutdown_hooks.append(stop)
