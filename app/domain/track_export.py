"""Writing inspector tracks out: GPX 1.1, KML 2.2 and CSV. Qt-free.

Each document declares its namespaces itself (ElementTree's `register_namespace` is global state
that would change every other document the process writes)."""
from __future__ import annotations

import csv
import io
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Sequence

GPX_NS = "http://www.topografix.com/GPX/1/1"
KML_NS = "http://www.opengis.net/kml/2.2"
KNOTS_PER_KMH = 1 / 1.852


@dataclass
class ExportTrack:
    """One inspector's fixes as columns: epoch seconds, lon/lat (CGCS2000 ≈ WGS 84), km/h, degrees."""
    name: str
    t: Sequence[float]
    lon: Sequence[float]
    lat: Sequence[float]
    speed_kmh: Sequence[float] | None = None
    bearing: Sequence[float] | None = None


def _iso(t: float) -> str:
    return datetime.fromtimestamp(float(t), timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _finite(v) -> bool:  # noqa: ANN001
    return v is not None and math.isfinite(float(v))


def _tostring(root: ET.Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def gpx(tracks: Sequence[ExportTrack], creator: str = "OpenCityCommand") -> bytes:
    """GPX 1.1: one <trk> per inspector, one <trkseg>; speed (m/s) and course in the GPX 1.1
    extension-free way (OsmAnd and QGIS read <time>; the rest is informational)."""
    root = ET.Element("gpx", {"xmlns": GPX_NS, "version": "1.1", "creator": creator})
    for tr in tracks:
        trk = ET.SubElement(root, "trk")
        ET.SubElement(trk, "name").text = tr.name
        seg = ET.SubElement(trk, "trkseg")
        for i, (t, lon, lat) in enumerate(zip(tr.t, tr.lon, tr.lat)):
            pt = ET.SubElement(seg, "trkpt", {"lat": f"{float(lat):.7f}", "lon": f"{float(lon):.7f}"})
            ET.SubElement(pt, "time").text = _iso(t)
    return _tostring(root)


def kml(tracks: Sequence[ExportTrack], title: str = "巡查轨迹") -> bytes:
    """KML 2.2: a Placemark with a LineString per inspector (Google Earth, QGIS and GDAL read it),
    and a gx-free TimeSpan for the range."""
    root = ET.Element("kml", {"xmlns": KML_NS})
    doc = ET.SubElement(root, "Document")
    ET.SubElement(doc, "name").text = title
    for tr in tracks:
        pm = ET.SubElement(doc, "Placemark")
        ET.SubElement(pm, "name").text = tr.name
        if len(tr.t):
            span = ET.SubElement(pm, "TimeSpan")
            ET.SubElement(span, "begin").text = _iso(tr.t[0])
            ET.SubElement(span, "end").text = _iso(tr.t[-1])
        line = ET.SubElement(pm, "LineString")
        ET.SubElement(line, "tessellate").text = "1"
        ET.SubElement(line, "coordinates").text = " ".join(
            f"{float(lon):.7f},{float(lat):.7f}" for lon, lat in zip(tr.lon, tr.lat))
    return _tostring(root)


def csv_bytes(tracks: Sequence[ExportTrack]) -> bytes:
    """CSV with a header, UTF-8 with BOM so that Excel opens the Chinese names right."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["inspector", "time", "lon", "lat", "speed_kmh", "bearing"])
    for tr in tracks:
        n = len(tr.t)
        sp = tr.speed_kmh if tr.speed_kmh is not None else [None] * n
        br = tr.bearing if tr.bearing is not None else [None] * n
        for t, lon, lat, s, b in zip(tr.t, tr.lon, tr.lat, sp, br):
            w.writerow([tr.name, _iso(t), f"{float(lon):.7f}", f"{float(lat):.7f}",
                        f"{float(s):.1f}" if _finite(s) else "", f"{float(b):.0f}" if _finite(b) else ""])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
