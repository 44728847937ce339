"""The world a demo history runs in, and what gets reported when.

`World` is what the city's database holds that a history needs (staff, departments, inspectors,
grids, components, cameras, addresses), loaded once; `arrivals` draws the reports of a span of days
(a Poisson number a day, a source mix, an hour-of-day rhythm per source, the class mix of the
source). citydata/history.py plays each arrival through the case service.
"""
from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import select

from ..db.models import Camera, Component, Inspector, ResponsibilityGrid, UnitGrid, User
from ..services import reference as ref
from .case_mix import (COMPONENT_SHARE, COMPONENT_WEIGHTS, EVENT_WEIGHTS, HOTLINE_BOOST, HOURS, RESTDAY_FACTOR,
                       SOURCES, VIDEO_EVENTS, WORKDAY_FACTOR)


# ---------------------------------------------------------------- the world the history runs in
@dataclass
class World:
    ctx: Any
    staff: dict[str, int]  # role -> user id (acceptor, shift_leader, dispatcher, leader)
    dept_user: dict[int, int]  # department id -> its user id
    inspectors: list[int]
    grid_inspector: dict[str, int]  # unit grid code -> inspector user id
    grids: list[tuple[str, Any]]  # (code, prepared shapely polygon in lon/lat)
    grid_weights: list[float]
    comps_by_class: dict[str, list[tuple]]  # class -> [(id, lon, lat, grid_code, address)]
    cameras: list[tuple[float, float, float | None]]
    addr_tree: Any
    addr_text: list[str]
    comp_owners: dict[str, tuple] = field(default_factory=dict)  # id -> (owner, maintainer, authority)
    suggest_cache: dict[tuple, list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, ctx: Any) -> "World":
        with ctx.db.session() as s:
            staff = {}
            for role in ("acceptor", "shift_leader", "dispatcher", "leader"):
                uid = s.scalar(select(User.id).where(User.role == role, User.active.is_(True)).order_by(User.id))
                if uid is None:
                    raise RuntimeError(f"the history needs an active user with role {role}")
                staff[role] = uid
            dept_user: dict[int, int] = {}
            for uid, dept in s.execute(select(User.id, User.department_id).where(
                    User.role == "department", User.active.is_(True)).order_by(User.id)):
                dept_user.setdefault(dept, uid)
            inspectors = list(s.scalars(select(Inspector.user_id).join(User, User.id == Inspector.user_id)
                                        .where(User.active.is_(True)).order_by(Inspector.user_id)))
            grid_insp = dict(s.execute(
                select(UnitGrid.code, ResponsibilityGrid.inspector_id)
                .join(ResponsibilityGrid, ResponsibilityGrid.id == UnitGrid.responsibility_grid_id)
                .where(ResponsibilityGrid.inspector_id.is_not(None))).all())
            grid_rows = s.execute(select(UnitGrid.code, UnitGrid.geometry).order_by(UnitGrid.code)).all()
            comp_rows = s.execute(select(Component.id, Component.class_code, Component.lon, Component.lat,
                                         Component.grid_code, Component.address)
                                  .where(Component.currency == "in_use").order_by(Component.id)).all()
            comp_owners = {r[0]: tuple(r[1:]) for r in s.execute(
                select(Component.id, Component.owner_id, Component.maintainer_id, Component.authority_id))}
            cams = [tuple(r) for r in s.execute(select(Camera.lon, Camera.lat, Camera.direction)
                                                .order_by(Camera.id))]
        if not grid_rows:
            raise RuntimeError("the history needs unit grids: load the city first")
        grids = []
        for code, g in grid_rows:
            poly = shape(g)
            shapely.prepare(poly)
            grids.append((code, poly))
        by_class: dict[str, list] = defaultdict(list)
        per_grid: Counter = Counter()
        for cid, cc, lon, lat, gc, addr in comp_rows:
            by_class[cc].append((cid, lon, lat, gc, addr))
            per_grid[gc] += 1
        mean = max(1.0, sum(per_grid.values()) / len(grids))
        weights = [1.0 + per_grid.get(code, 0) / mean for code, _ in grids]  # busy streets, more cases
        with_addr = [(lon, lat, addr) for _, _, lon, lat, _, addr in comp_rows if addr]
        tree = shapely.STRtree(shapely.points([(x, y) for x, y, _ in with_addr])) if with_addr else None
        return cls(ctx=ctx, staff=staff, dept_user=dept_user, inspectors=inspectors, grid_inspector=grid_insp,
                   grids=grids, grid_weights=weights, comps_by_class=dict(by_class), cameras=cams,
                   addr_tree=tree, addr_text=[a for _, _, a in with_addr], comp_owners=comp_owners)

    def address_near(self, lon: float, lat: float) -> str | None:
        if self.addr_tree is None:
            return None
        return self.addr_text[int(self.addr_tree.nearest(shapely.Point(lon, lat)))]

    def point_in(self, rng: random.Random, poly: Any) -> tuple[float, float]:
        minx, miny, maxx, maxy = poly.bounds
        for _ in range(200):
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if shapely.contains_xy(poly, x, y):
                return x, y
        p = poly.representative_point()
        return p.x, p.y

    def departments_for(self, s: Any, kind: str, class_code: str, lon: float, lat: float,
                        component_id: str | None, street: str | None) -> list[int]:
        """Suggested department ids, best first (the reference service's rules), cached."""
        # Components with the same owner, maintainer and authority get the same answer.
        key = (kind, class_code, street, self.comp_owners.get(component_id or "", component_id))
        got = self.suggest_cache.get(key)
        if got is None:
            sugg = ref.suggest_departments(s, kind, class_code, lon, lat, component_id)
            if kind == "event" and class_code.startswith("04"):
                # Emergencies (突发事件) go straight to the utility that owns the network.
                sugg = sorted(sugg, key=lambda x: x["basis"] != "matrix")
            got = [x["department"]["id"] for x in sugg if x["department"]["id"] in self.dept_user]
            self.suggest_cache[key] = got
        return got


# ---------------------------------------------------------------- arrivals
@dataclass
class Arrival:
    at: datetime
    source: str
    kind: str
    class_code: str
    seed: int


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def arrivals(ctx: Any, start: datetime, end: datetime, per_day: float, seed: int,
             components: set[str]) -> list[Arrival]:
    """When and what gets reported: a Poisson number a day (fewer on rest days), a source mix, an
    hour-of-day rhythm per source, and the class mix of the source."""
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    tz = ctx.clock.tz
    ev_classes = {c.code for c in ctx.classification.classes("event")}
    ev_w = {k: v for k, v in EVENT_WEIGHTS.items() if k in ev_classes}
    hot_w = {k: v * HOTLINE_BOOST.get(k, 1.0) for k, v in ev_w.items()}
    vid_w = {k: v for k, v in VIDEO_EVENTS.items() if k in ev_classes}
    comp_w = {k: v for k, v in COMPONENT_WEIGHTS.items() if k in components}
    out = []
    day = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    while day <= last:
        working = ctx.clock.calendar.is_working_day(day)
        n = int(nprng.poisson(per_day * (WORKDAY_FACTOR if working else RESTDAY_FACTOR)))
        for _ in range(n):
            source = _weighted(rng, SOURCES)
            hours = HOURS[source]
            hour = rng.choices(range(24), weights=hours)[0]
            local = datetime.combine(day, time(hour)) + timedelta(seconds=rng.uniform(0, 3600))
            at = local.replace(tzinfo=tz).astimezone(timezone.utc)
            if not start <= at <= end:
                rng.random()
                continue
            if comp_w and rng.random() < COMPONENT_SHARE[source]:
                kind, code = "component", _weighted(rng, comp_w)
            else:
                kind = "event"
                code = _weighted(rng, vid_w if source == "video" and vid_w else
                                 hot_w if source == "hotline" else ev_w)
            out.append(Arrival(at, source, kind, code, rng.getrandbits(32)))
        day += timedelta(days=1)
    out.sort(key=lambda a: a.at)
    return out
