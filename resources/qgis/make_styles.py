#!/usr/bin/python3
"""Write the QGIS layer styles of the 1:500 basemap: resources/qgis/<style>/<layer>.qml + style.json.

Run with QGIS's own Python (Debian: /usr/bin/python3), never the project venv:

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 resources/qgis/make_styles.py

The .qml files are the product (QGIS Desktop opens and edits them); this script is how they were
made, so that a palette change is one edit here. Conventions follow the 1:500 topographic map
symbols of GB/T 20257.1 as far as a screen basemap allows:

* buildings: thin dark outline, light fill, annotation at the centroid = structure abbreviation +
  storeys (砼4 = reinforced concrete, 4 storeys; 混 brick-concrete; 砖 masonry; 钢 steel; 木 timber;
  简 simple/light structure; one-storey buildings show the abbreviation alone), at 1:1500 and larger;
* roads: drawn by their two edge lines (casing) around a carriageway as wide as ``width_m`` on the
  ground; all edges are drawn before all carriageways so junctions open up as on a survey map;
  street names follow the line;
* water: pale blue with a blue shoreline and horizontal hatch at large scales, names in blue;
* vegetation: pale green with the grass (ıı) / tree (○) pattern symbols at large scales;
* railways: the black-and-white alternating standard-gauge symbol, trams thin with cross ticks;
* land use: faint tints only; POI names small with a dot, important ones earlier.

Sizes are millimetres at the tile's map scale with 0.28 mm pixels (the OGC/WMTS standard pixel), so
"0.15 mm" means what it means on a printed 1:500 sheet. Ground widths are data-defined in metres
(map units: the renderer draws in a CRS whose unit is the ground metre, see server_stub/basemap).
"""
from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (QgsApplication, QgsFillSymbol, QgsLinePatternFillSymbolLayer,  # noqa: E402
                       QgsLineSymbol, QgsMapLayer, QgsMarkerLineSymbolLayer, QgsMarkerSymbol,
                       QgsPalLayerSettings, QgsPointPatternFillSymbolLayer, QgsProperty,
                       QgsRuleBasedLabeling, QgsRuleBasedRenderer,
                       QgsSimpleFillSymbolLayer, QgsSimpleLineSymbolLayer, QgsSimpleMarkerSymbolLayer,
                       QgsSimpleMarkerSymbolLayerBase, QgsSvgMarkerSymbolLayer, QgsSymbolLayer, QgsTextBufferSettings,
                       QgsTextFormat, QgsUnitTypes, QgsVectorLayer, QgsVectorLayerSimpleLabeling)
from qgis.PyQt.QtCore import Qt  # noqa: E402
from qgis.PyQt.QtGui import QColor, QFont  # noqa: E402

HERE = Path(__file__).resolve().parent
FONT = "Noto Sans CJK SC"
MM = QgsUnitTypes.RenderMillimeters
MAP = QgsUnitTypes.RenderMapUnits
CATEGORIES = QgsMapLayer.Symbology | QgsMapLayer.Labeling | QgsMapLayer.Rendering

# Draw order, bottom first (rails over roads: trams run in streets, level crossings). The renderer adds
# the "paper" below everything (the city extent in the background colour).
LAYERS = ["landuse", "green", "water", "roads", "railways", "buildings", "poi_labels"]  # trams run in streets

PALETTES = {
    "day": {
        "background": "#fbfaf7", "building_fill": "#e9e5dc", "building_line": "#3b3b3b",
        "building_text": "#4a4a4a", "road_edge": "#4d4d4d", "road_fill": "#ffffff",
        "arterial_fill": "#fdf1c9", "expressway_fill": "#fbe0a0", "pedestrian_fill": "#f4f1ea",
        "footway": "#8a8a8a", "cycleway": "#8fa7b8", "tunnel_edge": "#8a8a8a",
        "water_fill": "#d6e9f7", "water_line": "#3d8fd1", "water_hatch": "#8fc0e6", "water_text": "#2d6fae",
        "green_fill": "#e2efd6", "green_symbol": "#5d9b4f", "green_text": "#3f7a36",
        "rail": "#262626", "rail_gap": "#ffffff", "rail_small": "#6a6a6a", "tram": "#5b5b5b",
        "landuse": {"residential": "#f5f2ec", "commercial": "#f7efe9", "retail": "#f7efe9",
                    "industrial": "#efecf1", "railway": "#efedea", "construction": "#f2efe4",
                    "education": "#f6f0e1", "civil": "#f6f0e1", "cemetery": "#e4ecdc",
                    "military": "#efe7e4", "brownfield": "#f1eee6"},
        "text": "#2b2b2b", "text_halo": "#ffffff", "road_text": "#333333", "poi_dot": "#6b6b6b",
        "place_text": "#6d6d6d",
    },
    "dark": {
        "background": "#0d141d", "building_fill": "#1c2835", "building_line": "#3c4e62",
        "building_text": "#7f91a5", "road_edge": "#55687d", "road_fill": "#2a3848",
        "arterial_fill": "#3a4350", "expressway_fill": "#474638", "pedestrian_fill": "#222e3c",
        "footway": "#3f4f61", "cycleway": "#3b5564", "tunnel_edge": "#3a4858",
        "water_fill": "#0f2c45", "water_line": "#2b648f", "water_hatch": "#1a4466", "water_text": "#6ea4cf",
        "green_fill": "#11261f", "green_symbol": "#2b5641", "green_text": "#6a9a7f",
        "rail": "#8a97a5", "rail_gap": "#0d141d", "rail_small": "#5f6d7c", "tram": "#5d6c7c",
        "landuse": {"residential": "#101822", "commercial": "#121a25", "retail": "#121a25",
                    "industrial": "#111827", "railway": "#121822", "construction": "#131920",
                    "education": "#141b23", "civil": "#141b23", "cemetery": "#10201b",
                    "military": "#171920", "brownfield": "#12181f"},
        "text": "#cfd8e2", "text_halo": "#0d141d", "road_text": "#b7c4d1", "poi_dot": "#8494a5",
        "place_text": "#7d8d9e",
    },
}

# Structure abbreviations of GB/T 20257.1 building annotations.
STRUCTURE_ABBR = ("CASE WHEN \"structure\" = 'reinforced_concrete' THEN '砼' "
                  "WHEN \"structure\" = 'brick_concrete' THEN '混' WHEN \"structure\" = 'masonry' THEN '砖' "
                  "WHEN \"structure\" = 'steel' THEN '钢' WHEN \"structure\" = 'timber' THEN '木' "
                  "WHEN \"structure\" = 'light' THEN '简' ELSE '' END")
BUILDING_NOTE = (f"{STRUCTURE_ABBR} || CASE WHEN to_int(\"levels\") > 1 "
                 "THEN to_string(to_int(\"levels\")) ELSE '' END")

GRASS = "'grass','meadow','village_green','grassland','heath','recreation_ground','common','flowerbed'"
TREES = "'park','garden','wood','forest','scrub','orchard','nature_reserve','cemetery','allotments'"

# road classes: (filter, min body width in mm at any scale, fill palette key, fill pass, max scale denominator)
ROAD_CLASSES = [
    ("lane", "\"road_class\" = 'lane'", 0.45, "road_fill", 2, 12000),
    ("pedestrian", "\"road_class\" = 'pedestrian'", 0.45, "pedestrian_fill", 2, 12000),
    ("branch", "\"road_class\" = 'branch'", 0.7, "road_fill", 3, 0),
    ("secondary", "\"road_class\" = 'secondary'", 0.95, "road_fill", 4, 0),
    ("arterial", "\"road_class\" = 'arterial'", 1.15, "arterial_fill", 5, 0),
    ("expressway", "\"road_class\" = 'expressway'", 1.35, "expressway_fill", 6, 0),
]
EDGE_MM = 0.16


def mm_to_m(mm: float) -> str:
    """Expression: a paper size in mm as ground metres at the current scale."""
    return f"({mm} * @map_scale / 1000.0)"


def symbol(cls, layers: list):
    """A symbol made of these layers (PyQGIS's list constructor does not take ownership of them)."""
    sym = cls()
    while sym.symbolLayerCount():
        sym.deleteSymbolLayer(0)
    for layer in layers:
        sym.appendSymbolLayer(layer)
    return sym


def simple_line(color: str, width: float, *, unit=MM, dash: list[float] | None = None, pass_: int = 0,
                cap=Qt.RoundCap, width_expr: str | None = None) -> QgsSimpleLineSymbolLayer:
    sl = QgsSimpleLineSymbolLayer(QColor(color), width)
    sl.setWidthUnit(unit)
    sl.setPenCapStyle(cap)
    sl.setPenJoinStyle(Qt.RoundJoin)
    if dash:
        sl.setUseCustomDashPattern(True)
        sl.setCustomDashVector(dash)
        sl.setCustomDashPatternUnit(MM)
    if width_expr:
        sl.setDataDefinedProperty(QgsSymbolLayer.PropertyStrokeWidth, QgsProperty.fromExpression(width_expr))
    sl.setRenderingPass(pass_)
    return sl


def simple_fill(fill: str, stroke: str | None = None, width: float = 0.0) -> QgsSimpleFillSymbolLayer:
    fl = QgsSimpleFillSymbolLayer(QColor(fill))
    if stroke is None:
        fl.setStrokeStyle(Qt.NoPen)
    else:
        fl.setStrokeColor(QColor(stroke))
        fl.setStrokeWidth(width)
        fl.setStrokeWidthUnit(MM)
        fl.setPenJoinStyle(Qt.MiterJoin)
    return fl


def outline(color: str, width: float) -> QgsSimpleLineSymbolLayer:
    """A polygon edge as a line layer (drawn on top of patterns)."""
    sl = QgsSimpleLineSymbolLayer(QColor(color), width)
    sl.setWidthUnit(MM)
    sl.setPenJoinStyle(Qt.MiterJoin)
    return sl


def marker(shape, color: str, size: float, *, stroke: str | None = None, stroke_w: float = 0.0,
           angle: float = 0.0) -> QgsMarkerSymbol:
    m = QgsSimpleMarkerSymbolLayer(shape, size)
    m.setSizeUnit(MM)
    m.setColor(QColor(color))
    m.setStrokeColor(QColor(stroke or color))
    m.setStrokeWidth(stroke_w)
    m.setStrokeWidthUnit(MM)
    m.setAngle(angle)
    return symbol(QgsMarkerSymbol, [m])


def text_format(color: str, size_mm: float, halo: str, *, halo_mm: float = 0.5, bold: bool = False,
                italic: bool = False, spacing: float = 0.0) -> QgsTextFormat:
    font = QFont(FONT)
    font.setBold(bold)
    font.setItalic(italic)
    if spacing:
        font.setLetterSpacing(QFont.AbsoluteSpacing, spacing)
    fmt = QgsTextFormat()
    fmt.setFont(font)
    fmt.setSize(size_mm)
    fmt.setSizeUnit(MM)
    fmt.setColor(QColor(color))
    buf = QgsTextBufferSettings()
    buf.setEnabled(True)
    buf.setSize(halo_mm)
    buf.setSizeUnit(MM)
    buf.setColor(QColor(halo))
    buf.setOpacity(0.9)
    fmt.setBuffer(buf)
    return fmt


def pal(expr: str, fmt: QgsTextFormat, placement: int, *, priority: int = 5,
        min_scale: float = 0.0) -> QgsPalLayerSettings:
    s = QgsPalLayerSettings()
    s.isExpression = True
    s.fieldName = expr
    s.setFormat(fmt)
    s.placement = placement
    s.priority = priority
    if min_scale:
        s.scaleVisibility = True
        s.minimumScale = min_scale  # the most zoomed-out scale denominator that still shows it
        s.maximumScale = 0
    return s


def rule(sym, expr: str | None = None, label: str = "", min_scale: float = 0.0):
    """A renderer rule shown at ``min_scale`` (denominator) and larger scales; 0 = every scale."""
    return QgsRuleBasedRenderer.Rule(sym, 0, int(min_scale), expr or "", label)


def label_rule(settings: QgsPalLayerSettings, expr: str = "", description: str = ""):
    r = QgsRuleBasedLabeling.Rule(settings)
    r.setFilterExpression(expr)
    r.setDescription(description)
    return r


# --- layers -------------------------------------------------------------------------------

def style_landuse(p: dict) -> tuple:
    root = QgsRuleBasedRenderer.Rule(None)
    for kind, color in p["landuse"].items():
        root.appendChild(rule(symbol(QgsFillSymbol, [simple_fill(color)]), f"\"landuse\" = '{kind}'", kind))
    return QgsRuleBasedRenderer(root), None


def _pattern(p: dict, kind: str):
    if kind == "grass":  # 草地: a pair of short upright strokes (ıı), embedded as SVG
        svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><path d="M3.6 2.6V7.6M6.4 3.4V7.6" '
               f'stroke="{p["green_symbol"]}" stroke-width="0.9" stroke-linecap="round" fill="none"/></svg>')
        grass = QgsSvgMarkerSymbolLayer("base64:" + base64.b64encode(svg.encode()).decode(), 1.8)
        grass.setSizeUnit(MM)
        sym = symbol(QgsMarkerSymbol, [grass])
    else:  # 树: small open circles
        sym = marker(QgsSimpleMarkerSymbolLayerBase.Circle, "#00000000", 1.3, stroke=p["green_symbol"],
                     stroke_w=0.18)
        sym.symbolLayer(0).setFillColor(QColor(0, 0, 0, 0))
    pat = QgsPointPatternFillSymbolLayer()
    pat.setSubSymbol(sym)
    pat.setDistanceX(8.0)  # scattered symbols, as on the printed sheet (not a texture)
    pat.setDistanceY(6.0)
    pat.setDistanceXUnit(MM)
    pat.setDistanceYUnit(MM)
    pat.setDisplacementX(4.0)
    pat.setDisplacementXUnit(MM)
    return pat


def style_green(p: dict) -> tuple:
    root = QgsRuleBasedRenderer.Rule(None)
    base = rule(symbol(QgsFillSymbol, [simple_fill(p["green_fill"])]), None, "fill")
    root.appendChild(base)
    root.appendChild(rule(symbol(QgsFillSymbol, [_pattern(p, "grass")]), f"\"kind\" IN ({GRASS})", "grass symbols",
                          min_scale=3000))
    root.appendChild(rule(symbol(QgsFillSymbol, [_pattern(p, "tree")]), f"\"kind\" IN ({TREES})", "tree symbols",
                          min_scale=3000))
    # 地类界: the dotted boundary of a vegetated area, at large scales
    boundary = simple_line(p["green_symbol"], 0.2, dash=[0.3, 0.9], cap=Qt.RoundCap)
    root.appendChild(rule(symbol(QgsFillSymbol, [boundary]), None, "boundary", min_scale=3000))
    fmt = text_format(p["green_text"], 2.8, p["text_halo"])
    s = pal("\"name\"", fmt, QgsPalLayerSettings.Horizontal, priority=4, min_scale=5000)
    s.fitInPolygonOnly = True
    return QgsRuleBasedRenderer(root), QgsVectorLayerSimpleLabeling(s)


def style_water(p: dict) -> tuple:
    root = QgsRuleBasedRenderer.Rule(None)
    root.appendChild(rule(symbol(QgsFillSymbol, [simple_fill(p["water_fill"])]), None, "fill"))
    hatch = QgsLinePatternFillSymbolLayer()
    hatch.setLineAngle(0)
    hatch.setDistance(1.2)
    hatch.setDistanceUnit(MM)
    hatch.setSubSymbol(symbol(QgsLineSymbol, [simple_line(p["water_hatch"], 0.12, cap=Qt.FlatCap)]))
    root.appendChild(rule(symbol(QgsFillSymbol, [hatch]), None, "hatch", min_scale=5000))
    root.appendChild(rule(symbol(QgsFillSymbol, [outline(p["water_line"], 0.25)]), None, "shoreline"))
    fmt = text_format(p["water_text"], 3.0, p["text_halo"], italic=True, spacing=0.6)
    s = pal("\"name\"", fmt, QgsPalLayerSettings.Horizontal, priority=7, min_scale=10000)
    s.fitInPolygonOnly = True
    return QgsRuleBasedRenderer(root), QgsVectorLayerSimpleLabeling(s)


def style_railways(p: dict) -> tuple:
    root = QgsRuleBasedRenderer.Rule(None)
    tunnel = "coalesce(\"tunnel\", 0) = 1"
    heavy = f"\"kind\" IN ('rail','narrow_gauge','preserved') AND NOT {tunnel}"
    # 标准轨距铁路: black casing, white core, black dashes in the core: the alternating black/white bar
    rail = symbol(QgsLineSymbol, [simple_line(p["rail"], 0.9, cap=Qt.FlatCap),
                          simple_line(p["rail_gap"], 0.55, cap=Qt.FlatCap),
                          simple_line(p["rail"], 0.55, cap=Qt.FlatCap, dash=[6.0, 6.0])])
    root.appendChild(rule(rail, heavy, "rail", min_scale=3000))
    small = symbol(QgsLineSymbol, [simple_line(p["rail_small"], 0.3, cap=Qt.FlatCap)])
    root.appendChild(QgsRuleBasedRenderer.Rule(small, 3000, 0, heavy, "rail, small scales"))
    # tram / light rail: thin line with cross ticks
    ticks = QgsMarkerLineSymbolLayer(True, 3.0)
    ticks.setIntervalUnit(MM)
    ticks.setSubSymbol(marker(QgsSimpleMarkerSymbolLayerBase.Line, p["tram"], 1.2, stroke_w=0.2, angle=0))
    tram = symbol(QgsLineSymbol, [simple_line(p["tram"], 0.25), ticks])
    root.appendChild(rule(tram, f"\"kind\" IN ('tram','light_rail','monorail','funicular') AND NOT {tunnel}",
                          "tram", min_scale=12000))
    root.appendChild(rule(symbol(QgsLineSymbol, [simple_line(p["tunnel_edge"], 0.3, dash=[2.0, 1.2])]),
                          f"{tunnel} OR \"kind\" = 'subway'", "tunnel / subway", min_scale=12000))
    return QgsRuleBasedRenderer(root), None


def style_roads(p: dict) -> tuple:
    root = QgsRuleBasedRenderer.Rule(None)
    not_tunnel = "NOT coalesce(\"tunnel\", 0) = 1"
    # footways and cycleways: single thin dashed lines (小路), only at large scales
    root.appendChild(rule(symbol(QgsLineSymbol, [simple_line(p["footway"], 0.15, dash=[2.0, 0.8])]),
                          f"\"road_class\" = 'footway' AND {not_tunnel}", "footway", min_scale=4000))
    root.appendChild(rule(symbol(QgsLineSymbol, [simple_line(p["cycleway"], 0.18, dash=[2.0, 0.8])]),
                          f"\"road_class\" = 'cycleway' AND {not_tunnel}", "cycleway", min_scale=4000))
    for name, expr, min_mm, fill_key, fill_pass, max_scale in ROAD_CLASSES:
        body = f"max(coalesce(\"width_m\", 4), {mm_to_m(min_mm)})"
        casing = f"{body} + 2 * {mm_to_m(EDGE_MM)}"
        bridge_casing = f"{body} + 2 * {mm_to_m(EDGE_MM * 2.2)}"
        sym = symbol(QgsLineSymbol, [simple_line(p["road_edge"], 1, unit=MAP, width_expr=casing, pass_=1),
                             simple_line(p[fill_key], 1, unit=MAP, width_expr=body, pass_=fill_pass)])
        root.appendChild(rule(sym, f"{expr} AND {not_tunnel} AND NOT coalesce(\"bridge\", 0) = 1", name,
                              min_scale=max_scale))
        bridge = symbol(QgsLineSymbol, [simple_line(p["road_edge"], 1, unit=MAP, width_expr=bridge_casing, pass_=7,
                                            cap=Qt.FlatCap),
                                simple_line(p[fill_key], 1, unit=MAP, width_expr=body, pass_=8, cap=Qt.FlatCap)])
        root.appendChild(rule(bridge, f"{expr} AND coalesce(\"bridge\", 0) = 1", name + " bridge",
                              min_scale=max_scale))
    root.appendChild(rule(symbol(QgsLineSymbol, [simple_line(p["tunnel_edge"], 0.2, dash=[1.5, 1.0])]),
                          "coalesce(\"tunnel\", 0) = 1 AND \"road_class\" NOT IN ('footway','cycleway')",
                          "tunnel", min_scale=8000))
    renderer = QgsRuleBasedRenderer(root)
    renderer.setUsingSymbolLevels(True)
    return renderer, roads_labeling(p)


def roads_labeling(p: dict):
    lroot = QgsRuleBasedLabeling.Rule(None)
    fmt = text_format(p["road_text"], 3.0, p["text_halo"], halo_mm=0.6, spacing=0.35)
    for expr, min_scale, prio in [("\"road_class\" IN ('expressway','arterial','secondary')", 15000, 8),
                                  ("\"road_class\" = 'branch'", 6000, 6),
                                  ("\"road_class\" IN ('lane','pedestrian')", 2500, 4)]:
        s = pal("\"name\"", fmt, QgsPalLayerSettings.Curved, priority=prio, min_scale=min_scale)
        s.repeatDistance = 90
        s.repeatDistanceUnit = MM
        s.maxCurvedCharAngleIn = 25
        s.maxCurvedCharAngleOut = -25
        ls = s.lineSettings()
        ls.setMergeLines(True)
        s.setLineSettings(ls)
        s.thinningSettings().setMinimumFeatureSize(12.0)  # mm: shorter lines get no name
        lroot.appendChild(label_rule(s, f"\"name\" IS NOT NULL AND {expr}", expr))
    return QgsRuleBasedLabeling(lroot)


def style_buildings(p: dict) -> tuple:
    sym = symbol(QgsFillSymbol, [simple_fill(p["building_fill"], p["building_line"], 0.2)])
    root = QgsRuleBasedRenderer.Rule(None)
    root.appendChild(rule(sym, None, "building"))
    fmt = text_format(p["building_text"], 3.0, p["building_fill"], halo_mm=0.3)
    s = pal(BUILDING_NOTE, fmt, QgsPalLayerSettings.OverPoint, priority=3, min_scale=1500)
    s.centroidWhole = True   # the same anchor in every tile that shows the building
    s.centroidInside = True
    s.fitInPolygonOnly = True
    s.obstacleSettings().setIsObstacle(False)
    return QgsRuleBasedRenderer(root), QgsVectorLayerSimpleLabeling(s)


IMPORTANT_POI = ("\"kind\" IN ("
                 "'townhall','school','university','college','hospital','clinic','police','fire_station',"
                 "'library','theatre','cinema','post_office','courthouse','place_of_worship','bus_station',"
                 "'marketplace','government','museum','station','kindergarten','hotel','stadium')")


def style_poi(p: dict) -> tuple:
    dot = marker(QgsSimpleMarkerSymbolLayerBase.Circle, p["poi_dot"], 0.9, stroke=p["text_halo"], stroke_w=0.15)
    root = QgsRuleBasedRenderer.Rule(None)
    not_place = "coalesce(\"category\", '') <> 'place'"
    root.appendChild(rule(dot, f"{not_place} AND ({IMPORTANT_POI})", "important", min_scale=3000))
    root.appendChild(rule(dot.clone(), f"{not_place} AND NOT ({IMPORTANT_POI})", "other", min_scale=700))
    lroot = QgsRuleBasedLabeling.Rule(None)
    for expr, min_scale, prio, size in [(f"{not_place} AND ({IMPORTANT_POI})", 3000, 6, 2.9),
                                        (f"{not_place} AND NOT ({IMPORTANT_POI})", 700, 2, 2.8)]:
        s = pal("\"name\"", text_format(p["text"], size, p["text_halo"]),
                QgsPalLayerSettings.OrderedPositionsAroundPoint, priority=prio, min_scale=min_scale)
        s.dist = 0.8
        s.distUnits = MM
        lroot.appendChild(label_rule(s, expr))
    # place names (neighbourhoods, city blocks): grey, spaced, no dot, mid scales
    s = pal("\"name\"", text_format(p["place_text"], 3.6, p["text_halo"], bold=True, spacing=1.5),
            QgsPalLayerSettings.OverPoint, priority=9, min_scale=20000)
    s.maximumScale = 800
    lroot.appendChild(label_rule(s, "\"category\" = 'place'"))
    return QgsRuleBasedRenderer(root), QgsRuleBasedLabeling(lroot)


STYLERS = {"landuse": style_landuse, "green": style_green, "water": style_water, "railways": style_railways,
           "roads": style_roads, "buildings": style_buildings, "poi_labels": style_poi}
GEOMETRY = {"roads": "LineString", "railways": "LineString", "poi_labels": "Point"}
FIELDS = {
    "buildings": "osm_id:integer&field=name:string&field=building:string&field=levels:integer&field=height_m:double"
                 "&field=structure:string&field=structure_zh:string&field=area_m2:double",
    "roads": "osm_id:integer&field=name:string&field=highway:string&field=road_class:string"
             "&field=road_class_zh:string&field=width_m:double&field=lanes:integer&field=oneway:integer"
             "&field=bridge:integer&field=tunnel:integer&field=footway:string&field=service:string"
             "&field=length_m:double",
    "railways": "osm_id:integer&field=name:string&field=kind:string&field=bridge:integer&field=tunnel:integer"
                "&field=length_m:double",
    "poi_labels": "osm_id:integer&field=name:string&field=kind:string&field=category:string",
    "landuse": "osm_id:integer&field=name:string&field=landuse:string&field=area_m2:double",
}


def write_style(path: Path, name: str, palette: dict) -> None:
    fields = FIELDS.get(name, "osm_id:integer&field=name:string&field=kind:string&field=area_m2:double")
    layer = QgsVectorLayer(f"{GEOMETRY.get(name, 'Polygon')}?crs=EPSG:3857&field={fields}", name, "memory")
    renderer, labeling = STYLERS[name](palette)
    layer.setRenderer(renderer)
    if labeling is not None:
        layer.setLabeling(labeling)
        layer.setLabelsEnabled(True)
    # drop the Python wrappers before the layer (their owner now) is deleted: sip would touch freed memory
    del renderer, labeling
    msg, ok = layer.saveNamedStyle(str(path), CATEGORIES)
    if not ok:
        sys.exit(f"{path}: {msg}")


def main(out: Path = HERE) -> None:
    app = QgsApplication([], False)
    app.initQgis()
    for style, palette in PALETTES.items():
        folder = out / style
        folder.mkdir(parents=True, exist_ok=True)
        for name in LAYERS:
            write_style(folder / f"{name}.qml", name, palette)
        meta = {"background": palette["background"], "layers": LAYERS, "font": FONT,
                "description": "1:500 topographic basemap (GB/T 20257.1 conventions), "
                               + ("day" if style == "day" else "command-hall night") + " palette"}
        (folder / "style.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {folder}")
    app.exitQgis()


if __name__ == "__main__":
    main()
