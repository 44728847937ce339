"""`python -m server_stub users unlock NAME [--db URL]`: an administrator's unlock of an account
locked after repeated failed logins, from the server's own machine (no login needed: the admin
account itself may be the locked one). `users list` shows the accounts with their lock state."""
from __future__ import annotations

import argparse
import sys

from sqlalchemy import select


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m server_stub users", description="user accounts")
    p.add_argument("--db", default=None, help="database URL (default: OCC_DB or var/occ.sqlite)")
    sub = p.add_subparsers(dest="command", required=True)
    un = sub.add_parser("unlock", help="unlock an account locked after repeated failed logins")
    un.add_argument("name", help="user name")
    sub.add_parser("list", help="accounts, roles and lock state")
    args = p.parse_args(argv)

    from .db.models import User
    from .db.session import Database
    from .services import users
    from .settings import Settings
    db = Database(args.db or Settings().db)
    try:
        db.migrate()
        if args.command == "unlock":
            with db.transaction() as s:
                try:
                    u = users.unlock(s, username=args.name)
                except users.UserError as e:
                    print(e, file=sys.stderr)
                    return 1
            print(f"unlocked {u.username} ({u.role}); a running server forgets its recent failures "
                  f"within {Settings().login_window_seconds:g} s")
        else:
            with db.session() as s:
                for u in s.scalars(select(User).order_by(User.id)):
                    state = f"locked since {u.locked_at.isoformat()}" if u.locked_at else (
                        f"{u.failed_logins} failed logins" if u.failed_logins else "ok")
                    print(f"{u.id}\t{u.username}\t{u.role}\t{'active' if u.active else 'disabled'}\t{state}")
        return 0
    finally:
        db.dispose()
