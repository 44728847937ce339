"""Bulk loading of a city's reference data: departments, regions, unit and responsibility grids,
components, the class → department matrix, inspectors and cameras.

Every `load_*(s, rows)` works inside the caller's transaction (`with ctx.db.transaction() as s:`),
so one call is one unit: a database error rolls all of it back. Bad rows are skipped and reported
with a reason (never half-written); `strict=True` turns any rejected row into a LoadError so the
caller's transaction rolls back and nothing of that call is kept. Rows are plain dicts; departments
and inspectors may be referred to by code / username instead of database ids.
"""
from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from shapely.geometry import shape
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from app.domain.camera_view import MAX_RANGE_M
from app.domain.codes import CodeError, ComponentId, GridCode
from app.domain.stream_urls import MAX_URL_LEN, StreamUrlError, check_stream_url

from ..db.models import (Camera, ClassResponsibility, Component, Department, Device, Inspector, Region,
                         ResponsibilityGrid, UnitGrid, User)
from . import devices as device_svc
from .geo_lookup import GRID_INDEX
from .spatial import cell_of
from .users import create_user

COMPONENT_STATES = {"intact", "damaged", "missing", "occupied"}
CURRENCIES = {"in_use", "void"}
DATA_SOURCES = {"measured", "topographic", "surveyed", "other", "synthesized"}  # 实测/地形图/调绘/其它; synthesized = demo filler
REGION_LEVELS = {6: "district", 9: "street", 12: "community"}
CHUNK = 10_000


@dataclass
class Rejected:
    row: int  # 0-based position in the input
    key: str | None  # the row's code / id when it had one
    reason: str


@dataclass
class LoadReport:
    what: str
    inserted: int = 0
    updated: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected

    def reject(self, row: int, key: Any, reason: str) -> None:
        self.rejected.append(Rejected(row, None if key is None else str(key), reason))

    def summary(self) -> str:
        return (f"{self.what}: {self.inserted} inserted, {self.updated} updated, "
                f"{len(self.rejected)} rejected")

    def to_dict(self, max_rejected: int = 100) -> dict:
        return {"what": self.what, "inserted": self.inserted, "updated": self.updated,
                "rejected_count": len(self.rejected),
                "rejected": [r.__dict__ for r in self.rejected[:max_rejected]]}


class LoadError(ValueError):
    """Raised by strict loads: the caller's transaction rolls back; `.report` says why."""

    def __init__(self, report: LoadReport):
        first = "; ".join(f"row {r.row} ({r.key}): {r.reason}" for r in report.rejected[:5])
        super().__init__(f"{report.summary()}: {first}")
        self.report = report


class _RowError(ValueError):
    pass


def _finish(report: LoadReport, strict: bool) -> LoadReport:
    if strict and report.rejected:
        raise LoadError(report)
    return report


def _chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    buf: list[Any] = []
    for r in rows:
        buf.append(r)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


def _float(row: dict, key: str, required: bool = True, lo: float | None = None,
           hi: float | None = None) -> float | None:
    v = row.get(key)
    if v is None or v == "":
        if required:
            raise _RowError(f"{key} is missing")
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise _RowError(f"{key} is not a number: {v!r}") from None
    if not math.isfinite(f) or (lo is not None and f < lo) or (hi is not None and f > hi):
        raise _RowError(f"{key} out of range: {v!r}")
    return f


def _lonlat(row: dict) -> tuple[float, float]:
    return _float(row, "lon", lo=-180, hi=180), _float(row, "lat", lo=-90, hi=90)  # type: ignore[return-value]


def _text(row: dict, key: str, max_len: int, required: bool = False) -> str | None:
    v = row.get(key)
    if v is None or (isinstance(v, str) and not v.strip()):
        if required:
            raise _RowError(f"{key} is missing")
        return None
    v = str(v).strip()
    if len(v) > max_len:
        raise _RowError(f"{key} longer than {max_len} characters")
    return v


class _DeptRefs:
    """Department references by id or code, resolved with one query."""

    def __init__(self, s: Session):
        self.by_code = dict(s.execute(select(Department.code, Department.id)).all())
        self.ids = set(self.by_code.values())

    def resolve(self, row: dict, name: str, required: bool = False) -> int | None:
        v_id, v_code = row.get(f"{name}_id"), row.get(name)
        if v_id not in (None, ""):
            try:
                i = int(v_id)
            except (TypeError, ValueError):
                raise _RowError(f"{name}_id is not an integer: {v_id!r}") from None
            if i not in self.ids:
                raise _RowError(f"{name}_id {i} is not a department")
            return i
        if v_code not in (None, ""):
            i = self.by_code.get(str(v_code))
            if i is None:
                raise _RowError(f"{name} {v_code!r} is not a department code")
            return i
        if required:
            raise _RowError(f"{name} (department code) or {name}_id is missing")
        return None


def _bulk_insert(s: Session, table, recs: list[dict]) -> None:  # noqa: ANN001
    """executemany of plain values straight to the driver: no per-row SQLAlchemy processing, so
    only for columns of plain types (str, int, float, bool, None)."""
    cols = list(recs[0])
    conn = s.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})"
    conn.exec_driver_sql(sql, [tuple(r[c] for c in cols) for r in recs])


def _grid_code(v: Any, field_name: str = "grid_code", required: bool = False) -> str | None:
    if v in (None, ""):
        if required:
            raise _RowError(f"{field_name} is missing")
        return None
    try:
        return str(GridCode.parse(str(v)))
    except CodeError as e:
        raise _RowError(f"{field_name}: {e}") from None


# ---------------------------------------------------------------- organisation
def load_departments(s: Session, rows: Iterable[dict], *, strict: bool = False) -> LoadReport:
    """rows: {code, name, kind='professional'|'street_office', region_code (a street office's
    9-digit street code)}. Existing codes are updated."""
    rep = LoadReport("departments")
    existing = {d.code: d for d in s.scalars(select(Department))}
    seen: set[str] = set()
    for i, row in enumerate(rows):
        try:
            code = _text(row, "code", 32, required=True)
            name = _text(row, "name", 100, required=True)
            kind = _text(row, "kind", 20) or "professional"
            if kind not in ("professional", "street_office"):
                raise _RowError(f"kind must be professional or street_office, got {kind!r}")
            region = _text(row, "region_code", 12)
            if kind == "street_office" and (region is None or len(region) != 9 or not region.isdigit()):
                raise _RowError("a street office needs region_code = its 9-digit street code")
            if code in seen:
                raise _RowError("duplicate code in the input")
        except _RowError as e:
            rep.reject(i, row.get("code"), str(e))
            continue
        seen.add(code)
        d = existing.get(code)
        if d is None:
            s.add(Department(code=code, name=name, kind=kind, region_code=region))
            rep.inserted += 1
        else:
            d.name, d.kind, d.region_code = name, kind, region
            rep.updated += 1
    s.flush()
    return _finish(rep, strict)


def load_inspectors(s: Session, rows: Iterable[dict], *, strict: bool = False) -> LoadReport:
    """rows: {username, display_name, device_id, device_secret (optional), password (random when
    absent), phone, responsibility_grid (code)}. Creates the user (role inspector) when new, then
    its Inspector row and the registered device (services/devices.py); without device_secret the
    device needs one issued (`python -m server_stub devices add`, or the phone pairs itself)
    before its positions count. Links the responsibility grid both ways."""
    rep = LoadReport("inspectors")
    grids = {g.code: g for g in s.scalars(select(ResponsibilityGrid))}
    devices = dict(s.execute(select(Inspector.device_id, Inspector.user_id)).all())
    devices.update(s.execute(select(Device.device_id, Device.user_id).where(Device.revoked_at.is_(None))).all())
    for i, row in enumerate(rows):
        try:
            username = _text(row, "username", 64, required=True)
            device = _text(row, "device_id", 64, required=True)
            rg_code = _text(row, "responsibility_grid", 32)
            rg = None
            if rg_code is not None:
                rg = grids.get(rg_code)
                if rg is None:
                    raise _RowError(f"responsibility_grid {rg_code!r} does not exist")
            user = s.scalar(select(User).where(User.username == username))
            if user is not None and user.role != "inspector":
                raise _RowError(f"user {username!r} exists with role {user.role}")
            owner = devices.get(device)
            if owner is not None and (user is None or owner != user.id):
                raise _RowError(f"device_id {device!r} belongs to another inspector")
            display = _text(row, "display_name", 100) or username
            phone = _text(row, "phone", 32)
        except _RowError as e:
            rep.reject(i, row.get("username"), str(e))
            continue
        # Everything is checked: from here on only database errors can fail (and roll all back).
        if user is None:
            user = create_user(s, username, display, row.get("password") or secrets.token_urlsafe(12),
                               "inspector", phone=phone)
            rep.inserted += 1
        else:
            user.display_name = display
            user.phone = phone or user.phone
            rep.updated += 1
        insp = s.get(Inspector, user.id)
        if insp is None:
            insp = Inspector(user_id=user.id, device_id=device)
            s.add(insp)
        else:
            devices.pop(insp.device_id, None)
            insp.device_id = device
        if rg is not None:
            insp.responsibility_grid_id = rg.id
            rg.inspector_id = user.id
        reg = s.get(Device, device)
        secret = row.get("device_secret")
        if reg is None:
            reg = Device(device_id=device, user_id=user.id, secret_hash="")
            s.add(reg)
        reg.user_id, reg.revoked_at = user.id, None
        if secret:
            reg.secret_hash = device_svc.secret_hash(str(secret))
        s.flush()
        devices[device] = user.id
    return _finish(rep, strict)


# ---------------------------------------------------------------- space
def load_regions(s: Session, rows: Iterable[dict], *, strict: bool = False) -> LoadReport:
    """rows: {code (6 district / 9 street / 12 community digits), name, parent_code (default: the
    code's prefix), geometry (GeoJSON, optional)}. Existing codes are updated."""
    rep = LoadReport("regions")
    existing = {r.code: r for r in s.scalars(select(Region))}
    for i, row in enumerate(rows):
        try:
            code = _text(row, "code", 12, required=True)
            if not code.isdigit() or len(code) not in REGION_LEVELS:
                raise _RowError("code must be 6 (district), 9 (street) or 12 (community) digits")
            level = REGION_LEVELS[len(code)]
            if row.get("level") not in (None, "", level):
                raise _RowError(f"level {row.get('level')!r} does not match a {len(code)}-digit code ({level})")
            name = _text(row, "name", 100, required=True)
            parent = _text(row, "parent_code", 12) or (code[:len(code) - 3] if len(code) > 6 else None)
            if parent is not None and not code.startswith(parent):
                raise _RowError(f"parent_code {parent} is not a prefix of {code}")
            geom = row.get("geometry")
            if geom is not None:
                _check_geometry(geom)
        except _RowError as e:
            rep.reject(i, row.get("code"), str(e))
            continue
        r = existing.get(code)
        if r is None:
            r = Region(code=code, level=level, name=name, parent_code=parent, geometry=geom)
            s.add(r)
            existing[code] = r
            rep.inserted += 1
        else:
            r.level, r.name, r.parent_code, r.geometry = level, name, parent, geom
            rep.updated += 1
    s.flush()
    return _finish(rep, strict)


def _check_geometry(geom: Any, polygonal: bool = False):  # noqa: ANN202
    if not isinstance(geom, dict) or "type" not in geom:
        raise _RowError("geometry is not a GeoJSON geometry")
    if polygonal and geom["type"] not in ("Polygon", "MultiPolygon"):
        raise _RowError(f"geometry must be a Polygon or MultiPolygon, got {geom['type']}")
    try:
        g = shape(geom)
    except Exception as e:  # noqa: BLE001 - shapely raises several kinds
        raise _RowError(f"geometry unreadable: {e}") from None
    if g.is_empty:
        raise _RowError("geometry is empty")
    minx, miny, maxx, maxy = g.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise _RowError("geometry is not in lon/lat degrees")
    if polygonal and not g.is_valid:
        raise _RowError("geometry is not a valid polygon (self-intersection?)")
    return g


def geodesic_area_m2(geom: dict) -> float:
    """Area on the GRS80 ellipsoid (CGCS2000), never in Web Mercator."""
    from pyproj import Geod
    return abs(Geod(ellps="GRS80").geometry_area_perimeter(shape(geom))[0])


def load_unit_grids(s: Session, rows: Iterable[dict], *, strict: bool = False) -> LoadReport:
    """rows: {code (15 digits, or legacy 14), geometry (GeoJSON Polygon/MultiPolygon, lon/lat),
    area_m2 (measured in a projected CRS; computed on the ellipsoid when absent),
    responsibility_grid (code, optional)}. Existing codes are replaced."""
    rep = LoadReport("unit_grids")
    rgs = dict(s.execute(select(ResponsibilityGrid.code, ResponsibilityGrid.id)).all())
    existing = set(s.scalars(select(UnitGrid.code)))
    new, changed, seen = [], [], set()
    for i, row in enumerate(rows):
        try:
            code = _grid_code(row.get("code"), "code", required=True)
            if code in seen:
                raise _RowError("duplicate code in the input")
            g = _check_geometry(row.get("geometry"), polygonal=True)
            area = _float(row, "area_m2", required=False, lo=0)
            if area is None:
                area = geodesic_area_m2(row["geometry"])
            rg_code = _text(row, "responsibility_grid", 32)
            rg_id = None
            if rg_code is not None:
                rg_id = rgs.get(rg_code)
                if rg_id is None:
                    raise _RowError(f"responsibility_grid {rg_code!r} does not exist")
        except _RowError as e:
            rep.reject(i, row.get("code"), str(e))
            continue
        seen.add(code)
        minx, miny, maxx, maxy = g.bounds
        rec = {"code": code, "community_code": code[:12], "street_code": code[:9],
               "district_code": code[:6], "responsibility_grid_id": rg_id, "area_m2": area,
               "minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy, "geometry": row["geometry"]}
        (changed if code in existing else new).append(rec)
    for chunk in _chunks(new, CHUNK):
        s.connection().execute(insert(UnitGrid.__table__), chunk)
    if changed:
        s.execute(delete(UnitGrid).where(UnitGrid.code.in_([r["code"] for r in changed])))
        s.connection().execute(insert(UnitGrid.__table__), changed)
    rep.inserted, rep.updated = len(new), len(changed)
    GRID_INDEX.invalidate()
    return _finish(rep, strict)


def load_responsibility_grids(s: Session, rows: Iterable[dict], *, strict: bool = False) -> LoadReport:
    """rows: {code, name, inspector (username, optional), unit_grids (list of unit-grid codes,
    optional: those grids are assigned to it)}. Existing codes are updated."""
    rep = LoadReport("responsibility_grids")
    existing = {g.code: g for g in s.scalars(select(ResponsibilityGrid))}
    inspectors = dict(s.execute(select(User.username, User.id).where(User.role == "inspector")).all())
    grid_codes = set(s.scalars(select(UnitGrid.code)))
    for i, row in enumerate(rows):
        try:
            code = _text(row, "code", 32, required=True)
            name = _text(row, "name", 100) or code
            uname = _text(row, "inspector", 64)
            uid = None
            if uname is not None:
                uid = inspectors.get(uname)
                if uid is None:
                    raise _RowError(f"inspector {uname!r} is not a user with role inspector")
            units = [_grid_code(c, "unit_grids") for c in (row.get("unit_grids") or [])]
            missing = [c for c in units if c not in grid_codes]
            if missing:
                raise _RowError(f"unit_grids not loaded: {', '.join(missing[:5])}")
        except _RowError as e:
            rep.reject(i, row.get("code"), str(e))
            continue
        g = existing.get(code)
        if g is None:
            g = ResponsibilityGrid(code=code, name=name, inspector_id=uid)
            s.add(g)
            existing[code] = g
            rep.inserted += 1
        else:
            g.name = name
            if uid is not None:
                g.inspector_id = uid
            rep.updated += 1
        s.flush()
        if uid is not None:
            s.execute(update(Inspector).where(Inspector.user_id == uid).values(responsibility_grid_id=g.id))
        if units:
            s.execute(update(UnitGrid).where(UnitGrid.code.in_(units)).values(responsibility_grid_id=g.id))
    return _finish(rep, strict)


# ---------------------------------------------------------------- things on the map
def _locate_many(s: Session, pts: list[tuple[float, float]]) -> list[str | None]:
    """Unit grid of many points at once (vectorised STRtree query)."""
    import numpy as np
    from shapely import points as mkpoints
    with GRID_INDEX._lock:  # noqa: SLF001 - same module family; one consistent tree
        GRID_INDEX._ensure(s)  # noqa: SLF001
        tree, codes = GRID_INDEX._tree, GRID_INDEX._codes  # noqa: SLF001
    out: list[str | None] = [None] * len(pts)
    if tree is None or not pts:
        return out
    arr = np.asarray(pts, dtype=float)
    pi, gi = tree.query(mkpoints(arr[:, 0], arr[:, 1]), predicate="intersects")
    for p, g in zip(pi.tolist(), gi.tolist()):
        if out[p] is None:
            out[p] = codes[g]
    return out


def load_components(s: Session, rows: Iterable[dict], *, classification=None,  # noqa: ANN001
                    replace: bool = False, locate: bool = False, chunk: int = CHUNK,
                    strict: bool = False) -> LoadReport:
    """rows: {id (16 digits), lon, lat, class_code (default: from the id; must agree), name,
    authority/owner/maintainer (department codes, or *_id), grid_code, state, currency,
    data_source, address, photo, survey_date, change_date}.

    Fast path: validated rows go in with executemany, `chunk` rows at a time, each chunk sorted by
    spatial cell so a cell's rows sit together on disk (bbox queries read few pages).
    `classification` (app.domain Classification) rejects unknown component classes; `locate=True`
    fills a missing grid_code from the loaded unit grids; `replace=True` overwrites existing ids
    (otherwise they are rejected)."""
    rep = LoadReport("components")
    depts = _DeptRefs(s)
    table_empty = s.scalar(select(Component.id).limit(1)) is None
    seen: set[str] = set()
    offset = 0
    for batch in _chunks(rows, chunk):
        recs, where = [], {}
        for j, row in enumerate(batch):
            try:
                rec = _component_record(row, depts, classification, seen)
            except _RowError as e:
                rep.reject(offset + j, row.get("id"), str(e))
                continue
            recs.append(rec)
            where[rec["id"]] = offset + j
        offset += len(batch)
        if locate:
            need = [r for r in recs if r["grid_code"] is None]
            for r, code in zip(need, _locate_many(s, [(r["lon"], r["lat"]) for r in need])):
                r["grid_code"] = code
        if not table_empty and recs:
            ids = [r["id"] for r in recs]
            there: set[str] = set()
            for k in range(0, len(ids), 500):
                there.update(s.scalars(select(Component.id).where(Component.id.in_(ids[k:k + 500]))))
            if there:
                if replace:
                    for k in range(0, len(ids), 500):
                        part = [x for x in ids[k:k + 500] if x in there]
                        if part:
                            s.execute(delete(Component).where(Component.id.in_(part)))
                    rep.updated += len(there)
                else:
                    for r in recs:
                        if r["id"] in there:
                            rep.reject(where[r["id"]], r["id"], "id exists already (load with replace=True)")
                    recs = [r for r in recs if r["id"] not in there]
        recs.sort(key=lambda r: cell_of(r["lon"], r["lat"]))
        if recs:
            # R*Tree keys in the same (spatial) order: a viewport then reads neighbouring rows.
            base = s.scalar(select(func.max(Component.rtree_key))) or 0
            for k, r in enumerate(recs, start=base + 1):
                r["rtree_key"] = k
            _bulk_insert(s, Component.__table__, recs)
        rep.inserted += len(recs)
    rep.inserted -= rep.updated
    return _finish(rep, strict)


def _component_record(row: dict, depts: _DeptRefs, classification, seen: set[str]) -> dict:  # noqa: ANN001
    try:
        cid = ComponentId.parse(str(row.get("id", "")))
    except CodeError as e:
        raise _RowError(str(e)) from None
    key = str(cid)
    if key in seen:
        raise _RowError("duplicate id in the input")
    cls = row.get("class_code") or cid.class_code
    if cls != cid.class_code:
        raise _RowError(f"class_code {cls} disagrees with the id's class {cid.class_code}")
    if classification is not None and classification.find("component", cls) is None:
        raise _RowError(f"class {cls} is not a component class of this classification")
    lon, lat = _lonlat(row)
    state = row.get("state") or "intact"
    if state not in COMPONENT_STATES:
        raise _RowError(f"state must be one of {sorted(COMPONENT_STATES)}, got {state!r}")
    currency = row.get("currency") or "in_use"
    if currency not in CURRENCIES:
        raise _RowError(f"currency must be in_use or void, got {currency!r}")
    source = row.get("data_source") or "measured"
    if source not in DATA_SOURCES:
        raise _RowError(f"data_source must be one of {sorted(DATA_SOURCES)}, got {source!r}")
    rec = {"id": key, "class_code": cls, "name": _text(row, "name", 100),
           "authority_id": depts.resolve(row, "authority"), "owner_id": depts.resolve(row, "owner"),
           "maintainer_id": depts.resolve(row, "maintainer"),
           "grid_code": _grid_code(row.get("grid_code")), "state": state, "currency": currency,
           "data_source": source, "address": _text(row, "address", 200), "photo": _text(row, "photo", 64),
           "survey_date": _text(row, "survey_date", 10), "change_date": _text(row, "change_date", 10),
           "lon": lon, "lat": lat}
    seen.add(key)
    return rec


def _stream_url(row: dict, key: str) -> str | None:
    url = _text(row, key, MAX_URL_LEN)
    try:
        return None if url is None else check_stream_url(url)
    except StreamUrlError as e:
        raise _RowError(f"{key}: {e}") from None


def load_cameras(s: Session, rows: Iterable[dict], *, replace: bool = True,
                 strict: bool = False) -> LoadReport:
    """rows: {id (20-digit GB/T 28181 id), name, lon, lat, direction (degrees from north),
    stream_url (main), sub_stream_url, fov_deg, range_m, kind ('fixed'|'ptz'|'mobile'...), grid_code,
    online}. Stream URLs must be rtsp, rtmp or http(s) (app/domain/stream_urls.py). Existing ids are
    replaced."""
    rep = LoadReport("cameras")
    existing = set(s.scalars(select(Camera.id)))
    new, changed, seen = [], [], set()
    for i, row in enumerate(rows):
        try:
            cid = str(row.get("id", "")).strip()
            if len(cid) != 20 or not cid.isdigit():
                raise _RowError(f"camera id must be 20 digits (GB/T 28181), got {row.get('id')!r}")
            if cid in seen:
                raise _RowError("duplicate id in the input")
            lon, lat = _lonlat(row)
            direction = _float(row, "direction", required=False, lo=0, hi=360)
            rec = {"id": cid, "name": _text(row, "name", 100) or cid, "lon": lon, "lat": lat,
                   "direction": direction,
                   "stream_url": _stream_url(row, "stream_url"), "sub_stream_url": _stream_url(row, "sub_stream_url"),
                   "fov_deg": _float(row, "fov_deg", required=False, lo=1, hi=360),
                   "range_m": _float(row, "range_m", required=False, lo=1, hi=MAX_RANGE_M),
                   "kind": _text(row, "kind", 20) or "fixed",
                   "grid_code": _grid_code(row.get("grid_code")),
                   "online": bool(row.get("online", True))}
            if cid in existing and not replace:
                raise _RowError("id exists already")
        except _RowError as e:
            rep.reject(i, row.get("id"), str(e))
            continue
        seen.add(cid)
        (changed if cid in existing else new).append(rec)
    if changed:
        s.execute(delete(Camera).where(Camera.id.in_([r["id"] for r in changed])))
    for chunk in _chunks(new + changed, CHUNK):
        s.connection().execute(insert(Camera.__table__), chunk)
    rep.inserted, rep.updated = len(new), len(changed)
    return _finish(rep, strict)


def load_class_responsibility(s: Session, rows: Iterable[dict], *, classification=None,  # noqa: ANN001
                              strict: bool = False) -> LoadReport:
    """rows: {kind ('component'|'event'), class_code (4 digits), department (code) or department_id,
    priority (1 = first)}. The matrix of every (kind, class_code) named is replaced by the rows
    given for it."""
    rep = LoadReport("class_responsibility")
    depts = _DeptRefs(s)
    good: list[dict] = []
    for i, row in enumerate(rows):
        try:
            kind = row.get("kind")
            if kind not in ("component", "event"):
                raise _RowError(f"kind must be component or event, got {kind!r}")
            cls = str(row.get("class_code", ""))
            if len(cls) != 4 or not cls.isdigit():
                raise _RowError(f"class_code must be 4 digits, got {row.get('class_code')!r}")
            if classification is not None and classification.find(kind, cls) is None:
                raise _RowError(f"{kind} class {cls} is not in this classification")
            dept = depts.resolve(row, "department", required=True)
            prio = row.get("priority", 1)
            try:
                prio = int(prio)
            except (TypeError, ValueError):
                raise _RowError(f"priority is not an integer: {prio!r}") from None
        except _RowError as e:
            rep.reject(i, f"{row.get('kind')}/{row.get('class_code')}", str(e))
            continue
        good.append({"kind": kind, "class_code": cls, "department_id": dept, "priority": prio})
    keys = {(r["kind"], r["class_code"]) for r in good}
    for kind, cls in keys:
        gone = s.execute(delete(ClassResponsibility).where(ClassResponsibility.kind == kind,
                                                           ClassResponsibility.class_code == cls))
        rep.updated += gone.rowcount or 0
    if good:
        s.connection().execute(insert(ClassResponsibility.__table__), good)
    rep.inserted = len(good)
    return _finish(rep, strict)


__all__ = ["LoadReport", "LoadError", "Rejected", "load_departments", "load_inspectors", "load_regions",
           "load_unit_grids", "load_responsibility_grids", "load_components", "load_cameras",
           "load_class_responsibility", "geodesic_area_m2"]
