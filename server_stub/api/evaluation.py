"""Evaluation (综合评价) of a period: GET /api/evaluation/{period}/departments | posts?role= |
regions?level=district|street, as JSON or as a download (?format=csv | xlsx); beside them
/{period}/grids (cases per unit grid, ?kind=&class_code=), /classes, /trend?months= and
/departments/{code}/late (the drill-down). A period is a month YYYY-MM, a quarter YYYY-Qn or a
range of days YYYY-MM-DD..YYYY-MM-DD (app.domain.periods).

Leader, admin, shift leader and dispatcher read everything; a department user reads only its own
department's row (and no posts or regions); other roles are refused.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.domain import periods
from app.domain.workflow import Role

from ..context import ServerContext
from ..db.models import User
from ..schemas.evaluation import ClassCountsOut, EvaluationOut, GridCountsOut, LateCasesOut, TrendOut
from ..services import evaluation as svc
from ..services import evaluation_export
from ..services import evaluation_views as views
from ..services import evaluation_warm
from .deps import current_user, get_ctx
from .errors import forbids

router = APIRouter(prefix="/api/evaluation", tags=["evaluation"])

READERS = {Role.LEADER, Role.ADMIN, Role.SHIFT_LEADER, Role.DISPATCHER}
Month = Annotated[str, Path(pattern=periods.PATTERN,
                            description="YYYY-MM, YYYY-Qn or YYYY-MM-DD..YYYY-MM-DD (both days included)",
                            examples=["2026-11", "2026-Q4", "2026-10-08..2026-11-15"])]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_DOWNLOADS = {200: {"description": "JSON, or a download with format=csv | xlsx",
                    "content": {"text/csv": {"schema": {"type": "string"}},
                                XLSX: {"schema": {"type": "string", "format": "binary"}}}}}


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


class PostRole(StrEnum):
    INSPECTOR = "inspector"
    ACCEPTOR = "acceptor"
    SHIFT_LEADER = "shift_leader"
    DISPATCHER = "dispatcher"


class Level(StrEnum):
    DISTRICT = "district"
    STREET = "street"


@forbids
def _reader(user: User = Depends(current_user)) -> User:
    if user.role not in READERS and user.role != Role.DEPARTMENT:
        raise HTTPException(403, "the evaluation needs role leader, admin, shift_leader, dispatcher or "
                                 f"department; you are '{user.role}'")
    return user


@forbids
def _all_reader(user: User = Depends(_reader)) -> User:
    if user.role not in READERS:
        raise HTTPException(403, "a department user may read only its own department's evaluation "
                                 "(/departments)")
    return user


async def _evaluate(fn, ctx: ServerContext, month: str, **kw):  # noqa: ANN001, ANN202
    try:
        return await run_in_threadpool(fn, ctx, month, **kw)
    except ValueError as e:  # a period the calendar does not have, e.g. 0000-01 or 2026-02-30
        raise HTTPException(422, [{"loc": ["path", "month"], "msg": str(e), "type": "value_error"}]) from None


def _answer(result: EvaluationOut, fmt: Format) -> EvaluationOut | Response:
    if fmt == Format.JSON:
        return result
    stem = f"evaluation-{result.subject}-{result.month}"
    stem_zh = f"综合评价-{evaluation_export.SUBJECT_ZH[result.subject]}-{result.month}"
    if fmt == Format.CSV:
        body, media = evaluation_export.to_csv(result), "text/csv; charset=utf-8"
    else:
        body = evaluation_export.to_xlsx(result)
        media = XLSX
    disposition = (f'attachment; filename="{stem}.{fmt.value}"; '
                   f"filename*=UTF-8''{quote(stem_zh)}.{fmt.value}")
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})


@router.get("/{month}/departments", response_model=EvaluationOut, responses=_DOWNLOADS)
async def departments(month: Month, format: Format = Format.JSON, user: User = Depends(_reader),
                      ctx: ServerContext = Depends(get_ctx)):
    only = None
    if user.role == Role.DEPARTMENT:
        if user.department_id is None:
            raise HTTPException(403, "this department user belongs to no department")
        only = user.department_id
    result = await _evaluate(svc.evaluate_departments, ctx, month, only_department=only)
    return _answer(result, format)


@router.get("/{month}/posts", response_model=EvaluationOut, responses=_DOWNLOADS)
async def posts(month: Month, role: PostRole | None = None, format: Format = Format.JSON,
                _: User = Depends(_all_reader), ctx: ServerContext = Depends(get_ctx)):
    result = await _evaluate(svc.evaluate_posts, ctx, month, role=role.value if role else None)
    return _answer(result, format)


@router.get("/{month}/regions", response_model=EvaluationOut, responses=_DOWNLOADS)
async def regions(month: Month, level: Level = Query(Level.DISTRICT), format: Format = Format.JSON,
                  _: User = Depends(_all_reader), ctx: ServerContext = Depends(get_ctx)):
    result = await _evaluate(svc.evaluate_regions, ctx, month, level=level.value)
    return _answer(result, format)


@router.get("/{month}/grids", response_model=GridCountsOut)
async def grids(month: Month, kind: Annotated[str | None, Query(pattern="^(component|event)$")] = None,
                class_code: Annotated[str | None, Query(pattern=r"^\d{4}$")] = None,
                _: User = Depends(_all_reader), ctx: ServerContext = Depends(get_ctx)):
    """Cases reported in the period (not voided) per unit grid, optionally of one class."""
    return await _evaluate(views.grid_counts, ctx, month, kind=kind, class_code=class_code)


@router.get("/{month}/classes", response_model=ClassCountsOut)
async def classes(month: Month, _: User = Depends(_all_reader), ctx: ServerContext = Depends(get_ctx)):
    """Cases reported in the period (not voided) per class."""
    return await _evaluate(views.class_counts, ctx, month)


@router.get("/{month}/trend", response_model=TrendOut)
async def trend(month: Month, months: Annotated[int, Query(ge=1, le=views.TREND_MONTHS)] = 6,
                _: User = Depends(_all_reader), ctx: ServerContext = Depends(get_ctx)):
    """The calendar months up to the period's last one: reported, closed, on time, overdue."""
    def last_month(_ctx: ServerContext, m: str, **kw):  # noqa: ANN202
        last = periods.parse(m).last
        return views.trend(_ctx, f"{last.year:04d}-{last.month:02d}", **kw)
    return await _evaluate(last_month, ctx, month, months=months)


@router.get("/{month}/departments/{code}/late", response_model=LateCasesOut,
            responses={403: {"description": "a department user asking for another department"},
                       404: {"description": "no department with that code"}})
async def late(month: Month, code: Annotated[str, Path(max_length=32)], user: User = Depends(_reader),
               ctx: ServerContext = Depends(get_ctx)):
    """The department's assignments of the period handled late or overdue unhandled (the cases
    behind its 按期处置率 and 超期未处置数). A department user sees only its own."""
    if user.role == Role.DEPARTMENT:
        own = await run_in_threadpool(views.department_code, ctx, user.department_id)
        if own != code:
            raise HTTPException(403, "a department user may read only its own department's late cases")
    out = await _evaluate(views.late_cases, ctx, month, department_code=code)
    if out is None:
        raise HTTPException(404, f"no department with code {code!r}")
    return out


def install(app) -> None:  # noqa: ANN001
    """This and last month's evaluation counted in the background (services/evaluation_warm)."""
    async def start(ctx: ServerContext) -> None:
        evaluation_warm.start(ctx)

    async def stop(ctx: ServerContext) -> None:
        evaluation_warm.stop(ctx)
    app.state.startup_hooks.append(start)
    app.state.shutdown_hooks.append(stop)
