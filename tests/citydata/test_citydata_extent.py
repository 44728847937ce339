"""The city build clips to the extract's own extent: the header's bounding box, else the bounds of
all its elements -- never the bounds of the tagged nodes alone, which may sit in one corner.

A hand-made small town (streets and buildings over about 1.1 x 0.9 km, three tagged street-furniture
nodes in its south-west corner) is written with pyosmium, once with and once without a header box."""
from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest

from server_stub.citydata.osm_read import extract_extent, header_bbox, read_osm

LON0, LAT0 = 24.90, 60.20          # south-west corner of the town
COLS, ROWS = 8, 6                  # street blocks
BLOCK_M = 140.0
M_PER_DEG_LAT = 111_320.0
M_PER_DEG_LON = M_PER_DEG_LAT * math.cos(math.radians(LAT0))


def _ll(x_m: float, y_m: float) -> tuple[float, float]:
    return LON0 + x_m / M_PER_DEG_LON, LAT0 + y_m / M_PER_DEG_LAT


TOWN = (*_ll(0, 0), *_ll(COLS * BLOCK_M, ROWS * BLOCK_M))


def write_town(path: Path, header_box: tuple[float, float, float, float] | None) -> Path:
    """Streets on a 140 m grid, four buildings per block, benches and a waste basket in the SW corner."""
    import osmium
    from osmium.osm.mutable import Node, Way
    header = osmium.io.Header()
    if header_box is not None:
        header.add_box(osmium.osm.Box(osmium.osm.Location(header_box[0], header_box[1]),
                                      osmium.osm.Location(header_box[2], header_box[3])))
    nodes: list = []
    ways: list = []

    def node(x: float, y: float, tags: dict | None = None) -> int:
        nodes.append(Node(id=len(nodes) + 1, location=_ll(x, y), tags=tags or {}, version=1))
        return len(nodes)

    def way(refs: list[int], tags: dict) -> None:
        ways.append(Way(id=len(ways) + 1, nodes=refs, tags=tags, version=1))

    for j in range(ROWS + 1):  # east-west streets
        way([node(i * BLOCK_M, j * BLOCK_M) for i in range(COLS + 1)], {"highway": "residential", "name": f"E{j}"})
    for i in range(COLS + 1):  # north-south streets
        way([node(i * BLOCK_M, j * BLOCK_M) for j in range(ROWS + 1)], {"highway": "residential", "name": f"N{i}"})
    for i in range(COLS):
        for j in range(ROWS):
            for bx, by in ((20, 20), (75, 20), (20, 75), (75, 75)):
                x, y = i * BLOCK_M + bx, j * BLOCK_M + by
                ring = [node(x, y), node(x + 45, y), node(x + 45, y + 45), node(x, y + 45)]
                way(ring + ring[:1], {"building": "yes"})
    for k, tags in enumerate(({"amenity": "bench"}, {"amenity": "bench"}, {"amenity": "waste_basket"})):
        node(5 + 10 * k, 5, tags)  # the only tagged nodes: the south-west corner
    with osmium.SimpleWriter(str(path), header=header, overwrite=True) as w:
        for n in nodes:
            w.add_node(n)
        for wy in ways:
            w.add_way(wy)
    return path


def test_extent_rules():
    data = (1.0, 2.0, 3.0, 4.0)
    assert extract_extent(None, data) == data                                  # no header: all elements
    assert extract_extent((1.5, 2.5, 2.5, 3.5), data) == (1.5, 2.5, 2.5, 3.5)  # the header box
    assert extract_extent((0.5, 1.5, 3.5, 4.5), data) == (0.5, 1.5, 3.5, 4.5)  # larger than the data: still it
    assert extract_extent((-180, -90, 180, 90), data) == data                  # a planet-sized placeholder
    assert extract_extent((10, 10, 11, 11), data) == data                      # a header beside the data


def test_an_unreadable_header_is_no_box(tmp_path):
    (tmp_path / "bad.osm.pbf").write_bytes(b"not a pbf" * 10)
    assert header_bbox(tmp_path / "bad.osm.pbf") is None


@pytest.mark.parametrize("with_header", [True, False])
def test_the_extent_is_the_whole_extract_not_its_tagged_nodes(tmp_path, with_header):
    box = (TOWN[0] - 0.001, TOWN[1] - 0.0005, TOWN[2] + 0.001, TOWN[3] + 0.0005) if with_header else None
    pbf = write_town(tmp_path / "town.osm.pbf", box)
    assert header_bbox(pbf) == (pytest.approx(box) if with_header else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = read_osm(pbf)
    tagged = data.features[data.features.osm_type == "node"].total_bounds
    assert tagged[2] - tagged[0] < 0.001  # the tagged nodes: a few metres in one corner
    w, s, e, n = data.bounds()
    expect = box if with_header else TOWN
    assert (w, s, e, n) == pytest.approx(expect, abs=1e-6)


@pytest.mark.slow
def test_a_town_whose_tagged_nodes_sit_in_a_corner_builds_whole(tmp_path):
    """It failed with "the built-up area is empty after clipping"; now the grids cover the town."""
    import pyproj
    import shapely

    from server_stub.citydata.package import build_city
    pbf = write_town(tmp_path / "town.osm.pbf", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = build_city(tmp_path / "out", pbf, admin="110101", name="角落城")
    area = res.layers["builtup_area"].geometry.iloc[0]
    w, s, e, n = shapely.bounds(area)
    assert e - w > 0.9 * COLS * BLOCK_M and n - s > 0.9 * ROWS * BLOCK_M  # the whole town, not a corner
    ug = res.layers["unit_grids"]
    assert len(ug) >= 40 and shapely.union_all(ug.geometry.values).area == pytest.approx(area.area, rel=1e-4)
    lon0, lat0, lon1, lat1 = res.profile_json["extent"]["lonlat"]
    assert lon0 < TOWN[0] + 0.001 and lon1 > TOWN[2] - 0.001 and lat1 > TOWN[3] - 0.001
    assert pyproj.CRS.from_user_input(ug.crs).utm_zone == "35N"
