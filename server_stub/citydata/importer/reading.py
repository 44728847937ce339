"""Reading survey files (GeoPackage, Shapefile, CSV ...) into lon/lat frames with matched columns."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from .fields import LONLAT_EPSG, match_columns
from .report import ImportFileError


# ---------------------------------------------------------------- reading files
@dataclass
class Layer:
    path: Path
    name: str
    frame: Any  # GeoDataFrame in lon/lat (EPSG:4490), or DataFrame for tables
    fids: list[int]
    columns: dict[str, list[str]]
    crs: str | None
    note: str | None = None  # e.g. --crs not used because the file has its own


def _list_layers(path: Path) -> list[tuple[str, str | None]]:
    import pyogrio
    if not path.exists():
        raise ImportFileError(f"{path}: no such file")
    try:
        return [(str(n), None if t is None else str(t)) for n, t in pyogrio.list_layers(path)]
    except Exception as e:  # noqa: BLE001 - GDAL raises several kinds for unreadable files
        raise ImportFileError(f"{path}: not a readable GeoPackage/Shapefile ({e})") from None


def _pick_layer(path: Path, layer: str | None, preferred: str, geom_kinds: tuple[str, ...] | None) -> str:
    layers = _list_layers(path)
    names = [n for n, _ in layers]
    if layer:
        if layer not in names:
            raise ImportFileError(f"{path}: no layer {layer!r} (layers: {', '.join(names)})")
        return layer
    if preferred in names:
        return preferred
    if len(layers) == 1:
        return names[0]
    if geom_kinds is not None:
        fit = [n for n, t in layers if t and any(k in t for k in geom_kinds)]
        if len(fit) == 1:
            return fit[0]
    raise ImportFileError(f"{path}: several layers ({', '.join(names)}); name one with the --*-layer option")


def _base_type(t: str | None) -> str:
    return (t or "Unknown").replace(" Z", "").replace(" M", "").replace("3D ", "").strip()


def read_geo_layer(path: str | Path, layer: str | None, *, kind: str, crs: str | None = None,
                   encoding: str | None = None, fields: dict[str, tuple[str, ...]],
                   required: tuple[str, ...]) -> Layer:
    """Read a point ('components') or polygon ('unit_grids') layer and bring it to lon/lat."""
    import geopandas as gpd
    import numpy as np
    import pyogrio
    import pyproj
    import shapely

    path = Path(path)
    want = ("Point",) if kind in ("components", "cameras") else ("Polygon",)
    name = _pick_layer(path, layer, kind, want)
    try:
        info = pyogrio.read_info(path, layer=name, encoding=encoding)
    except Exception as e:  # noqa: BLE001
        raise ImportFileError(f"{path}: layer {name!r} unreadable ({e})") from None
    gtype = _base_type(info.get("geometry_type"))
    if info.get("geometry_type") is None:
        raise ImportFileError(f"{path}: layer {name!r} has no geometry; {kind} need "
                              f"{'points' if want[0] == 'Point' else 'polygons'}")
    if gtype != "Unknown" and want[0] not in gtype:
        raise ImportFileError(f"{path}: layer {name!r} holds {gtype} geometries; {kind} must be "
                              f"{'points' if want[0] == 'Point' else 'polygons'}")
    src = info.get("crs")
    note = None
    if crs:  # for files without a CRS, and over a file's own when that is wrong (a zone off by one)
        try:
            src_crs = pyproj.CRS.from_user_input(crs)
        except pyproj.exceptions.CRSError as e:
            raise ImportFileError(f"--crs {crs!r} is not a CRS: {e}") from None
        if src:
            note = f"{path.name} declares {src}; read as --crs {crs}"
    elif src:
        src_crs = pyproj.CRS.from_user_input(src)
    else:
        raise ImportFileError(f"{path}: layer {name!r} has no coordinate reference system (a .shp "
                              "without its .prj?); give the CRS with --crs EPSG:xxxx")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            df = pyogrio.read_dataframe(path, layer=name, fid_as_index=True, encoding=encoding)
    except Exception as e:  # noqa: BLE001
        raise ImportFileError(f"{path}: layer {name!r} unreadable ({e})") from None
    cols = match_columns(df.columns, fields)
    missing = [f for f in required if f not in cols]
    if missing:
        raise ImportFileError(f"{path}: layer {name!r} has no {missing[0]} field (looked for "
                              f"{', '.join(fields[missing[0]])}; found {', '.join(map(str, df.columns))})")
    geoms = shapely.force_2d(df.geometry.values)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if ok.any():
        minx, miny, maxx, maxy = shapely.total_bounds(geoms[ok])
        looks_degrees = -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
        if src_crs.is_geographic and not looks_degrees:
            raise ImportFileError(f"{path}: coordinates ({minx:.0f}, {miny:.0f}) are not degrees, yet the "
                                  f"CRS is {src_crs.name}; give the right one with --crs")
        # a city spans far more than 2 m, and less than 2 degrees
        if src_crs.is_projected and looks_degrees and max(abs(maxx - minx), abs(maxy - miny)) < 2:
            raise ImportFileError(f"{path}: coordinates look like degrees, yet the CRS is "
                                  f"{src_crs.name}; give the right one with --crs")
    gs = gpd.GeoSeries(geoms, index=df.index, crs=src_crs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lonlat = gs.to_crs(epsg=LONLAT_EPSG)
    if ok.any():
        c = shapely.get_coordinates(lonlat.values[ok])
        if not (c.size and (abs(c[:, 0]) <= 180).all() and (abs(c[:, 1]) <= 90).all()
                and np.isfinite(c).all()):
            raise ImportFileError(f"{path}: coordinates do not transform from {src_crs.name} to lon/lat; "
                                  "is that CRS right? (--crs)")
    frame = gpd.GeoDataFrame(df.drop(columns=df.geometry.name), geometry=lonlat.values, crs=LONLAT_EPSG)
    auth = src_crs.to_authority()
    return Layer(path, name, frame, [int(i) for i in df.index], cols,
                 f"{auth[0]}:{auth[1]}" if auth else src_crs.name, note)


def read_table(path: str | Path, layer: str | None, *, preferred: str, encoding: str | None,
               fields: dict[str, tuple[str, ...]], required: tuple[str, ...]) -> Layer:
    """A plain table (departments, responsibility grids) from a GeoPackage/Shapefile/CSV layer."""
    import pandas as pd
    import pyogrio
    path = Path(path)
    if path.suffix.lower() == ".csv":
        try:
            df = pd.read_csv(path, dtype=str, encoding=encoding or "utf-8-sig", keep_default_na=False)
        except Exception as e:  # noqa: BLE001
            raise ImportFileError(f"{path}: unreadable CSV ({e})") from None
        name, fids = path.stem, list(range(1, len(df) + 1))
    else:
        name = _pick_layer(path, layer, preferred, None)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                df = pyogrio.read_dataframe(path, layer=name, read_geometry=False, fid_as_index=True,
                                            encoding=encoding)
        except Exception as e:  # noqa: BLE001
            raise ImportFileError(f"{path}: layer {name!r} unreadable ({e})") from None
        fids = [int(i) for i in df.index]
    cols = match_columns(df.columns, fields)
    missing = [f for f in required if f not in cols]
    if missing:
        raise ImportFileError(f"{path}: layer {name!r} has no {missing[0]} field "
                              f"(looked for {', '.join(fields[missing[0]])})")
    return Layer(path, name, df, fids, cols, None)


def records(layer: Layer) -> Iterable[tuple[int, int, dict, Any]]:
    """(row 1-based, fid, attributes, geometry or None) per feature."""
    df = layer.frame
    geoms = df.geometry.values if hasattr(df, "geometry") and "geometry" in df else [None] * len(df)
    attrs = df.drop(columns=["geometry"], errors="ignore").to_dict("records")
    for i, (rec, g, fid) in enumerate(zip(attrs, geoms, layer.fids)):
        yield i + 1, fid, rec, g
