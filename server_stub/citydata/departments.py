"""Departments and the class -> department responsibility tables (data in resources/city/).

- departments.csv: professional departments, government bureaus and maintenance contractors
  (code, key, Chinese and English name, kind = utility/government/maintenance). Each street (街道)
  adds its street office (街道办事处) coded ``S<street>``, e.g. S001. In the package the table has
  the loader's columns: kind = professional | street_office, category = the finer kind,
  region_code = the street office's 9-digit street code.
- component_departments.csv: for every component minor class its competent authority (主管部门),
  owner (权属单位) and maintainer (养护单位). Component problems go to the owner first, then the
  locality (先属主后属地).
- event_departments.csv: for every event minor class who gets it first -- ``locality`` (the street
  office of the grid's street: 先属地后属主) or a department code (emergencies go straight to the
  owning utility) -- and the owning professional department.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from app.domain.classification import Classification, Kind

from .profile import city_resources

LOCALITY = "locality"


@dataclass
class Departments:
    departments: pd.DataFrame             # code, key, name, name_en, kind, category, region_code
    component_responsibility: pd.DataFrame  # class_code, class_name, authority, owner, maintainer
    event_responsibility: pd.DataFrame      # event_code, event_name, first, owner, note

    def owner(self, class_code: str) -> str:
        return self._comp().loc[class_code, "owner"]

    def maintainer(self, class_code: str) -> str:
        return self._comp().loc[class_code, "maintainer"]

    def authority(self, class_code: str) -> str:
        return self._comp().loc[class_code, "authority"]

    def _comp(self) -> pd.DataFrame:
        return self.component_responsibility.set_index("class_code")

    def event_first(self, event_code: str, street_code: str) -> str:
        """Department that gets an event of this class in this street first (先属地后属主)."""
        row = self.event_responsibility.set_index("event_code").loc[event_code]
        return f"S{street_code[-3:]}" if row["first"] == LOCALITY else row["first"]


def _read(path: Path) -> pd.DataFrame:
    with open(path, encoding="utf-8") as f:
        return pd.DataFrame(list(csv.DictReader(f))).fillna("")


def load_departments(street_offices: list[tuple[str, str]] | None = None,
                     directory: str | Path | None = None,
                     classification: Classification | None = None) -> Departments:
    """Load and cross-check the tables; ``street_offices`` = [(9-digit street code, street name)]."""
    d = Path(directory) if directory else city_resources()
    cls = classification or Classification.load()
    depts = _read(d / "departments.csv").rename(columns={"kind": "category"})
    depts["kind"] = "professional"
    depts["region_code"] = ""
    if depts.code.duplicated().any():
        raise ValueError(f"duplicate department codes: {sorted(depts.code[depts.code.duplicated()])}")
    offices = [{"code": f"S{code[-3:]}", "key": f"street_office_{code[-3:]}", "name_zh": f"{name}办事处",
                "name_en": f"street office {code[-3:]}", "category": LOCALITY, "kind": "street_office",
                "region_code": code}
               for code, name in (street_offices or [])]
    depts = pd.concat([depts, pd.DataFrame(offices, columns=depts.columns)], ignore_index=True)
    known = set(depts.code)

    comp = _read(d / "component_departments.csv")
    for col in ("authority", "owner", "maintainer"):
        bad = set(comp[col]) - known
        if bad:
            raise ValueError(f"component_departments.csv: unknown {col} departments {sorted(bad)}")
    comp["class_name"] = [cls.get(Kind.COMPONENT, c).name for c in comp.class_code]
    missing = {c.code for c in cls.classes(Kind.COMPONENT)} - set(comp.class_code)
    if missing:
        raise ValueError(f"component_departments.csv: no departments for classes {sorted(missing)}")

    ev = _read(d / "event_departments.csv")
    bad = (set(ev["first"]) - known - {LOCALITY}) | (set(ev["owner"]) - known)
    if bad:
        raise ValueError(f"event_departments.csv: unknown departments {sorted(bad)}")
    ev["event_name"] = [cls.get(Kind.EVENT, c).name for c in ev.event_code]
    return Departments(
        departments=depts.rename(columns={"name_zh": "name"})[
            ["code", "key", "name", "name_en", "kind", "category", "region_code"]],
        component_responsibility=comp[["class_code", "class_name", "authority", "owner", "maintainer"]],
        event_responsibility=ev[["event_code", "event_name", "first", "owner", "note"]])
