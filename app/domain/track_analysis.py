"""Inspector track analysis (轨迹分析): stops, signal gaps, implausible speeds, mileage, time on
duty and patrol coverage of unit grids. Qt-free, so that the server's evaluation and the client's
playback panel apply the same rules.

A track is three arrays of equal length in time order: `t` (seconds since the epoch), `x` and `y`
(metres in the city's projected CRS; `project` turns lon/lat into them with pyproj). Everything is
vectorised with numpy: a month of fixes every 5 s (about 535,000) takes well under a second.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

if TYPE_CHECKING:
    from datetime import datetime

    from .clocks import WorkClock

WALKING_CYCLING_MAX_KMH = 25.0  # faster than a walking or cycling inspector plausibly moves


@dataclass(frozen=True)
class TrackRules:
    """The thresholds of the analysis (a city may change each)."""
    stop_radius_m: float = 30.0  # fixes within this distance of the first one belong to one stop
    stop_min_s: float = 300.0  # 停留: at least 5 minutes
    gap_s: float = 120.0  # 信号中断: no fix for 2 minutes or more
    max_speed_kmh: float = WALKING_CYCLING_MAX_KMH


@dataclass(frozen=True)
class Stop:
    first: int  # index of the first fix of the stop
    last: int  # index of the last fix
    start: float  # epoch seconds
    end: float
    x: float  # mean position, metres
    y: float

    @property
    def duration_s(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Gap:
    before: int  # index of the last fix before the gap
    after: int  # index of the first fix after it
    start: float
    end: float
    distance_m: float  # straight line from the last fix before to the first after

    @property
    def duration_s(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class FastStretch:
    first: int  # first fix of the stretch
    last: int  # last fix
    start: float
    end: float
    distance_m: float
    max_speed_kmh: float


@dataclass(frozen=True)
class GridVisit:
    code: str
    fixes: int
    dwell_s: float

    @property
    def visited(self) -> bool:
        return self.fixes > 0


@dataclass
class Coverage:
    grids: list[GridVisit]

    @property
    def visited(self) -> int:
        return sum(1 for g in self.grids if g.visited)

    @property
    def share(self) -> float:
        """The share of grids visited (0 when there are none)."""
        return self.visited / len(self.grids) if self.grids else 0.0


@dataclass
class TrackSummary:
    fixes: int
    distance_m: float  # mileage, jumps across signal gaps not counted
    moving_s: float  # time covered by fixes, gaps not counted
    duty_s: float  # of that, inside the shifts
    shift_s: float  # the shifts' length inside the range
    stops: list[Stop] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    fast: list[FastStretch] = field(default_factory=list)

    @property
    def duty_share(self) -> float | None:
        return self.duty_s / self.shift_s if self.shift_s > 0 else None


# ---------------------------------------------------------------- inputs
def transformer(src: str, dst: str):  # noqa: ANN201 - a pyproj Transformer
    """An always_xy pyproj Transformer for this thread (see projection.py: made from a cached
    pipeline, not looked up again)."""
    from .projection import transformer as make
    return make(src, dst)


def project(lon: np.ndarray, lat: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """lon/lat (CGCS2000 or WGS 84) to metres in `crs`, a projected CRS (e.g. a Gauss–Krüger zone)."""
    x, y = transformer("EPSG:4490", crs).transform(np.asarray(lon, dtype=np.float64),
                                                   np.asarray(lat, dtype=np.float64))
    return np.asarray(x), np.asarray(y)


def _arrays(t: Sequence[float], x: Sequence[float], y: Sequence[float]
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t, x, y = (np.asarray(a, dtype=np.float64) for a in (t, x, y))
    if not (t.shape == x.shape == y.shape) or t.ndim != 1:
        raise ValueError("t, x and y must be one-dimensional arrays of the same length")
    if t.size > 1 and np.any(np.diff(t) < 0):
        raise ValueError("fixes must be in time order")
    return t, x, y


def step_lengths(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Distance of each step between consecutive fixes (n−1 values), metres."""
    return np.hypot(np.diff(x), np.diff(y))


# ---------------------------------------------------------------- stops, gaps, speeds
def find_gaps(t: np.ndarray, x: np.ndarray, y: np.ndarray, gap_s: float = TrackRules.gap_s) -> list[Gap]:
    t, x, y = _arrays(t, x, y)
    if t.size < 2:
        return []
    idx = np.flatnonzero(np.diff(t) >= gap_s)
    d = np.hypot(x[idx + 1] - x[idx], y[idx + 1] - y[idx])
    return [Gap(int(i), int(i) + 1, float(t[i]), float(t[i + 1]), float(di)) for i, di in zip(idx, d)]


def _first_outside(x: np.ndarray, y: np.ndarray, i: int, radius: float, chunk: int = 256) -> int:
    """The first index j > i whose fix lies farther than `radius` from fix i (len(x) if none)."""
    n = x.size
    j = i + 1
    while j < n:
        k = min(n, j + chunk)
        far = np.flatnonzero(np.hypot(x[j:k] - x[i], y[j:k] - y[i]) > radius)
        if far.size:
            return j + int(far[0])
        j = k
        chunk *= 2
    return n


_AHEAD = 48  # fixes looked at ahead of every stop candidate at once


def find_stops(t: np.ndarray, x: np.ndarray, y: np.ndarray, radius_m: float = TrackRules.stop_radius_m,
               min_s: float = TrackRules.stop_min_s) -> list[Stop]:
    """Stay points (Li et al. 2008): from a fix, the following fixes that stay within `radius_m` of
    it form a stop when they span at least `min_s`; the search goes on after the stop."""
    t, x, y = _arrays(t, x, y)
    n = t.size
    if n < 2:
        return []
    # A stop can only start where the fix `min_s` later is still within reach: a cheap vectorised
    # pre-filter, so the exact search below runs on candidates only.
    # (A fix with no fix `min_s` after it cannot start a stop.)
    later = np.searchsorted(t, t + min_s, side="left")
    cand = np.flatnonzero(later < n)
    cand = cand[np.hypot(x[later[cand]] - x[cand], y[later[cand]] - y[cand]) <= radius_m]
    # The first fix outside the radius, for every candidate at once among the next _AHEAD fixes
    # (most candidates are a walk passing by again); the rest, true stops, are searched one by one.
    ahead = cand[:, None] + np.arange(1, _AHEAD + 1)
    inside_track = ahead < n
    ahead = np.minimum(ahead, n - 1)
    far = (np.hypot(x[ahead] - x[cand, None], y[ahead] - y[cand, None]) > radius_m) & inside_track
    found = far.any(axis=1)
    first_far = np.where(found, cand + 1 + far.argmax(axis=1), -1).tolist()
    stops: list[Stop] = []
    resume = 0
    for k, i in enumerate(cand.tolist()):
        if i < resume:
            continue
        j = first_far[k] if first_far[k] >= 0 else _first_outside(x, y, i, radius_m)
        if t[j - 1] - t[i] >= min_s:
            stops.append(Stop(i, j - 1, float(t[i]), float(t[j - 1]), float(x[i:j].mean()), float(y[i:j].mean())))
            resume = j
    return stops


def find_fast(t: np.ndarray, x: np.ndarray, y: np.ndarray, max_speed_kmh: float = TrackRules.max_speed_kmh,
              gap_s: float = TrackRules.gap_s) -> list[FastStretch]:
    """Stretches of consecutive steps faster than `max_speed_kmh` (steps across a gap are not speeds)."""
    t, x, y = _arrays(t, x, y)
    if t.size < 2:
        return []
    dt = np.diff(t)
    d = step_lengths(x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(dt > 0, d / dt * 3.6, np.where(d > 0, np.inf, 0.0))
    fast = (v > max_speed_kmh) & (dt < gap_s)
    if not fast.any():
        return []
    edges = np.diff(np.concatenate(([0], fast.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)  # steps [s, e)
    return [FastStretch(int(s), int(e), float(t[s]), float(t[e]), float(d[s:e].sum()), float(v[s:e].max()))
            for s, e in zip(starts, ends)]


# ---------------------------------------------------------------- mileage and duty
def _covered(t: float | np.ndarray, bounds: np.ndarray, cum: np.ndarray) -> np.ndarray:
    """Seconds of the shifts (sorted, disjoint [start, end) pairs in `bounds`) before time t."""
    return np.interp(t, bounds, cum)


def duty_seconds(t: np.ndarray, shifts: Iterable[tuple[float, float]], gap_s: float = TrackRules.gap_s
                 ) -> tuple[float, float, float]:
    """(moving, on duty, shift length): seconds covered by fixes (steps shorter than a gap), the
    part of them inside the shifts, and the shifts' total length."""
    t = np.asarray(t, dtype=np.float64)
    spans = sorted((float(a), float(b)) for a, b in shifts if b > a)
    shift_s = sum(b - a for a, b in spans)
    if t.size < 2:
        return 0.0, 0.0, shift_s
    dt = np.diff(t)
    live = dt < gap_s
    moving = float(dt[live].sum())
    if not spans:
        return moving, 0.0, 0.0
    bounds = np.array([p for s in spans for p in s])
    cum = np.concatenate([[0.0], np.cumsum([b - a for a, b in spans])]).repeat(2)[1:-1]
    inside = _covered(t[1:], bounds, cum) - _covered(t[:-1], bounds, cum)
    return moving, float(inside[live].sum()), shift_s


def summarise(t: Sequence[float], x: Sequence[float], y: Sequence[float], rules: TrackRules = TrackRules(),
              shifts: Iterable[tuple[float, float]] = ()) -> TrackSummary:
    t, x, y = _arrays(t, x, y)
    gaps = find_gaps(t, x, y, rules.gap_s)
    d = step_lengths(x, y) if t.size > 1 else np.zeros(0)
    live = np.diff(t) < rules.gap_s if t.size > 1 else np.zeros(0, dtype=bool)
    moving, duty, shift_s = duty_seconds(t, shifts, rules.gap_s)
    return TrackSummary(fixes=int(t.size), distance_m=float(d[live].sum()), moving_s=moving, duty_s=duty,
                        shift_s=shift_s, stops=find_stops(t, x, y, rules.stop_radius_m, rules.stop_min_s),
                        gaps=gaps, fast=find_fast(t, x, y, rules.max_speed_kmh, rules.gap_s))


# ---------------------------------------------------------------- coverage
def coverage(t: Sequence[float], x: Sequence[float], y: Sequence[float], grids: Sequence[tuple[str, object]],
             gap_s: float = TrackRules.gap_s) -> Coverage:
    """For each unit grid (code, shapely polygon in the track's metres): the fixes inside it and the
    time spent there (each step's time goes to the grid of the fix it starts from; steps across a
    signal gap count for nothing)."""
    import shapely
    t, x, y = _arrays(t, x, y)
    codes = [c for c, _ in grids]
    fixes = np.zeros(len(grids), dtype=np.int64)
    dwell = np.zeros(len(grids), dtype=np.float64)
    if t.size and grids:
        tree = shapely.STRtree([g for _, g in grids])
        pt_idx, grid_idx = tree.query(shapely.points(x, y), predicate="intersects")
        # A fix on a shared edge belongs to one grid only: the first one found.
        first = np.unique(pt_idx, return_index=True)[1]
        pt_idx, grid_idx = pt_idx[first], grid_idx[first]
        np.add.at(fixes, grid_idx, 1)
        dt = np.append(np.diff(t), 0.0)
        dt[dt >= gap_s] = 0.0
        np.add.at(dwell, grid_idx, dt[pt_idx])
    return Coverage([GridVisit(c, int(f), float(w)) for c, f, w in zip(codes, fixes, dwell)])


# ---------------------------------------------------------------- simplification
def simplify(t: Sequence[float], x: Sequence[float], y: Sequence[float], tolerance_m: float,
             rules: TrackRules = TrackRules(), summary: TrackSummary | None = None) -> np.ndarray:
    """Indices of the fixes to keep: Douglas–Peucker at `tolerance_m` (the `simplification`
    package), plus the first and last fix of every stop and both ends of every gap, so that a
    simplified track still shows where the inspector stayed and where the signal was lost.
    `summary` (of the same fixes under the same rules) saves finding the stops and gaps again."""
    from simplification.cutil import simplify_coords_idx
    t, x, y = _arrays(t, x, y)
    n = t.size
    if n <= 2 or tolerance_m <= 0:
        return np.arange(n)
    keep = [np.asarray(simplify_coords_idx(np.column_stack([x, y]), float(tolerance_m)), dtype=np.int64)]
    if summary is not None and summary.fixes == n:
        stops, gaps = summary.stops, summary.gaps
    else:
        stops = find_stops(t, x, y, rules.stop_radius_m, rules.stop_min_s)
        gaps = find_gaps(t, x, y, rules.gap_s)
    keep.append(np.array([i for s in stops for i in (s.first, s.last)] + [i for g in gaps for i in (g.before, g.after)]
                         + [0, n - 1], dtype=np.int64))
    mask = np.zeros(n, dtype=bool)  # a mask, not np.unique: linear, and already in order
    for k in keep:
        mask[k] = True
    return np.flatnonzero(mask)


def shift_spans(clock: "WorkClock", start: "datetime", end: "datetime") -> list[tuple[float, float]]:
    """The working shifts of `clock` (its working days, its time zone) between two aware datetimes,
    as epoch-second pairs: the time on duty is measured against these."""
    from datetime import datetime as _dt, timedelta
    spans: list[tuple[float, float]] = []
    day = start.astimezone(clock.tz).date()
    last = end.astimezone(clock.tz).date()
    t0, t1 = start.timestamp(), end.timestamp()
    while day <= last:
        if clock.calendar.is_working_day(day):
            for sh in clock.shifts:
                a = _dt.combine(day, sh.start, clock.tz).timestamp()
                b = _dt.combine(day, sh.end, clock.tz).timestamp()
                a, b = max(a, t0), min(b, t1)
                if b > a:
                    spans.append((a, b))
        day += timedelta(days=1)
    return spans
