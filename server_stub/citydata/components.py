"""Components (部件): OSM features mapped to the standard minor classes, plus components
synthesized where OSM is silent.

- resources/city/osm_component_mapping.csv maps an OSM tag (optionally with a second tag) to a
  component minor class; the first matching row wins.
- resources/city/synthesis_rules.csv places components along roads (``line``: every spacing_m
  metres on a side of the road, offset from the centre line, the lane middle or the kerb), on each
  approach to a junction (``approach``) or once per junction (``junction``).

Synthesized points are dropped where OSM already has a component of the same class within half
the spacing ("OSM is silent" test), inside buildings, outside the built-up area, and where another
synthesized one of the class is closer than a third of the spacing. All spacings are then scaled
by one factor so that the total density lands near the profile's target (components per km2 of
built-up area). Everything random is drawn from one generator seeded by the profile: the same
input gives the same package.

Each component gets a 16-digit ID (admin + class + 6-digit serial per class, via ComponentId),
owner/maintainer/authority departments by class, a state (intact/damaged/missing/occupied, mostly
intact), currency ``in_use``, ``data_source`` = ``measured`` (from OSM; ``osm_id`` set) or ``synthesized``, the unit-grid code it
lies in, and an address description (the nearest named road and the side).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from app.domain.classification import Classification, Kind
from app.domain.codes import ComponentId

from .departments import Departments
from .osm_read import OsmData
from .placement import explode_lines, junctions, near, offset_points, thin
from .profile import CityProfile, city_resources

SOURCE_OSM = "measured"  # 实测: surveyed on the ground (here by OSM mappers); osm_id says which
SOURCE_SYNTH = "synthesized"
STATES = ("intact", "damaged", "missing", "occupied")  # 完好/破损/丢失/占用
STATE_P = (0.94, 0.04, 0.007, 0.013)
# names follow the loader (server_stub/services/loader.py): id, name (the class name), department codes
COLUMNS = ["id", "class_code", "name", "authority", "owner", "maintainer",
           "state", "currency", "data_source", "osm_id", "grid_code", "address", "survey_date"]


@dataclass(frozen=True)
class MappingRow:
    osm_key: str
    osm_value: str
    also_key: str
    also_value: str
    class_code: str
    note: str = ""


@dataclass(frozen=True)
class SynthesisRule:
    class_code: str
    placement: str            # line | approach | junction
    road_classes: tuple[str, ...]
    spacing_m: float
    side: str                 # left | right | both | alternate | centre | corner
    offset_from: str          # centre | lane | kerb
    offset_m: float
    note: str = ""


def _rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [{k: (v or "").strip() for k, v in r.items()} for r in csv.DictReader(f)]


def load_mapping(path: str | Path | None = None) -> list[MappingRow]:
    return [MappingRow(**r) for r in _rows(Path(path) if path else city_resources() / "osm_component_mapping.csv")]


def load_rules(path: str | Path | None = None) -> list[SynthesisRule]:
    out = []
    for r in _rows(Path(path) if path else city_resources() / "synthesis_rules.csv"):
        out.append(SynthesisRule(
            class_code=r["class_code"], placement=r["placement"],
            road_classes=tuple(x for x in r["road_classes"].split(";") if x),
            spacing_m=float(r["spacing_m"]), side=r["side"], offset_from=r["offset_from"],
            offset_m=float(r["offset_m"]), note=r.get("note", "")))
    return out


def check_tables(mapping: list[MappingRow], rules: list[SynthesisRule],
                 classification: Classification | None = None) -> None:
    cls = classification or Classification.load()
    for row in mapping:
        cls.get(Kind.COMPONENT, row.class_code)
    for rule in rules:
        cls.get(Kind.COMPONENT, rule.class_code)
        if rule.placement not in ("line", "approach", "junction") or rule.spacing_m <= 0:
            raise ValueError(f"bad synthesis rule {rule}")


# --- OSM ------------------------------------------------------------------------------------

def osm_components(data: OsmData, feats: gpd.GeoDataFrame, mapping: list[MappingRow]) -> gpd.GeoDataFrame:
    """One point per OSM feature that maps to a component class (first matching row wins)."""
    cls = pd.Series([None] * len(feats), index=feats.index, dtype=object)
    for row in mapping:
        t = data.tag(row.osm_key)
        hit = t.notna() if row.osm_value == "*" else t.eq(row.osm_value)
        if row.also_key:
            a = data.tag(row.also_key)
            hit &= a.notna() if row.also_value == "*" else a.eq(row.also_value)
        hit &= cls.isna()
        cls[hit] = row.class_code
    # indoor cameras are not street furniture
    cls[cls.eq("0136") & data.tag("surveillance").eq("indoor")] = None
    m = cls.notna()
    g = feats.geometry[m].values
    gt = shapely.get_type_id(g)
    pts = np.where(gt == 0, g, None)
    lines = (gt == 1) | (gt == 5)
    if lines.any():
        pts[lines] = shapely.line_interpolate_point(g[lines], 0.5, normalized=True)
    other = ~((gt == 0) | lines)
    if other.any():
        pts[other] = shapely.point_on_surface(shapely.make_valid(g[other]))
    ts = feats["timestamp"][m] if "timestamp" in feats.columns else pd.Series(0, index=feats.index[m])
    return gpd.GeoDataFrame({
        "class_code": cls[m].to_numpy(), "osm_id": feats.osm_id[m].astype("Int64").to_numpy(),
        "data_source": SOURCE_OSM, "survey_date": [_date(t) for t in ts],
        "addr_street": data.tag("addr:street")[m].to_numpy(),
        "addr_number": data.tag("addr:housenumber")[m].to_numpy(),
        "direction": data.tag("camera:direction")[m].fillna(data.tag("direction")[m]).to_numpy(),
    }, geometry=gpd.GeoSeries(pts, crs=feats.crs), crs=feats.crs).reset_index(drop=True)


def _date(ts) -> str | None:
    try:
        v = int(ts)
    except (TypeError, ValueError):
        return None
    if v <= 0:
        return None
    return datetime.fromtimestamp(v, tz=timezone.utc).date().isoformat()


# --- synthesis ------------------------------------------------------------------------------

@dataclass
class RoadSet:
    lines: np.ndarray
    road_class: np.ndarray
    width: np.ndarray


def road_set(roads: gpd.GeoDataFrame) -> RoadSet:
    r = roads[~roads.tunnel.astype(bool) & ~roads.footway.isin(["crossing"])
              & ~roads.highway.isin(["steps", "corridor", "elevator"])]
    lines, rc, w = explode_lines(r.geometry.values, r.road_class.to_numpy(), r.width_m.to_numpy())
    return RoadSet(lines, rc, w.astype(float))


def _base_offset(rule: SynthesisRule, width: np.ndarray) -> np.ndarray:
    base = {"centre": 0.0 * width, "lane": width / 4.0, "kerb": width / 2.0}[rule.offset_from]
    return np.maximum(base + rule.offset_m, 0.0)


def _line_points(rule: SynthesisRule, rs: RoadSet, sel: np.ndarray, spacing: float,
                 rng: np.random.Generator) -> np.ndarray:
    lines, width = rs.lines[sel], rs.width[sel]
    if len(lines) == 0:
        return np.array([], dtype=object)
    length = shapely.length(lines)
    phase = rng.uniform(0, spacing, len(lines))
    count = np.where(length > phase, np.floor((length - phase) / spacing) + 1, 0).astype(int)
    li = np.repeat(np.arange(len(lines)), count)
    if len(li) == 0:
        return np.array([], dtype=object)
    k = np.arange(len(li)) - np.repeat(np.cumsum(count) - count, count)
    dist = phase[li] + k * spacing + rng.uniform(-0.1, 0.1, len(li)) * spacing
    dist = np.clip(dist, 0, length[li])
    off = _base_offset(rule, width)[li]
    if rule.side == "both":
        li2 = np.concatenate([li, li])
        return offset_points(lines[li2], np.concatenate([dist, dist]), np.concatenate([off, -off]))
    sign = {"left": 1.0, "right": -1.0, "centre": 0.0}.get(rule.side)
    if rule.side == "alternate":
        sign = np.where(k % 2 == 0, -1.0, 1.0)
    return offset_points(lines[li], dist, off * sign)


def _junction_points(rule: SynthesisRule, rs: RoadSet, sel: np.ndarray) -> np.ndarray:
    lines, width = rs.lines[sel], rs.width[sel]
    xy, _ = junctions(lines)
    if len(xy) == 0:
        return np.array([], dtype=object)
    nodes = shapely.points(xy)
    nodes = nodes[thin(nodes, 15.0)]
    if rule.placement == "junction":
        o = rule.offset_m + float(np.median(width)) / 2.0
        c = shapely.get_coordinates(nodes) + o / np.sqrt(2.0)
        return shapely.points(c)
    # approach: one point per road leaving the junction, 12 m out, on the kerb side
    tree = shapely.STRtree(lines)
    ni, li = tree.query(nodes, predicate="dwithin", distance=0.01)
    s = shapely.line_locate_point(lines[li], nodes[ni])
    length = shapely.length(lines[li])
    out_l, out_d, out_o = [], [], []
    for d in (12.0, -12.0):
        ok = (s + d >= 0) & (s + d <= length) & (length >= 12.0)
        # approaching the junction from beyond it: its right is the line's left when d > 0
        sign = 1.0 if d > 0 else -1.0
        out_l.append(li[ok])
        out_d.append(s[ok] + d)
        out_o.append(sign * _base_offset(rule, width[li[ok]]))
    li2 = np.concatenate(out_l)
    if len(li2) == 0:
        return np.array([], dtype=object)
    return offset_points(lines[li2], np.concatenate(out_d), np.concatenate(out_o))


def synthesize(rules: list[SynthesisRule], rs: RoadSet, multiplier: float, seed: int) -> gpd.GeoDataFrame:
    """Raw synthesized candidates (before the OSM-silence, building and area filters)."""
    rng = np.random.default_rng(seed)
    geoms, codes, spacing = [], [], []
    for rule in rules:
        sel = np.isin(rs.road_class, rule.road_classes)
        if not sel.any():
            continue
        sp = rule.spacing_m * (multiplier if rule.placement == "line" else 1.0)
        if rule.placement == "line":
            pts = _line_points(rule, rs, sel, sp, rng)
        else:
            pts = _junction_points(rule, rs, sel)
            if multiplier > 1.0 and len(pts):  # keep junction furniture in step with the rest
                pts = pts[rng.uniform(size=len(pts)) < 1.0 / multiplier]
        geoms.append(pts)
        codes.extend([rule.class_code] * len(pts))
        spacing.extend([sp] * len(pts))
    g = np.concatenate(geoms) if geoms else np.array([], dtype=object)
    return gpd.GeoDataFrame({"class_code": codes, "spacing": np.asarray(spacing, dtype=float)},
                            geometry=gpd.GeoSeries(g), crs=None)


def filter_synthesized(cand: gpd.GeoDataFrame, osm: gpd.GeoDataFrame, buildings: np.ndarray,
                       area) -> gpd.GeoDataFrame:
    if len(cand) == 0:
        return cand
    g = cand.geometry.values
    keep = shapely.contains(area, g)
    if len(buildings):
        tree = shapely.STRtree(buildings)
        inside = np.zeros(len(g), dtype=bool)
        pi, _ = tree.query(g, predicate="within")
        inside[pi] = True
        keep &= ~inside
    cand = cand[keep].reset_index(drop=True)
    out = []
    for code, sub in cand.groupby("class_code", sort=True):
        pts = sub.geometry.values
        sp = sub.spacing.to_numpy()
        osm_pts = osm.geometry.values[osm.class_code.to_numpy() == code]
        silent = ~near(pts, osm_pts, np.minimum(sp / 2.0, 60.0))
        sub = sub[silent]
        if len(sub):
            sub = sub[thin(sub.geometry.values, float(min(sub.spacing.min() / 3.0, 15.0)))]
        out.append(sub)
    return pd.concat(out, ignore_index=True) if out else cand


# --- attributes -----------------------------------------------------------------------------

def grid_lookup(points: np.ndarray, unit_grids: gpd.GeoDataFrame) -> np.ndarray:
    """Unit-grid code for each point (None outside every cell); a point on a shared boundary
    takes the cell with the smallest code."""
    points = np.asarray(points, dtype=object)
    out = np.full(len(points), None, dtype=object)
    if len(points) == 0:
        return out
    polys = unit_grids.geometry.values
    tree = shapely.STRtree(polys)
    pi, gi = tree.query(points, predicate="intersects")
    codes = unit_grids.code.to_numpy()
    order = np.lexsort((codes[gi], pi))
    pi, gi = pi[order], gi[order]
    first = np.unique(pi, return_index=True)[1]
    out[pi[first]] = codes[gi[first]]
    return out


_SIDES = ["北侧", "东北侧", "东侧", "东南侧", "南侧", "西南侧", "西侧", "西北侧"]


def addresses(points: np.ndarray, roads: gpd.GeoDataFrame, fallback: str, max_distance: float = 200.0,
              addr_street: np.ndarray | None = None, addr_number: np.ndarray | None = None) -> np.ndarray:
    """'<nearest named road><side>' (e.g. 'Aleksanterinkatu南侧'), or the OSM address when tagged."""
    points = np.asarray(points, dtype=object)
    out = np.full(len(points), fallback, dtype=object)
    named = roads[roads.name.notna()]
    if len(points) and len(named):
        lines, names = explode_lines(named.geometry.values, named.name.to_numpy())
        tree = shapely.STRtree(lines)
        (pi, li), _ = tree.query_nearest(points, max_distance=max_distance, return_distance=True,
                                         all_matches=False)
        near_pts = shapely.line_interpolate_point(lines[li], shapely.line_locate_point(lines[li], points[pi]))
        d = shapely.get_coordinates(points[pi]) - shapely.get_coordinates(near_pts)
        ang = np.degrees(np.arctan2(d[:, 0], d[:, 1])) % 360.0
        sector = (np.floor((ang + 22.5) / 45.0).astype(int)) % 8
        tiny = np.hypot(d[:, 0], d[:, 1]) < 0.5
        out[pi] = [f"{n}{'' if t else _SIDES[s]}" for n, s, t in zip(names[li], sector, tiny)]
    if addr_street is not None:
        for i, (s, n) in enumerate(zip(addr_street, addr_number if addr_number is not None else [None] * len(out))):
            if isinstance(s, str) and s:
                out[i] = f"{s}{n}号" if isinstance(n, str) and n else s
    return out


def assign_ids(comps: gpd.GeoDataFrame, admin: str) -> np.ndarray:
    """16-digit IDs, serials 1..n per class in grid-code then north->south, west->east order."""
    xy = shapely.get_coordinates(comps.geometry.values)
    order = np.lexsort((xy[:, 0], -xy[:, 1], comps.grid_code.to_numpy(), comps.class_code.to_numpy()))
    codes = comps.class_code.to_numpy()
    ids = np.empty(len(comps), dtype=object)
    serial: dict[str, int] = {}
    for i in order:
        c = codes[i]
        serial[c] = serial.get(c, 0) + 1
        ids[i] = str(ComponentId(admin, c[:2], c[2:], serial[c]))
    return ids


# --- driver ---------------------------------------------------------------------------------

@dataclass
class ComponentResult:
    components: gpd.GeoDataFrame
    stats: dict
    join: pd.DataFrame  # id, key (of extra_synth rows), direction (OSM tag)


def build_components(data: OsmData, feats: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame],
                     unit_grids: gpd.GeoDataFrame, area, profile: CityProfile, depts: Departments,
                     extra_synth: gpd.GeoDataFrame | None = None,
                     classification: Classification | None = None) -> ComponentResult:
    """All components. ``extra_synth`` (class_code + geometry, e.g. synthesized cameras) are added
    as synthesized components and keep their ``key`` column for joining back."""
    cls = classification or Classification.load()
    mapping, rules = load_mapping(), load_rules()
    check_tables(mapping, rules, cls)
    crs = feats.crs
    osm = osm_components(data, feats, mapping)
    osm = osm[shapely.contains(area, osm.geometry.values)].reset_index(drop=True)
    buildings = np.asarray(layers["buildings"].geometry.values, dtype=object)
    rs = road_set(layers["roads"])
    km2 = area.area / 1e6
    n_extra = 0 if extra_synth is None else len(extra_synth)
    cp = profile.components
    target = cp.target_density_per_km2 * km2
    need = max(target - len(osm) - n_extra, 0.0)

    # realistic spacings first; then scale them (within max_spacing_scale) towards the target
    lo, hi = 1.0 / cp.max_spacing_scale, cp.max_spacing_scale
    mult, synth = 1.0, None
    for _ in range(4):
        cand = synthesize(rules, rs, mult, profile.seed)
        synth = filter_synthesized(cand.set_crs(crs, allow_override=True), osm, buildings, area)
        got = len(synth)
        if got == 0 or abs(got - need) <= 0.05 * max(need, 1.0):
            break
        new = float(np.clip(mult * got / max(need, 1.0), lo, hi))
        if abs(new - mult) < 1e-9:
            break
        mult = new
    synth = synth.drop(columns=["spacing"])
    synth["data_source"] = SOURCE_SYNTH
    synth["survey_date"] = profile.survey_date
    synth["osm_id"] = pd.array([pd.NA] * len(synth), dtype="Int64")
    parts = [osm, synth]
    if extra_synth is not None and len(extra_synth):
        ex = extra_synth[["class_code", "key", "geometry"]].copy()
        ex["data_source"] = SOURCE_SYNTH
        ex["survey_date"] = profile.survey_date
        ex["osm_id"] = pd.array([pd.NA] * len(ex), dtype="Int64")
        parts.append(ex)
    comps = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=crs)
    if "key" not in comps.columns:
        comps["key"] = None

    comps["grid_code"] = grid_lookup(comps.geometry.values, unit_grids)
    dropped = int(comps.grid_code.isna().sum())
    comps = comps[comps.grid_code.notna()].reset_index(drop=True)

    rng = np.random.default_rng(profile.seed + 1)
    comps["state"] = rng.choice(STATES, size=len(comps), p=STATE_P)
    comps["currency"] = "in_use"
    comps["name"] = [cls.get(Kind.COMPONENT, c).name for c in comps.class_code]
    resp = depts.component_responsibility.set_index("class_code")
    comps["owner"] = resp.owner.reindex(comps.class_code).to_numpy()
    comps["maintainer"] = resp.maintainer.reindex(comps.class_code).to_numpy()
    comps["authority"] = resp.authority.reindex(comps.class_code).to_numpy()
    comps["address"] = addresses(comps.geometry.values, layers["roads"], profile.district_name or profile.name,
                                 addr_street=comps.get("addr_street", pd.Series([None] * len(comps))).to_numpy(),
                                 addr_number=comps.get("addr_number", pd.Series([None] * len(comps))).to_numpy())
    comps["id"] = assign_ids(comps, profile.admin_code)
    comps = comps.sort_values("id").reset_index(drop=True)
    if "direction" not in comps:
        comps["direction"] = None
    join = pd.DataFrame(comps[["id", "key", "direction"]])
    result = comps[COLUMNS + ["geometry"]].copy()
    by_source = result.data_source.value_counts().to_dict()
    stats = {
        "components": int(len(result)),
        "by_source": {k: int(v) for k, v in sorted(by_source.items())},
        "density_per_km2": round(len(result) / km2, 1) if km2 else 0.0,
        "synthesis_spacing_multiplier": round(mult, 3),
        "dropped_outside_grids": dropped,
        "classes": int(result.class_code.nunique()),
    }
    return ComponentResult(result, stats, join)
