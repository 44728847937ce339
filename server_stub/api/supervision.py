"""督查督办: urge or supervise cases (one or many), the urge history of a case and of a department,
the department's reply, and the board of overdue and soon-overdue cases.

Who may urge is the city's workflow (Action.URGE: leaders and dispatchers by default); a
department reads and answers only the urges sent to it; inspectors read none. Every urge and
reply is pushed on the live events ("urge.created", "urge.replied", see api/events.py).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from fastapi import APIRouter, Depends, HTTPException, Query
from starlette.responses import Response

from app.domain.supervision import BoardGroup, UrgeKind
from app.domain.workflow import WorkflowError

from ..context import ServerContext
from ..db.models import User
from ..schemas.supervision import BoardOut, ReplyIn, UrgeBatchOut, UrgeIn, UrgeList, UrgeOut
from ..schemas.types import INT32_MAX, Id
from ..services import cases as case_svc
from ..services import idempotency
from ..services import supervision as svc
from ..services import urges as urge_svc
from .deps import current_user, get_ctx
from .errors import errors

router = APIRouter(prefix="/api", tags=["supervision"])

_URGED = idempotency.json_answer(UrgeBatchOut, 201)
_REPLIED = idempotency.json_answer(UrgeOut)


@contextmanager
def refusals(loc: str = "body") -> Iterator[None]:
    try:
        yield
    except (case_svc.CaseInputError, urge_svc.UrgeInputError) as e:
        raise HTTPException(422, [{"loc": [loc, e.field], "msg": e.message, "type": "value_error"}]) from None
    except (case_svc.CaseError, urge_svc.UrgeError, WorkflowError) as e:
        raise HTTPException(e.status, str(e)) from None


@router.post("/urges", response_model=UrgeBatchOut, status_code=201, responses=errors(403, 404, 409))
async def urge(body: UrgeIn, user: User = Depends(current_user), ctx: ServerContext = Depends(get_ctx)) -> Response:
    """催办 (kind=urge) or 督办 (kind=supervise, with reply_due) of one or many open cases, all or
    none: the first refusal names its case and nothing is done. Each urge goes to the department
    handling the case, at its escalation level (the n-th urge of a case is level n, up to 3; a 督办
    at least 2). 403 for roles the city's workflow does not let urge."""
    with refusals():
        return await ctx.db.run_write(svc.run_urges, ctx, user, body.case_ids, body.kind, body.message,
                                      body.reply_due.isoformat() if body.reply_due else None, answer=_URGED)


@router.get("/urges", response_model=UrgeList, responses=errors(403))
def list_urges(department_id: Id | None = None, answered: bool | None = None,
               kind: UrgeKind | None = None, limit: int = Query(200, ge=1, le=1000),
               offset: int = Query(0, ge=0, le=INT32_MAX), user: User = Depends(current_user),
               ctx: ServerContext = Depends(get_ctx)) -> dict:
    """Urges newest first: a department sees only those sent to it (department_id is ignored for
    it), the command hall and leaders any department's or all."""
    with refusals("query"), ctx.db.bounded() as s:
        items, total = urge_svc.listing(s, ctx, user, department_id=department_id, answered=answered, kind=kind,
                                        limit=limit, offset=offset)
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.get("/cases/{case_id}/urges", response_model=list[UrgeOut], responses=errors(403, 404))
def case_urges(case_id: Id, user: User = Depends(current_user), ctx: ServerContext = Depends(get_ctx)) -> list:
    """The urge history of a case, oldest first (a department: the urges sent to it)."""
    with refusals("path"), ctx.db.session() as s:
        urge_svc.scope(user)  # inspectors: 403 before anything is read
        case_svc.get_visible(s, user, case_id)
        return urge_svc.of_case(s, ctx, user, case_id)


@router.post("/urges/{urge_id}/reply", response_model=UrgeOut, responses=errors(403, 404, 409))
async def reply(urge_id: Id, body: ReplyIn, user: User = Depends(current_user),
                ctx: ServerContext = Depends(get_ctx)) -> Response:
    """The department's answer to an urge sent to it, once. 404 for another department's urge."""
    with refusals():
        return await ctx.db.run_write(svc.run_reply, ctx, user, urge_id, body.text, answer=_REPLIED)


@router.get("/supervision/board", response_model=BoardOut, responses=errors(403))
def board(group_by: BoardGroup = BoardGroup.DEPARTMENT,
          key: str | None = Query(None, max_length=40, description="only this group's cases ('' = none)"),
          soon: bool = Query(True, description="include the soon overdue (yellow band)"),
          limit: int = Query(500, ge=1, le=2000), user: User = Depends(current_user),
          ctx: ServerContext = Depends(get_ctx)) -> dict:
    """Overdue and soon-overdue open cases the caller may see, grouped by department, street,
    community or class with counts and the longest overdue time, worst first; and the cases
    themselves (longest overdue first, at most `limit`)."""
    with refusals("query"), ctx.db.bounded() as s:
        return svc.board(s, ctx, user, group_by, key=key, soon=soon, limit=limit)
