"""Inspector tracks for playback and evaluation: fixes read as columns (not row objects), simplified
on request, analysed with the domain's rules (app.domain.track_analysis), and the cases an
inspector reported, verified and checked on the way."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain import track_analysis as ta
from app.domain.workflow import Action

from ..context import ServerContext
from ..db.models import Case, CaseEvent, Inspector, Position, Region, ResponsibilityGrid, UnitGrid, User
from . import city
from .devices import device_ids_of

log = logging.getLogger("occ.tracks")
KNOTS_TO_KMH = 1.852
# The log actions that put an inspector at a place at a time.
INSPECTOR_ACTIONS = {"report": "report", Action.ANSWER_VERIFY.value: "verify", Action.ANSWER_CHECK.value: "check"}


@dataclass
class TrackColumns:
    t: np.ndarray  # epoch seconds, float64
    lon: np.ndarray
    lat: np.ndarray
    speed_kmh: np.ndarray  # float32, NaN where the phone sent none
    bearing: np.ndarray  # float32, NaN where the phone sent none

    def take(self, idx: np.ndarray) -> "TrackColumns":
        return TrackColumns(*(a[idx] for a in (self.t, self.lon, self.lat, self.speed_kmh, self.bearing)))

    def __len__(self) -> int:
        return int(self.t.size)


def _epoch(col, dialect: str):  # noqa: ANN001, ANN202
    """Seconds since the epoch computed by the database: parsing half a million datetimes in
    Python would cost more than the query."""
    if dialect == "sqlite":
        return (func.julianday(col) - 2440587.5) * 86400.0
    return func.extract("epoch", col)


_COLUMNS = np.dtype([("t", "f8"), ("lon", "f8"), ("lat", "f8"), ("speed", "f8"), ("bearing", "f8")])
_UNKNOWN = -1.0  # speed and bearing are never negative: "not sent" travels as −1, becomes NaN


def load(s: Session, device_id: str | list[str], start: datetime, end: datetime, limit: int
         ) -> tuple[TrackColumns, bool]:
    """A device's (or an inspector's devices') fixes between start and end in time order, as
    columns; (columns, truncated).

    Read as Arrow columns through ADBC (the database's rows never become Python objects: a month
    of fixes in about a second instead of four); through the session's own cursor where ADBC
    cannot reach the database (an in-memory SQLite)."""
    ids = [device_id] if isinstance(device_id, str) else list(device_id)
    a = _read_adbc(s, ids, start, end, limit + 1) if ids else np.zeros(0, dtype=_COLUMNS)
    if a is None:
        a = _read_cursor(s, ids, start, end, limit + 1)
    truncated = a.size > limit
    a = a[:limit]
    speed = a["speed"] * KNOTS_TO_KMH
    speed[a["speed"] < 0] = np.nan
    bearing = a["bearing"].copy()
    bearing[bearing < 0] = np.nan
    # julianday has millisecond precision at best: round to the millisecond.
    return TrackColumns(np.round(a["t"], 3), a["lon"].copy(), a["lat"].copy(), speed.astype(np.float32),
                        bearing.astype(np.float32)), truncated


def _read_cursor(s: Session, ids: list[str], start: datetime, end: datetime, limit: int) -> np.ndarray:
    """Through SQLAlchemy, straight from the driver's cursor into a numpy record array."""
    q = (select(_epoch(Position.fix_at, s.bind.dialect.name), Position.lon, Position.lat,
                func.coalesce(Position.speed_kn, _UNKNOWN), func.coalesce(Position.bearing, _UNKNOWN))
         .where(Position.device_id.in_(ids), Position.fix_at >= start, Position.fix_at <= end)
         .order_by(Position.fix_at, Position.id).limit(limit))
    result = s.connection().execute(q)
    try:
        return np.fromiter((tuple(r) for r in result), dtype=_COLUMNS)
    finally:
        result.close()


def _adbc_connect(url):  # noqa: ANN001, ANN202
    """An ADBC connection to the session's database, or None when ADBC cannot open it."""
    try:
        if url.get_backend_name() == "sqlite":
            if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
                return None
            import adbc_driver_sqlite.dbapi as adbc
            return adbc.connect(url.database)
        if url.get_backend_name() == "postgresql":
            import adbc_driver_postgresql.dbapi as adbc
            return adbc.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
    except ImportError:
        return None
    except Exception as e:  # noqa: BLE001 - e.g. a libpq option ADBC does not take: the slower path still works
        log.warning("tracks: ADBC cannot open the database (%s); reading through the session", e)
        return None
    return None


def _read_adbc(s: Session, ids: list[str], start: datetime, end: datetime, limit: int) -> np.ndarray | None:
    """The fixes as Arrow columns from ADBC's own connection (read-only, so outside the session's
    transaction is fine: a track is a snapshot of fixes that only ever get added)."""
    conn = _adbc_connect(s.bind.url)
    if conn is None:
        return None
    utc = [t.astimezone(timezone.utc).replace(tzinfo=None) for t in (start, end)]
    if s.bind.dialect.name == "sqlite":
        marks = ", ".join("?" * len(ids))
        sql = (f"SELECT (julianday(fix_at) - 2440587.5) * 86400.0 AS t, lon, lat, "
               f"coalesce(speed_kn, {_UNKNOWN}) AS speed, coalesce(bearing, {_UNKNOWN}) AS bearing "
               f"FROM positions WHERE device_id IN ({marks}) AND fix_at >= ? AND fix_at <= ? "
               f"ORDER BY fix_at, id LIMIT ?")
        # SQLAlchemy keeps SQLite datetimes as text in this one format: compare as text.
        params = [*ids, *(u.strftime("%Y-%m-%d %H:%M:%S.%f") for u in utc), int(limit)]
    else:
        marks = ", ".join(f"${k + 1}" for k in range(len(ids)))
        n = len(ids)
        sql = (f"SELECT extract(epoch FROM fix_at)::float8 AS t, lon::float8 AS lon, lat::float8 AS lat, "
               f"coalesce(speed_kn, {_UNKNOWN})::float8 AS speed, coalesce(bearing, {_UNKNOWN})::float8 AS bearing "
               f"FROM positions WHERE device_id IN ({marks}) AND fix_at >= ${n + 1}::timestamp "
               f"AND fix_at <= ${n + 2}::timestamp ORDER BY fix_at, id LIMIT ${n + 3}")
        params = [*ids, *(u.isoformat() for u in utc), int(limit)]
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            table = cur.fetch_arrow_table()
    finally:
        conn.close()
    a = np.empty(table.num_rows, dtype=_COLUMNS)
    for name in _COLUMNS.names:
        a[name] = np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)
    return a


def metric_crs(ctx: ServerContext, lon: float, lat: float) -> str:
    """The city's projected CRS (metres), else the UTM zone of the given place."""
    prof = city.profile(ctx) or {}
    auth = (prof.get("crs") or {}).get("authority") or (prof.get("crs") or {}).get("proj")
    if auth:
        return auth
    zone = int((lon + 180) // 6) % 60 + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def simplify(ctx: ServerContext, cols: TrackColumns, tolerance_m: float, rules: ta.TrackRules) -> TrackColumns:
    if len(cols) <= 2 or tolerance_m <= 0:
        return cols
    x, y = ta.project(cols.lon, cols.lat, metric_crs(ctx, float(cols.lon[0]), float(cols.lat[0])))
    return cols.take(ta.simplify(cols.t, x, y, tolerance_m, rules))


def inspector_cases(s: Session, user_id: int, start: datetime, end: datetime) -> list[dict]:
    """The cases the inspector reported, verified and checked in the range, at their time and place."""
    q = (select(CaseEvent.at, CaseEvent.action, Case.id, Case.number, Case.lon, Case.lat, Case.class_code,
                Case.kind, Case.state)
         .join(Case, Case.id == CaseEvent.case_id)
         .where(CaseEvent.actor_id == user_id, CaseEvent.at >= start, CaseEvent.at <= end,
                CaseEvent.action.in_(list(INSPECTOR_ACTIONS)))
         .order_by(CaseEvent.at, CaseEvent.id))
    return [{"at": at, "what": INSPECTOR_ACTIONS[action], "case_id": cid, "number": number, "lon": lon,
             "lat": lat, "kind": kind, "class_code": cc, "state": state}
            for at, action, cid, number, lon, lat, cc, kind, state in s.execute(q)]


def responsibility_grids(s: Session, insp: Inspector) -> list[tuple[str, dict]]:
    if insp.responsibility_grid_id is None:
        return []
    q = (select(UnitGrid.code, UnitGrid.geometry)
         .where(UnitGrid.responsibility_grid_id == insp.responsibility_grid_id).order_by(UnitGrid.code))
    return [(c, g) for c, g in s.execute(q)]


def analyse(ctx: ServerContext, s: Session, insp: Inspector, start: datetime, end: datetime,
            rules: ta.TrackRules, limit: int) -> dict:
    """Stops, gaps, fast stretches, mileage, time on duty against the shifts and coverage of the
    inspector's responsibility grid, over the raw fixes (never the simplified ones)."""
    return playback(ctx, s, insp, start, end, rules, limit, 0.0)[1]


def playback(ctx: ServerContext, s: Session, insp: Inspector, start: datetime, end: datetime,
             rules: ta.TrackRules, limit: int, simplify_m: float) -> tuple[TrackColumns, dict]:
    """(the track, simplified at `simplify_m` when > 0, and its analysis) from one read of the
    fixes projected once: what the playback panel asks for in one request."""
    import shapely
    from shapely.geometry import shape

    cols, truncated = load(s, device_ids_of(s, insp.user_id), start, end, limit)
    grids = responsibility_grids(s, insp)
    ref_lon, ref_lat = ((float(cols.lon[0]), float(cols.lat[0])) if len(cols)
                        else _first_point(grids) or (0.0, 0.0))
    crs = metric_crs(ctx, ref_lon, ref_lat)
    x, y = ta.project(cols.lon, cols.lat, crs) if len(cols) else (cols.lon, cols.lat)
    summary = ta.summarise(cols.t, x, y, rules, ta.shift_spans(ctx.clock, start, end))
    polys = []
    if grids:
        tr = ta.transformer("EPSG:4490", crs)
        polys = [(c, shapely.transform(shape(g), lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))))
                 for c, g in grids]
    cov = ta.coverage(cols.t, x, y, polys, rules.gap_s)
    to_ll = _to_lonlat(crs)

    def at(t: float) -> datetime:
        return datetime.fromtimestamp(t, timezone.utc)

    stops = []
    for st in summary.stops:
        lon, lat = to_ll(st.x, st.y)
        stops.append({"start": at(st.start), "end": at(st.end), "duration_s": st.duration_s, "lon": lon, "lat": lat,
                      "first": st.first, "last": st.last})
    analysis = {
        "inspector_id": insp.user_id, "start": start, "end": end, "fixes": summary.fixes, "truncated": truncated,
        "rules": {"stop_radius_m": rules.stop_radius_m, "stop_min_s": rules.stop_min_s, "gap_s": rules.gap_s,
                  "max_speed_kmh": rules.max_speed_kmh},
        "distance_m": summary.distance_m, "moving_s": summary.moving_s, "duty_s": summary.duty_s,
        "shift_s": summary.shift_s, "duty_share": summary.duty_share,
        "stops": stops,
        "gaps": [{"start": at(g.start), "end": at(g.end), "duration_s": g.duration_s, "distance_m": g.distance_m,
                  "from_lonlat": [float(cols.lon[g.before]), float(cols.lat[g.before])],
                  "to_lonlat": [float(cols.lon[g.after]), float(cols.lat[g.after])]} for g in summary.gaps],
        "fast": [{"start": at(f.start), "end": at(f.end), "distance_m": f.distance_m,
                  "max_speed_kmh": f.max_speed_kmh} for f in summary.fast],
        "coverage": {"grids": [{"code": g.code, "visited": g.visited, "fixes": g.fixes, "dwell_s": g.dwell_s}
                               for g in cov.grids],
                     "visited": cov.visited, "total": len(cov.grids), "share": cov.share},
        "cases": inspector_cases(s, insp.user_id, start, end),
    }
    if simplify_m > 0 and len(cols) > 2:
        cols = cols.take(ta.simplify(cols.t, x, y, simplify_m, rules, summary))
    return cols, analysis


def _first_point(grids: list[tuple[str, dict]]) -> tuple[float, float] | None:
    if not grids:
        return None
    ring = grids[0][1]["coordinates"][0]
    ring = ring[0] if isinstance(ring[0][0], list) else ring  # MultiPolygon
    return float(ring[0][0]), float(ring[0][1])


def _to_lonlat(crs: str):  # noqa: ANN202
    tr = ta.transformer(crs, "EPSG:4490")

    def f(x: float, y: float) -> tuple[float, float]:
        lon, lat = tr.transform(x, y)
        return float(lon), float(lat)
    return f


def inspector_and_name(s: Session, inspector_id: int) -> tuple[Inspector, str] | None:
    insp = s.get(Inspector, inspector_id)
    if insp is None:
        return None
    return insp, s.get(User, inspector_id).display_name


def inspector_groups(s: Session) -> list[dict]:
    """Every inspector with the responsibility grid and the streets they patrol, so that a hall can
    pick "all inspectors of grid X" or "of street Y"."""
    rows = s.execute(select(Inspector.user_id, User.display_name, User.username, ResponsibilityGrid.id,
                            ResponsibilityGrid.code, ResponsibilityGrid.name)
                     .join(User, User.id == Inspector.user_id)
                     .outerjoin(ResponsibilityGrid, ResponsibilityGrid.id == Inspector.responsibility_grid_id)
                     .order_by(User.display_name, User.id)).all()
    streets: dict[int, set[str]] = {}
    for rg, street in s.execute(select(UnitGrid.responsibility_grid_id, UnitGrid.street_code)
                                .where(UnitGrid.responsibility_grid_id.is_not(None)).distinct()):
        streets.setdefault(rg, set()).add(street)
    names = dict(s.execute(select(Region.code, Region.name).where(Region.level == "street")).all())
    return [{"inspector_id": uid, "display_name": dn, "username": un, "responsibility_grid_code": code,
             "responsibility_grid_name": rgname,
             "streets": [{"code": c, "name": names.get(c, c)} for c in sorted(streets.get(rg, ()))]}
            for uid, dn, un, rg, code, rgname in rows]
