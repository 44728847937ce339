"""The QGIS render loop: one long-lived process, started by :mod:`.pool` with QGIS's own Python.

Runs under the interpreter that has PyQGIS (Debian: /usr/bin/python3), never the server's venv, and
never in a process that has imported the Qt 6 bindings (Pyside 6) (two Qt builds in one process crash). It therefore
imports only the standard library and qgis, and is started as a script by path.

Start-up: QGIS headless (QT_QPA_PLATFORM=offscreen, QgsApplication([], False), initQgis once), the
city layers opened once per style with that style's .qml, plus a "paper" layer (the city extent in
the style's background colour, so that tiles are transparent outside the city). Then it prints one
ready line and serves requests until stdin closes.

Protocol (pipes; the real stdout is kept for the protocol, stray prints go to stderr):
  request  = one JSON line on stdin:
             {"id": 7, "op": "render", "style": "day", "crs": "EPSG:32635" | "+proj=..." | WKT,
              "bbox": [minx, miny, maxx, maxy],   # the tiles' area in that CRS (no buffer)
              "cols": 4, "rows": 4, "tile": 256, "buffer": 0, "dpi": 90.714}
             {"id": 8, "op": "ping"}
  response = one JSON line on stdout, then the bytes it announces:
             {"id": 7, "ok": true, "sizes": [n0, n1, ...], "ms": 123.4}  + n0 + n1 + ... PNG bytes
             (tiles row by row, top row first, left to right), or {"id": 7, "ok": false, "error": "..."}.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback

OGC_DPI = 25.4 / 0.28  # the WMTS "standardized rendering pixel" of 0.28 mm


def _log(msg: str) -> None:
    print(f"[renderer {os.getpid()}] {msg}", file=sys.stderr, flush=True)


class Renderer:
    def __init__(self, gpkg: str, styles_dir: str, extent: list[float] | None, crs: str | None):
        import qgis.core
        self.q = qgis.core
        qgis.core.QgsApplication.setPrefixPath(os.environ.get("QGIS_PREFIX_PATH", "/usr"), True)
        self.app = qgis.core.QgsApplication([], False)
        self.app.initQgis()
        self.gpkg = gpkg
        self.styles: dict[str, dict] = {}   # name -> {"layers": [...top first], "background": str}
        self._crs_cache: dict = {}
        for name in sorted(os.listdir(styles_dir)):
            meta_path = os.path.join(styles_dir, name, "style.json")
            if os.path.isfile(meta_path):
                with open(meta_path, encoding="utf-8") as fh:
                    meta = json.load(fh)
                self.styles[name] = self._load_style(os.path.join(styles_dir, name), meta, extent, crs)

    def _load_style(self, folder: str, meta: dict, extent, crs) -> dict:
        q = self.q
        layers = []
        for lname in meta.get("layers", []):
            layer = q.QgsVectorLayer(f"{self.gpkg}|layername={lname}", lname, "ogr")
            if not layer.isValid():
                _log(f"layer {lname} not in {self.gpkg}: skipped")
                continue
            qml = os.path.join(folder, f"{lname}.qml")
            if os.path.isfile(qml):
                msg, ok = layer.loadNamedStyle(qml, q.QgsMapLayer.Symbology | q.QgsMapLayer.Labeling
                                               | q.QgsMapLayer.Rendering)
                if not ok:
                    _log(f"style {qml}: {msg}")
            layers.append(layer)
        if extent and layers:
            layers.insert(0, self._paper(extent, crs or layers[0].crs().toWkt(), meta.get("background", "#ffffff")))
        layers.reverse()  # QgsMapSettings wants the top layer first
        return {"layers": layers, "background": meta.get("background", "#ffffff")}

    def _paper(self, extent, crs: str, color: str):
        q = self.q
        from qgis.PyQt.QtGui import QColor
        layer = q.QgsVectorLayer("Polygon", "paper", "memory")
        layer.setCrs(self._crs(crs))
        minx, miny, maxx, maxy = extent
        f = q.QgsFeature()
        f.setGeometry(q.QgsGeometry.fromRect(q.QgsRectangle(minx, miny, maxx, maxy)))
        layer.dataProvider().addFeatures([f])
        fill = q.QgsSimpleFillSymbolLayer(QColor(color))
        from qgis.PyQt.QtCore import Qt
        fill.setStrokeStyle(Qt.NoPen)
        sym = q.QgsFillSymbol()
        sym.deleteSymbolLayer(0)
        sym.appendSymbolLayer(fill)
        layer.setRenderer(q.QgsSingleSymbolRenderer(sym))
        return layer

    def _crs(self, text: str):
        crs = self._crs_cache.get(text)
        if crs is None:
            q = self.q
            if text.startswith("+"):
                crs = q.QgsCoordinateReferenceSystem.fromProj(text)
            elif text[:5].upper() in ("EPSG:", "ESRI:", "IGNF:") or text.upper().startswith("USER:"):
                crs = q.QgsCoordinateReferenceSystem(text)
            else:
                crs = q.QgsCoordinateReferenceSystem.fromWkt(text)
            if not crs.isValid():
                raise ValueError(f"QGIS does not understand the CRS {text[:80]!r}")
            self._crs_cache[text] = crs
        return crs

    def render(self, req: dict) -> list[bytes]:
        q = self.q
        from qgis.PyQt.QtCore import QBuffer, QByteArray, QIODevice, QSize
        from qgis.PyQt.QtGui import QColor, QImage, QPainter
        style = self.styles.get(req["style"])
        if style is None:
            raise ValueError(f"unknown style {req['style']!r}; have {sorted(self.styles)}")
        cols, rows, tile, buf = int(req["cols"]), int(req["rows"]), int(req["tile"]), int(req.get("buffer", 0))
        minx, miny, maxx, maxy = (float(v) for v in req["bbox"])
        resx, resy = (maxx - minx) / (cols * tile), (maxy - miny) / (rows * tile)
        width, height = cols * tile + 2 * buf, rows * tile + 2 * buf
        ms = q.QgsMapSettings()
        ms.setDestinationCrs(self._crs(req["crs"]))
        ms.setLayers(style["layers"])
        ms.setOutputSize(QSize(width, height))
        ms.setOutputDpi(float(req.get("dpi", OGC_DPI)))
        ms.setExtent(q.QgsRectangle(minx - buf * resx, miny - buf * resy, maxx + buf * resx, maxy + buf * resy))
        ms.setBackgroundColor(QColor(0, 0, 0, 0))
        # styles use @map_scale (paper millimetres as ground metres); a headless job has no scopes
        context = q.QgsExpressionContext()
        context.appendScope(q.QgsExpressionContextUtils.globalScope())
        context.appendScope(q.QgsExpressionContextUtils.mapSettingsScope(ms))
        ms.setExpressionContext(context)
        ms.setFlag(q.QgsMapSettings.Antialiasing, True)
        ms.setFlag(q.QgsMapSettings.DrawLabeling, True)
        ms.setFlag(q.QgsMapSettings.RenderMapTile, True)
        ms.setFlag(q.QgsMapSettings.UseAdvancedEffects, True)
        engine = q.QgsLabelingEngineSettings()
        engine.setFlag(q.QgsLabelingEngineSettings.UsePartialCandidates, False)
        engine.setPlacementVersion(q.QgsLabelingEngineSettings.PlacementEngineVersion2)
        ms.setLabelingEngineSettings(engine)
        # labels only inside the requested tiles (never in a buffer): a label can then never be cut at
        # a metatile edge or drawn twice by two neighbouring metatiles that placed it differently
        ms.setLabelBoundaryGeometry(q.QgsGeometry.fromRect(q.QgsRectangle(minx, miny, maxx, maxy)))
        image = QImage(width, height, QImage.Format_ARGB32_Premultiplied)
        image.fill(0)
        painter = QPainter(image)
        job = q.QgsMapRendererCustomPainterJob(ms, painter)
        job.renderSynchronously()
        painter.end()
        out = []
        for r in range(rows):
            for c in range(cols):
                part = image.copy(buf + c * tile, buf + r * tile, tile, tile)
                data = QByteArray()
                device = QBuffer(data)
                device.open(QIODevice.WriteOnly)
                part.save(device, "PNG")
                device.close()
                out.append(bytes(data))
        return out


def serve(renderer: Renderer, inp, out) -> None:
    def reply(header: dict, blobs: list[bytes] = ()) -> None:
        out.write((json.dumps(header) + "\n").encode())
        for b in blobs:
            out.write(b)
        out.flush()

    for line in inp:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
        except ValueError as e:
            reply({"id": None, "ok": False, "error": f"bad request line: {e}"})
            continue
        rid = req.get("id")
        op = req.get("op", "render")
        try:
            if op == "ping":
                reply({"id": rid, "ok": True, "pid": os.getpid()})
            elif op == "render":
                t0 = time.perf_counter()
                blobs = renderer.render(req)
                reply({"id": rid, "ok": True, "sizes": [len(b) for b in blobs],
                       "ms": round((time.perf_counter() - t0) * 1000, 1)}, blobs)
            else:
                reply({"id": rid, "ok": False, "error": f"unknown op {op!r}"})
        except Exception as e:  # one bad request must not end the process
            _log(traceback.format_exc())
            reply({"id": rid, "ok": False, "error": f"{type(e).__name__}: {e}"})


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gpkg", required=True, help="the city package's city.gpkg")
    ap.add_argument("--styles", required=True, help="resources/qgis (one folder per style)")
    ap.add_argument("--extent", help="minx,miny,maxx,maxy of the city in the layers' CRS (the paper)")
    ap.add_argument("--crs", help="the layers' CRS as EPSG:xxxx, PROJ string or WKT")
    args = ap.parse_args(argv)
    # keep the real stdout for the protocol; anything printed by QGIS or by mistake goes to stderr
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    extent = [float(v) for v in args.extent.split(",")] if args.extent else None
    t0 = time.perf_counter()
    try:
        renderer = Renderer(args.gpkg, args.styles, extent, args.crs)
        from qgis.core import Qgis
        out.write((json.dumps({"ready": True, "pid": os.getpid(), "qgis": Qgis.QGIS_VERSION,
                               "styles": sorted(renderer.styles),
                               "ms": round((time.perf_counter() - t0) * 1000, 1)}) + "\n").encode())
        out.flush()
    except Exception as e:
        _log(traceback.format_exc())
        out.write((json.dumps({"ready": False, "error": f"{type(e).__name__}: {e}"}) + "\n").encode())
        out.flush()
        os._exit(2)
    try:
        serve(renderer, sys.stdin.buffer, out)
    except BrokenPipeError:
        pass
    # exit without tearing QGIS down: the server is gone or done, and sip/Qt teardown order is fragile
    os._exit(0)


if __name__ == "__main__":
    main()
