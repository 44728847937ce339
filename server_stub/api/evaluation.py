"""Monthly evaluation (综合评价): GET /api/evaluation/{YYYY-MM}/departments | posts?role= |
regions?level=district|street, as JSON or as a download (?format=csv | xlsx).

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

from app.domain.workflow import Role

from ..context import ServerContext
from ..db.models import User
from ..schemas.evaluation import EvaluationOut
from ..services import evaluation as svc
from .deps import current_user, get_ctx
from .errors import forbids

router = APIRouter(prefix="/api/evaluation", tags=["evaluation"])

READERS = {Role.LEADER, Role.ADMIN, Role.SHIFT_LEADER, Role.DISPATCHER}
Month = Annotated[str, Path(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM",
                            examples=["2026-11"])]


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


async def _evaluate(fn, ctx: ServerContext, month: str, **kw) -> EvaluationOut:  # noqa: ANN001
    try:
        return await run_in_threadpool(fn, ctx, month, **kw)
    except ValueError as e:  # a month the calendar does not have, e.g. 0000-01
        raise HTTPException(422, [{"loc": ["path", "month"], "msg": str(e), "type": "value_error"}]) from None


def _answer(result: EvaluationOut, fmt: Format) -> EvaluationOut | Response:
    if fmt == Format.JSON:
        return result
    stem = f"evaluation-{result.subject}-{result.month}"
    stem_zh = f"综合评价-{svc.SUBJECT_ZH[result.subject]}-{result.month}"
    if fmt == Format.CSV:
        body, media = svc.to_csv(result), "text/csv; charset=utf-8"
    else:
        body = svc.to_xlsx(result)
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
