"""The reference API (/api/ref) over a small hand-made city."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from server_stub.services.positions import Fix, write_fixes

from .test_reference_seed import CAMERAS, COMPONENTS, GRIDS, seed_city


@pytest.fixture
def city(world):
    ids = seed_city(world.ctx)
    world.ids = ids
    return world


def get(w, path, role="dispatcher", **params):
    return w.client.get(path, params=params, headers=w.h(role))


# ---------------------------------------------------------------- classification, departments
def test_classes_with_conditions_and_pinyin(city):
    r = get(city, "/api/ref/classes", kind="component")
    assert r.status_code == 200, r.text
    by_code = {c["code"]: c for c in r.json()}
    assert all(c["kind"] == "component" for c in r.json()) and len(by_code) == 85
    cover = by_code["0102"]
    assert cover["name"] == "污水井盖" and cover["pinyin_initials"] == "wsjg" and cover["pinyin"] == "wushuijinggai"
    cond = cover["conditions"][0]
    assert {"id", "text", "limit_value", "limit_type", "closing_condition"} <= set(cond)
    events = get(city, "/api/ref/classes", kind="event").json()
    assert events and all(c["kind"] == "event" for c in events)
    assert len(get(city, "/api/ref/classes").json()) == len(by_code) + len(events)
    assert get(city, "/api/ref/classes", kind="thing").status_code == 422


def test_reading_needs_login_but_any_role(city):
    assert city.client.get("/api/ref/departments").status_code == 401
    for role in ("inspector", "department", "leader"):
        assert get(city, "/api/ref/departments", role).status_code == 200


def test_departments(city):
    ds = get(city, "/api/ref/departments").json()
    assert {d["code"] for d in ds} >= {"D-WATER", "D-SANIT", "D-PARK", "SO-GY", "SO-BYQ"}
    offices = get(city, "/api/ref/departments", kind="street_office").json()
    assert {d["code"] for d in offices} == {"SO-GY", "SO-BYQ"}
    one = get(city, f"/api/ref/departments/{city.ids['departments']['SO-GY']}").json()
    assert one["region_code"] == "360102001" and one["kind"] == "street_office"
    assert get(city, "/api/ref/departments/99999").status_code == 404


def test_responsibility_matrix_by_priority(city):
    r = get(city, "/api/ref/responsibility", kind="component", class_code="0102").json()
    assert [x["department"]["code"] for x in r] == ["D-WATER", "D-SANIT"]
    assert [x["priority"] for x in r] == [1, 2]
    assert len(get(city, "/api/ref/responsibility", kind="component").json()) == 2
    assert get(city, "/api/ref/responsibility", kind="component", class_code="12").status_code == 422


def test_suggest_component_owner_first_then_matrix_then_locality(city):
    r = get(city, "/api/ref/suggest-department", kind="component", component_id="3601020102000001")
    assert r.status_code == 200, r.text
    got = [(x["basis"], x["department"]["code"]) for x in r.json()]
    assert got == [("owner", "D-PARK"), ("matrix", "D-WATER"), ("matrix", "D-SANIT"), ("locality", "SO-GY")]
    assert [x["rank"] for x in r.json()] == [1, 2, 3, 4] and all(x["reason"] for x in r.json())
    # without a component: the matrix, then the street office of the point's street
    r = get(city, "/api/ref/suggest-department", kind="component", class_code="0102", lon=115.8535, lat=28.6805)
    assert [x["department"]["code"] for x in r.json()] == ["D-WATER", "D-SANIT", "SO-BYQ"]


def test_suggest_event_locality_first(city):
    r = get(city, "/api/ref/suggest-department", kind="event", class_code="0102", lon=115.8505, lat=28.6805)
    got = [(x["basis"], x["department"]["code"]) for x in r.json()]
    assert got == [("locality", "SO-GY"), ("matrix", "D-SANIT")]
    # outside every grid: no locality, the matrix only
    r = get(city, "/api/ref/suggest-department", kind="event", class_code="0102", lon=116.0, lat=29.0)
    assert [x["department"]["code"] for x in r.json()] == ["D-SANIT"]
    assert get(city, "/api/ref/suggest-department", kind="event").status_code == 422
    assert get(city, "/api/ref/suggest-department", kind="component", component_id="12").status_code == 422


# ---------------------------------------------------------------- regions and grids
def test_region_tree_and_one_region(city):
    tree = get(city, "/api/ref/regions").json()
    assert [d["code"] for d in tree] == ["360102"]
    streets = tree[0]["children"]
    assert [s["code"] for s in streets] == ["360102001", "360102002"]
    assert [c["name"] for c in streets[0]["children"]] == ["百花洲社区", "墩子塘社区"]
    assert "geometry" not in streets[0]["children"][0]
    with_geo = get(city, "/api/ref/regions", geometry=1).json()
    assert with_geo[0]["children"][0]["children"][0]["geometry"]["type"] == "Polygon"
    one = get(city, "/api/ref/regions/360102001").json()
    assert one["level"] == "street" and [c["code"] for c in one["children"]] == ["360102001001", "360102001002"]
    assert "geometry" not in one
    assert get(city, "/api/ref/regions/360102001001", geometry="true").json()["geometry"]["type"] == "Polygon"
    assert get(city, "/api/ref/regions/36010").status_code == 422
    assert get(city, "/api/ref/regions/360109").status_code == 404


def test_grids_in_bbox_as_geojson(city):
    r = get(city, "/api/ref/grids", bbox="115.8505,28.6801,115.8515,28.6809")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    assert fc["type"] == "FeatureCollection"
    assert [f["id"] for f in fc["features"]] == ["360102001001001", "360102001001002"]
    f = fc["features"][0]
    assert f["geometry"]["type"] == "Polygon" and f["properties"]["community_code"] == "360102001001"
    assert f["properties"]["responsibility_grid_id"] is not None
    assert len(get(city, "/api/ref/grids").json()["features"]) == len(GRIDS)
    assert len(get(city, "/api/ref/grids", street_code="360102002").json()["features"]) == 1
    nogeo = get(city, "/api/ref/grids", bbox="115.85,28.68,115.86,28.69", geometry=0).json()
    assert all(f["geometry"] is None for f in nogeo["features"])
    assert get(city, "/api/ref/grids", bbox="115.86,28.68,115.85,28.69").status_code == 422
    assert get(city, "/api/ref/grids", bbox="a,b,c,d").status_code == 422
    assert get(city, "/api/ref/grids", bbox="1,2,3").status_code == 422


def test_grid_at_point(city):
    r = get(city, "/api/ref/grids/at", lon=115.8525, lat=28.6805)
    assert r.status_code == 200, r.text
    g = r.json()
    assert g["code"] == "360102001002001"
    assert g["community"] == {"code": "360102001002", "name": "墩子塘社区"}
    assert g["street"] == {"code": "360102001", "name": "公园街道"}
    assert g["district"] == {"code": "360102", "name": "东湖区"}
    assert "geometry" not in g
    rg = get(city, "/api/ref/grids/at", lon=115.8505, lat=28.6805).json()["responsibility_grid"]
    assert rg["code"] == "RG-01" and rg["inspector_id"] == city.ids["inspector_id"]
    assert get(city, "/api/ref/grids/at", lon=115.0, lat=28.0).status_code == 404
    assert get(city, "/api/ref/grids/at", lon=215.0, lat=28.0).status_code == 422


def test_grid_by_code_accepts_legacy_14_digits(city):
    full = get(city, "/api/ref/grids/360102001001002")
    assert full.status_code == 200 and full.json()["geometry"]["type"] == "Polygon"
    legacy = get(city, "/api/ref/grids/36010200100102")
    assert legacy.status_code == 200 and legacy.json()["code"] == "360102001001002"
    assert get(city, "/api/ref/grids/3601020010010").status_code == 422
    assert get(city, "/api/ref/grids/360102001001000").status_code == 422  # sequence 000
    assert get(city, "/api/ref/grids/360102001001099").status_code == 404


def test_responsibility_grids(city):
    rgs = get(city, "/api/ref/responsibility-grids").json()
    assert len(rgs) == 1
    rg = rgs[0]
    assert rg["unit_grids"] == ["360102001001001", "360102001001002"]
    assert rg["inspector_id"] == city.ids["inspector_id"] and rg["inspector_name"] == "监督员一"
    assert get(city, "/api/ref/responsibility-grids/RG-01").json()["code"] == "RG-01"
    assert get(city, "/api/ref/responsibility-grids/RG-99").status_code == 404


# ---------------------------------------------------------------- components
def test_components_in_bbox_as_columns(city):
    r = get(city, "/api/ref/components", bbox="115.8500,28.6800,115.8520,28.6810")
    assert r.status_code == 200, r.text
    d = r.json()
    cols = d["columns"]
    assert d["count"] == 2 and d["truncated"] is False
    assert set(cols["id"]) == {"3601020102000001", "3601020102000002"}
    k = cols["id"].index("3601020102000001")
    assert (cols["lon"][k], cols["lat"][k], cols["class_code"][k], cols["state"][k]) == \
        (115.8505, 28.6805, "0102", "intact")
    whole = get(city, "/api/ref/components", bbox="115.84,28.67,115.86,28.69").json()
    assert whole["count"] == len(COMPONENTS)
    only = get(city, "/api/ref/components", bbox="115.84,28.67,115.86,28.69", class_code="0101").json()
    assert only["columns"]["id"] == ["3601020101000003"]
    two = get(city, "/api/ref/components", bbox="115.84,28.67,115.86,28.69", class_code="0101,0102").json()
    assert two["count"] == 4
    cut = get(city, "/api/ref/components", bbox="115.84,28.67,115.86,28.69", limit=3).json()
    assert cut["count"] == 3 and cut["truncated"] is True
    empty = get(city, "/api/ref/components", bbox="116.0,29.0,116.01,29.01").json()
    assert empty["count"] == 0 and empty["columns"]["id"] == []


def test_components_geojson_and_bad_input(city):
    r = get(city, "/api/ref/components", bbox="115.84,28.67,115.86,28.69", format="geojson")
    assert r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    assert len(fc["features"]) == 4
    f = next(f for f in fc["features"] if f["id"] == "3601020101000003")
    assert f["geometry"] == {"type": "Point", "coordinates": [115.8530, 28.6808]}
    assert f["properties"]["class_code"] == "0101"
    assert get(city, "/api/ref/components").status_code == 422  # bbox required
    assert get(city, "/api/ref/components", bbox="115,28,116,29").status_code == 422  # too large
    assert get(city, "/api/ref/components", bbox="115.84,28.67,115.86,28.69", class_code="1").status_code == 422


def test_component_by_id(city):
    r = get(city, "/api/ref/components/3601020102000001")
    assert r.status_code == 200
    c = r.json()
    assert c["owner"]["code"] == "D-PARK" and c["grid_code"] == "360102001001001" and c["name"] == "部件1"
    assert get(city, "/api/ref/components/360102010200000").status_code == 422
    assert get(city, "/api/ref/components/0001020102000001").status_code == 422  # admin code 000102
    assert get(city, "/api/ref/components/3601020102999999").status_code == 404


def test_nearest_components(city):
    r = get(city, "/api/ref/components/nearest", lon=115.8506, lat=28.6805, n=3)
    assert r.status_code == 200, r.text
    got = r.json()
    assert [c["id"] for c in got] == ["3601020102000001", "3601020102000002", "3601020101000003"]
    dists = [c["distance_m"] for c in got]
    assert dists == sorted(dists) and dists[0] < 15
    only = get(city, "/api/ref/components/nearest", lon=115.8506, lat=28.6805, n=5, class_code="0101").json()
    assert [c["id"] for c in only] == ["3601020101000003"]
    # far away: none within max_m
    assert get(city, "/api/ref/components/nearest", lon=115.95, lat=28.75, max_m=500).json() == []


# ---------------------------------------------------------------- inspectors and cameras
def test_inspectors_with_last_position(city):
    uid = city.ids["inspector_id"]
    ins = get(city, "/api/ref/inspectors").json()
    assert [i["user_id"] for i in ins] == [uid] and ins[0]["online"] is False
    assert ins[0]["responsibility_grid_code"] == "RG-01" and ins[0]["device_id"] == "dev-1"
    assert get(city, "/api/ref/inspectors", online=1).json() == []
    now = datetime.now(timezone.utc)
    with city.ctx.db.transaction() as s:
        write_fixes(s, [(Fix("dev-1", now - timedelta(seconds=30), 115.8531, 28.6806, speed_kn=1.5), uid)])
    ins = get(city, "/api/ref/inspectors", online=1).json()
    assert len(ins) == 1 and ins[0]["online"] is True and ins[0]["lon"] == 115.8531
    near = get(city, "/api/ref/inspectors/nearest", lon=115.8530, lat=28.6806, n=3).json()
    assert near[0]["user_id"] == uid and near[0]["distance_m"] < 15
    with city.ctx.db.transaction() as s:  # an old fix: not online any more... but never moves back
        write_fixes(s, [(Fix("dev-1", now - timedelta(minutes=10), 115.86, 28.69), uid)])
    assert get(city, "/api/ref/inspectors").json()[0]["lon"] == 115.8531


def test_cameras(city):
    cams = get(city, "/api/ref/cameras").json()
    assert [c["id"] for c in cams] == list(CAMERAS)
    assert cams[0]["stream_url"].startswith("rtsp://") and cams[0]["direction"] == 90
    inbox = get(city, "/api/ref/cameras", bbox="115.850,28.680,115.851,28.681").json()
    assert [c["id"] for c in inbox] == [CAMERAS[0]]
    near = get(city, "/api/ref/cameras/nearest", lon=115.8534, lat=28.6805, n=1).json()
    assert [c["id"] for c in near] == [CAMERAS[1]] and near[0]["distance_m"] < 15
    assert get(city, f"/api/ref/cameras/{CAMERAS[1]}").json()["name"] == "洪都路口"
    assert get(city, "/api/ref/cameras/3601020000132000000").status_code == 422  # 19 digits
    assert get(city, "/api/ref/cameras/36010200001320009999").status_code == 404
