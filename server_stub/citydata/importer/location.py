"""Does the new data lie where the city is? A projected file declared in the wrong UTM or
Gauss-Krueger zone is a perfectly plausible file thousands of km away; without this check it
merges into the city by grid code and "moves" existing grids there.

The city is the extent of the unit grids already in the database. New data within ``NEAR_KM`` of it
belongs to the city (a new district); farther away it is refused with the distance and, when the
file's CRS is one of a family of zones, the zone that would put it inside the city -- unless the
import is told it is a new city (``--new-city``).
"""
from __future__ import annotations

import json
from typing import Iterable

from .report import ImportFileError

NEAR_KM = 20.0
ZONE_REACH = 3  # zones tried either side of the file's own
LonLatBox = tuple[float, float, float, float]

# EPSG code ranges of zone families: a wrong zone is usually a neighbour in the same family
ZONE_FAMILIES = (
    range(32601, 32661),  # WGS 84 / UTM zones 1N-60N
    range(32701, 32761),  # WGS 84 / UTM zones 1S-60S
    range(4491, 4502),    # CGCS2000 / Gauss-Kruger 6-degree zones 13-23 (with zone prefix)
    range(4502, 4513),    # CGCS2000 / Gauss-Kruger CM 75E-135E (6-degree, no prefix)
    range(4513, 4534),    # CGCS2000 / 3-degree Gauss-Kruger zones 25-45 (with zone prefix)
    range(4534, 4555),    # CGCS2000 / 3-degree Gauss-Kruger CM 75E-135E (no prefix)
    range(25828, 25839),  # ETRS89 / UTM zones 28N-38N
)


def city_extent(grid_geojson: Iterable[dict | str]) -> LonLatBox | None:
    """lon/lat bounds of the database's unit grids (GeoJSON geometries), None when there are none."""
    import shapely
    geoms = [shapely.from_geojson(g if isinstance(g, str) else json.dumps(g)) for g in grid_geojson]
    if not geoms:
        return None
    return tuple(float(v) for v in shapely.total_bounds(geoms))


def distance_km(a: LonLatBox, b: LonLatBox) -> float:
    """Geodesic distance between two lon/lat boxes: 0 when they touch, else between their nearest points."""
    from pyproj import Geod
    lon_a = min(max((a[0] + a[2]) / 2, b[0]), b[2])  # the point of b nearest a's centre, and back
    lat_a = min(max((a[1] + a[3]) / 2, b[1]), b[3])
    lon_b, lat_b = min(max(lon_a, a[0]), a[2]), min(max(lat_a, a[1]), a[3])
    if (lon_a, lat_a) == (lon_b, lat_b):
        return 0.0
    return Geod(ellps="WGS84").inv(lon_b, lat_b, lon_a, lat_a)[2] / 1000.0


def _epsg(crs: str | None) -> int | None:
    import pyproj
    if not crs:
        return None
    try:
        return pyproj.CRS.from_user_input(crs).to_epsg()
    except pyproj.exceptions.CRSError:
        return None


def right_zone(data: LonLatBox, file_crs: str | None, city: LonLatBox) -> str | None:
    """A neighbouring zone (up to ``ZONE_REACH`` either way) of the file CRS's family in which the
    file's coordinates lie in the city."""
    import pyproj
    code = _epsg(file_crs)
    family = next((f for f in ZONE_FAMILIES if code in f), None)
    if family is None:
        return None
    crs = pyproj.CRS.from_epsg(code)
    geo = crs.geodetic_crs  # no datum shift: metres of difference, and much faster to set up
    x, y = pyproj.Transformer.from_crs(geo, crs, always_xy=True).transform((data[0] + data[2]) / 2,
                                                                           (data[1] + data[3]) / 2)
    for step in sorted(range(-ZONE_REACH, ZONE_REACH + 1), key=abs)[1:]:
        other = code + step
        if other not in family:
            continue
        lon, lat = pyproj.Transformer.from_crs(other, geo, always_xy=True).transform(x, y)
        if distance_km((lon, lat, lon, lat), city) <= NEAR_KM:
            return f"EPSG:{other} ({pyproj.CRS.from_epsg(other).name})"
    return None


def check_location(data: LonLatBox, file_crs: str | None, city: LonLatBox | None, what: str) -> float | None:
    """Raises ImportFileError when ``data`` lies more than NEAR_KM from the ``city``; returns the distance."""
    if city is None:
        return None  # the first city in this database: nothing to compare with
    km = distance_km(data, city)
    if km <= NEAR_KM:
        return km
    zone = right_zone(data, file_crs, city)
    raise ImportFileError(
        f"the {what} lie {km:,.0f} km from the city already in this database (its grids span lon "
        f"{city[0]:.4f} to {city[2]:.4f}, lat {city[1]:.4f} to {city[3]:.4f}; the file's lon {data[0]:.4f} to "
        f"{data[2]:.4f}, lat {data[1]:.4f} to {data[3]:.4f}). Is the file's CRS right ({file_crs})? Projected "
        "coordinates declared in the wrong UTM or Gauss-Krueger zone land hundreds to thousands of km away"
        + (f"; in {zone} they would lie in the city" if zone else "")
        + ". Give the right CRS with --crs, or, if this really is another city, import it with --new-city.")
