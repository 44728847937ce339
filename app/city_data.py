"""Loads the city into the map layers and keeps them live.

The reference city (basemap, unit grids, responsibility grids, components) comes as the server's
GeoPackage, downloaded once and cached by content; cases, inspectors and cameras come from the API
and then from the live event stream, which moves markers and changes colours in place. All network
and file work runs on worker threads; only layer updates happen on the UI thread.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
from PySide6.QtCore import QObject, QStandardPaths, Signal

from app.api.client import ApiClient
from app.api.worker import run_async
from app.layers import (CameraLayer, CaseLayer, ComponentLayer, InspectorLayer, Layer, ResponsibilityGridLayer,
                        UnitGridLayer, VectorBasemapLayer)
from app.domain.camera_view import DEFAULT_FOV_DEG, DEFAULT_RANGE_M
from app.domain.workflow import OPEN_STATES
from app.search_index import SearchHit, SearchIndex

log = logging.getLogger("occ.client")

# Layer names in the city GeoPackage written by server_stub.citydata.
GPKG_GRIDS, GPKG_RESP, GPKG_COMPONENTS = "unit_grids", "responsibility_grids", "components"


def _column(items: list[dict], key: str, default: float) -> np.ndarray:
    """One numeric field of the API's items; missing or null gives the default."""
    return np.array([default if c.get(key) is None else c[key] for c in items], float)


def cache_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.CacheLocation) or str(Path.home() / ".cache")
    d = Path(base) / "opencitycommand" / "cities"
    d.mkdir(parents=True, exist_ok=True)
    return d


@dataclass
class CityLayers:
    basemap: VectorBasemapLayer | None = None
    grids: UnitGridLayer | None = None
    responsibility: ResponsibilityGridLayer | None = None
    components: ComponentLayer | None = None
    extra: dict = field(default_factory=dict)

    def all(self) -> list[Layer]:
        return [lyr for lyr in (self.basemap, self.responsibility, self.grids, self.components) if lyr]


def read_city_package(path: Path, crs: str, names: dict[str, str],
                      load_components: Callable[[tuple], dict] | None = None) -> tuple[CityLayers, SearchIndex]:
    """Runs on a worker thread: the package's layers (app.layers.city) and a search index of grid codes,
    component IDs, street and place names. A city with more components than the client holds
    (``client_components_max``) gets them by viewport through ``load_components(lonlat_bbox)``."""
    import pyogrio
    import shapely

    from app.layers.city import DEFAULT_LAYER_NAMES, city_layers
    from app.layers.viewport_components import ViewportComponentLayer, client_components_max
    from app.map.crs import transform_xy

    by_view = False
    if load_components is not None and DEFAULT_LAYER_NAMES["components"] in set(pyogrio.list_layers(path)[:, 0]):
        count = pyogrio.read_info(path, layer=DEFAULT_LAYER_NAMES["components"])["features"]
        by_view = count > client_components_max()
        if by_view:
            log.info("%d components: more than the client holds, loading them by view from the server", count)
    got = city_layers(path, components=not by_view)
    if by_view:
        got["components"] = ViewportComponentLayer(load_components)
    out = CityLayers(basemap=got.get("basemap"), grids=got.get("unit_grids"),
                     responsibility=got.get("resp_grids"), components=got.get("components"))
    for layer, key in ((out.basemap, "basemap"), (out.grids, "grids"), (out.responsibility, "responsibility"),
                       (out.components, "components")):
        if layer is not None:
            layer.name = names[key]
    if out.responsibility is not None:
        out.responsibility.visible = False
    index = SearchIndex()
    if out.components is not None:  # IDs searched in the layer's own columns, no object per component
        index.add_source("component", out.components.search_source(crs))
    available = {str(n) for n in pyogrio.list_layers(path)[:, 0]}
    for lname, kind, field, is_name in ((GPKG_GRIDS, "grid", "code", False),
                                        ("roads", "street", "name", True), ("poi_labels", "poi", "name", True),
                                        ("streets", "subdistrict", "name", True),  # 街道 (a region)
                                        ("communities", "community", "name", True)):
        if lname not in available:
            continue
        df = pyogrio.read_dataframe(path, layer=lname, columns=[field])
        df = df[df[field].notna() & (df[field] != "")]
        pts = shapely.get_coordinates(shapely.point_on_surface(df.geometry.values))
        src = df.crs.to_string() if df.crs is not None else crs
        x, y = transform_xy(pts[:, 0], pts[:, 1], src, crs) if src != crs else (pts[:, 0], pts[:, 1])
        seen: set[str] = set()
        for key, px, py in zip(df[field].astype(str), x, y):
            if is_name and key in seen:  # one hit per street name
                continue
            seen.add(key)
            index.add(SearchHit(kind, key, key, float(px), float(py)), name=is_name)
    return out, index


class CityData(QObject):
    """The controller between the API and the layer models (which know nothing of the network)."""

    cityLoaded = Signal(object)  # CityLayers
    failed = Signal(str)
    casesLoaded = Signal(int)
    caseChanged = Signal(dict)

    def __init__(self, client: ApiClient, crs: str, names: dict[str, str], parent: QObject | None = None):
        super().__init__(parent)
        self.client = client
        self.crs = crs
        self.names = names
        self.index = SearchIndex()
        self.cases = CaseLayer(crs="EPSG:4490", name=names["cases"])
        self.inspectors = InspectorLayer(crs="EPSG:4490", name=names["inspectors"])
        self.cameras = CameraLayer(crs="EPSG:4490", name=names["cameras"])
        self.city = CityLayers()
        self.case_props: dict[int, dict] = {}  # open cases as the server last described them

    # ------------------------------------------------------------------ loading
    def load(self, profile: dict) -> None:
        def work() -> tuple[CityLayers, SearchIndex]:
            data = self.client.city_package()
            digest = hashlib.sha256(data).hexdigest()[:16]
            path = cache_dir() / f"{profile.get('name', 'city')}-{digest}.gpkg"
            if not path.exists():
                tmp = path.with_suffix(".part")
                tmp.write_bytes(data)
                tmp.replace(path)
            return read_city_package(path, self.crs, self.names,
                                     lambda bbox: self.client.components(bbox, limit=100_000))

        run_async(work, self._city_ready, lambda e: self.failed.emit(str(e)))
        self.reload_live()

    def _city_ready(self, result: tuple[CityLayers, SearchIndex]) -> None:
        self.city, index = result
        self.index = index
        self._index_cases()
        self.cityLoaded.emit(self.city)

    def reload_live(self) -> None:
        """Cases, inspectors and cameras: at start and after the event stream asks for a resync."""
        run_async(lambda: self.client.all_cases(state=",".join(OPEN_STATES)), self._cases_ready,
                  lambda e: self.failed.emit(str(e)))
        run_async(self.client.inspectors, self._inspectors_ready, lambda e: self.failed.emit(str(e)))
        run_async(self.client.cameras, self._cameras_ready, lambda e: self.failed.emit(str(e)))

    def _cases_ready(self, items: list[dict]) -> None:
        self.cases.set_cases([c["id"] for c in items], np.array([c["lon"] for c in items], float),
                             np.array([c["lat"] for c in items], float), kinds=[c["kind"] for c in items],
                             bands=[c.get("band") or "green" for c in items],
                             urgent=[c.get("urge_count", 0) > 0 for c in items], properties=items)
        self.case_props = {c["id"]: c for c in items}
        self._index_cases()
        self.casesLoaded.emit(len(items))

    def _index_cases(self) -> None:
        """Case numbers in the search index (projected once, in bulk)."""
        from app.map.crs import transform_xy
        self.index.remove_kind("case")
        items = list(self.case_props.values())
        if not items:
            return
        x, y = transform_xy(np.array([c["lon"] for c in items], float), np.array([c["lat"] for c in items], float),
                            "EPSG:4490", self.crs)
        for c, cx, cy in zip(items, x, y):
            label = f"{c['number']}  {(c.get('description') or '')[:24]}"
            self.index.add(SearchHit("case", c["number"], label, float(cx), float(cy), ref=c["id"]))

    def _index_case(self, c: dict) -> None:
        from app.map.crs import transform_xy
        x, y = transform_xy(np.array([c["lon"]], float), np.array([c["lat"]], float), "EPSG:4490", self.crs)
        label = f"{c['number']}  {(c.get('description') or '')[:24]}"
        self.index.add(SearchHit("case", c["number"], label, float(x[0]), float(y[0]), ref=c["id"]))

    def _inspectors_ready(self, items: list[dict]) -> None:
        for i in items:
            if i.get("lon") is None:
                continue
            self.inspectors.update_position(i["user_id"], i["lon"], i["lat"], heading=i.get("bearing"),
                                            online=bool(i.get("online")), name=i.get("display_name"),
                                            properties=i)

    def _cameras_ready(self, items: list[dict]) -> None:
        if not items:
            return
        self.cameras.set_cameras([c["id"] for c in items], np.array([c["lon"] for c in items], float),
                                 np.array([c["lat"] for c in items], float),
                                 azimuth=_column(items, "direction", np.nan),  # 0 is north, not "none"
                                 fov=_column(items, "fov_deg", DEFAULT_FOV_DEG),
                                 range_m=_column(items, "range_m", DEFAULT_RANGE_M), properties=items)

    # ------------------------------------------------------------------ live events
    def on_event(self, msg: dict) -> None:
        kind, data = msg.get("type"), msg.get("data") or {}
        if kind == "case.changed":
            if data.get("state") in OPEN_STATES and not msg.get("left_scope"):
                if data["id"] not in self.case_props:
                    self._index_case(data)  # a new case's number is searchable at once
                self.cases.update_case(data["id"], data["lon"], data["lat"], kind=data["kind"],
                                       band=data.get("band") or "green", urgent=data.get("urge_count", 0) > 0,
                                       properties=data)
                self.case_props[data["id"]] = data
            else:
                self.cases.remove_case(data["id"])
                self.case_props.pop(data["id"], None)
            self.caseChanged.emit(data)
        elif kind == "case.band":
            if data.get("id") in self.case_props:
                self.cases.update_case(data["id"], band=data["band"], new=False)
                self.case_props[data["id"]]["band"] = data["band"]
        elif kind == "inspector.position":
            self.inspectors.update_position(data["user_id"], data["lon"], data["lat"], heading=data.get("bearing"),
                                            online=True, speed=data.get("speed_kn"))

    def find(self, text: str) -> list[SearchHit]:
        return self.index.search(text)

