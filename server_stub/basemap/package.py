"""What the basemap needs to know about a city package: where city.gpkg is, its CRS and extent.

The CRS comes from the GeoPackage itself (gpkg_spatial_ref_sys of the basemap layers), so the renderer
draws in the CRS the file holds. The extent is city.json's ``extent.projected`` (the extract's extent,
drawn as the map's paper) or else the union of the basemap layers' extents (gpkg_contents); city.json
also gives the name and attribution.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyproj

from . import tms as tmsmod

BASEMAP_LAYERS = ("buildings", "roads", "water", "green", "landuse", "railways", "poi_labels")
ATTRIBUTION = "© OpenStreetMap contributors"


class NoCity(LookupError):
    """No usable city package in the directory."""


@dataclass(frozen=True)
class CityPackage:
    dir: Path
    gpkg: Path
    crs: str                                      # EPSG:xxxx or WKT
    extent: tuple[float, float, float, float]     # in crs, x/y
    layers: tuple[str, ...]
    stamp: str                                    # changes when city.gpkg changes
    name: str = ""
    attribution: str = ATTRIBUTION
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def lonlat_bbox(self) -> tuple[float, float, float, float]:
        t = pyproj.Transformer.from_crs(self.crs, 4326, always_xy=True)
        return tuple(t.transform_bounds(*self.extent, densify_pts=21))

    @cached_property
    def center_lonlat(self) -> tuple[float, float]:
        w, s, e, n = self.lonlat_bbox
        return (w + e) / 2, (s + n) / 2

    @cached_property
    def sets(self) -> dict[str, tmsmod.TileMatrixSet]:
        return {"WebMercatorQuad": tmsmod.web_mercator_quad(), "city": tmsmod.city_tms(self.crs, self.extent)}

    @cached_property
    def extent_in(self) -> dict[str, tuple[float, float, float, float]]:
        """The city extent in each set's CRS (bounding box of the densified outline)."""
        t = pyproj.Transformer.from_crs(self.crs, 3857, always_xy=True)
        return {"WebMercatorQuad": tuple(t.transform_bounds(*self.extent, densify_pts=21)), "city": self.extent}

    def render_frame(self, tms_id: str) -> tuple[str, float]:
        """The CRS the renderer draws a set's tiles in, and the factor from tile bbox to render bbox."""
        if tms_id == "city":
            return self.crs, 1.0
        return tmsmod.mercator_render_crs(self.center_lonlat[1])

    def tile_range(self, tms_id: str, z: int) -> tuple[int, int, int, int] | None:
        """Inclusive (min_col, min_row, max_col, max_row) of the tiles that show the city at level z."""
        key = ("range", tms_id, z)
        if key not in self._cache:
            self._cache[key] = self.sets[tms_id].tile_range(z, self.extent_in[tms_id])
        return self._cache[key]

    def shows_city(self, tms_id: str, z: int, x: int, y: int) -> bool:
        r = self.tile_range(tms_id, z)
        return r is not None and r[0] <= x <= r[2] and r[1] <= y <= r[3]


def _gpkg_crs(con: sqlite3.Connection, srs_id: int) -> str:
    row = con.execute("SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys "
                      "WHERE srs_id = ?", (srs_id,)).fetchone()
    if row is None:
        raise NoCity(f"srs_id {srs_id} is not in gpkg_spatial_ref_sys")
    org, code, definition = row
    if org and org.upper() == "EPSG" and code and code > 0:
        return f"EPSG:{code}"
    if definition and definition.strip() not in ("", "undefined"):
        return definition
    raise NoCity(f"srs_id {srs_id} has no usable definition")


def load_city(directory: str | Path) -> CityPackage:
    """Read a city package directory (city.gpkg [+ city.json]); raises NoCity when unusable."""
    directory = Path(directory)
    gpkg = directory / "city.gpkg"
    if not gpkg.is_file():
        raise NoCity(f"no city.gpkg in {directory}")
    con = sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT table_name, min_x, min_y, max_x, max_y, srs_id FROM gpkg_contents "
                           "WHERE data_type = 'features'").fetchall()
    except sqlite3.DatabaseError as e:
        raise NoCity(f"{gpkg} is not a GeoPackage: {e}") from None
    try:
        present = {r[0]: r for r in rows if r[0] in BASEMAP_LAYERS}
        if not present:
            raise NoCity(f"{gpkg} has none of the basemap layers {', '.join(BASEMAP_LAYERS)}")
        srs = {r[5] for r in present.values()}
        if len(srs) != 1:
            raise NoCity(f"{gpkg}: basemap layers are in several CRSs {sorted(srs)}")
        crs = _gpkg_crs(con, srs.pop())
    finally:
        con.close()
    boxes = []
    for name, (_, x0, y0, x1, y1, _) in present.items():
        if None in (x0, y0, x1, y1):
            import pyogrio
            x0, y0, x1, y1 = pyogrio.read_info(gpkg, layer=name, force_total_bounds=True)["total_bounds"]
        if all(v == v for v in (x0, y0, x1, y1)) and x1 >= x0 and y1 >= y0:
            boxes.append((x0, y0, x1, y1))
    if not boxes:
        raise NoCity(f"{gpkg}: the basemap layers are empty")
    extent = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    if not pyproj.CRS.from_user_input(crs).is_projected:
        raise NoCity(f"{gpkg}: the basemap layers must be in a projected CRS, not {crs[:40]}")
    name, attribution = "", ATTRIBUTION
    meta = directory / "city.json"
    if meta.is_file():
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
            name = str(data.get("name") or "")
            attribution = str(data.get("attribution") or attribution)
            declared = (data.get("extent") or {}).get("projected")
            if declared and len(declared) == 4 and declared[2] > declared[0] and declared[3] > declared[1]:
                extent = tuple(float(v) for v in declared)  # the extract's extent: the map's "paper"
        except (ValueError, OSError, AttributeError, TypeError):
            pass
    st = gpkg.stat()
    return CityPackage(directory, gpkg, crs, tuple(float(v) for v in extent), tuple(present),
                       f"{gpkg.resolve()}:{st.st_size}:{st.st_mtime_ns}", name, attribution)
