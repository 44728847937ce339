"""Refreshes resources/translations/occ_zh_CN.ts from the source (pyside6-lupdate) and fills every
message that resources/translations/glossary_zh_CN.csv translates. Run after adding UI strings:

    .venv/bin/python scripts/update_translations.py

It prints the strings still untranslated; add them to the glossary and run it again.
"""
from __future__ import annotations

import csv
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "resources" / "translations" / "occ_zh_CN.ts"
GLOSSARY = ROOT / "resources" / "translations" / "glossary_zh_CN.csv"


def main() -> int:
    sources = sorted(str(p) for p in (ROOT / "app").rglob("*.py"))
    lupdate = Path(sys.executable).parent / "pyside6-lupdate"
    subprocess.run([str(lupdate), *sources, "-ts", str(TS), "-no-obsolete", "-source-language", "en",
                    "-target-language", "zh_CN", "-silent"], check=True)
    with open(GLOSSARY, encoding="utf-8") as f:
        glossary = {r["source"]: r["zh_CN"] for r in csv.DictReader(f)}
    tree = ET.parse(TS)
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
