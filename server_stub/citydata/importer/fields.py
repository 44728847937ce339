"""Field names, value mappings and tolerances of the survey importer, and reading one cell."""
from __future__ import annotations

import math
import re
from datetime import date, datetime
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
CAMERA_FIELDS: dict[str, tuple[str, ...]] = {
    # the GB/T 28181 channel code is the camera's id
    "id": ("camera_id", "channel", "channel_id", "channelid", "deviceid", "gbid", "gb_id", "通道编码", "通道编号",
           "国标编码", "国标编号", "设备编码", "监控点编号", "id"),
    "name": ("name", "channel_name", "camera_name", "通道名称", "监控点名称", "设备名称", "名称"),
    "stream_url": ("stream_url", "main_url", "url", "rtsp_url", "主码流", "主码流地址", "视频地址"),
    "sub_stream_url": ("sub_stream_url", "sub_url", "子码流", "子码流地址"),
    "direction": ("direction", "azimuth", "bearing", "方向", "朝向", "方位角"),
    "fov_deg": ("fov_deg", "fov", "视场角"),
    "range_m": ("range_m", "range", "可视距离", "视距"),
    "kind": ("kind", "ptz_type", "类型", "摄像机类型"),
    "online": ("online", "status", "在线", "在线状态", "状态"),
    "grid_code": ("grid_code", "bgid", "所在网格", "单元网格编码"),
    "lon": ("lon", "lng", "longitude", "经度"),
    "lat": ("lat", "latitude", "纬度"),
}
ONLINE_VALUES = {"1": True, "0": False, "true": True, "false": False, "on": True, "off": False,
                 "online": True, "offline": False, "在线": True, "离线": False, "正常": True, "故障": False}
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
CODE_LIKE = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")


# ---------------------------------------------------------------- small value helpers
def cell(v: Any) -> str | None:
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


def as_date(v: Any) -> str | None:
    """YYYY-MM-DD from a date, 'YYYY-MM-DD', 'YYYY/MM/DD', 'YYYY.MM.DD' or 'YYYYMMDD'."""
    s = cell(v)
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


def match_columns(columns: Iterable[str], fields: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
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


def first(record: dict, cols: list[str] | None) -> Any:
    for c in cols or ():
        v = cell(record.get(c))
        if v is not None:
            return v
    return None


# ---------------------------------------------------------------- command line
def field_help() -> str:
    """The field-name and value mapping, for --help."""
    out = ["field names (case-insensitive; a Shapefile's 10-character truncation also matches):"]
    for title, fields in (("unit grids", GRID_FIELDS), ("components", COMPONENT_FIELDS),
                          ("departments", DEPARTMENT_FIELDS), ("responsibility grids", RESPONSIBILITY_FIELDS),
                          ("cameras (import-cameras)", CAMERA_FIELDS)):
        out.append(f"  {title}:")
        out += [f"    {k:<20}<- {', '.join(v)}" for k, v in fields.items()]
    out.append("values:")
    for name, table in (("state", STATE_VALUES), ("currency", CURRENCY_VALUES), ("data_source", SOURCE_VALUES)):
        out.append(f"    {name:<20}" + ", ".join(f"{k}={v}" for k, v in table.items() if k != v))
    return "\n".join(out)
