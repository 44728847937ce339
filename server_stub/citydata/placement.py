"""Geometry helpers for placing points along roads: offsets, junctions, approaches, thinning."""
from __future__ import annotations

from collections import defaultdict

import numpy as np
import shapely


def explode_lines(geoms: np.ndarray, *columns: np.ndarray):
    """LineStrings only (multi-lines split); the columns are repeated to match."""
    geoms = np.asarray(geoms, dtype=object)
    parts, idx = shapely.get_parts(geoms, return_index=True)
    keep = shapely.get_type_id(parts) == 1
    parts, idx = parts[keep], idx[keep]
    return (parts, *[np.asarray(c)[idx] for c in columns])


def offset_points(lines: np.ndarray, dist: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Points at ``dist`` along each line, moved ``offset`` metres to its left (negative: right)."""
    lines = np.asarray(lines, dtype=object)
    length = shapely.length(lines)
    dist = np.clip(dist, 0, length)
    p = shapely.line_interpolate_point(lines, dist)
    ahead = np.where(dist + 0.5 <= length, dist + 0.5, dist - 0.5)
    q = shapely.line_interpolate_point(lines, np.clip(ahead, 0, length))
    pc, qc = shapely.get_coordinates(p), shapely.get_coordinates(q)
    t = qc - pc
    t *= np.where(ahead >= dist, 1.0, -1.0)[:, None]
    n = np.hypot(t[:, 0], t[:, 1])
    n[n == 0] = 1.0
    t /= n[:, None]
    left = np.column_stack([-t[:, 1], t[:, 0]])
    return shapely.points(pc + left * np.asarray(offset, dtype=float)[:, None])


def bearing_deg(lines: np.ndarray, dist: np.ndarray, reverse: np.ndarray | None = None) -> np.ndarray:
    """Compass bearing (0 = north, clockwise) of each line's direction at ``dist``."""
    lines = np.asarray(lines, dtype=object)
    length = shapely.length(lines)
    a = shapely.get_coordinates(shapely.line_interpolate_point(lines, np.clip(dist - 1, 0, length)))
    b = shapely.get_coordinates(shapely.line_interpolate_point(lines, np.clip(dist + 1, 0, length)))
    d = b - a
    if reverse is not None:
        d[np.asarray(reverse, dtype=bool)] *= -1
    return np.round(np.degrees(np.arctan2(d[:, 0], d[:, 1])) % 360.0, 1)


def junctions(lines: np.ndarray, min_degree: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Vertices where road lines meet: (xy array, degree). Degree counts 1 per line end and 2 per
    line passing through; OSM ways share their junction nodes, so coordinates match exactly."""
    deg: dict[tuple[float, float], int] = defaultdict(int)
    ways: dict[tuple[float, float], set] = defaultdict(set)
    for k, line in enumerate(lines):
        c = shapely.get_coordinates(line)
        if len(c) < 2:
            continue
        for i, (x, y) in enumerate(c):
            key = (float(x), float(y))
            deg[key] += 1 if i in (0, len(c) - 1) else 2
            ways[key].add(k)
    keys = [k for k, d in deg.items() if d >= min_degree and len(ways[k]) >= 2]
    if not keys:
        return np.zeros((0, 2)), np.zeros(0, dtype=int)
    return np.array(keys), np.array([deg[k] for k in keys])


def thin(points: np.ndarray, radius: float, priority: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask keeping points so that no two kept ones are closer than ``radius``
    (greedy, in ``priority`` order, lowest first)."""
    points = np.asarray(points, dtype=object)
    n = len(points)
    keep = np.zeros(n, dtype=bool)
    if n == 0 or radius <= 0:
        return np.ones(n, dtype=bool)
    order = np.argsort(priority, kind="stable") if priority is not None else np.arange(n)
    tree = shapely.STRtree(points)
    a, b = tree.query(points, predicate="dwithin", distance=radius)
    neigh = defaultdict(list)
    for i, j in zip(a, b):
        if i != j:
            neigh[int(i)].append(int(j))
    blocked = np.zeros(n, dtype=bool)
    for i in order:
        if blocked[i]:
            continue
        keep[i] = True
        for j in neigh.get(int(i), ()):
            blocked[j] = True
    return keep


def near(points: np.ndarray, others: np.ndarray, radius: float | np.ndarray) -> np.ndarray:
    """Whether each point has one of ``others`` within ``radius`` (scalar or per point)."""
    points = np.asarray(points, dtype=object)
    if len(points) == 0 or len(others) == 0:
        return np.zeros(len(points), dtype=bool)
    tree = shapely.STRtree(np.asarray(others, dtype=object))
    idx, d = tree.query_nearest(points, return_distance=True, all_matches=False)
    dist = np.full(len(points), np.inf)
    dist[idx[0]] = d
    return dist <= radius
