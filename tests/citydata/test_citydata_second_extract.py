"""The pipeline on pyrosm's second bundled extract, through the command line, with --crs/--admin."""
import pyogrio
import pyproj

from app.domain.codes import ComponentId, GridCode
from server_stub.citydata import ATTRIBUTION
from server_stub.citydata.quality import pairwise_overlap, tiling_figures


def test_second_extract_builds(second_extract):
    pkg, rc = second_extract
    assert rc == 0
    meta = pkg.meta
    assert meta["name"] == "测试城区" and meta["admin_code"] == "110101"
    assert meta["crs"]["authority"] == "EPSG:3067"
    assert meta["attribution"] == ATTRIBUTION
    info = pyogrio.read_info(pkg.gpkg, layer="unit_grids")
    assert pyproj.CRS.from_user_input(info["crs"]).to_epsg() == 3067
    lon0, lat0, lon1, lat1 = meta["extent"]["lonlat"]
    assert 26.9 < lon0 < lon1 < 27.0 and 60.5 < lat0 < lat1 < 60.6   # Kouvola, not Helsinki


def test_second_extract_partition(second_extract):
    pkg, _ = second_extract
    ug = pkg.layer("unit_grids")
    area = pkg.layer("builtup_area").geometry.iloc[0]
    q = tiling_figures(ug.geometry.values, area)
    assert q["gap_m2"] <= 0.01 and q["overlap_m2"] <= 0.01 and q["coverage"] >= 0.9999
    assert pairwise_overlap(ug.geometry.values) <= 0.01
    a = ug.geometry.area.to_numpy()
    assert ((a >= 5_000) & (a <= 20_000)).mean() >= 0.85
    assert ug.code.is_unique
    assert all(GridCode.parse(c).admin == "110101" for c in ug.code)


def test_second_extract_components(second_extract):
    pkg, _ = second_extract
    c = pkg.layer("components")
    km2 = pkg.meta["quality"]["builtup_km2"]
    assert 2_000 <= len(c) / km2 <= 4_500
    assert c.id.is_unique
    assert all(ComponentId.parse(x).admin == "110101" for x in c.id)
    assert (c.data_source == "synthesized").mean() > 0.9     # little street furniture mapped here
    assert len(pkg.layer("inspectors")) == len(pkg.layer("responsibility_grids")) > 0


def test_second_extract_is_clipped_to_its_own_extent(second_extract):
    """The clip box is the extract's header box (26.93-26.97 E, 60.52-60.54 N), not the bounds of its
    tagged nodes: the built-up area reaches the header box's edges."""
    import pyrosm

    from server_stub.citydata.osm_read import header_bbox
    pkg, _ = second_extract
    hw, hs, he, hn = header_bbox(pyrosm.get_data("test_pbf"))
    lon0, lat0, lon1, lat1 = pkg.meta["extent"]["lonlat"]
    assert hw - 1e-4 <= lon0 and lon1 <= he + 1e-4 and hs - 1e-4 <= lat0 and lat1 <= hn + 1e-4
    assert (lon1 - lon0) > 0.95 * (he - hw) and (lat1 - lat0) > 0.9 * (hn - hs)
