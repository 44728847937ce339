"""The import itself: read, validate, check the location, then write in one transaction (or not at all)."""
from __future__ import annotations

from .fields import COMPONENT_FIELDS, DEPARTMENT_FIELDS, GRID_FIELDS, LONLAT_EPSG, RESPONSIBILITY_FIELDS
from .grids import existing_state, validate_grids
from .location import check_location, city_extent
from .options import DryRun, ImportOptions, Plan
from .reading import read_geo_layer, read_table
from .report import ImportFileError, ImportReport
from .rows import Departments, validate_components, validate_departments, validate_responsibility


# ---------------------------------------------------------------- the import
class Metric:
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

    from ...db.migrate import is_current
    from ..crs import CrsError, choose_crs
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
        metric = Metric(choose_crs((minx + maxx) / 2, (miny + maxy) / 2, opts.area_crs))
    except CrsError as e:
        raise ImportFileError(str(e)) from None
    rep.metric_crs = ":".join(metric.crs.to_authority() or ("", metric.crs.name))
    for label, lay in (("unit_grids", grids), ("components", comps)):
        if lay is not None:
            rep.add(label, "info", f"layer {lay.name!r} of {lay.path.name}: {len(lay.fids)} features in {lay.crs}"
                    + (f" ({lay.note})" if lay.note else ""))

    if not opts.dry_run:
        db.migrate()  # a fresh database gets its tables; an up-to-date one is left alone
    elif not is_current(db.engine):
        raise ImportFileError("this database's tables are missing or out of date, and a dry run changes "
                              "nothing: run the import without --dry-run, or start the server on it once")
    existing = existing_state(db)
    if not opts.new_city:
        km = check_location((minx, miny, maxx, maxy), grids.crs,
                            city_extent(g for _, g in existing["grids"]), "unit grids")
        if km:
            rep.add("unit_grids", "info", f"{km:.1f} km from the extent of the city's grids in the database")
    plan = Plan()
    depts = Departments(existing["departments"], opts.create_departments)
    if dept_layer is not None:
        validate_departments(dept_layer, rep, plan, depts)
    if rg_layer is not None:
        validate_responsibility(rg_layer, rep, plan)
    codes, geoms = validate_grids(grids, opts, rep, plan, existing["grids"], metric)
    if comps is not None:
        validate_components(comps, opts, rep, plan, classification, depts, codes, geoms, metric)
    if rep.rejected and not opts.skip_rejected:
        rep.aborted = True
        return rep
    try:
        write_plan(db, plan, opts, rep, classification)
    except DryRun:
        pass
    return rep


def write_plan(db, plan: Plan, opts: ImportOptions, rep: ImportReport, classification) -> None:  # noqa: ANN001
    from sqlalchemy import delete, or_, select, update

    from ...db.models import Component, Inspector, ResponsibilityGrid, UnitGrid, User
    from ...services import loader
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
            raise DryRun
    rep.applied = True
