"""Cut the built-up area into unit-grid cells of about 10,000 m2 (shared/domain section 2).

1. Blocks: faces of the noded street network (carriageways, service lanes, pedestrian streets,
   railways) together with the boundary of the built-up area (``shapely.polygonize``).
2. Blocks larger than ``split_above_m2`` are subdivided between building groups: each group of
   touching buildings owns the part of the block nearer to it than to any other group (a Voronoi
   diagram of the groups' outlines), so new boundaries run mid-way between facades, as streets and
   alleys do where the street network is incompletely mapped.
3. Small cells are merged into the neighbour sharing the longest border (always under
   ``sliver_m2``; under ``min_cell_m2`` when the result stays under ``max_cell_m2``).
4. Cells still larger than ``split_above_m2`` are bisected recursively across the longer axis of
   their minimum rotated rectangle, at an offset giving equal-sized cells of about
   ``target_cell_m2``, nudged to cross as few buildings as possible; then slivers merge again.

Between steps the cells are re-noded (:func:`clean_tiling`): all boundaries are unioned and
polygonized once more, so neighbouring cells share identical vertices and the tiling has no gaps
and no overlaps beyond floating-point noise.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, Polygon

from .basemap import BLOCK_EDGE_HIGHWAYS, MINOR_SERVICE
from .profile import PartitionParams

BLOCK_RAILWAYS = {"rail", "light_rail", "subway", "narrow_gauge", "monorail", "preserved"}


@dataclass
class PartitionResult:
    cells: np.ndarray    # Polygon per unit grid
    blocks: np.ndarray   # street blocks (faces of the street network)
    area: object         # the built-up area that was partitioned


def block_lines(layers: dict[str, gpd.GeoDataFrame]) -> np.ndarray:
    """Lines that bound street blocks."""
    r = layers["roads"]
    m = r.highway.isin(list(BLOCK_EDGE_HIGHWAYS)) & ~r.tunnel.astype(bool)
    m &= ~r.service.isin(list(MINOR_SERVICE))
    rw = layers["railways"]
    mr = rw.kind.isin(list(BLOCK_RAILWAYS)) & ~rw.tunnel.astype(bool)
    return np.concatenate([r.geometry[m].values, rw.geometry[mr].values]).astype(object)


def barrier_lines(layers: dict[str, gpd.GeoDataFrame]) -> np.ndarray:
    """Every mapped way (paths and footways too): building groups do not reach across them."""
    r = layers["roads"]
    return np.asarray(r.geometry[~r.tunnel.astype(bool)].values, dtype=object)


def _inside(faces: np.ndarray, area) -> np.ndarray:
    if len(faces) == 0:
        return faces
    shapely.prepare(area)
    return faces[shapely.contains(area, shapely.point_on_surface(faces))]


def faces_of(lines: np.ndarray, area) -> np.ndarray:
    """Faces of the arrangement of ``lines`` and the area's boundary that lie inside the area."""
    clipped = shapely.intersection(np.asarray(lines, dtype=object), area) if len(lines) else np.array([])
    parts = [shapely.boundary(area)] + [g for g in clipped if not g.is_empty]
    noded = shapely.union_all(np.asarray(parts, dtype=object))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    return _inside(faces, area)


def clean_tiling(polys: list | np.ndarray, area) -> np.ndarray:
    """Re-node a near-tiling so neighbours share identical boundaries; one polygon per input part.

    Faces of the union of all boundaries are given to the input polygon containing them (to the
    nearest one for floating-point crumbs), then unioned per owner.
    """
    polys = np.asarray([p for p in polys if p is not None and not p.is_empty], dtype=object)
    lines = np.concatenate([shapely.boundary(polys), [shapely.boundary(area)]])
    noded = shapely.union_all(lines)
    faces = _inside(shapely.get_parts(shapely.polygonize(shapely.get_parts(noded))), area)
    rp = shapely.point_on_surface(faces)
    tree = shapely.STRtree(polys)
    owner = np.full(len(faces), -1)
    fi, pi = tree.query(rp, predicate="within")
    # first owner wins (ties only happen on floating-point crumbs)
    order = np.argsort(fi, kind="stable")
    fi, pi = fi[order], pi[order]
    first = np.unique(fi, return_index=True)[1]
    owner[fi[first]] = pi[first]
    lost = np.flatnonzero(owner < 0)
    if len(lost):
        owner[lost] = tree.query_nearest(rp[lost], all_matches=False)[1]
    out = []
    for i in np.unique(owner):
        u = shapely.coverage_union_all(faces[owner == i])
        out.extend(p for p in shapely.get_parts(u) if shapely.get_type_id(p) == 3)
    return np.asarray(out, dtype=object)


# --- subdivision between building groups -------------------------------------------------------

def building_groups(face: Polygon, buildings: np.ndarray, barriers: np.ndarray) -> list[Polygon]:
    """Groups of touching (within 8 m) buildings inside a face, not bridging mapped ways."""
    if len(buildings) == 0:
        return []
    b = shapely.intersection(buildings, face)
    b = b[~shapely.is_empty(b)]
    if len(b) == 0:
        return []
    # buildings within 8 m of each other form one group; the closing (+2 m, -2 m) joins groups
    # closer than 4 m, whose Voronoi boundary would otherwise zigzag between the sample points
    cores = shapely.buffer(shapely.union_all(shapely.buffer(b, 6.0, quad_segs=2)), -2.0, quad_segs=2)
    if len(barriers):
        cut = shapely.union_all(shapely.buffer(shapely.intersection(barriers, face), 2.5, quad_segs=1))
        cores = shapely.difference(cores, cut)
    cores = shapely.intersection(cores, face)
    parts = [p for p in shapely.get_parts(cores) if shapely.get_type_id(p) == 3 and p.area >= 150]
    return parts


def voronoi_split(face: Polygon, groups: list[Polygon], step: float = 2.5) -> list[Polygon]:
    """Split a face into the regions nearer to each building group than to the others."""
    if len(groups) < 2:
        return [face]
    coords, ids = [], []
    for i, g in enumerate(groups):
        ring = shapely.segmentize(g.exterior, step)
        c = shapely.get_coordinates(ring)[:-1]
        coords.append(c)
        ids.append(np.full(len(c), i))
    coords = np.concatenate(coords)
    ids = np.concatenate(ids)
    coords, first = np.unique(np.round(coords, 3), axis=0, return_index=True)
    ids = ids[first]
    if len(coords) < 3:
        return [face]
    vor = shapely.voronoi_polygons(shapely.multipoints(coords), extend_to=face, ordered=True)
    cells = np.asarray(shapely.get_parts(vor), dtype=object)
    if len(cells) != len(coords):  # degenerate input; keep the face whole
        return [face]
    regions = np.asarray([shapely.coverage_union_all(cells[ids == i]) for i in np.unique(ids)],
                         dtype=object)
    # smooth the staircase a point-sampled Voronoi diagram leaves, keeping the regions a coverage
    regions = shapely.coverage_simplify(regions, 3.0, simplify_boundary=False)
    shapely.prepare(face)
    inner = shapely.contains_properly(face, regions)
    out = []
    for region, whole in zip(regions, inner):
        piece = region if whole else shapely.intersection(region, face)
        out.extend(p for p in shapely.get_parts(piece) if shapely.get_type_id(p) == 3 and p.area > 0)
    return out


# --- merging ----------------------------------------------------------------------------------

def merge_small(polys: np.ndarray, parents: np.ndarray, params: PartitionParams,
                slivers_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Merge cells under ``sliver_m2`` into the neighbour with the longest shared border; cells under
    ``min_cell_m2`` too when the merged cell stays within ``max_cell_m2``. Needs a clean tiling."""
    polys = list(polys)
    parents = list(parents)
    alive = np.ones(len(polys), dtype=bool)
    areas = np.array([p.area for p in polys])
    limit = params.sliver_m2 if slivers_only else params.min_cell_m2
    heap = [(a, i) for i, a in enumerate(areas) if a < limit]
    heapq.heapify(heap)
    skipped: set[int] = set()
    while heap:
        a, i = heapq.heappop(heap)
        if not alive[i] or a != areas[i] or i in skipped:
            continue
        p = polys[i]
        probe = shapely.buffer(p, 0.01, quad_segs=1)
        idx = np.flatnonzero(alive)
        idx = idx[idx != i]
        cand_geoms = np.asarray([polys[j] for j in idx], dtype=object)
        hit = shapely.intersects(probe, cand_geoms)
        idx, cand_geoms = idx[hit], cand_geoms[hit]
        if len(idx) == 0:
            skipped.add(i)
            continue
        shared = shapely.length(shapely.intersection(shapely.boundary(cand_geoms), probe))
        ok = shared > 0.5
        if a >= params.sliver_m2 and ok.sum() > 1:  # an enclosed cell always joins its only neighbour
            fits = areas[idx] + a <= params.max_cell_m2
            if not slivers_only:  # before bisection a big neighbour is split again anyway
                fits |= areas[idx] > params.split_above_m2
            ok &= fits
        if not ok.any():
            skipped.add(i)
            continue
        same = np.array([parents[j] == parents[i] for j in idx])
        score = np.where(ok, shared * np.where(same, 1.5, 1.0), -1.0)
        j = idx[int(np.argmax(score))]
        merged = shapely.coverage_union_all([polys[j], p])
        if shapely.get_type_id(merged) != 3:  # touching only at a corner; try no further
            skipped.add(i)
            continue
        polys[j] = merged
        areas[j] = merged.area
        alive[i] = False
        if areas[j] < limit:
            heapq.heappush(heap, (areas[j], j))
    keep = np.flatnonzero(alive)
    return np.asarray([polys[k] for k in keep], dtype=object), np.asarray([parents[k] for k in keep])


# --- bisection --------------------------------------------------------------------------------

def _axes(poly: Polygon) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Origin, unit long axis and unit short axis of the minimum rotated rectangle."""
    rect = shapely.oriented_envelope(poly)
    c = np.asarray(rect.exterior.coords) if shapely.get_type_id(rect) == 3 else \
        np.asarray(shapely.envelope(poly).exterior.coords)
    e0, e1 = c[1] - c[0], c[2] - c[1]
    u = e0 if np.hypot(*e0) >= np.hypot(*e1) else e1
    n = np.hypot(*u)
    if n == 0:
        u, n = np.array([1.0, 0.0]), 1.0
    u = u / n
    return c[0], u, np.array([-u[1], u[0]])


def _halfplane(origin, u, v, s, smin, span):
    a = origin + (smin - 1.0) * u
    b = origin + s * u
    return Polygon([a - span * v, b - span * v, b + span * v, a + span * v])


def _cut_at(poly: Polygon, origin, u, v, smin, smax, frac: float, span: float) -> float:
    """Offset along u where the part of poly below it has the given area fraction (bisection)."""
    total = poly.area
    lo, hi = smin, smax
    for _ in range(40):
        mid = (lo + hi) / 2
        a = shapely.intersection(poly, _halfplane(origin, u, v, mid, smin, span)).area
        if a < frac * total:
            lo = mid
        else:
            hi = mid
        if hi - lo < 0.01:
            break
    return (lo + hi) / 2


def bisect(poly: Polygon, params: PartitionParams, buildings: np.ndarray | None = None) -> list[Polygon]:
    """Recursively split a polygon into parts of about target_cell_m2 (see module doc)."""
    area = poly.area
    if area <= params.split_above_m2:
        return [poly]
    n = max(2, int(round(area / params.target_cell_m2)))
    k = n // 2
    origin, u, v = _axes(poly)
    proj = (shapely.get_coordinates(poly) - origin) @ u
    smin, smax = float(proj.min()), float(proj.max())
    span = 4 * (smax - smin) + 1000.0
    s0 = _cut_at(poly, origin, u, v, smin, smax, k / n, span)
    best = s0
    if buildings is not None and len(buildings):
        local = buildings[shapely.intersects(buildings, poly)]
        if len(local):
            bu = shapely.union_all(local)
            length = smax - smin
            cands = [s0 + d * length for d in np.linspace(-0.12, 0.12, 13)]
            scored = []
            for s in cands:
                if not smin < s < smax:
                    continue
                frac = shapely.intersection(poly, _halfplane(origin, u, v, s, smin, span)).area / area
                if abs(frac - k / n) > 0.2 * k / n:
                    continue
                line = LineString([origin + s * u - span * v, origin + s * u + span * v])
                crossing = shapely.intersection(line, bu).length
                scored.append((round(crossing, 1), abs(s - s0), s))
            if scored:
                best = min(scored)[2]
    line = LineString([origin + best * u - span * v, origin + best * u + span * v])
    try:
        pieces = [g for g in shapely.ops.split(poly, line).geoms if g.area > 0]
    except Exception:  # GEOS could not split: fall back to two half-plane clips
        lo_part = shapely.intersection(poly, _halfplane(origin, u, v, best, smin, span))
        pieces = [g for g in shapely.get_parts(lo_part)] + \
                 [g for g in shapely.get_parts(shapely.difference(poly, lo_part))]
    pieces = [g for g in pieces if shapely.get_type_id(g) == 3 and g.area > 0]
    if len(pieces) < 2:
        return [poly]
    out: list[Polygon] = []
    for g in pieces:
        out.extend(bisect(g, params, buildings))
    return out


# --- driver -----------------------------------------------------------------------------------

def partition(area, layers: dict[str, gpd.GeoDataFrame], params: PartitionParams) -> PartitionResult:
    import shapely.ops  # noqa: F401  (bisect uses shapely.ops.split)

    blocks = faces_of(block_lines(layers), area)
    buildings = np.asarray(layers["buildings"].geometry.values, dtype=object)
    barriers = barrier_lines(layers)
    btree = shapely.STRtree(buildings) if len(buildings) else None
    rtree = shapely.STRtree(barriers) if len(barriers) else None

    # 2. subdivide large blocks between building groups
    pieces, parents = [], []
    for bi, face in enumerate(blocks):
        if face.area > params.split_above_m2 and btree is not None:
            bl = buildings[btree.query(face, predicate="intersects")]
            br = barriers[rtree.query(face, predicate="intersects")] if rtree is not None else barriers[:0]
            sub = voronoi_split(face, building_groups(face, bl, br))
        else:
            sub = [face]
        pieces.extend(sub)
        parents.extend([bi] * len(sub))
    cells = clean_tiling(pieces, area)
    par = _parents(cells, blocks)

    # 3. merge small cells
    cells, par = merge_small(cells, par, params)

    # 4. bisect large cells, merge slivers
    out, out_par = [], []
    for c, p in zip(cells, par):
        parts = bisect(c, params, buildings)
        out.extend(parts)
        out_par.extend([p] * len(parts))
    cells = clean_tiling(out, area)
    par = _parents(cells, blocks)
    cells, par = merge_small(cells, par, params, slivers_only=True)
    cells = np.asarray([shapely.normalize(c) for c in cells], dtype=object)
    return PartitionResult(cells=cells, blocks=blocks, area=area)


def _parents(cells: np.ndarray, blocks: np.ndarray) -> np.ndarray:
    tree = shapely.STRtree(blocks)
    return tree.query_nearest(shapely.point_on_surface(cells), all_matches=False)[1]
