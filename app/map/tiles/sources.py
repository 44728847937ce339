"""Tile sources: where the tiles of one basemap come from.

Every source has an ``id`` (the disk-cache folder; keys such as 天地图 ``tk`` are kept out of
it), a :class:`~.tms.TileMatrixSet`, and either :meth:`TileSource.tile_url` (remote sources,
fetched by :class:`~.fetcher.TileFetcher`) or :meth:`TileSource.read_tile` (local sources such as
:class:`~.mbtiles.MBTilesSource`). Sources build every URL; widgets never do.

* :class:`XyzSource` - ``{z}/{x}/{y}`` templates, ``{s}`` subdomains, ``{-y}`` or ``flip_y`` for
  TMS row order, extra query parameters (keys).
* :class:`WmtsSource` - a layer of a parsed WMTS capabilities document, REST or KVP GetTile.
* :class:`ServerTileSource` - the project's own server: XYZ at ``/tiles/{style}/{z}/{x}/{y}.png``
  and WMTS at ``/wmts``, from a base URL or a template the caller passes.
* :func:`tianditu_source` - 天地图 layers (vec/cva/img/cia/ter/cta) in ``w`` or ``c``.
"""
from __future__ import annotations

import hashlib
import re
from typing import Mapping, Sequence
from urllib.parse import urlencode, urlsplit

from .tms import TileMatrixSet
from .wmts_capabilities import WmtsCapabilities, parse_capabilities

DEFAULT_MAX_AGE = 7 * 24 * 3600  # seconds a fetched tile stays fresh unless the server says

_FORMAT_MIME = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
                "webp": "image/webp", "pbf": "application/x-protobuf", "mvt":
                "application/vnd.mapbox-vector-tile"}


def mime_for_format(fmt: str) -> str:
    """``png`` → ``image/png``; MIME types pass through; unknown names give ''."""
    fmt = (fmt or "").strip().lower()
    if "/" in fmt:
        return fmt
    return _FORMAT_MIME.get(fmt, "")


def safe_id(text: str) -> str:
    """A string usable as one folder name."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")
    return cleaned[:80] or "source"


def append_query(url: str, params: Mapping[str, str] | None) -> str:
    """``url`` with ``params`` added to its query string."""
    if not params:
        return url
    query = urlencode(list(params.items()))
    if "?" not in url:
        return f"{url}?{query}"
    if url.endswith(("?", "&")):
        return url + query
    return f"{url}&{query}"


class TileSource:
    """Base of all sources. Subclasses set ``tms`` and implement one of the two accessors."""

    #: True for sources fetched over HTTP (disk-cached, retried); False for local files.
    is_remote: bool = True

    def __init__(self, id: str, tms: TileMatrixSet, *, title: str = "", attribution: str = "",
                 headers: Mapping[str, str] | None = None, max_age: float = DEFAULT_MAX_AGE,
                 format: str = "image/png"):
        self.id = safe_id(id)
        self.tms = tms
        self.title = title or id
        self.attribution = attribution
        self.headers = dict(headers or {})
        self.max_age = max_age
        self.format = format

    @property
    def min_zoom(self) -> int:
        return self.tms.min_zoom

    @property
    def max_zoom(self) -> int:
        return self.tms.max_zoom

    def has_tile(self, z: int, x: int, y: int) -> bool:
        """Whether (z, x, y) can exist: a known level, inside its matrix and limits."""
        return self.tms.has_level(z) and self.tms.level(z).contains(x, y)

    @property
    def host(self) -> str:
        """The host:port the tiles come from, for messages ('' for local sources)."""
        return ""

    def tile_url(self, z: int, x: int, y: int) -> str:
        raise NotImplementedError(f"{type(self).__name__} is not fetched over HTTP")

    def read_tile(self, z: int, x: int, y: int) -> bytes | None:
        raise NotImplementedError(f"{type(self).__name__} is fetched over HTTP")

    def close(self) -> None:
        """Release files or connections (local sources)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id!r} {self.tms.identifier}>"


def _host_of(url: str) -> str:
    parts = urlsplit(url.replace("{s}", "a"))
    return parts.netloc or url


class XyzSource(TileSource):
    """Tiles at a URL template.

    Placeholders: ``{z}`` (the level's identifier; for XYZ sets the zoom), ``{x}``, ``{y}``,
    ``{-y}`` (TMS row: ``2**z - 1 - y``, or matrix height - 1 - y), ``{s}`` (one of
    ``subdomains``, chosen from x and y so a tile always has the same URL). ``params`` are added
    to the query of every URL (e.g. ``{"tk": key}``) and are not part of the default id.
    """

    def __init__(self, template: str, *, id: str | None = None,
                 tms: TileMatrixSet | None = None, subdomains: Sequence[str] | str = (),
                 flip_y: bool = False, params: Mapping[str, str] | None = None,
                 min_zoom: int | None = None, max_zoom: int | None = None, **kwargs):
        tms = tms or TileMatrixSet.web_mercator_quad()
        if min_zoom is not None or max_zoom is not None:
            tms = tms.restricted(min_zoom, max_zoom)
        if "{s}" in template and not subdomains:
            raise ValueError("template has {s} but no subdomains were given")
        default_id = f"{_host_of(template)}-{hashlib.sha1(template.encode()).hexdigest()[:10]}"
        kwargs.setdefault("title", _host_of(template))
        super().__init__(id or default_id, tms, **kwargs)
        self.template = template
        self.subdomains = list(subdomains)
        self.flip_y = flip_y
        self.params = dict(params or {})

    @property
    def host(self) -> str:
        return _host_of(self.template)

    def tile_url(self, z: int, x: int, y: int) -> str:
        level = self.tms.level(z)
        flipped = level.matrix_height - 1 - y
        row = flipped if self.flip_y else y
        url = (self.template.replace("{z}", level.identifier).replace("{x}", str(x))
               .replace("{-y}", str(flipped)).replace("{y}", str(row)))
        if self.subdomains:
            url = url.replace("{s}", self.subdomains[(x + y) % len(self.subdomains)])
        return append_query(url, self.params)


class WmtsSource(TileSource):
    """One layer of a WMTS service.

    ``encoding`` is ``"auto"`` (REST when the layer has a tile ResourceURL for the format, else
    KVP), ``"REST"`` or ``"KVP"``. ``params`` (e.g. ``{"tk": key}``) go on every tile URL.
    ``dimensions`` overrides dimension values (the defaults come from the document).
    ``kvp_url`` overrides the GetTile endpoint (some servers advertise an internal host).
    """

    def __init__(self, capabilities: WmtsCapabilities, layer: str, *, style: str | None = None,
                 format: str | None = None, tile_matrix_set: str | None = None,
                 encoding: str = "auto", params: Mapping[str, str] | None = None,
                 dimensions: Mapping[str, str] | None = None, kvp_url: str | None = None,
                 id: str | None = None, subdomains: Sequence[str] | str = (), **kwargs):
        lyr = capabilities.layer(layer)
        tms = capabilities.tile_matrix_set_for(layer, tile_matrix_set)
        self.layer = lyr
        self.style = style or lyr.default_style
        templates = lyr.tile_templates(format)
        fmt = format or (templates[0].format if templates else "") or \
            (lyr.formats[0] if lyr.formats else "image/png")
        self.params = dict(params or {})
        self.dimensions = {d.identifier: d.default for d in lyr.dimensions}
        self.dimensions.update(dimensions or {})
        self.subdomains = list(subdomains)
        encoding = encoding.upper()
        rest = [t for t in templates if t.format == fmt]
        if not rest and format is None:
            rest = templates
        if encoding in ("AUTO", "REST", "RESTFUL") and rest:
            self.encoding = "REST"
            self._template = rest[0].template
            base = self._template
        elif encoding == "REST":
            raise ValueError(f"WMTS layer {layer!r} has no REST ResourceURL for tiles")
        else:
            endpoint = kvp_url or capabilities.get_tile_kvp_url
            if not endpoint:
                raise ValueError("the service advertises no KVP GetTile endpoint; pass kvp_url")
            self.encoding = "KVP"
            self._kvp_url = endpoint
            base = endpoint
        default_id = f"wmts-{_host_of(base)}-{lyr.identifier}-{self.style}-{tms.identifier}"
        kwargs.setdefault("title", lyr.title or lyr.identifier)
        super().__init__(id or default_id, tms, format=fmt, **kwargs)
        self.host_name = _host_of(base)

    @classmethod
    def from_url(cls, capabilities_url: str, layer: str, *, params: Mapping[str, str] | None
                 = None, timeout: float = 10.0, session=None, pixel_size: float | None = None,
                 axis_order: str = "auto", **kwargs) -> "WmtsSource":
        """Fetch the capabilities (blocking: call it from a worker thread) and build a source.
        ``params`` (the key) go on the capabilities request too."""
        import requests

        s = session or requests.Session()
        url = append_query(capabilities_url, params)
        resp = s.get(url, timeout=timeout, headers=kwargs.get("headers"))
        resp.raise_for_status()
        caps = parse_capabilities(resp.content, pixel_size=pixel_size, axis_order=axis_order)
        return cls(caps, layer, params=params, **kwargs)

    @property
    def host(self) -> str:
        return self.host_name

    def tile_url(self, z: int, x: int, y: int) -> str:
        matrix = self.tms.level(z).identifier
        if self.encoding == "REST":
            url = self._template
            values = {"TileMatrixSet": self.tms.identifier, "TileMatrix": matrix,
                      "TileRow": str(y), "TileCol": str(x), "Style": self.style}
            values.update(self.dimensions)
            for key, val in values.items():
                url = re.sub(r"\{" + re.escape(key) + r"\}", lambda _m, v=val: v, url,
                             flags=re.IGNORECASE)
        else:
            query = {"SERVICE": "WMTS", "REQUEST": "GetTile", "VERSION": "1.0.0",
                     "LAYER": self.layer.identifier, "STYLE": self.style,
                     "TILEMATRIXSET": self.tms.identifier, "TILEMATRIX": matrix,
                     "TILEROW": str(y), "TILECOL": str(x), "FORMAT": self.format}
            query.update(self.dimensions)
            url = append_query(self._kvp_url, query)
        if self.subdomains:
            url = url.replace("{s}", self.subdomains[(x + y) % len(self.subdomains)])
        return append_query(url, self.params)


def server_tiles_template(base_url: str, style: str = "default") -> str:
    """The project server's XYZ template under ``base_url``."""
    return f"{base_url.rstrip('/')}/tiles/{style}/{{z}}/{{x}}/{{y}}.png"


def server_wmts_url(base_url: str) -> str:
    """The project server's WMTS endpoint (its GetCapabilities URL with the query added)."""
    return f"{base_url.rstrip('/')}/wmts"


class ServerTileSource(XyzSource):
    """Basemap tiles from the project's own server.

    ``url`` is either the server's base URL (``http://host:8000`` or ``.../api``), giving
    ``<base>/tiles/<style>/{z}/{x}/{y}.png``, or a full template containing ``{z}``. Pass the
    session's auth headers in ``headers``. :attr:`capabilities_url` is the WMTS GetCapabilities
    URL when a base URL was given (for :meth:`WmtsSource.from_url`).
    """

    def __init__(self, url: str, style: str = "default", *, id: str | None = None, **kwargs):
        if "{z}" in url:
            template, self.base_url = url, None
        else:
            template, self.base_url = server_tiles_template(url, style), url.rstrip("/")
        self.style = style
        kwargs.setdefault("title", f"server:{style}")
        super().__init__(template, id=id or f"server-{_host_of(template)}-{style}", **kwargs)

    @property
    def capabilities_url(self) -> str | None:
        if self.base_url is None:
            return None
        return append_query(server_wmts_url(self.base_url),
                            {"SERVICE": "WMTS", "REQUEST": "GetCapabilities"})


TIANDITU_LAYERS = {"vec": "矢量底图", "cva": "矢量注记", "img": "影像底图", "cia": "影像注记",
                   "ter": "地形晕渲", "cta": "地形注记", "eva": "英文矢量注记",
                   "eia": "英文影像注记"}


def tianditu_source(layer: str, key: str, matrix_set: str = "w", *,
                    host: str = "t{s}.tianditu.gov.cn", scheme: str = "https",
                    subdomains: Sequence[str] | str = "01234567", **kwargs) -> XyzSource:
    """A 天地图 layer (``vec``, ``cva``, ``img``, ``cia``, ``ter``, ``cta``...) in the ``w``
    (Web Mercator) or ``c`` (CGCS2000 lon/lat) set, by KVP GetTile, with the user's ``tk`` key.
    ``host`` may point at a provincial node or an intranet mirror."""
    if matrix_set not in ("w", "c"):
        raise ValueError("天地图 matrix_set must be 'w' or 'c'")
    tms = TileMatrixSet.tianditu_w() if matrix_set == "w" else TileMatrixSet.tianditu_c()
    template = (f"{scheme}://{host}/{layer}_{matrix_set}/wmts?SERVICE=WMTS&REQUEST=GetTile"
                f"&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET={matrix_set}"
                f"&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}")
    kwargs.setdefault("title", f"天地图{TIANDITU_LAYERS.get(layer, layer)} ({matrix_set})")
    kwargs.setdefault("attribution", "© 天地图 国家地理信息公共服务平台")
    return XyzSource(template, id=kwargs.pop("id", f"tianditu-{layer}_{matrix_set}"), tms=tms,
                     subdomains=subdomains if "{s}" in host else (), params={"tk": key},
                     **kwargs)
