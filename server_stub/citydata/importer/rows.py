"""Validation of departments, responsibility grids and components against the grids and the database."""
from __future__ import annotations

from collections import defaultdict

from .fields import CODE_LIKE, CURRENCY_VALUES, GRID_CODE_TOLERANCE_M, SOURCE_VALUES, STATE_VALUES, as_date, first
from .options import ImportOptions, Plan
from .reading import Layer, records
from .report import ImportReport


# ---------------------------------------------------------------- validation
class Departments:
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
        if CODE_LIKE.match(ref):
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


def validate_departments(layer: Layer, rep: ImportReport, plan: Plan, depts: Departments) -> None:
    L = "departments"
    seen: set[str] = set()
    for row, fid, rec, _ in records(layer):
        rep.counts[L]["read"] += 1
        code = first(rec, layer.columns.get("code"))
        name = first(rec, layer.columns.get("name"))
        kind = first(rec, layer.columns.get("kind")) or "professional"
        region = first(rec, layer.columns.get("region_code"))
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


def validate_responsibility(layer: Layer, rep: ImportReport, plan: Plan) -> None:
    L = "responsibility_grids"
    for row, fid, rec, _ in records(layer):
        rep.counts[L]["read"] += 1
        code = first(rec, layer.columns.get("code"))
        if code is None or len(code) > 32:
            rep.add(L, "error", "code is empty or longer than 32 characters", row, fid, code)
            continue
        name = first(rec, layer.columns.get("name")) or code
        plan.responsibility_grids[code] = {"name": name[:100],
                                           "inspector": first(rec, layer.columns.get("inspector")),
                                           "row": row, "fid": fid}


def _class_text(rec: dict, cols: dict) -> str | None:
    v = first(rec, cols.get("class_code"))
    if v is None:
        return None
    if v.isdigit() and len(v) < 4:
        major = first(rec, cols.get("major_code"))
        if len(v) <= 2 and major and major.isdigit():
            return major.zfill(2) + v.zfill(2)
        return v.zfill(4)  # read as a number: 0102 -> 102
    return v


def validate_components(layer: Layer, opts: ImportOptions, rep: ImportReport, plan: Plan,
                         classification, depts: Departments, grid_codes: list[str], grid_geoms,
                         metric_from_lonlat) -> None:  # noqa: ANN001
    import numpy as np
    import shapely

    from app.domain.codes import CodeError, ComponentId, GridCode
    L = "components"
    cols = layer.columns
    seen: dict[str, int] = {}
    good: list[dict] = []
    for row, fid, rec, g in records(layer):
        rep.counts[L]["read"] += 1
        raw = first(rec, cols.get("id"))

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
                v = first(rec, cols.get(name))
                if v is not None:
                    mapped = table.get(v) or table.get(v.lower())
                    if mapped is None:
                        raise ValueError(f"{name} {v!r} is not one of {', '.join(table)}")
                    vals[name] = mapped
            for name in ("authority", "owner", "maintainer"):
                try:
                    vals[name] = depts.resolve(first(rec, cols.get(name)))
                except ValueError as e:
                    raise ValueError(f"{name}: {e}") from None
            for name, n in (("name", 100), ("address", 200), ("photo", 64)):
                v = first(rec, cols.get(name))
                if v is not None and len(v) > n:
                    raise ValueError(f"{name} longer than {n} characters")
                vals[name] = v
            for name in ("survey_date", "change_date"):
                try:
                    vals[name] = as_date(first(rec, cols.get(name)))
                except ValueError as e:
                    raise ValueError(f"{name}: {e}") from None
        except ValueError as e:
            bad(str(e))
            continue
        gc_raw = first(rec, cols.get("grid_code"))
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
