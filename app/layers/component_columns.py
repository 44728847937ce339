"""Reading components from a GeoPackage (any OGR source) into columns, for ComponentLayer.

The file is read as a stream of Arrow batches (pyogrio.open_arrow), never as one table: reading
3.2 million rows whole peaked 483 MB above the client's base, with the table next to the columns
made from it; in batches, 345 MB. 2D point WKB is decoded by a numpy view of each batch's buffer;
component IDs become one int64 column when they are digit codes (``encode_ids``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["ComponentColumns", "read_columns", "encode_ids", "points_from_wkb", "give_back_freed_memory"]


@dataclass
class ComponentColumns:
    x: np.ndarray
    y: np.ndarray
    cls: np.ndarray  # int16 index into class_table
    class_table: list[str]
    ids: object  # an encode_ids result, an Arrow array, or None
    crs: str
    properties: dict = field(default_factory=dict)


def read_columns(path, layer: str | None, class_field: str, id_field: str | None, columns=None,
                 batch_size: int = 262144) -> ComponentColumns:
    """Every point of ``layer`` with its class (and ID, and the ``columns`` asked for) as columns."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyogrio

    want = [c for c in (columns or []) if c not in (class_field, id_field)]
    cols = [class_field] + ([id_field] if id_field else []) + want
    xs, ys, classes, id_parts, props = [], [], [], [], {c: [] for c in want}
    class_index: dict[str, int] = {}
    with pyogrio.open_arrow(path, layer=layer, columns=cols, batch_size=batch_size, use_pyarrow=True) as (
            meta, reader):
        crs = str(meta.get("crs") or "EPSG:4326")
        geom_name = meta.get("geometry_name") or "wkb_geometry"
        for batch in reader:
            names = batch.schema.names
            x, y = points_from_wkb(batch.column(names.index(geom_name) if geom_name in names else -1))
            xs.append(x)
            ys.append(y)
            codes = pc.fill_null(batch.column(names.index(class_field)).cast(pa.string()), "")
            enc = pc.dictionary_encode(codes)
            local = np.array([class_index.setdefault(c, len(class_index)) for c in enc.dictionary.to_pylist()],
                             dtype=np.int16)
            classes.append(local[enc.indices.to_numpy(zero_copy_only=False)] if len(local) else
                           np.zeros(len(x), np.int16))
            if id_field:
                id_parts.append(encode_ids(batch.column(names.index(id_field))))
            for c in want:
                if c in names:
                    props[c].append(batch.column(names.index(c)).to_numpy(zero_copy_only=False))
            del batch, codes, enc
    ids = None
    if id_field:
        ids = _join_ids(id_parts) if id_parts else np.empty(0, np.int64)
        if ids is None:  # the batches encoded their IDs differently: read the IDs whole, once
            _m, table = pyogrio.read_arrow(path, layer=layer, columns=[id_field], read_geometry=False)
            ids = table.column(id_field)
        del id_parts
    x = np.concatenate(xs) if xs else np.empty(0)
    del xs
    y = np.concatenate(ys) if ys else np.empty(0)
    del ys
    cls_col = np.concatenate(classes) if classes else np.empty(0, np.int16)
    del classes
    props = {c: np.concatenate(v) for c, v in props.items() if v}
    return ComponentColumns(x, y, cls_col, list(class_index), ids, crs, props)


def give_back_freed_memory() -> None:
    """Arrow's allocator (mimalloc) and glibc keep the freed read buffers (hundreds of MB for millions
    of rows) after the columns are built; hand them back to the system."""
    import ctypes
    import sys

    import pyarrow as pa

    pa.default_memory_pool().release_unused()

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):
            pass


class _EncodedIds(tuple):
    """An ``encode_ids`` result handed to the constructor as is (the batches agreed)."""


def _join_ids(parts: list[tuple[np.ndarray, int]]):
    """One ``encode_ids`` result from the batches' own, or None when they disagree (one batch of
    16-digit codes and one of 15, or digits and text)."""
    kinds = {a.dtype.kind for a, _w in parts}
    widths = {w for _a, w in parts}
    if len(kinds) != 1 or len(widths) != 1:
        return None
    if kinds == {"S"}:
        size = max(a.dtype.itemsize for a, _w in parts)
        return _EncodedIds((np.concatenate([a.astype(f"S{size}", copy=False) for a, _w in parts]), 0))
    return _EncodedIds((np.concatenate([a for a, _w in parts]), widths.pop()))


def encode_ids(ids) -> tuple[np.ndarray, int]:
    """Component IDs as one column and a width: int64 when they are all digit strings (width > 0: all
    of that width, which restores leading zeros -- the 16-digit codes; -1: digits of several widths,
    none with a leading zero; 0: numbers given as numbers), else fixed-width bytes (width 0). Takes a numpy array, a list or
    an Arrow string array (converted in C++, no Python object per ID)."""
    if isinstance(ids, _EncodedIds):
        return ids
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        pa = None
    if pa is not None and not isinstance(ids, (pa.Array, pa.ChunkedArray)):
        arr = np.asarray(ids)
        if arr.dtype.kind in "iu":
            return arr.astype(np.int64), 0
        ids = pa.array(arr.astype(str))
    if pa is None:
        arr = np.asarray(ids).astype(str)
        return arr.astype("S"), 0
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    if pa.types.is_integer(ids.type):
        return ids.to_numpy(zero_copy_only=False).astype(np.int64), 0
    ids = pc.fill_null(ids.cast(pa.string()), "")
    if len(ids) == 0:
        return np.empty(0, np.int64), 0
    lengths = pc.utf8_length(ids)
    lo, hi = (v.as_py() for v in pc.min_max(lengths).values())
    if 0 < lo and hi <= 18 and pc.all(pc.ascii_is_decimal(ids)).as_py():
        # digits: one int64 each; a single width restores leading zeros, else there must be none
        if lo == hi or not pc.any(pc.starts_with(ids, "0")).as_py():
            return pc.cast(ids, pa.int64()).to_numpy(zero_copy_only=False), (lo if lo == hi else -1)
    if pc.all(pc.string_is_ascii(ids)).as_py() and hi > 0:
        # fixed-width bytes straight from Arrow's buffer (NUL padding, which numpy's "S" drops)
        padded = pc.utf8_rpad(ids, width=hi, padding="\x00").combine_chunks() if isinstance(
            ids, pa.ChunkedArray) else pc.utf8_rpad(ids, width=hi, padding="\x00")
        buf = padded.buffers()[2]
        start = int(np.frombuffer(padded.buffers()[1], np.int32, count=1, offset=padded.offset * 4)[0])
        return np.frombuffer(buf, dtype=f"S{hi}", count=len(padded), offset=start).copy(), 0
    return np.array([v.encode() for v in ids.to_pylist()], dtype="S"), 0  # rare: non-ASCII IDs


def points_from_wkb(geom) -> tuple[np.ndarray, np.ndarray]:
    """x, y of an Arrow column of point WKB. 2D little-endian points (21 bytes each, what GDAL gives
    for a GeoPackage point layer) are read by a numpy view of the buffer; anything else via shapely."""
    import pyarrow as pa

    if isinstance(geom, pa.ChunkedArray):
        geom = geom.combine_chunks()
    if isinstance(geom, pa.ExtensionArray):
        geom = geom.storage
    n = len(geom)
    if n == 0:
        return np.empty(0), np.empty(0)
    if geom.null_count == 0 and pa.types.is_binary(geom.type):
        offsets = np.frombuffer(geom.buffers()[1], dtype=np.int32, count=n + 1, offset=geom.offset * 4)
        data = geom.buffers()[2]
        if offsets[-1] - offsets[0] == 21 * n and (np.diff(offsets) == 21).all():
            rec = np.frombuffer(data, dtype=_WKB_POINT, count=n, offset=int(offsets[0]))
            if (rec["order"] == 1).all() and (rec["type"] == 1).all():
                return rec["x"].copy(), rec["y"].copy()
    import shapely

    xy = shapely.get_coordinates(shapely.from_wkb(geom.to_numpy(zero_copy_only=False)))
    return xy[:, 0].copy(), xy[:, 1].copy()


_WKB_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])


