"""Request dependencies: the server context, a database session, the current user and role checks."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterator

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from ..context import ServerContext
from ..db.models import Token, User
from ..security import token_hash

_bearer = HTTPBearer(auto_error=False)


def get_ctx(request: Request) -> ServerContext:
    return request.app.state.ctx


def get_session(ctx: ServerContext = Depends(get_ctx)) -> Iterator[Session]:
    with ctx.db.session() as s:
        yield s


def current_user(creds: HTTPAuthorizationCredentials | None = Depends(_bearer),
                 ctx: ServerContext = Depends(get_ctx)) -> User:
    if creds is None or not creds.credentials:
        raise HTTPException(401, "not logged in: send 'Authorization: Bearer <token>' (POST /api/auth/login)",
                            headers={"WWW-Authenticate": "Bearer"})
    with ctx.db.session() as s:
        tok = s.get(Token, token_hash(creds.credentials))
        if tok is None or tok.expires_at < datetime.now(timezone.utc):
            raise HTTPException(401, "the login token is unknown or expired: log in again",
                                headers={"WWW-Authenticate": "Bearer"})
        user = s.get(User, tok.user_id)
        if user is None or not user.active:
            raise HTTPException(401, "this user is disabled")
        s.expunge(user)
        return user


def require_roles(*roles: str):
    """A dependency that lets only the given roles through (403 naming the roles allowed)."""
    allowed = frozenset(roles)

    def check(user: User = Depends(current_user)) -> User:
        if user.role not in allowed:
            raise HTTPException(403, f"this needs role {' or '.join(sorted(allowed))}; you are '{user.role}'")
        return user
    return check
