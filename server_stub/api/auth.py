"""Login, logout, who am I, and user administration."""
from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from app.domain.workflow import Role

from ..context import ServerContext
from ..db.models import User
from ..schemas.auth import LoginIn, LoginOut, UserIn, UserOut
from ..services import users
from .deps import current_user, forget_token, get_ctx, require_roles

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/login", response_model=LoginOut)
def login(body: LoginIn, ctx: ServerContext = Depends(get_ctx)) -> LoginOut:
    with ctx.db.transaction() as s:
        got = users.login(s, body.username, body.password, ctx.settings.token_hours)
        if got is None:
            raise HTTPException(401, "wrong user name or password")
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


@router.get("/users", response_model=list[UserOut])
def list_users(role: Role | None = None, _: User = Depends(current_user),
               ctx: ServerContext = Depends(get_ctx)) -> list[UserOut]:
    with ctx.db.session() as s:
        q = select(User).order_by(User.id)
        if role:
            q = q.where(User.role == role.value)
        return [UserOut.model_validate(u) for u in s.scalars(q)]


@router.post("/users", response_model=UserOut, status_code=201)
def add_user(body: UserIn, _: User = Depends(require_roles(Role.ADMIN)),
             ctx: ServerContext = Depends(get_ctx)) -> UserOut:
    with ctx.db.transaction() as s:
        try:
            u = users.create_user(s, body.username, body.display_name, body.password, body.role,
                                  body.department_id, body.phone)
        except users.UserError as e:
            raise HTTPException(409, str(e)) from None
        return UserOut.model_validate(u)
