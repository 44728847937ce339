"""Tile matrix set arithmetic: WebMercatorQuad, 天地图 c, level choice, covering tiles."""
from __future__ import annotations

import math

import mercantile
import morecantile
import pytest

from app.map.tiles import (Bounds, TileLimits, TileMatrixSet, crs_from_string, tiles_for_extent,
                           tiles_for_view)

WMQ = TileMatrixSet.web_mercator_quad()
TDT_C = TileMatrixSet.tianditu_c()


@pytest.mark.parametrize("z,x,y", [(0, 0, 0), (1, 1, 0), (5, 26, 12), (12, 3372, 1552),
                                   (18, 215837, 99333), (22, 3453397, 1589330)])
def test_web_mercator_tile_bounds_match_mercantile(z, x, y):
    expected = mercantile.xy_bounds(x, y, z)
    got = WMQ.tile_bounds(z, x, y)
    assert tuple(got) == pytest.approx(tuple(expected), abs=1e-6)


def test_web_mercator_levels():
    assert WMQ.crs.to_epsg() == 3857
    assert WMQ.zooms == list(range(23))
    m = WMQ.level(0)
    assert m.origin == pytest.approx((-20037508.342789244, 20037508.342789244))
    assert m.resolution == pytest.approx(156543.03392804097)
    assert m.scale_denominator == pytest.approx(559082264.0287178)
    assert (m.tile_width, m.matrix_width, m.matrix_height) == (256, 1, 1)
    assert WMQ.level(12).matrix_width == 4096
    with pytest.raises(KeyError):
        WMQ.level(23)


@pytest.mark.parametrize("z", [1, 2, 5, 10, 18])
def test_tianditu_c_tile_bounds(z):
    n = 2 ** z
    m = TDT_C.level(z)
    assert m.resolution == pytest.approx(0.703125 / 2 ** (z - 1))
    assert (m.matrix_width, m.matrix_height) == (n, n // 2)
    assert m.origin == (-180.0, 90.0)
    step = 360.0 / n  # tiles are square in degrees
    for x, y in [(0, 0), (n - 1, n // 2 - 1), (n // 3, n // 5)]:
        expected = (-180 + x * step, 90 - (y + 1) * step, -180 + (x + 1) * step, 90 - y * step)
        assert tuple(TDT_C.tile_bounds(z, x, y)) == pytest.approx(expected, abs=1e-12)
    # the whole matrix is the whole globe
    assert tuple(m.extent) == pytest.approx((-180, -90, 180, 90))


def test_tianditu_c_is_world_crs84_quad_shifted_by_one_level():
    ref = morecantile.tms.get("WorldCRS84Quad")
    assert TDT_C.crs.to_epsg() == 4490
    assert TDT_C.zooms == list(range(1, 19))
    for z, x, y in [(1, 1, 0), (7, 100, 20), (15, 27000, 5000)]:
        assert tuple(TDT_C.tile_bounds(z, x, y)) == pytest.approx(
            tuple(ref.xy_bounds(x, y, z - 1)), abs=1e-9)


def test_tianditu_w_is_web_mercator_without_level_zero():
    w = TileMatrixSet.tianditu_w()
    assert w.identifier == "w" and w.zooms == list(range(1, 19))
    assert w.tile_bounds(9, 421, 193) == WMQ.tile_bounds(9, 421, 193)


def test_from_morecantile_handles_lat_lon_axis_order():
    # WGS1984Quad is EPSG:4326, whose pointOfOrigin morecantile keeps in lat/lon order
    tms = TileMatrixSet.from_morecantile("WGS1984Quad", max_zoom=4)
    ref = morecantile.tms.get("WGS1984Quad")
    assert tms.level(0).origin == (-180.0, 90.0)
    for z, x, y in [(0, 1, 0), (3, 9, 5), (4, 31, 15)]:
        assert tuple(tms.tile_bounds(z, x, y)) == pytest.approx(tuple(ref.xy_bounds(x, y, z)))


def test_crs_spellings():
    assert crs_from_string("urn:ogc:def:crs:EPSG::4490").to_epsg() == 4490
    assert crs_from_string("urn:ogc:def:crs:EPSG:6.18:3:3857").to_epsg() == 3857
    assert crs_from_string("http://www.opengis.net/def/crs/EPSG/0/4547").to_epsg() == 4547
    assert crs_from_string("EPSG:102100").to_epsg() == 3857
    assert crs_from_string(4326).to_epsg() == 4326
    assert crs_from_string("urn:ogc:def:crs:OGC:1.3:CRS84").is_geographic


# -- level choice -----------------------------------------------------------------------------
def test_resolution_to_level():
    r = [WMQ.level(z).resolution for z in range(23)]
    assert WMQ.level_for_resolution(r[10]).zoom == 10  # exact
    assert WMQ.level_for_resolution(r[10] * 1.05).zoom == 10  # a little coarser than 10
    assert WMQ.level_for_resolution(r[10] * 0.95).zoom == 10  # a little finer than 10
    assert WMQ.level_for_resolution(r[10] * 1.45).zoom == 9  # nearer 9 on a log scale
    assert WMQ.level_for_resolution(r[10] * 0.7).zoom == 11
    midpoint = math.sqrt(r[9] * r[10])  # exactly between: the finer one
    assert WMQ.level_for_resolution(midpoint).zoom == 10
    assert WMQ.level_for_resolution(1e9).zoom == 0  # beyond the ends
    assert WMQ.level_for_resolution(1e-6).zoom == 22
    with pytest.raises(ValueError):
        WMQ.level_for_resolution(0)


def test_resolution_to_level_for_tianditu_c():
    # about 1.2 m a pixel at the equator: 1.08e-5 degrees, between levels 16 and 17
    assert TDT_C.level_for_resolution(1.0728836059570312e-05).zoom == 17  # exact level 17
    assert TDT_C.level_for_resolution(2.2e-05).zoom == 16
    assert TDT_C.level_for_resolution(1.0).zoom == 1  # coarser than level 1


def test_resolution_to_level_for_irregular_scales():
    levels = TileMatrixSet.from_morecantile("WebMercatorQuad", max_zoom=3).levels
    from dataclasses import replace
    odd = TileMatrixSet("odd", WMQ.crs, tuple(
        replace(m, resolution=res) for m, res in zip(levels, [100.0, 40.0, 10.0, 1.0])))
    assert odd.level_for_resolution(20.0).zoom == 2  # log-distance 0.69 vs 0.69 -> finer
    assert odd.level_for_resolution(25.0).zoom == 1
    assert odd.level_for_resolution(3.0).zoom == 3


# -- covering tiles ---------------------------------------------------------------------------
def test_tiles_for_view_covers_a_web_mercator_view():
    # Beijing, 1024 x 768 px at about level 12
    res = WMQ.level(12).resolution
    cx, cy = 12956000.0, 4853000.0
    bbox = (cx - 512 * res, cy - 384 * res, cx + 512 * res, cy + 384 * res)
    zoom, tiles = tiles_for_view(WMQ, bbox, res)
    assert zoom == 12
    lon0, lat0 = mercantile.lnglat(bbox[0], bbox[1])
    lon1, lat1 = mercantile.lnglat(bbox[2] - 1e-6, bbox[3] - 1e-6)
    expected = {(t.x, t.y) for t in mercantile.tiles(lon0, lat0, lon1, lat1, 12)}
    assert {(x, y) for x, y, _b in tiles} == expected
    assert 15 <= len(tiles) <= 30  # 4-6 columns x 3-5 rows
    for x, y, b in tiles:
        assert b == WMQ.tile_bounds(12, x, y)
        assert Bounds(*bbox).intersects(b)
    # centre-out order: the first tile holds the view centre
    x0, y0, b0 = tiles[0]
    assert b0.left <= cx < b0.right and b0.bottom <= cy < b0.top


def test_tiles_for_view_clips_to_the_matrix_and_limits():
    res = TDT_C.level(2).resolution
    zoom, tiles = tiles_for_view(TDT_C, (-400, -200, 400, 200), res)
    assert zoom == 2 and sorted((x, y) for x, y, _ in tiles) == [
        (x, y) for x in range(4) for y in range(2)]
    assert tiles_for_view(TDT_C, (200, 0, 300, 10), res).tiles == []  # off the globe
    # a tile edge exactly on the view edge does not pull in the neighbour
    zoom, tiles = tiles_for_view(TDT_C, (0, 0, 90, 90), res)
    assert [(x, y) for x, y, _ in tiles] == [(2, 0)]
    limited = TDT_C.restricted(limits={2: TileLimits(1, 2, 0, 0)})
    assert limited.zooms == [2]
    zoom, tiles = tiles_for_view(limited, (-180, -90, 180, 90), res)
    assert sorted((x, y) for x, y, _ in tiles) == [(1, 0), (2, 0)]
    assert len(tiles_for_view(WMQ, WMQ.extent, WMQ.level(6).resolution, max_tiles=10).tiles) == 10


def test_tiles_for_extent_reprojects_the_view():
    # a Gauss-Kruger (EPSG:4527, zone 39, CM 117E) view of Tianjin over 天地图 c tiles
    bbox_gk = (39500000.0 - 5000, 4330000.0 - 4000, 39500000.0 + 5000, 4330000.0 + 4000)
    zoom, tiles = tiles_for_extent(TDT_C, bbox_gk, "EPSG:4527", (1000, 800))
    assert zoom in (13, 14)  # about 10 m a pixel
    lon = [b.left for _x, _y, b in tiles] + [b.right for _x, _y, b in tiles]
    lat = [b.bottom for _x, _y, b in tiles] + [b.top for _x, _y, b in tiles]
    assert min(lon) <= 116.95 and max(lon) >= 117.05 and min(lat) <= 39.08 and max(lat) >= 39.14
