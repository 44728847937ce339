"""`python -m server_stub [--host H] [--port P] [--db URL] [--demo]`: start the server.
`python -m server_stub users unlock NAME [--db URL]`: unlock an account (server_stub/users_cli.py).
`python -m server_stub devices add|list|revoke ...`: inspectors' phones (devices_cli.py)."""
from __future__ import annotations

import argparse
import gc
import logging
import sys

import uvicorn


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m server_stub",
                                description="OpenCityCommand case server (数字城管 reference server)")
    p.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8000)")
    p.add_argument("--db", default=None,
                   help="database URL: a SQLite file (default var/occ.sqlite) or postgresql://user:pw@host/db")
    p.add_argument("--data-dir", default=None, help="photos, exports and the built demo city (default var/)")
    p.add_argument("--osmand-port", type=int, default=None,
                   help="also accept OsmAnd/Traccar positions on this port (e.g. 5055)")
    p.add_argument("--demo", action="store_true", help="load the built-in demo city (built on first run)")
    p.epilog = "Inspectors' phones: python -m server_stub devices add|list|revoke --help"
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["users"]:
        from .users_cli import main as users_main
        sys.exit(users_main(argv[1:]))
    if argv[:1] == ["devices"]:
        from .devices_cli import main as devices_main
        sys.exit(devices_main(argv[1:]))
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from .app import RouterImportError, build_routes, create_app
    from .settings import Settings

    overrides = {k: v for k, v in {"host": args.host, "port": args.port, "db": args.db,
                                   "data_dir": args.data_dir, "osmand_port": args.osmand_port}.items()
                 if v is not None}
    if args.demo:
        overrides["demo"] = True
    settings = Settings(**overrides)
    try:
        app = create_app(settings)
    except RouterImportError as e:
        print(e, file=sys.stderr)
        sys.exit(2)
    ctx = app.state.ctx
    ctx.db.migrate()
    from .bootstrap import ensure_admin
    admin_pw = ensure_admin(ctx)
    logins: list[str] = []
    if settings.demo:
        try:
            from .citydata.demo import load_demo
        except ImportError as e:
            print(f"the demo city is not available: {e}", file=sys.stderr)
            sys.exit(2)
        logins = load_demo(ctx, background_history=True, live_streams=True)
    base = f"http://{settings.host}:{settings.port}"
    print(f"OpenCityCommand server listening on {base}  (API docs: {base}/docs)")
    print(f"database: {ctx.db.engine.url.render_as_string(hide_password=True)}")
    print(f"OsmAnd/Traccar positions: {base}/osmand"
          + (f" and http://{settings.host}:{settings.osmand_port}/" if settings.osmand_port else ""))
    if admin_pw:
        print(f"log in as admin / {admin_pw}  (first start: change it, or set OCC_ADMIN_PASSWORD)")
    for line in logins:
        print(line)
    sys.stdout.flush()
    build_routes(app)
    app.state.startup_hooks.append(_settle_runtime)  # the last hook: everything long-lived exists now
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")


async def _settle_runtime(_ctx: object) -> None:
    """Only the server process does this (a test run builds many apps in one process).

    - Moves what start-up built (classification, indexes, the ORM's and pydantic's metadata) out
      of the garbage collector's sight: a full collection otherwise walks all of it, a pause of
      tens of milliseconds in the middle of somebody's request.
    - A thread asking for the GIL waits up to the switch interval (5 ms by default) while another
      runs Python: the event loop serving a request then waits behind the band watcher or a
      worker thread. 1 ms cut the p99 of benchmarks/bench_cases.py from 21 to 18.5 ms."""
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(0.001)


if __name__ == "__main__":
    main()
