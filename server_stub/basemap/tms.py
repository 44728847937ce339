"""Tile matrix sets the basemap is cut on: Web Mercator XYZ and one in the city's own projected CRS.

``WebMercatorQuad`` (EPSG:3857) is the XYZ/Google grid: level z has 2^z x 2^z tiles of 256 px from
the top-left corner (-20037508.34, 20037508.34); z0 is 1:559 082 264 at the 0.28 mm pixel.

``city`` is defined per city package, in its projected CRS (a CGCS2000 Gauss-Krueger zone in China,
UTM elsewhere, or a local grid), so that a 1:500 map is drawn without Web Mercator's distortion:

* origin: the top-left corner of the city extent rounded *out* to whole 100 m
  (left = floor(minx / 100) * 100, top = ceil(maxy / 100) * 100);
* resolutions: the finest level N is exactly 1:500 at the OGC 0.28 mm pixel, 0.14 m/px; each
  coarser level doubles it, res(z) = 0.14 * 2^(N - z) m/px, scale 1:(500 * 2^(N - z));
* N is the smallest level count for which level 0 covers the rounded extent in ONE 256 px tile;
* matrix width/height at level z: ceil(extent width or height / (256 * res(z))); tiles go right
  and down from the origin (row 0 at the top), as in WMTS.

For a 6 km city: N = 8, level 0 is 1:128 000 (35.84 m/px, one tile of 9.2 km), level 8 is 1:500.

All coordinates here are x/y (easting, northing) whatever the CRS's axis order; the WMTS writer
swaps TopLeftCorner for CRSs that are northing-first (e.g. EPSG:4513-4554).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import pyproj

OGC_PIXEL_M = 0.28e-3               # WMTS "standardized rendering pixel size"
OGC_DPI = 0.0254 / OGC_PIXEL_M      # 90.714 dpi: the renderer's output dpi, so QGIS scale == WMTS scale
WEB_MERCATOR_HALF = 20037508.342789244
TILE = 256
CITY_ROUND_M = 100.0
FINEST_SCALE = 500
WEB_MERCATOR_MAX_ZOOM = 20          # z20 is about 1:533 at the equator and finer elsewhere


@dataclass(frozen=True)
class TileMatrix:
    id: str
    resolution: float        # CRS units per pixel
    matrix_width: int
    matrix_height: int

    @property
    def span(self) -> float:
        return self.resolution * TILE


@dataclass(frozen=True)
class TileMatrixSet:
    id: str
    title: str
    crs: str                 # "EPSG:3857", "EPSG:4528", or a PROJ string / WKT for a local grid
    left: float
    top: float
    matrices: tuple[TileMatrix, ...]
    well_known_scale_set: str | None = None

    def matrix(self, z: int) -> TileMatrix:
        if not 0 <= z < len(self.matrices):
            raise IndexError(z)
        return self.matrices[z]

    @property
    def max_zoom(self) -> int:
        return len(self.matrices) - 1

    def contains(self, z: int, x: int, y: int) -> bool:
        if not 0 <= z < len(self.matrices):
            return False
        m = self.matrices[z]
        return 0 <= x < m.matrix_width and 0 <= y < m.matrix_height

    def tile_bounds(self, z: int, x: int, y: int, cols: int = 1, rows: int = 1) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) of a block of tiles whose top-left tile is (x, y)."""
        s = self.matrix(z).span
        left = self.left + x * s
        top = self.top - y * s
        return left, top - rows * s, left + cols * s, top

    def tile_range(self, z: int, bbox: tuple[float, float, float, float]) -> tuple[int, int, int, int] | None:
        """Inclusive (min_col, min_row, max_col, max_row) of the tiles that meet ``bbox``; None if none."""
        m = self.matrix(z)
        s = m.span
        minx, miny, maxx, maxy = bbox
        eps = s * 1e-9
        c0 = max(0, math.floor((minx - self.left) / s + 1e-9))
        c1 = min(m.matrix_width - 1, math.ceil((maxx - self.left - eps) / s) - 1)
        r0 = max(0, math.floor((self.top - maxy) / s + 1e-9))
        r1 = min(m.matrix_height - 1, math.ceil((self.top - miny - eps) / s) - 1)
        if c0 > c1 or r0 > r1:
            return None
        return c0, r0, c1, r1

    def pixel_of(self, z: int, px: float, py: float) -> tuple[int, int, float, float]:
        """The tile (col, row) holding a point and the point's pixel position (i, j) inside it."""
        s = self.matrix(z).span
        fx = (px - self.left) / s
        fy = (self.top - py) / s
        col, row = math.floor(fx), math.floor(fy)
        return col, row, (fx - col) * TILE, (fy - row) * TILE

    @cached_property
    def meters_per_unit(self) -> float:
        crs = pyproj.CRS.from_user_input(self.crs)
        return float(crs.axis_info[0].unit_conversion_factor or 1.0)

    def scale_denominator(self, z: int) -> float:
        return self.matrix(z).resolution * self.meters_per_unit / OGC_PIXEL_M

    def describe(self) -> dict:
        """JSON-able definition (MBTiles metadata, debugging, the city pyramid file)."""
        return {"id": self.id, "crs": self.crs, "top_left": [self.left, self.top], "tile_size": TILE,
                "matrices": [{"id": m.id, "resolution": m.resolution, "scale_denominator":
                              round(self.scale_denominator(i), 6), "matrix_width": m.matrix_width,
                              "matrix_height": m.matrix_height} for i, m in enumerate(self.matrices)]}


def web_mercator_quad(max_zoom: int = WEB_MERCATOR_MAX_ZOOM) -> TileMatrixSet:
    res0 = 2 * WEB_MERCATOR_HALF / TILE
    matrices = tuple(TileMatrix(str(z), res0 / 2 ** z, 2 ** z, 2 ** z) for z in range(max_zoom + 1))
    return TileMatrixSet("WebMercatorQuad", "Web Mercator (EPSG:3857), XYZ", "EPSG:3857",
                         -WEB_MERCATOR_HALF, WEB_MERCATOR_HALF, matrices,
                         "urn:ogc:def:wkss:OGC:1.0:GoogleMapsCompatible")


def city_tms(crs: str, extent: tuple[float, float, float, float], *, round_m: float = CITY_ROUND_M,
             finest_scale: float = FINEST_SCALE) -> TileMatrixSet:
    """The city's own tile matrix set (see the module docstring)."""
    minx, miny, maxx, maxy = extent
    left = math.floor(minx / round_m) * round_m
    bottom = math.floor(miny / round_m) * round_m
    right = math.ceil(maxx / round_m) * round_m
    top = math.ceil(maxy / round_m) * round_m
    finest = finest_scale * OGC_PIXEL_M  # 0.14 m/px
    span = max(right - left, top - bottom, finest * TILE)
    n = max(0, math.ceil(math.log2(span / (TILE * finest)) - 1e-9))
    matrices = []
    for z in range(n + 1):
        res = round(finest * 2 ** (n - z), 10)
        matrices.append(TileMatrix(str(z), res, max(1, math.ceil((right - left) / (res * TILE) - 1e-9)),
                                   max(1, math.ceil((top - bottom) / (res * TILE) - 1e-9))))
    return TileMatrixSet("city", "City grid in the city's projected CRS (level N = 1:500)", crs, left, top,
                         tuple(matrices))


def crs_is_northing_first(crs: str) -> bool:
    """Whether the CRS's official axis order puts northing (or latitude) first."""
    info = pyproj.CRS.from_user_input(crs).axis_info
    return bool(info) and info[0].direction.lower() in ("north", "south")


def crs_urn(crs: str) -> str:
    """OGC URN of a CRS (urn:ogc:def:crs:EPSG::3857); a CRS without authority code keeps its text."""
    auth = pyproj.CRS.from_user_input(crs).to_authority(min_confidence=90)
    if auth:
        return f"urn:ogc:def:crs:{auth[0]}::{auth[1]}"
    return crs


def mercator_render_crs(lat0: float) -> tuple[str, float]:
    """A Web Mercator scaled by cos(lat0), and that factor k.

    QGIS computes map scale and 'map unit' sizes from the CRS's units; in EPSG:3857 a unit is 1/cos(lat)
    ground metres, so at 60N every scale threshold and ground width would be off by a factor 2. Drawing
    in this CRS (the same projection times k) gives the same pixel grid with ground metres at the city's
    latitude: the tile bbox is simply multiplied by k."""
    k = math.cos(math.radians(lat0))
    # +lat_ts scales a spherical Mercator by cos(lat_ts) (PROJ ignores +k when +lat_ts is given)
    return (f"+proj=merc +a=6378137 +b=6378137 +lat_ts={lat0:.12f} +lon_0=0 +x_0=0 +y_0=0 +units=m "
            "+nadgrids=@null +wktext +no_defs"), k
