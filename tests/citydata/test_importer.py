"""The survey importer and the export it round-trips with (server_stub.citydata import / export).

Round trip on the demo city: package -> DB1 (import of the package's own UTM layers) -> export
(lon/lat EPSG:4490) -> DB2, compared. A Shapefile in another CRS, a small survey in the Chinese
GK zone EPSG:4528 with Chinese field names and values, broken files, and rejected rows that leave the
database untouched.
"""
from __future__ import annotations

import csv
import os
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
import shapely
from sqlalchemy import func, select, text

from server_stub.citydata.__main__ import main as cli
from server_stub.db.models import Component, Department, ResponsibilityGrid, UnitGrid
from server_stub.db.session import Database

PG_URL = os.environ.get("OCC_TEST_PG_URL", "")


def run(*args) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cli([str(a) for a in args])


def sqlite(tmp_path, name: str) -> str:
    return f"sqlite:///{tmp_path}/{name}.sqlite"


def counts(url: str) -> dict[str, int]:
    db = Database(url)
    try:
        with db.session() as s:
            return {m.__tablename__: s.scalar(select(func.count()).select_from(m))
                    for m in (UnitGrid, Component, Department, ResponsibilityGrid)}
    finally:
        db.dispose()


def table(url: str, model, *cols) -> dict:  # noqa: ANN001
    db = Database(url)
    try:
        with db.session() as s:
            return {r[0]: tuple(r[1:]) for r in s.execute(select(*[getattr(model, c) for c in cols]))}
    finally:
        db.dispose()


def report_rows(path) -> list[dict]:  # noqa: ANN001
    with open(path, encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def write(gdf, path, layer=None, **kw):  # noqa: ANN001, ANN201
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gdf, path, layer=layer, **kw)
    return path


# ---------------------------------------------------------------- the demo city, round trip
@pytest.fixture(scope="module")
def demo_db(helsinki, tmp_path_factory):
    """DB1: the demo package imported from its own layers (UTM 35N), and its export."""
    d = tmp_path_factory.mktemp("importer")
    url, g = sqlite(d, "db1"), helsinki.gpkg
    rc = run("import", "--db", url, "--grids", g, "--components", g, "--departments", g,
             "--responsibility-grids", g, "--report", d / "r1.csv")
    assert rc == 0
    out = d / "city_export.gpkg"
    assert run("export", "--db", url, "--out", out) == 0
    return url, out, d


def test_package_import_matches_the_package(helsinki, demo_db):
    url, _, d = demo_db
    ug, comp = helsinki.layer("unit_grids"), helsinki.layer("components")
    grids = table(url, UnitGrid, "code", "area_m2", "responsibility_grid_id")
    assert set(grids) == set(ug.code)
    pkg_area = dict(zip(ug.code, ug.area_m2))
    assert all(abs(grids[c][0] - pkg_area[c]) <= 0.001 * pkg_area[c] for c in grids)
    comps = table(url, Component, "id", "class_code", "state", "grid_code", "data_source")
    assert set(comps) == set(comp.id) and len(comps) == len(comp)
    assert {i: v[:3] for i, v in comps.items()} == {
        r.id: (r.class_code, r.state, r.grid_code) for r in comp.itertuples()}
    n = counts(url)
    assert n["departments"] == len(helsinki.layer("departments"))
    assert n["responsibility_grids"] == len(helsinki.layer("responsibility_grids"))
    assert all(v[1] is not None for v in grids.values())  # every grid linked to its responsibility grid
    # the only warnings: the inspectors (not users in a fresh DB) and holes of the built-up area
    assert not [r for r in report_rows(d / "r1.csv") if r["severity"] == "error"]


def test_export_is_lonlat_4490_with_the_importer_field_names(demo_db):
    _, out, _ = demo_db
    layers = dict(pyogrio.list_layers(out))
    assert set(layers) == {"unit_grids", "components", "responsibility_grids", "departments"}
    for name in ("unit_grids", "components", "responsibility_grids"):
        info = pyogrio.read_info(out, layer=name)
        assert pyproj.CRS.from_user_input(info["crs"]).to_epsg() == 4490
    info = pyogrio.read_info(out, layer="components")
    assert list(info["fields"]) == ["id", "class_code", "name", "authority", "owner", "maintainer", "state",
                                    "currency", "data_source", "grid_code", "address", "photo",
                                    "survey_date", "change_date"]
    x0, y0, x1, y1 = info["total_bounds"]
    assert 24.9 < x0 < x1 < 25.0 and 60.1 < y0 < y1 < 60.2  # lon, lat order


def test_round_trip_through_the_export(demo_db, tmp_path):
    url1, out, _ = demo_db
    url2 = sqlite(tmp_path, "db2")
    rc = run("import", "--db", url2, "--grids", out, "--components", out, "--departments", out,
             "--responsibility-grids", out, "--report", tmp_path / "r2.csv")
    assert rc == 0
    g1, g2 = (table(u, UnitGrid, "code", "area_m2", "community_code") for u in (url1, url2))
    assert set(g1) == set(g2)
    assert all(abs(g1[c][0] - g2[c][0]) <= 0.001 * g1[c][0] and g1[c][1] == g2[c][1] for c in g1)
    cols = ("id", "class_code", "state", "grid_code", "currency", "data_source", "name", "address",
            "survey_date", "lon", "lat")
    c1, c2 = table(url1, Component, *cols), table(url2, Component, *cols)
    assert set(c1) == set(c2)
    assert {k: v[:-2] for k, v in c1.items()} == {k: v[:-2] for k, v in c2.items()}
    d = np.array([[a[-2] - b[-2], a[-1] - b[-1]] for k, a in c1.items() for b in [c2[k]]])
    assert np.abs(d).max() < 1e-8  # degrees: well under a millimetre
    dept = {u: dict(table(u, Department, "id", "code")) for u in (url1, url2)}
    own = [{k: (dept[u].get(v[0])[0] if v[0] else None) for k, v in table(u, Component, "id", "owner_id").items()}
           for u in (url1, url2)]
    assert own[0] == own[1] and any(own[0].values())
    rg = [table(u, ResponsibilityGrid, "code", "name") for u in (url1, url2)]
    assert rg[0] == rg[1]
    assert counts(url1) == counts(url2)


def test_shapefile_in_another_crs_imports_to_the_same_coordinates(helsinki, demo_db, tmp_path):
    """Components and grids as Shapefiles in ETRS-TM35FIN (EPSG:3067), with the survey-standard
    field names (BGID, OBJID ...) and Chinese state values."""
    url1, _, _ = demo_db
    ug = helsinki.layer("unit_grids").to_crs(3067)
    ug = ug.rename(columns={"code": "BGID", "responsibility_grid": "ZRWG"})
    write(ug, tmp_path / "grids.shp", encoding="UTF-8")
    c = helsinki.layer("components").to_crs(3067)
    c["state"] = c.state.map({"intact": "完好", "damaged": "破损", "missing": "丢失", "occupied": "占用"})
    c = c.rename(columns={"id": "OBJID", "class_code": "CLASSCODE", "state": "OBJSTATE", "grid_code": "SZWG",
                          "owner": "DEPTCODE2"})
    write(c.drop(columns=["osm_id"]), tmp_path / "components.shp", encoding="UTF-8")
    assert pyogrio.read_info(tmp_path / "components.shp")["crs"] == "EPSG:3067"
    url = sqlite(tmp_path, "shp")
    rc = run("import", "--db", url, "--grids", tmp_path / "grids.shp", "--components", tmp_path / "components.shp",
             "--departments", helsinki.gpkg, "--responsibility-grids", helsinki.gpkg,
             "--report", tmp_path / "r.csv")
    assert rc == 0
    cols = ("id", "class_code", "state", "grid_code", "owner_id", "lon", "lat")
    a, b = table(url1, Component, *cols), table(url, Component, *cols)
    assert set(a) == set(b)
    assert {k: v[:3] for k, v in a.items()} == {k: v[:3] for k, v in b.items()}
    geod = pyproj.Geod(ellps="GRS80")
    ka = sorted(a)
    _, _, dist = geod.inv([a[k][-2] for k in ka], [a[k][-1] for k in ka], [b[k][-2] for k in ka],
                          [b[k][-1] for k in ka])
    assert max(dist) < 0.03  # metres
    ga, gb = table(url1, UnitGrid, "code", "area_m2"), table(url, UnitGrid, "code", "area_m2")
    assert set(ga) == set(gb) and all(abs(ga[k][0] - gb[k][0]) <= 0.001 * ga[k][0] for k in ga)


# ---------------------------------------------------------------- a small survey in China
ADMIN = "320582"
X0, Y0 = 40_571_000.0, 3_503_000.0  # EPSG:4528 = CGCS2000 3-degree GK zone 40 (120E), Changshu


def _square(col: int, row: int, d: float = 100.0, dx: float = 0.0):  # noqa: ANN202
    x, y = X0 + col * d + dx, Y0 - row * d
    return shapely.box(x, y - d, x + d, y)


def survey_grids(extra: list[tuple[str, object]] = ()) -> gpd.GeoDataFrame:  # noqa: ANN202
    """4 x 3 grids of 100 m x 100 m in community 320582001001, numbered west->east, north->south."""
    codes = [f"{ADMIN}001001{k + 1:03d}" for k in range(12)]
    geoms = [_square(k % 4, k // 4) for k in range(12)]
    for code, g in extra:
        codes.append(code)
        geoms.append(g)
    return gpd.GeoDataFrame({"网格编码": codes, "责任网格": ["320582001R01"] * len(codes)},
                            geometry=geoms, crs=4528)


def survey_components(extra: list[dict] = ()) -> gpd.GeoDataFrame:  # noqa: ANN202
    rows = [
        {"部件标识码": f"{ADMIN}0101000001", "小类代码": "0101", "部件状态": "完好", "权属单位": "自来水公司",
         "养护单位": "D101", "所在网格": f"{ADMIN}001001001", "数据来源": "实测", "地址": "琴川路东侧",
         "初始日期": "2023/05/06", "geometry": shapely.Point(X0 + 50, Y0 - 50)},
        {"部件标识码": f"{ADMIN}0102000002", "小类代码": "0102", "部件状态": "破损", "权属单位": "D102",
         "养护单位": "排水管理处", "所在网格": None, "数据来源": "地形图", "地址": None, "初始日期": None,
         "geometry": shapely.Point(X0 + 150, Y0 - 50)},  # grid 002, filled in by point in polygon
        {"部件标识码": f"{ADMIN}0102000003", "小类代码": "0102", "部件状态": "占用", "权属单位": "D102",
         "养护单位": None, "所在网格": f"{ADMIN}001001001", "数据来源": "调绘", "地址": None,
         "初始日期": "20240101", "geometry": shapely.Point(X0 + 350, Y0 - 250)},  # lies in grid 012: warning
    ]
    rows += list(extra)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4528)


@pytest.fixture
def survey(tmp_path):
    """Grids and components GeoPackages (EPSG:4528, Chinese field names) and a departments CSV."""
    g = write(survey_grids(), tmp_path / "grids.gpkg", layer="单元网格")
    c = write(survey_components(), tmp_path / "components.gpkg", layer="部件")
    d = tmp_path / "departments.csv"
    d.write_text("部门编码,部门名称\nD101,自来水公司\nD102,排水管理处\n", encoding="utf-8")
    return g, c, d


def survey_db(tmp_path, survey, name: str = "survey") -> str:
    g, c, d = survey
    url = sqlite(tmp_path, name)
    assert run("import", "--db", url, "--grids", g, "--components", c, "--departments", d,
               "--report", tmp_path / f"{name}.csv") == 0
    return url


def test_survey_in_gk_zone_with_chinese_fields(tmp_path, survey, capsys):
    url = survey_db(tmp_path, survey)
    out = capsys.readouterr().out
    assert "EPSG:4528" in out  # areas measured in the CGCS2000 GK zone of Changshu
    grids = table(url, UnitGrid, "code", "area_m2", "geometry")
    assert len(grids) == 12 and all(abs(a - 10_000) < 1 for a, _ in grids.values())
    t = pyproj.Transformer.from_crs(4528, 4490, always_xy=True)
    lon, lat = t.transform(X0, Y0)
    ring = grids[f"{ADMIN}001001001"][1]["coordinates"][0]
    assert min(abs(x - lon) + abs(y - lat) for x, y in ring) < 1e-9  # the NW corner, in lon/lat
    comps = table(url, Component, "id", "state", "grid_code", "data_source", "survey_date", "owner_id",
                  "maintainer_id", "address")
    dept = {k: v[0] for k, v in table(url, Department, "id", "code").items()}
    a, b, c = (comps[f"{ADMIN}{s}"] for s in ("0101000001", "0102000002", "0102000003"))
    assert a[:4] == ("intact", f"{ADMIN}001001001", "measured", "2023-05-06")
    assert dept[a[4]] == "D101" and dept[a[5]] == "D101" and a[6] == "琴川路东侧"  # owner by name
    assert b[:3] == ("damaged", f"{ADMIN}001001002", "topographic") and dept[b[5]] == "D102"
    assert c[:4] == ("occupied", f"{ADMIN}001001001", "surveyed", "2024-01-01")  # the survey's value is kept
    rows = report_rows(tmp_path / "survey.csv")
    assert any(r["severity"] == "info" and "'部件' of components.gpkg: 3 features in EPSG:4528" in r["reason"]
               for r in rows)
    warn = [r for r in rows if r["layer"] == "components" and r["severity"] != "info"]
    assert len(warn) == 1 and warn[0]["key"] == f"{ADMIN}0102000003" and warn[0]["severity"] == "warning"
    assert f"lies in grid {ADMIN}001001012" in warn[0]["reason"]


def test_rejected_rows_abort_and_leave_the_database_untouched(tmp_path, survey, capsys):
    url = survey_db(tmp_path, survey)
    before = counts(url)
    grids = survey_grids([("32058200100101X", _square(0, 3)),          # malformed code
                          (f"{ADMIN}001001013", _square(0, 0, dx=50)),  # overlaps 001 and 002
                          (f"{ADMIN}001001014", _square(0, 3))])        # good
    write(grids, tmp_path / "g2.gpkg")
    comps = survey_components([
        {"部件标识码": "1101010101000004", "小类代码": "0101", "geometry": shapely.Point(X0 + 10, Y0 - 10)},
        {"部件标识码": f"{ADMIN}9901000005", "小类代码": "9901", "geometry": shapely.Point(X0 + 20, Y0 - 20)},
        {"部件标识码": f"{ADMIN}0101000006", "权属单位": "不存在的单位", "geometry": shapely.Point(X0 + 30, Y0 - 30)},
        {"部件标识码": f"{ADMIN}0101000007", "小类代码": "0102", "geometry": shapely.Point(X0 + 40, Y0 - 40)},
        {"部件标识码": f"{ADMIN}0101000008", "geometry": shapely.Point(X0 + 50, Y0 - 350)},  # in grid 014
    ])
    write(comps, tmp_path / "c2.gpkg")
    rc = run("import", "--db", url, "--grids", tmp_path / "g2.gpkg", "--components", tmp_path / "c2.gpkg",
             "--report", tmp_path / "r.csv")
    assert rc == 1
    assert "ABORTED" in capsys.readouterr().out
    assert counts(url) == before
    errors = {r["key"]: r for r in report_rows(tmp_path / "r.csv") if r["severity"] == "error"}
    assert set(errors) == {"32058200100101X", f"{ADMIN}001001013", "1101010101000004", f"{ADMIN}9901000005",
                           f"{ADMIN}0101000006", f"{ADMIN}0101000007"}
    assert "15 digits" in errors["32058200100101X"]["reason"] and errors["32058200100101X"]["row"] == "13"
    assert f"overlaps grid {ADMIN}001001001" in errors[f"{ADMIN}001001013"]["reason"]
    assert "admin code 110101 is not this city's (320582)" in errors["1101010101000004"]["reason"]
    assert "class 9901 is not a component class" in errors[f"{ADMIN}9901000005"]["reason"]
    assert "不存在的单位" in errors[f"{ADMIN}0101000006"]["reason"]
    assert "disagrees" in errors[f"{ADMIN}0101000007"]["reason"]
    assert errors["1101010101000004"]["fid"] == "4"

    # --dry-run checks and writes nothing either
    assert run("import", "--db", url, "--grids", tmp_path / "g2.gpkg", "--components", tmp_path / "c2.gpkg",
               "--skip-rejected", "--dry-run", "--report", tmp_path / "r.csv") == 1
    assert counts(url) == before

    # --skip-rejected: the valid rows go in, in one transaction
    assert run("import", "--db", url, "--grids", tmp_path / "g2.gpkg", "--components", tmp_path / "c2.gpkg",
               "--skip-rejected", "--report", tmp_path / "r.csv") == 0
    after = counts(url)
    assert after["unit_grids"] == before["unit_grids"] + 1 and after["components"] == before["components"] + 1
    assert table(url, Component, "id", "grid_code")[f"{ADMIN}0101000008"] == (f"{ADMIN}001001014",)


def test_merge_replace_and_overlap_with_the_database(tmp_path, survey):
    url = survey_db(tmp_path, survey)
    # a new grid overlapping one already in the database is rejected, naming it
    write(gpd.GeoDataFrame({"code": [f"{ADMIN}001002001"]}, geometry=[_square(3, 2, dx=30)], crs=4528),
          tmp_path / "over.gpkg")
    assert run("import", "--db", url, "--grids", tmp_path / "over.gpkg", "--report", tmp_path / "r.csv") == 1
    (err,) = [r for r in report_rows(tmp_path / "r.csv") if r["severity"] == "error"]
    assert f"overlaps grid {ADMIN}001001012 (already in the database)" in err["reason"]
    # merge: a legacy 14-digit code updates grid 012; a new community grid is added beside the rest
    write(gpd.GeoDataFrame({"BGID": [f"{ADMIN}00100112", f"{ADMIN}001002001"]},
                           geometry=[_square(3, 2, d=100), _square(4, 0)], crs=4528), tmp_path / "merge.gpkg")
    assert run("import", "--db", url, "--grids", tmp_path / "merge.gpkg", "--report", tmp_path / "r.csv") == 0
    assert counts(url)["unit_grids"] == 13 and counts(url)["components"] == 3
    # replace: only the file's grids and components remain
    write(survey_grids().iloc[:2], tmp_path / "two.gpkg")
    write(survey_components().iloc[:2], tmp_path / "c2.gpkg")
    assert run("import", "--db", url, "--grids", tmp_path / "two.gpkg", "--components", tmp_path / "c2.gpkg",
               "--replace", "--report", tmp_path / "r.csv") == 0
    assert set(table(url, UnitGrid, "code")) == {f"{ADMIN}001001001", f"{ADMIN}001001002"}
    assert set(table(url, Component, "id")) == {f"{ADMIN}0101000001", f"{ADMIN}0102000002"}


def test_create_departments_and_invalid_polygon_repair(tmp_path, survey):
    g, c, _ = survey
    bow = shapely.Polygon([(X0, Y0 - 300), (X0 + 100, Y0 - 400), (X0 + 100, Y0 - 300), (X0, Y0 - 400)])
    small = shapely.box(X0 + 400, Y0 - 100, X0 + 420, Y0)  # 2,000 m²
    write(survey_grids([(f"{ADMIN}001001013", bow), (f"{ADMIN}001001014", small)]), tmp_path / "g.gpkg")
    url = sqlite(tmp_path, "create")
    assert run("import", "--db", url, "--grids", tmp_path / "g.gpkg", "--components", c,
               "--report", tmp_path / "r.csv") == 1  # departments unknown
    assert run("import", "--db", url, "--grids", tmp_path / "g.gpkg", "--components", c,
               "--create-departments", "--report", tmp_path / "r.csv") == 0
    names = {v[0] for v in table(url, Department, "code", "name").values()}
    assert {"自来水公司", "排水管理处"} <= names
    rows = report_rows(tmp_path / "r.csv")
    assert any(r["key"] == f"{ADMIN}001001013" and "repaired" in r["reason"] for r in rows)
    assert [r["key"] for r in rows if "far from" in r["reason"]] == [f"{ADMIN}001001014"]


# ---------------------------------------------------------------- broken files
def test_broken_files_give_a_clear_error_and_change_nothing(tmp_path, survey, capsys):
    g, c, d = survey
    url = survey_db(tmp_path, survey)
    before = counts(url)
    capsys.readouterr()

    def fails(*args) -> str:
        assert run("import", "--db", url, *args, "--report", tmp_path / "r.csv") == 2
        assert counts(url) == before
        return capsys.readouterr().err

    data = g.read_bytes()
    (tmp_path / "truncated.gpkg").write_bytes(data[:len(data) // 3])
    assert "truncated.gpkg" in fails("--grids", tmp_path / "truncated.gpkg")
    assert "no such file" in fails("--grids", tmp_path / "missing.gpkg")
    err = fails("--grids", c)  # points given as unit grids
    assert "Point" in err and "polygons" in err
    err = fails("--grids", g, "--components", g)  # polygons given as components
    assert "Polygon" in err and "points" in err

    comps = survey_components().drop(columns=["权属单位", "养护单位"])
    comps.columns = ["BJID", "XLBM", "BJZT", "SZWG", "SJLY", "ADDR", "CSRQ", "geometry"]
    write(comps, tmp_path / "noprj.shp", encoding="UTF-8")
    (tmp_path / "noprj.prj").unlink()
    err = fails("--grids", g, "--components", tmp_path / "noprj.shp")
    assert "no coordinate reference system" in err and "--crs" in err
    # the same file with --crs imports, to the same place as the GeoPackage
    assert run("import", "--db", url, "--grids", g, "--components", tmp_path / "noprj.shp",
               "--crs", "EPSG:4528", "--report", tmp_path / "r.csv") == 0
    assert table(url, Component, "id", "state")[f"{ADMIN}0102000002"] == ("damaged",)

    # a wrong --crs shows as coordinates that are not degrees
    assert "not degrees" in fails("--grids", g, "--components", tmp_path / "noprj.shp", "--crs", "EPSG:4490")
    # a table without the key field
    write(gpd.GeoDataFrame({"名称": ["x"]}, geometry=[_square(0, 0)], crs=4528), tmp_path / "nokey.gpkg")
    assert "no code field" in fails("--grids", tmp_path / "nokey.gpkg")


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL not available (OCC_TEST_PG_URL unset)")
def test_postgresql_import_reject_and_replace(tmp_path, survey):
    from server_stub.db.session import make_engine
    eng = make_engine(PG_URL)
    try:
        with eng.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        eng.dispose()
    g, c, d = survey
    assert run("import", "--db", PG_URL, "--grids", g, "--components", c, "--departments", d,
               "--report", tmp_path / "r.csv") == 0
    before = counts(PG_URL)
    assert before["unit_grids"] == 12 and before["components"] == 3
    write(survey_grids([(f"{ADMIN}001001013", _square(1, 0, dx=50))]), tmp_path / "bad.gpkg")
    assert run("import", "--db", PG_URL, "--grids", tmp_path / "bad.gpkg", "--replace",
               "--report", tmp_path / "r.csv") == 1
    assert counts(PG_URL) == before
    write(survey_grids().iloc[:3], tmp_path / "three.gpkg")
    assert run("import", "--db", PG_URL, "--grids", tmp_path / "three.gpkg", "--components", c, "--replace",
               "--report", tmp_path / "r.csv") == 0
    assert counts(PG_URL)["unit_grids"] == 3 and counts(PG_URL)["components"] == 3
    out = tmp_path / "pg.gpkg"
    assert run("export", "--db", PG_URL, "--out", out) == 0
    assert len(pyogrio.read_dataframe(out, layer="unit_grids")) == 3
    assert pd.Series(pyogrio.read_dataframe(out, layer="components").owner).notna().all()


# ---------------------------------------------------------------- where the data lies; dry runs
def test_a_wrong_utm_zone_is_refused_with_the_distance_and_the_right_zone(helsinki, demo_db, tmp_path, capsys):
    """The demo's grids (UTM 35N) declared in zone 34N: a plausible file 330 km west of the city.
    A dry run into the city's database refuses it (it used to report that grids would move there)."""
    url, _, _ = demo_db
    before = counts(url)
    grids = helsinki.layer("unit_grids").set_crs(32634, allow_override=True)
    write(grids, tmp_path / "zone34.gpkg")
    for extra in (["--dry-run"], []):
        capsys.readouterr()
        assert run("import", "--db", url, "--grids", tmp_path / "zone34.gpkg", "--report", tmp_path / "r.csv",
                   *extra) == 2
        err = capsys.readouterr().err
        km = float(err.split(" km from the city")[0].rsplit(" ", 1)[-1].replace(",", ""))
        assert 300 < km < 400, err
        assert "EPSG:32634" in err and "in EPSG:32635 (WGS 84 / UTM zone 35N) they would lie in the city" in err
        assert "--crs" in err and "--new-city" in err and "nothing was imported" in err
    assert counts(url) == before
    # the right CRS given by hand: the grids are the city's own again
    capsys.readouterr()
    rc = run("import", "--db", url, "--grids", tmp_path / "zone34.gpkg", "--crs", "EPSG:32635", "--dry-run",
             "--report", tmp_path / "r.csv")
    assert rc == 0, capsys.readouterr()


def test_a_gk_zone_off_by_one_and_a_new_city(tmp_path, survey, capsys):
    """Changshu's grids (CGCS2000 3-degree GK zone 40, EPSG:4528) declared in zone 39 with the prefix
    (EPSG:4527) land some 3 degrees west; --new-city takes data that really lies elsewhere."""
    url = survey_db(tmp_path, survey)
    before = counts(url)
    write(survey_grids().set_crs(4527, allow_override=True), tmp_path / "zone39.gpkg")
    capsys.readouterr()
    assert run("import", "--db", url, "--grids", tmp_path / "zone39.gpkg", "--report", tmp_path / "r.csv") == 2
    err = capsys.readouterr().err
    assert " km from the city already in this database" in err and "EPSG:4528" in err
    assert counts(url) == before
    # another city (other codes, 20 km farther than the limit): accepted when told so
    other = survey_grids()
    other["网格编码"] = [c.replace(ADMIN, "320581") for c in other["网格编码"]]
    other["geometry"] = other.geometry.translate(0, 60_000)
    write(other, tmp_path / "other.gpkg")
    assert run("import", "--db", url, "--grids", tmp_path / "other.gpkg", "--report", tmp_path / "r.csv") == 2
    assert run("import", "--db", url, "--grids", tmp_path / "other.gpkg", "--new-city",
               "--report", tmp_path / "r.csv") == 0
    assert counts(url)["unit_grids"] == before["unit_grids"] + 12


def test_a_dry_run_creates_no_database(tmp_path, survey, capsys):
    g, c, d = survey
    target = tmp_path / "not-yet" / "city.sqlite"
    assert run("import", "--db", sqlite(tmp_path / "not-yet", "city"), "--grids", g, "--components", c,
               "--departments", d, "--dry-run", "--report", tmp_path / "r.csv") == 0
    out = capsys.readouterr().out
    assert "dry run" in out and "the database was not changed" in out
    assert not target.exists() and not target.parent.exists()
    assert any(r["layer"] == "components" for r in report_rows(tmp_path / "r.csv"))  # it did check everything
