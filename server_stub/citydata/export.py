"""Export a database's city data as a GeoPackage the importer reads back unchanged.

``python -m server_stub.citydata export --db URL --out city_export.gpkg``

Layers, all in lon/lat EPSG:4490 (CGCS2000), with the importer's canonical field names:
  unit_grids            code, street_code, community_code, sequence, responsibility_grid, area_m2
  components            id, class_code, name, authority, owner, maintainer (department codes), state,
                        currency, data_source, grid_code, address, photo, survey_date, change_date
  responsibility_grids  code, name, inspector (username), unit_count, area_m2; geometry = the union
                        of its unit grids (empty when it has none)
  departments           code, name, kind, region_code (a table without geometry)
Round trip: ``import --grids X --components X --departments X --responsibility-grids X`` with X
the export.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import warnings
from datetime import datetime, timezone
from pathlib import Path

LONLAT_EPSG = 4490
GRID_COLUMNS = ["code", "street_code", "community_code", "sequence", "responsibility_grid", "area_m2"]
COMPONENT_COLUMNS = ["id", "class_code", "name", "authority", "owner", "maintainer", "state", "currency",
                     "data_source", "grid_code", "address", "photo", "survey_date", "change_date"]
RG_COLUMNS = ["code", "name", "inspector", "unit_count", "area_m2"]
DEPARTMENT_COLUMNS = ["code", "name", "kind", "region_code"]


def _frames(s) -> dict:  # noqa: ANN001
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely
    from sqlalchemy import select

    from ..db.models import Component, Department, ResponsibilityGrid, UnitGrid, User
    depts = s.execute(select(Department.id, Department.code, Department.name, Department.kind,
                             Department.region_code).order_by(Department.code)).all()
    dept_code = {d.id: d.code for d in depts}
    users = dict(s.execute(select(User.id, User.username)).all())
    rgs = s.execute(select(ResponsibilityGrid.id, ResponsibilityGrid.code, ResponsibilityGrid.name,
                           ResponsibilityGrid.inspector_id).order_by(ResponsibilityGrid.code)).all()
    rg_code = {r.id: r.code for r in rgs}

    grid_rows = s.execute(select(UnitGrid.code, UnitGrid.responsibility_grid_id, UnitGrid.area_m2,
                                 UnitGrid.geometry).order_by(UnitGrid.code)).all()
    geoms = shapely.from_geojson([json.dumps(r.geometry) for r in grid_rows]) if grid_rows \
        else np.array([], dtype=object)
    grids = gpd.GeoDataFrame({
        "code": [r.code for r in grid_rows],
        "street_code": [r.code[:9] for r in grid_rows],
        "community_code": [r.code[:12] for r in grid_rows],
        "sequence": pd.array([int(r.code[12:]) for r in grid_rows], dtype="int64"),
        "responsibility_grid": [rg_code.get(r.responsibility_grid_id) for r in grid_rows],
        "area_m2": pd.array([float(r.area_m2) for r in grid_rows], dtype="float64"),
    }, geometry=gpd.GeoSeries(geoms, crs=LONLAT_EPSG), crs=LONLAT_EPSG)

    cols = [getattr(Component, c) for c in ("id", "class_code", "name", "authority_id", "owner_id",
                                            "maintainer_id", "state", "currency", "data_source",
                                            "grid_code", "address", "photo", "survey_date", "change_date",
                                            "lon", "lat")]
    comp_rows = s.execute(select(*cols).order_by(Component.id)).all()
    comps = pd.DataFrame(comp_rows, columns=[c.key for c in cols])
    for ref in ("authority", "owner", "maintainer"):
        comps[ref] = [dept_code.get(v) for v in comps.pop(f"{ref}_id")] if len(comps) else []
    pts = gpd.points_from_xy(comps.pop("lon").astype(float), comps.pop("lat").astype(float), crs=LONLAT_EPSG)
    components = gpd.GeoDataFrame(comps[COMPONENT_COLUMNS].astype(object), geometry=pts, crs=LONLAT_EPSG)

    members: dict[int, list[int]] = {}
    for k, r in enumerate(grid_rows):
        if r.responsibility_grid_id is not None:
            members.setdefault(r.responsibility_grid_id, []).append(k)
    rg_geoms = [shapely.union_all(geoms[members[r.id]]) if r.id in members else None for r in rgs]
    resp = gpd.GeoDataFrame({
        "code": [r.code for r in rgs], "name": [r.name for r in rgs],
        "inspector": [users.get(r.inspector_id) for r in rgs],
        "unit_count": pd.array([len(members.get(r.id, ())) for r in rgs], dtype="int64"),
        "area_m2": pd.array([round(sum(grid_rows[k].area_m2 for k in members.get(r.id, ())), 1) for r in rgs],
                            dtype="float64"),
    }, geometry=gpd.GeoSeries(rg_geoms, crs=LONLAT_EPSG), crs=LONLAT_EPSG)

    departments = pd.DataFrame([{"code": d.code, "name": d.name, "kind": d.kind, "region_code": d.region_code}
                                for d in depts], columns=DEPARTMENT_COLUMNS)
    return {"unit_grids": grids, "components": components, "responsibility_grids": resp,
            "departments": departments}


def _geometry_type(gdf, single: str) -> tuple[str, bool]:  # noqa: ANN001
    types = set(gdf.geometry.dropna().geom_type)
    if types and types <= {single}:
        return single, False
    return ("Multi" + single, True) if types else (single, False)


def export_city(db, out: str | Path) -> dict[str, int]:  # noqa: ANN001
    """Write the GeoPackage (atomically: a temporary file renamed over ``out``); returns counts."""
    import pyogrio
    from sqlalchemy import inspect
    out = Path(out)
    if not inspect(db.engine).has_table("unit_grids"):
        raise ValueError(f"{db.engine.url.render_as_string(hide_password=True)} has no city tables "
                         "(not a server database, or never started)")
    out.parent.mkdir(parents=True, exist_ok=True)
    with db.session() as s:
        frames = _frames(s)
    meta = {"exported_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
            "crs": f"EPSG:{LONLAT_EPSG}", "format": "opencitycommand-city-export"}
    fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".gpkg", dir=out.parent)
    os.close(fd)
    os.unlink(tmp)  # GDAL creates the file itself
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name, single in (("unit_grids", "Polygon"), ("components", "Point"),
                                 ("responsibility_grids", "Polygon")):
                gtype, promote = _geometry_type(frames[name], single)
                pyogrio.write_dataframe(frames[name], tmp, layer=name, driver="GPKG", geometry_type=gtype,
                                        promote_to_multi=promote, spatial_index=True, dataset_metadata=meta)
            pyogrio.write_dataframe(frames["departments"], tmp, layer="departments", driver="GPKG")
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return {name: len(f) for name, f in frames.items()}


def add_parser(sub) -> None:  # noqa: ANN001
    p = sub.add_parser("export", help="export a database's unit grids, components, responsibility grids "
                                      "and departments as a GeoPackage (lon/lat EPSG:4490)")
    p.add_argument("--db", required=True, help="database URL (sqlite:///file or postgresql://...)")
    p.add_argument("--out", required=True, help="the GeoPackage to write (replaced when it exists)")
    p.set_defaults(run=main)


def main(args: argparse.Namespace) -> int:
    from ..db.session import Database, normalize_url
    url = normalize_url(args.db)
    if url.startswith("sqlite:///") and not Path(url.split("sqlite:///", 1)[1]).exists():
        print(f"error: no database at {url}", file=sys.stderr)  # do not create an empty one
        return 2
    db = Database(url)
    try:
        counts = export_city(db, args.out)
    except Exception as e:  # noqa: BLE001 - a CLI: say what went wrong in one line
        print(f"error: {e}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    print(", ".join(f"{n} {k}" for k, n in counts.items()) + f" -> {args.out} (EPSG:{LONLAT_EPSG})")
    return 0


__all__ = ["export_city", "GRID_COLUMNS", "COMPONENT_COLUMNS", "RG_COLUMNS", "DEPARTMENT_COLUMNS"]
