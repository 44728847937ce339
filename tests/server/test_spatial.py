"""Spatial queries on the databases' own indexes (SQLite R*Tree, PostGIS GiST), each bounded in
time and size: the hostile requests of issue #14 answer at once, results keep their meaning."""
from __future__ import annotations

import random
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from server_stub.db.bounds import QueryTimeout, time_bound
from server_stub.db.models import Camera, Case, Component, UnitGrid
from server_stub.services import loader
from server_stub.services import case_queries
from server_stub.services.spatial import bbox_filter, distance_m

from .test_reference_seed import seed_city

LON0, LAT0 = 115.85, 28.68
HOSTILE = [  # (path, params, status): each answered in < 1 s
    ("/api/cases", {"bbox": "0,0,5.1,1"}, 200),
    ("/api/cases", {"bbox": "-180,-90,180,90", "limit": 1000}, 200),
    ("/api/cases/duplicates", {"lon": 0, "lat": 90, "kind": "event", "class_code": "0102"}, 200),
    ("/api/cases/duplicates", {"lon": -180, "lat": -90, "kind": "event", "class_code": "0102"}, 200),
    ("/api/ref/cameras/nearest", {"lon": -180, "lat": -90}, 200),
    ("/api/ref/cameras/nearest", {"lon": 180, "lat": 90, "n": 100, "max_m": 20_000}, 200),
    ("/api/ref/components/nearest", {"lon": 0, "lat": 90, "n": 100, "max_m": 20_000}, 200),
    ("/api/ref/components/nearest", {"lon": LON0, "lat": LAT0, "n": 100, "max_m": 20_000}, 200),
    ("/api/ref/inspectors/nearest", {"lon": -180, "lat": -90, "n": 100}, 200),
    ("/api/ref/cameras", {"bbox": "-1,-1,1,1"}, 200),
    ("/api/ref/grids", {"bbox": "-180,-90,180,90"}, 422),  # larger than 2°: zoom in
    ("/api/ref/components", {"bbox": "-180,-90,180,90"}, 422),
    ("/api/ref/grids/at", {"lon": 180, "lat": -90}, 404),
]
BAD_BOXES = ["nan,0,1,1", "0,0,inf,1", "-inf,-90,inf,90", "1e309,0,1,1", "1,0,0,1", "0,1,1,0",
             "0,0,181,1", "0,-91,1,0", "0,0,1", "a,b,c,d", ",,,"]


@pytest.fixture
def spread(world):
    """The small city plus 400 components and 40 cameras scattered over ~2 km, a camera and a
    component by the poles, and 25 cases (5 of them in the box 0,0,5.1,1)."""
    seed_city(world.ctx)
    # cases scattered around the 4-grid city and at 0.5,0.5: the city-area rule is test_case_safety's
    world.ctx.settings.city_area_tolerance_m = 1e9
    rnd = random.Random(5)
    pts = [(LON0 + rnd.uniform(-0.01, 0.01), LAT0 + rnd.uniform(-0.01, 0.01)) for _ in range(400)]
    with world.ctx.db.transaction() as s:
        rows = [{"id": f"3601020102{k + 100:06d}", "lon": x, "lat": y} for k, (x, y) in enumerate(pts)]
        rows += [{"id": "3601020102999998", "lon": 0.0001, "lat": 89.9999},
                 {"id": "3601020102999999", "lon": 179.9999, "lat": 89.9998}]
        loader.load_components(s, rows, classification=world.ctx.classification, strict=True)
        cams = [{"id": f"360102000013200{k + 100:05d}", "lon": x, "lat": y} for k, (x, y) in enumerate(pts[:40])]
        cams.append({"id": "36010200001320099999", "lon": -179.9999, "lat": -89.9999})
        loader.load_cameras(s, cams, strict=True)
    for k in range(20):
        x, y = pts[k * 13]
        r = world.client.post("/api/cases", headers=world.h("inspector"),
                              json={"kind": "event", "class_code": "0102", "lon": x, "lat": y, "description": f"案{k}"})
        assert r.status_code == 201, r.text
    for k in range(5):
        r = world.client.post("/api/cases", headers=world.h("acceptor"),
                              json={"kind": "event", "class_code": "0102", "lon": 0.5 + k, "lat": 0.5,
                                    "description": f"远{k}", "source": "hotline"})
        assert r.status_code == 201, r.text
    return world


def _get(w, path, params, role="leader"):
    """The answer and its time, the better of two tries (the test machine is shared: one try can
    lose the CPU for a while)."""
    best = None
    for _ in range(2):
        t0 = time.perf_counter()
        r = w.client.get(path, params=params, headers=w.h(role))
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
        if dt < 0.5:
            break
    return r, best


def test_spatial_queries(spread):
    """One city per dialect for all the checks below (building it is the slow part)."""
    _hostile_queries_answer_at_once(spread)
    _bad_boxes_are_422_naming_the_field(spread)
    _results_keep_their_meaning(spread)
    _queries_use_the_spatial_index(spread)
    _rows_follow_moves_and_deletes(spread)


def _hostile_queries_answer_at_once(spread):
    for path, params, status in HOSTILE:
        r, dt = _get(spread, path, params)
        assert r.status_code == status, (path, params, r.text)
        assert dt < 1.0, (path, params, dt)
    far = _get(spread, "/api/cases", {"bbox": "0,0,5.1,1"})[0].json()
    assert far["total"] == 5 and sorted(c["description"] for c in far["items"]) == [f"远{k}" for k in range(5)]
    assert _get(spread, "/api/cases", {"bbox": "-180,-90,180,90"})[0].json()["total"] == 25
    cams = _get(spread, "/api/ref/cameras/nearest", {"lon": -180, "lat": -90})[0].json()
    assert [c["id"] for c in cams] == ["36010200001320099999"]
    polar = _get(spread, "/api/ref/components/nearest", {"lon": 0, "lat": 90, "n": 100, "max_m": 20_000})[0].json()
    assert {c["id"] for c in polar} == {"3601020102999998", "3601020102999999"}


def _bad_boxes_are_422_naming_the_field(spread):
    for box in BAD_BOXES:
        r, dt = _get(spread, "/api/cases", {"bbox": box})
        assert r.status_code == 422, (box, r.text)
        assert r.json()["detail"][0]["loc"] == ["query", "bbox"], r.text
        for path in ("/api/ref/components", "/api/ref/grids", "/api/ref/cameras"):
            r, dt = _get(spread, path, {"bbox": box})
            assert r.status_code == 422 and "bbox" in r.json()["detail"], (path, box, r.text)
            assert dt < 1.0


def _results_keep_their_meaning(spread):
    w = spread
    every = w.client.get("/api/cases", params={"limit": 1000}, headers=w.h("leader")).json()["items"]
    rnd = random.Random(9)
    for _ in range(8):  # cases in a box: exactly those whose point lies in it (edges included)
        x0, y0 = LON0 + rnd.uniform(-0.012, 0.005), LAT0 + rnd.uniform(-0.012, 0.005)
        box = (x0, y0, x0 + rnd.uniform(0.001, 0.012), y0 + rnd.uniform(0.001, 0.012))
        got = w.client.get("/api/cases", params={"bbox": ",".join(map(repr, box)), "limit": 1000},
                           headers=w.h("leader")).json()
        want = {c["id"] for c in every if box[0] <= c["lon"] <= box[2] and box[1] <= c["lat"] <= box[3]}
        assert {c["id"] for c in got["items"]} == want and got["total"] == len(want)
    edge = every[0]  # a box that is exactly the point
    pt = f"{edge['lon']!r},{edge['lat']!r}," * 2
    got = w.client.get("/api/cases", params={"bbox": pt[:-1]}, headers=w.h("leader")).json()
    assert edge["id"] in {c["id"] for c in got["items"]}

    with w.ctx.db.session() as s:
        comps = s.execute(select(Component.id, Component.lon, Component.lat)).all()
        cams = s.execute(select(Camera.id, Camera.lon, Camera.lat)).all()
    for _ in range(5):  # nearest: the n nearest within max_m, nearest first
        x, y = LON0 + rnd.uniform(-0.012, 0.012), LAT0 + rnd.uniform(-0.012, 0.012)
        for path, rows, n, max_m in (("/api/ref/components/nearest", comps, 25, 800.0),
                                     ("/api/ref/cameras/nearest", cams, 5, 2000.0)):
            got = w.client.get(path, params={"lon": x, "lat": y, "n": n, "max_m": max_m},
                               headers=w.h("leader")).json()
            ranked = sorted((distance_m(x, y, r.lon, r.lat), r.id) for r in rows)
            want = [i for d, i in ranked if d <= max_m][:n]
            assert [g["id"] for g in got] == want
            assert [g["distance_m"] for g in got] == sorted(g["distance_m"] for g in got)

    c = every[3]  # duplicates: open cases of the class within 50 m, nearest first
    got = w.client.get("/api/cases/duplicates", headers=w.h("acceptor"),
                       params={"lon": c["lon"], "lat": c["lat"], "kind": "event", "class_code": "0102"}).json()
    want = sorted((distance_m(c["lon"], c["lat"], o["lon"], o["lat"]), o["id"]) for o in every
                  if distance_m(c["lon"], c["lat"], o["lon"], o["lat"]) <= 50)
    assert [g["id"] for g in got] == [i for _, i in want] and c["id"] in [g["id"] for g in got]


def _rows_follow_moves_and_deletes(spread):
    """The R*Tree triggers / generated geom columns keep the index in step with the rows."""
    w = spread
    moved = "3601020102000100"
    with w.ctx.db.transaction() as s:
        s.get(Component, moved).lon, s.get(Component, moved).lat = 10.5, 10.5
        s.delete(s.get(Camera, "36010200001320099999"))
    got = w.client.get("/api/ref/components", params={"bbox": "10.4,10.4,10.6,10.6"}, headers=w.h("leader")).json()
    assert got["columns"]["id"] == [moved]
    # The viewport answer comes from the index's own columns: a state change, a row added
    # without an index key (not through the loader) and a deleted row all show there.
    with w.ctx.db.transaction() as s:
        s.get(Component, moved).state = "damaged"
        s.add(Component(id="3601020102000999", class_code="0102", lon=10.51, lat=10.51, state="intact"))
    got = w.client.get("/api/ref/components", params={"bbox": "10.4,10.4,10.6,10.6"}, headers=w.h("leader")).json()
    assert sorted(zip(got["columns"]["id"], got["columns"]["state"])) == [
        (moved, "damaged"), ("3601020102000999", "intact")]
    with w.ctx.db.transaction() as s:
        s.delete(s.get(Component, "3601020102000999"))
    got = w.client.get("/api/ref/components", params={"bbox": "10.4,10.4,10.6,10.6"}, headers=w.h("leader")).json()
    assert got["columns"]["id"] == [moved]
    assert w.client.get("/api/ref/cameras/nearest", params={"lon": -180, "lat": -90},
                        headers=w.h("leader")).json() == []


def _plan(s, stmt) -> str:
    sql = str(stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True}))
    if s.get_bind().dialect.name == "sqlite":
        return " | ".join(str(r[-1]) for r in s.execute(text("EXPLAIN QUERY PLAN " + sql)))
    s.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table would be read whole anyway
    return " | ".join(r[0] for r in s.execute(text("EXPLAIN " + sql)))


def _queries_use_the_spatial_index(spread):
    w = spread
    with w.ctx.db.session() as s:
        dialect = s.get_bind().dialect.name
        for model in (Case, Component, Camera, UnitGrid):
            plan = _plan(s, select(model).where(bbox_filter(model, 115.84, 28.67, 115.86, 28.69, dialect=dialect)))
            if dialect == "sqlite":
                assert f"{model.__tablename__}_rtree VIRTUAL TABLE INDEX" in plan, plan
            else:
                assert f"ix_{model.__tablename__}_geom" in plan, plan
        if dialect == "postgresql":  # layers for QGIS: registered with their SRID
            cols = set(s.execute(text("SELECT f_table_name, f_geometry_column, srid, type FROM geometry_columns")).all())
            assert {("components", "geom", 4326, "POINT"), ("cases", "geom", 4326, "POINT"),
                    ("cameras", "geom", 4326, "POINT"), ("unit_grids", "geom", 4326, "MULTIPOLYGON")} <= cols


HEAVY = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000000) SELECT count(*) FROM c"


def test_a_query_past_its_time_bound_is_stopped(world, monkeypatch):
    db = world.ctx.db
    t0 = time.perf_counter()
    with pytest.raises(QueryTimeout, match="took longer than 0.05 s"):
        with db.session() as s, time_bound(s, 50):
            s.execute(text(HEAVY if db.is_sqlite else "SELECT pg_sleep(5)"))
    assert time.perf_counter() - t0 < 1.0
    with db.bounded() as s:  # the pooled connection is clean again
        assert s.execute(text("SELECT 1")).scalar() == 1

    def slow(s, *_a, **_k):
        s.execute(text(HEAVY if db.is_sqlite else "SELECT pg_sleep(5)"))
    monkeypatch.setattr("server_stub.db.bounds.QUERY_TIMEOUT_MS", 50)
    monkeypatch.setattr(case_queries, "query_cases", slow)
    t0 = time.perf_counter()
    r = world.client.get("/api/cases", headers=world.h("leader"))
    assert r.status_code == 503 and "took longer than 0.05 s" in r.json()["detail"], r.text
    assert r.headers["retry-after"] and time.perf_counter() - t0 < 1.0


def _pg_dsn(url: str) -> str:
    u = make_url(url)
    return f"host={u.host} port={u.port or 5432} dbname={u.database} user={u.username} password={u.password}"


def test_postgis_components_layer_reads_in_gdal_and_qgis(db_url, request):
    if db_url.startswith("sqlite"):
        pytest.skip("PostGIS layers are a PostgreSQL feature")
    if not shutil.which("ogrinfo"):
        pytest.skip("GDAL's ogrinfo is not installed (Debian gdal-bin)")
    w = request.getfixturevalue("world")
    seed_city(w.ctx)
    out = subprocess.run(["ogrinfo", "-ro", "-so", f"PG:{_pg_dsn(w.ctx.db.url)}", "components"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "Geometry: Point" in out.stdout and "Feature Count: 4" in out.stdout, out.stdout
    assert 'ID["EPSG",4326]' in out.stdout, out.stdout
    qgis_py = Path("/usr/bin/python3")
    probe = ("import sys\nfrom qgis.core import QgsApplication, QgsVectorLayer\n"
             "app = QgsApplication([], False); app.initQgis()\n"
             "lyr = QgsVectorLayer(sys.argv[1] + \" table=\\\"public\\\".\\\"components\\\" (geom)\", 'c', 'postgres')\n"
             "print(lyr.isValid(), lyr.featureCount(), lyr.crs().authid())\n")
    if not qgis_py.exists() or subprocess.run([str(qgis_py), "-c", "import qgis.core"],
                                              capture_output=True).returncode != 0:
        pytest.skip("QGIS (python3-qgis) not installed: GDAL read the layer")
    out = subprocess.run([str(qgis_py), "-c", probe, _pg_dsn(w.ctx.db.url)], capture_output=True, text=True,
                         timeout=120, env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert out.stdout.split()[-3:] == ["True", "4", "EPSG:4326"], (out.stdout, out.stderr[-2000:])
