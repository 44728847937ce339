"""WMTS 1.0.0: capabilities with both tile matrix sets, KVP and RESTful GetTile, OWS exceptions."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from server_stub.basemap.package import load_city
from server_stub.basemap.tms import OGC_PIXEL_M

NS = {"w": "http://www.opengis.net/wmts/1.0", "ows": "http://www.opengis.net/ows/1.1",
      "xlink": "http://www.w3.org/1999/xlink"}


@pytest.fixture(scope="module")
def caps(server):
    r = server.get("/wmts?SERVICE=WMTS&REQUEST=GetCapabilities&VERSION=1.0.0")
    assert r.status_code == 200 and "xml" in r.headers["content-type"]
    return r


def test_capabilities_list_the_layer_styles_and_both_matrix_sets(caps, city_dir):
    root = ET.fromstring(caps.content)
    assert root.tag == "{http://www.opengis.net/wmts/1.0}Capabilities" and root.get("version") == "1.0.0"
    layer = root.find("w:Contents/w:Layer", NS)
    assert layer.findtext("ows:Identifier", namespaces=NS) == "basemap"
    styles = {s.findtext("ows:Identifier", namespaces=NS): s.get("isDefault") for s in layer.findall("w:Style", NS)}
    assert styles == {"day": "true", "dark": None}
    assert [f.text for f in layer.findall("w:Format", NS)] == ["image/png"]
    links = [lk.findtext("w:TileMatrixSet", namespaces=NS) for lk in layer.findall("w:TileMatrixSetLink", NS)]
    assert links == ["WebMercatorQuad", "city"]
    template = layer.find("w:ResourceURL", NS).get("template")
    assert template.endswith("/wmts/1.0.0/basemap/{Style}/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png")

    city = load_city(city_dir)
    sets = {s.findtext("ows:Identifier", namespaces=NS): s for s in root.findall("w:Contents/w:TileMatrixSet", NS)}
    assert set(sets) == {"WebMercatorQuad", "city"}
    wm = sets["WebMercatorQuad"]
    assert wm.findtext("ows:SupportedCRS", namespaces=NS) == "urn:ogc:def:crs:EPSG::3857"
    z0 = wm.find("w:TileMatrix", NS)
    assert float(z0.findtext("w:ScaleDenominator", namespaces=NS)) == pytest.approx(559082264.0287178)
    assert [float(v) for v in z0.findtext("w:TopLeftCorner", namespaces=NS).split()] == \
        pytest.approx([-20037508.3427892, 20037508.3427892])
    cs = sets["city"]
    assert cs.findtext("ows:SupportedCRS", namespaces=NS) == "urn:ogc:def:crs:EPSG::32635"
    matrices = cs.findall("w:TileMatrix", NS)
    tms = city.sets["city"]
    assert len(matrices) == len(tms.matrices)
    for z, tm in enumerate(matrices):
        m = tms.matrix(z)
        assert tm.findtext("ows:Identifier", namespaces=NS) == str(z)
        scale = float(tm.findtext("w:ScaleDenominator", namespaces=NS))
        assert scale == pytest.approx(m.resolution / OGC_PIXEL_M)  # metres per pixel over 0.28 mm
        assert [float(v) for v in tm.findtext("w:TopLeftCorner", namespaces=NS).split()] == \
            pytest.approx([tms.left, tms.top])  # UTM is easting-first
        assert int(tm.findtext("w:MatrixWidth", namespaces=NS)) == m.matrix_width
        assert int(tm.findtext("w:MatrixHeight", namespaces=NS)) == m.matrix_height
    assert float(matrices[-1].findtext("w:ScaleDenominator", namespaces=NS)) == pytest.approx(500.0)
    assert int(matrices[0].findtext("w:MatrixWidth", namespaces=NS)) == 1


def test_the_client_reads_these_capabilities(caps):
    """The desktop client's own WMTS reader understands the document (axis order, pixel size, limits)."""
    from app.map.tiles.wmts_capabilities import parse_capabilities
    parsed = parse_capabilities(caps.content)
    layer = parsed.layer("basemap")
    assert layer.default_style == "day" and layer.tile_matrix_set_ids == ["WebMercatorQuad", "city"]
    city = parsed.tile_matrix_set_for("basemap", "city")
    finest = city.levels[-1]
    assert finest.scale_denominator == pytest.approx(500.0) and finest.resolution == pytest.approx(0.14)
    assert finest.limits is not None


def test_kvp_and_rest_gettile_give_the_xyz_tile(server, city_dir, caps):
    city = load_city(city_dir)
    z = city.sets["city"].max_zoom - 2
    c0, r0, c1, r1 = city.tile_range("city", z)
    col, row = (c0 + c1) // 2, (r0 + r1) // 2
    xyz = server.get(f"/tiles/dark/city/{z}/{col}/{row}.png")
    kvp = server.get("/wmts", params={"SERVICE": "WMTS", "REQUEST": "GetTile", "VERSION": "1.0.0", "LAYER": "basemap",
                                      "STYLE": "dark", "TILEMATRIXSET": "city", "TILEMATRIX": str(z),
                                      "TILEROW": str(row), "TILECOL": str(col), "FORMAT": "image/png"})
    template = ET.fromstring(caps.content).find("w:Contents/w:Layer/w:ResourceURL", NS).get("template")
    rest_url = (template.replace("{Style}", "dark").replace("{TileMatrixSet}", "city")
                .replace("{TileMatrix}", str(z)).replace("{TileRow}", str(row)).replace("{TileCol}", str(col)))
    rest = server.get(rest_url.replace("http://testserver", ""))
    assert xyz.status_code == kvp.status_code == rest.status_code == 200
    assert xyz.content == kvp.content == rest.content and kvp.headers["etag"] == xyz.headers["etag"]


@pytest.mark.parametrize("query,status,code", [
    ("SERVICE=WMTS&REQUEST=GetTile&LAYER=basemap&TILEMATRIXSET=city&TILEROW=0&TILECOL=0", 400,
     "MissingParameterValue"),
    ("SERVICE=WMTS&REQUEST=GetTile&LAYER=roads&TILEMATRIXSET=city&TILEMATRIX=0&TILEROW=0&TILECOL=0", 400,
     "InvalidParameterValue"),
    ("SERVICE=WMTS&REQUEST=GetTile&LAYER=basemap&TILEMATRIXSET=city&TILEMATRIX=0&TILEROW=5&TILECOL=0", 400,
     "TileOutOfRange"),
    ("SERVICE=WMTS&REQUEST=GetTile&LAYER=basemap&TILEMATRIXSET=city&TILEMATRIX=0&TILEROW=0&TILECOL=0"
     "&FORMAT=image/jpeg", 400, "InvalidParameterValue"),
    ("SERVICE=WMS&REQUEST=GetMap", 400, "InvalidParameterValue"),
    ("SERVICE=WMTS&REQUEST=GetFeatureInfo", 400, "OperationNotSupported"),
])
def test_ows_exceptions(server, query, status, code):
    r = server.get(f"/wmts?{query}")
    assert r.status_code == status
    ex = ET.fromstring(r.content).find("ows:Exception", NS)
    assert ex.get("exceptionCode") == code and ex.findtext("ows:ExceptionText", namespaces=NS)


def test_xyz_errors(server):
    assert server.get("/tiles/night/16/37307/18966.png").status_code == 404   # unknown style
    assert server.get("/tiles/day/21/0/0.png").status_code == 404             # beyond z20
    assert server.get("/tiles/day/city/0/1/0.png").status_code == 404         # level 0 is one tile


def test_bare_service_url_answers_the_capabilities(server, caps):
    """GDAL's ``WMTS:http://host/wmts`` and other clients start at the URL without any query."""
    r = server.get("/wmts")
    assert r.status_code == 200 and r.content == caps.content
    missing = server.get("/wmts?SERVICE=WMTS")  # a query without REQUEST is still an OWS error
    assert missing.status_code == 400 and b"MissingParameterValue" in missing.content


def test_a_gpx_export_leaves_the_capabilities_default_namespace_alone(server):
    """The GPX writer once registered its prefixes process-wide, and the next capabilities document
    came out as <ns0:Capabilities>, which QGIS 3.22 rejects. Each document now owns its prefixes."""
    from datetime import datetime, timezone

    from server_stub.services.gpx import track_gpx
    gpx = track_gpx("t", [{"fix_at": datetime(2026, 5, 1, 8, tzinfo=timezone.utc), "lon": 24.9, "lat": 60.2,
                           "speed_kn": 2.0, "bearing": 90.0}])
    assert gpx.startswith(b"<?xml") and b'<gpx xmlns="http://www.topografix.com/GPX/1/1"' in gpx
    body = server.get("/wmts?SERVICE=WMTS&REQUEST=GetCapabilities").content
    root = ET.fromstring(body)  # well-formed
    assert root.tag == f"{{{NS['w']}}}Capabilities"
    assert b'<Capabilities xmlns="http://www.opengis.net/wmts/1.0"' in body and b"ns0:" not in body
    assert b'xmlns:ows="http://www.opengis.net/ows/1.1"' in body
    err = server.get("/wmts?SERVICE=WMTS&REQUEST=Nope").content
    assert b"<ows:ExceptionReport" in err and b'xml:lang="en"' in err and b"ns0:" not in err


def test_each_encoding_has_its_own_capabilities(server, caps):
    """KVP's document lists KVP GetTile and the template; the RESTful one only the template, so that
    clients preferring KVP whenever it is listed (QGIS) use REST there."""
    def ops(body: bytes) -> dict[str, list[str]]:
        root = ET.fromstring(body)
        return {op.get("name"): [v.text for v in op.iter(f"{{{NS['ows']}}}Value")]
                for op in root.findall("ows:OperationsMetadata/ows:Operation", NS)}
    rest = server.get("/wmts/1.0.0/WMTSCapabilities.xml")
    assert rest.status_code == 200
    assert ops(caps.content) == {"GetCapabilities": ["KVP"], "GetTile": ["KVP"]}
    assert ops(rest.content) == {"GetCapabilities": ["RESTful"]}
    for body in (caps.content, rest.content):
        assert ET.fromstring(body).find("w:Contents/w:Layer/w:ResourceURL", NS) is not None
