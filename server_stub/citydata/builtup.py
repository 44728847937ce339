"""The built-up area the unit grids must cover exactly.

Definition (stated in city.json under quality.builtup_definition): the morphological closing
(buffer +40 m, then -40 m) of the union of building footprints buffered 20 m, roads and paths
buffered 12 m, railways buffered 10 m and urban land-use / green polygons, then an opening
(-15 m, +15 m) that drops strips under 30 m wide (a lone road through fields); holes under 5 ha are
filled (courtyards, small parks), water bodies over 2,000 m2 are taken out, the result is clipped to
the extract's extent and parts under 1 ha are dropped.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

DEFINITION = ("closing (+40 m/-40 m) of buildings+20 m, roads/paths+12 m, railways+10 m and urban "
              "landuse/green polygons, opened by 15 m (strips < 30 m wide dropped); holes < 5 ha filled; water > 2,000 m2 removed; clipped to the "
              "extract extent; parts < 1 ha dropped")

URBAN_LANDUSE = {"residential", "commercial", "retail", "industrial", "railway", "construction", "civic",
                 "education", "religious", "garages", "brownfield", "grass", "village_green",
                 "recreation_ground", "cemetery", "military", "institutional", "flowerbed"}
URBAN_GREEN = {"park", "garden", "playground", "dog_park", "recreation_ground", "grass", "village_green",
               "flowerbed", "cemetery"}


def _fill_small_holes(geom, max_hole: float):
    polys = []
    for p in shapely.get_parts(geom):
        keep = [r for r in p.interiors if Polygon(r).area >= max_hole]
        polys.append(Polygon(p.exterior, keep))
    return shapely.union_all(polys) if polys else Polygon()


def built_up_area(layers: dict[str, gpd.GeoDataFrame], extent: Polygon) -> Polygon | MultiPolygon:
    b, r, rw = layers["buildings"], layers["roads"], layers["railways"]
    parts = [shapely.buffer(b.geometry.values, 20.0, quad_segs=2),
             shapely.buffer(r.geometry[~r.tunnel.astype(bool)].values, 12.0, quad_segs=2),
             shapely.buffer(rw.geometry[~rw.tunnel.astype(bool)].values, 10.0, quad_segs=2)]
    lu = layers["landuse"]
    parts.append(lu.geometry[lu.landuse.isin(list(URBAN_LANDUSE))].values)
    gr = layers["green"]
    parts.append(gr.geometry[gr.kind.isin(list(URBAN_GREEN))].values)
    geoms = np.concatenate([np.asarray(p, dtype=object) for p in parts])
    if len(geoms) == 0:
        raise ValueError("the extract has no buildings, roads or urban land use: nothing to partition")
    u = shapely.union_all(geoms)
    u = shapely.buffer(shapely.buffer(u, 40.0, quad_segs=4), -40.0, quad_segs=4)
    # opening: drop strips narrower than 30 m (a lone road or railway through open country)
    u = shapely.buffer(shapely.buffer(u, -15.0, quad_segs=4), 15.0, quad_segs=4)
    u = _fill_small_holes(u, 50_000.0)
    w = layers["water"]
    big_water = w.geometry[w.area_m2 > 2_000].values
    if len(big_water):
        u = shapely.difference(u, shapely.union_all(big_water))
    u = shapely.intersection(u, extent)
    u = shapely.make_valid(u)
    keep = [p for p in shapely.get_parts(u) if shapely.get_type_id(p) == 3 and p.area >= 10_000]
    if not keep:
        raise ValueError("the built-up area is empty after clipping")
    # snap to a 1 mm grid once, so the boundary the cells follow is stable
    out = shapely.set_precision(shapely.union_all(keep), 0.001)
    return out
