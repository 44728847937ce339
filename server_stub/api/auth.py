"""Login, logout, who am I, and user administration.

Login never holds a transaction (nor SQLite's write lock) while the password is hashed: the
account is read, the password checked on the login threads (services/login_guard.py), then the
token or the failure is written in a short transaction of its own.
"""
from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from app.domain.workflow import Role

from ..context import ServerContext
from ..db.models import User
from ..schemas.auth import LoginIn, LoginOut, UserIn, UserOut
from ..schemas.types import Id
from ..services import login_guard, users
from .deps import current_user, forget_token, get_ctx, require_roles
from .errors import errors

router = APIRouter(prefix="/api/auth", tags=["auth"])
_hold = asyncio.sleep  # how a refusal is held (tests replace it)
WRONG = "wrong user name or password"
_LOGIN_RESPONSES = {
    401: {"description": "wrong user name or password (the same answer, in the same time, for an unknown name)"},
    423: {"description": "the account is locked after repeated failed logins: an administrator unlocks it"},
    429: {"description": "too many failed logins from this user name or address, or too many logins at "
                         "once: the Retry-After header says when to try again"},
}


@router.post("/login", response_model=LoginOut, responses=_LOGIN_RESPONSES)
async def login(body: LoginIn, request: Request, ctx: ServerContext = Depends(get_ctx)) -> LoginOut:
    guard = login_guard.of(ctx)
    address = request.client.host if request.client else "-"
    try:
        guard.check_limits(body.username, address)
        cand = await run_in_threadpool(users.login_candidate, ctx, body.username)
        if cand is not None and cand.locked_at is not None:
            raise HTTPException(423, "this account is locked after repeated failed logins: "
                                     "an administrator unlocks it")
        ok = await guard.verify(cand.password_hash if cand else None, body.password)
    except login_guard.TooMany as e:
        # Held before answering (asleep: no CPU): a client flooding in a loop then sends at most a
        # request a second per connection, instead of as many as the server can refuse.
        await _hold(min(e.seconds, ctx.settings.login_refusal_delay_seconds))
        raise HTTPException(429, e.message, headers={"Retry-After": str(e.seconds)}) from None
    if not ok or not cand.active:
        guard.failed(body.username, address)
        if cand is not None:
            await ctx.db.run_write(users.login_failed, ctx, cand.id, ctx.settings.login_lockout_failures)
        raise HTTPException(401, WRONG)
    got = await ctx.db.run_write(users.issue_token, ctx, cand.id, ctx.settings.token_hours)
    if got is None:
        raise HTTPException(401, WRONG)
    guard.succeeded(body.username)
    tok, expires, u = got
    return LoginOut(token=tok, expires_at=expires, user=UserOut.model_validate(u))


@router.post("/logout", status_code=204)
def logout(creds: HTTPAuthorizationCredentials = Depends(HTTPBearer()),
           ctx: ServerContext = Depends(get_ctx)) -> None:
    with ctx.db.transaction() as s:
        users.logout(s, creds.credentials)
    forget_token(creds.credentials)


@router.get("/me", response_model=UserOut)
def me(user: User = Depends(current_user)) -> UserOut:
    return UserOut.model_validate(user)


@router.get("/users", response_model=list[UserOut], responses={403: {"description": "not an administrator"}})
def list_users(role: Role | None = None, _: User = Depends(require_roles(Role.ADMIN)),
               ctx: ServerContext = Depends(get_ctx)) -> list[UserOut]:
    """Every account (administrators only: names, roles and phones are nobody else's business)."""
    with ctx.db.session() as s:
        q = select(User).order_by(User.id)
        if role:
            q = q.where(User.role == role.value)
        return [UserOut.model_validate(u) for u in s.scalars(q)]


@router.post("/users", response_model=UserOut, status_code=201, responses=errors(409))
def add_user(body: UserIn, _: User = Depends(require_roles(Role.ADMIN)),
             ctx: ServerContext = Depends(get_ctx)) -> UserOut:
    with ctx.db.transaction() as s:
        try:
            u = users.create_user(s, body.username, body.display_name, body.password, body.role,
                                  body.department_id, body.phone)
        except users.UserError as e:
            raise HTTPException(409, str(e)) from None
        return UserOut.model_validate(u)


@router.post("/users/{user_id}/unlock", response_model=UserOut, responses=errors(404))
def unlock_user(user_id: Id, _: User = Depends(require_roles(Role.ADMIN)),
                ctx: ServerContext = Depends(get_ctx)) -> UserOut:
    """Unlocks an account locked after repeated failed logins (and forgets its recent failures)."""
    with ctx.db.transaction() as s:
        try:
            u = users.unlock(s, user_id=user_id)
        except users.UserError as e:
            raise HTTPException(404, str(e)) from None
        out = UserOut.model_validate(u)
    login_guard.of(ctx).forget(u.username)
    return out


def install(app: FastAPI) -> None:
    async def close_guard(ctx: ServerContext) -> None:
        guard = ctx.extras.pop("login_guard", None)
        if guard is not None:
            guard.close()

    app.state.shutdown_hooks.append(close_guard)
