"""Users and login tokens."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.domain.workflow import Role

from ..db.models import Department, Token, User
from ..security import hash_password, new_token, token_hash, verify_password


class UserError(ValueError):
    pass


def create_user(s: Session, username: str, display_name: str, password: str, role: Role | str,
                department_id: int | None = None, phone: str | None = None) -> User:
    role = Role(role)
    if role == Role.DEPARTMENT and department_id is None:
        raise UserError("a department user needs department_id")
    if department_id is not None and s.get(Department, department_id) is None:
        raise UserError(f"department {department_id} does not exist")
    if s.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(f"user {username!r} exists already")
    u = User(username=username, display_name=display_name, password_hash=hash_password(password),
             role=role.value, department_id=department_id, phone=phone)
    s.add(u)
    s.flush()
    return u


def login(s: Session, username: str, password: str, hours: float) -> tuple[str, datetime, User] | None:
    u = s.scalar(select(User).where(User.username == username))
    if u is None or not u.active or not verify_password(u.password_hash, password):
        return None
    now = datetime.now(timezone.utc)
    s.execute(delete(Token).where(Token.expires_at < now))  # keep the table small
    tok = new_token()
    expires = now + timedelta(hours=hours)
    s.add(Token(token_hash=token_hash(tok), user_id=u.id, expires_at=expires))
    return tok, expires, u


def logout(s: Session, token: str) -> None:
    s.execute(delete(Token).where(Token.token_hash == token_hash(token)))
