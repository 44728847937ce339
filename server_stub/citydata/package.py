"""Build a city package: ``city.gpkg`` (all layers in one projected CRS) and ``city.json``."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from app.domain.classification import Classification

from . import ATTRIBUTION, GPKG_NAME, JSON_NAME, LICENSE
from . import basemap as basemap_mod
from . import builtup as builtup_mod
from . import cameras as cameras_mod
from . import components as components_mod
from .crs import choose_crs, describe_crs, transformer
from .departments import load_departments
from .hierarchy import build_hierarchy
from .inspectors import build_inspectors
from .osm_read import OsmData, demo_pbf, read_osm
from .partition import partition
from .profile import CityProfile, load_profile
from .quality import tiling_figures
from .walknet import build_walk_network

FORMAT = "opencitycommand-city-package"
FORMAT_VERSION = 1

# layer name -> geometry type written when the layer is empty (mixed single/multi are promoted)
LAYER_ORDER = [
    ("buildings", "MultiPolygon"), ("roads", "LineString"), ("water", "MultiPolygon"),
    ("green", "MultiPolygon"), ("landuse", "MultiPolygon"), ("railways", "LineString"),
    ("poi_labels", "Point"), ("builtup_area", "MultiPolygon"), ("districts", "Polygon"),
    ("streets", "Polygon"), ("communities", "Polygon"), ("unit_grids", "Polygon"),
    ("responsibility_grids", "Polygon"), ("components", "Point"), ("cameras", "Point"), ("inspectors", "Point"),
    ("walk_edges", "LineString"), ("walk_nodes", "Point"),
    ("departments", None), ("component_responsibility", None), ("event_responsibility", None),
]
POLYGON_LAYERS_AS_MULTI = {"buildings", "water", "green", "landuse", "builtup_area"}

ID_SCHEMES = {
    "unit_grid": "15 digits: admin(6) + street(3) + community(3) + sequence(3), sequence west->east, "
                 "north->south inside the community (app.domain.codes.GridCode)",
    "responsibility_grid": "<admin(6)><street(3)>R<nn>, numbered within the street",
    "component": "16 digits: admin(6) + major(2) + minor(2) + serial(6) (app.domain.codes.ComponentId)",
    "camera": "20 digits (GB/T 28181 layout): admin(6) + unit(2)=00 + industry(2: 00 public-security "
              "street, 08 city management) + type(3: 131 camera, 132 IP camera) + network(1: 5 "
              "public-security network, 6 government network) + serial(6)",
    "department": "Dnnn professional departments and contractors; S<street(3)> street offices",
    "inspector": "username (pinyin of the name); device_id is a 15-digit IMEI-style number with a Luhn "
                 "check digit (the OsmAnd/Traccar id)",
}


@dataclass
class BuildResult:
    out_dir: Path
    gpkg: Path
    json_path: Path
    profile_json: dict
    layers: dict[str, gpd.GeoDataFrame | pd.DataFrame] = field(repr=False, default_factory=dict)

    @property
    def quality(self) -> dict:
        return self.profile_json["quality"]


def _extent(data: OsmData, crs: pyproj.CRS) -> shapely.Polygon:
    """The extract's extent (its header box, else the bounds of all its elements) as a projected polygon."""
    minx, miny, maxx, maxy = data.bounds()
    box = shapely.segmentize(shapely.box(minx, miny, maxx, maxy), 0.0005)
    t = transformer(pyproj.CRS.from_epsg(4326), crs)
    return shapely.transform(box, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))


def _lonlat_bounds(geom, crs: pyproj.CRS) -> list[float]:
    t = transformer(crs, pyproj.CRS.from_epsg(4326))
    c = shapely.get_coordinates(shapely.segmentize(shapely.envelope(geom), 50.0))
    lon, lat = t.transform(c[:, 0], c[:, 1])
    return [round(float(min(lon)), 7), round(float(min(lat)), 7), round(float(max(lon)), 7),
            round(float(max(lat)), 7)]


def assemble(data: OsmData, profile: CityProfile, crs_override: str | None = None) -> tuple[dict, dict]:
    """All layers (name -> frame) and the city.json content, without writing anything."""
    t0 = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        timings[name] = round(time.perf_counter() - t0 - sum(timings.values()), 3)

    minx, miny, maxx, maxy = data.bounds()
    crs = choose_crs((minx + maxx) / 2, (miny + maxy) / 2, crs_override)
    feats = data.features.to_crs(crs)
    extent = _extent(data, crs)
    lap("project")

    layers: dict[str, gpd.GeoDataFrame | pd.DataFrame] = basemap_mod.build_basemap(data, feats)
    lap("basemap")
    area = builtup_mod.built_up_area(layers, extent)
    lap("builtup")
    part = partition(area, layers, profile.partition)
    lap("partition")
    hier = build_hierarchy(part.cells, area, profile, crs)
    lap("hierarchy")

    cls = Classification.load()
    depts = load_departments(list(zip(hier.streets.code, hier.streets.name)), classification=cls)
    mapping = components_mod.load_mapping()
    osm_all = components_mod.osm_components(data, feats, mapping)
    osm_cams = osm_all.geometry.values[osm_all.class_code.to_numpy() == cameras_mod.CAMERA_CLASS]
    crossing = cameras_mod.crossing_cameras(layers["roads"], area, osm_cams)
    extra = crossing.assign(class_code=cameras_mod.CAMERA_CLASS)
    comp = components_mod.build_components(data, feats, layers, hier.unit_grids, area, profile, depts,
                                           extra_synth=extra, classification=cls)
    lap("components")
    cams = cameras_mod.build_cameras(comp.components, comp.join, crossing, layers["roads"], profile)
    lap("cameras")
    walk_edges, walk_nodes = build_walk_network(data, crs, area)
    inspectors = build_inspectors(hier.resp_grids, walk_nodes, profile)
    hier.resp_grids["inspector"] = inspectors.set_index("responsibility_grid").username.reindex(
        hier.resp_grids.code).to_numpy()
    lap("walk_inspectors")

    layers.update({
        "builtup_area": gpd.GeoDataFrame({"name": [profile.name], "area_m2": [round(area.area, 1)]},
                                         geometry=gpd.GeoSeries([area], crs=crs), crs=crs),
        "districts": hier.districts, "streets": hier.streets, "communities": hier.communities,
        "unit_grids": hier.unit_grids, "responsibility_grids": hier.resp_grids,
        "components": comp.components, "cameras": cams, "inspectors": inspectors,
        "walk_edges": walk_edges, "walk_nodes": walk_nodes,
        "departments": depts.departments, "component_responsibility": depts.component_responsibility,
        "event_responsibility": depts.event_responsibility,
    })

    tiling = tiling_figures(hier.unit_grids.geometry.values, area)
    ts = pd.to_numeric(data.features.get("timestamp", pd.Series(dtype=float)), errors="coerce")
    newest = (datetime.fromtimestamp(int(ts.max()), tz=timezone.utc).isoformat()
              if len(ts) and ts.notna().any() and ts.max() > 0 else None)
    quality = {
        **tiling,
        "builtup_definition": builtup_mod.DEFINITION,
        "blocks": int(len(part.blocks)),
        "communities": int(len(hier.communities)),
        "streets": int(len(hier.streets)),
        "responsibility_grids": int(len(hier.resp_grids)),
        **{f"components_{k}" if k != "components" else k: v for k, v in comp.stats.items()},
        "cameras": int(len(cams)),
        "cameras_by_ownership": {k: int(v) for k, v in cams.ownership.value_counts().sort_index().items()},
        "inspectors": int(len(inspectors)),
        "walk_edges": int(len(walk_edges)),
        "timings_s": timings,
    }
    meta = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "name": profile.name, "name_en": profile.name_en, "admin_code": profile.admin_code,
        "district_name": profile.district_name,
        "crs": describe_crs(crs),
        "extent": {"lonlat": _lonlat_bounds(area, crs),
                   "projected": [round(float(v), 3) for v in shapely.bounds(area)]},
        "center_lonlat": [round(v, 7) for v in _center_lonlat(area, crs)],
        "attribution": ATTRIBUTION, "license": LICENSE,
        "source": {"file": data.path.name, "sha256": data.sha256, "newest_element": newest,
                   "extract_lonlat": [round(v, 7) for v in (minx, miny, maxx, maxy)]},
        "seed": profile.seed, "survey_date": profile.survey_date,
        "stream_url_template": f"{profile.stream_base.rstrip('/')}/cam/{{camera_id}}.m3u8",
        "id_schemes": ID_SCHEMES,
        "quality": quality,
    }
    return layers, meta


def _center_lonlat(area, crs) -> tuple[float, float]:
    c = shapely.point_on_surface(area)
    lon, lat = transformer(crs, pyproj.CRS.from_epsg(4326)).transform(c.x, c.y)
    return float(lon), float(lat)


def _geometry_type(name: str, gdf: gpd.GeoDataFrame, default: str) -> tuple[str, bool]:
    if len(gdf) == 0:
        return default, False
    types = set(gdf.geometry.geom_type.dropna())
    if name in POLYGON_LAYERS_AS_MULTI or len(types) > 1:
        single = next(iter(types)).replace("Multi", "")
        return "Multi" + single, True
    return next(iter(types)), False


def write_package(layers: dict, meta: dict, out_dir: str | Path) -> tuple[Path, Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".citypkg-", dir=out_dir))
    try:
        gpkg = tmp / GPKG_NAME
        described = []
        for name, default in LAYER_ORDER:
            frame = layers[name]
            if isinstance(frame, gpd.GeoDataFrame):
                gtype, promote = _geometry_type(name, frame, default)
                pyogrio.write_dataframe(frame, gpkg, layer=name, driver="GPKG", geometry_type=gtype,
                                        promote_to_multi=promote, spatial_index=True,
                                        layer_metadata={"attribution": ATTRIBUTION},
                                        dataset_metadata={"attribution": ATTRIBUTION, "license": LICENSE,
                                                          "name": meta["name"],
                                                          "admin_code": meta["admin_code"]})
                cols = [c for c in frame.columns if c != frame.geometry.name]
            else:
                pyogrio.write_dataframe(frame, gpkg, layer=name, driver="GPKG")
                gtype, cols = None, list(frame.columns)
            described.append({"name": name, "geometry_type": gtype, "count": int(len(frame)), "columns": cols})
        meta = {**meta, "layers": described,
                "generated_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat()}
        js = tmp / JSON_NAME
        js.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        for f in (GPKG_NAME, JSON_NAME):
            os.replace(tmp / f, out_dir / f)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir / GPKG_NAME, out_dir / JSON_NAME


def build_city(out_dir: str | Path, pbf: str | Path | None = None, *, demo: bool = False,
               crs: str | None = None, admin: str | None = None, name: str | None = None,
               profile_path: str | Path | None = None, seed: int | None = None) -> BuildResult:
    """Read the extract (the bundled Helsinki one with ``demo``), build and write the package."""
    t0 = time.perf_counter()
    if pbf is None and not demo:
        raise ValueError("give a .osm.pbf path or demo=True")
    path = Path(pbf) if pbf is not None else demo_pbf()
    default_name = None if (demo or profile_path) else path.name.split(".")[0]
    profile = load_profile(profile_path, demo=demo and profile_path is None, admin_code=admin,
                           name=name or default_name, seed=seed)
    data = read_osm(path)
    t_read = time.perf_counter() - t0
    layers, meta = assemble(data, profile, crs)
    meta["quality"]["timings_s"] = {"read": round(t_read, 3), **meta["quality"]["timings_s"]}
    t_write = time.perf_counter()
    gpkg, js = write_package(layers, meta, out_dir)
    meta = json.loads(js.read_text(encoding="utf-8"))
    meta["quality"]["timings_s"]["write"] = round(time.perf_counter() - t_write, 3)
    meta["quality"]["build_seconds"] = round(time.perf_counter() - t0, 2)
    js.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return BuildResult(out_dir=Path(out_dir), gpkg=gpkg, json_path=js, profile_json=meta, layers=layers)
