"""Inspectors (监督员): one per responsibility grid, with a Chinese name, a pinyin username, a phone
device id (a 15-digit IMEI-style number with a Luhn check digit, used as the OsmAnd/Traccar ``id``),
and a start point: the walk-network node nearest the middle of the grid (inside it when possible).
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from .case_mix import SURNAMES
from .profile import CityProfile

# names follow the loader (server_stub/services/loader.py)
COLUMNS = ["username", "display_name", "device_id", "responsibility_grid", "street_code"]

GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
         "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "文", "华", "红", "玉兰", "志强", "海燕", "晓东", "小红",
         "建国", "丹", "萍", "鹏", "辉", "玲", "斌", "宇", "浩", "凯", "健", "俊", "帆", "雪", "琳", "晨", "欣怡",
         "子涵", "思远", "佳琪", "国强", "春梅", "立新", "卫东", "振华", "慧", "颖", "波"]


def luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def _username(name: str) -> str:
    try:
        from pypinyin import lazy_pinyin
        return "".join(lazy_pinyin(name))
    except Exception:  # pypinyin missing: a neutral fallback
        return "inspector"


def build_inspectors(resp_grids: gpd.GeoDataFrame, walk_nodes: gpd.GeoDataFrame,
                     profile: CityProfile) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(profile.seed + 2)
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < len(resp_grids):
        n = str(rng.choice(list(SURNAMES))) + str(rng.choice(GIVEN))
        if n not in seen:
            seen.add(n)
            names.append(n)
    users, used = [], set()
    for n in names:
        base = _username(n)
        u, k = base, 1
        while u in used:
            k += 1
            u = f"{base}{k}"
        used.add(u)
        users.append(u)
    devices = []
    for _ in names:
        body = "86" + "".join(str(x) for x in rng.integers(0, 10, 12))
        devices.append(body + luhn_digit(body))

    polys = resp_grids.geometry.values
    centre = shapely.point_on_surface(polys)
    start = centre.copy()
    if len(walk_nodes):
        nodes = walk_nodes.geometry.values
        tree = shapely.STRtree(nodes)
        for i, (poly, c) in enumerate(zip(polys, centre)):
            inside = tree.query(poly, predicate="contains")
            cand = nodes[inside] if len(inside) else nodes
            j = int(np.argmin(shapely.distance(cand, c)))
            start[i] = cand[j]
    return gpd.GeoDataFrame({
        "username": users, "display_name": names, "device_id": devices,
        "responsibility_grid": resp_grids.code.to_numpy(), "street_code": resp_grids.street_code.to_numpy(),
    }, geometry=gpd.GeoSeries(start, crs=resp_grids.crs), crs=resp_grids.crs)
