"""Lengths and areas in metres (Qt-free).

Measured in the canvas CRS when it is projected (shapely; the CRS unit converted to metres), and
geodesically on the CRS's own ellipsoid (pyproj.Geod) when it is geographic. Web Mercator is never
measured planar: its distortion at 28°N is already 13% in length, so it is measured geodesically too.
"""
from __future__ import annotations

import numpy as np
import shapely
from pyproj import Geod

from .crs import crs_of, is_web_mercator, metres_per_unit, transform_xy

__all__ = ["measure_length", "measure_area", "measure"]


def _geodesic(crs):
    c = crs_of(crs)
    if c.is_geographic:
        return c.get_geod() or Geod(ellps="WGS84"), None
    if is_web_mercator(c):
        return Geod(ellps="WGS84"), "EPSG:4326"
    return None, None


def _lonlat(xs, ys, crs, via):
    if via is None:
        return np.asarray(xs, float), np.asarray(ys, float)
    return transform_xy(np.asarray(xs, float), np.asarray(ys, float), crs, via)


def measure_length(xs, ys, crs) -> float:
    """Length in metres of the polyline through (xs, ys), given in ``crs``."""
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    if len(xs) < 2:
        return 0.0
    geod, via = _geodesic(crs)
    if geod is not None:
        lon, lat = _lonlat(xs, ys, crs, via)
        return float(geod.line_length(lon, lat))
    return float(shapely.length(shapely.linestrings(np.column_stack([xs, ys])))) * metres_per_unit(crs)


def measure_area(xs, ys, crs) -> float:
    """Area in square metres of the polygon through (xs, ys) (closed automatically), given in ``crs``."""
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    if len(xs) < 3:
        return 0.0
    geod, via = _geodesic(crs)
    if geod is not None:
        lon, lat = _lonlat(xs, ys, crs, via)
        area, _perim = geod.polygon_area_perimeter(lon, lat)
        return float(abs(area))
    ring = np.column_stack([xs, ys])
    if not np.array_equal(ring[0], ring[-1]):
        ring = np.vstack([ring, ring[:1]])
    return float(shapely.area(shapely.polygons(ring))) * metres_per_unit(crs) ** 2


def measure(xs, ys, crs, closed: bool = False) -> dict:
    """{'length_m', 'area_m2' (closed only), 'perimeter_m' (closed only)}."""
    xs, ys = list(xs), list(ys)
    out = {"length_m": measure_length(xs, ys, crs)}
    if closed:
        out["area_m2"] = measure_area(xs, ys, crs)
        out["perimeter_m"] = measure_length(xs + xs[:1], ys + ys[:1], crs) if xs else 0.0
    return out
