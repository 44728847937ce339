"""Reference data reads: classification, departments, the responsibility matrix and department
suggestion, regions, unit and responsibility grids, components, inspectors, cameras.

Map-layer queries (components, grids, cameras) select plain columns and return dicts/lists, never
ORM objects: a street-scale viewport holds thousands of components and must answer in a few ms.
"""
from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

import numpy as np
from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from app.domain import camera_view
from app.domain.camera_view import DEFAULT_FOV_DEG, DEFAULT_RANGE_M, MAX_RANGE_M
from app.domain.classification import Classification, MinorClass

from ..db.models import (Camera, ClassResponsibility, Component, Department, Inspector, Region,
                         ResponsibilityGrid, UnitGrid, User)
from . import geo_lookup
from . import spatial
from .spatial import bbox_filter, dialect_of, distance_m, near_ranges

ONLINE_SECONDS = 300  # an inspector is online with a fix in the last 5 minutes
NEAREST_MAX_M = 20_000.0  # nearest-searches stop widening here


class RefError(ValueError):
    """Malformed input (→ 422); the message names the field."""


# ---------------------------------------------------------------- classification
_CLASS_CACHE: dict[int, list[dict]] = {}
_CLASS_LOCK = threading.Lock()


def _pinyin(name: str) -> tuple[str, str]:
    from pypinyin import Style, lazy_pinyin
    def clean(parts: list[str]) -> str:  # letters and digits only: "（" or "/" are not typed in a search
        return "".join(ch for ch in "".join(parts).lower() if ch.isascii() and ch.isalnum())
    return clean(lazy_pinyin(name, style=Style.FIRST_LETTER)), clean(lazy_pinyin(name))


def _class_dict(c: MinorClass) -> dict:
    initials, full = _pinyin(c.name)
    return {"kind": c.kind.value, "major_code": c.major_code, "major_name": c.major_name,
            "major_en": c.major_en, "code": c.code, "name": c.name, "name_en": c.name_en,
            "pinyin_initials": initials, "pinyin": full,
            "conditions": [{"id": fc.id, "text": fc.text, "limit_value": fc.limit_value,
                            "limit_type": fc.limit_type.value, "closing_condition": fc.closing_condition}
                           for fc in c.conditions]}


def classes(classification: Classification, kind: str | None = None) -> list[dict]:
    """Minor classes with their filing conditions and pinyin (computed once per classification)."""
    key = id(classification)
    with _CLASS_LOCK:
        got = _CLASS_CACHE.get(key)
        if got is None:
            got = [_class_dict(c) for c in sorted(classification.classes(),
                                                  key=lambda c: (c.kind.value, c.code))]
            _CLASS_CACHE[key] = got
    return [c for c in got if kind is None or c["kind"] == kind]


# ---------------------------------------------------------------- departments
def dept_dict(d: Department) -> dict:
    return {"id": d.id, "code": d.code, "name": d.name, "kind": d.kind, "region_code": d.region_code}


def departments(s: Session, kind: str | None = None) -> list[dict]:
    q = select(Department).order_by(Department.id)
    if kind:
        q = q.where(Department.kind == kind)
    return [dept_dict(d) for d in s.scalars(q)]


def department(s: Session, dept_id: int) -> dict | None:
    d = s.get(Department, dept_id)
    return dept_dict(d) if d else None


def responsibility(s: Session, kind: str, class_code: str | None = None) -> list[dict]:
    """The class → department matrix, lowest priority number first."""
    q = (select(ClassResponsibility, Department).join(Department, Department.id == ClassResponsibility.department_id)
         .where(ClassResponsibility.kind == kind)
         .order_by(ClassResponsibility.class_code, ClassResponsibility.priority, ClassResponsibility.id))
    if class_code:
        q = q.where(ClassResponsibility.class_code == class_code)
    return [{"kind": cr.kind, "class_code": cr.class_code, "priority": cr.priority, "department": dept_dict(d)}
            for cr, d in s.execute(q)]


def street_office(s: Session, street_code: str | None) -> Department | None:
    if not street_code:
        return None
    return s.scalar(select(Department).where(Department.kind == "street_office",
                                             Department.region_code == street_code).order_by(Department.id))


def suggest_departments(s: Session, kind: str, class_code: str | None, lon: float | None = None,
                        lat: float | None = None, component_id: str | None = None) -> list[dict]:
    """Who should handle a problem, best first, each with the reason.

    Components: the component's owner (then maintainer, authority) first, then the class matrix,
    then the locality (先属主后属地). Events: the locality's street office first, then the matrix
    (先属地后属主). The locality is the street office of the street holding the point."""
    out: list[dict] = []
    seen: set[int] = set()

    def add(d: Department | None, basis: str, reason: str) -> None:
        if d is not None and d.id not in seen:
            seen.add(d.id)
            out.append({"rank": len(out) + 1, "basis": basis, "reason": reason, "department": dept_dict(d)})

    comp = s.get(Component, component_id) if component_id else None
    if comp is not None:
        class_code = class_code or comp.class_code
        if lon is None or lat is None:
            lon, lat = comp.lon, comp.lat
    located = geo_lookup.locate(s, lon, lat) if lon is not None and lat is not None else {}
    street = located.get("street_code")

    def locality() -> None:
        add(street_office(s, street), "locality",
            f"street office of street {street}, where the problem is (属地)")

    def matrix() -> None:
        if class_code:
            for row in responsibility(s, kind, class_code):
                d = s.get(Department, row["department"]["id"])
                add(d, "matrix", f"responsible for {kind} class {class_code} "
                                 f"(priority {row['priority']})")

    if kind == "component":
        if comp is not None:
            for attr, basis, word in (("owner_id", "owner", "owner (权属单位)"),
                                      ("maintainer_id", "maintainer", "maintainer (养护单位)"),
                                      ("authority_id", "authority", "competent authority (主管部门)")):
                dept_id = getattr(comp, attr)
                if dept_id is not None:
                    add(s.get(Department, dept_id), basis, f"{word} of component {comp.id}")
        matrix()
        locality()
    else:
        locality()
        matrix()
    return out


# ---------------------------------------------------------------- regions
def _region_dict(r: Region, geometry: bool) -> dict:
    d = {"code": r.code, "level": r.level, "name": r.name, "parent_code": r.parent_code}
    if geometry:
        d["geometry"] = r.geometry
    return d


def region_tree(s: Session, geometry: bool = False) -> list[dict]:
    """Districts with their streets and communities nested under `children`."""
    cols = [Region.code, Region.level, Region.name, Region.parent_code] + ([Region.geometry] if geometry else [])
    nodes: dict[str, dict] = {}
    for row in s.execute(select(*cols).order_by(Region.code)):
        d = {"code": row.code, "level": row.level, "name": row.name, "parent_code": row.parent_code,
             "children": []}
        if geometry:
            d["geometry"] = row.geometry
        nodes[row.code] = d
    roots = []
    for d in nodes.values():
        parent = nodes.get(d["parent_code"] or "")
        (parent["children"] if parent else roots).append(d)
    return roots


def region(s: Session, code: str, geometry: bool = False) -> dict | None:
    r = s.get(Region, code)
    if r is None:
        return None
    d = _region_dict(r, geometry)
    d["children"] = [{"code": c, "level": lv, "name": n} for c, lv, n in
                     s.execute(select(Region.code, Region.level, Region.name)
                               .where(Region.parent_code == code).order_by(Region.code))]
    return d


def region_names(s: Session, codes: Iterable[str | None]) -> dict[str, str]:
    codes = [c for c in codes if c]
    if not codes:
        return {}
    return dict(s.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())


# ---------------------------------------------------------------- bbox parsing
def parse_bbox(text: str | None, required: bool = True, max_deg: float = 2.0
               ) -> tuple[float, float, float, float] | None:
    """'minx,miny,maxx,maxy' in lon/lat degrees (finite, ordered, in range, at most max_deg a side)."""
    try:
        return spatial.parse_bbox(text, required=required, max_deg=max_deg)
    except spatial.SpatialInputError as e:
        raise RefError(str(e)) from None


def parse_class_codes(text: str | None) -> list[str] | None:
    if not text:
        return None
    codes = [c.strip() for c in text.split(",") if c.strip()]
    bad = [c for c in codes if len(c) != 4 or not c.isdigit()]
    if bad:
        raise RefError(f"class_code must be 4-digit class codes (comma-separated), got {bad[0]!r}")
    return codes


# ---------------------------------------------------------------- unit grids
_GRID_PROPS = (UnitGrid.code, UnitGrid.community_code, UnitGrid.street_code, UnitGrid.district_code,
               UnitGrid.area_m2, UnitGrid.responsibility_grid_id)


def grids_geojson(s: Session, bbox: tuple[float, float, float, float] | None, *,
                  community: str | None = None, street: str | None = None, district: str | None = None,
                  geometry: bool = True) -> bytes:
    """Unit grids touching the box as a GeoJSON FeatureCollection (bytes: geometry text is copied
    from the database as is, not parsed and re-encoded)."""
    cols = list(_GRID_PROPS) + ([cast(UnitGrid.geometry, Text)] if geometry else [])
    q = select(*cols).order_by(UnitGrid.code)
    if bbox:
        q = q.where(bbox_filter(UnitGrid, *bbox, dialect=dialect_of(s)))
    for col, val in ((UnitGrid.community_code, community), (UnitGrid.street_code, street),
                     (UnitGrid.district_code, district)):
        if val:
            q = q.where(col == val)
    parts = []
    for row in s.execute(q):
        props = json.dumps({"code": row[0], "community_code": row[1], "street_code": row[2],
                            "district_code": row[3], "area_m2": row[4], "responsibility_grid_id": row[5]},
                           ensure_ascii=False, separators=(",", ":"))
        geom = row[6] if geometry and row[6] else "null"
        parts.append(f'{{"type":"Feature","id":"{row[0]}","geometry":{geom},"properties":{props}}}')
    return ('{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}").encode()


def grid(s: Session, code: str, geometry: bool = True) -> dict | None:
    g = s.get(UnitGrid, code)
    if g is None:
        return None
    d = {"code": g.code, "community_code": g.community_code, "street_code": g.street_code,
         "district_code": g.district_code, "area_m2": g.area_m2,
         "bbox": [g.minx, g.miny, g.maxx, g.maxy], "responsibility_grid": None}
    if g.responsibility_grid_id:
        rg = s.get(ResponsibilityGrid, g.responsibility_grid_id)
        if rg:
            d["responsibility_grid"] = {"id": rg.id, "code": rg.code, "name": rg.name,
                                        "inspector_id": rg.inspector_id}
    names = region_names(s, (g.community_code, g.street_code, g.district_code))
    for level, c in (("community", g.community_code), ("street", g.street_code), ("district", g.district_code)):
        d[level] = {"code": c, "name": names.get(c)}
    if geometry:
        d["geometry"] = g.geometry
    return d


def grid_at(s: Session, lon: float, lat: float, geometry: bool = False) -> dict | None:
    """The unit grid holding the point with its community, street and district (None outside)."""
    code = geo_lookup.locate(s, lon, lat)["grid_code"]
    return grid(s, code, geometry) if code else None


# ---------------------------------------------------------------- responsibility grids
def responsibility_grids(s: Session, code: str | None = None) -> list[dict]:
    q = (select(ResponsibilityGrid, User.display_name)
         .outerjoin(User, User.id == ResponsibilityGrid.inspector_id).order_by(ResponsibilityGrid.code))
    if code:
        q = q.where(ResponsibilityGrid.code == code)
    rows = s.execute(q).all()
    units: dict[int, list[str]] = {}
    uq = select(UnitGrid.responsibility_grid_id, UnitGrid.code).where(UnitGrid.responsibility_grid_id.is_not(None))
    if code and rows:
        uq = uq.where(UnitGrid.responsibility_grid_id == rows[0][0].id)
    for rg_id, ucode in s.execute(uq.order_by(UnitGrid.code)):
        units.setdefault(rg_id, []).append(ucode)
    return [{"id": g.id, "code": g.code, "name": g.name, "inspector_id": g.inspector_id,
             "inspector_name": name, "unit_grids": units.get(g.id, [])} for g, name in rows]


# ---------------------------------------------------------------- components
COMPONENT_COLUMNS = ("id", "class_code", "lon", "lat", "state")
_COMP_COLS = (Component.id, Component.class_code, Component.lon, Component.lat, Component.state)


def components_in_bbox(s: Session, bbox: tuple[float, float, float, float],
                       class_codes: list[str] | None = None, limit: int = 10_000) -> dict:
    """Components in the box as column arrays: {"count", "truncated", "columns": {name: [...]}}."""
    # Hand-written SQL on the driver's cursor, without SQLAlchemy's per-row work (a street
    # viewport holds ~3,000 components; this saves ~30%). The spatial index finds the rows: the
    # R*Tree with its auxiliary columns on SQLite, the GiST index on geom on PostgreSQL.
    minx, miny, maxx, maxy = bbox
    args: list[Any]
    if dialect_of(s) == "postgresql":
        sql = ("SELECT id, class_code, lon, lat, state FROM components c "
               f"WHERE c.geom && ST_MakeEnvelope(?, ?, ?, ?, {spatial.SRID})")
        args = [minx, miny, maxx, maxy]
    else:
        # The R*Tree alone: its auxiliary columns carry what the viewport needs (migration e6b2a9d4c170).
        sql = ("SELECT c.comp_id, c.class_code, c.lon, c.lat, c.state FROM components_rtree c "
               "WHERE c.minx <= ? AND c.maxx >= ? AND c.miny <= ? AND c.maxy >= ?")
        args = [maxx, minx, maxy, miny]
    sql += " AND c.lon >= ? AND c.lon <= ? AND c.lat >= ? AND c.lat <= ?"
    args += [minx, maxx, miny, maxy]
    if class_codes:
        sql += f" AND c.class_code IN ({', '.join(['?'] * len(class_codes))})"
        args += class_codes
    sql += f" LIMIT {int(limit) + 1}"
    rows = _driver_rows(s, sql, args)
    truncated = len(rows) > limit
    if truncated:
        rows = rows[:limit]
    cols = list(zip(*rows)) if rows else [()] * len(COMPONENT_COLUMNS)
    return {"count": len(rows), "truncated": truncated,
            "columns": {name: list(col) for name, col in zip(COMPONENT_COLUMNS, cols)}}


def _driver_rows(s: Session, sql: str, args: list[Any]) -> list[tuple]:
    """Run SQL written with '?' marks on the DBAPI cursor of the session's connection."""
    conn = s.connection()
    if conn.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    cur = conn.connection.driver_connection.cursor()
    try:
        cur.execute(sql, args)
        return cur.fetchall()
    finally:
        cur.close()


def components_geojson(data: dict) -> dict:
    c = data["columns"]
    return {"type": "FeatureCollection", "truncated": data["truncated"],
            "features": [{"type": "Feature", "id": i, "geometry": {"type": "Point", "coordinates": [x, y]},
                          "properties": {"id": i, "class_code": k, "state": st}}
                         for i, k, x, y, st in zip(c["id"], c["class_code"], c["lon"], c["lat"], c["state"])]}


def component(s: Session, comp_id: str) -> dict | None:
    c = s.get(Component, comp_id)
    if c is None:
        return None
    ids = [i for i in (c.authority_id, c.owner_id, c.maintainer_id) if i]
    depts = {d.id: dept_dict(d) for d in s.scalars(select(Department).where(Department.id.in_(ids)))} if ids else {}
    return {"id": c.id, "class_code": c.class_code, "name": c.name, "lon": c.lon, "lat": c.lat,
            "grid_code": c.grid_code, "state": c.state, "currency": c.currency, "data_source": c.data_source,
            "address": c.address, "photo": c.photo, "survey_date": c.survey_date, "change_date": c.change_date,
            "authority": depts.get(c.authority_id), "owner": depts.get(c.owner_id),
            "maintainer": depts.get(c.maintainer_id)}


def _nearest(s: Session, model, cols, lon: float, lat: float, n: int, where=(),  # noqa: ANN001
             max_m: float = NEAREST_MAX_M) -> list[tuple[float, Any]]:
    """Ring search: boxes widening through the spatial index until n points lie within the
    searched radius (at most max_m), then exact great-circle order."""
    radius = 150.0
    dialect = dialect_of(s)
    while True:
        box = near_ranges(lon, lat, radius)
        q = select(*cols).where(bbox_filter(model, *box, dialect=dialect), *where)
        hits = []
        for row in s.execute(q):
            d = distance_m(lon, lat, row.lon, row.lat)
            if d <= radius:
                hits.append((d, row))
        if len(hits) >= n or radius >= max_m:
            hits.sort(key=lambda h: h[0])
            return hits[:n]
        radius = min(radius * 2.5 if not hits else radius * 2, max_m)


def nearest_components(s: Session, lon: float, lat: float, n: int = 5,
                       class_codes: list[str] | None = None, max_m: float = NEAREST_MAX_M) -> list[dict]:
    where = [Component.class_code.in_(class_codes)] if class_codes else []
    cols = (*_COMP_COLS, Component.name, Component.grid_code)
    return [{"id": r.id, "class_code": r.class_code, "name": r.name, "lon": r.lon, "lat": r.lat,
             "state": r.state, "grid_code": r.grid_code, "distance_m": round(d, 2)}
            for d, r in _nearest(s, Component, cols, lon, lat, n, where, max_m)]


# ---------------------------------------------------------------- inspectors
def _inspector_dict(insp: Inspector, user: User, rg_code: str | None, now: datetime) -> dict:
    online = insp.fix_at is not None and now - insp.fix_at <= timedelta(seconds=ONLINE_SECONDS)
    return {"user_id": user.id, "username": user.username, "display_name": user.display_name,
            "phone": user.phone, "active": user.active, "device_id": insp.device_id,
            "responsibility_grid_id": insp.responsibility_grid_id, "responsibility_grid_code": rg_code,
            "lon": insp.lon, "lat": insp.lat, "speed_kn": insp.speed_kn, "bearing": insp.bearing,
            "battery": insp.battery, "fix_at": insp.fix_at, "online": online}


def inspectors(s: Session, online_only: bool = False, now: datetime | None = None) -> list[dict]:
    now = now or datetime.now(timezone.utc)
    q = (select(Inspector, User, ResponsibilityGrid.code).join(User, User.id == Inspector.user_id)
         .outerjoin(ResponsibilityGrid, ResponsibilityGrid.id == Inspector.responsibility_grid_id)
         .order_by(User.id))
    out = [_inspector_dict(i, u, c, now) for i, u, c in s.execute(q)]
    return [d for d in out if d["online"]] if online_only else out


def nearest_inspectors(s: Session, lon: float, lat: float, n: int = 5, online_only: bool = False,
                       now: datetime | None = None) -> list[dict]:
    """A city has a few hundred inspectors: all known positions are ranked exactly."""
    found = [d for d in inspectors(s, online_only, now) if d["lon"] is not None and d["active"]]
    for d in found:
        d["distance_m"] = round(distance_m(lon, lat, d["lon"], d["lat"]), 2)
    found.sort(key=lambda d: d["distance_m"])
    return found[:n]


# ---------------------------------------------------------------- cameras
_CAM_COLS = (Camera.id, Camera.name, Camera.lon, Camera.lat, Camera.direction, Camera.stream_url,
             Camera.sub_stream_url, Camera.fov_deg, Camera.range_m, Camera.kind, Camera.grid_code, Camera.online)


def _cam(row) -> dict:  # noqa: ANN001
    return {"id": row.id, "name": row.name, "lon": row.lon, "lat": row.lat, "direction": row.direction,
            "stream_url": row.stream_url, "sub_stream_url": row.sub_stream_url,
            "fov_deg": DEFAULT_FOV_DEG if row.fov_deg is None else row.fov_deg,
            "range_m": DEFAULT_RANGE_M if row.range_m is None else row.range_m,
            "kind": row.kind, "grid_code": row.grid_code, "online": row.online}


def cameras(s: Session, bbox: tuple[float, float, float, float] | None = None, limit: int = 10_000) -> list[dict]:
    q = select(*_CAM_COLS).order_by(Camera.id).limit(limit)
    if bbox:
        q = q.where(bbox_filter(Camera, *bbox, dialect=dialect_of(s)))
    return [_cam(r) for r in s.execute(q)]


def camera(s: Session, cam_id: str) -> dict | None:
    row = s.execute(select(*_CAM_COLS).where(Camera.id == cam_id)).first()
    return _cam(row) if row else None


def nearest_cameras(s: Session, lon: float, lat: float, n: int = 5, max_m: float = NEAREST_MAX_M) -> list[dict]:
    return [{**_cam(r), "distance_m": round(d, 2)} for d, r in _nearest(s, Camera, _CAM_COLS, lon, lat, n, (), max_m)]


def seeing_cameras(s: Session, lon: float, lat: float, crs: str, n: int = 10) -> list[dict]:
    """The cameras whose view cone (camera_view.sees) holds the point, nearest first. Candidates come
    from the spatial index within the longest range any camera has; the cone is tested in metres
    of `crs` (the city's projected CRS)."""
    longest = s.scalar(select(func.max(Camera.range_m)))
    radius = min(max(float(longest or 0.0), DEFAULT_RANGE_M), MAX_RANGE_M) * 1.01  # haversine vs grid
    rows = s.execute(select(*_CAM_COLS).where(
        bbox_filter(Camera, *near_ranges(lon, lat, radius), dialect=dialect_of(s)))).all()
    if not rows:
        return []
    x, y = camera_view.project([r.lon for r in rows] + [lon], [r.lat for r in rows] + [lat], crs)

    def col(name: str) -> np.ndarray:
        return np.array([np.nan if getattr(r, name) is None else getattr(r, name) for r in rows], float)

    mask, dist = camera_view.sees(x[:-1], y[:-1], col("direction"), col("fov_deg"), col("range_m"),
                                  float(x[-1]), float(y[-1]))
    order = sorted(np.flatnonzero(mask).tolist(), key=lambda i: (dist[i], rows[i].id))[:n]
    return [{**_cam(rows[i]), "distance_m": round(float(dist[i]), 2)} for i in order]


def set_camera_online(s: Session, cam_id: str, online: bool) -> dict | None:
    cam = s.get(Camera, cam_id)
    if cam is None:
        return None
    cam.online = online
    s.flush()
    return camera(s, cam_id)


def check_camera_id(text: str) -> str:
    if len(text) != 20 or not text.isdigit():
        raise RefError(f"camera id must be 20 digits (GB/T 28181), got {text!r}")
    return text
