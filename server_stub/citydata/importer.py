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

Everything is validated before the database is touched. Every rejected row is reported with its
row number, feature id, key and reason; warnings (repaired polygons, gaps, odd areas, a grid_code
that disagrees with the position) never block. Any rejected row aborts the import and nothing is
written, unless ``skip_rejected`` -- then the valid rows go in. Writes happen in ONE transaction.
"""
from __future__ import annotations

import argparse
import csv
import math
import re
import sys
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable

# ---------------------------------------------------------------- field names and values
# canonical name -> accepted column names (lower case), in priority order: the first non-empty
# value of a row wins (e.g. DeptCode2 before DeptName2).
GRID_FIELDS: dict[str, tuple[str, ...]] = {
    "code": ("code", "bgid", "gridcode", "grid_code", "grid_id", "网格编码", "单元网格编码",
             "单元网格代码", "单元网格标识码", "网格代码"),
    "responsibility_grid": ("responsibility_grid", "resp_grid", "zrwg", "zrwgbm", "责任网格",
                            "责任网格编码", "责任网格代码"),
    "area_m2": ("area_m2", "area", "bgarea", "面积"),
}
COMPONENT_FIELDS: dict[str, tuple[str, ...]] = {
    # plain "id" last: ArcGIS Shapefiles carry an "Id" column of zeros
    "id": ("bjid", "objid", "objcode", "component_id", "部件标识码", "部件编码", "标识码", "id"),
    "class_code": ("class_code", "minor_code", "classcode", "xlbm", "xldm", "小类代码", "小类编码",
                   "部件小类代码"),
    "major_code": ("major_code", "dlbm", "dldm", "大类代码", "大类编码"),  # only joins a 2-digit minor code
    "name": ("name", "objname", "bjmc", "部件名称", "名称"),
    "state": ("state", "status", "objstate", "bjzt", "部件状态", "状态"),
    "currency": ("currency", "objcurrency", "使用状态", "现势状态", "在用状态"),
    "authority": ("authority", "deptcode1", "deptname1", "zgbm", "主管部门代码", "主管部门",
                  "主管部门名称"),
    "owner": ("owner", "deptcode2", "deptname2", "qsdw", "权属单位代码", "权属单位", "权属单位名称"),
    "maintainer": ("maintainer", "deptcode3", "deptname3", "yhdw", "养护单位代码", "养护单位",
                   "养护单位名称"),
    "grid_code": ("grid_code", "bgid", "gridcode", "szwg", "所在网格", "所在单元网格", "单元网格编码",
                  "网格编码"),
    "address": ("address", "addr", "地址", "位置描述", "地址描述"),
    "data_source": ("data_source", "datasource", "sjly", "数据来源"),
    "photo": ("photo", "picture", "照片"),
    "survey_date": ("survey_date", "ordate", "csrq", "初始日期", "调查日期", "普查日期"),
    "change_date": ("change_date", "chdate", "bgrq", "变更日期"),
}
DEPARTMENT_FIELDS: dict[str, tuple[str, ...]] = {
    "code": ("code", "dept_code", "deptcode", "部门编码", "部门代码", "单位编码", "单位代码"),
    "name": ("name", "dept_name", "deptname", "部门名称", "单位名称"),
    "kind": ("kind", "部门类型"),
    "region_code": ("region_code", "区域编码", "街道编码"),
}
RESPONSIBILITY_FIELDS: dict[str, tuple[str, ...]] = {
    "code": ("code", "zrwgbm", "责任网格编码", "责任网格代码"),
    "name": ("name", "zrwgmc", "责任网格名称"),
    "inspector": ("inspector", "监督员", "监督员账号"),
}
STATE_VALUES = {"完好": "intact", "正常": "intact", "破损": "damaged", "损坏": "damaged",
                "丢失": "missing", "缺失": "missing", "占用": "occupied", "被占用": "occupied",
                **{v: v for v in ("intact", "damaged", "missing", "occupied")}}
CURRENCY_VALUES = {"在用": "in_use", "作废": "void", "废弃": "void", "in_use": "in_use", "void": "void"}
SOURCE_VALUES = {"实测": "measured", "地形图": "topographic", "调绘": "surveyed", "其它": "other",
                 "其他": "other",
                 **{v: v for v in ("measured", "topographic", "surveyed", "other", "synthesized")}}

OVERLAP_M2 = 0.01        # overlaps above this reject the later grid
GAP_M2 = 0.01            # holes in the grids' union above this are reported
AREA_NORM_M2 = 10_000.0  # a unit grid is about 10,000 m2 ...
AREA_WARN = (2_500.0, 40_000.0)  # ... outside this range (a factor 4) it is worth a look
AREA_FIELD_TOLERANCE = 0.01  # the file's own area_m2 vs. the measured area (a wrong CRS shows here)
GRID_CODE_TOLERANCE_M = 0.5  # a component this close to its grid_code's grid is inside it
LONLAT_EPSG = 4490
_CODE_LIKE = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")


class ImportFileError(ValueError):
    """A file that cannot be imported at all (unreadable, no CRS, wrong geometry type, no key
    field). Raised before the database is touched."""


# ---------------------------------------------------------------- the report
@dataclass
class Issue:
    layer: str
    row: int | None  # 1-based position in the layer
    fid: int | None  # the file's feature id
    key: str | None
    severity: str  # error (the row is rejected) | warning | info
    reason: str


@dataclass
class ImportReport:
    issues: list[Issue] = field(default_factory=list)
    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    applied: bool = False
    aborted: bool = False
    dry_run: bool = False
    metric_crs: str | None = None

    def add(self, layer: str, severity: str, reason: str, row: int | None = None,
            fid: int | None = None, key: Any = None) -> None:
        self.issues.append(Issue(layer, row, fid, None if key is None else str(key), severity, reason))
        self.counts[layer][severity] += 1

    @property
    def rejected(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    def write_csv(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8-sig") as f:  # BOM: Excel reads the Chinese
            w = csv.writer(f)
            w.writerow(["layer", "row", "fid", "key", "severity", "reason"])
            for i in self.issues:
                w.writerow([i.layer, "" if i.row is None else i.row, "" if i.fid is None else i.fid,
                            i.key or "", i.severity, i.reason])
        return path

    def summary(self, max_lines: int = 20) -> str:
        lines = []
        for layer, c in self.counts.items():
            parts = [f"{c[k]} {label}" for k, label in (
                ("read", "read"), ("error", "rejected"), ("warning", "warnings"), ("deleted", "deleted"),
                ("inserted", "inserted"), ("updated", "updated")) if k in c]
            lines.append(f"{layer:<22}{', '.join(parts)}")
        shown = self.rejected[:max_lines] + self.warnings[:max(0, max_lines - len(self.rejected))]
        for i in shown:
            where = f"row {i.row}" + (f" (fid {i.fid})" if i.fid is not None else "") if i.row else "-"
            lines.append(f"  {i.severity.upper():<8}{i.layer} {where} {i.key or ''}: {i.reason}")
        hidden = len(self.rejected) + len(self.warnings) - len(shown)
        if hidden > 0:
            lines.append(f"  ... and {hidden} more in the CSV report")
        if self.aborted:
            lines.append(f"ABORTED: {len(self.rejected)} rows rejected; the database was not changed "
                         "(fix the rows, or --skip-rejected to import the valid ones)")
        elif self.dry_run:
            lines.append("dry run: everything was checked and written in a transaction that was rolled "
                         "back; the database was not changed")
        elif self.applied:
            lines.append("imported in one transaction" + (
                f" ({len(self.rejected)} rejected rows skipped)" if self.rejected else ""))
        return "\n".join(lines)


# ---------------------------------------------------------------- small value helpers
def _cell(v: Any) -> str | None:
    """A cell as trimmed text; None for empty. Whole floats lose their '.0' (codes read as numbers)."""
    import numpy as np
    import pandas as pd
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        if not math.isfinite(v):
            return None
        return str(int(v)) if float(v).is_integer() else repr(float(v))
    if isinstance(v, (datetime, date, pd.Timestamp)):
        return None if pd.isna(v) else v.strftime("%Y-%m-%d")
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    s = str(v).strip()
    return s or None


def _date(v: Any) -> str | None:
    """YYYY-MM-DD from a date, 'YYYY-MM-DD', 'YYYY/MM/DD', 'YYYY.MM.DD' or 'YYYYMMDD'."""
    s = _cell(v)
    if s is None:
        return None
    m = re.match(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?$", s) or \
        re.match(r"^(\d{4})(\d{2})(\d{2})$", s)
    if not m:
        raise ValueError(f"{s!r} is not a date (YYYY-MM-DD)")
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        raise ValueError(f"{s!r} is not a date") from None


def _columns(columns: Iterable[str], fields: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """canonical -> the file's columns that carry it (exact names first, then Shapefile truncations)."""
    cols = [c for c in columns if c != "geometry"]
    low = {c: c.strip().lower() for c in cols}
    out: dict[str, list[str]] = {}
    for canon, variants in fields.items():
        found = [c for v in variants for c in cols if low[c] == v]
        found += [c for v in variants for c in cols
                  if len(low[c]) == 10 and len(v) > 10 and v.startswith(low[c]) and c not in found]
        if found:
            out[canon] = list(dict.fromkeys(found))
    return out


def _first(record: dict, cols: list[str] | None) -> Any:
    for c in cols or ():
        v = _cell(record.get(c))
        if v is not None:
            return v
    return None


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
    want = ("Point",) if kind == "components" else ("Polygon",)
    name = _pick_layer(path, layer, kind, want)
    try:
        info = pyogrio.read_info(path, layer=name, encoding=encoding)
    except Exception as e:  # noqa: BLE001
        raise ImportFileError(f"{path}: layer {name!r} unreadable ({e})") from None
    gtype = _base_type(info.get("geometry_type"))
    if info.get("geometry_type") is None:
        raise ImportFileError(f"{path}: layer {name!r} has no geometry; {kind} need "
                              f"{'points' if kind == 'components' else 'polygons'}")
    if gtype != "Unknown" and want[0] not in gtype:
        raise ImportFileError(f"{path}: layer {name!r} holds {gtype} geometries; {kind} must be "
                              f"{'points' if kind == 'components' else 'polygons'}")
    src = info.get("crs")
    note = None
    if src:  # the file's own CRS wins; --crs is for files without one
        src_crs = pyproj.CRS.from_user_input(src)
        if crs:
            note = f"{path.name} declares {src}; --crs {crs} not used for it"
    elif crs:
        try:
            src_crs = pyproj.CRS.from_user_input(crs)
        except pyproj.exceptions.CRSError as e:
            raise ImportFileError(f"--crs {crs!r} is not a CRS: {e}") from None
    else:
        raise ImportFileError(f"{path}: layer {name!r} has no coordinate reference system (a .shp "
                              "without its .prj?); give the CRS with --crs EPSG:xxxx")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            df = pyogrio.read_dataframe(path, layer=name, fid_as_index=True, encoding=encoding)
    except Exception as e:  # noqa: BLE001
        raise ImportFileError(f"{path}: layer {name!r} unreadable ({e})") from None
    cols = _columns(df.columns, fields)
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
    cols = _columns(df.columns, fields)
    missing = [f for f in required if f not in cols]
    if missing:
        raise ImportFileError(f"{path}: layer {name!r} has no {missing[0]} field "
                              f"(looked for {', '.join(fields[missing[0]])})")
    return Layer(path, name, df, fids, cols, None)


def _records(layer: Layer) -> Iterable[tuple[int, int, dict, Any]]:
    """(row 1-based, fid, attributes, geometry or None) per feature."""
    df = layer.frame
    geoms = df.geometry.values if hasattr(df, "geometry") and "geometry" in df else [None] * len(df)
    attrs = df.drop(columns=["geometry"], errors="ignore").to_dict("records")
    for i, (rec, g, fid) in enumerate(zip(attrs, geoms, layer.fids)):
        yield i + 1, fid, rec, g


# ---------------------------------------------------------------- options and the plan
@dataclass
class ImportOptions:
    grids: str | Path
    grids_layer: str | None = None
    components: str | Path | None = None
    components_layer: str | None = None
    departments: str | Path | None = None
    departments_layer: str | None = None
    responsibility_grids: str | Path | None = None
    responsibility_grids_layer: str | None = None
    crs: str | None = None  # CRS of files that have none (or override theirs)
    area_crs: str | None = None  # metric CRS for areas instead of the automatic choice
    admin: str | None = None
    encoding: str | None = None
    replace: bool = False
    skip_rejected: bool = False
    create_departments: bool = False
    dry_run: bool = False


@dataclass
class _Plan:
    """What the write phase does; built by validation without touching the database."""
    admins: set[str] = field(default_factory=set)
    departments: list[dict] = field(default_factory=list)
    responsibility_grids: dict[str, dict] = field(default_factory=dict)  # code -> {name, inspector}
    grids: list[dict] = field(default_factory=list)
    components: list[dict] = field(default_factory=list)


class _DryRun(Exception):
    pass


# ---------------------------------------------------------------- validation
class _Departments:
    """Department references by code or by name: the database's and the --departments file's."""

    def __init__(self, existing: list[tuple[str, str]], create: bool):
        self.names: dict[str, str] = {}
        self.by_name: dict[str, set[str]] = defaultdict(set)
        self.create = create
        self.created: dict[str, dict] = {}  # reference -> new department row
        for code, name in existing:
            self.add(code, name)

    def add(self, code: str, name: str) -> None:
        self.names[code] = name
        self.by_name[name].add(code)

    def resolve(self, ref: str | None) -> str | None:
        if ref is None:
            return None
        if ref in self.names:
            return ref
        codes = self.by_name.get(ref)
        if codes:
            if len(codes) > 1:
                raise ValueError(f"department name {ref!r} is ambiguous (codes {', '.join(sorted(codes))}); "
                                 "use the code")
            return next(iter(codes))
        if ref in self.created:
            return self.created[ref]["code"]
        if not self.create:
            raise ValueError(f"{ref!r} is neither a department code nor a department name "
                             "(load them with --departments, or --create-departments)")
        if _CODE_LIKE.match(ref):
            code = ref
        else:
            n = len(self.created) + 1
            while f"IMP{n:03d}" in self.names:
                n += 1
            code = f"IMP{n:03d}"
        if len(ref) > 100:
            raise ValueError(f"department name {ref[:20]!r}... is longer than 100 characters")
        self.created[ref] = {"code": code, "name": ref, "kind": "professional"}
        self.add(code, ref)
        return code


def _existing_state(db) -> dict:  # noqa: ANN001
    """What validation needs from the database (read only)."""
    from sqlalchemy import select

    from ..db.models import Department, UnitGrid
    with db.session() as s:
        return {"grids": s.execute(select(UnitGrid.code, UnitGrid.geometry)).all(),
                "departments": s.execute(select(Department.code, Department.name)).all()}


def _validate_grids(layer: Layer, opts: ImportOptions, rep: ImportReport, plan: _Plan,
                    existing: list, metric_from_lonlat) -> tuple[list, Any]:  # noqa: ANN001
    """Codes, geometry, areas, overlaps and gaps. Returns the final grid set (codes, metric
    geometries) used to locate components: accepted file grids plus the database's kept ones."""
    import json

    import numpy as np
    import shapely

    from app.domain.codes import CodeError, GridCode
    L = "unit_grids"
    cols = layer.columns
    cand: list[dict] = []
    seen: dict[str, int] = {}
    for row, fid, rec, g in _records(layer):
        rep.counts[L]["read"] += 1
        raw = _first(rec, cols.get("code"))
        try:
            gc = GridCode.parse(raw or "")
        except CodeError as e:
            rep.add(L, "error", str(e) if raw else "unit-grid code is empty", row, fid, raw)
            continue
        code = str(gc)
        if opts.admin and gc.admin != opts.admin:
            rep.add(L, "error", f"admin code {gc.admin} is not this city's ({opts.admin})", row, fid, raw)
            continue
        if code in seen:
            rep.add(L, "error", f"duplicate code {code} (first at row {seen[code]})", row, fid, raw)
            continue
        if g is None or shapely.is_empty(g):
            rep.add(L, "error", "no geometry", row, fid, code)
            continue
        if g.geom_type not in ("Polygon", "MultiPolygon"):
            rep.add(L, "error", f"geometry is a {g.geom_type}, not a polygon", row, fid, code)
            continue
        if not g.is_valid:
            why = shapely.is_valid_reason(g)
            fixed = _polygonal(shapely.make_valid(g))
            if fixed is None:
                rep.add(L, "error", f"invalid polygon that cannot be repaired ({why})", row, fid, code)
                continue
            rep.add(L, "warning", f"invalid polygon ({why}) repaired with make_valid", row, fid, code)
            g = fixed
        seen[code] = row
        if len(str(raw)) == 14:
            rep.add(L, "info", f"legacy 14-digit code normalised to {code}", row, fid, raw)
        rg = _first(rec, cols.get("responsibility_grid"))
        if rg is not None and len(rg) > 32:
            rep.add(L, "error", f"responsibility_grid {rg[:40]!r} longer than 32 characters", row, fid, code)
            seen.pop(code)
            continue
        try:
            file_area = float(_first(rec, cols.get("area_m2")) or "nan")
        except ValueError:
            file_area = math.nan
        cand.append({"row": row, "fid": fid, "code": code, "admin": gc.admin, "lonlat": g,
                     "responsibility_grid": rg, "file_area": file_area})

    plan.admins = {opts.admin} if opts.admin else {c["admin"] for c in cand}
    file_codes = {c["code"] for c in cand}
    metric = metric_from_lonlat(np.array([c["lonlat"] for c in cand], dtype=object))
    areas = shapely.area(metric)
    # grids staying in the database: all but those replaced by code (and, with --replace, the city's)
    kept = [(code, shapely.from_geojson(json.dumps(geom))) for code, geom in existing
            if code not in file_codes and not (opts.replace and code[:6] in plan.admins)]
    kept_metric = metric_from_lonlat(np.array([g for _, g in kept], dtype=object)) if kept else np.array([])

    # overlaps: the later grid (file order; the database's grids come first) is rejected
    all_geoms = np.concatenate([kept_metric, metric]) if len(kept) else metric
    names = [k for k, _ in kept] + [c["code"] for c in cand]
    accepted = np.ones(len(all_geoms), dtype=bool)
    if len(all_geoms):
        tree = shapely.STRtree(all_geoms)
        a, b = tree.query(all_geoms, predicate="intersects")
        later = defaultdict(list)
        for i, j in zip(a.tolist(), b.tolist()):
            if j < i and i >= len(kept):
                later[i].append(j)
        for i in sorted(later):
            for j in sorted(later[i]):
                if not accepted[j]:
                    continue
                ov = shapely.area(shapely.intersection(all_geoms[i], all_geoms[j]))
                if ov > OVERLAP_M2:
                    c = cand[i - len(kept)]
                    where = "" if j >= len(kept) else " (already in the database)"
                    rep.add(L, "error", f"overlaps grid {names[j]}{where} by {ov:.2f} m²", c["row"],
                            c["fid"], c["code"])
                    accepted[i] = False
                    break
    for k, c in enumerate(cand):
        if not accepted[len(kept) + k]:
            continue
        area = float(areas[k])
        if not AREA_WARN[0] <= area <= AREA_WARN[1]:
            rep.add(L, "warning", f"area {area:.0f} m² is far from the {AREA_NORM_M2:.0f} m² norm",
                    c["row"], c["fid"], c["code"])
        fa = c["file_area"]
        if math.isfinite(fa) and fa > 0 and abs(fa - area) > AREA_FIELD_TOLERANCE * area:
            rep.add(L, "warning", f"the file's area_m2 {fa:.1f} differs from the measured {area:.1f} m² "
                    "(wrong CRS?)", c["row"], c["fid"], c["code"])
        plan.grids.append({"code": c["code"], "geometry": json.loads(shapely.to_geojson(c["lonlat"])),
                           "area_m2": round(area, 2), "responsibility_grid": c["responsibility_grid"]})
        if c["responsibility_grid"]:
            plan.responsibility_grids.setdefault(c["responsibility_grid"], {})
    final_geoms = all_geoms[accepted]
    final_codes = [n for n, ok in zip(names, accepted) if ok]
    _report_gaps(final_geoms, final_codes, rep, metric_from_lonlat.inverse)
    return final_codes, final_geoms


def _polygonal(g):  # noqa: ANN001, ANN202
    import shapely
    parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    out = shapely.union_all(parts)
    return None if out.is_empty or out.area == 0 else out


def _report_gaps(geoms, codes, rep: ImportReport, to_lonlat) -> None:  # noqa: ANN001
    """Holes in the union of the grids: places enclosed by grids that no grid covers."""
    import numpy as np
    import shapely
    if not len(geoms):
        return
    union = shapely.union_all(geoms)
    holes = [shapely.Polygon(r) for p in shapely.get_parts(union) for r in p.interiors]
    holes = [h for h in holes if h.area > GAP_M2]
    if not holes:
        return
    tree = shapely.STRtree(geoms)
    for h in sorted(holes, key=lambda h: -h.area):
        near = sorted({codes[j] for j in tree.query(h, predicate="touches")} or
                      {codes[j] for j in tree.query(h.buffer(0.01), predicate="intersects")})
        p = h.representative_point()
        lon, lat = to_lonlat(np.array([p.x]), np.array([p.y]))
        rep.add("unit_grids", "warning", f"gap of {h.area:.2f} m² between grids at {lon[0]:.6f}, {lat[0]:.6f}",
                None, None,
                " ".join(near[:6]) + (" ..." if len(near) > 6 else ""))


def _validate_departments(layer: Layer, rep: ImportReport, plan: _Plan, depts: _Departments) -> None:
    L = "departments"
    seen: set[str] = set()
    for row, fid, rec, _ in _records(layer):
        rep.counts[L]["read"] += 1
        code = _first(rec, layer.columns.get("code"))
        name = _first(rec, layer.columns.get("name"))
        kind = _first(rec, layer.columns.get("kind")) or "professional"
        region = _first(rec, layer.columns.get("region_code"))
        reason = None
        if code is None or name is None:
            reason = "code and name are required"
        elif len(code) > 32 or len(name) > 100:
            reason = "code longer than 32 or name longer than 100 characters"
        elif code in seen:
            reason = "duplicate code in the file"
        elif kind not in ("professional", "street_office"):
            reason = f"kind must be professional or street_office, got {kind!r}"
        elif kind == "street_office" and not (region and len(region) == 9 and region.isdigit()):
            reason = "a street office needs region_code = its 9-digit street code"
        if reason:
            rep.add(L, "error", reason, row, fid, code)
            continue
        seen.add(code)
        if code in depts.names and depts.names[code] != name:
            depts.by_name[depts.names[code]].discard(code)
        depts.add(code, name)
        plan.departments.append({"code": code, "name": name, "kind": kind,
                                 "region_code": region if kind == "street_office" else None})


def _validate_responsibility(layer: Layer, rep: ImportReport, plan: _Plan) -> None:
    L = "responsibility_grids"
    for row, fid, rec, _ in _records(layer):
        rep.counts[L]["read"] += 1
        code = _first(rec, layer.columns.get("code"))
        if code is None or len(code) > 32:
            rep.add(L, "error", "code is empty or longer than 32 characters", row, fid, code)
            continue
        name = _first(rec, layer.columns.get("name")) or code
        plan.responsibility_grids[code] = {"name": name[:100],
                                           "inspector": _first(rec, layer.columns.get("inspector")),
                                           "row": row, "fid": fid}


def _class_text(rec: dict, cols: dict) -> str | None:
    v = _first(rec, cols.get("class_code"))
    if v is None:
        return None
    if v.isdigit() and len(v) < 4:
        major = _first(rec, cols.get("major_code"))
        if len(v) <= 2 and major and major.isdigit():
            return major.zfill(2) + v.zfill(2)
        return v.zfill(4)  # read as a number: 0102 -> 102
    return v


def _validate_components(layer: Layer, opts: ImportOptions, rep: ImportReport, plan: _Plan,
                         classification, depts: _Departments, grid_codes: list[str], grid_geoms,
                         metric_from_lonlat) -> None:  # noqa: ANN001
    import numpy as np
    import shapely

    from app.domain.codes import CodeError, ComponentId, GridCode
    L = "components"
    cols = layer.columns
    seen: dict[str, int] = {}
    good: list[dict] = []
    for row, fid, rec, g in _records(layer):
        rep.counts[L]["read"] += 1
        raw = _first(rec, cols.get("id"))

        def bad(reason: str) -> None:
            rep.add(L, "error", reason, row, fid, raw)  # noqa: B023 - used at once

        try:
            cid = ComponentId.parse(raw or "")
        except CodeError as e:
            bad(str(e) if raw else "component ID is empty")
            continue
        key = str(cid)
        if cid.admin not in plan.admins:
            bad(f"component ID {key}: admin code {cid.admin} is not this city's "
                f"({', '.join(sorted(plan.admins)) or 'no grids'})")
            continue
        if key in seen:
            bad(f"duplicate ID (first at row {seen[key]})")
            continue
        cls = _class_text(rec, cols)
        if cls is not None and cls != cid.class_code:
            bad(f"class_code {cls} disagrees with the ID's class {cid.class_code}")
            continue
        if classification is not None and classification.find("component", cid.class_code) is None:
            bad(f"class {cid.class_code} is not a component class of the classification")
            continue
        if g is None or shapely.is_empty(g):
            bad("no geometry")
            continue
        if g.geom_type == "MultiPoint" and len(g.geoms) == 1:
            g = g.geoms[0]
        if g.geom_type != "Point":
            bad(f"geometry is a {g.geom_type}, not a point")
            continue
        try:
            vals = {}
            for name, table in (("state", STATE_VALUES), ("currency", CURRENCY_VALUES),
                                ("data_source", SOURCE_VALUES)):
                v = _first(rec, cols.get(name))
                if v is not None:
                    mapped = table.get(v) or table.get(v.lower())
                    if mapped is None:
                        raise ValueError(f"{name} {v!r} is not one of {', '.join(table)}")
                    vals[name] = mapped
            for name in ("authority", "owner", "maintainer"):
                try:
                    vals[name] = depts.resolve(_first(rec, cols.get(name)))
                except ValueError as e:
                    raise ValueError(f"{name}: {e}") from None
            for name, n in (("name", 100), ("address", 200), ("photo", 64)):
                v = _first(rec, cols.get(name))
                if v is not None and len(v) > n:
                    raise ValueError(f"{name} longer than {n} characters")
                vals[name] = v
            for name in ("survey_date", "change_date"):
                try:
                    vals[name] = _date(_first(rec, cols.get(name)))
                except ValueError as e:
                    raise ValueError(f"{name}: {e}") from None
        except ValueError as e:
            bad(str(e))
            continue
        gc_raw = _first(rec, cols.get("grid_code"))
        gc = None
        if gc_raw is not None:
            try:
                gc = str(GridCode.parse(gc_raw))
            except CodeError as e:
                rep.add(L, "warning", f"grid_code ignored: {e}", row, fid, key)
        seen[key] = row
        good.append({"row": row, "fid": fid, "id": key, "class_code": cid.class_code, "lon": g.x,
                     "lat": g.y, "grid_code": gc, **vals})

    # the unit grid of every component, by point in polygon in the metric CRS
    if good:
        pts = metric_from_lonlat(shapely.points(np.array([[c["lon"], c["lat"]] for c in good])))
        index = {code: k for k, code in enumerate(grid_codes)}
        hit: dict[int, list[int]] = defaultdict(list)
        if len(grid_geoms):
            tree = shapely.STRtree(grid_geoms)
            pi, gi = tree.query(pts, predicate="intersects")
            for p, q in zip(pi.tolist(), gi.tolist()):
                hit[p].append(q)
        for k, c in enumerate(good):
            inside = sorted(grid_codes[q] for q in hit.get(k, ()))
            named = c["grid_code"]
            if named is not None and named in index:
                if named not in inside and shapely.distance(pts[k], grid_geoms[index[named]]) > GRID_CODE_TOLERANCE_M:
                    rep.add(L, "warning", f"grid_code {named} but the point lies "
                            f"{'in grid ' + inside[0] if inside else 'outside every unit grid'}",
                            c["row"], c["fid"], c["id"])
            else:
                if named is not None:
                    rep.add(L, "warning", f"grid_code {named} is not a unit grid; "
                            f"{'located in ' + inside[0] if inside else 'outside every unit grid'}",
                            c["row"], c["fid"], c["id"])
                elif not inside:
                    rep.add(L, "warning", "outside every unit grid", c["row"], c["fid"], c["id"])
                c["grid_code"] = inside[0] if inside else None
            del c["row"], c["fid"]
    plan.components = good
    for ref, d in depts.created.items():
        rep.add("departments", "info", f"department {ref!r} created with code {d['code']}", key=d["code"])
        plan.departments.append(d)


# ---------------------------------------------------------------- the import
class _Metric:
    """lon/lat -> metric CRS for shapely arrays (and back, for messages)."""

    def __init__(self, crs):  # noqa: ANN001
        import pyproj
        self.crs = crs
        self._fwd = pyproj.Transformer.from_crs(LONLAT_EPSG, crs, always_xy=True)
        self._inv = pyproj.Transformer.from_crs(crs, LONLAT_EPSG, always_xy=True)

    def __call__(self, geoms):  # noqa: ANN001, ANN204
        import numpy as np
        import shapely
        if not len(geoms):
            return np.array([], dtype=object)
        return shapely.transform(np.asarray(geoms, dtype=object),
                                 lambda c: np.column_stack(self._fwd.transform(c[:, 0], c[:, 1])))

    def inverse(self, x, y):  # noqa: ANN001, ANN201
        return self._inv.transform(x, y)


def import_city(db, opts: ImportOptions, classification=None) -> ImportReport:  # noqa: ANN001
    """Read, validate and (unless anything is rejected) write; see the module docstring.

    ``db`` is a server_stub.db.session.Database. Raises ImportFileError for unusable files
    (nothing is read from or written to the database then)."""
    import shapely

    from app.domain.classification import Classification

    from .crs import CrsError, choose_crs
    if opts.admin and not (len(opts.admin) == 6 and opts.admin.isdigit()):
        raise ImportFileError(f"--admin must be a 6-digit GB/T 2260 code, got {opts.admin!r}")
    classification = classification or Classification.load()
    rep = ImportReport(dry_run=opts.dry_run)
    grids = read_geo_layer(opts.grids, opts.grids_layer, kind="unit_grids", crs=opts.crs,
                           encoding=opts.encoding, fields=GRID_FIELDS, required=("code",))
    comps = None if opts.components is None else read_geo_layer(
        opts.components, opts.components_layer, kind="components", crs=opts.crs, encoding=opts.encoding,
        fields=COMPONENT_FIELDS, required=("id",))
    dept_layer = None if opts.departments is None else read_table(
        opts.departments, opts.departments_layer, preferred="departments", encoding=opts.encoding,
        fields=DEPARTMENT_FIELDS, required=("code", "name"))
    rg_layer = None if opts.responsibility_grids is None else read_table(
        opts.responsibility_grids, opts.responsibility_grids_layer, preferred="responsibility_grids",
        encoding=opts.encoding, fields=RESPONSIBILITY_FIELDS, required=("code",))
    ok = ~(shapely.is_missing(grids.frame.geometry.values) | shapely.is_empty(grids.frame.geometry.values))
    if not ok.any():
        raise ImportFileError(f"{grids.path}: layer {grids.name!r} has no unit grids with a geometry")
    minx, miny, maxx, maxy = shapely.total_bounds(grids.frame.geometry.values[ok])
    try:
        metric = _Metric(choose_crs((minx + maxx) / 2, (miny + maxy) / 2, opts.area_crs))
    except CrsError as e:
        raise ImportFileError(str(e)) from None
    rep.metric_crs = ":".join(metric.crs.to_authority() or ("", metric.crs.name))
    for label, lay in (("unit_grids", grids), ("components", comps)):
        if lay is not None:
            rep.add(label, "info", f"layer {lay.name!r} of {lay.path.name}: {len(lay.fids)} features in {lay.crs}"
                    + (f" ({lay.note})" if lay.note else ""))

    db.migrate()  # a fresh database gets its tables; an up-to-date one is left alone
    existing = _existing_state(db)
    plan = _Plan()
    depts = _Departments(existing["departments"], opts.create_departments)
    if dept_layer is not None:
        _validate_departments(dept_layer, rep, plan, depts)
    if rg_layer is not None:
        _validate_responsibility(rg_layer, rep, plan)
    codes, geoms = _validate_grids(grids, opts, rep, plan, existing["grids"], metric)
    if comps is not None:
        _validate_components(comps, opts, rep, plan, classification, depts, codes, geoms, metric)
    if rep.rejected and not opts.skip_rejected:
        rep.aborted = True
        return rep
    try:
        _write(db, plan, opts, rep, classification)
    except _DryRun:
        pass
    return rep


def _write(db, plan: _Plan, opts: ImportOptions, rep: ImportReport, classification) -> None:  # noqa: ANN001
    from sqlalchemy import delete, or_, select, update

    from ..db.models import Component, Inspector, ResponsibilityGrid, UnitGrid, User
    from ..services import loader
    with db.transaction() as s:
        if plan.departments:
            r = loader.load_departments(s, plan.departments, strict=True)
            rep.counts["departments"].update(inserted=r.inserted, updated=r.updated)
        rgs = {g.code: g for g in s.scalars(select(ResponsibilityGrid))}
        inspectors = dict(s.execute(select(User.username, User.id).where(User.role == "inspector")).all())
        for code, d in plan.responsibility_grids.items():
            g = rgs.get(code)
            if g is None:
                g = ResponsibilityGrid(code=code, name=d.get("name") or code)
                s.add(g)
                rep.counts["responsibility_grids"]["inserted"] += 1
            elif d.get("name"):
                g.name = d["name"]
                rep.counts["responsibility_grids"]["updated"] += 1
            uname = d.get("inspector")
            if uname:
                uid = inspectors.get(uname)
                if uid is None:
                    rep.add("responsibility_grids", "warning", f"inspector {uname!r} is not a user with "
                            "role inspector; left unassigned", d.get("row"), d.get("fid"), code)
                else:
                    s.flush()
                    g.inspector_id = uid
                    s.execute(update(Inspector).where(Inspector.user_id == uid)
                              .values(responsibility_grid_id=g.id))
        s.flush()
        if opts.replace:
            admins = sorted(plan.admins)
            if opts.components is not None:  # grids alone replace grids only
                gone = s.execute(delete(Component).where(or_(*[Component.id.like(f"{a}%") for a in admins])))
                rep.counts["components"]["deleted"] = gone.rowcount or 0
            gone = s.execute(delete(UnitGrid).where(UnitGrid.district_code.in_(admins)))
            rep.counts["unit_grids"]["deleted"] = gone.rowcount or 0
        r = loader.load_unit_grids(s, plan.grids, strict=True)
        rep.counts["unit_grids"].update(inserted=r.inserted, updated=r.updated)
        if plan.components:
            r = loader.load_components(s, plan.components, classification=classification, replace=True,
                                       strict=True)
            rep.counts["components"].update(inserted=r.inserted, updated=r.updated)
        if opts.dry_run:
            raise _DryRun
    rep.applied = True


# ---------------------------------------------------------------- command line
def field_help() -> str:
    """The field-name and value mapping, for --help."""
    out = ["field names (case-insensitive; a Shapefile's 10-character truncation also matches):"]
    for title, fields in (("unit grids", GRID_FIELDS), ("components", COMPONENT_FIELDS),
                          ("departments", DEPARTMENT_FIELDS), ("responsibility grids", RESPONSIBILITY_FIELDS)):
        out.append(f"  {title}:")
        out += [f"    {k:<20}<- {', '.join(v)}" for k, v in fields.items()]
    out.append("values:")
    for name, table in (("state", STATE_VALUES), ("currency", CURRENCY_VALUES), ("data_source", SOURCE_VALUES)):
        out.append(f"    {name:<20}" + ", ".join(f"{k}={v}" for k, v in table.items() if k != v))
    return "\n".join(out)


def add_parser(sub) -> None:  # noqa: ANN001
    p = sub.add_parser("import", help="import a city's own survey (unit grids, components) into a database",
                       description="Import unit grids and components (GeoPackage/Shapefile, any CRS) into "
                       "a database, all or nothing; every rejected row is reported.",
                       epilog=field_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", required=True, help="database URL (sqlite:///file or postgresql://...)")
    p.add_argument("--grids", required=True, help="unit grids: GeoPackage or Shapefile")
    p.add_argument("--grids-layer", help="layer name (default: unit_grids, or the only polygon layer)")
    p.add_argument("--components", help="components: GeoPackage or Shapefile")
    p.add_argument("--components-layer", help="layer name (default: components, or the only point layer)")
    p.add_argument("--departments", help="departments table (code, name[, kind, region_code]): "
                                         "GeoPackage layer, Shapefile .dbf or CSV")
    p.add_argument("--departments-layer", help="layer name (default: departments)")
    p.add_argument("--responsibility-grids", help="responsibility grids table (code, name[, inspector])")
    p.add_argument("--responsibility-grids-layer", help="layer name (default: responsibility_grids)")
    p.add_argument("--crs", help="CRS of files that carry none (e.g. a .shp without .prj): EPSG:xxxx, WKT, "
                                 "PROJ; it overrides a file's own CRS")
    p.add_argument("--area-crs", help="metric CRS for areas (default: CGCS2000 3-degree GK zone in China, "
                                      "UTM elsewhere)")
    p.add_argument("--admin", help="the city's 6-digit GB/T 2260 code; grids and components of another "
                                   "admin are rejected (default: the grids' own)")
    p.add_argument("--encoding", help="attribute encoding of files that do not declare one (e.g. GBK)")
    p.add_argument("--report", default="import_report.csv",
                   help="CSV with every rejected row, warning and note (default: %(default)s)")
    p.add_argument("--replace", action="store_true",
                   help="replace the city's unit grids and components (default: merge: new codes are "
                        "added, existing ones updated)")
    p.add_argument("--skip-rejected", action="store_true",
                   help="import the valid rows even when some are rejected (default: abort, change nothing)")
    p.add_argument("--create-departments", action="store_true",
                   help="create departments that components name but the database does not have")
    p.add_argument("--dry-run", action="store_true", help="check everything, change nothing")
    p.set_defaults(run=main)


def main(args: argparse.Namespace) -> int:
    from ..db.session import Database
    opts = ImportOptions(
        grids=args.grids, grids_layer=args.grids_layer, components=args.components,
        components_layer=args.components_layer, departments=args.departments,
        departments_layer=args.departments_layer, responsibility_grids=args.responsibility_grids,
        responsibility_grids_layer=args.responsibility_grids_layer, crs=args.crs, area_crs=args.area_crs,
        admin=args.admin, encoding=args.encoding, replace=args.replace, skip_rejected=args.skip_rejected,
        create_departments=args.create_departments, dry_run=args.dry_run)
    from sqlalchemy.exc import SQLAlchemyError

    from ..services.loader import LoadError
    db = Database(args.db)
    try:
        rep = import_city(db, opts)
    except (ImportFileError, LoadError, SQLAlchemyError) as e:
        # a file that cannot be imported, or the database refusing the (rolled back) transaction
        print(f"error: {e}", file=sys.stderr)
        print("nothing was imported", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    if rep.metric_crs:
        print(f"areas measured in {rep.metric_crs}")
    print(rep.summary())
    path = rep.write_csv(args.report)
    print(f"report: {path} ({len(rep.issues)} rows)")
    return 1 if rep.aborted or (rep.dry_run and rep.rejected) else 0


__all__ = ["ImportOptions", "ImportReport", "ImportFileError", "Issue", "import_city", "read_geo_layer",
           "GRID_FIELDS", "COMPONENT_FIELDS", "DEPARTMENT_FIELDS", "RESPONSIBILITY_FIELDS",
           "STATE_VALUES", "CURRENCY_VALUES", "SOURCE_VALUES"]
