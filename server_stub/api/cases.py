"""Cases: report, list, detail, the workflow actions, deadline preview, duplicates and merge.

Also installs the Idempotency-Key middleware for every POST of the server (services/idempotency.py).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from app.domain.workflow import Action, Role, State, WorkflowError

from ..context import ServerContext
from ..db.models import User
from ..schemas.cases import (ActionIn, CaseDetail, CaseIn, CaseList, CaseOut, DeadlinePreview, DuplicateOut,
                             EventOut, EvidenceIn, EvidenceOut, MergeIn, MergeOut)
from ..services import case_queries as queries
from ..services import cases as svc
from ..services import evidence
from ..schemas.types import INT32_MAX, Id, Instant
from ..services import idempotency
from ..services.spatial import SpatialInputError, parse_bbox
from .deps import current_user, get_ctx, require_roles
from .errors import errors

router = APIRouter(prefix="/api/cases", tags=["cases"])

REPORTERS = (Role.INSPECTOR, Role.ACCEPTOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.LEADER, Role.ADMIN)
MERGERS = (Role.ACCEPTOR, Role.SHIFT_LEADER, Role.LEADER, Role.ADMIN)
_STATES = {s.value for s in State}


@contextmanager
def refusals(loc: str = "body") -> Iterator[None]:
    """Service and workflow refusals as HTTP errors: 422 names the field like FastAPI's own."""
    try:
        yield
    except svc.CaseInputError as e:
        raise HTTPException(422, [{"loc": [loc, e.field], "msg": e.message, "type": "value_error"}]) from None
    except (svc.CaseError, WorkflowError) as e:
        raise HTTPException(e.status, str(e)) from None


def _bad(loc: str, name: str, msg: str) -> HTTPException:
    return HTTPException(422, [{"loc": [loc, name], "msg": msg, "type": "value_error"}])


# ---------------------------------------------------------------- report and list
# The three writing endpoints are async and hand their unit of work to Database.run_write (on
# SQLite it runs on the event loop when the database is free; see there). Their response is
# rendered inside the unit of work's transaction and stored there for an Idempotency-Key
# (idempotency.json_answer): a crash can never leave the change without its answer.
_REPORTED = idempotency.json_answer(CaseOut, 201)
_ACTED = idempotency.json_answer(CaseOut)
_MERGED = idempotency.json_answer(MergeOut)
_ATTACHED = idempotency.json_answer(EvidenceOut, 201)


@router.post("", response_model=CaseOut, status_code=201)
async def report(body: CaseIn, user: User = Depends(require_roles(*REPORTERS)),
                 ctx: ServerContext = Depends(get_ctx)) -> Response:
    """A new case in REPORTED. Hotline entry: an acceptor with source=hotline, reporter_name and
    reporter_contact. Video patrol (视频巡查): source=video (the default with a camera_id), the
    snapshot(s) in photo_hashes, camera_id and stream_time. 422 names the field for an unknown
    class_code, camera, bad coordinates or photos."""
    defaults = {Role.INSPECTOR: "inspector", Role.LEADER: "leader"}
    source = "inspector" if user.role == Role.INSPECTOR else \
        body.source or ("video" if body.camera_id else defaults.get(user.role, "hotline"))
    with refusals():
        return await ctx.db.run_write(
            svc.run_report, ctx, user, answer=_REPORTED, source=source, kind=body.kind.value,
            class_code=body.class_code, lon=body.lon, lat=body.lat, description=body.description, address=body.address,
            reporter_name=body.reporter_name, reporter_contact=body.reporter_contact,
            external_id=body.external_id, component_id=body.component_id, photo_hashes=body.photo_hashes,
            camera_id=body.camera_id, stream_time=body.stream_time)


@router.get("", response_model=CaseList)
def list_cases(
        state: list[str] | None = Query(None, description="repeat or comma-separate: state=handling,suspended"),
        department_id: Id | None = None, source: str | None = None, kind: str | None = None,
        class_code: str | None = None,
        grid_code: str | None = Query(None, max_length=20,
                                      description="unit grid code, or a community/street/district prefix"),
        bbox: str | None = Query(None, description="minx,miny,maxx,maxy in lon/lat"),
        band: Literal["green", "yellow", "red"] | None = None,
        # SQLite refuses LIKE patterns over 50,000 bytes; no one searches for more than a sentence
        q: str | None = Query(None, max_length=200, description="text in the number, description or address"),
        created_from: Instant | None = None, created_to: Instant | None = None,
        overdue: bool | None = Query(None, description="handling ever overdue, or past the current deadline"),
        sort: str = Query("-created_at", description="created_at, updated_at, deadline_at, number, state, id; "
                                                     "prefix - for descending"),
        limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=INT32_MAX),
        user: User = Depends(current_user), ctx: ServerContext = Depends(get_ctx)) -> dict:
    """The cases the caller may see (a department: its own; an inspector: reported by it, tasked to
    it or in its grids), as {items, total, limit, offset}."""
    states = [x.strip() for v in (state or []) for x in v.split(",") if x.strip()] or None
    if states and set(states) - _STATES:
        raise _bad("query", "state", f"unknown state(s) {', '.join(sorted(set(states) - _STATES))}")
    try:  # any box is fine (the list is paged) as long as it is one
        box = parse_bbox(bbox)
    except SpatialInputError as e:
        raise _bad("query", "bbox", e.message) from None
    f = queries.CaseFilter(state=states, department_id=department_id, source=source, kind=kind,
                       class_code=class_code, grid_code=grid_code, bbox=box, band=band, q=q,
                       created_from=created_from, created_to=created_to, overdue=overdue, sort=sort,
                       limit=limit, offset=offset)
    with refusals("query"), ctx.db.bounded() as s:
        items, total = queries.query_cases(s, ctx, user, f)
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.get("/duplicates", response_model=list[DuplicateOut])
def duplicates(lon: float = Query(ge=-180, le=180), lat: float = Query(ge=-90, le=90), kind: str = Query(),
               class_code: str = Query(), exclude_id: Id | None = None, user: User = Depends(current_user),
               ctx: ServerContext = Depends(get_ctx)) -> list[dict]:
    """Likely duplicates of a report: open cases of the same class within 50 m from the last 3 days,
    nearest first, each with distance_m."""
    with refusals("query"), ctx.db.bounded() as s:
        return queries.duplicates(s, ctx, user, lon, lat, kind, class_code, exclude_id)


# ---------------------------------------------------------------- one case
@router.get("/{case_id}", response_model=CaseDetail, responses=errors(404))
def get_case(case_id: Id, user: User = Depends(current_user), ctx: ServerContext = Depends(get_ctx)) -> dict:
    """The case with its log, its photos by stage and the actions the caller's role may take now."""
    with refusals("path"), ctx.db.session() as s:
        return svc.detail(s, ctx, svc.get_visible(s, user, case_id), user)


@router.get("/{case_id}/events", response_model=list[EventOut], responses=errors(404))
def get_events(case_id: Id, user: User = Depends(current_user),
               ctx: ServerContext = Depends(get_ctx)) -> list[dict]:
    with refusals("path"), ctx.db.session() as s:
        svc.get_visible(s, user, case_id)
        return svc.events_of(s, case_id, user.role)


@router.post("/{case_id}/actions/{action}", response_model=CaseOut, responses=errors(403, 404, 409))
async def act(case_id: Id, action: Action, body: ActionIn | None = None, user: User = Depends(current_user),
              ctx: ServerContext = Depends(get_ctx)) -> Response:
    """One workflow step (see ActionIn for each action's parameters). 403 wrong role, 409 wrong state
    (or the case changed meanwhile), 422 a missing reason or bad parameter, 404 unknown or out of scope."""
    params = (body or ActionIn()).model_dump(exclude_none=True, mode="json")
    with refusals():
        return await ctx.db.run_write(svc.run_action, ctx, case_id, user, action,
                                      answer=_ACTED, **params)


@router.post("/{case_id}/photos", response_model=EvidenceOut, status_code=201, responses=errors(403, 404, 409))
async def attach_photo(case_id: Id, body: EvidenceIn, user: User = Depends(current_user),
                       ctx: ServerContext = Depends(get_ctx)) -> Response:
    """Evidence (截图取证): a photo uploaded before (POST /api/photos) joins an open case under stage
    "evidence", with the camera and the stream's own time of the frame. Roles: the workflow's
    attach_evidence (acceptor, shift leader, dispatcher, leader, admin by default). 409 for a closed
    case, the same photo twice or a stale expected_version; 422 an unknown photo or camera."""
    with refusals():
        return await ctx.db.run_write(evidence.run_attach, ctx, case_id, user, answer=_ATTACHED,
                                      sha256=body.sha256, camera_id=body.camera_id,
                                      stream_time=body.stream_time, expected_version=body.expected_version)


@router.get("/{case_id}/deadline-preview", response_model=DeadlinePreview, responses=errors(404))
def deadline_preview(case_id: Id, condition_id: str | None = None, department_id: Id | None = None,
                     user: User = Depends(current_user), ctx: ServerContext = Depends(get_ctx)) -> dict:
    """The handling deadline if the case were filed with condition_id (default: its own) and/or
    dispatched now."""
    with refusals("query"), ctx.db.session() as s:
        return queries.deadline_preview(s, ctx, user, case_id, condition_id, department_id)


@router.post("/{case_id}/merge", response_model=MergeOut, responses=errors(404, 409))
async def merge(case_id: Id, body: MergeIn, user: User = Depends(require_roles(*MERGERS)),
                ctx: ServerContext = Depends(get_ctx)) -> Response:
    """Merges a duplicate (not yet filed) into another case: it is voided 'merged into <number>',
    both logs link the other, its report photos join the kept case."""
    with refusals():
        return await ctx.db.run_write(svc.run_merge, ctx, case_id, body.into_case_id, user,
                                      answer=_MERGED)


# ---------------------------------------------------------------- middleware
def install(app: FastAPI) -> None:
    """Idempotency-Key handling for every POST, and a purge of old keys at start."""
    app.add_middleware(idempotency.IdempotencyMiddleware)

    async def purge(ctx: ServerContext) -> None:
        await run_in_threadpool(idempotency.purge, ctx)

    app.state.startup_hooks.append(purge)
