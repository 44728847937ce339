import warnings

import pyproj
import pytest

from server_stub.citydata.crs import (CrsError, cgcs2000_gk3_epsg, choose_crs, crs_string, in_china,
                                      utm_epsg)


def params(crs: pyproj.CRS) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return crs.to_dict()


@pytest.mark.parametrize("code", range(4513, 4534))
def test_gk3_formula_matches_epsg_registry(code):
    crs = pyproj.CRS.from_epsg(code)
    lon0 = params(crs)["lon_0"]
    zone = 25 + (code - 4513)
    assert crs.name == f"CGCS2000 / 3-degree Gauss-Kruger zone {zone}"
    assert lon0 == 75 + 3 * (code - 4513)
    # with zone prefix: the false easting carries the zone number
    assert params(crs)["x_0"] == zone * 1_000_000 + 500_000
    assert cgcs2000_gk3_epsg(lon0) == code
    assert cgcs2000_gk3_epsg(lon0 + 1.49) == code
    assert cgcs2000_gk3_epsg(lon0 - 1.49) == code


def test_central_meridian_120_is_4528_not_4527():
    assert params(pyproj.CRS.from_epsg(4528))["lon_0"] == 120
    assert params(pyproj.CRS.from_epsg(4527))["lon_0"] == 117
    assert cgcs2000_gk3_epsg(120.0) == 4528


def test_suzhou_gets_cgcs2000_zone_40():
    crs = choose_crs(120.62, 31.30)  # Suzhou, Jiangsu
    assert crs.to_epsg() == 4528
    assert params(crs)["lon_0"] == 120
    assert "CGCS2000" in crs.name
    assert choose_crs(120.55, 31.87).to_epsg() == 4528  # Zhangjiagang (320582)


@pytest.mark.parametrize("lon,lat,epsg", [
    (116.40, 39.90, 4527),   # Beijing, CM 117
    (109.33, 36.87, 4524),   # Ansai, CM 108
    (87.60, 43.80, 4517),    # Urumqi, CM 87
    (126.60, 45.75, 4530),   # Harbin, CM 126
    (110.33, 20.03, 4525),   # Haikou, CM 111
])
def test_chinese_cities(lon, lat, epsg):
    assert in_china(lon, lat)
    got = choose_crs(lon, lat)
    assert got.to_epsg() == epsg == cgcs2000_gk3_epsg(lon)
    assert abs(params(got)["lon_0"] - lon) <= 1.5


def test_helsinki_gets_utm_35n():
    assert not in_china(24.94, 60.17)
    assert choose_crs(24.94, 60.17).to_epsg() == 32635
    assert params(pyproj.CRS.from_epsg(32635))["zone"] == 35


@pytest.mark.parametrize("lon,lat,epsg", [
    (126.98, 37.57, 32652),   # Seoul: not China
    (106.90, 47.90, 32648),   # Ulaanbaatar
    (151.21, -33.87, 32756),  # Sydney: southern hemisphere
    (5.32, 60.39, 32632),     # Bergen: the Norway exception
    (-74.0, 40.7, 32618),     # New York
])
def test_utm_elsewhere(lon, lat, epsg):
    assert not in_china(lon, lat)
    assert utm_epsg(lon, lat) == epsg
    assert choose_crs(lon, lat).to_epsg() == epsg


def test_override_accepts_metric_projected_crs_only():
    assert choose_crs(24.94, 60.17, "EPSG:3067").to_epsg() == 3067
    local = "+proj=tmerc +lat_0=0 +lon_0=120.5 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs"
    crs = choose_crs(120.6, 31.3, local)
    assert crs.is_projected and crs.to_epsg() is None
    assert crs_string(crs).startswith("+proj=tmerc")
    with pytest.raises(CrsError):
        choose_crs(24.94, 60.17, "EPSG:4326")   # geographic
    with pytest.raises(CrsError):
        choose_crs(24.94, 60.17, "EPSG:3857")   # Web Mercator
    with pytest.raises(CrsError):
        choose_crs(24.94, 60.17, "EPSG:2227")   # US survey feet
    with pytest.raises(CrsError):
        choose_crs(24.94, 60.17, "not a crs")
    with pytest.raises(CrsError):
        cgcs2000_gk3_epsg(10.0)
