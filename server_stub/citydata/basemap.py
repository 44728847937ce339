"""Basemap layers for a 1:500 map, projected: buildings, roads, water, green, landuse, railways and
POI labels. Each layer is a GeoDataFrame with a fixed column list (see ``COLUMNS``)."""
from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .osm_read import OsmData

COLUMNS = {
    "buildings": ["osm_id", "name", "building", "levels", "height_m", "structure", "structure_zh",
                  "area_m2"],
    "roads": ["osm_id", "name", "highway", "road_class", "road_class_zh", "width_m", "lanes", "oneway",
              "bridge", "tunnel", "footway", "service", "length_m"],
    "water": ["osm_id", "name", "kind", "area_m2"],
    "green": ["osm_id", "name", "kind", "area_m2"],
    "landuse": ["osm_id", "name", "landuse", "area_m2"],
    "railways": ["osm_id", "name", "kind", "bridge", "tunnel", "length_m"],
    "poi_labels": ["osm_id", "name", "kind", "category"],
}

# highway value -> (road_class, Chinese urban road class, default carriageway width in metres)
ROAD_CLASSES: dict[str, tuple[str, str, float]] = {
    "motorway": ("expressway", "快速路", 25.0), "motorway_link": ("expressway", "快速路", 8.0),
    "trunk": ("expressway", "快速路", 22.0), "trunk_link": ("expressway", "快速路", 8.0),
    "primary": ("arterial", "主干路", 20.0), "primary_link": ("arterial", "主干路", 7.0),
    "secondary": ("secondary", "次干路", 16.0), "secondary_link": ("secondary", "次干路", 7.0),
    "tertiary": ("branch", "支路", 12.0), "tertiary_link": ("branch", "支路", 6.0),
    "unclassified": ("branch", "支路", 8.0), "residential": ("branch", "支路", 7.0),
    "road": ("branch", "支路", 7.0), "living_street": ("lane", "街巷", 5.0),
    "service": ("lane", "街巷", 4.0), "pedestrian": ("pedestrian", "步行街", 8.0),
    "footway": ("footway", "人行道", 2.0), "path": ("footway", "人行道", 1.5),
    "steps": ("footway", "人行道", 2.0), "trail": ("footway", "人行道", 1.5),
    "bridleway": ("footway", "人行道", 2.0), "corridor": ("footway", "人行道", 2.0),
    "cycleway": ("cycleway", "非机动车道", 2.5), "track": ("lane", "街巷", 3.0),
}
VEHICULAR = {k for k, v in ROAD_CLASSES.items() if v[0] in ("expressway", "arterial", "secondary", "branch")}
BLOCK_EDGE_HIGHWAYS = VEHICULAR | {"living_street", "pedestrian", "service"}
MINOR_SERVICE = {"parking_aisle", "driveway", "drive-through", "emergency_access"}

_NUM = re.compile(r"^\s*(\d+(?:[.,]\d+)?)")

WATER_KINDS = {("natural", "water"), ("natural", "bay"), ("natural", "strait"), ("waterway", "riverbank"),
               ("waterway", "dock"), ("landuse", "reservoir"), ("landuse", "basin"), ("water", "*")}
WATERWAY_WIDTH = {"river": 20.0, "canal": 10.0, "stream": 3.0, "ditch": 1.5, "drain": 1.5}
GREEN_KINDS = {
    "leisure": {"park", "garden", "playground", "dog_park", "recreation_ground", "common", "nature_reserve"},
    "landuse": {"grass", "forest", "meadow", "village_green", "recreation_ground", "flowerbed", "cemetery",
                "allotments", "orchard", "plant_nursery"},
    "natural": {"wood", "scrub", "grassland", "heath"},
}
RAIL_KINDS = {"rail", "tram", "light_rail", "subway", "narrow_gauge", "monorail", "funicular", "preserved"}
LABEL_KEYS = ["amenity", "shop", "tourism", "leisure", "historic", "office", "railway", "public_transport",
              "place", "craft", "man_made", "building"]


def number(values: pd.Series) -> pd.Series:
    """Leading number of a tag value ('12.5 m' -> 12.5), NaN when there is none."""
    def conv(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return np.nan
        m = _NUM.match(str(v))
        return float(m.group(1).replace(",", ".")) if m else np.nan
    return values.map(conv).astype(float)


def is_true(values: pd.Series) -> pd.Series:
    return values.isin(["yes", "true", "1", "viaduct", "building_passage", "culvert", "covered"])


def _empty(name: str, crs, geom_type: str = "Polygon") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in COLUMNS[name]},
                            geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def _frame(name: str, data: dict, geoms, crs) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(list(geoms), crs=crs), crs=crs)
    gdf = gdf[~shapely.is_missing(gdf.geometry.values) & ~shapely.is_empty(gdf.geometry.values)]
    gdf = gdf.reset_index(drop=True)
    return gdf[COLUMNS[name] + ["geometry"]]


def _polygonal(geoms: gpd.GeoSeries) -> np.ndarray:
    """Only the polygon parts of each geometry, made valid."""
    g = shapely.make_valid(np.asarray(geoms.values, dtype=object))
    out = []
    for x in g:
        parts = [p for p in shapely.get_parts(x) if shapely.get_type_id(p) in (3, 6)]
        out.append(shapely.union_all(parts) if parts else shapely.Polygon())
    return np.asarray(out, dtype=object)


def structure_guess(building: pd.Series, levels: pd.Series, material: pd.Series, area: pd.Series):
    """Rough structure class from building type, storeys, material and footprint."""
    light = {"roof", "garage", "garages", "shed", "kiosk", "carport", "hut", "greenhouse", "container",
             "toilets", "service", "transformer_tower"}
    steel = {"industrial", "warehouse", "hangar", "train_station", "parking", "sports_hall", "stadium"}
    masonry = {"church", "cathedral", "chapel", "castle", "temple", "mosque", "synagogue", "ruins"}
    out, out_zh = [], []
    for b, lv, mat, a in zip(building, levels, material, area):
        b, mat = str(b or "yes"), str(mat or "")
        if mat in ("wood", "timber_framing", "log") or b in ("cabin", "hut") and mat != "concrete":
            s = "timber"
        elif b in light:
            s = "light"
        elif mat in ("steel", "metal", "glass") or b in steel:
            s = "steel"
        elif b in masonry or mat in ("stone", "brick") and not (lv == lv and lv > 6):
            s = "masonry"
        elif lv == lv and lv >= 7 or a > 3000 or mat in ("concrete", "reinforced_concrete"):
            s = "reinforced_concrete"
        else:
            s = "brick_concrete"
        out.append(s)
        out_zh.append({"timber": "木结构", "light": "简易结构", "steel": "钢结构", "masonry": "砌体结构",
                       "reinforced_concrete": "钢筋混凝土结构", "brick_concrete": "砖混结构"}[s])
    return out, out_zh


def buildings(data: OsmData, feats: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    b = data.tag("building")
    m = b.notna() & (b != "no") & feats.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    if not m.any():
        return _empty("buildings", feats.crs)
    geoms = _polygonal(feats.geometry[m])
    levels = number(data.tag("building:levels")[m])
    height = number(data.tag("height")[m])
    levels_est = levels.where(levels.notna(), (height / 3.2).round())
    area = pd.Series(shapely.area(geoms), index=levels.index)
    s, s_zh = structure_guess(b[m], levels_est, data.tag("building:material")[m], area)
    return _frame("buildings", {
        "osm_id": feats.osm_id[m].to_numpy(), "name": data.tag("name")[m].to_numpy(),
        "building": b[m].to_numpy(), "levels": levels.round().astype("Int64").to_numpy(),
        "height_m": height.to_numpy(), "structure": s, "structure_zh": s_zh,
        "area_m2": area.round(1).to_numpy()}, geoms, feats.crs)


def roads(data: OsmData, feats: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    hw = data.tag("highway")
    m = hw.isin(list(ROAD_CLASSES)) & feats.geometry.geom_type.isin(["LineString", "MultiLineString"])
    area_tag = data.tag("area")
    m &= ~area_tag.eq("yes")
    if not m.any():
        return _empty("roads", feats.crs, "LineString")
    h = hw[m]
    cls = h.map(lambda v: ROAD_CLASSES[v][0])
    cls_zh = h.map(lambda v: ROAD_CLASSES[v][1])
    default_w = h.map(lambda v: ROAD_CLASSES[v][2]).astype(float)
    width = number(data.tag("width")[m])
    est = number(data.tag("est_width")[m])
    lanes = number(data.tag("lanes")[m])
    lane_w = (lanes * 3.5).where(h.isin(list(VEHICULAR)))
    w = width.fillna(est).fillna(lane_w).fillna(default_w).clip(lower=0.5, upper=80).round(1)
    geoms = feats.geometry[m].values
    return _frame("roads", {
        "osm_id": feats.osm_id[m].to_numpy(), "name": data.tag("name")[m].to_numpy(),
        "highway": h.to_numpy(), "road_class": cls.to_numpy(), "road_class_zh": cls_zh.to_numpy(),
        "width_m": w.to_numpy(), "lanes": lanes.round().astype("Int64").to_numpy(),
        "oneway": data.tag("oneway")[m].isin(["yes", "1", "true", "-1"]).to_numpy(),
        "bridge": is_true(data.tag("bridge")[m]).to_numpy(),
        "tunnel": (is_true(data.tag("tunnel")[m]) | is_true(data.tag("covered")[m])
                   | data.tag("indoor")[m].eq("yes")
                   | number(data.tag("layer")[m]).lt(0)).to_numpy(),
        "footway": data.tag("footway")[m].to_numpy(), "service": data.tag("service")[m].to_numpy(),
        "length_m": np.round(shapely.length(geoms), 2)}, geoms, feats.crs)


def water(data: OsmData, feats: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    poly = feats.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    kind = pd.Series([None] * len(feats), index=feats.index, dtype=object)
    for key, value in WATER_KINDS:
        t = data.tag(key)
        hit = (t.notna() if value == "*" else t.eq(value)) & kind.isna() & poly
        kind[hit] = t[hit] if key == "water" else value
    m_poly = kind.notna()
    ww = data.tag("waterway")
    m_line = ww.isin(list(WATERWAY_WIDTH)) & feats.geometry.geom_type.isin(["LineString", "MultiLineString"])
    m_line &= ~is_true(data.tag("tunnel"))
    geoms = list(_polygonal(feats.geometry[m_poly]))
    widths = number(data.tag("width")[m_line]).fillna(ww[m_line].map(WATERWAY_WIDTH)).to_numpy()
    geoms += list(shapely.buffer(feats.geometry[m_line].values, widths / 2.0, cap_style="flat"))
    if not geoms:
        return _empty("water", feats.crs)
    ids = np.concatenate([feats.osm_id[m_poly].to_numpy(), feats.osm_id[m_line].to_numpy()])
    names = np.concatenate([data.tag("name")[m_poly].to_numpy(), data.tag("name")[m_line].to_numpy()])
    kinds = np.concatenate([kind[m_poly].to_numpy(), ww[m_line].to_numpy()])
    return _frame("water", {"osm_id": ids, "name": names, "kind": kinds,
                            "area_m2": np.round(shapely.area(geoms), 1)}, geoms, feats.crs)


def green(data: OsmData, feats: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    poly = feats.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    kind = pd.Series([None] * len(feats), index=feats.index, dtype=object)
    for key, values in GREEN_KINDS.items():
        t = data.tag(key)
        hit = t.isin(list(values)) & kind.isna() & poly
        kind[hit] = t[hit]
    m = kind.notna()
    if not m.any():
        return _empty("green", feats.crs)
    geoms = _polygonal(feats.geometry[m])
    return _frame("green", {"osm_id": feats.osm_id[m].to_numpy(), "name": data.tag("name")[m].to_numpy(),
                            "kind": kind[m].to_numpy(), "area_m2": np.round(shapely.area(geoms), 1)},
                  geoms, feats.crs)


def landuse(data: OsmData, feats: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    lu = data.tag("landuse")
    m = lu.notna() & feats.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    if not m.any():
        return _empty("landuse", feats.crs)
    geoms = _polygonal(feats.geometry[m])
    return _frame("landuse", {"osm_id": feats.osm_id[m].to_numpy(), "name": data.tag("name")[m].to_numpy(),
                              "landuse": lu[m].to_numpy(), "area_m2": np.round(shapely.area(geoms), 1)},
                  geoms, feats.crs)


def railways(data: OsmData, feats: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    rw = data.tag("railway")
    m = rw.isin(list(RAIL_KINDS)) & feats.geometry.geom_type.isin(["LineString", "MultiLineString"])
    if not m.any():
        return _empty("railways", feats.crs, "LineString")
    geoms = feats.geometry[m].values
    return _frame("railways", {
        "osm_id": feats.osm_id[m].to_numpy(), "name": data.tag("name")[m].to_numpy(), "kind": rw[m].to_numpy(),
        "bridge": is_true(data.tag("bridge")[m]).to_numpy(),
        "tunnel": (is_true(data.tag("tunnel")[m]) | number(data.tag("layer")[m]).lt(0)).to_numpy(),
        "length_m": np.round(shapely.length(geoms), 2)}, geoms, feats.crs)


def poi_labels(data: OsmData, feats: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    name = data.tag("name")
    kind = pd.Series([None] * len(feats), index=feats.index, dtype=object)
    cat = kind.copy()
    for key in LABEL_KEYS:
        t = data.tag(key)
        hit = t.notna() & kind.isna() & name.notna() & (t != "yes" if key == "building" else True)
        kind[hit] = t[hit]
        cat[hit] = key
    # named highways are labelled along the road itself, not as POIs
    m = kind.notna() & data.tag("highway").isna()
    if not m.any():
        return _empty("poi_labels", feats.crs, "Point")
    geoms = shapely.point_on_surface(shapely.make_valid(feats.geometry[m].values))
    return _frame("poi_labels", {"osm_id": feats.osm_id[m].to_numpy(), "name": name[m].to_numpy(),
                                 "kind": kind[m].to_numpy(), "category": cat[m].to_numpy()},
                  geoms, feats.crs)


def build_basemap(data: OsmData, feats: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """All basemap layers from the projected features (``feats`` is ``data.features`` projected)."""
    return {"buildings": buildings(data, feats), "roads": roads(data, feats), "water": water(data, feats),
            "green": green(data, feats), "landuse": landuse(data, feats), "railways": railways(data, feats),
            "poi_labels": poi_labels(data, feats)}
