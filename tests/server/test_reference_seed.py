"""A small hand-made city loaded through services/loader.py (used by the reference and position
tests), and the loader's own tests: rejected rows, strict loads, legacy codes, replace."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server_stub.db.models import (Camera, ClassResponsibility, Component, Department, Inspector, Region,
                                   ResponsibilityGrid, UnitGrid, User)
from server_stub.services import loader
from server_stub.services.geo_lookup import locate

# Grids are 0.001° squares (about 98 m × 111 m) in a row along latitude 28.680–28.681.
LAT0, LAT1 = 28.680, 28.681
GRIDS = {  # code: west edge
    "360102001001001": 115.850,  # 公园街道 / 百花洲社区
    "360102001001002": 115.851,
    "360102001002001": 115.852,  # 公园街道 / 墩子塘社区
    "360102002001001": 115.853,  # 八一桥街道 / 洪都社区
}
COMPONENTS = {  # id: (lon, lat, owner)
    "3601020102000001": (115.8505, 28.6805, "D-PARK"),  # sewage cover, owned by the park office
    "3601020102000002": (115.8512, 28.6802, None),
    "3601020101000003": (115.8530, 28.6808, "D-WATER"),  # water-supply cover
    "3601020102000004": (115.8539, 28.6801, None),
}
DEV1_KEY = "dev-1-secret"  # the secret registered with insp1's phone
CAMERAS = ("36010200001320000001", "36010200001320000002")


def square(x0: float, y0: float, d: float = 0.001) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]]}


def seed_city(ctx) -> dict:
    """Regions, 4 unit grids, street offices, a responsibility matrix, components, one inspector
    (device 'dev-1', responsibility grid RG-01) and two cameras."""
    with ctx.db.transaction() as s:
        assert loader.load_departments(s, [
            {"code": "D-PARK", "name": "园林局"},
            {"code": "SO-GY", "name": "公园街道办", "kind": "street_office", "region_code": "360102001"},
            {"code": "SO-BYQ", "name": "八一桥街道办", "kind": "street_office", "region_code": "360102002"},
        ], strict=True).inserted == 3
        loader.load_regions(s, [
            {"code": "360102", "name": "东湖区"},
            {"code": "360102001", "name": "公园街道"},
            {"code": "360102001001", "name": "百花洲社区", "geometry": square(115.850, LAT0, 0.002)},
            {"code": "360102001002", "name": "墩子塘社区"},
            {"code": "360102002", "name": "八一桥街道"},
            {"code": "360102002001", "name": "洪都社区"},
        ], strict=True)
        loader.load_unit_grids(s, [{"code": c, "geometry": square(x, LAT0), "area_m2": 10_900.0}
                                   for c, x in GRIDS.items()], strict=True)
        loader.load_class_responsibility(s, [
            {"kind": "component", "class_code": "0102", "department": "D-WATER", "priority": 1},
            {"kind": "component", "class_code": "0102", "department": "D-SANIT", "priority": 2},
            {"kind": "event", "class_code": "0102", "department": "D-SANIT", "priority": 1},
        ], classification=ctx.classification, strict=True)
        loader.load_components(s, [{"id": i, "lon": x, "lat": y, "owner": o, "name": f"部件{i[-1]}"}
                                   for i, (x, y, o) in COMPONENTS.items()],
                               classification=ctx.classification, locate=True, strict=True)
        loader.load_inspectors(s, [{"username": "insp1", "display_name": "监督员一", "device_id": "dev-1",
                                    "device_secret": DEV1_KEY, "password": "pw-insp1"}], strict=True)
        loader.load_responsibility_grids(s, [{"code": "RG-01", "name": "责任网格一", "inspector": "insp1",
                                              "unit_grids": ["360102001001001", "36010200100102"]}],
                                         strict=True)
        loader.load_cameras(s, [
            {"id": CAMERAS[0], "name": "八一广场东", "lon": 115.8506, "lat": 28.6806, "direction": 90,
             "stream_url": "rtsp://video.example/1"},
            {"id": CAMERAS[1], "name": "洪都路口", "lon": 115.8535, "lat": 28.6805, "direction": 270,
             "stream_url": "http://video.example/2.flv"},
        ], strict=True)
        insp = s.scalar(select(User).where(User.username == "insp1"))
        depts = dict(s.execute(select(Department.code, Department.id)).all())
        return {"inspector_id": insp.id, "departments": depts}


# ---------------------------------------------------------------- loader tests
def test_seed_city_is_complete_and_linked(world):
    ids = seed_city(world.ctx)
    with world.ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(UnitGrid)) == 4
        assert s.scalar(select(func.count()).select_from(Region)) == 6
        assert s.get(Region, "360102001001").parent_code == "360102001"
        assert s.get(Region, "360102001001").level == "community"
        comp = s.get(Component, "3601020102000001")
        assert comp.grid_code == "360102001001001"  # located from the unit grids
        assert comp.owner_id == ids["departments"]["D-PARK"] and comp.class_code == "0102"
        rg = s.scalar(select(ResponsibilityGrid).where(ResponsibilityGrid.code == "RG-01"))
        assert rg.inspector_id == ids["inspector_id"]
        assert s.get(Inspector, ids["inspector_id"]).responsibility_grid_id == rg.id
        # the legacy 14-digit code in the seed was normalised to the 15-digit one
        assert {g.code for g in s.scalars(select(UnitGrid).where(UnitGrid.responsibility_grid_id == rg.id))} \
            == {"360102001001001", "360102001001002"}
        assert locate(s, 115.8525, 28.6805)["street_code"] == "360102001"  # grid cache invalidated


def test_load_components_reports_rejected_rows(world):
    seed_city(world.ctx)
    rows = [
        {"id": "3601020102000010", "lon": 115.85, "lat": 28.68},  # good
        {"id": "360102010200001", "lon": 115.85, "lat": 28.68},  # 15 digits
        {"id": "3601020102000011", "class_code": "0101", "lon": 115.85, "lat": 28.68},  # class disagrees
        {"id": "3601020102000012", "lon": "east", "lat": 28.68},  # lon not a number
        {"id": "3601020102000010", "lon": 115.85, "lat": 28.68},  # duplicate in input
        {"id": "3601029901000013", "lon": 115.85, "lat": 28.68},  # class 9901 not in classification
        {"id": "3601020102000014", "lon": 115.85, "lat": 28.68, "owner": "NOPE"},  # unknown department
        {"id": "3601020102000001", "lon": 115.85, "lat": 28.68},  # exists already
        {"id": "3601020102000015", "lon": 115.85, "lat": 28.68, "state": "broken"},
    ]
    with world.ctx.db.transaction() as s:
        rep = loader.load_components(s, rows, classification=world.ctx.classification)
    assert rep.inserted == 1 and not rep.ok
    reasons = {r.row: r.reason for r in rep.rejected}
    assert set(reasons) == {1, 2, 3, 4, 5, 6, 7, 8}
    assert "16 digits" in reasons[1] and "disagrees" in reasons[2] and "lon" in reasons[3]
    assert "duplicate" in reasons[4] and "9901" in reasons[5] and "NOPE" in reasons[6]
    assert "exists" in reasons[7] and "state" in reasons[8]
    assert rep.to_dict()["rejected_count"] == 8
    with world.ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Component)) == len(COMPONENTS) + 1


def test_strict_load_keeps_nothing_of_the_call(world):
    seed_city(world.ctx)
    with pytest.raises(loader.LoadError) as e:
        with world.ctx.db.transaction() as s:
            loader.load_components(s, [{"id": "3601020102000020", "lon": 115.85, "lat": 28.68},
                                       {"id": "bad", "lon": 115.85, "lat": 28.68}], strict=True)
    assert "row 1" in str(e.value) and e.value.report.inserted == 1
    with world.ctx.db.session() as s:
        assert s.get(Component, "3601020102000020") is None


def test_replace_and_update(world):
    seed_city(world.ctx)
    with world.ctx.db.transaction() as s:
        rep = loader.load_components(s, [{"id": "3601020102000001", "lon": 115.8501, "lat": 28.6801,
                                          "state": "damaged"}], replace=True)
        assert (rep.inserted, rep.updated) == (0, 1)
        rep = loader.load_unit_grids(s, [{"code": "36010200100101", "geometry": square(115.850, LAT0)}])
        assert (rep.inserted, rep.updated) == (0, 1)  # legacy code = the existing 15-digit grid
        rep = loader.load_departments(s, [{"code": "D-PARK", "name": "园林绿化局"}])
        assert rep.updated == 1
    with world.ctx.db.session() as s:
        c = s.get(Component, "3601020102000001")
        assert (c.state, c.lon) == ("damaged", 115.8501)
        g = s.get(UnitGrid, "360102001001001")
        assert 10_000 < g.area_m2 < 11_500  # computed on the ellipsoid: 0.001° × 0.001° at 28.68°N
        assert s.scalar(select(Department.name).where(Department.code == "D-PARK")) == "园林绿化局"


def test_loader_validates_grids_regions_cameras_matrix_inspectors(world):
    seed_city(world.ctx)
    with world.ctx.db.transaction() as s:
        rep = loader.load_unit_grids(s, [
            {"code": "360102001001000", "geometry": square(115.86, LAT0)},  # sequence 000
            {"code": "360102001001009", "geometry": {"type": "Point", "coordinates": [115.86, 28.68]}},
            {"code": "360102001001010", "geometry": {"type": "Polygon", "coordinates": [
                [[115.86, 28.68], [115.861, 28.681], [115.861, 28.68], [115.86, 28.681], [115.86, 28.68]]]}},
            {"code": "360102001001011", "geometry": square(12_000_000.0, 3_000_000.0)},  # metres, not degrees
        ])
        assert rep.inserted == 0 and len(rep.rejected) == 4
        assert "sequence" in rep.rejected[0].reason and "Polygon" in rep.rejected[1].reason
        assert "valid" in rep.rejected[2].reason and "lon/lat" in rep.rejected[3].reason
        rep = loader.load_regions(s, [{"code": "3601", "name": "x"}, {"code": "360103001", "name": "x",
                                                                      "parent_code": "360102"}])
        assert len(rep.rejected) == 2
        rep = loader.load_cameras(s, [{"id": "123", "lon": 115.85, "lat": 28.68}])
        assert "20 digits" in rep.rejected[0].reason
        rep = loader.load_class_responsibility(s, [{"kind": "event", "class_code": "0102"},
                                                   {"kind": "thing", "class_code": "0102", "department": "D-PARK"}])
        assert "department" in rep.rejected[0].reason and "kind" in rep.rejected[1].reason
        rep = loader.load_inspectors(s, [{"username": "admin", "device_id": "x"},  # not an inspector
                                         {"username": "insp2", "device_id": "dev-1"}])  # device taken
        assert "role" in rep.rejected[0].reason and "another inspector" in rep.rejected[1].reason
        rep = loader.load_departments(s, [{"code": "SO-X", "name": "x", "kind": "street_office"}])
        assert "region_code" in rep.rejected[0].reason
    with world.ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(ClassResponsibility)) == 3
        assert s.scalar(select(func.count()).select_from(Camera)) == 2
