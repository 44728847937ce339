"""Basemap tile sources for the map canvas (Qt-free).

* :mod:`.tms` - tile matrix sets (WebMercatorQuad, 天地图 ``c``/``w``, WMTS sets) and
  :func:`tiles_for_view`.
* :mod:`.wmts_capabilities` - WMTS 1.0.0 GetCapabilities parsing.
* :mod:`.sources` - XYZ, WMTS, the project server, 天地图 presets; :mod:`.mbtiles` - MBTiles.
* :mod:`.fetcher` - the threaded fetcher with disk and memory caches (:mod:`.cache`).
"""
from .cache import DiskTileCache, MemoryLRU, default_cache_dir
from .fetcher import (SourceState, SourceStatus, TileFetcher, TileKey, TileResult,
                      TileStatus)
from .mbtiles import MBTilesError, MBTilesSource
from .sources import (ServerTileSource, TileSource, WmtsSource, XyzSource, server_wmts_url,
                      tianditu_source)
from .tms import (Bounds, TileLimits, TileMatrix, TileMatrixSet, ViewTiles, crs_from_string,
                  tiles_for_extent, tiles_for_view)
from .wmts_capabilities import CapabilitiesError, WmtsCapabilities, WmtsLayer, parse_capabilities

__all__ = [
    "Bounds", "CapabilitiesError", "DiskTileCache", "MBTilesError", "MBTilesSource",
    "MemoryLRU", "ServerTileSource", "SourceState", "SourceStatus", "TileFetcher", "TileKey",
    "TileLimits", "TileMatrix", "TileMatrixSet", "TileResult", "TileSource", "TileStatus",
    "ViewTiles", "WmtsCapabilities", "WmtsLayer", "WmtsSource", "XyzSource", "crs_from_string",
    "default_cache_dir", "parse_capabilities", "server_wmts_url", "tianditu_source",
    "tiles_for_extent", "tiles_for_view",
]
