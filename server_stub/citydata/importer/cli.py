"""``python -m server_stub.citydata import``: the command line of the survey importer."""
from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .fields import field_help
from .location import NEAR_KM
from .options import ImportOptions
from .report import ImportFileError
from .run import import_city


def add_parser(sub) -> None:  # noqa: ANN001
    p = sub.add_parser("import", help="import a city's own survey (unit grids, components) into a database",
                       description="Import unit grids and components (GeoPackage/Shapefile, any CRS) into "
                       "a database, all or nothing; every rejected row is reported.",
                       epilog=field_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", required=True, help="database URL (sqlite:///file or postgresql://...)")
    p.add_argument("--grids", required=True, help="unit grids: GeoPackage or Shapefile")
    p.add_argument("--grids-layer", help="layer name (default: unit_grids, or the only polygon layer)")
    p.add_argument("--components", help="components: GeoPackage or Shapefile")
    p.add_argument("--components-layer", help="layer name (default: components, or the only point layer)")
    p.add_argument("--departments", help="departments table (code, name[, kind, region_code]): "
                                         "GeoPackage layer, Shapefile .dbf or CSV")
    p.add_argument("--departments-layer", help="layer name (default: departments)")
    p.add_argument("--responsibility-grids", help="responsibility grids table (code, name[, inspector])")
    p.add_argument("--responsibility-grids-layer", help="layer name (default: responsibility_grids)")
    p.add_argument("--crs", help="CRS of files that carry none (e.g. a .shp without .prj): EPSG:xxxx, WKT, "
                                 "PROJ; it overrides a file's own CRS")
    p.add_argument("--area-crs", help="metric CRS for areas (default: CGCS2000 3-degree GK zone in China, "
                                      "UTM elsewhere)")
    p.add_argument("--admin", help="the city's 6-digit GB/T 2260 code; grids and components of another "
                                   "admin are rejected (default: the grids' own)")
    p.add_argument("--encoding", help="attribute encoding of files that do not declare one (e.g. GBK)")
    p.add_argument("--report", default="import_report.csv",
                   help="CSV with every rejected row, warning and note (default: %(default)s)")
    p.add_argument("--replace", action="store_true",
                   help="replace the city's unit grids and components (default: merge: new codes are "
                        "added, existing ones updated)")
    p.add_argument("--skip-rejected", action="store_true",
                   help="import the valid rows even when some are rejected (default: abort, change nothing)")
    p.add_argument("--create-departments", action="store_true",
                   help="create departments that components name but the database does not have")
    p.add_argument("--dry-run", action="store_true",
                   help="check everything, change nothing (not even create the database file)")
    p.add_argument("--new-city", action="store_true",
                   help="the data is another city: do not require it to lie where the database's city is "
                        f"(within {NEAR_KM:.0f} km of its unit grids)")
    p.set_defaults(run=main)


def _sqlite_file(url: str) -> Path | None:
    from ...db.session import normalize_url
    url = normalize_url(url)
    if not url.startswith("sqlite:///") or url.endswith(":memory:"):
        return None
    return Path(url[len("sqlite:///"):])


@contextmanager
def _database(url: str, dry_run: bool):
    """The database to import into. A dry run against a SQLite file that does not exist yet runs
    against an empty scratch database in a temporary folder, so that not even the file appears."""
    from ...db.session import Database
    path = _sqlite_file(url)
    with tempfile.TemporaryDirectory(prefix="occ-import-dry-") as tmp:
        scratch = dry_run and path is not None and not path.exists()
        db = Database(f"sqlite:///{tmp}/scratch.sqlite" if scratch else url)
        try:
            if scratch:
                db.migrate()
            yield db
        finally:
            db.dispose()


def main(args: argparse.Namespace) -> int:
    opts = ImportOptions(
        grids=args.grids, grids_layer=args.grids_layer, components=args.components,
        components_layer=args.components_layer, departments=args.departments,
        departments_layer=args.departments_layer, responsibility_grids=args.responsibility_grids,
        responsibility_grids_layer=args.responsibility_grids_layer, crs=args.crs, area_crs=args.area_crs,
        admin=args.admin, encoding=args.encoding, replace=args.replace, skip_rejected=args.skip_rejected,
        create_departments=args.create_departments, dry_run=args.dry_run, new_city=args.new_city)
    from sqlalchemy.exc import SQLAlchemyError

    from ...services.loader import LoadError
    try:
        with _database(args.db, opts.dry_run) as db:
            rep = import_city(db, opts)
    except (ImportFileError, LoadError, SQLAlchemyError) as e:
        # a file that cannot be imported, or the database refusing the (rolled back) transaction
        print(f"error: {e}", file=sys.stderr)
        print("nothing was imported", file=sys.stderr)
        return 2
    if rep.metric_crs:
        print(f"areas measured in {rep.metric_crs}")
    print(rep.summary())
    path = rep.write_csv(args.report)
    print(f"report: {path} ({len(rep.issues)} rows)")
    return 1 if rep.aborted or (rep.dry_run and rep.rejected) else 0
