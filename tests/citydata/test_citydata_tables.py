"""The data tables in resources/city/: mapping, synthesis rules, departments, responsibilities."""
import csv

import pytest

from app.domain.classification import Classification, Kind
from server_stub.citydata.components import check_tables, load_mapping, load_rules
from server_stub.citydata.departments import LOCALITY, load_departments
from server_stub.citydata.profile import city_resources, load_profile


@pytest.fixture(scope="module")
def cls():
    return Classification.load()


def test_every_mapped_class_exists(cls):
    mapping = load_mapping()
    assert len(mapping) >= 40
    for row in mapping:
        c = cls.get(Kind.COMPONENT, row.class_code)
        assert c.code == row.class_code
        assert row.osm_key and row.osm_value
    check_tables(mapping, load_rules(), cls)


def test_mapping_covers_the_issue_examples():
    m = {(r.osm_key, r.osm_value, r.also_key): r.class_code for r in load_mapping()}
    expected = {("highway", "street_lamp", ""): "0118", ("manhole", "water", ""): "0101",
                ("manhole", "drain", ""): "0103", ("manhole", "sewer", ""): "0102",
                ("manhole", "heat", ""): "0110", ("manhole", "gas", ""): "0111",
                ("manhole", "telecom", ""): "0107", ("manhole", "power", ""): "0105",
                ("amenity", "waste_basket", ""): "0305", ("amenity", "bench", ""): "0407",
                ("natural", "tree", ""): "0402", ("emergency", "fire_hydrant", ""): "0113",
                ("highway", "bus_stop", ""): "0203", ("highway", "traffic_signals", ""): "0210",
                ("amenity", "toilets", ""): "0301", ("man_made", "surveillance", ""): "0136",
                ("amenity", "post_box", ""): "0123", ("amenity", "bicycle_parking", ""): "0212",
                ("amenity", "parking", ""): "0201", ("traffic_sign", "*", ""): "0209"}
    for key, code in expected.items():
        assert m[key] == code, key


def test_synthesis_rules_are_valid_and_cover_several_cover_classes(cls):
    rules = load_rules()
    codes = {r.class_code for r in rules}
    for r in rules:
        assert cls.get(Kind.COMPONENT, r.class_code)
        assert r.spacing_m > 0 and r.placement in ("line", "approach", "junction")
        assert r.side in ("left", "right", "both", "alternate", "centre", "corner")
        assert r.offset_from in ("centre", "lane", "kerb")
    manholes = {"0101", "0102", "0103", "0105", "0107", "0110", "0111"}
    assert manholes <= codes
    assert {"0118", "0305", "0209"} <= codes


def test_departments_and_responsibility_matrix(cls):
    d = load_departments([("320582001", "滨海街道"), ("320582002", "中心街道")], classification=cls)
    codes = set(d.departments.code)
    assert {"S001", "S002"} <= codes
    assert d.departments.code.is_unique
    for key in ("water_supply", "drainage", "power", "gas", "telecom", "street_lighting", "landscaping",
                "sanitation", "traffic_police", "urban_enforcement"):
        assert key in set(d.departments.key), key
    assert all(d.departments.name.str.len() > 0)
    assert set(d.departments.kind) == {"professional", "street_office"}
    comp = d.component_responsibility
    assert set(comp.class_code) == {c.code for c in cls.classes(Kind.COMPONENT)}
    for col in ("authority", "owner", "maintainer"):
        assert set(comp[col]) <= codes
    assert d.owner("0118") == "D108" and d.owner("0101") == "D101" and d.owner("0102") == "D102"
    ev = d.event_responsibility
    assert set(ev.event_code) == {c.code for c in cls.classes(Kind.EVENT)}
    # 先属地后属主: ordinary events go to the street office first
    assert d.event_first("0102", "320582002") == "S002"
    assert (ev["first"] == LOCALITY).mean() > 0.8
    assert set(ev.owner) <= codes


def test_tables_are_utf8_csv_with_headers():
    for name in ("osm_component_mapping.csv", "synthesis_rules.csv", "departments.csv",
                 "component_departments.csv", "event_departments.csv"):
        with open(city_resources() / name, encoding="utf-8") as f:
            rows = list(csv.reader(f))
        assert len(rows) > 5 and all(len(r) == len(rows[0]) for r in rows), name


def test_profiles_load_and_check_admin_codes():
    p = load_profile(demo=True)
    assert p.admin_code == "320582" and p.name
    assert load_profile(admin_code="110101").admin_code == "110101"
    for bad in ("12345", "012345", "3205820", "abcdef"):
        with pytest.raises(ValueError):
            load_profile(admin_code=bad)
