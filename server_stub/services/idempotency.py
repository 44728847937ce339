"""Idempotent POSTs: a request with an `Idempotency-Key` header runs once; a retry with the same key
gets the first answer back byte for byte (status, body, content type) with `Idempotent-Replay: true`.

The key is inserted *before* the request runs (status 0 = in progress), so of two concurrent
requests with one key only one executes; the other waits up to WAIT_SECONDS for the answer and
replays it, else gets 409. A key reused for a different request (method, path, query, body or
user differ) is refused with 422. Answers with status >= 500 are not kept (the retry runs again).
An in-progress record older than STALE_SECONDS (its server died mid-request) is taken over.
Records older than KEEP are purged at start and then at most every PURGE_EVERY.

Login and logout are left out: their answers carry bearer tokens, which are never stored.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, update
from starlette.concurrency import run_in_threadpool

from ..db.models import IdempotencyRecord, Token
from ..security import token_hash
from .deadlines import insert_ignore

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
    scheme, _, cred = (authorization or "").partition(" ")
    if scheme.lower() == "bearer" and cred.strip():
        from ..api.deps import cached_user_id  # the login cache answers most requests without a query
        uid = cached_user_id(cred.strip())
        if uid is not None:
            return uid, f"user:{uid}"
        with ctx.db.session() as s:
            tok = s.get(Token, token_hash(cred.strip()))
            if tok is not None:
                return tok.user_id, f"user:{tok.user_id}"
    return None, "anon:" + hashlib.sha256((authorization or "").encode()).hexdigest()


def request_hash(method: str, path: str, query: str, identity: str, body: bytes) -> str:
    h = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), identity.encode()):
        h.update(part + b"\0")
    h.update(body)
    return h.hexdigest()


def begin(ctx: Any, key: str, method: str, path: str, rhash: str, user_id: int | None
          ) -> tuple[str, IdempotencyRecord | None]:
    """'run' (we own the key now), 'replay' (+ record), 'mismatch' or 'busy'."""
    for _ in range(3):  # the record may vanish between our insert and read (a 5xx abandons it)
        now = _now()
        with ctx.db.transaction() as s:
            if insert_ignore(s, IdempotencyRecord, {"key": key, "user_id": user_id, "method": method,
                                                    "path": path[:300], "request_hash": rhash,
                                                    "status_code": IN_PROGRESS, "body": b"",
                                                    "created_at": now}):
                return "run", None
        with ctx.db.transaction() as s:
            rec = s.get(IdempotencyRecord, key)
            if rec is None:
                continue
            if rec.request_hash != rhash:
                return "mismatch", None
            if rec.status_code != IN_PROGRESS:
                s.expunge(rec)
                return "replay", rec
            if (now - rec.created_at).total_seconds() > STALE_SECONDS:
                took = s.execute(update(IdempotencyRecord)
                                 .where(IdempotencyRecord.key == key, IdempotencyRecord.status_code == IN_PROGRESS,
                                        IdempotencyRecord.created_at == rec.created_at)
                                 .values(created_at=now).execution_options(synchronize_session=False))
                if took.rowcount == 1:
                    log.warning("idempotency key %r: taking over a stale in-progress request", key)
                    return "run", None
            return "busy", None
    return "busy", None


def finish(ctx: Any, key: str, status: int, content_type: str, body: bytes) -> None:
    with ctx.db.transaction() as s:
        s.execute(update(IdempotencyRecord).where(IdempotencyRecord.key == key)
                  .values(status_code=status, body=pack(content_type, body))
                  .execution_options(synchronize_session=False))


def abandon(ctx: Any, key: str) -> None:
    with ctx.db.transaction() as s:
        s.execute(delete(IdempotencyRecord).where(IdempotencyRecord.key == key,
                                                  IdempotencyRecord.status_code == IN_PROGRESS))


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

        user_id, identity = await run_in_threadpool(who, ctx, headers.get("authorization"))
        rhash = request_hash("POST", path, scope.get("query_string", b"").decode("latin-1"), identity, body)
        waited = 0.0
        delay = 0.02
        while True:
            verdict, rec = await run_in_threadpool(begin, ctx, key, "POST", path, rhash, user_id)
            if verdict != "busy" or waited >= WAIT_SECONDS:
                break
            await asyncio.sleep(delay)
            waited += delay
            delay = min(delay * 2, 0.25)
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
            await run_in_threadpool(finish, ctx, key, status, ctype, content)
        else:
            await run_in_threadpool(abandon, ctx, key)
        await send(start)
        await send({"type": "http.response.body", "body": content, "more_body": False})
