"""Walking the city's footways (walk_edges of the city package): the network with routes between
its nodes (WalkNet), and a walker that roams it preferring its own area and goes where it is sent
(Walker). The live simulator's inspectors and the demo's patrol history both walk with these."""
from __future__ import annotations

import heapq
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import shapely

ARRIVE_M = 25.0  # a tasked inspector answers within this distance of the case


class WalkNet:
    """walk_edges as a graph in the package's projected CRS (metres)."""

    def __init__(self, edges: Any, nodes: Any):
        xy = {int(n): (p.x, p.y) for n, p in zip(nodes.node_id, nodes.geometry)}
        self.lines: list[Any] = []
        self.length: list[float] = []
        self.ends: list[tuple[int, int]] = []
        self.adj: dict[int, list[tuple[int, int]]] = defaultdict(list)  # node -> [(edge, other node)]
        for u, v, geom in zip(edges.u, edges.v, edges.geometry):
            u, v = int(u), int(v)
            line = geom if geom.geom_type == "LineString" else shapely.line_merge(geom)
            if line.geom_type != "LineString" or line.length <= 0:
                continue
            start = line.coords[0]
            if u in xy and math.dist(start, xy[u]) > math.dist(start, xy.get(v, start)):
                line = shapely.reverse(line)  # stored u -> v
            i = len(self.lines)
            self.lines.append(line)
            self.length.append(float(line.length))
            self.ends.append((u, v))
            self.adj[u].append((i, v))
            self.adj[v].append((i, u))
            for n, c in ((u, line.coords[0]), (v, line.coords[-1])):
                xy.setdefault(n, c)
        self.xy = {n: xy[n] for n in self.adj}
        # Walkers start and head only to nodes of the largest connected part: a stray footway
        # fragment would trap them pacing to and fro.
        self.node_ids = sorted(self._largest_part(), key=str)
        self.tree = shapely.STRtree(shapely.points([self.xy[n] for n in self.node_ids]))
        self.mid = [ln.interpolate(0.5, normalized=True) for ln in self.lines]

    def _largest_part(self) -> set[int]:
        best: set[int] = set()
        seen: set[int] = set()
        for start in self.adj:
            if start in seen:
                continue
            part, todo = {start}, [start]
            while todo:
                n = todo.pop()
                for _, m in self.adj[n]:
                    if m not in part:
                        part.add(m)
                        todo.append(m)
            seen |= part
            if len(part) > len(best):
                best = part
        return best

    def nearest_node(self, x: float, y: float) -> int:
        return self.node_ids[int(self.tree.nearest(shapely.Point(x, y)))]

    def route(self, a: int, b: int, limit: int = 20000) -> list[tuple[int, int]]:
        """Shortest path a -> b as [(edge, next node)] (Dijkstra); [] when unreachable."""
        if a == b:
            return []
        dist = {a: 0.0}
        prev: dict[int, tuple[int, int]] = {}
        heap = [(0.0, a)]
        seen = 0
        while heap and seen < limit:
            d, n = heapq.heappop(heap)
            if n == b:
                break
            if d > dist.get(n, math.inf):
                continue
            seen += 1
            for e, m in self.adj[n]:
                nd = d + self.length[e]
                if nd < dist.get(m, math.inf):
                    dist[m] = nd
                    prev[m] = (e, n)
                    heapq.heappush(heap, (nd, m))
        if b not in prev:
            return []
        path, n = [], b
        while n != a:
            e, p = prev[n]
            path.append((e, n))
            n = p
        return path[::-1]


@dataclass
class Walker:
    """One inspector on foot."""
    user_id: int
    username: str
    device_id: str
    area: Any  # responsibility grid polygon (projected), or None
    node: int
    edge: int | None = None
    towards: int | None = None
    along: float = 0.0  # metres from the edge's start node towards `towards`
    route: list[tuple[int, int]] = field(default_factory=list)
    target: tuple[float, float] | None = None
    goal: int | None = None  # the node nearest the target
    task: int | None = None  # the case it is walking to
    battery: float = 100.0
    last_post: float = -1e9
    x: float = 0.0
    y: float = 0.0
    bearing: float = 0.0
    key: str | None = None  # the phone's secret, from pairing (POST /api/devices/mine)

    def position(self, net: WalkNet) -> tuple[float, float]:
        if self.edge is None:
            return net.xy[self.node]
        line = net.lines[self.edge]
        u, _ = net.ends[self.edge]
        d = self.along if u == self.node else net.length[self.edge] - self.along
        p = line.interpolate(max(0.0, min(d, net.length[self.edge])))
        return p.x, p.y

    def choose(self, net: WalkNet, rng: random.Random, came_from: int | None) -> None:
        """Next edge at a node: the route when tasked, else a random walk that prefers the grid."""
        if self.route:
            self.edge, self.towards = self.route.pop(0)
        else:
            options = net.adj[self.node]
            if not options:
                self.edge = None
                return
            weights = []
            here = net.xy[self.node]
            inside = self.area is None or shapely.contains_xy(self.area, *here)
            for e, m in options:
                if self.area is None:
                    w = 1.0
                elif inside:  # stay in the grid
                    w = 6.0 if shapely.contains_xy(self.area, net.mid[e].x, net.mid[e].y) else 0.5
                else:  # head back to it
                    w = 6.0 if shapely.distance(self.area, shapely.Point(net.xy[m])) < \
                        shapely.distance(self.area, shapely.Point(here)) else 1.0
                if m == came_from and len(options) > 1:
                    w *= 0.05  # no turning back unless it is a dead end
                weights.append(w)
            self.edge, self.towards = rng.choices(options, weights=weights)[0]
        self.along = 0.0

    def walk(self, net: WalkNet, rng: random.Random, metres: float) -> None:
        x0, y0 = self.x, self.y
        came_from = None
        for _ in range(200):  # bounded: many short edges in one tick at high speedup
            if self.edge is None and self.goal == self.node and not self.route:
                break  # there: wait at the case
            if self.edge is None:
                self.choose(net, rng, came_from)
                if self.edge is None:
                    break
            left = net.length[self.edge] - self.along
            if metres < left:
                self.along += metres
                break
            metres -= left
            came_from, self.node = self.node, self.towards
            self.edge = None
        self.x, self.y = self.position(net)
        if (self.x, self.y) != (x0, y0):
            self.bearing = (math.degrees(math.atan2(self.x - x0, self.y - y0)) + 360) % 360

    def go_to(self, net: WalkNet, x: float, y: float) -> None:
        if self.target is not None and math.dist(self.target, (x, y)) < 1:
            return
        self.target = (x, y)
        self.goal = net.nearest_node(x, y)
        start = self.towards if self.edge is not None else self.node
        self.route = net.route(start, self.goal)

    def arrived(self) -> bool:
        if self.target is None:
            return False
        there = self.edge is None and self.node == self.goal and not self.route
        return there or math.dist((self.x, self.y), self.target) <= ARRIVE_M

    def done(self) -> None:
        self.target, self.goal, self.route, self.task = None, None, [], None
