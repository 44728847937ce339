"""Choose the metric projected CRS of a city package.

In China: the CGCS2000 3-degree Gauss-Krueger zone *with* zone prefix, EPSG:4513-4533 (central
meridians 75E..135E in 3-degree steps, code = 4513 + round((lon - 75) / 3); e.g. 120E is zone 40,
EPSG:4528). Elsewhere: the WGS 84 UTM zone (EPSG:326xx north, 327xx south). A caller may override
with anything pyproj accepts (EPSG code, WKT, PROJ string of a local grid) as long as it is
projected and metric. Areas and lengths are always measured in this CRS, never in Web Mercator.
"""
from __future__ import annotations

import math

import pyproj
from shapely.geometry import Point, Polygon
from shapely.prepared import prep

WGS84 = pyproj.CRS.from_epsg(4326)
CGCS2000_GK3_FIRST = 4513  # zone 25, central meridian 75E
CGCS2000_GK3_LAST = 4533   # zone 45, central meridian 135E

# A coarse outline of mainland China with Hainan, Hong Kong and Macau (lon, lat), good to a few
# tens of kilometres: enough to decide which national convention a city's map follows.
_CHINA_OUTLINE = [
    (122.3, 53.6), (125.5, 53.1), (127.5, 49.8), (130.6, 48.9), (132.5, 47.7), (134.8, 48.4),
    (133.1, 45.1), (131.2, 44.9), (131.3, 43.0), (130.6, 42.4), (129.0, 42.0), (128.0, 41.5),
    (126.0, 40.9), (124.3, 39.9), (123.0, 38.5), (122.9, 37.3), (122.5, 33.0), (122.5, 31.3),
    (123.0, 30.0), (121.5, 27.5), (120.2, 26.8), (119.9, 25.4), (119.0, 24.6), (117.5, 23.3),
    (116.5, 22.7), (114.3, 22.1), (113.5, 21.9), (111.0, 21.2), (111.2, 19.9), (110.4, 18.1),
    (109.5, 18.0), (108.5, 18.5), (108.6, 19.5), (109.4, 20.3), (108.5, 21.5), (108.0, 21.5),
    (106.7, 22.0), (106.6, 22.9), (105.5, 23.3), (104.0, 22.5), (102.5, 22.7), (101.7, 22.4),
    (101.2, 21.1), (100.2, 21.5), (99.2, 22.1), (98.9, 23.2), (97.6, 23.9), (97.6, 24.8),
    (98.7, 25.9), (98.6, 27.5), (98.3, 28.3), (97.4, 28.2), (96.2, 29.4), (95.0, 29.2),
    (93.9, 28.0), (92.0, 27.8), (89.6, 28.2), (88.1, 27.9), (86.0, 28.1), (84.2, 28.8),
    (82.0, 30.1), (79.0, 31.0), (78.7, 32.4), (79.5, 34.2), (78.0, 35.5), (76.1, 35.9),
    (74.6, 37.0), (74.9, 38.5), (73.6, 39.5), (75.9, 40.4), (77.6, 41.0), (78.9, 41.8),
    (80.2, 42.2), (80.4, 44.2), (80.8, 45.0), (82.6, 45.2), (83.0, 47.2), (85.5, 47.1),
    (87.3, 49.2), (88.0, 48.6), (90.1, 47.7), (91.0, 46.0), (90.9, 45.2), (93.5, 44.9),
    (95.4, 44.2), (96.4, 42.7), (100.8, 42.6), (105.0, 41.6), (107.0, 42.4), (110.4, 42.7),
    (111.9, 43.6), (113.6, 44.7), (116.7, 46.4), (119.9, 46.7), (119.0, 47.5), (115.6, 47.9),
    (116.7, 49.8), (117.8, 49.5), (119.3, 50.3), (120.2, 51.7), (121.0, 52.7),
]
_CHINA = prep(Polygon(_CHINA_OUTLINE))


class CrsError(ValueError):
    pass


def in_china(lon: float, lat: float) -> bool:
    """Whether a lon/lat point lies in (a coarse outline of) mainland China, Hainan, HK, Macau."""
    return _CHINA.contains(Point(lon, lat))


def cgcs2000_gk3_epsg(lon: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Krueger zone (with zone prefix) for a longitude."""
    code = CGCS2000_GK3_FIRST + int(math.floor((lon - 75.0) / 3.0 + 0.5))
    if not CGCS2000_GK3_FIRST <= code <= CGCS2000_GK3_LAST:
        raise CrsError(f"longitude {lon} is outside the CGCS2000 3-degree zones (73.5E-136.5E)")
    return code


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS 84 UTM zone for a point (with the Norway and Svalbard exceptions)."""
    zone = int(math.floor((lon + 180.0) / 6.0)) % 60 + 1
    if 56 <= lat < 64 and 3 <= lon < 12:
        zone = 32
    elif 72 <= lat < 84 and 0 <= lon < 42:
        zone = 31 if lon < 9 else 33 if lon < 21 else 35 if lon < 33 else 37
    return (32600 if lat >= 0 else 32700) + zone


def choose_crs(lon: float, lat: float, override: str | None = None) -> pyproj.CRS:
    """The projected CRS for a city centred on (lon, lat); ``override`` wins when given."""
    if override:
        try:
            crs = pyproj.CRS.from_user_input(override)
        except pyproj.exceptions.CRSError as e:
            raise CrsError(f"--crs {override!r} is not a CRS pyproj understands: {e}") from None
        check_metric(crs)
        return crs
    if in_china(lon, lat):
        return pyproj.CRS.from_epsg(cgcs2000_gk3_epsg(lon))
    return pyproj.CRS.from_epsg(utm_epsg(lon, lat))


def check_metric(crs: pyproj.CRS) -> None:
    if not crs.is_projected:
        raise CrsError(f"{crs.name}: a projected CRS is needed (areas are measured in it)")
    units = {a.unit_name for a in crs.axis_info}
    if not units <= {"metre", "meter", "m"}:
        raise CrsError(f"{crs.name}: axis units {sorted(units)} are not metres")
    if "Pseudo-Mercator" in crs.name or crs.to_epsg() in (3857, 900913):
        raise CrsError("Web Mercator distorts areas; choose a conformal local projection")


def crs_string(crs: pyproj.CRS) -> str:
    """'EPSG:xxxx' when the CRS has an authority code, else its PROJ string."""
    auth = crs.to_authority()
    if auth:
        return f"{auth[0]}:{auth[1]}"
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return crs.to_proj4() or crs.to_wkt()


def describe_crs(crs: pyproj.CRS) -> dict:
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PROJ strings drop datum detail; WKT is the full record
        proj = crs.to_proj4()
    return {"authority": crs_string(crs) if crs.to_authority() else None, "name": crs.name,
            "wkt": crs.to_wkt(), "proj": proj}


def transformer(src: pyproj.CRS, dst: pyproj.CRS) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)
