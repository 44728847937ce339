"""Tile matrix sets: the city grid's definition and Web Mercator against mercantile (no QGIS needed)."""
from __future__ import annotations

import math

import mercantile
import pyproj
import pytest

from server_stub.basemap.cache import EMPTY_PNG
from server_stub.basemap.package import load_city
from server_stub.basemap.tms import (city_tms, crs_is_northing_first, crs_urn, mercator_render_crs,
                                     web_mercator_quad)


def test_city_grid_levels_from_one_tile_down_to_1_to_500():
    extent = (440123.4, 3410987.6, 446050.0, 3415400.2)  # 5.9 km x 4.4 km in a GK zone
    tms = city_tms("EPSG:4528", extent)
    assert (tms.left, tms.top) == (440100.0, 3415500.0)  # rounded out to whole 100 m
    top = tms.matrices[0]
    assert (top.matrix_width, top.matrix_height) == (1, 1)
    assert top.span >= 446100.0 - 440100.0
    n = tms.max_zoom
    assert tms.scale_denominator(n) == pytest.approx(500.0)
    assert tms.matrix(n).resolution == pytest.approx(0.14)
    for z in range(n):
        assert tms.matrix(z).resolution == pytest.approx(2 * tms.matrix(z + 1).resolution)
        assert tms.scale_denominator(z) == pytest.approx(500.0 * 2 ** (n - z))
    # one level less and level 0 would no longer hold the city in one tile
    assert 256 * 0.14 * 2 ** (n - 1) < 446100.0 - 440100.0
    # every level covers the rounded extent, with less than one tile to spare
    for z, m in enumerate(tms.matrices):
        assert tms.left + m.matrix_width * m.span >= 446100.0
        assert tms.left + (m.matrix_width - 1) * m.span < 446100.0
        assert tms.top - m.matrix_height * m.span <= 3410900.0
    assert crs_is_northing_first("EPSG:4528") and not crs_is_northing_first("EPSG:3857")
    assert crs_urn("EPSG:4528") == "urn:ogc:def:crs:EPSG::4528"


def test_city_tile_and_pixel_of_a_point():
    tms = city_tms("EPSG:32635", (385412.8, 6671452.9, 386474.9, 6673143.5))
    n = tms.max_zoom
    col, row, i, j = tms.pixel_of(n, 385400.0 + 256 * 0.14 * 3 + 0.14 * 10.5, 6673200.0 - 256 * 0.14 * 2 - 0.14 * 100.5)
    assert (col, row) == (3, 2) and i == pytest.approx(10.5) and j == pytest.approx(100.5)
    minx, miny, maxx, maxy = tms.tile_bounds(n, 3, 2)
    assert maxx - minx == pytest.approx(35.84) and maxy == pytest.approx(6673200.0 - 2 * 35.84)


@pytest.mark.parametrize("lon,lat,z", [(24.9435, 60.1705, 17), (120.153, 30.287, 19), (-0.1276, 51.507, 12)])
def test_web_mercator_matches_mercantile(lon, lat, z):
    tms = web_mercator_quad()
    x, y = pyproj.Transformer.from_crs(4326, 3857, always_xy=True).transform(lon, lat)
    col, row, i, j = tms.pixel_of(z, x, y)
    t = mercantile.tile(lon, lat, z)
    assert (col, row) == (t.x, t.y)
    b = mercantile.xy_bounds(t)
    assert tms.tile_bounds(z, t.x, t.y) == pytest.approx((b.left, b.bottom, b.right, b.top), abs=1e-6)
    assert 0 <= i < 256 and 0 <= j < 256
    assert tms.scale_denominator(0) == pytest.approx(559082264.0287178)


def test_mercator_render_crs_is_web_mercator_times_cos_lat():
    crs, k = mercator_render_crs(60.17)
    assert k == pytest.approx(math.cos(math.radians(60.17)))
    to_render = pyproj.Transformer.from_crs(32635, pyproj.CRS.from_proj4(crs), always_xy=True)
    to_3857 = pyproj.Transformer.from_crs(32635, 3857, always_xy=True)
    a, b = to_render.transform(385950, 6672300), to_3857.transform(385950, 6672300)
    assert a == pytest.approx((b[0] * k, b[1] * k), abs=1e-3)


def test_city_package_extent_and_ranges(city_dir):
    city = load_city(city_dir)
    assert city.crs == "EPSG:32635"  # Helsinki: UTM 35N (a CGCS2000 GK zone for a Chinese city)
    w, s, e, n = city.lonlat_bbox
    assert 24.9 < w < e < 25.0 and 60.1 < s < n < 60.2
    for tms_id in ("WebMercatorQuad", "city"):
        r = city.tile_range(tms_id, 16 if tms_id == "WebMercatorQuad" else 4)
        assert r is not None and r[0] <= r[2] and r[1] <= r[3]
    tiles = list(mercantile.tiles(w, s, e, n, 16))
    assert city.tile_range("WebMercatorQuad", 16) == (min(t.x for t in tiles), min(t.y for t in tiles),
                                                      max(t.x for t in tiles), max(t.y for t in tiles))
    assert not city.shows_city("WebMercatorQuad", 16, 0, 0)
    assert EMPTY_PNG.startswith(b"\x89PNG")
