"""OGC WMTS 1.0.0: the capabilities document and OWS exception reports.

One layer, ``basemap``, with one WMTS Style per basemap style (day is the default, dark for the
command hall at night), format image/png, and two tile matrix sets: ``WebMercatorQuad``
(GoogleMapsCompatible) and ``city`` (the city's projected CRS, level N = 1:500; see :mod:`.tms`).
Each TileMatrixSetLink carries TileMatrixSetLimits: the tiles that show the city. Scale denominators
use the standard 0.28 mm pixel; TopLeftCorner is written in the CRS's axis order (northing first for
the CGCS2000 Gauss-Krueger CRSs). KVP GetTile at /wmts and a RESTful ResourceURL template at
/wmts/1.0.0/basemap/{Style}/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png. The KVP document
(GET /wmts) lists both; the RESTful one (/wmts/1.0.0/WMTSCapabilities.xml) only the template.
Every document carries its own namespace prefixes (lxml nsmap): nothing is registered process-wide.
"""
from __future__ import annotations

from lxml import etree as ET

from .package import CityPackage
from .tms import TileMatrixSet, crs_is_northing_first, crs_urn

WMTS = "http://www.opengis.net/wmts/1.0"
OWS = "http://www.opengis.net/ows/1.1"
XLINK = "http://www.w3.org/1999/xlink"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_NS = "http://www.w3.org/XML/1998/namespace"
LAYER = "basemap"
STYLE_TITLES = {"day": "白天 Day", "dark": "夜间 Dark (command hall)"}

# Prefixes belong to each document (lxml's nsmap), never to a process-wide registry: another
# module registering a prefix must not rename this document's default namespace (QGIS rejects
# <ns0:Capabilities>).
NSMAP = {None: WMTS, "ows": OWS, "xlink": XLINK, "xsi": XSI}


def _w(parent, tag: str, text: str | None = None, **attrs) -> ET._Element:
    el = ET.SubElement(parent, f"{{{WMTS}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def _o(parent, tag: str, text: str | None = None, **attrs) -> ET._Element:
    el = ET.SubElement(parent, f"{{{OWS}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def _num(v: float) -> str:
    return repr(float(v))


def _operation(parent, name: str, href: str, encoding: str) -> None:
    op = _o(parent, "Operation", name=name)
    get = _o(_o(_o(op, "DCP"), "HTTP"), "Get", **{f"{{{XLINK}}}href": href})
    _o(_o(_o(get, "Constraint", name="GetEncoding"), "AllowedValues"), "Value", encoding)


def _tile_matrix_set(contents, tms: TileMatrixSet) -> None:
    el = _w(contents, "TileMatrixSet")
    _o(el, "Title", tms.title)
    _o(el, "Identifier", tms.id)
    _o(el, "SupportedCRS", crs_urn(tms.crs))
    if tms.well_known_scale_set:
        _w(el, "WellKnownScaleSet", tms.well_known_scale_set)
    yx = crs_is_northing_first(tms.crs)
    corner = f"{_num(tms.top)} {_num(tms.left)}" if yx else f"{_num(tms.left)} {_num(tms.top)}"
    for z, m in enumerate(tms.matrices):
        tm = _w(el, "TileMatrix")
        _o(tm, "Identifier", m.id)
        _w(tm, "ScaleDenominator", _num(tms.scale_denominator(z)))
        _w(tm, "TopLeftCorner", corner)
        _w(tm, "TileWidth", "256")
        _w(tm, "TileHeight", "256")
        _w(tm, "MatrixWidth", str(m.matrix_width))
        _w(tm, "MatrixHeight", str(m.matrix_height))


def capabilities(city: CityPackage, styles: list[str], base_url: str, encoding: str = "KVP") -> bytes:
    """The WMTS 1.0.0 GetCapabilities response for a city (``base_url`` without trailing slash).

    ``encoding`` "KVP" (the document of GET /wmts) advertises KVP GetTile and the ResourceURL template;
    "RESTful" (the document at /wmts/1.0.0/WMTSCapabilities.xml) advertises only the template, so that
    clients which prefer KVP whenever a GetTile operation is listed (QGIS) fetch tiles by REST there."""
    root = ET.Element(f"{{{WMTS}}}Capabilities", {
        "version": "1.0.0",
        f"{{{XSI}}}schemaLocation": f"{WMTS} http://schemas.opengis.net/wmts/1.0/wmtsGetCapabilities_response.xsd"},
        nsmap=NSMAP)
    ident = _o(root, "ServiceIdentification")
    _o(ident, "Title", f"{city.name or 'City'} 1:500 basemap (QGIS)")
    _o(ident, "Abstract", "1:500 topographic basemap after GB/T 20257.1, rendered by QGIS from the city package. "
       + city.attribution)
    _o(ident, "ServiceType", "OGC WMTS")
    _o(ident, "ServiceTypeVersion", "1.0.0")
    ops = _o(root, "OperationsMetadata")
    if encoding == "KVP":
        _operation(ops, "GetCapabilities", f"{base_url}/wmts?", "KVP")
        _operation(ops, "GetTile", f"{base_url}/wmts?", "KVP")
    else:
        _operation(ops, "GetCapabilities", f"{base_url}/wmts/1.0.0/WMTSCapabilities.xml", "RESTful")

    contents = _w(root, "Contents")
    layer = _w(contents, "Layer")
    _o(layer, "Title", f"{city.name or 'City'} 底图 1:500")
    w, s, e, n = city.lonlat_bbox
    bbox = _o(layer, "WGS84BoundingBox")
    _o(bbox, "LowerCorner", f"{_num(w)} {_num(s)}")
    _o(bbox, "UpperCorner", f"{_num(e)} {_num(n)}")
    _o(layer, "Identifier", LAYER)
    for i, style in enumerate(styles):
        st = _w(layer, "Style", **({"isDefault": "true"} if (style == "day" or (i == 0 and "day" not in styles))
                                   else {}))
        _o(st, "Title", STYLE_TITLES.get(style, style))
        _o(st, "Identifier", style)
    _w(layer, "Format", "image/png")
    for tms_id, tms in city.sets.items():
        link = _w(layer, "TileMatrixSetLink")
        _w(link, "TileMatrixSet", tms_id)
        limits = _w(link, "TileMatrixSetLimits")
        for z, m in enumerate(tms.matrices):
            r = city.tile_range(tms_id, z)
            if r is None:
                continue
            lim = _w(limits, "TileMatrixLimits")
            _w(lim, "TileMatrix", m.id)
            _w(lim, "MinTileRow", str(r[1]))
            _w(lim, "MaxTileRow", str(r[3]))
            _w(lim, "MinTileCol", str(r[0]))
            _w(lim, "MaxTileCol", str(r[2]))
    _w(layer, "ResourceURL", format="image/png", resourceType="tile",
       template=f"{base_url}/wmts/1.0.0/{LAYER}/{{Style}}/{{TileMatrixSet}}/{{TileMatrix}}/{{TileRow}}/{{TileCol}}.png")
    for tms in city.sets.values():
        _tile_matrix_set(contents, tms)
    _w(root, "ServiceMetadataURL", **{f"{{{XLINK}}}href": f"{base_url}/wmts/1.0.0/WMTSCapabilities.xml"})
    return _document(root)


def _document(root: ET._Element) -> bytes:
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def exception_report(code: str, text: str, locator: str | None = None) -> bytes:
    """An OWS 1.1 ExceptionReport (MissingParameterValue, InvalidParameterValue, TileOutOfRange, ...)."""
    root = ET.Element(f"{{{OWS}}}ExceptionReport", {"version": "1.1.0", f"{{{XML_NS}}}lang": "en"},
                      nsmap={"ows": OWS})
    ex = _o(root, "Exception", exceptionCode=code, **({"locator": locator} if locator else {}))
    _o(ex, "ExceptionText", text)
    return _document(root)
