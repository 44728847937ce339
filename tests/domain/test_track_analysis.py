"""Track analysis on hand-made tracks whose stops, gaps, speeds and coverage are known."""
from __future__ import annotations

import numpy as np
import pytest
import shapely

from app.domain.track_analysis import (TrackRules, coverage, duty_seconds, find_fast, find_gaps,
                                       find_stops, project, simplify, summarise)

T0 = 1_780_000_000.0  # any epoch second


def walk(points: list[tuple[float, float]], speed_ms: float = 1.25, every_s: float = 5.0,
         t0: float = T0) -> tuple[list[float], list[float], list[float]]:
    """Fixes every `every_s` along straight legs between `points` at a constant speed."""
    t, x, y = [t0], [points[0][0]], [points[0][1]]
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        n = max(1, int(round(np.hypot(bx - ax, by - ay) / (speed_ms * every_s))))
        for k in range(1, n + 1):
            t.append(t[-1] + every_s)
            x.append(ax + (bx - ax) * k / n)
            y.append(ay + (by - ay) * k / n)
    return t, x, y


def stay(t: list, x: list, y: list, seconds: float, every_s: float = 5.0, jitter: float = 3.0) -> None:
    """Stay where the track is for `seconds`, with GPS jitter of ±`jitter` m."""
    rng = np.random.default_rng(7)
    cx, cy = x[-1], y[-1]
    for _ in range(int(seconds // every_s)):
        t.append(t[-1] + every_s)
        x.append(cx + rng.uniform(-jitter, jitter))
        y.append(cy + rng.uniform(-jitter, jitter))


def test_stops_of_known_length_and_place():
    t, x, y = walk([(0, 0), (500, 0)])
    stay(t, x, y, 600)  # 10 min at (500, 0)
    t2, x2, y2 = walk([(500, 0), (500, 400)], t0=t[-1])
    t += t2[1:]; x += x2[1:]; y += y2[1:]
    stay(t, x, y, 240)  # 4 min: below the 5-minute rule
    t2, x2, y2 = walk([(500, 400), (0, 400)], t0=t[-1])
    t += t2[1:]; x += x2[1:]; y += y2[1:]
    stops = find_stops(t, x, y)
    assert len(stops) == 1
    s = stops[0]
    # The stay plus the walk in and out within the 30 m radius (24 s each way at 1.25 m/s).
    assert 600 <= s.duration_s <= 650
    assert (s.x, s.y) == (pytest.approx(500, abs=5), pytest.approx(0, abs=5))
    assert len(find_stops(t, x, y, min_s=200)) == 2


def test_a_slow_walk_is_not_a_stop():
    t, x, y = walk([(0, 0), (0, 300)], speed_ms=0.5)  # 10 minutes for 300 m
    assert find_stops(t, x, y) == []


def test_gaps_are_listed_with_their_length():
    t, x, y = walk([(0, 0), (200, 0)])
    t.append(t[-1] + 180); x.append(260.0); y.append(0.0)  # 3 min without a fix
    t.append(t[-1] + 60); x.append(300.0); y.append(0.0)  # 1 min: not a gap
    gaps = find_gaps(t, x, y)
    assert len(gaps) == 1
    assert gaps[0].duration_s == 180 and gaps[0].distance_m == pytest.approx(60)


def test_fast_stretches_are_flagged_but_not_across_gaps():
    t, x, y = walk([(0, 0), (200, 0)])
    t2, x2, y2 = walk([(200, 0), (1200, 0)], speed_ms=15.0, t0=t[-1])  # 54 km/h: a car
    t += t2[1:]; x += x2[1:]; y += y2[1:]
    t.append(t[-1] + 600); x.append(9000.0); y.append(0.0)  # a 10-min gap with a big jump
    fast = find_fast(t, x, y)
    assert len(fast) == 1
    assert fast[0].distance_m == pytest.approx(1000, rel=0.01)
    assert fast[0].max_speed_kmh == pytest.approx(54, rel=0.05)
    assert find_fast(t, x, y, max_speed_kmh=60) == []


def test_mileage_and_duty_against_the_shift():
    t, x, y = walk([(0, 0), (1000, 0)])  # 800 s
    t.append(t[-1] + 3600); x.append(1000.0); y.append(5000.0)  # an hour's gap: no mileage, no time
    s = summarise(t, x, y, shifts=[(T0 - 1000, T0 + 400), (T0 + 600, T0 + 10_000)])
    assert s.distance_m == pytest.approx(1000)
    assert s.moving_s == pytest.approx(800)
    assert s.duty_s == pytest.approx(600)  # 0–400 and 600–800 of the walk fall in the shifts
    assert s.shift_s == pytest.approx(1400 + 9400)
    assert len(s.gaps) == 1


def test_duty_without_shifts_and_tiny_tracks():
    assert duty_seconds(np.array([T0]), []) == (0.0, 0.0, 0.0)
    s = summarise([], [], [])
    assert s.fixes == 0 and s.distance_m == 0 and s.duty_share is None


def test_coverage_per_grid():
    grids = [(f"g{i}", shapely.box(i * 100, 0, i * 100 + 100, 100)) for i in range(4)]
    # Walk through g0 and g1, stay 10 min in g1, never reach g2 or g3.
    t, x, y = walk([(10, 50), (150, 50)])
    stay(t, x, y, 600, jitter=1)
    cov = coverage(t, x, y, grids)
    by = {g.code: g for g in cov.grids}
    assert by["g0"].visited and by["g1"].visited and not by["g2"].visited and not by["g3"].visited
    assert cov.share == 0.5
    assert by["g1"].dwell_s == pytest.approx(600 + 5 * 8, abs=30)
    in_g0 = sum(1 for xi in x if xi < 100)
    assert by["g0"].fixes == in_g0 and by["g0"].dwell_s == in_g0 * 5.0


def test_simplify_keeps_stops_and_gaps():
    t, x, y = walk([(0, 0), (1000, 0), (1000, 1000)])
    stay(t, x, y, 600)
    t.append(t[-1] + 300); x.append(1500.0); y.append(1000.0)
    keep = simplify(t, x, y, tolerance_m=5)
    assert len(keep) < len(t) / 10
    stop = find_stops(t, x, y)[0]
    gap = find_gaps(t, x, y)[0]
    for i in (0, len(t) - 1, stop.first, stop.last, gap.before, gap.after):
        assert i in keep
    # The corner survives Douglas–Peucker.
    corner = int(np.argmin(np.hypot(np.array(x) - 1000, np.array(y))))
    assert corner in keep


def test_month_of_fixes_is_fast():
    """About 535,000 fixes (31 days every 5 s): the analysis is vectorised, not per fix."""
    import time
    rng = np.random.default_rng(1)
    n = 535_000
    t = T0 + np.arange(n) * 5.0
    ang = np.cumsum(rng.normal(0, 0.3, n))
    x = np.cumsum(np.cos(ang) * 6)
    y = np.cumsum(np.sin(ang) * 6)
    start = time.process_time()
    s = summarise(t, x, y)
    keep = simplify(t, x, y, 5.0)
    spent = time.process_time() - start
    assert s.fixes == n and 0 < len(keep) < n
    assert spent < 10  # generous: a few hundred ms on the project's machine; catches a per-fix loop


def test_project_to_gauss_kruger_metres():
    x, y = project(np.array([120.0, 120.001]), np.array([31.0, 31.0]), "EPSG:4549")  # CGCS2000 / 3° GK CM 120E
    assert x[0] == pytest.approx(500_000, abs=1)
    assert x[1] - x[0] == pytest.approx(95.5, abs=0.5)


def test_rules_are_data():
    assert TrackRules().stop_min_s == 300 and TrackRules().gap_s == 120
    with pytest.raises(ValueError):
        summarise([2, 1], [0, 0], [0, 0])
