"""Builds resources/classification/filing_conditions.csv: the real per-class limits from
shared/domain/time_limit_examples.csv, and a default condition for every class they do not cover.

Run once when the shared tables change; a city replaces the generated file with its own.
"""
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "classification" / "filing_conditions.csv"
EXAMPLES = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "domain" / "time_limit_examples.csv"


def default_conditions(kind: str, code: str, name: str) -> list[tuple]:
    if kind == "component" and "井盖" in name:
        return [("缺失、移位，存在安全隐患", 2, "urgent_hour", "恢复"),
                ("破损、松动，影响使用", 5, "work_day", "更换或修复")]
    if kind == "component":
        return [("破损、缺失、污损，影响使用或安全", 5, "work_day", "修复或更换")]
    if code.startswith("04"):  # emergencies
        return [("发生突发事件，影响通行或安全", 2, "urgent_hour", "排除险情")]
    return [("发现即立案", 1, "work_day", "处置完毕")]


def main() -> None:
    rows = []
    covered = set()
    with open(EXAMPLES, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            covered.add((r["kind"], r["minor_code"]))
            rows.append((r["kind"], r["minor_code"], r["filing_condition"], r["limit_value"],
                         r["limit_type"], r["closing_condition"], r["city"]))
    for kind, fname in (("component", "component_classes.csv"), ("event", "event_classes.csv")):
        with open(ROOT / "resources" / "classification" / fname, encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if (kind, r["minor_code"]) in covered:
                    continue
                for cond in default_conditions(kind, r["minor_code"], r["minor_name"]):
                    rows.append((kind, r["minor_code"], cond[0], cond[1], cond[2], cond[3], "default"))
    rows.sort(key=lambda r: (r[0], r[1]))
    with open(OUT, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kind", "minor_code", "filing_condition", "limit_value", "limit_type",
                    "closing_condition", "source"])
        w.writerows(rows)
    print(f"{len(rows)} filing conditions -> {OUT}")


if __name__ == "__main__":
    main()
