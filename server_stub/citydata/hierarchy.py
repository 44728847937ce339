"""District -> street (街道) -> community (社区) -> unit grid, codes, and responsibility grids.

Cells are grouped into contiguous communities of about ``cells_per_community`` cells, communities
into streets, and the cells of each community into responsibility grids of about
``cells_per_resp_grid`` cells. Groups come from recursive bisection of the members' centroids
across their principal axis (equal member counts), then pieces that are not connected to the rest
of their group move to the neighbouring group they share most border with.

Codes (shared/domain section 2): street = 3 digits, community = 3 digits, both numbered in
reading order (north to south in bands, west to east within a band); unit-grid sequence = 3
digits, west->east, north->south inside each community (rows of ~100 m). A responsibility grid
is coded ``<admin><street>R<nn>`` (e.g. 320582001R03), numbered within its street, so it can never
be mistaken for a 14/15-digit unit-grid code.

Column names follow the loader's conventions (server_stub/services/loader.py): a layer's own key is
``code``; references to other layers are ``street_code``, ``community_code``,
``responsibility_grid``; regions carry ``parent_code``.
"""
from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from app.domain.codes import GridCode

from .profile import CityProfile


@dataclass
class Hierarchy:
    unit_grids: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    streets: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    resp_grids: gpd.GeoDataFrame


def adjacency(polys: np.ndarray, min_shared: float = 1.0) -> dict[int, dict[int, float]]:
    """Neighbours of each polygon with the length of the shared border (metres)."""
    polys = np.asarray(polys, dtype=object)
    probes = shapely.buffer(polys, 0.01, quad_segs=1)
    tree = shapely.STRtree(polys)
    i, j = tree.query(probes, predicate="intersects")
    m = i != j
    i, j = i[m], j[m]
    shared = shapely.length(shapely.intersection(shapely.boundary(polys[j]), probes[i]))
    adj: dict[int, dict[int, float]] = defaultdict(dict)
    for a, b, s in zip(i, j, shared):
        if s >= min_shared:
            adj[int(a)][int(b)] = max(adj[int(a)].get(int(b), 0.0), float(s))
    return adj


def _split(idx: np.ndarray, pts: np.ndarray, k: int) -> list[np.ndarray]:
    if k <= 1 or len(idx) <= 1:
        return [idx]
    p = pts[idx] - pts[idx].mean(axis=0)
    cov = p.T @ p
    w, v = np.linalg.eigh(cov)
    axis = v[:, int(np.argmax(w))]
    order = idx[np.argsort(p @ axis, kind="stable")]
    k1 = k // 2
    cut = int(round(len(idx) * k1 / k))
    cut = min(max(cut, 1), len(idx) - 1)
    return _split(order[:cut], pts, k1) + _split(order[cut:], pts, k - k1)


def _components(members: list[int], adj: dict[int, dict[int, float]]) -> list[list[int]]:
    ms = set(members)
    seen: set[int] = set()
    comps = []
    for s in members:
        if s in seen:
            continue
        comp, q = [], deque([s])
        seen.add(s)
        while q:
            x = q.popleft()
            comp.append(x)
            for y in adj.get(x, {}):
                if y in ms and y not in seen:
                    seen.add(y)
                    q.append(y)
        comps.append(comp)
    return sorted(comps, key=len, reverse=True)


def fix_contiguity(labels: np.ndarray, adj: dict[int, dict[int, float]], rounds: int = 20) -> np.ndarray:
    """Move pieces of a group that are cut off from its main part to the neighbour group they share
    most border with (islands with no neighbour stay)."""
    labels = labels.copy()
    for _ in range(rounds):
        changed = False
        for lab in np.unique(labels):
            members = [int(x) for x in np.flatnonzero(labels == lab)]
            comps = _components(members, adj)
            for comp in comps[1:]:
                border: dict[int, float] = defaultdict(float)
                cs = set(comp)
                for x in comp:
                    for y, s in adj.get(x, {}).items():
                        if y not in cs and labels[y] != lab:
                            border[int(labels[y])] += s
                if border:
                    labels[comp] = max(border.items(), key=lambda t: (t[1], -t[0]))[0]
                    changed = True
        if not changed:
            break
    return labels


def group(members: np.ndarray, pts: np.ndarray, per_group: int, adj) -> np.ndarray:
    """Labels 0..k-1 for ``members`` (indices into pts), contiguous where the adjacency allows."""
    k = max(1, int(round(len(members) / per_group)))
    labels = np.full(len(pts), -1)
    for lab, part in enumerate(_split(np.asarray(members), pts, k)):
        labels[part] = lab
    labels = fix_contiguity(labels, {a: {b: s for b, s in nb.items() if labels[b] >= 0}
                                     for a, nb in adj.items() if labels[a] >= 0})
    out = labels[members]
    # renumber densely (a group may have been emptied by the contiguity fix)
    _, dense = np.unique(out, return_inverse=True)
    return dense


def reading_order(pts: np.ndarray, band: float) -> np.ndarray:
    """Order of points north->south in bands of ``band`` metres, west->east inside a band."""
    if len(pts) == 0:
        return np.array([], dtype=int)
    rows = np.floor((pts[:, 1].max() - pts[:, 1]) / band)
    return np.lexsort((pts[:, 0], rows))


def _relabel_in_reading_order(labels: np.ndarray, pts: np.ndarray, band: float) -> np.ndarray:
    labs = np.unique(labels)
    cent = np.array([pts[labels == lab].mean(axis=0) for lab in labs])
    order = reading_order(cent, band)
    remap = {int(labs[o]): r for r, o in enumerate(order)}
    return np.array([remap[int(x)] for x in labels])


def build_hierarchy(cells: np.ndarray, area, profile: CityProfile, crs) -> Hierarchy:
    pp = profile.partition
    cells = np.asarray(cells, dtype=object)
    n = len(cells)
    pts = shapely.get_coordinates(shapely.centroid(cells))
    adj = adjacency(cells)
    admin = profile.admin_code
    row = float(np.sqrt(pp.target_cell_m2))

    # communities over all cells, then streets over communities
    comm = group(np.arange(n), pts, pp.cells_per_community, adj)
    comm_ids = np.unique(comm)
    comm_pts = np.array([pts[comm == c].mean(axis=0) for c in comm_ids])
    comm_adj: dict[int, dict[int, float]] = defaultdict(dict)
    for a, nb in adj.items():
        for b, s in nb.items():
            ca, cb = int(comm[a]), int(comm[b])
            if ca != cb:
                comm_adj[ca][cb] = comm_adj[ca].get(cb, 0.0) + s
    street_of_comm = group(np.arange(len(comm_ids)), comm_pts, pp.communities_per_street, comm_adj)
    street = street_of_comm[comm]

    # codes: streets in reading order, communities in reading order inside their street
    street = _relabel_in_reading_order(street, pts, 10 * row)
    street_code = np.array([f"{s + 1:03d}" for s in street])
    comm_code = np.empty(n, dtype=object)
    comm_global_order: list[tuple[int, int]] = []
    for s in np.unique(street):
        ms = np.flatnonzero(street == s)
        local = _relabel_in_reading_order(comm[ms], pts[ms], 5 * row)
        for m, lc in zip(ms, local):
            comm_code[m] = f"{lc + 1:03d}"
        comm_global_order.extend(sorted({(int(s), int(lc)) for lc in local}))

    seq = np.zeros(n, dtype=int)
    resp = np.empty(n, dtype=object)
    resp_counter: dict[str, int] = defaultdict(int)
    for key in sorted({(street_code[i], comm_code[i]) for i in range(n)}):
        ms = np.flatnonzero((street_code == key[0]) & (comm_code == key[1]))
        if len(ms) > 999:
            raise ValueError(f"community {key} has {len(ms)} cells; sequence numbers stop at 999")
        order = reading_order(pts[ms], row)
        seq[ms[order]] = np.arange(1, len(ms) + 1)
        # responsibility grids inside the community
        rg = group(ms, pts, pp.cells_per_resp_grid, adj)
        rg = _relabel_in_reading_order(rg, pts[ms], 3 * row)
        for lab in np.unique(rg):
            resp_counter[key[0]] += 1
            code = f"{admin}{key[0]}R{resp_counter[key[0]]:02d}"
            for m in ms[rg == lab]:
                resp[m] = code

    codes = [str(GridCode(admin, street_code[i], comm_code[i], int(seq[i]))) for i in range(n)]
    areas = np.round(shapely.area(cells), 1)
    ug = gpd.GeoDataFrame({
        "code": codes,
        "street_code": [admin + s for s in street_code],
        "community_code": [admin + street_code[i] + comm_code[i] for i in range(n)],
        "sequence": seq,
        "responsibility_grid": resp,
        "area_m2": areas,
    }, geometry=gpd.GeoSeries(cells, crs=crs), crs=crs)
    ug = ug.sort_values("code").reset_index(drop=True)

    # community and street polygons (unions of whole cells: each cell lies in exactly one)
    comm_names = {}
    for i, (s, lc) in enumerate(comm_global_order):
        comm_names[f"{admin}{s + 1:03d}{lc + 1:03d}"] = profile.community_name(i)
    cg = _dissolve(ug, "community_code", crs)
    cg["name"] = cg.code.map(comm_names)
    cg["parent_code"] = cg.code.str[:9]
    cg = cg[["code", "name", "parent_code", "cell_count", "area_m2", "geometry"]]
    sg = _dissolve(ug, "street_code", crs)
    sg["name"] = [profile.street_name(int(c[6:9]) - 1) for c in sg.code]
    sg["parent_code"] = admin
    sg["community_count"] = [int((cg.parent_code == c).sum()) for c in sg.code]
    sg["office_dept"] = ["S" + c[6:9] for c in sg.code]
    sg = sg[["code", "name", "parent_code", "community_count", "cell_count", "area_m2", "office_dept",
             "geometry"]]
    rg = _dissolve(ug, "responsibility_grid", crs)
    rg["street_code"] = rg.code.str[:9]
    first_comm = ug.groupby("responsibility_grid").community_code.first()
    rg["community_code"] = first_comm.reindex(rg.code).to_numpy()
    rg["name"] = [f"{profile.street_name(int(c[6:9]) - 1)}第{int(c[10:])}责任网格" for c in rg.code]
    rg["inspector"] = None  # username, filled in when inspectors are assigned
    rg = rg[["code", "name", "street_code", "community_code", "inspector", "cell_count", "area_m2", "geometry"]]
    dg = gpd.GeoDataFrame({"code": [admin], "name": [profile.district_name or profile.name],
                           "street_count": [len(sg)], "cell_count": [n],
                           "area_m2": [round(float(areas.sum()), 1)]},
                          geometry=gpd.GeoSeries([shapely.coverage_union_all(cells)], crs=crs), crs=crs)
    return Hierarchy(unit_grids=ug, communities=cg, streets=sg, districts=dg, resp_grids=rg)


def _dissolve(ug: gpd.GeoDataFrame, key: str, crs) -> gpd.GeoDataFrame:
    rows = []
    for code, sub in ug.groupby(key, sort=True):
        rows.append({"code": code, "cell_count": len(sub), "area_m2": round(float(sub.area_m2.sum()), 1),
                     "geometry": shapely.coverage_union_all(sub.geometry.values)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
