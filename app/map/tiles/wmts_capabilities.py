"""Reading OGC WMTS 1.0.0 GetCapabilities documents (xml.etree only).

:func:`parse_capabilities` gives a :class:`WmtsCapabilities`: the layers (styles, formats,
dimensions, TileMatrixSet links with their limits, REST ResourceURL templates), the tile matrix
sets as :class:`~.tms.TileMatrixSet`, and the KVP GetTile endpoint.

Two things servers disagree on are settled here, per tile matrix set:

* **Axis order of TopLeftCorner.** The standard says CRS axis order, so EPSG:4490/4326 is written
  latitude first (national 天地图: ``90.0 -180.0``), but many servers write x/y anyway (provincial
  天地图, ``-180.0 90.0``). With ``axis_order="auto"`` both readings are tried and the one whose
  matrices cover the layer's WGS84 bounding box (or the CRS's area of use) wins; a tie falls back
  to the CRS's axis order. ``"crs"`` and ``"xy"`` force one reading.
* **Pixel size behind ScaleDenominator.** OGC says 0.28 mm; 天地图 uses 96 dpi. With
  ``pixel_size=None`` the 96 dpi reading is taken only when it makes the coarsest matrix span the
  whole world exactly (360 degrees, or 2*pi*a metres) and 0.28 mm does not.
"""
from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pyproj

from .tms import (OGC_PIXEL_SIZE, PIXEL_SIZE_96DPI, Bounds, TileLimits, TileMatrix,
                  TileMatrixSet, crs_axis_is_yx, crs_from_string, meters_per_unit)

NS = {
    "wmts": "http://www.opengis.net/wmts/1.0",
    "ows": "http://www.opengis.net/ows/1.1",
    "xlink": "http://www.w3.org/1999/xlink",
}
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


class CapabilitiesError(ValueError):
    """The document is not a WMTS capabilities document we can use."""


@dataclass(frozen=True)
class WmtsStyle:
    identifier: str
    title: str = ""
    is_default: bool = False


@dataclass(frozen=True)
class WmtsDimension:
    identifier: str
    default: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class WmtsResourceUrl:
    format: str
    resource_type: str  # "tile" or "FeatureInfo"
    template: str


@dataclass(frozen=True)
class WmtsTileMatrixSetLink:
    tile_matrix_set: str
    limits: dict[str, TileLimits] | None = None  # by TileMatrix identifier; None: no limits given


@dataclass
class WmtsLayer:
    identifier: str
    title: str = ""
    abstract: str = ""
    wgs84_bbox: Bounds | None = None  # lon/lat
    styles: list[WmtsStyle] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    info_formats: list[str] = field(default_factory=list)
    dimensions: list[WmtsDimension] = field(default_factory=list)
    tile_matrix_set_links: list[WmtsTileMatrixSetLink] = field(default_factory=list)
    resource_urls: list[WmtsResourceUrl] = field(default_factory=list)

    @property
    def default_style(self) -> str:
        for s in self.styles:
            if s.is_default:
                return s.identifier
        return self.styles[0].identifier if self.styles else "default"

    @property
    def tile_matrix_set_ids(self) -> list[str]:
        return [link.tile_matrix_set for link in self.tile_matrix_set_links]

    def tile_templates(self, format: str | None = None) -> list[WmtsResourceUrl]:
        """REST templates for tiles, those of ``format`` first when given."""
        tiles = [r for r in self.resource_urls if r.resource_type.lower() == "tile"]
        if format:
            tiles.sort(key=lambda r: r.format != format)
        return tiles


@dataclass
class WmtsCapabilities:
    title: str
    layers: dict[str, WmtsLayer]
    tile_matrix_sets: dict[str, TileMatrixSet]
    get_tile_kvp_url: str | None = None  # base URL of KVP GetTile (from OperationsMetadata)
    get_tile_encodings: tuple[str, ...] = ()  # "KVP", "RESTful" as advertised (may be empty)
    version: str = "1.0.0"

    def layer(self, identifier: str) -> WmtsLayer:
        try:
            return self.layers[identifier]
        except KeyError:
            names = ", ".join(self.layers) or "none"
            raise KeyError(f"WMTS layer {identifier!r} not found (layers: {names})") from None

    def tile_matrix_set_for(self, layer: str, tile_matrix_set: str | None = None) -> TileMatrixSet:
        """The set a layer is served in (its first link unless named), with the layer's
        TileMatrixSetLimits applied: levels it does not list are dropped, the others limited."""
        lyr = self.layer(layer)
        links = lyr.tile_matrix_set_links
        if not links:
            raise CapabilitiesError(f"WMTS layer {layer!r} links no tile matrix set")
        if tile_matrix_set is None:
            link = links[0]
        else:
            matching = [lk for lk in links if lk.tile_matrix_set == tile_matrix_set]
            if not matching:
                raise KeyError(f"WMTS layer {layer!r} is not served in {tile_matrix_set!r} "
                               f"(it is in: {', '.join(lyr.tile_matrix_set_ids)})")
            link = matching[0]
        try:
            tms = self.tile_matrix_sets[link.tile_matrix_set]
        except KeyError:
            raise CapabilitiesError(f"tile matrix set {link.tile_matrix_set!r} is linked but "
                                    "not defined") from None
        if not link.limits:
            return tms
        by_zoom = {m.zoom: link.limits[m.identifier] for m in tms.levels
                   if m.identifier in link.limits}
        if not by_zoom:
            return tms
        return tms.restricted(limits=by_zoom)


# -- parsing ------------------------------------------------------------------------------------
def _text(el: ET.Element | None, path: str, default: str = "") -> str:
    if el is None:
        return default
    found = el.find(path, NS)
    if found is None or found.text is None:
        return default
    return found.text.strip()


def _floats(text: str) -> list[float]:
    return [float(v) for v in text.replace(",", " ").split()]


def parse_capabilities(xml: bytes | str, *, pixel_size: float | None = None,
                       axis_order: str = "auto") -> WmtsCapabilities:
    """Parse a WMTS 1.0.0 capabilities document.

    ``pixel_size`` (metres) forces the pixel size used to turn scale denominators into
    resolutions; ``axis_order`` is ``"auto"``, ``"crs"`` or ``"xy"`` (see the module doc).
    """
    if axis_order not in ("auto", "crs", "xy"):
        raise ValueError(f"axis_order must be auto, crs or xy, not {axis_order!r}")
    try:
        root = ET.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml)
    except ET.ParseError as exc:
        raise CapabilitiesError(f"capabilities document is not XML: {exc}") from exc
    if root.tag.endswith("ExceptionReport"):
        msg = " ".join(t.strip() for t in root.itertext() if t.strip())
        raise CapabilitiesError(f"the server answered with an exception: {msg}")
    if root.tag != f"{{{NS['wmts']}}}Capabilities":
        raise CapabilitiesError(f"not a WMTS 1.0 capabilities document (root {root.tag})")

    contents = root.find("wmts:Contents", NS)
    if contents is None:
        raise CapabilitiesError("capabilities document has no Contents")

    layers: dict[str, WmtsLayer] = {}
    for el in contents.findall("wmts:Layer", NS):
        lyr = _parse_layer(el)
        layers[lyr.identifier] = lyr

    # Reference boxes (lon/lat) for the axis-order decision: each set's layers' WGS84 boxes.
    refs: dict[str, list[Bounds]] = {}
    for lyr in layers.values():
        if lyr.wgs84_bbox is not None:
            for tid in lyr.tile_matrix_set_ids:
                refs.setdefault(tid, []).append(lyr.wgs84_bbox)

    sets: dict[str, TileMatrixSet] = {}
    for el in contents.findall("wmts:TileMatrixSet", NS):
        tms = _parse_tile_matrix_set(el, refs, pixel_size, axis_order)
        sets[tms.identifier] = tms

    kvp_url, encodings = _get_tile_endpoint(root)
    return WmtsCapabilities(
        title=_text(root, "ows:ServiceIdentification/ows:Title"),
        layers=layers, tile_matrix_sets=sets, get_tile_kvp_url=kvp_url,
        get_tile_encodings=encodings, version=root.get("version", "1.0.0"))


def _parse_layer(el: ET.Element) -> WmtsLayer:
    ident = _text(el, "ows:Identifier")
    if not ident:
        raise CapabilitiesError("a Layer has no ows:Identifier")
    bbox = None
    wgs = el.find("ows:WGS84BoundingBox", NS)
    if wgs is not None:
        try:
            lo = _floats(_text(wgs, "ows:LowerCorner"))
            hi = _floats(_text(wgs, "ows:UpperCorner"))
            bbox = Bounds(lo[0], lo[1], hi[0], hi[1])
        except (ValueError, IndexError):
            bbox = None
    styles = [WmtsStyle(_text(s, "ows:Identifier"), _text(s, "ows:Title"),
                        s.get("isDefault", "").lower() in ("true", "1"))
              for s in el.findall("wmts:Style", NS)]
    dims = []
    for d in el.findall("wmts:Dimension", NS):
        values = tuple((v.text or "").strip() for v in d.findall("wmts:Value", NS))
        dims.append(WmtsDimension(_text(d, "ows:Identifier"), _text(d, "wmts:Default",
                                                                    values[0] if values else ""),
                                  values))
    links = []
    for lk in el.findall("wmts:TileMatrixSetLink", NS):
        limits_el = lk.find("wmts:TileMatrixSetLimits", NS)
        limits = None
        if limits_el is not None:
            limits = {}
            for tl in limits_el.findall("wmts:TileMatrixLimits", NS):
                try:
                    limits[_text(tl, "wmts:TileMatrix")] = TileLimits(
                        int(_text(tl, "wmts:MinTileCol")), int(_text(tl, "wmts:MaxTileCol")),
                        int(_text(tl, "wmts:MinTileRow")), int(_text(tl, "wmts:MaxTileRow")))
                except ValueError:
                    continue
        links.append(WmtsTileMatrixSetLink(_text(lk, "wmts:TileMatrixSet"), limits))
    resources = [WmtsResourceUrl(r.get("format", ""), r.get("resourceType", ""),
                                 r.get("template", ""))
                 for r in el.findall("wmts:ResourceURL", NS) if r.get("template")]
    return WmtsLayer(
        identifier=ident, title=_text(el, "ows:Title"), abstract=_text(el, "ows:Abstract"),
        wgs84_bbox=bbox, styles=styles,
        formats=[(f.text or "").strip() for f in el.findall("wmts:Format", NS)],
        info_formats=[(f.text or "").strip() for f in el.findall("wmts:InfoFormat", NS)],
        dimensions=dims, tile_matrix_set_links=links, resource_urls=resources)


def _get_tile_endpoint(root: ET.Element) -> tuple[str | None, tuple[str, ...]]:
    for op in root.findall("ows:OperationsMetadata/ows:Operation", NS):
        if op.get("name") != "GetTile":
            continue
        kvp_url = None
        encodings: list[str] = []
        for get in op.findall("ows:DCP/ows:HTTP/ows:Get", NS):
            values = [(v.text or "").strip()
                      for c in get.findall("ows:Constraint", NS)
                      if c.get("name", "").lower() == "getencoding"
                      for v in c.findall("ows:AllowedValues/ows:Value", NS)]
            encodings.extend(values)
            href = get.get(_XLINK_HREF)
            if href and (not values or "KVP" in (v.upper() for v in values)) and kvp_url is None:
                kvp_url = href
        return kvp_url, tuple(dict.fromkeys(encodings))
    return None, ()


_WORLD_METRES = 2 * math.pi * 6378137.0


def _zoom_numbers(idents: list[str]) -> list[int]:
    """Zoom numbers for TileMatrix identifiers: the identifiers themselves when they are
    integers (天地图 "1".."18"), their trailing integer when unique ("EPSG:3857:5"), else 0..n-1
    in the document's order."""
    if all(re.fullmatch(r"-?\d+", i) for i in idents):
        zooms = [int(i) for i in idents]
        if len(set(zooms)) == len(zooms):
            return zooms
    trailing = [re.search(r"(\d+)\s*$", i) for i in idents]
    if all(trailing):
        zooms = [int(t.group(1)) for t in trailing]
        if len(set(zooms)) == len(zooms):
            return zooms
    return list(range(len(idents)))


def _parse_tile_matrix_set(el: ET.Element, refs: dict[str, list[Bounds]],
                           pixel_size: float | None, axis_order: str) -> TileMatrixSet:
    ident = _text(el, "ows:Identifier")
    crs_text = _text(el, "ows:SupportedCRS")
    try:
        crs = crs_from_string(crs_text)
    except pyproj.exceptions.CRSError as exc:
        raise CapabilitiesError(f"tile matrix set {ident!r}: unknown CRS {crs_text!r}") from exc
    raw = []
    for tm in el.findall("wmts:TileMatrix", NS):
        try:
            corner = _floats(_text(tm, "wmts:TopLeftCorner"))
            raw.append(dict(
                identifier=_text(tm, "ows:Identifier"),
                scale=float(_text(tm, "wmts:ScaleDenominator")),
                corner=(corner[0], corner[1]),
                tw=int(_text(tm, "wmts:TileWidth", "256")),
                th=int(_text(tm, "wmts:TileHeight", "256")),
                mw=int(_text(tm, "wmts:MatrixWidth")), mh=int(_text(tm, "wmts:MatrixHeight"))))
        except (ValueError, IndexError) as exc:
            raise CapabilitiesError(f"tile matrix set {ident!r}: bad TileMatrix: {exc}") from exc
    if not raw:
        raise CapabilitiesError(f"tile matrix set {ident!r} has no TileMatrix")

    mpu = meters_per_unit(crs)
    px = pixel_size if pixel_size is not None else _detect_pixel_size(raw, crs, mpu)
    for r in raw:
        r["res"] = r["scale"] * px / mpu
    swap = _decide_swap(raw, crs, refs.get(ident, []), axis_order)

    zooms = _zoom_numbers([r["identifier"] for r in raw])
    levels = []
    for z, r in zip(zooms, raw):
        a, b = r["corner"]
        levels.append(TileMatrix(
            zoom=z, identifier=r["identifier"], resolution=r["res"],
            scale_denominator=r["scale"], origin=(b, a) if swap else (a, b),
            tile_width=r["tw"], tile_height=r["th"], matrix_width=r["mw"],
            matrix_height=r["mh"]))
    return TileMatrixSet(ident, crs, tuple(levels), _text(el, "ows:Title"),
                         _text(el, "wmts:WellKnownScaleSet") or None)


def _detect_pixel_size(raw: list[dict], crs: pyproj.CRS, mpu: float) -> float:
    world = 360.0 if crs.is_geographic else _WORLD_METRES / mpu
    coarse = max(raw, key=lambda r: r["scale"])

    def fits(px: float) -> bool:
        width = coarse["mw"] * coarse["tw"] * coarse["scale"] * px / mpu
        return abs(width - world) <= 1e-6 * world

    if not fits(OGC_PIXEL_SIZE) and fits(PIXEL_SIZE_96DPI):
        return PIXEL_SIZE_96DPI
    return OGC_PIXEL_SIZE


def _decide_swap(raw: list[dict], crs: pyproj.CRS, ref_lonlat: list[Bounds],
                 axis_order: str) -> bool:
    """Whether TopLeftCorner values are (y, x) and must be swapped."""
    crs_yx = crs_axis_is_yx(crs)
    if axis_order == "xy":
        return False
    if axis_order == "crs":
        return crs_yx
    refs = _reference_boxes(crs, ref_lonlat)
    if not refs:
        return crs_yx
    score_xy = score_yx = 0.0
    for r in raw:
        a, b = r["corner"]
        w, h = r["mw"] * r["tw"] * r["res"], r["mh"] * r["th"] * r["res"]
        for ref in refs:
            score_xy += _coverage(ref, Bounds(a, b - h, a + w, b))
            score_yx += _coverage(ref, Bounds(b, a - h, b + w, a))
    if abs(score_xy - score_yx) <= 1e-9 * max(1.0, score_xy, score_yx):
        return crs_yx
    return score_yx > score_xy


def _reference_boxes(crs: pyproj.CRS, ref_lonlat: list[Bounds]) -> list[Bounds]:
    boxes = list(ref_lonlat)
    if not boxes and crs.area_of_use is not None:
        boxes = [Bounds(*crs.area_of_use.bounds)]
    out = []
    try:  # lon/lat on the CRS's own datum: no datum shift search, and close enough here
        tr = pyproj.Transformer.from_crs(crs.geodetic_crs or "OGC:CRS84", crs, always_xy=True)
    except pyproj.exceptions.ProjError:
        return []
    for b in boxes:
        # Web Mercator cannot take the poles.
        south, north = b.bottom, b.top
        if not crs.is_geographic:
            south, north = max(south, -85.0), min(north, 85.0)
        try:
            xy = Bounds(*tr.transform_bounds(b.left, south, b.right, north, densify_pts=11))
        except pyproj.exceptions.ProjError:
            continue
        if all(math.isfinite(v) for v in xy) and xy.width > 0 and xy.height > 0:
            out.append(xy)
    return out


def _coverage(ref: Bounds, extent: Bounds) -> float:
    """The share of ``ref`` inside ``extent`` (0..1)."""
    w = min(ref.right, extent.right) - max(ref.left, extent.left)
    h = min(ref.top, extent.top) - max(ref.bottom, extent.bottom)
    if w <= 0 or h <= 0:
        return 0.0
    return (w * h) / (ref.width * ref.height)
