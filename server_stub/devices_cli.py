"""`python -m server_stub devices add|list|revoke`: inspectors' phones, straight on the database
(the server may be running; another process notices a change within its device cache time).

    python -m server_stub devices add USERNAME DEVICE_ID [--label TEXT] [--db URL]
    python -m server_stub devices list [--user USERNAME] [--active] [--json] [--db URL]
    python -m server_stub devices revoke DEVICE_ID [--db URL]

`add` prints the device's new secret once (the database keeps its hash): configure the phone with
<server>/osmand?id=DEVICE_ID&key=SECRET (OsmAnd) or the same query on Traccar Client's URL.
"""
from __future__ import annotations

import argparse
import json
import sys

from sqlalchemy import select


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m server_stub devices",
                                description="Register inspectors' phones (OsmAnd/Traccar) with their own secrets.")
    p.add_argument("--db", default=None, help="database URL (default: OCC_DB, else var/occ.sqlite)")
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("add", help="register (or re-key) a phone to an inspector; prints its secret once")
    a.add_argument("username", help="the inspector's user name")
    a.add_argument("device_id", help="what the phone sends as `id` (OsmAnd device id / Traccar identifier)")
    a.add_argument("--label", help="a note, e.g. the phone's asset number")
    ls = sub.add_parser("list", help="registered phones")
    ls.add_argument("--user", help="only this inspector's")
    ls.add_argument("--active", action="store_true", help="leave out revoked ones")
    ls.add_argument("--json", action="store_true", help="one JSON document instead of a table")
    r = sub.add_parser("revoke", help="refuse a phone's positions from now on")
    r.add_argument("device_id")
    return p.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    from .db.models import User
    from .db.session import Database
    from .services import devices as svc
    from .settings import Settings

    settings = Settings(**({"db": args.db} if args.db else {}))
    db = Database(settings.db)
    try:
        db.migrate()
        with db.transaction() as s:
            user_id = None
            name = getattr(args, "username", None) or getattr(args, "user", None)
            if name:
                user_id = s.scalar(select(User.id).where(User.username == name))
                if user_id is None:
                    print(f"error: no user {name!r}", file=sys.stderr)
                    return 2
            if args.command == "add":
                got = svc.register(s, user_id, args.device_id, args.label)
                print(f"device {got.device_id} registered to {name}")
                print(f"secret: {got.secret}   (shown once)")
                print(f"phone URL: <server>/osmand?id={got.device_id}&key={got.secret}")
            elif args.command == "revoke":
                dev = svc.revoke(s, args.device_id)
                print(f"device {dev.device_id} revoked at {dev.revoked_at.isoformat(timespec='seconds')}")
            else:
                rows = svc.listing(s, user_id, include_revoked=not args.active)
                if args.json:
                    print(json.dumps(rows, ensure_ascii=False, default=str, indent=1))
                else:
                    for d in rows:
                        state = "revoked " + d["revoked_at"].isoformat(timespec="seconds") if d["revoked_at"] \
                            else ("active" if d["has_secret"] else "needs a secret: devices add")
                        print(f"{d['device_id']:<24} {d['username'] or d['user_id']!s:<16} {state:<32} {d['label'] or ''}")
                    print(f"{len(rows)} device(s)")
    except svc.DeviceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    return 0
