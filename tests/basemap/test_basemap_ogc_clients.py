"""Real OGC clients nobody here wrote, in their own processes, against the live server: GDAL's WMTS
driver (gdal-bin) on the bare service URL, and QGIS 3.22 (Debian's python3-qgis) loading the WMTS
by KVP and by REST in both tile matrix sets and drawing it."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from server_stub.basemap.qgis_env import worker_env

pytestmark = pytest.mark.slow
HERE = Path(__file__).parent


def _gdal(tmp: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    exe = shutil.which(args[0])
    if exe is None:
        pytest.skip(f"{args[0]} is missing (apt-get install gdal-bin)")
    # GDAL's WMS/WMTS tile cache goes to ./gdalwmscache by default: keep it in the test's folder
    env = dict(os.environ, GDAL_HTTP_TIMEOUT="120", GDAL_DEFAULT_WMS_CACHE_PATH=str(tmp / "gdalwmscache"))
    return subprocess.run([exe, *args[1:]], capture_output=True, text=True, timeout=timeout, env=env, cwd=tmp)


def test_gdal_opens_the_bare_service_url_and_reads_tiles(live_city, tmp_path):
    info = _gdal(tmp_path, "gdalinfo", "-json", f"WMTS:{live_city.url}/wmts")
    assert info.returncode == 0, info.stderr
    doc = json.loads(info.stdout)
    assert doc["driverShortName"] == "WMTS"
    subsets = {v for k, v in doc["metadata"]["SUBDATASETS"].items() if k.endswith("_NAME")}
    assert subsets == {f"WMTS:{live_city.url}/wmts,layer=basemap,tilematrixset={t},style={s}"
                       for t in ("WebMercatorQuad", "city") for s in ("day", "dark")}


def _drawn(png: Path) -> tuple[float, int]:
    """(share of opaque pixels, number of distinct colours) of an image file."""
    from PySide6.QtGui import QImage
    img = QImage(str(png))
    assert not img.isNull(), f"{png} is not an image"
    opaque, colours = 0, set()
    for y in range(0, img.height(), 2):
        for x in range(0, img.width(), 2):
            c = img.pixelColor(x, y)
            if c.alpha():
                opaque += 1
                colours.add(c.rgb())
    return opaque / ((img.width() // 2) * (img.height() // 2)), len(colours)


def _centre_box(city_dir: Path, crs: str, half_m: float = 200.0) -> list[str]:
    """-projwin (ulx uly lrx lry) of a box around the city's centre, in ``crs``."""
    import pyproj

    from server_stub.basemap.package import load_city
    city = load_city(city_dir)
    x0, y0, x1, y1 = city.extent
    cx, cy = pyproj.Transformer.from_crs(city.crs, crs, always_xy=True).transform((x0 + x1) / 2, (y0 + y1) / 2)
    return [str(v) for v in (cx - half_m, cy + half_m, cx + half_m, cy - half_m)]


@pytest.mark.parametrize("tms,crs", [("WebMercatorQuad", "EPSG:3857"), ("city", "EPSG:32635")])
def test_gdal_reads_tiles_of_both_matrix_sets(live_city, city_dir, tmp_path, tms, crs):
    out = tmp_path / f"{tms}.png"
    before = len(live_city.recorder.requests)
    r = _gdal(tmp_path, "gdal_translate", "-q", "-of", "PNG", "-outsize", "256", "256",
              "-projwin", *_centre_box(city_dir, crs),
              f"WMTS:{live_city.url}/wmts,layer=basemap,tilematrixset={tms},style=day", str(out))
    assert r.returncode == 0, r.stderr
    opaque, colours = _drawn(out)
    assert opaque > 0.9 and colours > 5, (opaque, colours)  # the city drawn, not an empty or one-colour image
    asked = live_city.recorder.requests[before:]
    assert asked[0] == "/wmts"  # the bare URL first, as the user typed it
    assert any(f"/{tms}/" in p for p in asked if p.startswith("/wmts/1.0.0/basemap/day/")), asked


def _qgis_client(qgis, tmp_path: Path, layers: list[dict]) -> dict:
    job = {"profile": str(tmp_path / "qgis-profile"), "layers": layers}
    r = subprocess.run([qgis.python, str(HERE / "qgis_wmts_client.py")], input=json.dumps(job), capture_output=True,
                       text=True, timeout=300, env=worker_env(qgis.python))
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


# Each encoding's capabilities URL, and the prefix its tiles are then fetched by.
ENCODINGS = {"KVP": ("/wmts", "/wmts?SERVICE=WMTS&REQUEST=GetTile"),
             "REST": ("/wmts/1.0.0/WMTSCapabilities.xml", "/wmts/1.0.0/basemap/day/")}


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_qgis_loads_and_draws_the_wmts_in_both_matrix_sets(live_city, city_dir, qgis, tmp_path, encoding):
    """QGIS 3.22 as a user adds the layer (Layer > Add WMS/WMTS): valid, in the set's CRS, and drawn."""
    from server_stub.basemap.package import load_city
    caps_path, tile_prefix = ENCODINGS[encoding]
    w, s, e, n = load_city(city_dir).lonlat_bbox
    cx, cy, dx, dy = (w + e) / 2, (s + n) / 2, (e - w) / 8, (n - s) / 8
    sets = {"WebMercatorQuad": "EPSG:3857", "city": "EPSG:32635"}
    layers = [{"name": tms, "size": 384, "lonlat": [cx - dx, cy - dy, cx + dx, cy + dy],
               "params": {"url": live_city.url + caps_path, "layers": "basemap", "styles": "day",
                          "tileMatrixSet": tms, "crs": crs, "format": "image/png", "dpiMode": "7"}}
              for tms, crs in sets.items()]
    before = len(live_city.recorder.requests)
    got = _qgis_client(qgis, tmp_path, layers)
    asked = live_city.recorder.requests[before:]
    for tms, res in got.items():
        assert res["valid"], f"{encoding} {tms}: {res['error']} {asked}"
        assert res["crs"] == sets[tms]
        assert res["opaque"] > 0.9 and res["colours"] > 5 and not res["errors"], (encoding, tms, res)
        tiles = [p for p in asked if p.startswith(tile_prefix) and (f"TILEMATRIXSET={tms}&" in p or f"/{tms}/" in p)]
        assert tiles, f"QGIS fetched no {encoding} tiles of {tms}: {asked}"
    other = next(prefix for enc, (_, prefix) in ENCODINGS.items() if enc != encoding)
    assert not [p for p in asked if p.startswith(other)], "tiles fetched by the other encoding"
