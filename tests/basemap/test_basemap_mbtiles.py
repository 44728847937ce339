"""Pre-rendering into MBTiles (Web Mercator) and into the city-grid pyramid file, via the CLI."""
from __future__ import annotations

import json
import sqlite3

import mercantile

from server_stub.basemap.__main__ import main
from server_stub.basemap.package import load_city


def test_prerender_web_mercator_mbtiles(city_dir, qgis, tmp_path, capsys):
    out = tmp_path / "day.mbtiles"
    assert main(["prerender", "--city", str(city_dir), "--style", "day", "--zooms", "15-16", "--out", str(out)]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    con = sqlite3.connect(out)
    meta = dict(con.execute("SELECT name, value FROM metadata"))
    assert meta["format"] == "png" and meta["minzoom"] == "15" and meta["maxzoom"] == "16"
    assert "OpenStreetMap" in meta["attribution"]
    w, s, e, n = (float(v) for v in meta["bounds"].split(","))
    expected = {(t.z, t.x, 2 ** t.z - 1 - t.y) for t in mercantile.tiles(w, s, e, n, [15, 16])}  # TMS rows
    stored = set(con.execute("SELECT zoom_level, tile_column, tile_row FROM tiles"))
    assert stored == expected and result["tiles"] == len(expected)
    data = con.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()[0]
    assert data.startswith(b"\x89PNG")
    # the desktop client's MBTiles reader opens it
    from app.map.tiles.mbtiles import MBTilesSource
    src = MBTilesSource(out)
    t = next(iter(mercantile.tiles(w, s, e, n, [16])))
    assert src.read_tile(16, t.x, t.y) == con.execute(
        "SELECT tile_data FROM tiles WHERE zoom_level=16 AND tile_column=? AND tile_row=?",
        (t.x, 2 ** 16 - 1 - t.y)).fetchone()[0]
    src.close()


def test_prerender_city_grid_pyramid(city_dir, qgis, tmp_path, capsys):
    out = tmp_path / "city_dark.mbtiles"
    assert main(["prerender", "--city", str(city_dir), "--style", "dark", "--tms", "city", "--zooms", "0-2",
                 "--out", str(out)]) == 0
    con = sqlite3.connect(out)
    meta = dict(con.execute("SELECT name, value FROM metadata"))
    tms = json.loads(meta["tile_matrix_set"])
    assert meta["crs"] == "EPSG:32635" and tms["id"] == "city" and tms["matrices"][-1]["scale_denominator"] == 500
    city = load_city(city_dir)
    for z in range(3):
        c0, r0, c1, r1 = city.tile_range("city", z)
        h = tms["matrices"][z]["matrix_height"]
        got = set(con.execute("SELECT tile_column, tile_row FROM tiles WHERE zoom_level=?", (z,)))
        assert got == {(c, h - 1 - r) for c in range(c0, c1 + 1) for r in range(r0, r1 + 1)}


def test_prerender_refuses_unknown_levels(city_dir, qgis, tmp_path, capsys):
    assert main(["prerender", "--city", str(city_dir), "--style", "day", "--tms", "city", "--zooms", "0-40",
                 "--out", str(tmp_path / "x.mbtiles")]) == 2
    assert "not in city" in capsys.readouterr().err
