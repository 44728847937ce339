"""Users, login tokens and the lockout after repeated failed logins.

Login is split so that no transaction is open while the password is hashed (api/auth.py):
`login_candidate` reads, the check runs outside, then `login_failed` or `issue_token` write.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, select, update
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
    """All in one transaction, for tools and tests (the server uses the split steps below)."""
    u = s.scalar(select(User).where(User.username == username))
    if u is None or not u.active or u.locked_at is not None or not verify_password(u.password_hash, password):
        return None
    return _issue(s, u, hours)


@dataclass(frozen=True)
class Candidate:
    id: int
    password_hash: str
    active: bool
    locked_at: datetime | None


def login_candidate(ctx: Any, username: str) -> Candidate | None:
    """The account a login names (a read: no transaction is held while the password is checked)."""
    with ctx.db.session() as s:
        row = s.execute(select(User.id, User.password_hash, User.active, User.locked_at)
                        .where(User.username == username)).first()
    return None if row is None else Candidate(*row)


def login_failed(ctx: Any, user_id: int, lockout: int) -> bool:
    """Counts a failed login; locks the account at `lockout` consecutive failures (0: never).
    True if the account is locked now."""
    with ctx.db.transaction() as s:
        u = s.get(User, user_id)
        if u is None:
            return False
        u.failed_logins = (u.failed_logins or 0) + 1
        if lockout > 0 and u.failed_logins >= lockout and u.locked_at is None:
            u.locked_at = datetime.now(timezone.utc)
        return u.locked_at is not None


def issue_token(ctx: Any, user_id: int, hours: float) -> tuple[str, datetime, User] | None:
    """A successful login: a new token, the failure count back to 0 (None: the account went away
    or was locked or disabled while its password was checked)."""
    with ctx.db.transaction() as s:
        u = s.get(User, user_id)
        if u is None or not u.active or u.locked_at is not None:
            return None
        if u.failed_logins:
            u.failed_logins = 0
        return _issue(s, u, hours)


def _issue(s: Session, u: User, hours: float) -> tuple[str, datetime, User]:
    now = datetime.now(timezone.utc)
    s.execute(delete(Token).where(Token.expires_at < now))  # keep the table small
    tok = new_token()
    expires = now + timedelta(hours=hours)
    s.add(Token(token_hash=token_hash(tok), user_id=u.id, expires_at=expires))
    return tok, expires, u


def unlock(s: Session, user_id: int | None = None, username: str | None = None) -> User:
    """An administrator's unlock: failures forgotten, the account usable again."""
    u = s.get(User, user_id) if user_id is not None else s.scalar(select(User).where(User.username == username))
    if u is None:
        raise UserError(f"no user {username if username is not None else user_id!r}")
    s.execute(update(User).where(User.id == u.id).values(failed_logins=0, locked_at=None))
    s.refresh(u)
    return u


def logout(s: Session, token: str) -> None:
    s.execute(delete(Token).where(Token.token_hash == token_hash(token)))
