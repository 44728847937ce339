"""Render the benchmark GeoPackage with QGIS, for comparison with the app's canvas.

Runs under Debian's /usr/bin/python3 with PyQGIS (QGIS 3.22, Qt5/PyQt5) -- NEVER in a process
that imports the Qt 6 bindings (Pyside 6): benchmarks/bench_map_render.py starts it as a separate process.

    /usr/bin/python3 benchmarks/qgis_render_equivalent.py --gpkg /tmp/city.gpkg \
        --crs EPSG:4527 --size 1920x1080 --city xmin,ymin,xmax,ymax --street xmin,ymin,xmax,ymax

Equivalent simple symbols: grid outlines (simple line fill, 1 px blue), components as 1.6 px
simple markers, cases as 4.2 mm circles categorised by band (green/yellow/red). Each extent is
rendered twice with QgsMapRendererParallelJob (as the QGIS map canvas does) and the second, warm
time is reported; then the components alone over the city, every point (simple markers) and
aggregated (QgsHeatmapRenderer). Prints one JSON line: {"qgis": "3.22.16", "qgis_city_s": ...,
"qgis_street_s": ..., "qgis_points_city_s": ..., "qgis_heatmap_city_s": ...};
{"qgis": null, "qgis_reason": ...} when PyQGIS is missing.
"""
import argparse
import json
import os
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gpkg", required=True)
    ap.add_argument("--crs", default="EPSG:4527")
    ap.add_argument("--size", default="1920x1080")
    ap.add_argument("--city", required=True)
    ap.add_argument("--street", required=True)
    ap.add_argument("--png", help="save the renders as PNGs with this prefix")
    a = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from qgis.core import (Qgis, QgsApplication, QgsCategorizedSymbolRenderer, QgsCoordinateReferenceSystem,
                               QgsFillSymbol, QgsMapRendererParallelJob, QgsMapSettings, QgsMarkerSymbol,
                               QgsRectangle, QgsRendererCategory, QgsVectorLayer)
        from qgis.PyQt.QtCore import QSize
        from qgis.PyQt.QtGui import QColor
    except ImportError as e:
        print(json.dumps({"qgis": None, "qgis_reason": f"PyQGIS not importable: {e}"}))
        return 0

    qgs = QgsApplication([], False)
    qgs.initQgis()
    w, h = (int(v) for v in a.size.lower().split("x"))

    def layer(name):
        lyr = QgsVectorLayer(f"{a.gpkg}|layername={name}", name, "ogr")
        if not lyr.isValid():
            raise SystemExit(json.dumps({"qgis": None, "qgis_reason": f"layer {name} not valid"}))
        return lyr

    grids = layer("unit_grids")
    grids.renderer().setSymbol(QgsFillSymbol.createSimple(
        {"color": "0,0,0,0", "style": "no", "outline_color": "30,100,220", "outline_width": "0.26"}))
    comps = layer("components")
    comps.renderer().setSymbol(QgsMarkerSymbol.createSimple(
        {"name": "circle", "color": "66,146,198", "size": "0.4", "outline_style": "no"}))
    cases = layer("cases")
    cats = []
    for band, col in (("green", "22,163,74"), ("yellow", "234,179,8"), ("red", "220,38,38")):
        sym = QgsMarkerSymbol.createSimple({"name": "circle", "color": col, "size": "4.2",
                                            "outline_color": "255,255,255", "outline_width": "0.4"})
        cats.append(QgsRendererCategory(band, sym, band))
    cases.setRenderer(QgsCategorizedSymbolRenderer("band", cats))

    settings = QgsMapSettings()
    settings.setLayers([cases, comps, grids])  # top first
    settings.setDestinationCrs(QgsCoordinateReferenceSystem(a.crs))
    settings.setOutputSize(QSize(w, h))
    settings.setOutputDpi(96)
    settings.setBackgroundColor(QColor(242, 239, 233))

    def render(extent, n=2, png=None):
        xmin, ymin, xmax, ymax = (float(v) for v in extent.split(","))
        settings.setExtent(QgsRectangle(xmin, ymin, xmax, ymax))
        times = []
        img = None
        cpu.clear()
        for _ in range(n):
            job = QgsMapRendererParallelJob(settings)
            t0, c0 = time.perf_counter(), time.process_time()
            job.start()
            job.waitForFinished()
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)  # every thread of this process
            img = job.renderedImage()
        if png and img is not None:
            img.save(png)
        return times

    cpu: list = []

    city = render(a.city, png=f"{a.png}_city.png" if a.png else None)
    street = render(a.street, n=3, png=f"{a.png}_street.png" if a.png else None)
    out = {"qgis": Qgis.QGIS_VERSION, "qgis_city_s": round(min(city[1:]), 4), "qgis_city_cold_s": round(city[0], 4),
           "qgis_street_s": round(min(street[1:]), 4)}
    # the components alone over the whole city, like for like with the app's two ways of drawing them:
    # every point (a 1.6 px marker each; the app's dots) and aggregated (QGIS's heatmap renderer, the
    # app's density raster)
    from qgis.core import QgsGradientColorRamp, QgsHeatmapRenderer, QgsUnitTypes

    settings.setLayers([comps])
    points = render(a.city, n=3, png=f"{a.png}_points.png" if a.png else None)
    points_cpu = min(cpu[1:])
    heat = QgsHeatmapRenderer()
    heat.setRadius(3.0)  # pixels: about the app's 2-pixel bins (QGIS's default render quality)
    heat.setRadiusUnit(QgsUnitTypes.RenderPixels)
    heat.setColorRamp(QgsGradientColorRamp(QColor(158, 202, 225), QColor(63, 0, 125)))
    comps.setRenderer(heat)
    heatmap = render(a.city, n=3, png=f"{a.png}_heatmap.png" if a.png else None)
    out.update({"qgis_points_city_s": round(min(points[1:]), 4), "qgis_heatmap_city_s": round(min(heatmap[1:]), 4),
                "qgis_points_city_cpu_s": round(points_cpu, 4), "qgis_heatmap_city_cpu_s": round(min(cpu[1:]), 4)})
    print(json.dumps(out))
    sys.stdout.flush()
    os._exit(0)  # PyQGIS tends to crash while tearing down; the figures are out already


if __name__ == "__main__":
    raise SystemExit(main())
