"""Video cameras: the OSM surveillance points (shared public-security cameras) plus one camera at
each major crossing where OSM has none nearby (the city-management department's own cameras).

Camera IDs are 20 digits in the GB/T 28181 layout:

    admin(6) + unit(2) + industry(2) + type(3) + network(1) + serial(6)
    320582   + 00      + 08          + 132     + 6          + 000001

- admin + unit: the 8-digit centre code (county code from the city profile, grassroots unit 00);
- industry: 00 = public-security street cameras (社会治安路面接入, the shared OSM ones),
  08 = city management (城市管理接入, the city's own crossing cameras);
- type: 131 = camera, 132 = network (IP) camera;
- network: 5 = public-security network (shared cameras), 6 = government network (own cameras);
- serial: 1.. per (industry, type, network), in component-ID order.

The stream URL is a template with a ``{stream_base}`` placeholder the server fills in, e.g.
``{stream_base}/cam/32058200081326000001.m3u8``.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .components import SOURCE_OSM, SOURCE_SYNTH
from .placement import explode_lines, junctions, near, thin
from .profile import CityProfile

CAMERA_CLASS = "0136"
SHARED = {"ownership": "shared", "industry": "00", "type": "131", "network": "5"}
OWN = {"ownership": "own", "industry": "08", "type": "132", "network": "6"}
MAJOR_CLASSES = ("expressway", "arterial", "secondary", "branch")
# names follow the loader (server_stub/services/loader.py): id, direction (degrees from north),
# kind = fixed | ptz; ownership = shared (public-security, from OSM) | own (city management)
COLUMNS = ["id", "name", "kind", "ownership", "data_source", "component_id", "grid_code", "direction",
           "stream_url", "online", "address"]

_CARDINAL = {"N": 0, "NNE": 22.5, "NE": 45, "ENE": 67.5, "E": 90, "ESE": 112.5, "SE": 135, "SSE": 157.5,
             "S": 180, "SSW": 202.5, "SW": 225, "WSW": 247.5, "W": 270, "WNW": 292.5, "NW": 315,
             "NNW": 337.5}


def camera_id(admin: str, scheme: dict, serial: int) -> str:
    cid = f"{admin}00{scheme['industry']}{scheme['type']}{scheme['network']}{serial:06d}"
    assert len(cid) == 20 and cid.isdigit(), cid
    return cid


def parse_direction(value) -> float | None:
    """OSM camera:direction / direction: degrees ('135', '90;270': the first) or a compass point."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    s = str(value).split(";")[0].strip().upper()
    if s in _CARDINAL:
        return float(_CARDINAL[s])
    try:
        return float(s) % 360.0
    except ValueError:
        return None


def crossing_cameras(roads: gpd.GeoDataFrame, area, osm_cameras: np.ndarray,
                     min_spacing: float = 80.0) -> gpd.GeoDataFrame:
    """Camera candidates at crossings of two or more differently named major roads, 10 m out on a
    corner, looking at the crossing; none within 40 m of an OSM camera."""
    r = roads[roads.road_class.isin(list(MAJOR_CLASSES)) & ~roads.tunnel.astype(bool)]
    lines, names = explode_lines(r.geometry.values, r.name.to_numpy())
    xy, deg = junctions(lines)
    empty = gpd.GeoDataFrame({"key": [], "name": [], "direction_deg": []}, geometry=gpd.GeoSeries([]),
                             crs=roads.crs)
    if len(xy) == 0:
        return empty
    nodes = shapely.points(xy)
    tree = shapely.STRtree(lines)
    ni, li = tree.query(nodes, predicate="dwithin", distance=0.01)
    named: dict[int, list[str]] = {}
    for a, b in zip(ni, li):
        n = names[b]
        if isinstance(n, str) and n and n not in named.setdefault(int(a), []):
            named[int(a)].append(n)
    idx = np.array(sorted(k for k, v in named.items() if len(v) >= 2), dtype=int)
    if len(idx) == 0:
        return empty
    nodes = nodes[idx]
    keep = thin(nodes, min_spacing, priority=-deg[idx])
    keep &= shapely.contains(area, nodes)
    keep &= ~near(nodes, osm_cameras, 40.0)
    nodes, idx = nodes[keep], idx[keep]
    # put the pole 10 m from the crossing centre towards the south-west corner, looking north-east
    c = shapely.get_coordinates(nodes)
    pole = shapely.points(c - 10.0 / np.sqrt(2.0))
    keys = [f"crossing-{i:04d}" for i in range(len(nodes))]
    return gpd.GeoDataFrame({
        "key": keys, "name": [f"{named[int(i)][0]}/{named[int(i)][1]}路口" for i in idx],
        "direction_deg": 45.0,
    }, geometry=gpd.GeoSeries(pole, crs=roads.crs), crs=roads.crs)


def build_cameras(components: gpd.GeoDataFrame, join: pd.DataFrame, crossing: gpd.GeoDataFrame,
                  roads: gpd.GeoDataFrame, profile: CityProfile) -> gpd.GeoDataFrame:
    comps = components.drop(columns=["direction"], errors="ignore").merge(join, on="id", how="left")
    comps = comps.rename(columns={"id": "component_id"})
    cams = comps[comps.class_code == CAMERA_CLASS].copy()
    shared = cams[cams.data_source == SOURCE_OSM].copy()
    own = cams[(cams.data_source == SOURCE_SYNTH) & cams.key.isin(set(crossing.key))].copy()

    # shared: direction from the tag, else facing the nearest road
    d = np.array([parse_direction(v) for v in shared.direction], dtype=float)
    missing = np.isnan(d)
    if missing.any() and len(roads):
        pts = shared.geometry.values[missing]
        lines, = explode_lines(roads.geometry.values)
        tree = shapely.STRtree(lines)
        (pi, li) = tree.query_nearest(pts, all_matches=False)
        tgt = shapely.line_interpolate_point(lines[li], shapely.line_locate_point(lines[li], pts[pi]))
        v = shapely.get_coordinates(tgt) - shapely.get_coordinates(pts[pi])
        dd = np.full(len(pts), 0.0)
        dd[pi] = np.degrees(np.arctan2(v[:, 0], v[:, 1])) % 360.0
        d[missing] = dd
    shared["direction_deg"] = np.round(d, 1)
    shared["kind"] = "fixed"
    shared["name"] = [f"{a}监控点" for a in shared.address]
    shared["scheme"] = [SHARED] * len(shared)

    info = crossing.set_index("key")
    own["direction_deg"] = info.direction_deg.reindex(own.key).to_numpy()
    own["name"] = info.name.reindex(own.key).to_numpy()
    own["kind"] = "ptz"
    own["scheme"] = [OWN] * len(own)

    out = pd.concat([shared, own], ignore_index=True)
    ids = []
    for scheme_rows in (out.index[out.scheme.map(lambda s: s is SHARED)],
                        out.index[out.scheme.map(lambda s: s is OWN)]):
        for serial, i in enumerate(sorted(scheme_rows, key=lambda i: out.component_id[i]), start=1):
            ids.append((i, camera_id(profile.admin_code, out.scheme[i], serial)))
    cid = pd.Series(dict(ids))
    out["id"] = cid.reindex(out.index).to_numpy()
    out["ownership"] = out.scheme.map(lambda s: s["ownership"])
    out["direction"] = out.direction_deg.astype(float)
    out["online"] = True
    base = profile.stream_base.rstrip("/")
    out["stream_url"] = [f"{base}/cam/{c}.m3u8" for c in out.id]
    out = gpd.GeoDataFrame(out[COLUMNS + ["geometry"]], geometry="geometry", crs=components.crs)
    return out.sort_values("id").reset_index(drop=True)
