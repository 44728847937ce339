"""Validation of unit grids: codes, geometry, areas, overlaps (with the database's grids too) and gaps."""
from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from .fields import AREA_FIELD_TOLERANCE, AREA_NORM_M2, AREA_WARN, GAP_M2, OVERLAP_M2, first
from .options import ImportOptions, Plan
from .reading import Layer, records
from .report import ImportReport


def existing_state(db) -> dict:  # noqa: ANN001
    """What validation needs from the database (read only)."""
    from sqlalchemy import select

    from ...db.models import Department, UnitGrid
    with db.session() as s:
        return {"grids": s.execute(select(UnitGrid.code, UnitGrid.geometry)).all(),
                "departments": s.execute(select(Department.code, Department.name)).all()}


def validate_grids(layer: Layer, opts: ImportOptions, rep: ImportReport, plan: Plan,
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
    for row, fid, rec, g in records(layer):
        rep.counts[L]["read"] += 1
        raw = first(rec, cols.get("code"))
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
        rg = first(rec, cols.get("responsibility_grid"))
        if rg is not None and len(rg) > 32:
            rep.add(L, "error", f"responsibility_grid {rg[:40]!r} longer than 32 characters", row, fid, code)
            seen.pop(code)
            continue
        try:
            file_area = float(first(rec, cols.get("area_m2")) or "nan")
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
