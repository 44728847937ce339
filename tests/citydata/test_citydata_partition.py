"""Unit-grid partition invariants: a synthetic town, then the real Helsinki build."""
import numpy as np
import geopandas as gpd
import pytest
import shapely

from app.domain.codes import GridCode
from server_stub.citydata.hierarchy import build_hierarchy
from server_stub.citydata.partition import partition
from server_stub.citydata.profile import load_profile
from server_stub.citydata.quality import pairwise_overlap, tiling_figures

EPS = 0.01  # m2


def _town():
    """600 x 500 m: a street grid (blocks of 150 x 250 m), one dead end, a few building rows."""
    crs = 32635
    x0, y0 = 380000.0, 6670000.0
    lines = [shapely.LineString([(x0, y0 + y), (x0 + 600, y0 + y)]) for y in (0, 150, 300, 450)]
    lines += [shapely.LineString([(x0 + x, y0 - 20), (x0 + x, y0 + 500)]) for x in (0, 250, 500)]
    lines.append(shapely.LineString([(x0 + 100, y0 + 150), (x0 + 100, y0 + 220)]))  # dead end
    n = len(lines)
    roads = gpd.GeoDataFrame({"highway": ["residential"] * n, "tunnel": [False] * n, "service": [None] * n,
                              "road_class": ["branch"] * n, "width_m": [7.0] * n, "name": ["A"] * n},
                             geometry=lines, crs=crs)
    rng = np.random.default_rng(1)
    bld = []
    for bx in range(8):
        for by in range(6):
            x, y = x0 + 20 + bx * 70, y0 + 20 + by * 75
            if rng.uniform() < 0.7:
                bld.append(shapely.box(x, y, x + 30 + rng.uniform(0, 15), y + 25))
    buildings = gpd.GeoDataFrame({"building": ["yes"] * len(bld)}, geometry=bld, crs=crs)
    railways = gpd.GeoDataFrame({"kind": [], "tunnel": []}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    area = shapely.box(x0, y0, x0 + 600, y0 + 500)
    return area, {"roads": roads, "buildings": buildings, "railways": railways}, crs


def test_synthetic_town_tiles_exactly():
    area, layers, crs = _town()
    prof = load_profile(demo=True)
    res = partition(area, layers, prof.partition)
    q = tiling_figures(res.cells, area)
    assert q["gap_m2"] <= EPS and q["overlap_m2"] <= EPS and q["outside_m2"] <= EPS
    assert pairwise_overlap(res.cells) <= EPS
    assert q["coverage"] == pytest.approx(1.0, abs=1e-9)
    assert all(shapely.get_type_id(c) == 3 and c.is_valid for c in res.cells)
    a = shapely.area(res.cells)
    assert a.min() >= prof.partition.sliver_m2
    assert a.max() <= prof.partition.max_cell_m2
    assert 20 <= len(res.cells) <= 40          # 300,000 m2 / ~10,000
    # every street is a cell boundary: no cell crosses a through road
    roads = shapely.union_all(layers["roads"].geometry.values[:7])
    assert all(shapely.length(shapely.intersection(c.buffer(-0.05), roads)) < 1e-6 for c in res.cells)
    h = build_hierarchy(res.cells, area, prof, crs)
    codes = h.unit_grids.code
    assert codes.is_unique and all(str(GridCode.parse(c)) == c for c in codes)


# --- the real thing --------------------------------------------------------------------------

def test_helsinki_no_gaps_no_overlaps(helsinki):
    ug = helsinki.layer("unit_grids")
    area = helsinki.layer("builtup_area").geometry.iloc[0]
    cells = ug.geometry.values
    q = tiling_figures(cells, area)
    assert q["gap_m2"] <= EPS, q
    assert q["overlap_m2"] <= EPS, q
    assert q["outside_m2"] <= EPS, q
    assert pairwise_overlap(cells) <= EPS
    assert q["coverage"] >= 0.9999
    assert all(shapely.is_valid(cells)) and set(ug.geom_type) == {"Polygon"}
    # the figures in city.json are the ones measured here
    mq = helsinki.meta["quality"]
    assert mq["gap_m2"] <= EPS and mq["overlap_m2"] <= EPS and mq["cells"] == len(ug)


def test_helsinki_cell_sizes(helsinki):
    a = helsinki.layer("unit_grids").geometry.area.to_numpy()
    assert 120 <= len(a) <= 220               # ~1.6 km2 of built-up area
    assert ((a >= 5_000) & (a <= 20_000)).mean() >= 0.85
    assert a.min() >= 2_000
    assert np.median(a) == pytest.approx(10_000, rel=0.25)
    assert helsinki.meta["quality"]["share_5k_20k"] >= 0.85


def test_helsinki_codes_unique_and_well_formed(helsinki):
    ug = helsinki.layer("unit_grids")
    assert ug.code.is_unique
    for row in ug.itertuples():
        g = GridCode.parse(row.code)
        assert str(g) == row.code and len(row.code) == 15
        assert g.admin == "320582"
        assert g.community_code == row.community_code and g.street_code == row.street_code
        assert g.sequence == row.sequence
    # sequences are 1..n inside each community
    for _, sub in ug.groupby("community_code"):
        assert sorted(sub.sequence) == list(range(1, len(sub) + 1))


def test_helsinki_sequence_runs_west_east_north_south(helsinki):
    ug = helsinki.layer("unit_grids")
    for _, sub in ug.groupby("community_code"):
        sub = sub.sort_values("sequence")
        c = shapely.get_coordinates(sub.geometry.centroid.values)
        rows = np.floor((c[:, 1].max() - c[:, 1]) / 100.0)
        assert (np.diff(rows) >= 0).all()          # rows go north -> south
        same = np.diff(rows) == 0
        assert (np.diff(c[:, 0])[same] > 0).all()  # west -> east inside a row


def test_helsinki_each_cell_in_exactly_one_community(helsinki):
    ug = helsinki.layer("unit_grids")
    cm = helsinki.layer("communities")
    st = helsinki.layer("streets")
    assert cm.code.is_unique and st.code.is_unique
    tree = shapely.STRtree(cm.geometry.values)
    for row in ug.itertuples():
        hits = tree.query(row.geometry.representative_point(), predicate="intersects")
        assert len(hits) == 1
        c = cm.iloc[hits[0]]
        assert c.code == row.community_code
        inter = shapely.intersection(row.geometry, c.geometry).area
        assert inter == pytest.approx(row.geometry.area, abs=EPS)
    # communities of ~30-60 cells, single polygons, each inside its street
    counts = ug.groupby("community_code").size()
    assert counts.between(30, 60).all(), counts.to_dict()
    assert set(cm.geom_type) == {"Polygon"} and set(st.geom_type) == {"Polygon"}
    for c in cm.itertuples():
        assert c.parent_code == c.code[:9]
        s = st[st.code == c.parent_code].geometry.iloc[0]
        assert shapely.difference(c.geometry, s).area <= EPS
    assert len(helsinki.layer("districts")) == 1


def test_helsinki_responsibility_grids(helsinki):
    ug = helsinki.layer("unit_grids")
    rg = helsinki.layer("responsibility_grids")
    assert rg.code.is_unique and ug.responsibility_grid.notna().all()
    sizes = ug.groupby("responsibility_grid").size()
    assert sizes.between(12, 26).all(), sizes.to_dict()
    assert abs(sizes.mean() - 18) <= 3
    assert set(rg.geom_type) == {"Polygon"}                      # contiguous
    assert set(rg.code) == set(ug.responsibility_grid)
    for r in rg.itertuples():
        assert r.code.startswith(r.street_code) and "R" in r.code
        assert (ug[ug.responsibility_grid == r.code].community_code == r.community_code).all()
    assert rg.inspector.notna().all() and rg.inspector.is_unique
