"""Idempotent POSTs: a request with an `Idempotency-Key` header runs once; a retry with the same key
gets the first answer back byte for byte (status, body, content type) with `Idempotent-Replay: true`.

A key has a stored answer exactly when the change it answers has committed: a writing endpoint's
unit of work stores its answer itself, inside its own transaction (`seal`, through the `answer`
callback the case services take), so the change and its answer commit or vanish together. There is
no committed "in progress" state: while a request runs, its claim on the key is the uncommitted
row of that transaction. A server killed at any moment leaves either both (the retry replays the
answer) or neither (the database rolls both back and the retry runs the request, for the first time
as far as the data knows). Two requests with one key at once are put in order by the database
(SQLite has one writer; on PostgreSQL the second INSERT of the key waits for the first transaction):
the second finds the key taken, its own transaction is rolled back, and it replays the first answer.

Answers that no unit of work sealed (refusals, validation errors, photo uploads: requests that
changed nothing a second run could double) are stored right after the endpoint returns (`store`);
if another request stored the key meanwhile, its answer is the one sent. A key reused for a
different request (method, path, query, body or user differ) is refused with 422. Answers with
status >= 500 are not kept (the retry runs again). Records older than KEEP are purged at start and
then at most every PURGE_EVERY. A status-0 row is a claim written by a server before this design
(claim first, answer later): taken over after STALE_SECONDS, "still in progress" (409) before.

Login and logout are left out: their answers carry bearer tokens, which are never stored.

On SQLite the look-up before the request runs on the event loop (Database.read_now), and a late
store on it when the database is free this instant (Database.write_now), else on a worker thread:
the hand-over to a thread costs more than the statement.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from contextvars import ContextVar
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from fastapi import HTTPException
from pydantic import BaseModel
from sqlalchemy import Connection, bindparam, delete, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ..db.models import IdempotencyRecord, Token
from ..security import token_hash
from .deadlines import insert_ignoring

log = logging.getLogger("occ.idempotency")

HEADER = "idempotency-key"
EXCLUDED_PREFIXES = ("/api/auth/",)
KEY_MAX = 100
IN_PROGRESS = 0
STALE_SECONDS = 120.0
KEEP = timedelta(hours=24)
PURGE_EVERY = 3600.0


def _now() -> datetime:
    return datetime.now(timezone.utc)


def pack(content_type: str, body: bytes) -> bytes:
    """The stored body: content type, NUL, bytes (the table has no content-type column)."""
    return content_type.encode("latin-1") + b"\0" + body


def unpack(stored: bytes) -> tuple[str, bytes]:
    ctype, _, body = bytes(stored).partition(b"\0")
    return ctype.decode("latin-1"), body


def who(ctx: Any, authorization: str | None) -> tuple[int | None, str]:
    """(user id, identity for the hash): the user id when the token is known (a retry after a
    re-login is still the same request), else a hash of the Authorization header."""
    known = who_cached(authorization)
    if known is not None:
        return known
    token = (authorization or "").partition(" ")[2].strip()
    with ctx.db.session() as s:
        tok = s.get(Token, token_hash(token))
        if tok is not None:
            return tok.user_id, f"user:{tok.user_id}"
    return _anonymous(authorization)


def who_cached(authorization: str | None) -> tuple[int | None, str] | None:
    """`who` without a query, or None when it needs one (a bearer token not in the login cache)."""
    scheme, _, cred = (authorization or "").partition(" ")
    if scheme.lower() == "bearer" and cred.strip():
        from ..api.deps import cached_user_id  # the login cache answers most requests without a query
        uid = cached_user_id(cred.strip())
        return (uid, f"user:{uid}") if uid is not None else None
    return _anonymous(authorization)


def _anonymous(authorization: str | None) -> tuple[None, str]:
    return None, "anon:" + hashlib.sha256((authorization or "").encode()).hexdigest()


def request_hash(method: str, path: str, query: str, identity: str, body: bytes) -> str:
    h = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), identity.encode()):
        h.update(part + b"\0")
    h.update(body)
    return h.hexdigest()


# Statements built once: the hot path only binds values (building and hashing a statement per
# request costs more than running it).
_T = IdempotencyRecord.__table__
_SELECT = select(_T).where(_T.c.key == bindparam("k"))
_DROP_STALE = delete(_T).where(_T.c.key == bindparam("k"), _T.c.status_code == IN_PROGRESS,
                               _T.c.created_at == bindparam("was"))


class Pending:
    """The idempotent request running in this context (set by the middleware around the app)."""
    __slots__ = ("key", "user_id", "path", "rhash", "sealed", "taken")

    def __init__(self, key: str, user_id: int | None, path: str, rhash: str):
        self.key, self.user_id, self.path, self.rhash = key, user_id, path, rhash
        self.sealed = False  # the unit of work stored the answer in its transaction
        self.taken = False  # another request with this key committed first: replay its answer


_pending: ContextVar[Pending | None] = ContextVar("occ_idempotency_pending", default=None)


class AlreadyAnswered(HTTPException):
    """Raised inside a unit of work whose key another request has answered meanwhile: the
    transaction rolls back and the middleware replays that answer instead of this response."""

    def __init__(self) -> None:
        super().__init__(409, "a request with this Idempotency-Key has been answered meanwhile")


def _row(p: Pending, status: int, content_type: str, body: bytes) -> dict:
    return {"key": p.key, "user_id": p.user_id, "method": "POST", "path": p.path[:300],
            "request_hash": p.rhash, "status_code": status, "body": pack(content_type, body),
            "created_at": _now()}


def seal(s: Session | Connection, status: int, content_type: str, body: bytes) -> None:
    """Stores the answer of the idempotent request running in this context (if any) in the open
    transaction of `s`, so that it commits with the change it answers. Call it last in the unit
    of work, with exactly the bytes the endpoint will send. Raises AlreadyAnswered when the key
    is taken (the caller's transaction must then roll back)."""
    p = _pending.get()
    if p is None:
        return
    c = s.connection() if isinstance(s, Session) else s
    if c.execute(insert_ignoring(_T, c.dialect.name), _row(p, status, content_type, body)).first() is None:
        p.taken = True
        raise AlreadyAnswered()
    p.sealed = True


def json_answer(model: type[BaseModel], status: int = 200) -> Callable[[Session, Any], Response]:
    """An `answer` callback for the case services: renders `out` as `model` (what FastAPI's
    response_model would send), seals it in the unit of work's transaction and returns the
    response, so the first answer and every replay are the same bytes."""
    def answer(s: Session, out: Any) -> Response:
        body = model.model_validate(out).model_dump_json().encode()
        seal(s, status, "application/json", body)
        return Response(body, status_code=status, media_type="application/json")
    return answer


def _lookup_on(c: Any, key: str, rhash: str, can_write: bool) -> tuple[str, Any] | None:
    """'run', 'replay' (+ the stored row), 'mismatch' or 'busy'; None: it needs a write (a stale
    claim of the earlier design to drop) that this connection cannot make."""
    rec = c.execute(_SELECT, {"k": key}).first()
    if rec is None:
        return "run", None
    if rec.request_hash != rhash:
        return "mismatch", None
    if rec.status_code != IN_PROGRESS:
        return "replay", rec
    if (_now() - rec.created_at).total_seconds() <= STALE_SECONDS:
        return "busy", None
    if not can_write:
        return None
    c.execute(_DROP_STALE, {"k": key, "was": rec.created_at})
    log.warning("idempotency key %r: dropping a stale in-progress claim", key)
    return "run", None


def lookup(ctx: Any, key: str, path: str, query: str, authorization: str | None, body: bytes
           ) -> tuple[str, Any, int | None, str]:
    """In a worker thread: who asks, the request's hash, and what the key holds.
    Returns (verdict, stored row, user id, request hash)."""
    user_id, identity = who(ctx, authorization)
    rhash = request_hash("POST", path, query, identity, body)
    with ctx.db.write_connection() as c:
        verdict, rec = _lookup_on(c, key, rhash, True)
    return verdict, rec, user_id, rhash


def lookup_now(ctx: Any, key: str, path: str, query: str, authorization: str | None, body: bytes
               ) -> tuple[str, Any, int | None, str] | None:
    """`lookup` on the calling thread (the event loop) when nothing has to wait, else None."""
    known = who_cached(authorization)
    if known is None:
        return None
    user_id, identity = known
    rhash = request_hash("POST", path, query, identity, body)
    try:
        with ctx.db.read_now() as c:
            out = None if c is None else _lookup_on(c, key, rhash, False)
    except OperationalError:  # SQLite busy: the worker thread waits for it
        return None
    return None if out is None else (*out, user_id, rhash)


def _store_on(c: Any, p: Pending, status: int, content_type: str, body: bytes) -> Any:
    """Stores an answer no unit of work sealed; returns None, or the row stored first by another
    request with this key."""
    if c.execute(insert_ignoring(_T, c.dialect.name), _row(p, status, content_type, body)).first() is not None:
        return None
    return c.execute(_SELECT, {"k": p.key}).first()


def store(ctx: Any, p: Pending, status: int, content_type: str, body: bytes) -> Any:
    with ctx.db.write_connection() as c:
        return _store_on(c, p, status, content_type, body)


def store_now(ctx: Any, p: Pending, status: int, content_type: str, body: bytes) -> tuple[bool, Any]:
    """`store` on the calling thread when nothing has to wait: (done, row stored first)."""
    try:
        with ctx.db.write_now() as c:
            if c is None:
                return False, None
            return True, _store_on(c, p, status, content_type, body)
    except OperationalError:
        return False, None


def purge(ctx: Any, now: datetime | None = None) -> int:
    """Deletes records older than KEEP; returns how many."""
    cutoff = (now or _now()) - KEEP
    with ctx.db.transaction() as s:
        n = s.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff)).rowcount
    ctx.extras["idempotency_purged_at"] = time.monotonic()
    return n or 0


# ---------------------------------------------------------------- ASGI middleware
def _json_response(status: int, detail: Any, extra_headers: list | None = None) -> tuple[dict, dict]:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    return ({"type": "http.response.start", "status": status, "headers": headers + (extra_headers or [])},
            {"type": "http.response.body", "body": body, "more_body": False})


async def _send_stored(send: Any, rec: Any) -> None:
    ctype, stored = unpack(rec.body)
    hdrs = [(b"content-length", str(len(stored)).encode()), (b"idempotent-replay", b"true")]
    if ctype:
        hdrs.insert(0, (b"content-type", ctype.encode("latin-1")))
    await send({"type": "http.response.start", "status": rec.status_code, "headers": hdrs})
    await send({"type": "http.response.body", "body": stored, "more_body": False})


class IdempotencyMiddleware:
    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        key = headers.get(HEADER)
        path = scope.get("path", "")
        if key is None or path.startswith(EXCLUDED_PREFIXES):
            await self.app(scope, receive, send)
            return
        ctx = scope["app"].state.ctx

        async def reply(status: int, detail: Any, extra: list | None = None) -> None:
            start, body = _json_response(status, detail, extra)
            await send(start)
            await send(body)

        key = key.strip()
        if not key or len(key) > KEY_MAX or not key.isprintable():
            await reply(422, [{"loc": ["header", "Idempotency-Key"], "type": "value_error",
                               "msg": f"Idempotency-Key must be 1 to {KEY_MAX} printable characters"}])
            return
        limit = ctx.settings.photo_max_bytes + 1024 * 1024
        chunks, size = [], 0
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            chunk = msg.get("body", b"")
            size += len(chunk)
            if size > limit:
                await reply(413, f"request body larger than {limit} bytes")
                return
            chunks.append(chunk)
            if not msg.get("more_body"):
                break
        body = b"".join(chunks)

        last = ctx.extras.get("idempotency_purged_at")
        if last is None or time.monotonic() - last > PURGE_EVERY:
            ctx.extras["idempotency_purged_at"] = time.monotonic()
            try:
                await run_in_threadpool(purge, ctx)
            except Exception:  # noqa: BLE001 - housekeeping must not fail a request
                log.exception("idempotency purge failed")

        query = scope.get("query_string", b"").decode("latin-1")
        auth = headers.get("authorization")
        looked = lookup_now(ctx, key, path, query, auth, body)
        if looked is None:
            looked = await run_in_threadpool(lookup, ctx, key, path, query, auth, body)
        verdict, rec, user_id, rhash = looked
        if verdict == "mismatch":
            await reply(422, "Idempotency-Key reused with a different request")
            return
        if verdict == "busy":
            # Retry-After tells clients this 409 is "send the same key again", not a conflict.
            await reply(409, "a request with this Idempotency-Key is still in progress: retry later",
                        [(b"retry-after", b"2")])
            return
        if verdict == "replay":
            await _send_stored(send, rec)
            return

        # Run the request with the buffered body; hold the answer until it is stored.
        sent_body = False

        async def replay_receive() -> dict:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        start: dict | None = None
        parts: list[bytes] = []
        done = False

        async def capture(message: dict) -> None:
            nonlocal start, done
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
                if not message.get("more_body"):
                    done = True
            else:
                await send(message)

        p = Pending(key, user_id, path, rhash)
        token = _pending.set(p)
        try:
            await self.app(scope, replay_receive, capture)
        except Exception:
            if not p.taken:
                raise
        finally:
            _pending.reset(token)
        if p.taken:  # another request with this key committed first: its answer is the answer
            verdict, rec, _, _ = await run_in_threadpool(lookup, ctx, key, path, query, auth, body)
            if verdict == "replay":
                await _send_stored(send, rec)
            else:
                await reply(409, "a request with this Idempotency-Key is still in progress: retry later",
                            [(b"retry-after", b"2")])
            return
        if start is None or not done:
            return
        content = b"".join(parts)
        status = start["status"]
        if status < 500 and not p.sealed:
            ctype = next((v.decode("latin-1") for k, v in start.get("headers", [])
                          if k.lower() == b"content-type"), "")
            ok, first = store_now(ctx, p, status, ctype, content)
            if not ok:
                first = await run_in_threadpool(store, ctx, p, status, ctype, content)
            if first is not None and first.status_code != IN_PROGRESS and first.request_hash == rhash:
                await _send_stored(send, first)
                return
        await send(start)
        await send({"type": "http.response.body", "body": content, "more_body": False})
