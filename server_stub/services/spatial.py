"""Spatial queries on the databases' own spatial indexes.

SQLite: an R*Tree virtual table per located table (`<table>_rtree`, SQLite's built-in rtree
module), kept in sync by triggers (see the migration 7b1e5c0a9d21). PostgreSQL: PostGIS `geom`
columns generated from lon/lat (EPSG:4326) with GiST indexes, readable straight from QGIS.
Both answer a bounding box through the index; exact lon/lat comparisons then drop what the
R*Tree's 32-bit boxes let through. Nearest searches widen a box ring by ring up to a radius cap
and rank by great-circle distance, so both dialects give the same answers in the same order.
"""
from __future__ import annotations

import math

from sqlalchemy import Column, ColumnElement, Float, Integer, MetaData, String, Table, and_, func, literal_column, select

SRID = 4326  # lon/lat degrees (CGCS2000 ≈ WGS84 at the metre level)
SORT_CELL_DEG = 0.005  # loader's on-disk ordering key (rows of a neighbourhood sit together)

# The R*Tree tables: (table, rtree key expression on the table's row, extra auxiliary columns).
# The key is an integer the table's row can be found by: its integer id, or the digits of its code.
_RT = MetaData()


def _rtree(name: str, *aux: Column) -> Table:
    return Table(name, _RT, Column("id", Integer, primary_key=True), Column("minx", Float),
                 Column("maxx", Float), Column("miny", Float), Column("maxy", Float), *aux)


RTREES: dict[str, Table] = {
    "cases": _rtree("cases_rtree"),
    # Components: the key is components.rtree_key (spatial order); the code and the viewport's
    # columns are auxiliary columns (migration e6b2a9d4c170).
    "components": _rtree("components_rtree", Column("comp_id", String)),
    "unit_grids": _rtree("unit_grids_rtree"),
    # GB/T 28181 camera ids have 20 digits (more than 64 bits): the key is a counter and the id an
    # auxiliary column (a city has a few thousand cameras; deleting one scans them).
    "cameras": _rtree("cameras_rtree", Column("cam_id", String)),
}


class SpatialInputError(ValueError):
    """A box or point that no query should run on (→ 422 naming `field`)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field} {message}")
        self.field, self.message = field, message


def parse_bbox(text: str | None, *, field: str = "bbox", required: bool = False,
               max_deg: float | None = None) -> tuple[float, float, float, float] | None:
    """'minx,miny,maxx,maxy' in lon/lat degrees: finite, ordered, within -180..180 / -90..90 and,
    with max_deg, no side longer than that many degrees."""
    if text is None or text.strip() == "":
        if required:
            raise SpatialInputError(field, "is required: minx,miny,maxx,maxy (lon/lat degrees)")
        return None
    try:
        parts = [float(p) for p in text.split(",")]
    except ValueError:
        parts = []
    if len(parts) != 4 or not all(math.isfinite(p) for p in parts):
        raise SpatialInputError(field, f"must be four finite numbers minx,miny,maxx,maxy, got {text[:80]!r}")
    minx, miny, maxx, maxy = parts
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise SpatialInputError(field, "must have minx <= maxx within -180..180 and miny <= maxy within -90..90")
    if max_deg is not None and (maxx - minx > max_deg or maxy - miny > max_deg):
        raise SpatialInputError(field, f"is larger than {max_deg} degrees on a side: zoom in")
    return minx, miny, maxx, maxy


def cell_of(lon: float, lat: float) -> int:
    """A locality key for ordering rows on disk when loading (not an index)."""
    ix = int(math.floor((lon + 180.0) / SORT_CELL_DEG))
    iy = int(math.floor((lat + 90.0) / SORT_CELL_DEG))
    return ix * 100_000 + iy


def geom(model) -> ColumnElement:  # noqa: ANN001
    """The PostGIS geometry column of a table (generated from lon/lat; not in the ORM model)."""
    return literal_column(f"{model.__tablename__}.geom")


def envelope(minx: float, miny: float, maxx: float, maxy: float) -> ColumnElement:
    return func.ST_MakeEnvelope(minx, miny, maxx, maxy, SRID)


def dialect_of(s) -> str:  # noqa: ANN001
    """'sqlite' or 'postgresql' for a Session or Connection."""
    return s.get_bind().dialect.name if hasattr(s, "get_bind") else s.dialect.name


def bbox_filter(model, minx: float, miny: float, maxx: float, maxy: float, *,  # noqa: ANN001
                dialect: str) -> ColumnElement[bool]:
    """WHERE clause for rows of `model` inside the box (points: lon/lat; polygons: their bounding
    box minx..maxy meets it), answered by the table's spatial index: its R*Tree on SQLite, the
    GiST index on `geom` on PostgreSQL. The exact comparisons drop what the index's rounded
    boxes let through."""
    if hasattr(model, "lon"):
        exact = and_(model.lon >= minx, model.lon <= maxx, model.lat >= miny, model.lat <= maxy)
    else:
        exact = and_(model.minx <= maxx, model.maxx >= minx, model.miny <= maxy, model.maxy >= miny)
    if dialect == "postgresql":
        return and_(geom(model).op("&&")(envelope(minx, miny, maxx, maxy)), exact)
    table = model.__tablename__
    rt = RTREES[table]
    hits = (rt.c.minx <= maxx, rt.c.maxx >= minx, rt.c.miny <= maxy, rt.c.maxy >= miny)
    return and_(_row_key(model).in_(select(_rtree_key(table)).where(*hits)), exact)


def _row_key(model) -> ColumnElement:  # noqa: ANN001
    return model.code if model.__tablename__ == "unit_grids" else model.id


def _rtree_key(table: str) -> ColumnElement:
    """The R*Tree's key as the table's key: text keys compare as text, so their index is used."""
    rt = RTREES[table]
    if table == "cameras":
        return rt.c.cam_id
    if table == "components":
        return rt.c.comp_id
    if table == "unit_grids":
        return func.printf("%015d", rt.c.id)
    return rt.c.id


def near_ranges(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """A lon/lat box that contains the circle of `radius_m` metres around the point, clipped to
    the valid ranges (at the poles the box spans every longitude, not 400 degrees)."""
    dlat = radius_m / 111_320.0
    cos = math.cos(math.radians(lat))
    dlon = 360.0 if cos < 1e-9 else min(360.0, radius_m / (111_320.0 * cos))
    return (max(-180.0, lon - dlon), max(-90.0, lat - dlat), min(180.0, lon + dlon), min(90.0, lat + dlat))


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine on the GRS80/CGCS2000 mean radius): good to ~0.3% for ranking."""
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))
