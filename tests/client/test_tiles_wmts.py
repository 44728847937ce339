"""WMTS GetCapabilities parsing and WMTS/XYZ/server/天地图 tile URLs (no network)."""
from __future__ import annotations

import math
from urllib.parse import parse_qs, urlsplit

import mercantile
import pytest

from app.map.tiles import (CapabilitiesError, ServerTileSource, TileMatrixSet, WmtsSource,
                           XyzSource, parse_capabilities, tianditu_source)

# -- fixture: a 天地图-style document ---------------------------------------------------------
# As the national 天地图 node serves it: one layer per service, KVP only, FORMAT "tiles", scale
# denominators computed at 96 dpi, the CGCS2000 `c` set's TopLeftCorner written latitude first
# ("90.0 -180.0"), the `w` set's x/y. Levels 1..18 exactly as published. Hosts are loopback.
TDT_SCALES = [
    "2.958293554545656E8", "1.479146777272828E8", "7.39573388636414E7", "3.69786694318207E7",
    "1.848933471591035E7", "9244667.357955175", "4622333.678977588", "2311166.839488794",
    "1155583.419744397", "577791.7098721985", "288895.85493609926", "144447.92746804963",
    "72223.96373402482", "36111.98186701241", "18055.990933506204", "9027.995466753102",
    "4513.997733376551", "2256.998866688275",
]


def _tdt_matrices(corner: str, geographic: bool) -> str:
    out = []
    for i, scale in enumerate(TDT_SCALES):
        z = i + 1
        width = 2 ** z
        height = 2 ** (z - 1) if geographic else 2 ** z
        out.append(f"""      <TileMatrix>
        <ows:Identifier>{z}</ows:Identifier>
        <ScaleDenominator>{scale}</ScaleDenominator>
        <TopLeftCorner>{corner}</TopLeftCorner>
        <TileWidth>256</TileWidth>
        <TileHeight>256</TileHeight>
        <MatrixWidth>{width}</MatrixWidth>
        <MatrixHeight>{height}</MatrixHeight>
      </TileMatrix>""")
    return "\n".join(out)


TIANDITU_CAPS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Capabilities xmlns="http://www.opengis.net/wmts/1.0" xmlns:ows="http://www.opengis.net/ows/1.1"
    xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:gml="http://www.opengis.net/gml"
    xsi:schemaLocation="http://www.opengis.net/wmts/1.0 http://schemas.opengis.net/wmts/1.0/wmtsGetCapabilities_response.xsd"
    version="1.0.0">
  <ows:ServiceIdentification>
    <ows:Title>在线地图服务</ows:Title>
    <ows:Abstract>基于OGC标准的地图服务</ows:Abstract>
    <ows:Keywords><ows:Keyword>OGC</ows:Keyword></ows:Keywords>
    <ows:ServiceType codeSpace="wmts"/>
    <ows:ServiceTypeVersion>1.0.0</ows:ServiceTypeVersion>
    <ows:Fees>none</ows:Fees>
    <ows:AccessConstraints>none</ows:AccessConstraints>
  </ows:ServiceIdentification>
  <ows:ServiceProvider>
    <ows:ProviderName>国家基础地理信息中心</ows:ProviderName>
    <ows:ServiceContact><ows:IndividualName>天地图</ows:IndividualName></ows:ServiceContact>
  </ows:ServiceProvider>
  <ows:OperationsMetadata>
    <ows:Operation name="GetCapabilities">
      <ows:DCP><ows:HTTP><ows:Get xlink:href="http://127.0.0.1:8091/vec_c/wmts?">
        <ows:Constraint name="GetEncoding"><ows:AllowedValues><ows:Value>KVP</ows:Value></ows:AllowedValues></ows:Constraint>
      </ows:Get></ows:HTTP></ows:DCP>
    </ows:Operation>
    <ows:Operation name="GetTile">
      <ows:DCP><ows:HTTP><ows:Get xlink:href="http://127.0.0.1:8091/vec_c/wmts?">
        <ows:Constraint name="GetEncoding"><ows:AllowedValues><ows:Value>KVP</ows:Value></ows:AllowedValues></ows:Constraint>
      </ows:Get></ows:HTTP></ows:DCP>
    </ows:Operation>
  </ows:OperationsMetadata>
  <Contents>
    <Layer>
      <ows:Title>vec</ows:Title>
      <ows:Abstract>vec</ows:Abstract>
      <ows:Identifier>vec</ows:Identifier>
      <ows:WGS84BoundingBox>
        <ows:LowerCorner>-180.0 -90.0</ows:LowerCorner>
        <ows:UpperCorner>180.0 90.0</ows:UpperCorner>
      </ows:WGS84BoundingBox>
      <ows:BoundingBox>
        <ows:LowerCorner>-180.0 -90.0</ows:LowerCorner>
        <ows:UpperCorner>180.0 90.0</ows:UpperCorner>
      </ows:BoundingBox>
      <Style><ows:Identifier>default</ows:Identifier></Style>
      <Format>tiles</Format>
      <TileMatrixSetLink><TileMatrixSet>c</TileMatrixSet></TileMatrixSetLink>
      <TileMatrixSetLink><TileMatrixSet>w</TileMatrixSet></TileMatrixSetLink>
    </Layer>
    <TileMatrixSet>
      <ows:Identifier>c</ows:Identifier>
      <ows:SupportedCRS>urn:ogc:def:crs:EPSG::4490</ows:SupportedCRS>
{_tdt_matrices("90.0 -180.0", geographic=True)}
    </TileMatrixSet>
    <TileMatrixSet>
      <ows:Identifier>w</ows:Identifier>
      <ows:SupportedCRS>urn:ogc:def:crs:EPSG::900913</ows:SupportedCRS>
{_tdt_matrices("-20037508.3427892 20037508.3427892", geographic=False)}
    </TileMatrixSet>
  </Contents>
</Capabilities>
"""

# The provincial-node variant: the same `c` set written x/y ("-180.0 90.0").
TIANDITU_CAPS_XY = TIANDITU_CAPS.replace("<TopLeftCorner>90.0 -180.0</TopLeftCorner>",
                                         "<TopLeftCorner>-180.0 90.0</TopLeftCorner>")

# -- fixture: a generic OGC (GeoServer/GeoWebCache-like) document ---------------------------
# An EPSG:3857 GoogleMapsCompatible set with "EPSG:3857:z" identifiers, REST and KVP, limits,
# a dimension; and a CGCS2000 3-degree Gauss-Kruger set (EPSG:4547, CM 114E) with round scales,
# its TopLeftCorner in the CRS's axis order (northing, easting), as the standard asks.
GK_ORIGIN_X, GK_ORIGIN_Y = -5123200.0, 10002288.3
GK_LEVELS = [  # scale, matrix width, matrix height (covering the zone's area of use)
    (500000, 169, 215), (250000, 337, 430), (100000, 841, 1075), (50000, 1681, 2150),
    (10000, 8403, 10746), (2000, 42015, 53727), (500, 168059, 214908)]


def _gk_matrices() -> str:
    return "\n".join(f"""      <TileMatrix>
        <ows:Identifier>{i}</ows:Identifier>
        <ScaleDenominator>{scale}.0</ScaleDenominator>
        <TopLeftCorner>{GK_ORIGIN_Y} {GK_ORIGIN_X}</TopLeftCorner>
        <TileWidth>256</TileWidth>
        <TileHeight>256</TileHeight>
        <MatrixWidth>{mw}</MatrixWidth>
        <MatrixHeight>{mh}</MatrixHeight>
      </TileMatrix>""" for i, (scale, mw, mh) in enumerate(GK_LEVELS))


def _google_matrices(max_zoom: int = 8) -> str:
    out = []
    for z in range(max_zoom + 1):
        scale = 559082264.0287178 / 2 ** z
        out.append(f"""      <TileMatrix>
        <ows:Identifier>EPSG:3857:{z}</ows:Identifier>
        <ScaleDenominator>{scale!r}</ScaleDenominator>
        <TopLeftCorner>-2.003750834E7 2.0037508E7</TopLeftCorner>
        <TileWidth>256</TileWidth>
        <TileHeight>256</TileHeight>
        <MatrixWidth>{2 ** z}</MatrixWidth>
        <MatrixHeight>{2 ** z}</MatrixHeight>
      </TileMatrix>""")
    return "\n".join(out)


OGC_CAPS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Capabilities xmlns="http://www.opengis.net/wmts/1.0" xmlns:ows="http://www.opengis.net/ows/1.1"
    xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:gml="http://www.opengis.net/gml"
    version="1.0.0">
  <ows:ServiceIdentification>
    <ows:Title>Web Map Tile Service - GeoWebCache</ows:Title>
    <ows:ServiceType>OGC WMTS</ows:ServiceType>
    <ows:ServiceTypeVersion>1.0.0</ows:ServiceTypeVersion>
  </ows:ServiceIdentification>
  <ows:OperationsMetadata>
    <ows:Operation name="GetCapabilities">
      <ows:DCP><ows:HTTP><ows:Get xlink:href="http://127.0.0.1:8080/geoserver/gwc/service/wmts?">
        <ows:Constraint name="GetEncoding"><ows:AllowedValues><ows:Value>KVP</ows:Value></ows:AllowedValues></ows:Constraint>
      </ows:Get></ows:HTTP></ows:DCP>
    </ows:Operation>
    <ows:Operation name="GetTile">
      <ows:DCP><ows:HTTP>
        <ows:Get xlink:href="http://127.0.0.1:8080/geoserver/gwc/service/wmts/rest/">
          <ows:Constraint name="GetEncoding"><ows:AllowedValues><ows:Value>RESTful</ows:Value></ows:AllowedValues></ows:Constraint>
        </ows:Get>
        <ows:Get xlink:href="http://127.0.0.1:8080/geoserver/gwc/service/wmts?">
          <ows:Constraint name="GetEncoding"><ows:AllowedValues><ows:Value>KVP</ows:Value></ows:AllowedValues></ows:Constraint>
        </ows:Get>
      </ows:HTTP></ows:DCP>
    </ows:Operation>
  </ows:OperationsMetadata>
  <Contents>
    <Layer>
      <ows:Title>城市底图</ows:Title>
      <ows:Abstract>Base map of the city</ows:Abstract>
      <ows:WGS84BoundingBox>
        <ows:LowerCorner>115.4 39.4</ows:LowerCorner>
        <ows:UpperCorner>117.5 41.1</ows:UpperCorner>
      </ows:WGS84BoundingBox>
      <ows:Identifier>occ:basemap</ows:Identifier>
      <Style isDefault="false"><ows:Identifier>dark</ows:Identifier></Style>
      <Style isDefault="true"><ows:Identifier>light</ows:Identifier><ows:Title>浅色</ows:Title></Style>
      <Format>image/png</Format>
      <Format>image/jpeg</Format>
      <InfoFormat>application/json</InfoFormat>
      <Dimension>
        <ows:Identifier>Time</ows:Identifier>
        <Default>2024-06-01</Default>
        <Value>2023-06-01</Value>
        <Value>2024-06-01</Value>
      </Dimension>
      <TileMatrixSetLink>
        <TileMatrixSet>EPSG:3857</TileMatrixSet>
        <TileMatrixSetLimits>
          <TileMatrixLimits>
            <TileMatrix>EPSG:3857:6</TileMatrix>
            <MinTileRow>23</MinTileRow><MaxTileRow>24</MaxTileRow>
            <MinTileCol>52</MinTileCol><MaxTileCol>53</MaxTileCol>
          </TileMatrixLimits>
          <TileMatrixLimits>
            <TileMatrix>EPSG:3857:7</TileMatrix>
            <MinTileRow>47</MinTileRow><MaxTileRow>48</MaxTileRow>
            <MinTileCol>105</MinTileCol><MaxTileCol>106</MaxTileCol>
          </TileMatrixLimits>
        </TileMatrixSetLimits>
      </TileMatrixSetLink>
      <ResourceURL format="image/png" resourceType="tile"
          template="http://127.0.0.1:8080/geoserver/gwc/service/wmts/rest/occ:basemap/{{style}}/{{Time}}/{{TileMatrixSet}}/{{TileMatrix}}/{{TileRow}}/{{TileCol}}?format=image/png"/>
      <ResourceURL format="image/jpeg" resourceType="tile"
          template="http://127.0.0.1:8080/geoserver/gwc/service/wmts/rest/occ:basemap/{{style}}/{{Time}}/{{TileMatrixSet}}/{{TileMatrix}}/{{TileRow}}/{{TileCol}}?format=image/jpeg"/>
      <ResourceURL format="application/json" resourceType="FeatureInfo"
          template="http://127.0.0.1:8080/geoserver/gwc/service/wmts/rest/occ:basemap/{{style}}/{{TileMatrixSet}}/{{TileMatrix}}/{{TileRow}}/{{TileCol}}/{{J}}/{{I}}?format=application/json"/>
    </Layer>
    <Layer>
      <ows:Title>深圳网格底图</ows:Title>
      <ows:WGS84BoundingBox>
        <ows:LowerCorner>113.7 22.4</ows:LowerCorner>
        <ows:UpperCorner>114.7 22.9</ows:UpperCorner>
      </ows:WGS84BoundingBox>
      <ows:Identifier>occ:grid_gk</ows:Identifier>
      <Style isDefault="true"><ows:Identifier>default</ows:Identifier></Style>
      <Format>image/png</Format>
      <TileMatrixSetLink><TileMatrixSet>CGCS2000_3GK_CM114E</TileMatrixSet></TileMatrixSetLink>
    </Layer>
    <TileMatrixSet>
      <ows:Identifier>EPSG:3857</ows:Identifier>
      <ows:SupportedCRS>urn:ogc:def:crs:EPSG::3857</ows:SupportedCRS>
      <WellKnownScaleSet>urn:ogc:def:wkss:OGC:1.0:GoogleMapsCompatible</WellKnownScaleSet>
{_google_matrices()}
    </TileMatrixSet>
    <TileMatrixSet>
      <ows:Identifier>CGCS2000_3GK_CM114E</ows:Identifier>
      <ows:SupportedCRS>urn:ogc:def:crs:EPSG::4547</ows:SupportedCRS>
{_gk_matrices()}
    </TileMatrixSet>
  </Contents>
  <ServiceMetadataURL xlink:href="http://127.0.0.1:8080/geoserver/gwc/service/wmts?REQUEST=getcapabilities&amp;VERSION=1.0.0"/>
</Capabilities>
"""


# -- 天地图 ----------------------------------------------------------------------------------
@pytest.mark.parametrize("doc", [TIANDITU_CAPS, TIANDITU_CAPS_XY], ids=["lat-lon", "lon-lat"])
def test_tianditu_c_set_parsed_whatever_the_corner_axis_order(doc):
    caps = parse_capabilities(doc)
    c = caps.tile_matrix_sets["c"]
    assert c.crs.to_epsg() == 4490
    assert c.zooms == list(range(1, 19))
    ref = TileMatrixSet.tianditu_c()
    for z in (1, 2, 8, 18):
        m = c.level(z)
        assert m.origin == (-180.0, 90.0)
        # 96 dpi scale denominators read back to the published resolutions
        assert m.resolution == pytest.approx(0.703125 / 2 ** (z - 1), rel=1e-9)
        assert (m.matrix_width, m.matrix_height) == (2 ** z, 2 ** (z - 1))
        for x, y in [(0, 0), (m.matrix_width - 1, m.matrix_height - 1), (m.matrix_width // 3, 0)]:
            assert c.tile_bounds(z, x, y) == pytest.approx(ref.tile_bounds(z, x, y), abs=1e-9)


def test_forcing_the_axis_order():
    # "crs" trusts EPSG:4490's lat/lon order: right for the national document...
    c = parse_capabilities(TIANDITU_CAPS, axis_order="crs").tile_matrix_sets["c"]
    assert c.level(1).origin == (-180.0, 90.0)
    # ...and wrong for the provincial one, which "xy" reads right.
    assert parse_capabilities(TIANDITU_CAPS_XY, axis_order="crs").tile_matrix_sets["c"] \
        .level(1).origin == (90.0, -180.0)
    assert parse_capabilities(TIANDITU_CAPS_XY, axis_order="xy").tile_matrix_sets["c"] \
        .level(1).origin == (-180.0, 90.0)
    with pytest.raises(ValueError):
        parse_capabilities(TIANDITU_CAPS, axis_order="yx")


def test_tianditu_w_set_is_web_mercator():
    caps = parse_capabilities(TIANDITU_CAPS)
    w = caps.tile_matrix_sets["w"]
    assert w.crs.to_epsg() == 3857  # EPSG::900913 is read as 3857
    assert w.zooms == list(range(1, 19))
    for z, x, y in [(1, 0, 1), (10, 843, 388), (18, 215837, 99333)]:
        expected = mercantile.xy_bounds(x, y, z)
        assert tuple(w.tile_bounds(z, x, y)) == pytest.approx(tuple(expected), abs=1e-3)


def test_pixel_size_can_be_forced():
    caps = parse_capabilities(TIANDITU_CAPS, pixel_size=0.28e-3)
    res = caps.tile_matrix_sets["c"].level(1).resolution
    assert res == pytest.approx(2.958293554545656e8 * 0.28e-3 / (2 * math.pi * 6378137 / 360))
    assert res != pytest.approx(0.703125, rel=1e-3)


def test_tianditu_layer_kvp_urls_carry_the_key():
    caps = parse_capabilities(TIANDITU_CAPS)
    layer = caps.layer("vec")
    assert layer.formats == ["tiles"]
    assert layer.default_style == "default"
    assert layer.tile_matrix_set_ids == ["c", "w"]
    assert caps.get_tile_kvp_url == "http://127.0.0.1:8091/vec_c/wmts?"
    assert caps.get_tile_encodings == ("KVP",)
    assert caps.title == "在线地图服务"

    src = WmtsSource(caps, "vec", tile_matrix_set="c", params={"tk": "0123abcd"})
    assert src.encoding == "KVP" and src.format == "tiles"
    assert src.tms.identifier == "c"
    url = src.tile_url(8, 210, 40)
    parts = urlsplit(url)
    assert parts.netloc == "127.0.0.1:8091" and parts.path == "/vec_c/wmts"
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert q == {"SERVICE": "WMTS", "REQUEST": "GetTile", "VERSION": "1.0.0", "LAYER": "vec",
                 "STYLE": "default", "TILEMATRIXSET": "c", "TILEMATRIX": "8", "TILEROW": "40",
                 "TILECOL": "210", "FORMAT": "tiles", "tk": "0123abcd"}
    assert "0123abcd" not in src.id  # the key never reaches the cache path
    assert src.host == "127.0.0.1:8091"


def test_tianditu_preset_matches_the_published_grids():
    src = tianditu_source("img", "KEY", "c", host="127.0.0.1:8091", scheme="http")
    assert src.tms.identifier == "c" and src.tms.crs.to_epsg() == 4490
    url = src.tile_url(3, 5, 2)
    assert url.startswith("http://127.0.0.1:8091/img_c/wmts?")
    q = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert (q["TILEMATRIX"], q["TILEROW"], q["TILECOL"], q["tk"]) == ("3", "2", "5", "KEY")
    assert q["LAYER"] == "img" and q["TILEMATRIXSET"] == "c"
    w = tianditu_source("vec", "KEY", host="t{s}.127.0.0.1.invalid")
    assert w.tms.min_zoom == 1 and w.tms.crs.to_epsg() == 3857
    assert urlsplit(w.tile_url(1, 1, 0)).netloc in {f"t{i}.127.0.0.1.invalid" for i in range(8)}
    with pytest.raises(ValueError):
        tianditu_source("vec", "KEY", "x")


# -- generic OGC ------------------------------------------------------------------------------
def test_generic_document_layers_styles_formats_dimensions():
    caps = parse_capabilities(OGC_CAPS.encode("utf-8"))
    assert list(caps.layers) == ["occ:basemap", "occ:grid_gk"]
    lyr = caps.layer("occ:basemap")
    assert lyr.title == "城市底图"
    assert [s.identifier for s in lyr.styles] == ["dark", "light"]
    assert lyr.default_style == "light"
    assert lyr.formats == ["image/png", "image/jpeg"]
    assert lyr.info_formats == ["application/json"]
    assert lyr.wgs84_bbox == (115.4, 39.4, 117.5, 41.1)
    assert lyr.dimensions[0].identifier == "Time" and lyr.dimensions[0].default == "2024-06-01"
    assert [t.format for t in lyr.tile_templates()] == ["image/png", "image/jpeg"]
    assert [t.format for t in lyr.tile_templates("image/jpeg")][0] == "image/jpeg"
    assert caps.get_tile_kvp_url == "http://127.0.0.1:8080/geoserver/gwc/service/wmts?"
    assert set(caps.get_tile_encodings) == {"RESTful", "KVP"}
    with pytest.raises(KeyError, match="occ:nothing"):
        caps.layer("occ:nothing")


def test_generic_3857_set_matches_mercantile():
    caps = parse_capabilities(OGC_CAPS)
    tms = caps.tile_matrix_sets["EPSG:3857"]
    assert tms.crs.to_epsg() == 3857
    assert tms.zooms == list(range(0, 9))  # "EPSG:3857:z" -> z
    assert tms.level(5).identifier == "EPSG:3857:5"
    assert tms.well_known_scale_set.endswith("GoogleMapsCompatible")
    for z, x, y in [(0, 0, 0), (6, 52, 24), (8, 210, 97)]:
        # the document rounds the origin to 2.0037508E7: compare to a metre
        assert tuple(tms.tile_bounds(z, x, y)) == pytest.approx(
            tuple(mercantile.xy_bounds(x, y, z)), abs=1.0)


def test_layer_limits_restrict_levels_and_tiles():
    caps = parse_capabilities(OGC_CAPS)
    tms = caps.tile_matrix_set_for("occ:basemap")
    assert tms.zooms == [6, 7]
    m = tms.level(6)
    assert m.contains(52, 23) and m.contains(53, 24)
    assert not m.contains(51, 23) and not m.contains(52, 25)
    assert m.tile_range(tms.extent) == (52, 53, 23, 24)
    with pytest.raises(KeyError):
        caps.tile_matrix_set_for("occ:basemap", "CGCS2000_3GK_CM114E")


def test_rest_urls_fill_style_dimension_and_indices():
    caps = parse_capabilities(OGC_CAPS)
    src = WmtsSource(caps, "occ:basemap")
    assert src.encoding == "REST" and src.format == "image/png" and src.style == "light"
    assert src.tile_url(6, 53, 24) == (
        "http://127.0.0.1:8080/geoserver/gwc/service/wmts/rest/occ:basemap/light/2024-06-01/"
        "EPSG:3857/EPSG:3857:6/24/53?format=image/png")
    jpg = WmtsSource(caps, "occ:basemap", format="image/jpeg", style="dark",
                     dimensions={"Time": "2023-06-01"}, params={"token": "t"})
    assert jpg.tile_url(7, 105, 47) == (
        "http://127.0.0.1:8080/geoserver/gwc/service/wmts/rest/occ:basemap/dark/2023-06-01/"
        "EPSG:3857/EPSG:3857:7/47/105?format=image/jpeg&token=t")
    kvp = WmtsSource(caps, "occ:basemap", encoding="KVP")
    q = {k: v[0] for k, v in parse_qs(urlsplit(kvp.tile_url(6, 52, 23)).query).items()}
    assert q["TILEMATRIX"] == "EPSG:3857:6" and q["LAYER"] == "occ:basemap"
    assert q["FORMAT"] == "image/png" and q["Time"] == "2024-06-01"
    assert src.has_tile(6, 52, 23) and not src.has_tile(6, 0, 0) and not src.has_tile(5, 0, 0)
    with pytest.raises(ValueError):
        WmtsSource(caps, "occ:grid_gk", encoding="REST")


@pytest.mark.parametrize("xy_order", [False, True], ids=["northing-easting", "easting-northing"])
def test_cgcs2000_gauss_kruger_set(xy_order):
    doc = OGC_CAPS
    if xy_order:  # some servers write projected corners x/y whatever the CRS says
        doc = doc.replace(f"{GK_ORIGIN_Y} {GK_ORIGIN_X}", f"{GK_ORIGIN_X} {GK_ORIGIN_Y}")
    caps = parse_capabilities(doc)
    tms = caps.tile_matrix_set_for("occ:grid_gk")
    assert tms.crs.to_epsg() == 4547
    assert tms.zooms == list(range(len(GK_LEVELS)))
    for z, (scale, mw, mh) in enumerate(GK_LEVELS):
        m = tms.level(z)
        assert m.origin == (GK_ORIGIN_X, GK_ORIGIN_Y)
        assert m.resolution == pytest.approx(scale * 0.28e-3)  # OGC 0.28 mm pixel kept
        assert (m.matrix_width, m.matrix_height) == (mw, mh)
    # Shenzhen (about 500 km east, 2.5e6 m north) falls inside the matrices
    m = tms.level(4)  # 1:10000, 2.8 m/px
    x = math.floor((500000 - GK_ORIGIN_X) / m.span_x)
    y = math.floor((GK_ORIGIN_Y - 2500000) / m.span_y)
    b = m.tile_bounds(x, y)
    assert b.left <= 500000 < b.right and b.bottom <= 2500000 < b.top
    src = WmtsSource(caps, "occ:grid_gk")
    q = {k: v[0] for k, v in parse_qs(urlsplit(src.tile_url(4, x, y)).query).items()}
    assert q["TILEMATRIXSET"] == "CGCS2000_3GK_CM114E" and q["TILEMATRIX"] == "4"


def test_bad_documents_are_reported():
    with pytest.raises(CapabilitiesError, match="not XML"):
        parse_capabilities("<html")
    with pytest.raises(CapabilitiesError, match="exception"):
        parse_capabilities(
            '<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows/1.1"><ows:Exception '
            'exceptionCode="InvalidParameterValue"><ows:ExceptionText>bad tk</ows:ExceptionText>'
            '</ows:Exception></ows:ExceptionReport>')
    with pytest.raises(CapabilitiesError, match="not a WMTS"):
        parse_capabilities("<WMS_Capabilities/>")


# -- XYZ and the project server ---------------------------------------------------------------
def test_xyz_template_subdomains_and_tms_flip():
    src = XyzSource("http://{s}.127.0.0.1.invalid/{z}/{x}/{y}.png", subdomains="abc",
                    params={"key": "k"})
    assert src.tile_url(3, 1, 2) == "http://a.127.0.0.1.invalid/3/1/2.png?key=k"  # (1+2)%3 = 0
    assert src.tile_url(3, 2, 2) == "http://b.127.0.0.1.invalid/3/2/2.png?key=k"
    assert "key" not in src.id and src.host == "a.127.0.0.1.invalid"
    tms = XyzSource("http://127.0.0.1:1/{z}/{x}/{-y}.png")
    assert tms.tile_url(3, 1, 2) == "http://127.0.0.1:1/3/1/5.png"
    flip = XyzSource("http://127.0.0.1:1/{z}/{x}/{y}.png", flip_y=True, max_zoom=10)
    assert flip.tile_url(1, 0, 0) == "http://127.0.0.1:1/1/0/1.png"
    assert flip.max_zoom == 10 and not flip.has_tile(11, 0, 0) and not flip.has_tile(1, 2, 0)
    with pytest.raises(ValueError):
        XyzSource("http://{s}.127.0.0.1.invalid/{z}/{x}/{y}.png")


def test_server_source_from_base_url_or_template():
    src = ServerTileSource("http://127.0.0.1:8000/", style="dark")
    assert src.tile_url(12, 3371, 1552) == "http://127.0.0.1:8000/tiles/dark/12/3371/1552.png"
    assert src.capabilities_url == \
        "http://127.0.0.1:8000/wmts?SERVICE=WMTS&REQUEST=GetCapabilities"
    assert src.id == "server-127.0.0.1_8000-dark"
    tpl = ServerTileSource("http://127.0.0.1:8000/api/v1/tiles/base/{z}/{x}/{y}.png",
                           headers={"Authorization": "Bearer x"})
    assert tpl.tile_url(1, 1, 0) == "http://127.0.0.1:8000/api/v1/tiles/base/1/1/0.png"
    assert tpl.capabilities_url is None and tpl.headers["Authorization"] == "Bearer x"
