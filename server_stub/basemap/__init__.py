"""The 1:500 basemap rendered by QGIS, served as XYZ / WMTS tiles and pre-rendered to MBTiles.

QGIS runs only in separate renderer processes under QGIS's own Python (never in the server's venv,
never beside PySide6); the server talks to them over pipes.

Modules, one job each:
  qgis_env         find the Python that has PyQGIS (OCC_QGIS_PYTHON, else /usr/bin/python3)
  renderer_worker  the render loop (runs under QGIS's Python; stdlib + qgis only)
  pool             N renderer processes, a request queue, restart-and-retry-once on crash/timeout
  tms              tile matrix sets: WebMercatorQuad and the city's own grid (level N = 1:500)
  package          the city package's CRS and extent, read from city.gpkg
  cache            in-memory LRU + disk cache <data_dir>/tiles/<style>/<tms>/z/x/y.png, ETags
  engine           one city's tiles: metatiles, single flight, empty tiles outside the city
  wmts             WMTS 1.0.0 capabilities and OWS exceptions
  mbtiles          pre-render a pyramid to MBTiles (Web Mercator) or a city-grid pyramid file
  service          the server side: which city, start-up probe, shutdown
Styles: resources/qgis/<style>/*.qml (made by resources/qgis/make_styles.py).
CLI: ``python -m server_stub.basemap prerender --city DIR --style day --zooms 14-18 --out x.mbtiles``.
"""
from __future__ import annotations


def set_city(ctx, city_dir) -> None:
    """Serve the city package in ``city_dir`` (for the demo loader and the importer)."""
    from .service import set_city as _set_city
    _set_city(ctx, city_dir)


__all__ = ["set_city"]
