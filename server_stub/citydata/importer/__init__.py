"""Import a city's own survey (unit grids and components) into the database.

``python -m server_stub.citydata import --db URL --grids FILE [--components FILE] ...``

Input: GeoPackage or Shapefile (anything GDAL reads), in any CRS: the file's own CRS, or ``--crs``
when it has none (a .shp without .prj). Geometries go to the database in lon/lat (EPSG:4490,
CGCS2000); areas, overlaps and gaps are measured in the city's metric projected CRS
(``crs.choose_crs``: the CGCS2000 3-degree Gauss-Krueger zone with prefix in China, UTM elsewhere).

Field names are matched case-insensitively against the variants in ``GRID_FIELDS``,
``COMPONENT_FIELDS``, ``DEPARTMENT_FIELDS`` and ``RESPONSIBILITY_FIELDS`` (English, the CJ/T 213-214
style abbreviations and Chinese); a Shapefile's 10-character truncation of a name also matches.
Values in Chinese are mapped with ``STATE_VALUES``, ``CURRENCY_VALUES`` and ``SOURCE_VALUES``.
``export.py`` writes exactly the canonical names, so an export imports back unchanged.

The data must lie where the city is: within 20 km of the unit grids already in the database, unless
``new_city`` (``--new-city``); otherwise the import is refused with the distance and, for a file in
a zone family (UTM, CGCS2000 Gauss-Krueger), the zone that would put it in the city
(``location.py``). A dry run changes nothing, not even by creating the database file.

Modules: ``fields`` (names, values, tolerances), ``reading`` (files to lon/lat frames), ``grids`` and
``rows`` (validation), ``location``, ``options`` (what was asked, what will be written), ``run`` (the
import), ``report``, ``cli``.

Everything is validated before the database is touched. Every rejected row is reported with its
row number, feature id, key and reason; warnings (repaired polygons, gaps, odd areas, a grid_code
that disagrees with the position) never block. Any rejected row aborts the import and nothing is
written, unless ``skip_rejected`` -- then the valid rows go in. Writes happen in ONE transaction.
"""
from __future__ import annotations

from .cli import add_parser, main
from .fields import (COMPONENT_FIELDS, CURRENCY_VALUES, DEPARTMENT_FIELDS, GRID_FIELDS, RESPONSIBILITY_FIELDS,
                     SOURCE_VALUES, STATE_VALUES, field_help)
from .options import ImportOptions
from .reading import read_geo_layer
from .report import ImportFileError, ImportReport, Issue
from .run import import_city

__all__ = ["ImportOptions", "ImportReport", "ImportFileError", "Issue", "import_city", "read_geo_layer",
           "add_parser", "main", "field_help",
           "GRID_FIELDS", "COMPONENT_FIELDS", "DEPARTMENT_FIELDS", "RESPONSIBILITY_FIELDS",
           "STATE_VALUES", "CURRENCY_VALUES", "SOURCE_VALUES"]
