"""The FastAPI application factory."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from .api import errors
from .api.edge import EdgeGuard
from .context import ServerContext
from .db.bounds import QueryTimeout
from .settings import Settings

log = logging.getLogger("occ.server")


class RouterImportError(RuntimeError):
    """A router module failed to import: the server refuses to start without part of its API."""


def router_modules() -> list:
    """The router modules, each with `router` and optionally `install(app)`. The order is the order
    in /docs and of route matching, so the busiest (cases) comes first: matching walks the routes in
    order on every request. Imported explicitly: a missing or broken one stops the start."""
    try:
        from .api import (auth, cases, city, devices, evaluation, events, open311, photos, positions, reference,
                          stats, streams, supervision, tiles, tracks)
    except ImportError as e:
        raise RouterImportError(f"cannot start the server: a router failed to import ({e.name or e}): {e}") from e
    return [cases, auth, city, reference, photos, positions, devices, open311, evaluation, supervision, events, tiles,
            tracks, stats, streams]


def build_routes(app: FastAPI) -> None:
    """FastAPI builds an included router's routes (dependencies, validators) on the first request
    that reaches it: 0.3–2 s on a busy machine, paid by whoever asks first. The server process
    builds them all at start instead (tests, which make many apps, keep the lazy way)."""
    def walk(routes) -> None:  # noqa: ANN001
        for r in routes:
            build = getattr(r, "effective_candidates", None)
            if build is not None:
                walk(build())
    walk(app.router.routes)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    ctx = ServerContext.build(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        ctx.db.migrate()
        ctx.db.start_checkpoints()
        await ctx.bus.start()
        for hook in app.state.startup_hooks:
            await hook(ctx)
        try:
            yield
        finally:
            for hook in reversed(app.state.shutdown_hooks):
                await hook(ctx)
            await ctx.bus.stop()
            ctx.db.dispose()

    modules = router_modules()
    # Every body's ceiling (a photo's plus multipart overhead); JSON and form bodies get the edge
    # guard's far smaller one.
    app = FastAPI(title="OpenCityCommand server", version="0.1.0", lifespan=lifespan,
                  max_body_size=settings.photo_max_bytes + 1024 * 1024,
                  description="Reference server for digital urban management (数字城管): cases, "
                              "workflow, clocks, positions, Open311, evaluation.")
    app.state.ctx = ctx

    @app.exception_handler(QueryTimeout)
    async def query_timeout(_request: Request, e: QueryTimeout) -> JSONResponse:
        """A query past its time bound (db/bounds.py): the database cancelled it."""
        return JSONResponse({"detail": str(e)}, status_code=503, headers={"Retry-After": "5"})

    @app.get("/api/health", tags=["meta"])
    def health() -> dict:
        """Liveness for launchers and load balancers (no login needed)."""
        out = {"status": "ok", "version": app.version, "demo": settings.demo}
        history = app.state.ctx.extras.get("demo.history")
        if history is not None:  # the demo's first start: its history is still being written
            out["demo_history"] = dict(history)
        streams = app.state.ctx.extras.get("demo.streams")
        if streams is not None:  # the demo's camera streams: rendering | ready | failed
            out["demo_streams"] = dict(streams)
        return out

    app.state.startup_hooks = []
    app.state.shutdown_hooks = []
    for mod in modules:
        app.include_router(mod.router)
        if hasattr(mod, "install"):
            mod.install(app)  # startup/shutdown hooks, middleware, extra mounts
    errors.install_handlers(app)
    errors.document(app)
    app.add_middleware(EdgeGuard)  # added last: the outermost of ours, before any body is read
    return app
