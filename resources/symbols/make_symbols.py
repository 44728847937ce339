"""Generate the component symbols: one SVG per minor class (resources/symbols/<code>.svg) + index.csv.

    .venv/bin/python resources/symbols/make_symbols.py

Each symbol is 24x24: a shape per major class (round covers, square boxes, blue traffic plates,
brown environment hexagons, green circles, purple house squares, grey diamonds) in a colour per
utility (manhole covers follow the pipeline colours of CJJ 61: water sky blue, drainage brown,
power red, telecom green, gas pink, heat orange), with a glyph: pipeline letters (JS, WS, YS, DL,
...) on covers, a pictogram for the common objects (lamp, tree, bin, hydrant, traffic light, sign,
camera, bench, toilet, parking) and one Chinese character otherwise. Text is turned into SVG paths
here, so the symbols do not depend on the fonts of the machine that shows them.

index.csv gives code, name, colour (the dot / density colour of the class) and file.

On the command hall's map red, yellow and green mean a case's deadline band and nothing else: every
colour of a symbol passes through `calm`, which moves saturated reds to purple, oranges to brown,
yellows to slate and greens to blue-grey (pipeline colours keep their order, only their hue family
changes), and traffic signs are blue plates, not red warning triangles.
"""
from __future__ import annotations

import colorsys
import csv
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLASSES = HERE.parent / "classification" / "component_classes.csv"

# code: (shape, fill, glyph)   glyph = "txt:XX" | "pic:name"
MAJOR_SHAPE = {"01": "square", "02": "plate", "03": "hexagon", "04": "circle", "05": "house", "06": "diamond"}
MAJOR_COLOR = {"01": "#5b6b7a", "02": "#1565c0", "03": "#8d6e63", "04": "#2e7d32", "05": "#7b1fa2",
               "06": "#546e7a"}

COVERS = {  # manhole covers: pipeline letters and colours (CJJ 61)
    "0101": ("JS", "#0094d9"), "0102": ("WS", "#7b4a1e"), "0103": ("YS", "#a86b32"),
    "0105": ("DL", "#e00012"), "0106": ("LD", "#f06000"), "0107": ("TX", "#12913f"),
    "0108": ("DS", "#5a9e1b"), "0109": ("WL", "#0c7c59"), "0110": ("RL", "#f39800"),
    "0111": ("RQ", "#e4007f"), "0112": ("GA", "#1d2088"), "0114": ("?", "#777777"),
    "0127": ("ZS", "#00a29a"), "0128": ("GJ", "#0068b7"), "0129": ("SY", "#a40050"),
    "0130": ("TS", "#5e5e5e"),
}

SPECIAL = {  # code: (shape, fill, glyph)
    "0104": ("grate", "#7b4a1e", ""),
    "0113": ("none", "#d81e06", "pic:hydrant"),
    "0115": ("square", "#12913f", "txt:交"),
    "0116": ("square", "#e00012", "pic:bolt"),
    "0117": ("none", "#455a64", "pic:pole"),
    "0118": ("none", "#f2b600", "pic:lamp"),
    "0119": ("none", "#f2b600", "pic:groundlight"),
    "0120": ("none", "#e6a100", "pic:landscapelight"),
    "0133": ("none", "#e00012", "pic:pylon"),
    "0134": ("square", "#e00012", "pic:bolt"),
    "0136": ("none", "#37474f", "pic:camera"),
    "0201": ("plate", "#1565c0", "txt:P"),
    "0202": ("plate", "#1565c0", "txt:P$"),
    "0209": ("plate", "#1565c0", "txt:标"),  # a blue plate: a red ⚠ would read as an alarm
    "0210": ("none", "#263238", "pic:trafficlight"),
    "0301": ("square", "#0277bd", "txt:WC"),
    "0305": ("none", "#2e7d32", "pic:bin"),
    "0401": ("none", "#1b5e20", "pic:oldtree"),
    "0402": ("none", "#43a047", "pic:tree"),
    "0407": ("none", "#6d4c41", "pic:bench"),
    "0410": ("none", "#0288d1", "pic:fountain"),
}

GLYPH_CHAR = {  # one character for the rest (the salient one of the Chinese name)
    "0121": "报", "0122": "话", "0123": "邮", "0124": "信", "0125": "售", "0126": "健", "0131": "井",
    "0132": "水", "0135": "气", "0137": "亭", "0138": "警", "0203": "公", "0204": "租", "0205": "桥",
    "0206": "地", "0207": "立", "0208": "桥", "0211": "栏", "0212": "车", "0213": "名", "0214": "信",
    "0215": "屏", "0216": "隔", "0217": "岗", "0302": "粪", "0303": "厕", "0304": "垃", "0306": "灯",
    "0307": "广", "0308": "环", "0309": "气", "0310": "污", "0311": "噪", "0403": "护", "0404": "花",
    "0405": "绿", "0406": "雕", "0408": "栏", "0409": "维", "0501": "宣", "0502": "防", "0503": "房",
    "0601": "危", "0602": "工", "0603": "水", "0604": "栏", "0605": "港", "0606": "墙",
}

OUTLINE = "#1a1a1a"
HEX = re.compile(r"#[0-9a-fA-F]{6}\b")
CALM = ((15, "#6a1b9a"), (45, "#5d4037"), (70, "#546e7a"), (170, "#455a64"), (330, None), (361, "#6a1b9a"))


def calm(colour: str) -> str:
    """A symbol colour that cannot be mistaken for a deadline band (red / yellow / green)."""
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    h, s, v = colorsys.rgb_to_hsv(r, g, b)
    if s < 0.35 or v < 0.25:
        return colour  # greys, whites, near-blacks
    hue = h * 360
    for upto, new in CALM:
        if hue < upto:
            return new or colour  # blues and purples stay
    return colour


def calm_svg(svg: str) -> str:
    return HEX.sub(lambda m: calm(m.group(0)), svg)


def shape_svg(shape: str, fill: str) -> str:
    st = f'fill="{fill}" stroke="#ffffff" stroke-width="1.6"'
    halo = f'fill="none" stroke="{OUTLINE}" stroke-opacity="0.55" stroke-width="0.8"'
    if shape == "circle":
        return f'<circle cx="12" cy="12" r="10.2" {st}/><circle cx="12" cy="12" r="11.2" {halo}/>'
    if shape == "square":
        return f'<rect x="2.2" y="2.2" width="19.6" height="19.6" rx="2" {st}/>' \
               f'<rect x="1.3" y="1.3" width="21.4" height="21.4" rx="2.6" {halo}/>'
    if shape == "plate":
        return f'<rect x="2" y="2" width="20" height="20" rx="5" {st}/>' \
               f'<rect x="1.1" y="1.1" width="21.8" height="21.8" rx="5.6" {halo}/>'
    if shape == "hexagon":
        pts = "12,1.5 21.2,6.8 21.2,17.2 12,22.5 2.8,17.2 2.8,6.8"
        return f'<polygon points="{pts}" {st}/>'
    if shape == "house":
        pts = "12,1.8 22,10 22,22 2,22 2,10"
        return f'<polygon points="{pts}" {st}/>'
    if shape == "diamond":
        pts = "12,1 23,12 12,23 1,12"
        return f'<polygon points="{pts}" {st}/>'
    if shape == "cover":
        return (f'<circle cx="12" cy="12" r="10.4" {st}/><circle cx="12" cy="12" r="11.3" {halo}/>'
                f'<circle cx="12" cy="12" r="8.3" fill="none" stroke="#ffffff" stroke-opacity="0.6" '
                f'stroke-width="0.7"/>')
    if shape == "grate":
        bars = "".join(f'<line x1="{x}" y1="6.5" x2="{x}" y2="17.5" stroke="#ffffff" stroke-width="1.4"/>'
                       for x in (7, 10, 13, 16))
        return (f'<rect x="2.5" y="4" width="19" height="16" rx="1.5" fill="{fill}" stroke="#ffffff" '
                f'stroke-width="1.4"/>' + bars)
    return ""


PICTOS = {
    "hydrant": lambda c: (
        f'<rect x="7" y="7" width="10" height="14" rx="2" fill="{c}" stroke="#fff" stroke-width="1.2"/>'
        f'<rect x="3.5" y="11" width="17" height="4" rx="1.5" fill="{c}" stroke="#fff" stroke-width="1.2"/>'
        f'<path d="M7.5 7.5 Q12 1.5 16.5 7.5 Z" fill="{c}" stroke="#fff" stroke-width="1.2"/>'
        f'<circle cx="12" cy="13" r="1.8" fill="#fff"/>'),
    "bolt": lambda c: '<path d="M13.5 4 L7 13.2 H11.3 L10.2 20 L17 10.6 H12.6 Z" fill="#ffeb3b"/>',
    "pole": lambda c: (f'<circle cx="12" cy="12" r="7" fill="#ffffff" stroke="{c}" stroke-width="2.6"/>'
                       f'<circle cx="12" cy="12" r="3" fill="{c}"/>'),
    "lamp": lambda c: (
        '<g stroke="#7a5b00" stroke-width="1.5" stroke-linecap="round">'
        + "".join(f'<line x1="{12 + 7.5 * dx:.2f}" y1="{12 + 7.5 * dy:.2f}" x2="{12 + 10.5 * dx:.2f}" '
                  f'y2="{12 + 10.5 * dy:.2f}"/>'
                  for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1), (.707, .707), (-.707, .707), (.707, -.707),
                                 (-.707, -.707)))
        + f'</g><circle cx="12" cy="12" r="6" fill="{c}" stroke="#7a5b00" stroke-width="1.4"/>'
        '<circle cx="12" cy="12" r="2.2" fill="#fff8d0"/>'),
    "groundlight": lambda c: (f'<circle cx="12" cy="12" r="9" fill="#fff8d0" stroke="#7a5b00" stroke-width="1.4"/>'
                              f'<circle cx="12" cy="12" r="5" fill="{c}"/>'),
    "landscapelight": lambda c: (
        f'<path d="M12 1.8 L14.6 8.6 L21.8 9.2 L16.3 13.8 L18.1 20.9 L12 17 L5.9 20.9 L7.7 13.8 '
        f'L2.2 9.2 L9.4 8.6 Z" fill="{c}" stroke="#7a5b00" stroke-width="1.2" stroke-linejoin="round"/>'),
    "pylon": lambda c: (
        f'<path d="M12 2 L18 22 M12 2 L6 22 M8.2 15 H15.8 M9.4 10 H14.6 M4 7 H20 M7 18.5 L15.6 14 M17 18.5 '
        f'L8.4 14" stroke="{c}" stroke-width="1.7" fill="none" stroke-linecap="round"/>'),
    "camera": lambda c: (
        f'<rect x="2.5" y="7" width="14" height="9" rx="1.5" fill="{c}" stroke="#fff" stroke-width="1.2"/>'
        f'<path d="M16.5 9.5 L21.5 7 V16 L16.5 13.5 Z" fill="{c}" stroke="#fff" stroke-width="1.2"/>'
        f'<circle cx="8" cy="11.5" r="2.3" fill="#ff5252"/>'
        f'<line x1="9.5" y1="16" x2="9.5" y2="21" stroke="{c}" stroke-width="2"/>'),
    "sign": lambda c: (
        f'<path d="M12 2.5 L22 20.5 H2 Z" fill="#ffffff" stroke="{c}" stroke-width="2.4" stroke-linejoin="round"/>'
        f'<rect x="11" y="8.5" width="2" height="6.5" fill="#222"/><rect x="11" y="16.3" width="2" height="2" '
        f'fill="#222"/>'),
    "trafficlight": lambda c: (
        f'<rect x="7" y="1.5" width="10" height="21" rx="3" fill="{c}" stroke="#fff" stroke-width="1.2"/>'
        '<circle cx="12" cy="6.2" r="2.4" fill="#ff3b30"/><circle cx="12" cy="12" r="2.4" fill="#ffcc00"/>'
        '<circle cx="12" cy="17.8" r="2.4" fill="#34c759"/>'),
    "bin": lambda c: (
        f'<path d="M6 8 H18 L16.6 21.5 H7.4 Z" fill="{c}" stroke="#fff" stroke-width="1.2" stroke-linejoin="round"/>'
        f'<rect x="4.5" y="5" width="15" height="3" rx="1" fill="{c}" stroke="#fff" stroke-width="1.2"/>'
        f'<rect x="10" y="2.6" width="4" height="2.4" rx="0.8" fill="{c}"/>'
        '<path d="M10 11 V19 M14 11 V19" stroke="#fff" stroke-width="1.1"/>'),
    "tree": lambda c: (f'<circle cx="12" cy="12" r="9.5" fill="{c}" fill-opacity="0.9" stroke="#1b5e20" '
                       f'stroke-width="1.3"/>'
                       '<circle cx="12" cy="12" r="2" fill="#5d4037"/>'
                       '<path d="M12 5.5 V9 M12 15 V18.5 M5.5 12 H9 M15 12 H18.5" stroke="#c8e6c9" '
                       'stroke-width="1"/>'),
    "oldtree": lambda c: (f'<circle cx="12" cy="12" r="10" fill="{c}" stroke="#c9a227" stroke-width="2"/>'
                          '<path d="M12 5 L13.8 10.2 L19 10.4 L14.8 13.6 L16.3 18.8 L12 15.7 L7.7 18.8 L9.2 13.6 '
                          'L5 10.4 L10.2 10.2 Z" fill="#ffd54f"/>'),
    "bench": lambda c: (f'<rect x="3" y="8" width="18" height="3" rx="1" fill="{c}" stroke="#fff" stroke-width="0.9"/>'
                        f'<rect x="3" y="12.5" width="18" height="3" rx="1" fill="{c}" stroke="#fff" '
                        f'stroke-width="0.9"/><path d="M5.5 15.5 V20 M18.5 15.5 V20" stroke="{c}" '
                        f'stroke-width="2"/>'),
    "fountain": lambda c: (f'<circle cx="12" cy="12" r="10" fill="#e1f5fe" stroke="{c}" stroke-width="1.8"/>'
                           f'<path d="M12 18 V8 M12 9 Q7 6 6.5 14 M12 9 Q17 6 17.5 14" stroke="{c}" '
                           f'stroke-width="1.8" fill="none" stroke-linecap="round"/>'
                           f'<path d="M6 17.5 H18" stroke="{c}" stroke-width="2" stroke-linecap="round"/>'),
}


def text_path(text: str, box: float = 24.0, max_h: float = 11.5, max_w: float = 15.5) -> str:
    """SVG path data of ``text``, centred in the box (needs PySide6 and a CJK font at build time)."""
    from PySide6.QtGui import QFont, QPainterPath

    f = QFont()
    f.setFamilies(["Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "DejaVu Sans"])
    f.setPixelSize(100)
    f.setBold(True)
    p = QPainterPath()
    p.addText(0, 0, f, text)
    r = p.boundingRect()
    s = min(max_h / r.height(), max_w / r.width())
    ox = box / 2 - (r.x() + r.width() / 2) * s
    oy = box / 2 - (r.y() + r.height() / 2) * s
    out = []
    i = 0
    n = p.elementCount()
    while i < n:
        e = p.elementAt(i)
        X = lambda el: f"{el.x * s + ox:.2f} {el.y * s + oy:.2f}"  # noqa: E731
        if e.isMoveTo():
            out.append("M" + X(e))
            i += 1
        elif e.isLineTo():
            out.append("L" + X(e))
            i += 1
        else:  # CurveTo followed by two CurveToData
            c1, c2 = p.elementAt(i + 1), p.elementAt(i + 2)
            out.append("C" + X(e) + " " + X(c1) + " " + X(c2))
            i += 3
    return " ".join(out) + " Z"


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (fonts need it)
    rows = list(csv.DictReader(open(CLASSES, encoding="utf-8")))
    index = []
    for r in rows:
        code, major, name = r["minor_code"], r["major_code"], r["minor_name"]
        if code in COVERS:
            letters, color = COVERS[code]
            body = shape_svg("cover", color) + f'<path d="{text_path(letters, max_h=8.5, max_w=13)}" fill="#ffffff"/>'
        elif code in SPECIAL:
            shape, color, glyph = SPECIAL[code]
            body = shape_svg(shape, color)
            if glyph.startswith("pic:"):
                body += PICTOS[glyph[4:]](color)
            elif glyph.startswith("txt:"):
                t = glyph[4:]
                body += f'<path d="{text_path(t, max_h=11 if len(t) == 1 else 9)}" fill="#ffffff"/>'
        else:
            color = MAJOR_COLOR.get(major, "#546e7a")
            shape = MAJOR_SHAPE.get(major, "diamond")
            ch = GLYPH_CHAR.get(code, name[:1])
            mh = 10.5 if shape not in ("diamond", "hexagon") else 9.0
            dy = ' transform="translate(0 1.6)"' if shape == "house" else ""
            body = shape_svg(shape, color) + f'<path d="{text_path(ch, max_h=mh, max_w=mh)}" fill="#ffffff"{dy}/>'
        svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24">\n'
               f'<title>{code} {name} {r["minor_en"]}</title>\n{body}\n</svg>\n')
        (HERE / f"{code}.svg").write_text(calm_svg(svg), encoding="utf-8")
        index.append({"code": code, "name": name, "name_en": r["minor_en"], "color": calm(color),
                      "file": f"{code}.svg"})
    default = (f'<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24">\n'
               f'<title>unknown component class</title>\n{shape_svg("diamond", "#78909c")}'
               f'<path d="{text_path("?", max_h=10)}" fill="#ffffff"/>\n</svg>\n')
    (HERE / "default.svg").write_text(default, encoding="utf-8")
    with open(HERE / "index.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["code", "name", "name_en", "color", "file"])
        w.writeheader()
        w.writerows(index)
    print(f"wrote {len(index)} symbols to {HERE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
