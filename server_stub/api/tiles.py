"""Basemap tiles rendered by QGIS: XYZ, OGC WMTS (KVP and RESTful), with HTTP caching.

  GET /tiles/{style}/{z}/{x}/{y}.png          Web Mercator XYZ (WebMercatorQuad), style = day | dark
  GET /tiles/{style}/city/{z}/{x}/{y}.png     the city's own grid in its projected CRS (level N = 1:500)
  GET /tiles/status                           renderer, city and cache state (JSON)
  GET /wmts?SERVICE=WMTS&REQUEST=GetCapabilities (or the bare /wmts)
  GET /wmts?SERVICE=WMTS&REQUEST=GetTile&LAYER=basemap&STYLE=day&TILEMATRIXSET=city&TILEMATRIX=8
          &TILEROW=3&TILECOL=5&FORMAT=image/png
  GET /wmts/1.0.0/WMTSCapabilities.xml, /wmts/1.0.0/basemap/{Style}/{TileMatrixSet}/{z}/{row}/{col}.png

No login: the basemap is public map data, and map clients (QGIS, browsers) fetch tiles anonymously.
Tiles carry an ETag (content hash) and Cache-Control; If-None-Match gives 304. Tiles outside the
city are a transparent PNG answered without QGIS. Without QGIS every endpoint here answers 503 with
the reason, and clients draw the vector basemap (GET /api/ref/city/package.gpkg) themselves.

The city served: ``ctx.extras["city_dir"]`` or <data_dir>/city; the demo loader calls
``server_stub.basemap.set_city(ctx, directory)``. Tuning: OCC_QGIS_PYTHON, OCC_TILE_WORKERS,
OCC_TILE_TIMEOUT, OCC_TILE_METATILE, OCC_TILE_MEMORY, OCC_TILE_MAX_AGE (see server_stub.basemap).
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from ..basemap import service
from ..basemap.cache import Tile, etag_of
from ..basemap.engine import BasemapEngine, TileError
from ..basemap.package import NoCity
from ..basemap.pool import RenderError
from ..basemap.wmts import LAYER, capabilities, exception_report
from ..context import ServerContext
from .deps import get_ctx
from .errors import errors

router = APIRouter(tags=["basemap"])
XML = "application/xml"
_NOT_MODIFIED = {304: {"description": "Not modified (If-None-Match)"}}
_TILE_ERRORS = {**errors(400, 404, 502, 503), **_NOT_MODIFIED}
# WMTS answers its errors as OWS exception reports (XML)
_OWS_ERRORS = {c: {"description": d, "content": {XML: {"schema": {"type": "string"}}}}
               for c, d in ((400, "Bad parameter (the report names it)"), (404, "No city basemap"),
                            (502, "The renderer failed"), (503, "QGIS is not available"))} | _NOT_MODIFIED


def _not_modified(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or etag in tags


def _cached(request: Request, data: bytes, etag: str, media_type: str, max_age: int) -> Response:
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if _not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(content=data, media_type=media_type, headers=headers)


def _engine(ctx: ServerContext) -> BasemapEngine:
    """The city's engine; 503 without QGIS, 404 without a city package."""
    status = service.qgis_status()
    if not status.available:
        raise HTTPException(503, status.message())
    try:
        return service.engine(ctx)
    except NoCity as e:
        raise HTTPException(404, f"no city basemap on this server: {e}") from None


def _tile_response(request: Request, eng: BasemapEngine, tile: Tile) -> Response:
    return _cached(request, tile.data, tile.etag, "image/png", eng.config.max_age)


def _xyz(request: Request, ctx: ServerContext, style: str, tms_id: str, z: int, x: int, y: int) -> Response:
    eng = _engine(ctx)
    try:
        tile = eng.tile(style, tms_id, z, x, y)
    except TileError as e:
        raise HTTPException(e.status, str(e)) from None
    except RenderError as e:
        raise HTTPException(502, f"the basemap renderer failed: {e}") from None
    return _tile_response(request, eng, tile)


@router.get("/tiles/status")
def tiles_status(ctx: ServerContext = Depends(get_ctx)) -> dict:
    """Whether QGIS tiles are available here, for which city, and how the renderer is doing."""
    status = service.qgis_status()
    out: dict = {"available": status.available, "message": status.message(), "qgis_version": status.version}
    try:
        eng = service.engine(ctx)
    except NoCity as e:
        out["city"] = None
        out["city_error"] = str(e)
        return out
    c = eng.city
    out["city"] = {"dir": str(c.dir), "name": c.name, "crs": c.crs, "extent": c.extent, "lonlat_bbox": c.lonlat_bbox}
    out["styles"] = list(eng.styles)
    out["tile_matrix_sets"] = {k: s.describe() for k, s in c.sets.items()}
    out.update(eng.stats())
    return out


@router.get("/tiles/{style}/city/{z}/{x}/{y}.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}}, **_TILE_ERRORS})
def city_tile(style: str, z: int, x: int, y: int, request: Request, ctx: ServerContext = Depends(get_ctx)):
    """A tile of the city's own grid (row 0 at the top; see GET /wmts for the matrix set)."""
    return _xyz(request, ctx, style, "city", z, x, y)


@router.get("/tiles/{style}/{z}/{x}/{y}.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}}, **_TILE_ERRORS})
def xyz_tile(style: str, z: int, x: int, y: int, request: Request, ctx: ServerContext = Depends(get_ctx)):
    """A Web Mercator XYZ tile (the OSM/Google numbering)."""
    return _xyz(request, ctx, style, "WebMercatorQuad", z, x, y)


# --- WMTS --------------------------------------------------------------------------------------

def _ows_error(status: int, code: str, text: str, locator: str | None = None) -> Response:
    return Response(exception_report(code, text, locator), status_code=status, media_type=XML)


def _wmts_engine(ctx: ServerContext) -> BasemapEngine | Response:
    try:
        return _engine(ctx)
    except HTTPException as e:
        return _ows_error(e.status_code, "NoApplicableCode", str(e.detail))


def _capabilities(request: Request, ctx: ServerContext, encoding: str = "KVP") -> Response:
    eng = _wmts_engine(ctx)
    if isinstance(eng, Response):
        return eng
    base = str(request.base_url).rstrip("/")
    doc = capabilities(eng.city, list(eng.styles), base, encoding)
    return _cached(request, doc, etag_of(doc), XML, 300)


def _get_tile(request: Request, ctx: ServerContext, layer: str, style: str, tms_id: str, matrix: str,
              row: str, col: str) -> Response:
    eng = _wmts_engine(ctx)
    if isinstance(eng, Response):
        return eng
    if layer != LAYER:
        return _ows_error(400, "InvalidParameterValue", f"unknown layer {layer!r}; the layer is {LAYER!r}", "LAYER")
    style = style if style and style != "default" else ("day" if "day" in eng.styles else next(iter(eng.styles)))
    try:
        z = int(matrix.rsplit(":", 1)[-1])  # some clients send "<set>:<level>"
        y, x = int(row), int(col)
    except ValueError:
        return _ows_error(400, "InvalidParameterValue", "TILEMATRIX, TILEROW and TILECOL must be integers",
                          "TILEMATRIX")
    try:
        tile = eng.tile(style, tms_id, z, x, y)
    except TileError as e:
        status = 400 if e.status == 404 else e.status  # WMTS reports bad tiles and names with 400
        return _ows_error(status, e.code, str(e), e.locator)
    except RenderError as e:
        return _ows_error(502, "NoApplicableCode", f"the basemap renderer failed: {e}")
    return _tile_response(request, eng, tile)


@router.get("/wmts", response_class=Response,
            responses={200: {"content": {XML: {}, "image/png": {}}}, **_OWS_ERRORS})
def wmts_kvp(request: Request, ctx: ServerContext = Depends(get_ctx)):
    """OGC WMTS 1.0.0, KVP encoding: GetCapabilities and GetTile. The bare service URL (no query at
    all) answers the capabilities too, since clients such as GDAL's ``WMTS:http://host/wmts`` start there."""
    q = {k.lower(): v for k, v in request.query_params.items()}
    if not q or q.get("request", "").lower() == "getcapabilities":
        # the capabilities whatever SERVICE says: QGIS, given the bare URL, asks SERVICE=WMS first and
        # reads the WMTS document it gets back; the document itself names the service
        return _capabilities(request, ctx)
    service_name = q.get("service", "WMTS")
    if service_name.upper() != "WMTS":
        return _ows_error(400, "InvalidParameterValue", f"SERVICE must be WMTS, not {service_name!r}", "SERVICE")
    req = q.get("request")
    if not req:
        return _ows_error(400, "MissingParameterValue", "REQUEST is missing (GetCapabilities or GetTile)", "REQUEST")
    if req.lower() != "gettile":
        return _ows_error(400, "OperationNotSupported", f"REQUEST={req} is not supported", "REQUEST")
    if q.get("version", "1.0.0") != "1.0.0":
        return _ows_error(400, "VersionNegotiationFailed", "only WMTS 1.0.0 is supported", "VERSION")
    for name in ("layer", "tilematrixset", "tilematrix", "tilerow", "tilecol"):
        if not q.get(name):
            return _ows_error(400, "MissingParameterValue", f"{name.upper()} is missing", name.upper())
    fmt = q.get("format", "image/png")
    if fmt != "image/png":
        return _ows_error(400, "InvalidParameterValue", f"FORMAT {fmt!r} is not offered; use image/png", "FORMAT")
    return _get_tile(request, ctx, q["layer"], q.get("style", ""), q["tilematrixset"], q["tilematrix"],
                     q["tilerow"], q["tilecol"])


@router.get("/wmts/1.0.0/WMTSCapabilities.xml", response_class=Response,
            responses={200: {"content": {XML: {}}}, **_OWS_ERRORS})
def wmts_rest_capabilities(request: Request, ctx: ServerContext = Depends(get_ctx)):
    """The capabilities document of the RESTful encoding (tiles by the ResourceURL template only)."""
    return _capabilities(request, ctx, "RESTful")


@router.get("/wmts/1.0.0/{layer}/{style}/{tms_id}/{matrix}/{row}/{col}.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}}, **_OWS_ERRORS})
def wmts_rest_tile(layer: str, style: str, tms_id: str, matrix: str, row: str, col: str, request: Request,
                   ctx: ServerContext = Depends(get_ctx)):
    """A tile by the capabilities' ResourceURL template."""
    return _get_tile(request, ctx, layer, style, tms_id, matrix, row, col)


def install(app) -> None:
    """Probe for QGIS at start (logged once); stop the renderer processes at shutdown."""
    app.state.startup_hooks.append(service.startup)
    app.state.shutdown_hooks.append(service.shutdown)
