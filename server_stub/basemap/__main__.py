"""``python -m server_stub.basemap``: pre-render, render one tile, or describe a city's tile grids.

  prerender --city DIR --style day --zooms 14-18 --out x.mbtiles [--tms WebMercatorQuad|city] [--workers N]
  tile      --city DIR --style day --tms city --z 6 --x 10 --y 20 --out t.png
  info      --city DIR
"""
from __future__ import annotations

import argparse
import json
import logging
import sys


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m server_stub.basemap", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prerender", help="render a pyramid into an MBTiles file")
    p.add_argument("--city", required=True, help="city package directory (city.gpkg)")
    p.add_argument("--style", default="day")
    p.add_argument("--zooms", required=True, help="levels: 14-18, or 14,16,18")
    p.add_argument("--out", required=True, help="the .mbtiles file to write")
    p.add_argument("--tms", default="WebMercatorQuad", choices=["WebMercatorQuad", "city"])
    p.add_argument("--workers", type=int, default=0, help="renderer processes (default min(2, cores))")
    t = sub.add_parser("tile", help="render one tile to a PNG file")
    t.add_argument("--city", required=True)
    t.add_argument("--style", default="day")
    t.add_argument("--tms", default="WebMercatorQuad", choices=["WebMercatorQuad", "city"])
    for k in ("z", "x", "y"):
        t.add_argument(f"--{k}", type=int, required=True)
    t.add_argument("--out", required=True)
    i = sub.add_parser("info", help="QGIS status and the city's tile matrix sets")
    i.add_argument("--city", required=True)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from . import qgis_env
    from .package import load_city
    if args.cmd == "prerender":
        from .mbtiles import parse_zooms, prerender
        try:
            result = prerender(args.city, args.style, parse_zooms(args.zooms), args.out, tms_id=args.tms,
                               workers=args.workers, progress=lambda m: print(m, file=sys.stderr))
        except (RuntimeError, ValueError, LookupError) as e:
            print(f"prerender: {e}", file=sys.stderr)
            return 2
        print(json.dumps(result))
        return 0
    city = load_city(args.city)
    if args.cmd == "info":
        status = qgis_env.probe()
        print(json.dumps({"qgis": status.message(), "crs": city.crs, "extent": city.extent,
                          "lonlat_bbox": city.lonlat_bbox,
                          "tile_matrix_sets": {k: s.describe() for k, s in city.sets.items()}},
                         ensure_ascii=False, indent=1))
        return 0
    from .engine import BasemapEngine
    status = qgis_env.probe()
    if not status.available:
        print(status.message(), file=sys.stderr)
        return 2
    engine = BasemapEngine(city, qgis=status, cache_dir=None)
    try:
        tile = engine.tile(args.style, args.tms, args.z, args.x, args.y)
    finally:
        engine.close()
    with open(args.out, "wb") as fh:
        fh.write(tile.data)
    print(f"{args.out}: {len(tile.data)} bytes{' (outside the city: empty)' if tile.empty else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
