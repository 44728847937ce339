"""spatial indexes: SQLite R*Tree tables with triggers, PostGIS geometry columns with GiST

The hand-made 0.005° `cell` keys are dropped: a large box became thousands of OR terms.
SQLite: `<table>_rtree` virtual tables (the built-in rtree module) kept in sync by triggers.
PostgreSQL: PostGIS (installed in its own schema `postgis` when this role may create it; a city's
DBA can run scripts/postgres.sh's statements instead) and `geom` columns generated from lon/lat
(EPSG:4326) with GiST indexes; QGIS and GDAL read them as layers (geometry_columns).

Revision ID: 7b1e5c0a9d21
Revises: c42d37fd3c02
Create Date: 2026-12-02 11:40:00
"""
from alembic import op
import sqlalchemy as sa

revision = '7b1e5c0a9d21'
down_revision = 'c42d37fd3c02'
branch_labels = None
depends_on = None

SRID = 4326
CELL_INDEXES = {"cameras": "ix_cameras_cell", "components": "ix_components_cell_lonlat",
                "cases": "ix_cases_cell", "inspectors": "ix_inspectors_cell"}

# SQLite R*Tree per table: the integer key of a row (as an SQL expression on NEW/OLD) and its box.
POINT_BOX = "{r}.lon, {r}.lon, {r}.lat, {r}.lat"
RTREES = {
    "cases": ("{r}.id", POINT_BOX),
    "components": ("CAST({r}.id AS INTEGER)", POINT_BOX),  # 16-digit ids fit 64 bits
    "unit_grids": ("CAST({r}.code AS INTEGER)", "{r}.minx, {r}.maxx, {r}.miny, {r}.maxy"),  # 15 digits
}

POSTGIS_HELP = ("PostGIS is required on PostgreSQL and this database role may not install it. As a "
                "superuser run, in this database: CREATE SCHEMA IF NOT EXISTS postgis; "
                "CREATE EXTENSION IF NOT EXISTS postgis SCHEMA postgis; GRANT USAGE ON SCHEMA postgis TO "
                "PUBLIC; ALTER DATABASE <db> SET search_path = \"$user\", public, postgis; "
                "(scripts/postgres.sh does this for the test databases; Debian: postgresql-15-postgis-3)")


def _sqlite_upgrade() -> None:
    for table, index in CELL_INDEXES.items():
        op.execute(f"DROP INDEX IF EXISTS {index}")
        op.execute(f"ALTER TABLE {table} DROP COLUMN cell")
    for table, (key, box) in RTREES.items():
        rt = f"{table}_rtree"
        op.execute(f"CREATE VIRTUAL TABLE {rt} USING rtree(id, minx, maxx, miny, maxy)")
        op.execute(f"INSERT INTO {rt} SELECT {key.format(r=table)}, {box.format(r=table)} FROM {table}")
        cols = "id, lon, lat" if box == POINT_BOX else "code, minx, maxx, miny, maxy"
        new = f"INSERT INTO {rt} VALUES ({key.format(r='new')}, {box.format(r='new')})"
        old = f"DELETE FROM {rt} WHERE id = {key.format(r='old')}"
        op.execute(f"CREATE TRIGGER {rt}_insert AFTER INSERT ON {table} BEGIN {new}; END")
        op.execute(f"CREATE TRIGGER {rt}_update AFTER UPDATE OF {cols} ON {table} BEGIN {old}; {new}; END")
        op.execute(f"CREATE TRIGGER {rt}_delete AFTER DELETE ON {table} BEGIN {old}; END")
    # Camera ids have 20 digits: a counter key, the id in an auxiliary column.
    op.execute("CREATE VIRTUAL TABLE cameras_rtree USING rtree(id, minx, maxx, miny, maxy, +cam_id)")
    op.execute("INSERT INTO cameras_rtree(minx, maxx, miny, maxy, cam_id) SELECT lon, lon, lat, lat, id FROM cameras")
    new = "INSERT INTO cameras_rtree(minx, maxx, miny, maxy, cam_id) VALUES (new.lon, new.lon, new.lat, new.lat, new.id)"
    old = "DELETE FROM cameras_rtree WHERE cam_id = old.id"
    op.execute(f"CREATE TRIGGER cameras_rtree_insert AFTER INSERT ON cameras BEGIN {new}; END")
    op.execute(f"CREATE TRIGGER cameras_rtree_update AFTER UPDATE OF id, lon, lat ON cameras BEGIN {old}; {new}; END")
    op.execute(f"CREATE TRIGGER cameras_rtree_delete AFTER DELETE ON cameras BEGIN {old}; END")


def _postgis_schema(conn) -> str:  # noqa: ANN001
    """The schema PostGIS lives in, installing it (into `postgis`) when missing and allowed."""
    schema = conn.execute(sa.text("SELECT extnamespace::regnamespace::text FROM pg_extension "
                                  "WHERE extname = 'postgis'")).scalar()
    if schema:
        return schema
    try:
        with conn.begin_nested():
            conn.execute(sa.text("CREATE SCHEMA IF NOT EXISTS postgis"))
            conn.execute(sa.text("CREATE EXTENSION postgis SCHEMA postgis"))
            conn.execute(sa.text("GRANT USAGE ON SCHEMA postgis TO PUBLIC"))
    except sa.exc.DBAPIError as e:
        raise RuntimeError(f"{POSTGIS_HELP} ({str(e.orig).strip().splitlines()[0]})") from None
    return "postgis"


def _pg_upgrade() -> None:
    conn = op.get_bind()
    pg = _postgis_schema(conn)
    if pg != "public":  # every later session (ours, QGIS's) finds the functions; owner only
        op.execute(f"""DO $$ BEGIN
            EXECUTE format('ALTER DATABASE %I SET search_path = "$user", public, {pg}', current_database());
            EXCEPTION WHEN insufficient_privilege THEN
              RAISE NOTICE 'search_path not set: not the owner of the database';
            END $$""")
        op.execute(f"SELECT set_config('search_path', '\"$user\", public, {pg}', true)")
    for table, index in CELL_INDEXES.items():
        op.execute(f"DROP INDEX IF EXISTS {index}")
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS cell")
    point = f"{pg}.ST_SetSRID({pg}.ST_MakePoint(lon, lat), {SRID})"
    for table in ("cases", "components", "cameras"):
        op.execute(f"ALTER TABLE {table} ADD COLUMN geom {pg}.geometry(Point, {SRID}) "
                   f"GENERATED ALWAYS AS ({point}) STORED")
        op.execute(f"CREATE INDEX ix_{table}_geom ON {table} USING gist (geom)")
    poly = f"{pg}.ST_Multi({pg}.ST_SetSRID({pg}.ST_GeomFromGeoJSON(geometry::text), {SRID}))"
    op.execute(f"ALTER TABLE unit_grids ADD COLUMN geom {pg}.geometry(MultiPolygon, {SRID}) "
               f"GENERATED ALWAYS AS ({poly}) STORED")
    op.execute("CREATE INDEX ix_unit_grids_geom ON unit_grids USING gist (geom)")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _pg_upgrade()
    else:
        _sqlite_upgrade()


def downgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    for table in ("cases", "components", "cameras", "unit_grids"):
        if pg:
            op.execute(f"ALTER TABLE {table} DROP COLUMN geom")
        else:
            for what in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_rtree_{what}")
            op.execute(f"DROP TABLE IF EXISTS {table}_rtree")
    # The cell keys come back as zeros; a reload of the city recomputes them.
    for table, index in CELL_INDEXES.items():
        op.add_column(table, sa.Column("cell", sa.BigInteger(), nullable=table == "inspectors",
                                       server_default=None if table == "inspectors" else "0"))
    for table, index in CELL_INDEXES.items():
        cols = ["cell", "lon", "lat"] if table == "components" else ["cell"]
        op.create_index(index, table, cols)
