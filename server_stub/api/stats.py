"""The hall's wall: /api/stats/wall, today's figures and the rotating panels' data in one answer."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool

from app.domain.workflow import Role

from ..context import ServerContext
from ..db.models import User
from ..services import stats as svc
from .deps import get_ctx, require_roles

router = APIRouter(tags=["stats"])

WALL_ROLES = (Role.ACCEPTOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.LEADER, Role.ADMIN)


@router.get("/api/stats/wall")
async def wall(user: User = Depends(require_roles(*WALL_ROLES)), ctx: ServerContext = Depends(get_ctx)) -> dict:
    """Today's reports, accepted, filed, dispatched and closed (in the city's time zone), the on-time
    closing rate of today's closures, open and overdue cases now, inspectors on duty; this month's
    department ranking (on-time closing rate), the top classes of the last 7 days, the 7-day trend
    and the overdue board (longest overdue first)."""
    def work() -> dict:
        with ctx.db.session() as s:
            return svc.wall(s, ctx.classification, ctx.clock.tz)
    return await run_in_threadpool(work)
