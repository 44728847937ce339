"""Coordinate reference systems: cached pyproj objects and vectorised transforms.

Qt-free. Transformers are created with ``always_xy=True`` (x = easting / longitude) and cached per
thread, because render jobs run on worker threads and a pyproj Transformer is not meant to be shared
between threads.
"""
from __future__ import annotations

import math
import threading

import numpy as np
from pyproj import CRS, Transformer

__all__ = ["crs_of", "same_crs", "is_geographic", "is_web_mercator", "get_transformer",
           "transform_xy", "transform_geometries", "metres_per_unit"]

_local = threading.local()
_facts: dict = {}  # plain Python facts about a CRS string, safe to share between threads
_facts_lock = threading.Lock()


def _key(value) -> str:
    if isinstance(value, CRS):
        return value.srs or value.to_wkt()
    if isinstance(value, int):
        return f"EPSG:{value}"
    return str(value)


def crs_of(value) -> CRS:
    """A pyproj CRS from anything pyproj accepts (EPSG code, "EPSG:4527", PROJ string, CRS).

    pyproj CRS objects must not be shared between threads, so the cache is per thread; pass CRSs
    around as strings.
    """
    if isinstance(value, CRS):
        return value
    cache = getattr(_local, "crs", None)
    if cache is None:
        cache = _local.crs = {}
    k = _key(value)
    c = cache.get(k)
    if c is None:
        c = cache[k] = CRS.from_user_input(k)
    return c


def _fact(name: str, key, compute):
    k = (name, key)
    v = _facts.get(k)
    if v is None:
        v = compute()
        with _facts_lock:
            _facts[k] = v
    return v


def same_crs(a, b) -> bool:
    if a is None or b is None:
        return True
    ka, kb = _key(a), _key(b)
    if ka == kb:
        return True
    return _fact("same", (ka, kb) if ka < kb else (kb, ka), lambda: bool(crs_of(ka) == crs_of(kb)))


def is_geographic(value) -> bool:
    k = _key(value)
    return _fact("geographic", k, lambda: bool(crs_of(k).is_geographic))


def is_web_mercator(value) -> bool:
    k = _key(value)

    def compute():
        c = crs_of(k)
        epsg = c.to_epsg(min_confidence=90)
        return epsg in (3857, 900913, 3785, 102100) or "Pseudo-Mercator" in (c.name or "")

    return _fact("webmerc", k, compute)


def _unit_factor(k: str) -> float:
    c = crs_of(k)
    try:
        f = c.axis_info[0].unit_conversion_factor
        return float(f) if f else 1.0
    except (IndexError, AttributeError):
        return 1.0


def metres_per_unit(value, latitude: float = 0.0) -> float:
    """Approximate metres per CRS unit (for scale display): degrees use the latitude."""
    if is_geographic(value):
        return math.pi * 6378137.0 / 180.0 * max(math.cos(math.radians(latitude)), 1e-6)
    k = _key(value)
    return _fact("unit", k, lambda: _unit_factor(k))


def get_transformer(src, dst) -> Transformer:
    """A cached always_xy Transformer from ``src`` to ``dst`` (one cache per thread)."""
    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    key = (_key(src), _key(dst))
    t = cache.get(key)
    if t is None:
        if isinstance(src, CRS) or isinstance(dst, CRS):
            t = Transformer.from_crs(crs_of(src), crs_of(dst), always_xy=True)
        else:  # from a pipeline cached for the process: a render thread's first use costs no 0.5 s
            from app.domain.projection import transformer
            t = transformer(key[0], key[1])
        cache[key] = t
    return t


def transform_xy(x, y, src, dst):
    """Transform coordinate arrays (or scalars); returns float64 numpy arrays (or floats)."""
    if same_crs(src, dst):
        if np.isscalar(x):
            return float(x), float(y)
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    t = get_transformer(src, dst)
    if np.isscalar(x):
        ox, oy = t.transform(float(x), float(y))
        return float(ox), float(oy)
    ox, oy = t.transform(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    return np.asarray(ox, dtype=np.float64), np.asarray(oy, dtype=np.float64)


def transform_geometries(geoms, src, dst):
    """Transform an array of shapely geometries between CRSs (vectorised through pyproj)."""
    import shapely

    if same_crs(src, dst):
        return geoms
    t = get_transformer(src, dst)

    def _f(coords: np.ndarray) -> np.ndarray:
        x, y = t.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, _f)
