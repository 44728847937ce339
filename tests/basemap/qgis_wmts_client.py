"""QGIS as a WMTS client: load each layer given on stdin, render it, report what it drew.

Runs under Debian's /usr/bin/python3 with PyQGIS (QGIS 3.22, Qt5), never in a process that imports
the client's Qt 6 bindings; tests/basemap/test_basemap_ogc_clients.py starts it as its own
process. Reads JSON
{"profile": dir, "layers": [{"name", "params": {...QgsDataSourceUri params...}, "lonlat": [w, s, e, n],
"size": px}]} and prints one JSON line {name: {"valid", "error", "crs", "opaque", "colours"}}.
"""
import json
import os
import sys


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    job = json.load(sys.stdin)
    from qgis.core import (QgsApplication, QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsDataSourceUri,
                           QgsMapRendererSequentialJob, QgsMapSettings, QgsProject, QgsRasterLayer, QgsRectangle)
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    qgs = QgsApplication([], False, job["profile"])  # a throw-away profile: no capabilities cache from earlier runs
    qgs.initQgis()
    out = {}
    for spec in job["layers"]:
        uri = QgsDataSourceUri()
        for key, value in spec["params"].items():
            uri.setParam(key, value)
        layer = QgsRasterLayer(bytes(uri.encodedUri()).decode(), spec["name"], "wms")
        res = {"valid": layer.isValid(), "error": "" if layer.isValid() else layer.error().summary()}
        if layer.isValid():
            res["crs"] = layer.crs().authid()
            w, s, e, n = spec["lonlat"]
            to_layer = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), layer.crs(),
                                              QgsProject.instance())
            settings = QgsMapSettings()
            settings.setLayers([layer])
            settings.setDestinationCrs(layer.crs())
            settings.setExtent(to_layer.transformBoundingBox(QgsRectangle(w, s, e, n)))
            settings.setOutputSize(QSize(spec["size"], spec["size"]))
            settings.setBackgroundColor(QColor(0, 0, 0, 0))
            render = QgsMapRendererSequentialJob(settings)
            render.start()
            render.waitForFinished()
            img = render.renderedImage()
            opaque, colours = 0, set()
            for y in range(0, img.height(), 2):
                for x in range(0, img.width(), 2):
                    px = img.pixel(x, y)
                    if px >> 24:
                        opaque += 1
                        colours.add(px & 0xFFFFFF)
            res.update(opaque=opaque / ((img.width() // 2) * (img.height() // 2)), colours=len(colours),
                       errors=[f"{e.layerID}: {e.message}" for e in render.errors()])
        out[spec["name"]] = res
    print(json.dumps(out))
    qgs.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
