"""``python -m server_stub.citydata import-cameras``: a city's cameras from its video platform's list.

Input: a point layer (GeoPackage, Shapefile; any CRS, as the survey import) or a CSV with lon/lat
columns in degrees (CGCS2000 ≈ WGS 84). Each camera's id is its 20-digit GB/T 28181 channel code.
Stream URLs come per camera (stream_url, sub_stream_url columns) or from a template for all of them
with the channel code as ``{channel}``, e.g. ``rtsp://vp.example:554/rtp/{channel}`` (a wvp-GB28181 /
ZLMediaKit platform); a row's own URL wins over the template. Only rtsp, rtmp and http(s) URLs are
accepted (app/domain/stream_urls.py). As the survey import: everything is checked first, every
rejected row is reported, and nothing is written when a row is rejected (unless skip_rejected).
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from app.domain.stream_urls import StreamUrlError, check_stream_url, check_template, expand

from .fields import CAMERA_FIELDS, ONLINE_VALUES, first
from .reading import Layer, read_geo_layer, read_table, records
from .report import ImportFileError, ImportReport

L = "cameras"


@dataclass
class CameraImportOptions:
    cameras: str | Path
    layer: str | None = None
    url_template: str | None = None  # main stream, {channel} = the 20-digit code
    sub_url_template: str | None = None
    crs: str | None = None
    encoding: str | None = None
    replace: bool = False  # delete the cameras the file does not list
    skip_rejected: bool = False
    dry_run: bool = False


def _read(opts: CameraImportOptions) -> Layer:
    path = Path(opts.cameras)
    if path.suffix.lower() == ".csv":
        layer = read_table(path, None, preferred=L, encoding=opts.encoding, fields=CAMERA_FIELDS,
                           required=("id", "lon", "lat"))
        return layer
    return read_geo_layer(path, opts.layer, kind=L, crs=opts.crs, encoding=opts.encoding, fields=CAMERA_FIELDS,
                          required=("id",))


def _url(rec: dict, layer: Layer, key: str, template: str | None, cid: str) -> str | None:
    own = first(rec, layer.columns.get(key))
    if own is not None:
        return check_stream_url(own)
    return None if template is None else check_stream_url(expand(template, cid))


def camera_rows(layer: Layer, opts: CameraImportOptions, rep: ImportReport) -> list[dict]:
    """The loader's rows (services/loader.load_cameras); each bad row reported as an error."""
    rows, seen = [], set()
    for row, fid, rec, geom in records(layer):
        rep.counts[L]["read"] += 1
        cid = first(rec, layer.columns.get("id"))
        try:
            if cid is None or len(cid) != 20 or not cid.isdigit():
                raise ValueError(f"the id must be the 20-digit GB/T 28181 channel code, got {cid!r}")
            if cid in seen:
                raise ValueError("duplicate channel code in the file")
            if geom is not None and not geom.is_empty:
                lon, lat = geom.x, geom.y
            else:
                lon, lat = first(rec, layer.columns.get("lon")), first(rec, layer.columns.get("lat"))
                if lon is None or lat is None:
                    raise ValueError("no position (a point, or lon and lat)")
            online = first(rec, layer.columns.get("online"))
            if online is not None and online.lower() not in ONLINE_VALUES:
                raise ValueError(f"online must be one of {', '.join(ONLINE_VALUES)}, got {online!r}")
            rows.append({"id": cid, "name": first(rec, layer.columns.get("name")), "lon": lon, "lat": lat,
                         "direction": first(rec, layer.columns.get("direction")),
                         "fov_deg": first(rec, layer.columns.get("fov_deg")),
                         "range_m": first(rec, layer.columns.get("range_m")),
                         "kind": first(rec, layer.columns.get("kind")),
                         "grid_code": first(rec, layer.columns.get("grid_code")),
                         "online": True if online is None else ONLINE_VALUES[online.lower()],
                         "stream_url": _url(rec, layer, "stream_url", opts.url_template, cid),
                         "sub_stream_url": _url(rec, layer, "sub_stream_url", opts.sub_url_template, cid),
                         "_row": row, "_fid": fid})
            seen.add(cid)
        except (ValueError, StreamUrlError) as e:
            rep.add(L, "error", str(e), row, fid, cid)
    return rows


def import_cameras(db, opts: CameraImportOptions) -> ImportReport:  # noqa: ANN001
    """Check the templates and the file, validate every row (through the loader too), then write
    in one transaction, or not at all. ``db``: a server_stub.db.session.Database."""
    from sqlalchemy import delete

    from ...db.models import Camera
    from ...services import loader
    for name, t in (("--camera-url-template", opts.url_template),
                    ("--camera-sub-url-template", opts.sub_url_template)):
        if t is not None:
            try:
                check_template(t)
            except StreamUrlError as e:
                raise ImportFileError(f"{name}: {e}") from None
    rep = ImportReport(dry_run=opts.dry_run)
    layer = _read(opts)
    rows = camera_rows(layer, opts, rep)
    if not opts.dry_run:
        db.migrate()
    try:
        with db.transaction() as s:
            by_id = {r["id"]: r for r in rows}
            res = loader.load_cameras(s, [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows])
            for rej in res.rejected:  # the loader's own checks (ranges, grid code, lengths)
                r = by_id.get(str(rej.key))
                rep.add(L, "error", rej.reason, r and r["_row"], r and r["_fid"], rej.key)
            if rep.rejected and not opts.skip_rejected:
                rep.aborted = True
                raise _RollBack
            if opts.replace:
                gone = s.execute(delete(Camera).where(Camera.id.not_in(list(by_id) or [""])))
                rep.counts[L]["deleted"] = gone.rowcount or 0
            rep.counts[L].update(inserted=res.inserted, updated=res.updated)
            if opts.dry_run:
                raise _RollBack
    except _RollBack:
        return rep
    rep.applied = True
    return rep


class _RollBack(Exception):
    """Leaves the transaction without writing (rejected rows, or a dry run)."""


def add_parser(sub) -> None:  # noqa: ANN001
    p = sub.add_parser("import-cameras", help="import a city's cameras (GB/T 28181 channels) with their "
                                              "stream URLs or a URL template",
                       description=__doc__.split("\n\n")[1] if __doc__ else None)
    p.add_argument("--db", required=True, help="database URL (sqlite:///file or postgresql://...)")
    p.add_argument("--cameras", required=True, help="point layer (GeoPackage/Shapefile) or CSV with lon, lat")
    p.add_argument("--cameras-layer", help="layer name (default: cameras, or the only point layer)")
    p.add_argument("--camera-url-template", help="main stream URL for every camera without its own, with "
                                                 "{channel} for the 20-digit code: rtsp://host:554/rtp/{channel}")
    p.add_argument("--camera-sub-url-template", help="sub stream URL template, the same way")
    p.add_argument("--crs", help="CRS of a file that carries none (EPSG:xxxx ...)")
    p.add_argument("--encoding", help="attribute encoding of files that do not declare one (e.g. GBK)")
    p.add_argument("--report", default="import_cameras_report.csv", help="CSV of rejected rows (default: %(default)s)")
    p.add_argument("--replace", action="store_true", help="delete the cameras the file does not list")
    p.add_argument("--skip-rejected", action="store_true", help="import the valid rows even when some are rejected")
    p.add_argument("--dry-run", action="store_true", help="check everything, change nothing")
    p.set_defaults(run=main)


def main(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from ...db.session import Database
    opts = CameraImportOptions(args.cameras, args.cameras_layer, args.camera_url_template,
                               args.camera_sub_url_template, args.crs, args.encoding, args.replace,
                               args.skip_rejected, args.dry_run)
    db = Database(args.db)
    try:
        rep = import_cameras(db, opts)
    except (ImportFileError, SQLAlchemyError) as e:
        print(f"error: {e}", file=sys.stderr)
        print("nothing was imported", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    print(rep.summary())
    print(f"report: {rep.write_csv(args.report)} ({len(rep.issues)} rows)")
    return 1 if rep.aborted or (rep.dry_run and rep.rejected) else 0
