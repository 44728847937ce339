"""Idempotent POSTs: a request with an `Idempotency-Key` header runs once; a retry with the same key
gets the first answer back byte for byte (status, body, content type) with `Idempotent-Replay: true`.

The key is inserted *before* the request runs (status 0 = in progress), so of two concurrent
requests with one key only one executes; the other waits up to WAIT_SECONDS for the answer and
replays it, else gets 409. A key reused for a different request (method, path, query, body or
user differ) is refused with 422. Answers with status >= 500 are not kept (the retry runs again).
An in-progress record older than STALE_SECONDS (its server died mid-request) is taken over.
Records older than KEEP are purged at start and then at most every PURGE_EVERY.

Login and logout are left out: their answers carry bearer tokens, which are never stored.

On SQLite the two small writes (claim, answer) run on the event loop itself when the database is
free this instant (Database.write_now), else on a worker thread: the hand-over to a thread costs
more than the write.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from ..db.models import IdempotencyRecord, Token
from ..security import token_hash
from .deadlines import insert_ignoring

log = logging.getLogger("occ.idempotency")

HEADER = "idempotency-key"
EXCLUDED_PREFIXES = ("/api/auth/",)
KEY_MAX = 100
IN_PROGRESS = 0
WAIT_SECONDS = 10.0
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
_TAKE_OVER = (update(_T).where(_T.c.key == bindparam("k"), _T.c.status_code == IN_PROGRESS,
                               _T.c.created_at == bindparam("was")).values(created_at=bindparam("now")))
_FINISH = update(_T).where(_T.c.key == bindparam("k")).values(status_code=bindparam("st"), body=bindparam("b"))
_ABANDON = delete(_T).where(_T.c.key == bindparam("k"), _T.c.status_code == IN_PROGRESS)
def _begin_on(c: Any, key: str, method: str, path: str, rhash: str, user_id: int | None
              ) -> tuple[str, Any] | None:
    """One attempt at begin in the open transaction of `c`; None if the record vanished between
    our insert and our read (a 5xx abandoned it): try again."""
    now = _now()
    if c.execute(insert_ignoring(_T, c.dialect.name),
                 {"key": key, "user_id": user_id, "method": method, "path": path[:300],
                  "request_hash": rhash, "status_code": IN_PROGRESS, "body": b"",
                  "created_at": now}).first() is not None:
        return "run", None
    rec = c.execute(_SELECT, {"k": key}).first()
    if rec is None:
        return None
    if rec.request_hash != rhash:
        return "mismatch", None
    if rec.status_code != IN_PROGRESS:
        return "replay", rec
    if (now - rec.created_at).total_seconds() > STALE_SECONDS:
        if c.execute(_TAKE_OVER, {"k": key, "was": rec.created_at, "now": now}).rowcount == 1:
            log.warning("idempotency key %r: taking over a stale in-progress request", key)
            return "run", None
    return "busy", None


def begin(ctx: Any, key: str, method: str, path: str, rhash: str, user_id: int | None
          ) -> tuple[str, Any]:
    """'run' (we own the key now), 'replay' (+ the stored row), 'mismatch' or 'busy'."""
    for _ in range(3):
        with ctx.db.write_connection() as c:
            out = _begin_on(c, key, method, path, rhash, user_id)
        if out is not None:
            return out
    return "busy", None


def claim(ctx: Any, key: str, path: str, query: str, authorization: str | None, body: bytes
          ) -> tuple[str, Any, int | None, str]:
    """The first attempt in one worker-thread hop: who asks, the request's hash, then begin.
    Returns (verdict, stored row, user id, request hash)."""
    user_id, identity = who(ctx, authorization)
    rhash = request_hash("POST", path, query, identity, body)
    verdict, rec = begin(ctx, key, "POST", path, rhash, user_id)
    return verdict, rec, user_id, rhash


def claim_now(ctx: Any, key: str, path: str, query: str, authorization: str | None, body: bytes
              ) -> tuple[str, Any, int | None, str] | None:
    """`claim` on the calling thread (the event loop) when nothing has to wait, else None."""
    known = who_cached(authorization)
    if known is None:
        return None
    user_id, identity = known
    rhash = request_hash("POST", path, query, identity, body)
    try:
        with ctx.db.write_now() as c:
            out = None if c is None else _begin_on(c, key, "POST", path, rhash, user_id)
    except OperationalError:  # SQLite locked by another process: the worker thread waits for it
        return None
    return None if out is None else (*out, user_id, rhash)


def finish(ctx: Any, key: str, status: int, content_type: str, body: bytes) -> None:
    with ctx.db.write_connection() as c:
        c.execute(_FINISH, {"k": key, "st": status, "b": pack(content_type, body)})


def finish_now(ctx: Any, key: str, status: int, content_type: str, body: bytes) -> bool:
    """`finish` on the calling thread when nothing has to wait; False: call `finish` in a worker."""
    try:
        with ctx.db.write_now() as c:
            if c is None:
                return False
            c.execute(_FINISH, {"k": key, "st": status, "b": pack(content_type, body)})
            return True
    except OperationalError:
        return False


def abandon(ctx: Any, key: str) -> None:
    with ctx.db.write_connection() as c:
        c.execute(_ABANDON, {"k": key})


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

        async def reply(status: int, detail: Any) -> None:
            start, body = _json_response(status, detail)
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
        claimed = claim_now(ctx, key, path, query, headers.get("authorization"), body)
        if claimed is None:
            claimed = await run_in_threadpool(claim, ctx, key, path, query, headers.get("authorization"), body)
        verdict, rec, user_id, rhash = claimed
        waited = 0.0
        delay = 0.02
        while True:
            if verdict != "busy" or waited >= WAIT_SECONDS:
                break
            await asyncio.sleep(delay)
            waited += delay
            delay = min(delay * 2, 0.25)
            verdict, rec = await run_in_threadpool(begin, ctx, key, "POST", path, rhash, user_id)
        if verdict == "mismatch":
            await reply(422, "Idempotency-Key reused with a different request")
            return
        if verdict == "busy":
            await reply(409, "a request with this Idempotency-Key is still in progress: retry later")
            return
        if verdict == "replay":
            assert rec is not None
            ctype, stored = unpack(rec.body)
            hdrs = [(b"content-length", str(len(stored)).encode()), (b"idempotent-replay", b"true")]
            if ctype:
                hdrs.insert(0, (b"content-type", ctype.encode("latin-1")))
            await send({"type": "http.response.start", "status": rec.status_code, "headers": hdrs})
            await send({"type": "http.response.body", "body": stored, "more_body": False})
            return

        # We own the key: run the request with the buffered body, hold the answer until it is stored.
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

        try:
            await self.app(scope, replay_receive, capture)
        except BaseException:
            await run_in_threadpool(abandon, ctx, key)
            raise
        if start is None or not done:
            await run_in_threadpool(abandon, ctx, key)
            return
        content = b"".join(parts)
        status = start["status"]
        if status < 500:
            ctype = next((v.decode("latin-1") for k, v in start.get("headers", [])
                          if k.lower() == b"content-type"), "")
            if not finish_now(ctx, key, status, ctype, content):
                await run_in_threadpool(finish, ctx, key, status, ctype, content)
        else:
            await run_in_threadpool(abandon, ctx, key)
        await send(start)
        await send({"type": "http.response.body", "body": content, "more_body": False})
