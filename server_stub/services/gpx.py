"""GPX 1.1 track export (https://www.topografix.com/GPX/1/1/). Speed and course go into Garmin's
TrackPointExtension v2 (speed in m/s), which common GPX readers understand; the core schema has
no speed element. A gap of more than `gap_s` seconds starts a new track segment."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

from lxml import etree as ET

GPX_NS = "http://www.topografix.com/GPX/1/1"
TPX_NS = "http://www.garmin.com/xmlschemas/TrackPointExtension/v2"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
MPS_PER_KNOT = 0.514444
# Prefixes of this document only (lxml's nsmap); a process-wide ElementTree registry would leak
# into every other XML document the server writes (the WMTS capabilities turned into ns0:...).
NSMAP = {None: GPX_NS, "gpxtpx": TPX_NS, "xsi": XSI_NS}


def _iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + (
        f".{t.microsecond // 1000:03d}Z" if t.microsecond else "Z")


def track_gpx(name: str, fixes: Iterable[dict], *, description: str | None = None,
              creator: str = "OpenCityCommand", gap_s: float = 600.0) -> bytes:
    """fixes: dicts with fix_at (aware datetime), lon, lat and optional altitude, speed_kn, bearing."""
    g = f"{{{GPX_NS}}}"
    root = ET.Element(f"{g}gpx", {"version": "1.1", "creator": creator,
                                  f"{{{XSI_NS}}}schemaLocation":
                                      f"{GPX_NS} http://www.topografix.com/GPX/1/1/gpx.xsd"}, nsmap=NSMAP)
    meta = ET.SubElement(root, f"{g}metadata")
    ET.SubElement(meta, f"{g}name").text = name
    if description:
        ET.SubElement(meta, f"{g}desc").text = description
    ET.SubElement(meta, f"{g}time").text = _iso(datetime.now(timezone.utc))
    trk = ET.SubElement(root, f"{g}trk")
    ET.SubElement(trk, f"{g}name").text = name
    seg = None
    last: datetime | None = None
    for f in fixes:
        t = f["fix_at"]
        if seg is None or (last is not None and (t - last).total_seconds() > gap_s):
            seg = ET.SubElement(trk, f"{g}trkseg")
        last = t
        pt = ET.SubElement(seg, f"{g}trkpt", {"lat": f"{f['lat']:.7f}", "lon": f"{f['lon']:.7f}"})
        if f.get("altitude") is not None:  # element order is fixed by the schema: ele, time, ..., extensions
            ET.SubElement(pt, f"{g}ele").text = f"{f['altitude']:.1f}"
        ET.SubElement(pt, f"{g}time").text = _iso(t)
        speed, course = f.get("speed_kn"), f.get("bearing")
        if speed is not None or course is not None:
            ext = ET.SubElement(ET.SubElement(pt, f"{g}extensions"), f"{{{TPX_NS}}}TrackPointExtension")
            if speed is not None:
                ET.SubElement(ext, f"{{{TPX_NS}}}speed").text = f"{speed * MPS_PER_KNOT:.2f}"
            if course is not None:
                ET.SubElement(ext, f"{{{TPX_NS}}}course").text = f"{course:.1f}"
    if seg is None:
        ET.SubElement(trk, f"{g}trkseg")
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)
