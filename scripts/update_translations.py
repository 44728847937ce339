"""Refreshes resources/translations/occ_zh_CN.ts from the source (pyside6-lupdate) and fills every
message that resources/translations/glossary_zh_CN.csv translates. Run after adding UI strings:

    .venv/bin/python scripts/update_translations.py

It prints the strings still untranslated; add them to the glossary and run it again.
"""
from __future__ import annotations

import csv
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "resources" / "translations" / "occ_zh_CN.ts"
GLOSSARY = ROOT / "resources" / "translations" / "glossary_zh_CN.csv"


DYNAMIC_CONTEXT = re.compile(r'(?:translate|_t)\(\s*"([A-Za-z]+)"\s*,')
STRING = re.compile(r'"((?:[^"\\\n]|\\.)+)"')


def add_dynamic_messages(tree: ET.ElementTree, glossary: dict[str, str]) -> None:
    """Strings translated through a variable (labels from tables: states, sources, column titles)
    are invisible to lupdate. For each file that translates with a literal context and a variable
    text, every string literal of that file that the glossary knows becomes a message of that
    context."""
    root = tree.getroot()
    contexts = {c.findtext("name"): c for c in root.iter("context")}
    for path in sorted((ROOT / "app").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        names = set(DYNAMIC_CONTEXT.findall(text))
        if not names:
            continue
        literals = {m for m in STRING.findall(text) if m in glossary}
        for name in names:
            ctx = contexts.get(name)
            if ctx is None:
                ctx = ET.SubElement(root, "context")
                ET.SubElement(ctx, "name").text = name
                contexts[name] = ctx
            have = {m.findtext("source") for m in ctx.iter("message")}
            for lit in sorted(literals - have):
                msg = ET.SubElement(ctx, "message")
                ET.SubElement(msg, "source").text = lit
                ET.SubElement(msg, "translation").text = glossary[lit]


def main() -> int:
    sources = sorted(str(p) for p in (ROOT / "app").rglob("*.py"))
    lupdate = Path(sys.executable).parent / "pyside6-lupdate"
    subprocess.run([str(lupdate), *sources, "-ts", str(TS), "-no-obsolete", "-source-language", "en",
                    "-target-language", "zh_CN", "-silent"], check=True)
    with open(GLOSSARY, encoding="utf-8") as f:
        glossary = {r["source"]: r["zh_CN"] for r in csv.DictReader(f)}
    tree = ET.parse(TS)
    add_dynamic_messages(tree, glossary)
    missing = set()
    for msg in tree.iter("message"):
        src = msg.findtext("source") or ""
        tr = msg.find("translation")
        if src in glossary:
            tr.text = glossary[src]
            tr.attrib.pop("type", None)
        elif not (tr.text or "").strip():
            missing.add(src)
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    subprocess.run([str(Path(sys.executable).parent / "pyside6-lrelease"), str(TS), "-qm",
                    str(TS.with_suffix(".qm")), "-silent"], check=True)
    for s in sorted(missing):
        print(f"untranslated: {s}")
    print(f"{TS.name}: {len(missing)} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
