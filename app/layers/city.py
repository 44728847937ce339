"""All the map layers of a city package (city.gpkg from server_stub.citydata), in drawing order.

    layers = city_layers("var/city/city.gpkg")
    for layer in layers.values():
        canvas.add_layer(layer)

Field names follow the citydata pipeline (code, id / class_code, direction, username / display_name); pass ``fields`` to override any of them and
``layer_names`` to map roles to other GeoPackage layer names. Layers missing from the file are
skipped. Cases come from the server (CaseLayer.set_cases / update_case), so the case layer starts
empty.
"""
from __future__ import annotations

from .base import OSM_ATTRIBUTION, Layer
from .cameras import CameraLayer
from .cases import CaseLayer
from .components import ComponentLayer
from .inspectors import InspectorLayer
from .responsibility_grid import ResponsibilityGridLayer
from .selection import SelectionLayer
from .unit_grid import UnitGridLayer
from .vector_basemap import VectorBasemapLayer, guess_mapping

__all__ = ["city_layers", "DEFAULT_FIELDS", "DEFAULT_LAYER_NAMES"]

# As server_stub.citydata writes them (resources/city/README.md).
DEFAULT_LAYER_NAMES = {"unit_grids": "unit_grids", "resp_grids": "responsibility_grids", "components": "components",
                       "cameras": "cameras", "inspectors": "inspectors"}
DEFAULT_FIELDS = {"grid_code": "code", "resp_code": "code", "resp_name": "name",
                  "component_id": "id", "class_code": "class_code", "camera_id": "id",
                  "camera_direction": "direction", "inspector_id": "username", "inspector_name": "display_name"}


def city_layers(path, *, layer_names: dict | None = None, fields: dict | None = None, basemap: bool = True,
                osm: bool = True, case_crs: str = "EPSG:4490", components: bool = True) -> dict[str, Layer]:
    """{"basemap", "unit_grids", "resp_grids", "components", "cameras", "cases", "inspectors",
    "selection"}: whichever exist, bottom to top (``components=False``: the caller loads them by view)."""
    import pyogrio
    import shapely

    names = {**DEFAULT_LAYER_NAMES, **(layer_names or {})}
    f = {**DEFAULT_FIELDS, **(fields or {})}
    present = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    out: dict[str, Layer] = {}
    crs = None
    if basemap:
        mapping = guess_mapping([n for n in present if n not in names.values()])
        if mapping:
            out["basemap"] = VectorBasemapLayer.from_file(path, mapping, osm=osm,
                                                          attribution=OSM_ATTRIBUTION if osm else None)
            crs = out["basemap"].crs
    if names["unit_grids"] in present:
        out["unit_grids"] = UnitGridLayer.from_file(path, layer=names["unit_grids"], code_field=f["grid_code"])
        crs = crs or out["unit_grids"].crs
    if names["resp_grids"] in present:
        out["resp_grids"] = ResponsibilityGridLayer.from_file(path, layer=names["resp_grids"],
                                                              code_field=f["resp_code"], name_field=f["resp_name"])
    if components and names["components"] in present:
        out["components"] = ComponentLayer.from_file(path, layer=names["components"], class_field=f["class_code"],
                                                     id_field=f["component_id"])
        crs = crs or out["components"].crs
    if names["cameras"] in present:
        df = pyogrio.read_dataframe(path, layer=names["cameras"])
        cam = CameraLayer(crs=df.crs.to_string() if df.crs is not None else (crs or "EPSG:4326"))
        xy = shapely.get_coordinates(df.geometry.values)
        az = df[f["camera_direction"]].to_numpy(dtype=float) if f["camera_direction"] in df else None
        props = df.drop(columns=[df.geometry.name]).to_dict("records")
        cam.set_cameras(list(df[f["camera_id"]]), xy[:, 0], xy[:, 1], azimuth=az, properties=props)
        out["cameras"] = cam
    out["cases"] = CaseLayer(crs=case_crs)
    if names["inspectors"] in present:
        df = pyogrio.read_dataframe(path, layer=names["inspectors"])
        ins = InspectorLayer(crs=df.crs.to_string() if df.crs is not None else (crs or "EPSG:4326"))
        xy = shapely.get_coordinates(df.geometry.values)
        for i in range(len(df)):
            name = df[f["inspector_name"]].iloc[i] if f["inspector_name"] in df else None
            ins.update_position(df[f["inspector_id"]].iloc[i], float(xy[i, 0]), float(xy[i, 1]), online=False,
                                name=None if name is None else str(name))
        out["inspectors"] = ins
    else:
        out["inspectors"] = InspectorLayer()
    out["selection"] = SelectionLayer(crs=crs or "EPSG:4490")
    return out
