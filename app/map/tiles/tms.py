"""Tile matrix sets: the grids basemap tiles are cut on.

A :class:`TileMatrixSet` is a list of :class:`TileMatrix` levels, each with its resolution, its
top-left origin, its tile size and its matrix size, in one CRS. Every coordinate here is in the
CRS's *x/y* order (easting/northing, longitude/latitude), whatever the CRS's own axis order is:
EPSG:4490 is officially latitude-first, and WMTS servers disagree on how they write it, so the
axis question is settled once, when a set is read (see :mod:`.wmts_capabilities`), never later.

Constructors: :meth:`TileMatrixSet.web_mercator_quad` (Google/OSM XYZ), :meth:`TileMatrixSet.
from_morecantile` (any morecantile set), :meth:`TileMatrixSet.tianditu_c` (天地图经纬度 ``c``,
EPSG:4490) and :meth:`TileMatrixSet.tianditu_w` (天地图球面墨卡托 ``w``); WMTS sets come from
:func:`.wmts_capabilities.parse_capabilities`. :func:`tiles_for_view` picks the level and tiles
for a view. Qt-free.
"""
from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Iterable, NamedTuple

import pyproj

#: The OGC "standardized rendering pixel size" (0.28 mm), which WMTS scale denominators assume.
OGC_PIXEL_SIZE = 0.28e-3
#: The 96 dpi pixel some servers (天地图 among them) compute their scale denominators with.
PIXEL_SIZE_96DPI = 0.0254 / 96

WEB_MERCATOR_HALF = 20037508.342789244  # pi * 6378137


class Bounds(NamedTuple):
    """An axis-aligned box in a CRS, x/y order."""

    left: float
    bottom: float
    right: float
    top: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.top - self.bottom

    def intersects(self, other: Iterable[float]) -> bool:
        left, bottom, right, top = other
        return self.left < right and left < self.right and self.bottom < top and bottom < self.top


class TileLimits(NamedTuple):
    """Inclusive column/row ranges of the tiles that exist at one level (WMTS TileMatrixLimits)."""

    min_col: int
    max_col: int
    min_row: int
    max_row: int


@lru_cache(maxsize=64)
def crs_from_string(value: str | int) -> pyproj.CRS:
    """A pyproj CRS from the spellings tile services use.

    Accepts ``EPSG:4490``, ``4490``, ``urn:ogc:def:crs:EPSG::4490``, versioned URNs such as
    ``urn:ogc:def:crs:EPSG:6.18:3:3857`` (ArcGIS), ``http://www.opengis.net/def/crs/EPSG/0/4490``,
    ``CRS84`` and the unofficial Web Mercator codes 900913/102100/102113.
    """
    if isinstance(value, int):
        code: str | None = str(value)
    else:
        text = value.strip()
        if re.fullmatch(r"\d+", text):
            code = text
        elif m := re.search(r"EPSG(?:[:/][\w.]*)*[:/](\d+)\s*$", text, re.IGNORECASE):
            code = m.group(1)
        elif re.search(r"CRS:?84$", text, re.IGNORECASE):
            return pyproj.CRS.from_user_input("OGC:CRS84")
        else:
            return pyproj.CRS.from_user_input(text)
    if code in {"900913", "102100", "102113", "3785"}:
        code = "3857"
    return pyproj.CRS.from_epsg(int(code))


def crs_axis_is_yx(crs: pyproj.CRS) -> bool:
    """True when the CRS's first axis points north or south (lat/lon, northing/easting)."""
    axes = crs.axis_info
    return bool(axes) and axes[0].direction.lower() in ("north", "south")


def meters_per_unit(crs: pyproj.CRS) -> float:
    """Metres in one CRS unit, as OGC defines it (degrees: 2*pi*a/360)."""
    axes = crs.axis_info
    unit = axes[0].unit_name if axes else "metre"
    if unit in ("degree", "degree minute second hemisphere", "grad") or crs.is_geographic:
        return 2 * math.pi * crs.ellipsoid.semi_major_metre / 360.0
    factor = axes[0].unit_conversion_factor if axes else 1.0
    return factor or 1.0


@dataclass(frozen=True)
class TileMatrix:
    """One level of a tile matrix set. ``origin`` is the top-left corner, x/y order."""

    zoom: int
    identifier: str
    resolution: float  # CRS units per pixel
    scale_denominator: float
    origin: tuple[float, float]
    tile_width: int
    tile_height: int
    matrix_width: int
    matrix_height: int
    limits: TileLimits | None = None

    @property
    def span_x(self) -> float:
        """Width of one tile in CRS units."""
        return self.tile_width * self.resolution

    @property
    def span_y(self) -> float:
        return self.tile_height * self.resolution

    @property
    def extent(self) -> Bounds:
        ox, oy = self.origin
        return Bounds(ox, oy - self.matrix_height * self.span_y,
                      ox + self.matrix_width * self.span_x, oy)

    def tile_bounds(self, x: int, y: int) -> Bounds:
        """Bounds of the tile at column x, row y (row 0 at the top)."""
        ox, oy = self.origin
        sx, sy = self.span_x, self.span_y
        return Bounds(ox + x * sx, oy - (y + 1) * sy, ox + (x + 1) * sx, oy - y * sy)

    def contains(self, x: int, y: int) -> bool:
        """Whether tile (x, y) exists at this level (inside the matrix and its limits)."""
        if not (0 <= x < self.matrix_width and 0 <= y < self.matrix_height):
            return False
        lim = self.limits
        return lim is None or (lim.min_col <= x <= lim.max_col and lim.min_row <= y <= lim.max_row)

    def tile_range(self, bbox: Iterable[float]) -> tuple[int, int, int, int] | None:
        """Inclusive (min_col, max_col, min_row, max_row) of the tiles covering ``bbox``, clipped
        to the matrix and its limits; None when nothing is covered."""
        left, bottom, right, top = bbox
        ox, oy = self.origin
        sx, sy = self.span_x, self.span_y
        eps = 1e-9
        c0 = math.floor((left - ox) / sx + eps)
        c1 = math.ceil((right - ox) / sx - eps) - 1
        r0 = math.floor((oy - top) / sy + eps)
        r1 = math.ceil((oy - bottom) / sy - eps) - 1
        lo_c, hi_c, lo_r, hi_r = 0, self.matrix_width - 1, 0, self.matrix_height - 1
        if self.limits is not None:
            lo_c, hi_c = max(lo_c, self.limits.min_col), min(hi_c, self.limits.max_col)
            lo_r, hi_r = max(lo_r, self.limits.min_row), min(hi_r, self.limits.max_row)
        c0, c1, r0, r1 = max(c0, lo_c), min(c1, hi_c), max(r0, lo_r), min(r1, hi_r)
        if c0 > c1 or r0 > r1:
            return None
        return c0, c1, r0, r1


@dataclass(frozen=True)
class TileMatrixSet:
    """A named set of levels in one CRS, ordered coarse to fine."""

    identifier: str
    crs: pyproj.CRS
    levels: tuple[TileMatrix, ...]
    title: str = ""
    well_known_scale_set: str | None = None
    _by_zoom: dict = field(default=None, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        levels = tuple(sorted(self.levels, key=lambda m: -m.resolution))
        if not levels:
            raise ValueError(f"tile matrix set {self.identifier!r} has no levels")
        by_zoom = {m.zoom: m for m in levels}
        if len(by_zoom) != len(levels):
            raise ValueError(f"tile matrix set {self.identifier!r} repeats a zoom number")
        object.__setattr__(self, "levels", levels)
        object.__setattr__(self, "_by_zoom", by_zoom)

    # -- look-ups -------------------------------------------------------------------------------
    @property
    def zooms(self) -> list[int]:
        return [m.zoom for m in self.levels]

    @property
    def min_zoom(self) -> int:
        return self.levels[0].zoom

    @property
    def max_zoom(self) -> int:
        return self.levels[-1].zoom

    @property
    def crs_code(self) -> str:
        """``EPSG:nnnn`` when the CRS has one, else the CRS's own string."""
        epsg = self.crs.to_epsg()
        return f"EPSG:{epsg}" if epsg else self.crs.to_string()

    def level(self, zoom: int) -> TileMatrix:
        try:
            return self._by_zoom[zoom]
        except KeyError:
            raise KeyError(f"tile matrix set {self.identifier!r} has no level {zoom}") from None

    def has_level(self, zoom: int) -> bool:
        return zoom in self._by_zoom

    def tile_bounds(self, zoom: int, x: int, y: int) -> Bounds:
        return self.level(zoom).tile_bounds(x, y)

    @property
    def extent(self) -> Bounds:
        """The coarsest level's matrix extent."""
        return self.levels[0].extent

    def level_for_resolution(self, resolution: float) -> TileMatrix:
        """The level closest to ``resolution`` (CRS units per screen pixel), compared on a log
        scale; a resolution exactly between two levels gets the finer one. Resolutions past
        either end get the coarsest or finest level."""
        if not resolution > 0 or not math.isfinite(resolution):
            raise ValueError(f"resolution must be a positive number, not {resolution!r}")
        best = self.levels[0]
        best_d = math.inf
        target = math.log(resolution)
        for m in self.levels:  # coarse to fine: `<=` lets the finer one win a tie
            d = abs(math.log(m.resolution) - target)
            if d <= best_d + 1e-9:
                best, best_d = m, min(d, best_d)
        return best

    # -- derived sets ---------------------------------------------------------------------------
    def restricted(self, min_zoom: int | None = None, max_zoom: int | None = None,
                   limits: dict[int, TileLimits] | None = None,
                   identifier: str | None = None) -> "TileMatrixSet":
        """A copy keeping the zooms in [min_zoom, max_zoom] and, when ``limits`` is given, only
        the zooms it names, each with its limits."""
        levels = []
        for m in self.levels:
            if min_zoom is not None and m.zoom < min_zoom:
                continue
            if max_zoom is not None and m.zoom > max_zoom:
                continue
            if limits is not None:
                if m.zoom not in limits:
                    continue
                m = replace(m, limits=limits[m.zoom])
            levels.append(m)
        return TileMatrixSet(identifier or self.identifier, self.crs, tuple(levels), self.title,
                             self.well_known_scale_set)

    def bbox_from(self, bbox: Iterable[float], crs: pyproj.CRS | str | int) -> Bounds:
        """``bbox`` (x/y order in ``crs``) reprojected into this set's CRS, densified edges."""
        src = crs if isinstance(crs, pyproj.CRS) else crs_from_string(crs)
        left, bottom, right, top = bbox
        if src == self.crs:
            return Bounds(left, bottom, right, top)
        tr = _transformer(src, self.crs)
        return Bounds(*tr.transform_bounds(left, bottom, right, top, densify_pts=21))

    # -- constructors ---------------------------------------------------------------------------
    @classmethod
    def from_morecantile(cls, tms, identifier: str | None = None, min_zoom: int | None = None,
                         max_zoom: int | None = None) -> "TileMatrixSet":
        """Convert a morecantile TileMatrixSet (or the name of one it ships, e.g.
        ``"WebMercatorQuad"``), taking care of its axis order and corner of origin."""
        import morecantile

        if isinstance(tms, str):
            tms = morecantile.tms.get(tms)
        crs = tms.crs._pyproj_crs if hasattr(tms.crs, "_pyproj_crs") else pyproj.CRS(tms.crs)
        if tms.orderedAxes:
            yx = tms.orderedAxes[0].upper() in ("Y", "LAT", "N", "NORTHING")
        else:
            yx = crs_axis_is_yx(crs)
        lo = tms.minzoom if min_zoom is None else min_zoom
        hi = tms.maxzoom if max_zoom is None else max_zoom
        levels = []
        for z in range(lo, hi + 1):
            m = tms.matrix(z)
            if m.variableMatrixWidths:
                raise ValueError(f"{tms.id}: variable matrix widths are not supported")
            a, b = m.pointOfOrigin
            ox, oy = (b, a) if yx else (a, b)
            res = float(m.cellSize)
            if str(getattr(m.cornerOfOrigin, "value", m.cornerOfOrigin)) == "bottomLeft":
                oy += m.matrixHeight * m.tileHeight * res
            levels.append(TileMatrix(
                zoom=z, identifier=str(m.id), resolution=res,
                scale_denominator=float(m.scaleDenominator), origin=(float(ox), float(oy)),
                tile_width=int(m.tileWidth), tile_height=int(m.tileHeight),
                matrix_width=int(m.matrixWidth), matrix_height=int(m.matrixHeight)))
        wkss = str(tms.wellKnownScaleSet) if tms.wellKnownScaleSet else None
        return cls(identifier or str(tms.id), crs, tuple(levels), tms.title or "", wkss)

    @classmethod
    def web_mercator_quad(cls, min_zoom: int = 0, max_zoom: int = 22,
                          identifier: str = "WebMercatorQuad") -> "TileMatrixSet":
        """The Google/OSM XYZ grid (OGC WebMercatorQuad, EPSG:3857, 256 px), from morecantile."""
        return _web_mercator_quad(min_zoom, max_zoom, identifier)

    @classmethod
    def geographic_quad(cls, identifier: str, crs: pyproj.CRS | str | int = 4490,
                        first_zoom: int = 1, max_zoom: int = 18,
                        first_resolution: float = 0.703125,
                        origin: tuple[float, float] = (-180.0, 90.0), tile_size: int = 256,
                        title: str = "") -> "TileMatrixSet":
        """A lon/lat quadtree: at ``first_zoom`` the resolution is ``first_resolution`` degrees a
        pixel and halves every level; the matrix covers -180..180, -90..90."""
        crs = crs if isinstance(crs, pyproj.CRS) else crs_from_string(crs)
        mpu = meters_per_unit(crs)
        levels = []
        for z in range(first_zoom, max_zoom + 1):
            res = first_resolution / 2 ** (z - first_zoom)
            span = res * tile_size
            levels.append(TileMatrix(
                zoom=z, identifier=str(z), resolution=res,
                scale_denominator=res * mpu / OGC_PIXEL_SIZE, origin=origin,
                tile_width=tile_size, tile_height=tile_size,
                matrix_width=max(1, math.ceil(360.0 / span - 1e-9)),
                matrix_height=max(1, math.ceil(180.0 / span - 1e-9))))
        return cls(identifier, crs, tuple(levels), title)

    @classmethod
    def tianditu_c(cls, max_zoom: int = 18) -> "TileMatrixSet":
        """天地图 ``c``: CGCS2000 (EPSG:4490) lon/lat, origin (-180, 90), level 1 at
        0.703125 degrees a pixel (2 x 1 tiles of 256 px), halving per level, levels 1..18."""
        return cls.geographic_quad("c", 4490, first_zoom=1, max_zoom=max_zoom,
                                   title="天地图经纬度 (CGCS2000)")

    @classmethod
    def tianditu_w(cls, max_zoom: int = 18) -> "TileMatrixSet":
        """天地图 ``w``: Web Mercator, WebMercatorQuad levels 1..18 (no level 0)."""
        return cls.web_mercator_quad(1, max_zoom, identifier="w")


@lru_cache(maxsize=8)
def _web_mercator_quad(min_zoom: int, max_zoom: int, identifier: str) -> TileMatrixSet:
    return TileMatrixSet.from_morecantile("WebMercatorQuad", identifier, min_zoom, max_zoom)


_local = threading.local()


def _transformer(src: pyproj.CRS, dst: pyproj.CRS) -> pyproj.Transformer:
    """A cached always_xy transformer, one per thread (pyproj's are not to be shared)."""
    cache = getattr(_local, "transformers", None)
    if cache is None:
        cache = _local.transformers = {}
    key = (src.srs or src.to_wkt(), dst.srs or dst.to_wkt())
    tr = cache.get(key)
    if tr is None:
        tr = cache[key] = pyproj.Transformer.from_crs(src, dst, always_xy=True)
    return tr


class ViewTiles(NamedTuple):
    """What :func:`tiles_for_view` returns: the level and its tiles as (x, y, bounds)."""

    zoom: int
    tiles: list[tuple[int, int, Bounds]]


def tiles_for_view(tms: TileMatrixSet, bbox: Iterable[float], resolution: float,
                   max_tiles: int | None = None) -> ViewTiles:
    """The level for a view and the tiles covering it.

    ``bbox`` is (left, bottom, right, top) in the set's CRS, x/y order; ``resolution`` is CRS
    units per screen pixel. The level is the closest one on a log scale (the finer on a tie, see
    :meth:`TileMatrixSet.level_for_resolution`). Tiles are clipped to the matrix and its limits
    and sorted centre-out, so the middle of the screen loads first. ``max_tiles`` (optional)
    drops the outermost beyond that count, a guard against a huge view at a fine level.
    """
    left, bottom, right, top = bbox
    m = tms.level_for_resolution(resolution)
    rng = m.tile_range((left, bottom, right, top))
    if rng is None:
        return ViewTiles(m.zoom, [])
    c0, c1, r0, r1 = rng
    cx, cy = (left + right) / 2, (bottom + top) / 2
    ox, oy = m.origin
    fx, fy = (cx - ox) / m.span_x - 0.5, (oy - cy) / m.span_y - 0.5
    tiles = [(x, y, m.tile_bounds(x, y)) for y in range(r0, r1 + 1) for x in range(c0, c1 + 1)]
    tiles.sort(key=lambda t: (t[0] - fx) ** 2 + (t[1] - fy) ** 2)
    if max_tiles is not None:
        tiles = tiles[:max_tiles]
    return ViewTiles(m.zoom, tiles)


def tiles_for_extent(tms: TileMatrixSet, bbox: Iterable[float], crs: pyproj.CRS | str | int,
                     size_px: tuple[int, int], max_tiles: int | None = None) -> ViewTiles:
    """:func:`tiles_for_view` for a view in another CRS (e.g. a Gauss-Kruger canvas over Web
    Mercator tiles): ``bbox`` in ``crs`` is reprojected into the set's CRS, and the resolution is
    that box's size over ``size_px`` (width, height in device pixels)."""
    box = tms.bbox_from(bbox, crs)
    w, h = max(1, size_px[0]), max(1, size_px[1])
    return tiles_for_view(tms, box, max(box.width / w, box.height / h), max_tiles)
