"""Request dependencies: the server context, a database session, the current user and role checks."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Iterator

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from ..context import ServerContext
from ..db.models import Token, User
from ..security import token_hash
from .errors import forbids

_bearer = HTTPBearer(auto_error=False)


# The dependencies that need no I/O are `async def`: FastAPI runs a plain `def` dependency on a
# worker thread, and each such hop costs a thread hand-over on every request.
async def get_ctx(request: Request) -> ServerContext:
    return request.app.state.ctx


def get_session(ctx: ServerContext = Depends(get_ctx)) -> Iterator[Session]:
    with ctx.db.session() as s:
        yield s


# token hash -> (user, expires_at, cached_at). Every request needs its user; a short cache saves a
# query per request. Logout in this process forgets the token at once (forget_token); another
# server process notices within TOKEN_CACHE_SECONDS.
TOKEN_CACHE_SECONDS = 10.0
_token_cache: dict[str, tuple[User, datetime, float]] = {}
_token_lock = threading.Lock()


def forget_token(token: str) -> None:
    with _token_lock:
        _token_cache.pop(token_hash(token), None)


def cached_user_id(token: str) -> int | None:
    hit = _token_cache.get(token_hash(token))
    return hit[0].id if hit is not None and time.monotonic() - hit[2] < TOKEN_CACHE_SECONDS else None


async def current_user(creds: HTTPAuthorizationCredentials | None = Depends(_bearer),
                       ctx: ServerContext = Depends(get_ctx)) -> User:
    if creds is None or not creds.credentials:
        raise HTTPException(401, "not logged in: send 'Authorization: Bearer <token>' (POST /api/auth/login)",
                            headers={"WWW-Authenticate": "Bearer"})
    key = token_hash(creds.credentials)
    hit = _token_cache.get(key)
    if hit is not None and time.monotonic() - hit[2] < TOKEN_CACHE_SECONDS \
            and hit[1] >= datetime.now(timezone.utc):
        return hit[0]
    user = await run_in_threadpool(_load_user, ctx, key)  # a miss reads the database: off the loop
    with _token_lock:
        if len(_token_cache) > 10_000:
            _token_cache.clear()
        _token_cache[key] = (user, user._occ_token_expires, time.monotonic())
    return user


def _load_user(ctx: ServerContext, key: str) -> User:
    with ctx.db.session() as s:
        tok = s.get(Token, key)
        if tok is None or tok.expires_at < datetime.now(timezone.utc):
            raise HTTPException(401, "the login token is unknown or expired: log in again",
                                headers={"WWW-Authenticate": "Bearer"})
        user = s.get(User, tok.user_id)
        if user is None or not user.active:
            raise HTTPException(401, "this user is disabled")
        s.expunge(user)
        user._occ_token_expires = tok.expires_at
        return user


def require_roles(*roles: str):
    """A dependency that lets only the given roles through (403 naming the roles allowed)."""
    allowed = frozenset(roles)

    @forbids
    async def check(user: User = Depends(current_user)) -> User:
        if user.role not in allowed:
            raise HTTPException(403, f"this needs role {' or '.join(sorted(allowed))}; you are '{user.role}'")
        return user
    return check
