"""Reference data (/api/ref): classification, departments, responsibility, regions, grids,
components, inspectors, cameras. Any logged-in user may read; data is loaded with
services/loader.py (the demo city builder, an admin's import)."""
from __future__ import annotations

import json
from typing import Literal
from urllib.parse import urljoin

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response

from app.domain.classification import Kind
from app.domain.codes import CodeError, ComponentId, normalize_grid_code
from app.domain.stream_urls import SERVER_PATH
from app.domain.workflow import Role

from ..context import ServerContext
from ..db.models import User
from ..schemas.reference import (CameraOut, CameraPatch, ClassOut, ComponentOut, DepartmentOut, GridOut, InspectorOut,
                                 NearComponentOut, RegionNode, RegionOut, ResponsibilityGridOut,
                                 ResponsibilityOut, SuggestionOut)
from ..schemas.types import Id
from ..services import reference as ref
from ..services.visibility import POSITION_ROLES, inspector_view
from .deps import current_user, get_ctx, require_roles
from .errors import errors

router = APIRouter(prefix="/api/ref", tags=["reference"], dependencies=[Depends(current_user)])

Lon = Query(ge=-180, le=180, description="longitude, degrees (CGCS2000 ≈ WGS84)")
Lat = Query(ge=-90, le=90, description="latitude, degrees")
BBOX_DOC = "minx,miny,maxx,maxy in lon/lat degrees"


def _json(data: object, media_type: str = "application/json") -> Response:
    return Response(json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str),
                    media_type=media_type)


def _checked(fn, *args, **kw):  # noqa: ANN001, ANN202
    """Run a service call, turning malformed input into 422."""
    try:
        return fn(*args, **kw)
    except (ref.RefError, CodeError) as e:
        raise HTTPException(422, str(e)) from None


def _found(value, what: str):  # noqa: ANN001, ANN202
    if value is None:
        raise HTTPException(404, f"{what} does not exist")
    return value


# ---------------------------------------------------------------- the city's clock and workflow
@router.get("/clock-config")
def clock_config(ctx: ServerContext = Depends(get_ctx)) -> dict:
    """The city's clock, for clients to count deadlines as the server does: time_zone, shifts
    [[start, end]], yellow_fraction (the band threshold) and holiday_overrides [[date, holiday|workday,
    name]] (the rest of the calendar comes from chinese_calendar / holidays on both sides)."""
    from app.domain.clocks import clock_config as config
    return config(ctx.clock, ctx.settings.yellow_fraction)


@router.get("/workflow")
def workflow(ctx: ServerContext = Depends(get_ctx)) -> dict:
    """The city's workflow: role overrides {action: [roles]} and rules (close_requires_check ...),
    and the effective roles of every action, so a client shows the panels the city's roles need."""
    from app.domain.workflow import Action, CaseOp
    return {**ctx.workflow.config(),
            "effective_roles": {a.value: sorted(r.value for r in ctx.workflow.roles_for(a))
                                for a in (*Action, *CaseOp)}}


# ---------------------------------------------------------------- classification and organisation
@router.get("/classes", response_model=list[ClassOut])
def classes(kind: Kind | None = None, ctx: ServerContext = Depends(get_ctx)) -> list[dict]:
    """Minor classes with filing conditions (time limits, closing conditions) and pinyin."""
    return ref.classes(ctx.classification, kind.value if kind else None)


@router.get("/departments", response_model=list[DepartmentOut])
def departments(kind: Literal["professional", "street_office"] | None = None,
                ctx: ServerContext = Depends(get_ctx)) -> list[dict]:
    with ctx.db.session() as s:
        return ref.departments(s, kind)


@router.get("/departments/{dept_id}", response_model=DepartmentOut, responses=errors(404))
def department(dept_id: Id, ctx: ServerContext = Depends(get_ctx)) -> dict:
    with ctx.db.session() as s:
        return _found(ref.department(s, dept_id), f"department {dept_id}")


@router.get("/responsibility", response_model=list[ResponsibilityOut])
def responsibility(kind: Kind, class_code: str | None = Query(None, pattern=r"^\d{4}$"),
                   ctx: ServerContext = Depends(get_ctx)) -> list[dict]:
    """The class → department matrix (lowest priority number first); all classes of the kind
    when class_code is omitted."""
    with ctx.db.session() as s:
        return ref.responsibility(s, kind.value, class_code)


@router.get("/suggest-department", response_model=list[SuggestionOut])
def suggest_department(kind: Kind, class_code: str | None = Query(None, pattern=r"^\d{4}$"),
                       lon: float | None = Query(None, ge=-180, le=180),
                       lat: float | None = Query(None, ge=-90, le=90),
                       component_id: str | None = None,
                       ctx: ServerContext = Depends(get_ctx)) -> list[dict]:
    """Departments for a problem, best first, each with its reason: components go to the owner
    first, then the class matrix, then the locality (先属主后属地); events go to the locality (the
    street office of the street holding the point) first, then the matrix (先属地后属主)."""
    if (lon is None) != (lat is None):
        raise HTTPException(422, "lon and lat go together")
    if component_id is not None:
        component_id = str(_checked(ComponentId.parse, component_id))
    if class_code is None and component_id is None:
        raise HTTPException(422, "class_code (or component_id) is required")
    with ctx.db.session() as s:
        return ref.suggest_departments(s, kind.value, class_code, lon, lat, component_id)


# ---------------------------------------------------------------- regions and grids
@router.get("/regions", response_model=list[RegionNode], response_model_exclude_none=True)
def regions(geometry: bool = False, ctx: ServerContext = Depends(get_ctx)) -> list[dict]:
    """District → street → community tree (geometry only with ?geometry=1)."""
    with ctx.db.session() as s:
        return ref.region_tree(s, geometry)


@router.get("/regions/{code}", response_model=RegionOut, response_model_exclude_none=True,
            responses=errors(404))
def region(code: str, geometry: bool = False, ctx: ServerContext = Depends(get_ctx)) -> dict:
    if not code.isdigit() or len(code) not in (6, 9, 12):
        raise HTTPException(422, f"region code must be 6, 9 or 12 digits, got {code!r}")
    with ctx.db.session() as s:
        return _found(ref.region(s, code, geometry), f"region {code}")


@router.get("/grids", response_class=Response,
            responses={200: {"content": {"application/geo+json": {}},
                             "description": "GeoJSON FeatureCollection of unit grids; properties: code, "
                                            "community_code, street_code, district_code, area_m2, "
                                            "responsibility_grid_id"}})
def grids(bbox: str | None = Query(None, description=BBOX_DOC),
          community_code: str | None = None, street_code: str | None = None,
          district_code: str | None = None, geometry: bool = True,
          ctx: ServerContext = Depends(get_ctx)) -> Response:
    """Unit grids touching the box (all of them without bbox; filters by region codes)."""
    box = _checked(ref.parse_bbox, bbox, required=False)
    with ctx.db.bounded() as s:
        body = ref.grids_geojson(s, box, community=community_code, street=street_code,
                                 district=district_code, geometry=geometry)
    return Response(body, media_type="application/geo+json")


@router.get("/grids/at", response_model=GridOut, response_model_exclude_none=True, responses=errors(404))
def grid_at(lon: float = Lon, lat: float = Lat, geometry: bool = False,
            ctx: ServerContext = Depends(get_ctx)) -> dict:
    """The unit grid holding the point, with its community, street and district."""
    with ctx.db.bounded() as s:
        got = ref.grid_at(s, lon, lat, geometry)
    if got is None:
        raise HTTPException(404, f"no unit grid holds the point {lon},{lat}")
    return got


@router.get("/grids/{code}", response_model=GridOut, response_model_exclude_none=True, responses=errors(404))
def grid(code: str, geometry: bool = True, ctx: ServerContext = Depends(get_ctx)) -> dict:
    """One unit grid by its 15-digit code (the legacy 14-digit form is accepted)."""
    canonical = _checked(normalize_grid_code, code)
    with ctx.db.session() as s:
        return _found(ref.grid(s, canonical, geometry), f"unit grid {canonical}")


@router.get("/responsibility-grids", response_model=list[ResponsibilityGridOut])
def responsibility_grids(ctx: ServerContext = Depends(get_ctx)) -> list[dict]:
    """Responsibility grids with their inspector and unit-grid codes."""
    with ctx.db.session() as s:
        return ref.responsibility_grids(s)


@router.get("/responsibility-grids/{code}", response_model=ResponsibilityGridOut, responses=errors(404))
def responsibility_grid(code: str, ctx: ServerContext = Depends(get_ctx)) -> dict:
    with ctx.db.session() as s:
        got = ref.responsibility_grids(s, code)
        return _found(got[0] if got else None, f"responsibility grid {code!r}")


# ---------------------------------------------------------------- components
@router.get("/components", response_class=Response,
            responses={200: {"content": {"application/json": {}, "application/geo+json": {}},
                             "description": 'format=json: {"count", "truncated", "columns": {"id": [...], '
                                            '"class_code": [...], "lon": [...], "lat": [...], "state": [...]}}; '
                                            "format=geojson: a FeatureCollection of points"}})
def components(bbox: str = Query(description=BBOX_DOC),
               class_code: str | None = Query(None, description="4-digit class codes, comma-separated"),
               limit: int = Query(10_000, ge=1, le=100_000), format: Literal["json", "geojson"] = "json",
               ctx: ServerContext = Depends(get_ctx)) -> Response:
    """Components in a map viewport, as column arrays (compact, fast) or GeoJSON."""
    box = _checked(ref.parse_bbox, bbox, max_deg=0.5)
    codes = _checked(ref.parse_class_codes, class_code)
    with ctx.db.bounded() as s:
        data = ref.components_in_bbox(s, box, codes, limit)
    if format == "geojson":
        return _json(ref.components_geojson(data), "application/geo+json")
    return _json(data)


@router.get("/components/nearest", response_model=list[NearComponentOut])
def nearest_components(lon: float = Lon, lat: float = Lat, n: int = Query(5, ge=1, le=100),
                       class_code: str | None = None, max_m: float = Query(2000.0, gt=0, le=20_000),
                       ctx: ServerContext = Depends(get_ctx)) -> list[dict]:
    """The n components nearest the point (within max_m metres), nearest first."""
    codes = _checked(ref.parse_class_codes, class_code)
    with ctx.db.bounded() as s:
        return ref.nearest_components(s, lon, lat, n, codes, max_m)


@router.get("/components/{comp_id}", response_model=ComponentOut, responses=errors(404))
def component(comp_id: str, ctx: ServerContext = Depends(get_ctx)) -> dict:
    """One component by its 16-digit id."""
    cid = str(_checked(ComponentId.parse, comp_id))
    with ctx.db.session() as s:
        return _found(ref.component(s, cid), f"component {cid}")


# ---------------------------------------------------------------- inspectors and cameras
@router.get("/inspectors", response_model=list[InspectorOut], response_model_exclude_none=True)
def inspectors(online: bool = False, user: User = Depends(current_user),
               ctx: ServerContext = Depends(get_ctx)) -> list[dict]:
    """Inspectors with their last position; online = a fix within the last 5 minutes. Positions
    and devices only for the command hall, leaders and admins (an inspector: its own); others get
    names and grids."""
    with ctx.db.session() as s:
        items = ref.inspectors(s, online_only=online)
    return [inspector_view(user, i) for i in items]


@router.get("/inspectors/nearest", response_model=list[InspectorOut], response_model_exclude_none=True,
            responses={403: {"description": "not a role that sees inspectors' positions"}})
def nearest_inspectors(lon: float = Lon, lat: float = Lat, n: int = Query(5, ge=1, le=100),
                       online: bool = False, user: User = Depends(current_user),
                       ctx: ServerContext = Depends(get_ctx)) -> list[dict]:
    """Active inspectors by distance of their last position (only online ones with ?online=1);
    for the command hall, leaders and admins."""
    if user.role not in POSITION_ROLES:
        raise HTTPException(403, f"this needs role {' or '.join(sorted(POSITION_ROLES))}; you are '{user.role}'")
    with ctx.db.bounded() as s:
        return ref.nearest_inspectors(s, lon, lat, n, online_only=online)


def _resolved(request: Request, cams: list[dict]) -> list[dict]:
    """Stream URLs that are paths on this server (the demo's own HLS) made absolute with the address
    the client used, so they hold whatever host and port it reached us on."""
    base = str(request.base_url)
    for c in cams:
        for key in ("stream_url", "sub_stream_url"):
            if (c.get(key) or "").startswith(SERVER_PATH):
                c[key] = urljoin(base, c[key])
    return cams


@router.get("/cameras", response_model=list[CameraOut], response_model_exclude_none=True)
def cameras(request: Request, bbox: str | None = Query(None, description=BBOX_DOC),
            ctx: ServerContext = Depends(get_ctx)) -> list[dict]:
    """Cameras (all, or in a box), with their main and sub stream URLs, view cone and status."""
    box = _checked(ref.parse_bbox, bbox, required=False)
    with ctx.db.bounded() as s:
        return _resolved(request, ref.cameras(s, box))


@router.get("/cameras/nearest", response_model=list[CameraOut], response_model_exclude_none=True)
def nearest_cameras(request: Request, lon: float = Lon, lat: float = Lat, n: int = Query(5, ge=1, le=100),
                    max_m: float = Query(2000.0, gt=0, le=20_000),
                    ctx: ServerContext = Depends(get_ctx)) -> list[dict]:
    with ctx.db.bounded() as s:
        return _resolved(request, ref.nearest_cameras(s, lon, lat, n, max_m))


@router.get("/cameras/seeing", response_model=list[CameraOut], response_model_exclude_none=True)
def seeing_cameras(request: Request, lon: float = Lon, lat: float = Lat, n: int = Query(10, ge=1, le=100),
                   ctx: ServerContext = Depends(get_ctx)) -> list[dict]:
    """Cameras that can see the place: inside their view cone (direction ± fov_deg/2) and range_m
    (a camera without direction sees all round), nearest first, with distance_m. For the video
    wall's linkage (联动) with a case. The rule: app/domain/camera_view.py."""
    from ..services.tracks import metric_crs
    crs = metric_crs(ctx, lon, lat)
    with ctx.db.bounded() as s:
        return _resolved(request, ref.seeing_cameras(s, lon, lat, crs, n))


@router.patch("/cameras/{cam_id}", response_model=CameraOut, response_model_exclude_none=True,
              responses=errors(403, 404))
def patch_camera(request: Request, cam_id: str, body: CameraPatch,
                 user: User = Depends(require_roles(Role.ADMIN)), ctx: ServerContext = Depends(get_ctx)) -> dict:
    """Admin / IT: mark a camera online or offline by hand (a city's video platform usually reports
    it through the camera import). Clients hear it as a `camera.changed` event."""
    cid = _checked(ref.check_camera_id, cam_id)
    with ctx.db.transaction() as s:
        out = _found(ref.set_camera_online(s, cid, body.online), f"camera {cid}")
    # Stream URLs that are paths on this server stay out of the event (each client reached us at its
    # own address and keeps the absolute URLs it was given); everything else goes as it is.
    ctx.bus.publish("camera.changed", {k: v for k, v in out.items()
                                       if not (isinstance(v, str) and v.startswith(SERVER_PATH))})
    return _resolved(request, [dict(out)])[0]


@router.get("/cameras/{cam_id}", response_model=CameraOut, response_model_exclude_none=True,
            responses=errors(404))
def camera(request: Request, cam_id: str, ctx: ServerContext = Depends(get_ctx)) -> dict:
    """One camera by its 20-digit GB/T 28181 id."""
    cid = _checked(ref.check_camera_id, cam_id)
    with ctx.db.session() as s:
        return _resolved(request, [_found(ref.camera(s, cid), f"camera {cid}")])[0]
