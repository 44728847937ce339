"""The classification of problems: component and event minor classes, their filing conditions
(立案条件) with time limits and closing conditions (结案条件).

It is data, loaded per city: the shipped default is resources/classification/; a city passes its
own directory with the same three CSV files.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from .clocks import ClockType
from .resources import resources_dir


class Kind(StrEnum):
    COMPONENT = "component"  # 部件
    EVENT = "event"  # 事件


@dataclass(frozen=True)
class FilingCondition:
    id: str  # stable within one classification: "<kind>-<minor>-<n>"
    kind: Kind
    minor_code: str
    text: str
    limit_value: float
    limit_type: ClockType
    closing_condition: str
    source: str = ""


@dataclass(frozen=True)
class MinorClass:
    kind: Kind
    major_code: str
    major_name: str
    major_en: str
    code: str  # 4 digits: major + minor, as in the tables and in component IDs
    name: str
    name_en: str
    conditions: tuple[FilingCondition, ...] = field(default=(), compare=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind.value, self.code)


class ClassificationError(ValueError):
    pass


class Classification:
    """Lookup of minor classes keyed by (kind, code)."""

    def __init__(self, classes: list[MinorClass]):
        self._by_key: dict[tuple[str, str], MinorClass] = {c.key: c for c in classes}
        self._conditions: dict[str, FilingCondition] = {
            fc.id: fc for c in classes for fc in c.conditions}

    @classmethod
    def load(cls, directory: str | Path | None = None) -> "Classification":
        d = Path(directory) if directory else resources_dir() / "classification"
        conds: dict[tuple[str, str], list[FilingCondition]] = {}
        with open(d / "filing_conditions.csv", encoding="utf-8") as f:
            for lineno, r in enumerate(csv.DictReader(f), start=2):
                try:
                    kind = Kind(r["kind"])
                    key = (kind.value, r["minor_code"])
                    n = len(conds.setdefault(key, [])) + 1
                    conds[key].append(FilingCondition(
                        id=f"{kind.value}-{r['minor_code']}-{n}", kind=kind, minor_code=r["minor_code"],
                        text=r["filing_condition"], limit_value=float(r["limit_value"]),
                        limit_type=ClockType(r["limit_type"]), closing_condition=r["closing_condition"],
                        source=r.get("source", "") or ""))
                except (KeyError, ValueError) as e:
                    raise ClassificationError(f"filing_conditions.csv line {lineno}: {e}") from e
        classes: list[MinorClass] = []
        for kind, fname in ((Kind.COMPONENT, "component_classes.csv"), (Kind.EVENT, "event_classes.csv")):
            with open(d / fname, encoding="utf-8") as f:
                for r in csv.DictReader(f):
                    code = r["minor_code"]
                    classes.append(MinorClass(
                        kind=kind, major_code=r["major_code"], major_name=r["major_name"],
                        major_en=r.get("major_en", ""), code=code, name=r["minor_name"],
                        name_en=r.get("minor_en", ""),
                        conditions=tuple(conds.get((kind.value, code), ()))))
        return cls(classes)

    def classes(self, kind: Kind | str | None = None) -> list[MinorClass]:
        return [c for c in self._by_key.values() if kind is None or c.kind == Kind(kind)]

    def get(self, kind: Kind | str, code: str) -> MinorClass:
        try:
            return self._by_key[(Kind(kind).value, code)]
        except (KeyError, ValueError):
            raise ClassificationError(f"unknown {kind} class {code!r}") from None

    def find(self, kind: Kind | str, code: str) -> MinorClass | None:
        return self._by_key.get((str(kind), code))

    def condition(self, condition_id: str) -> FilingCondition:
        try:
            return self._conditions[condition_id]
        except KeyError:
            raise ClassificationError(f"unknown filing condition {condition_id!r}") from None

    def __len__(self) -> int:
        return len(self._by_key)
