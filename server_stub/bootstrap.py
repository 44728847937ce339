"""First start: make sure an administrator exists, so a fresh server can be logged into."""
from __future__ import annotations

import logging
import os
import secrets

from sqlalchemy import func, select

from .context import ServerContext
from .db.models import User
from .services.users import create_user

log = logging.getLogger("occ.server")


def ensure_admin(ctx: ServerContext) -> str | None:
    """Creates user 'admin' when there are no users; returns its password (to print once)."""
    with ctx.db.transaction() as s:
        if s.scalar(select(func.count(User.id))):
            return None
        password = os.environ.get("OCC_ADMIN_PASSWORD") or secrets.token_urlsafe(9)
        create_user(s, "admin", "系统管理员", password, "admin")
        return password
