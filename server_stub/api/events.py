"""The live event stream: WebSocket /ws, and the band watcher's start and stop.

Protocol (JSON text frames):
- connect to /ws?token=<bearer token> (or send "Authorization: Bearer <token>"). A missing,
  unknown or expired token: the server accepts, then closes with code 4401 and a reason.
- server → client: first {"type": "hello", "user": {id, username, display_name, role,
  department_id}, "server_time": ISO}; then every bus event in the user's scope as
  {"type": "case.changed" | "case.band" | "inspector.position" | ..., "data": {...}, "at": ISO};
  {"type": "heartbeat", "server_time": ISO} every HEARTBEAT_SECONDS;
  {"type": "resync", "data": {}, "at": ISO} when events were dropped (the client fell behind, or
  a server process lost its PostgreSQL listener): reload lists.
- client → server: {"type": "ping"} → {"type": "pong", "server_time": ISO}. Anything else is ignored.
- Scope (services/visibility.py): a socket carries only the cases its user may read through the
  API, with the same fields: a department its department's cases, an inspector the cases it
  reported, is tasked with or that lie in its grids (re-read at every heartbeat), both without
  the citizen's contact. A case that leaves the scope is sent once more, so the client sees it
  leave. Positions: the hall, leaders and admins get every inspector's, an inspector its own, a
  department none. Urges ("urge.created", "urge.replied"): the department the urge went to and
  the hall, leaders and admins; no inspector. Every other event goes to everyone.
- The token is re-checked at every heartbeat: after logout or expiry the socket closes with 4401.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
from datetime import datetime, timezone

from fastapi import APIRouter, Depends, FastAPI, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocketState

from app.domain.workflow import Role

from ..context import ServerContext
from ..db.models import Token, User
from ..security import token_hash
from ..services.cases import inspector_grid_codes
from ..services.event_bus import dumps
from ..services.visibility import EventScope
from .deps import current_user, get_ctx

log = logging.getLogger("occ.ws")
router = APIRouter(tags=["events"])

HEARTBEAT_SECONDS = 20.0
QUEUE_EVENTS = 1000  # per connection; beyond this the client gets "resync" instead
SEND_TIMEOUT = 30.0  # a client that takes longer to accept one frame is disconnected
CLOSE_UNAUTHORIZED = 4401


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def user_for_token(ctx: ServerContext, token: str | None) -> User | None:
    if not token:
        return None
    with ctx.db.session() as s:
        tok = s.get(Token, token_hash(token))
        if tok is None or tok.expires_at < datetime.now(timezone.utc):
            return None
        user = s.get(User, tok.user_id)
        if user is None or not user.active:
            return None
        s.expunge(user)
        return user


def _token_of(ws: WebSocket) -> str | None:
    tok = ws.query_params.get("token")
    if tok:
        return tok
    auth = ws.headers.get("authorization", "")
    scheme, _, cred = auth.partition(" ")
    return cred.strip() if scheme.lower() == "bearer" and cred.strip() else None


def _scope_for(ctx: ServerContext, user: User) -> EventScope:
    """The user's event scope; an inspector's grid codes read now (the caller is off the loop)."""
    return EventScope(user, _grids_of(ctx, user))


def _grids_of(ctx: ServerContext, user: User) -> list[str]:
    if user.role != Role.INSPECTOR:
        return []
    with ctx.db.session() as s:
        return inspector_grid_codes(s, user.id)


def _user_json(u: User) -> dict:
    return {"id": u.id, "username": u.username, "display_name": u.display_name, "role": u.role,
            "department_id": u.department_id}


@router.websocket("/ws")
async def events_ws(ws: WebSocket) -> None:
    ctx: ServerContext = ws.app.state.ctx
    token = _token_of(ws)
    user = await run_in_threadpool(user_for_token, ctx, token)
    await ws.accept()
    if user is None:
        reason = ("no login token: connect to /ws?token=<token> (POST /api/auth/login)" if not token
                  else "the login token is unknown or expired: log in again")
        await ws.close(CLOSE_UNAUTHORIZED, reason)
        return

    scope = await run_in_threadpool(_scope_for, ctx, user)
    sub = ctx.bus.subscribe(QUEUE_EVENTS, scope.view)
    send_lock = asyncio.Lock()

    async def send(obj: dict) -> None:
        async with send_lock:
            await asyncio.wait_for(ws.send_text(dumps(obj)), SEND_TIMEOUT)

    async def pump() -> None:
        """Bus → client, with a heartbeat (and token check) when idle."""
        loop = asyncio.get_running_loop()
        next_beat = loop.time() + HEARTBEAT_SECONDS
        while True:
            try:
                event = await asyncio.wait_for(sub.get(), max(0.0, next_beat - loop.time()))
            except asyncio.TimeoutError:
                if await run_in_threadpool(user_for_token, ctx, token) is None:
                    await ws.close(CLOSE_UNAUTHORIZED, "the login token expired or was logged out")
                    return
                if user.role == Role.INSPECTOR:  # grids reassigned meanwhile take effect here
                    scope.set_grids(await run_in_threadpool(_grids_of, ctx, user))
                await send({"type": "heartbeat", "server_time": _now()})
                next_beat = loop.time() + HEARTBEAT_SECONDS
                continue
            await send(event)
            if loop.time() >= next_beat:  # busy streams still get a token check
                next_beat = loop.time()

    async def receive() -> None:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            try:
                msg = json.loads(message.get("text") or message.get("bytes") or b"")
            except ValueError:
                continue
            if isinstance(msg, dict) and msg.get("type") == "ping":
                await send({"type": "pong", "server_time": _now()})

    try:
        await send({"type": "hello", "user": _user_json(user), "server_time": _now()})
        tasks = [asyncio.create_task(pump()), asyncio.create_task(receive())]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for t in pending:
            t.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for t in done:
            exc = t.exception()
            if exc is not None and not isinstance(exc, (WebSocketDisconnect, RuntimeError)):
                if isinstance(exc, asyncio.TimeoutError):
                    log.info("closing a WebSocket of %s: client too slow", user.username)
                else:
                    log.warning("WebSocket of %s failed: %r", user.username, exc)
    except WebSocketDisconnect:
        pass
    finally:
        sub.close()
        if ws.application_state == WebSocketState.CONNECTED and ws.client_state == WebSocketState.CONNECTED:
            try:
                await ws.close()
            except Exception:  # noqa: BLE001 - already gone
                pass


@router.get("/api/events/status")
def events_status(_: User = Depends(current_user), ctx: ServerContext = Depends(get_ctx)) -> dict:
    """This process's share of the live events: connections, sharing, and the band watcher."""
    watcher = ctx.extras.get("band_watcher")
    return {"pid": os.getpid(), "subscribers": len(ctx.bus._subs), "shared_between_processes": ctx.bus.shared,
            "band_watcher": None if watcher is None else watcher.status()}


def install(app: FastAPI) -> None:
    """Starts the band watcher with the app and stops it at shutdown."""
    from ..services.band_watcher import BandWatcher

    async def start(ctx: ServerContext) -> None:
        watcher = BandWatcher(ctx)
        ctx.extras["band_watcher"] = watcher
        await watcher.start()

    async def stop(ctx: ServerContext) -> None:
        watcher = ctx.extras.pop("band_watcher", None)
        if watcher is not None:
            await watcher.stop()

    app.state.startup_hooks.append(start)
    app.state.shutdown_hooks.append(stop)
