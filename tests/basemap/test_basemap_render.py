"""Tiles rendered for real by QGIS renderer processes, checked by their pixels."""
from __future__ import annotations

import json
import os
import signal
import time
import xml.etree.ElementTree as ET

import pyproj
import pytest

from app.domain.resources import resources_dir
from server_stub.basemap.cache import EMPTY_PNG
from server_stub.basemap.package import load_city
from server_stub.basemap.pool import RenderError, RendererPool
from server_stub.basemap.qgis_env import worker_env
from server_stub.basemap.engine import WORKER_SCRIPT

from .conftest import close, hex_rgb, pixel

TO_3857 = pyproj.Transformer.from_crs(32635, 3857, always_xy=True)


def fill_color(style: str, layer: str) -> tuple[int, int, int]:
    """The first simple fill colour of a layer's QGIS style (what the renderer must paint)."""
    root = ET.parse(resources_dir() / "qgis" / style / f"{layer}.qml").getroot()
    for el in root.find("renderer-v2").iter("layer"):
        if el.get("class") == "SimpleFill":
            for opt in el.iter("Option"):
                if opt.get("name") == "color":
                    return tuple(int(v) for v in opt.get("value").split(",")[:3])
    raise AssertionError(f"no fill in {style}/{layer}.qml")


def paper(style: str) -> tuple[int, int, int]:
    return hex_rgb(json.loads((resources_dir() / "qgis" / style / "style.json").read_text())["background"])


def locate(city, tms_id: str, z: int, x: float, y: float):
    """(col, row, i, j) of a city-CRS point in a tile matrix set."""
    if tms_id == "WebMercatorQuad":
        x, y = TO_3857.transform(x, y)
    return city.sets[tms_id].pixel_of(z, x, y)


def levels(city):
    # 1:4000 in the city grid (N - 3) and z16 (about 1:4300 at 60N): no building notes or shop names
    return [("city", city.sets["city"].max_zoom - 3, "/tiles/{s}/city/{z}/{x}/{y}.png"),
            ("WebMercatorQuad", 16, "/tiles/{s}/{z}/{x}/{y}.png")]


def test_a_building_and_an_empty_spot_are_where_they_should_be_in_both_grids(server, city_dir, spots):
    city = load_city(city_dir)
    for style in ("day", "dark"):
        building, background = fill_color(style, "buildings"), paper(style)
        for tms_id, z, url in levels(city):
            col, row, i, j = locate(city, tms_id, z, *spots.building)
            r = server.get(url.format(s=style, z=z, x=col, y=row))
            assert r.status_code == 200 and r.headers["content-type"] == "image/png"
            got = pixel(r.content, i, j)
            assert close(got, building), f"{style} {tms_id} building {spots.building_osm_id}: {got} != {building}"
            col, row, i, j = locate(city, tms_id, z, *spots.empty)
            got = pixel(server.get(url.format(s=style, z=z, x=col, y=row)).content, i, j)
            assert close(got, background), f"{style} {tms_id} empty spot: {got} != {background}"


def test_day_and_dark_differ(server, city_dir, spots):
    city = load_city(city_dir)
    col, row, i, j = locate(city, "city", city.sets["city"].max_zoom - 3, *spots.building)
    z = city.sets["city"].max_zoom - 3
    day = server.get(f"/tiles/day/city/{z}/{col}/{row}.png")
    dark = server.get(f"/tiles/dark/city/{z}/{col}/{row}.png")
    assert day.content != dark.content and day.headers["etag"] != dark.headers["etag"]
    assert sum(pixel(dark.content, i, j)[:3]) < sum(pixel(day.content, i, j)[:3]) - 300  # dark is dark


def test_outside_the_city_is_an_empty_tile_without_qgis(server):
    before = server.get("/tiles/status").json()["renderers"]
    for url in ("/tiles/day/16/0/0.png", "/tiles/dark/10/5/600.png", "/wmts?SERVICE=WMTS&REQUEST=GetTile&"
                "LAYER=basemap&STYLE=day&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=3&TILEROW=0&TILECOL=0&"
                "FORMAT=image/png"):
        r = server.get(url)
        assert r.status_code == 200 and r.content == EMPTY_PNG
        assert pixel(r.content, 128, 128)[3] == 0  # transparent
    assert server.get("/tiles/status").json()["renderers"] == before  # no renderer was involved


def test_etag_and_304(server, city_dir, spots):
    city = load_city(city_dir)
    col, row, _, _ = locate(city, "WebMercatorQuad", 17, *spots.building)
    url = f"/tiles/day/17/{col}/{row}.png"
    first = server.get(url)
    etag = first.headers["etag"]
    assert etag.startswith('"') and "max-age=" in first.headers["cache-control"]
    again = server.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = server.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.content == first.content


def test_a_killed_renderer_is_restarted_and_the_request_succeeds(server, city_dir, spots):
    city = load_city(city_dir)
    z = city.sets["city"].max_zoom  # 1:500: tiles nobody asked for yet
    col, row, _, _ = locate(city, "city", z, *spots.building)
    assert server.get(f"/tiles/day/city/{z}/{col}/{row}.png").status_code == 200
    before = server.get("/tiles/status").json()["renderers"]
    assert before["pids"]
    for pid in before["pids"]:
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    r = server.get(f"/tiles/day/city/{z}/{col + 4}/{row}.png")  # another metatile: must render
    assert r.status_code == 200 and r.content != EMPTY_PNG
    after = server.get("/tiles/status").json()["renderers"]
    assert after["restarts"] >= before["restarts"] + 1
    assert after["pids"] and not set(after["pids"]) & set(before["pids"])


def test_a_renderer_over_its_time_limit_is_killed_and_retried_once(city_dir, qgis):
    city = load_city(city_dir)
    argv = [qgis.python, str(WORKER_SCRIPT), "--gpkg", str(city.gpkg), "--styles",
            str(resources_dir() / "qgis"), "--extent", ",".join(map(str, city.extent)), "--crs", city.crs]
    pool = RendererPool(argv, worker_env(), size=1, timeout=0.001)
    try:
        req = {"op": "render", "style": "day", "crs": city.crs, "bbox": list(city.extent), "cols": 4, "rows": 4,
               "tile": 256, "buffer": 64}
        with pytest.raises(RenderError, match="failed twice.*timed out"):
            pool.render(req)
        assert pool.restarts == 2 and pool.started == 2 and pool.pids() == []
        pool.timeout = 60
        assert len(pool.render(dict(req, cols=1, rows=1))) == 1  # a fresh worker does the work
    finally:
        pool.close()


def test_concurrent_requests_for_one_metatile_render_it_once(server, city_dir):
    from concurrent.futures import ThreadPoolExecutor

    from server_stub.basemap import service
    eng = service.engine(server.app.state.ctx)
    z = eng.city.sets["city"].max_zoom - 1
    c0, r0, c1, r1 = eng.city.tile_range("city", z)
    x0, y0, cols, rows = eng.block_of("city", z, c0 + 4, r0 + 4)
    assert cols * rows > 1
    tiles = [(x, y) for y in range(y0, y0 + rows) for x in range(x0, x0 + cols)] * 3
    before = eng.stats()["renderers"]["renders"] if eng.pool_started else 0
    with ThreadPoolExecutor(12) as ex:
        got = list(ex.map(lambda t: eng.tile("dark", "city", z, *t), tiles))
    assert all(t.data.startswith(b"\x89PNG") and not t.empty for t in got)
    by_tile: dict = {}
    for key, t in zip(tiles, got):
        by_tile.setdefault(key, set()).add(t.etag)
    assert all(len(etags) == 1 for etags in by_tile.values())  # every caller got the same image
    assert eng.stats()["renderers"]["renders"] == before + 1
