"""Track playback and analysis: /api/tracks/{inspector_id} (columns as JSON or Arrow IPC, optionally
simplified) and /api/tracks/{inspector_id}/analysis (stops, gaps, speeds, mileage, duty, coverage,
cases on the way)."""
from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic_core import to_jsonable_python  # as FastAPI encodes the JSON endpoint

from app.domain.track_analysis import TrackRules
from app.domain.workflow import Role

from ..context import ServerContext
from ..db.models import User
from ..schemas.types import Id, Instant
from ..services import tracks as svc
from ..services.devices import device_ids_of
from ..services.visibility import POSITION_ROLES
from .deps import current_user, get_ctx

router = APIRouter(tags=["tracks"])

TRACK_ROLES = POSITION_ROLES  # services/visibility.py
MAX_DAYS = 31
MAX_FIXES = 1_000_000  # a month of a fix every 3 s
ARROW = "application/vnd.apache.arrow.stream"
_ERRORS = {403: {"description": "role may not see this inspector's track"},
           404: {"description": "no such inspector"}, 422: {"description": "bad range or parameter"}}


def _range(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    for name, t in (("start", start), ("end", end)):
        if t is not None and t.tzinfo is None:
            raise HTTPException(422, f"{name} needs a time zone (ISO 8601, e.g. 2026-01-01T08:00:00+08:00)")
    end = end or datetime.now(timezone.utc)
    start = start or end - timedelta(hours=24)
    if start > end:
        raise HTTPException(422, "start is after end")
    if end - start > timedelta(days=MAX_DAYS):
        raise HTTPException(422, f"start to end is longer than {MAX_DAYS} days")
    return start, end


def _may_see(user: User, inspector_id: int) -> None:
    if user.role not in TRACK_ROLES and not (user.role == Role.INSPECTOR and user.id == inspector_id):
        raise HTTPException(403, "this needs role leader, shift_leader, dispatcher, acceptor or admin "
                                 f"(an inspector sees only their own track); you are '{user.role}'")


def _columns_arrow(cols: svc.TrackColumns, analysis: dict | None = None) -> bytes:
    """The columns as an Arrow IPC stream; the analysis, when asked for, rides along as JSON in the
    schema's metadata (key `analysis`), so that one request brings both."""
    import pyarrow as pa
    table = pa.table({"t": cols.t, "lon": cols.lon, "lat": cols.lat, "speed_kmh": cols.speed_kmh,
                      "bearing": cols.bearing})
    if analysis is not None:
        table = table.replace_schema_metadata({"analysis": json.dumps(to_jsonable_python(analysis), ensure_ascii=False,
                                                                      allow_nan=False)})
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    return sink.getvalue()


def _nan_to_none(a) -> list:  # noqa: ANN001
    return [None if v != v else v for v in a.tolist()]


@router.get("/api/tracks/inspectors", responses={403: _ERRORS[403]})
def inspectors(user: User = Depends(current_user), ctx: ServerContext = Depends(get_ctx)) -> list[dict]:
    """The inspectors whose tracks may be played back, with their responsibility grid and streets
    (an inspector gets only themself)."""
    if user.role not in TRACK_ROLES and user.role != Role.INSPECTOR:
        raise HTTPException(403, f"this needs role leader, shift_leader, dispatcher, acceptor, admin or "
                                 f"inspector; you are '{user.role}'")
    with ctx.db.session() as s:
        found = svc.inspector_groups(s)
    return [d for d in found if user.role != Role.INSPECTOR or d["inspector_id"] == user.id]


def _rules(stop_min_s: float = Query(TrackRules.stop_min_s, ge=30, le=86_400),
           stop_radius_m: float = Query(TrackRules.stop_radius_m, gt=0, le=1000),
           gap_s: float = Query(TrackRules.gap_s, ge=10, le=86_400),
           max_speed_kmh: float = Query(TrackRules.max_speed_kmh, gt=0, le=500)) -> TrackRules:
    return TrackRules(stop_radius_m=stop_radius_m, stop_min_s=stop_min_s, gap_s=gap_s, max_speed_kmh=max_speed_kmh)


@router.get("/api/tracks/{inspector_id}", responses={
    200: {"content": {"application/json": {}, ARROW: {}},
          "description": "columns t (epoch s), lon, lat, speed_kmh, bearing; JSON or Arrow IPC stream "
                         "(with analysis=true the analysis too: key `analysis` of the JSON, or of the Arrow "
                         "schema's metadata as JSON)"},
    **_ERRORS})
def track(inspector_id: Id, start: Instant | None = None, end: Instant | None = None,
          simplify_m: float = Query(0.0, ge=0, le=1000, description="Douglas–Peucker tolerance in metres; "
                                    "stops and signal gaps are always kept"),
          format: Literal["json", "arrow"] = "json",
          analysis: bool = Query(False, description="also the analysis of /api/tracks/{id}/analysis, computed "
                                 "from the same read of the fixes"),
          rules: TrackRules = Depends(_rules),
          user: User = Depends(current_user), ctx: ServerContext = Depends(get_ctx)) -> Response:
    """An inspector's fixes in time order as columns, for playback. Long ranges should ask for a
    tolerance: a month of fixes every 5 s is about 535,000 points."""
    _may_see(user, inspector_id)
    start, end = _range(start, end)
    found_analysis = None
    with ctx.db.session() as s:
        found = svc.inspector_and_name(s, inspector_id)
        if found is None:
            raise HTTPException(404, f"inspector {inspector_id} does not exist")
        insp, name = found
        if analysis:
            cols, found_analysis = svc.playback(ctx, s, insp, start, end, rules, MAX_FIXES, simplify_m)
            found_analysis["name"] = name
            raw, truncated = found_analysis["fixes"], found_analysis["truncated"]
        else:
            cols, truncated = svc.load(s, device_ids_of(s, inspector_id), start, end, MAX_FIXES)
            raw = len(cols)
            cols = svc.simplify(ctx, cols, simplify_m, rules)
    headers = {"X-Track-Fixes": str(raw), "X-Track-Kept": str(len(cols)),
               "X-Track-Truncated": "true" if truncated else "false"}
    if format == "arrow":
        return Response(_columns_arrow(cols, found_analysis), media_type=ARROW, headers=headers)
    body = {"inspector_id": inspector_id, "name": name, "start": start.isoformat(), "end": end.isoformat(),
            "fixes": raw, "kept": len(cols), "truncated": truncated, "t": cols.t.tolist(),
            "lon": cols.lon.tolist(), "lat": cols.lat.tolist(), "speed_kmh": _nan_to_none(cols.speed_kmh),
            "bearing": _nan_to_none(cols.bearing)}
    if found_analysis is not None:
        body["analysis"] = to_jsonable_python(found_analysis)
    return Response(json.dumps(body, ensure_ascii=False, allow_nan=False), media_type="application/json",
                    headers=headers)


@router.get("/api/tracks/{inspector_id}/analysis", responses=_ERRORS)
async def analysis(inspector_id: Id, start: Instant | None = None, end: Instant | None = None,
                   rules: TrackRules = Depends(_rules),
                   user: User = Depends(current_user), ctx: ServerContext = Depends(get_ctx)) -> dict:
    """Stops (停留), signal gaps, implausibly fast stretches, mileage, time on duty against the
    city's shifts, coverage of the inspector's responsibility grid, and the cases reported,
    verified and checked in the range: the same rules as the client's playback panel."""
    _may_see(user, inspector_id)
    start, end = _range(start, end)

    def work() -> dict:
        with ctx.db.session() as s:
            found = svc.inspector_and_name(s, inspector_id)
            if found is None:
                raise HTTPException(404, f"inspector {inspector_id} does not exist")
            out = svc.analyse(ctx, s, found[0], start, end, rules, MAX_FIXES)
            out["name"] = found[1]
            return out
    return await run_in_threadpool(work)
