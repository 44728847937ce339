"""City-data pipeline: an OpenStreetMap extract (.osm.pbf) to a city package.

A city package is a directory with ``city.gpkg`` (every layer in one metric projected CRS) and
``city.json`` (the city profile: name, admin code, CRS, extent, attribution, quality figures and
the layer list). Run ``python -m server_stub.citydata build --demo --out DIR``.

Modules, one job each:
  osm_read    read the .pbf once; tag lookup
  crs         pick the projected CRS (CGCS2000 3-degree GK zone in China, UTM elsewhere)
  profile     the city profile (name, admin code, naming pools, targets)
  basemap     1:500 basemap layers (buildings, roads, water, green, landuse, railways, labels)
  builtup     the built-up area the unit grids cover
  partition   blocks from the street network, split and merged into ~10,000 m2 cells
  hierarchy   communities, streets, codes, responsibility grids
  placement   points along roads, junctions, thinning (geometry helpers)
  components  OSM features to component classes, plus synthesized components
  departments departments and the class-to-department responsibility tables
  cameras     camera points with 20-digit GB/T 28181-style IDs
  walknet     the walkable network for patrols
  inspectors  one inspector per responsibility grid
  quality     partition invariants and figures
  package     orchestration and writing city.gpkg / city.json
"""
from __future__ import annotations

ATTRIBUTION = "© OpenStreetMap contributors"
LICENSE = "ODbL-1.0"
# The package's two files (here, not in package.py, so the demo's start can name them without
# importing the builder's GIS stack)
GPKG_NAME = "city.gpkg"
JSON_NAME = "city.json"

__all__ = ["ATTRIBUTION", "LICENSE", "build_city"]


def build_city(*args, **kwargs):
    """See :func:`server_stub.citydata.package.build_city`."""
    from .package import build_city as _build
    return _build(*args, **kwargs)
