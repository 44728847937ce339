"""The city profile: what a build needs to know that the OSM data does not say.

A profile is a JSON file (resources/city/demo_city.json, default_city.json); command-line options
override single fields. The admin code is checked with the domain's GridCode parser.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path

from app.domain.codes import CodeError, GridCode
from app.domain.resources import resources_dir


def city_resources() -> Path:
    return resources_dir() / "city"


@dataclass(frozen=True)
class PartitionParams:
    target_cell_m2: float = 10_000
    split_above_m2: float = 15_000   # cells larger than this are bisected
    min_cell_m2: float = 5_000       # smaller cells are merged when the result stays <= max_cell_m2
    max_cell_m2: float = 20_000
    sliver_m2: float = 2_000         # smaller cells are always merged
    cells_per_community: int = 45
    communities_per_street: int = 6
    cells_per_resp_grid: int = 18


@dataclass(frozen=True)
class ComponentParams:
    target_density_per_km2: float = 3_000
    min_density_per_km2: float = 2_000
    max_density_per_km2: float = 4_000
    max_spacing_scale: float = 2.0   # synthesis spacings move at most this factor towards the target


@dataclass(frozen=True)
class CityProfile:
    name: str
    admin_code: str
    name_en: str = ""
    district_name: str = ""
    seed: int = 20240601
    survey_date: str = "2024-06-01"
    stream_base: str = "{stream_base}"
    partition: PartitionParams = field(default_factory=PartitionParams)
    components: ComponentParams = field(default_factory=ComponentParams)
    street_names: tuple[str, ...] = ()
    community_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_admin_code(self.admin_code)

    def street_name(self, i: int) -> str:
        """Name of the i-th street (0-based)."""
        if i < len(self.street_names):
            return self.street_names[i]
        return f"第{i + 1}街道"

    def community_name(self, i: int) -> str:
        if i < len(self.community_names):
            return self.community_names[i]
        return f"第{i + 1}社区"


def check_admin_code(code: str) -> str:
    if not (isinstance(code, str) and len(code) == 6 and code.isdigit()):
        raise ValueError(f"admin code {code!r} is not a 6-digit GB/T 2260 county code")
    try:
        GridCode.parse(f"{code}001001001")
    except CodeError as e:
        raise ValueError(f"admin code {code!r} is not a 6-digit GB/T 2260 county code: {e}") from None
    return code


def _sub(cls, data: dict | None):
    data = dict(data or {})
    known = {f.name for f in fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown {cls.__name__} keys in profile: {sorted(unknown)}")
    return cls(**data)


def load_profile(path: str | Path | None = None, *, demo: bool = False, **overrides) -> CityProfile:
    """Load a profile JSON (default: demo_city.json with ``demo``, else default_city.json).

    ``overrides`` (name, admin_code, seed, ...) replace top-level fields when not None.
    """
    if path is None:
        path = city_resources() / ("demo_city.json" if demo else "default_city.json")
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    for k, v in overrides.items():
        if v is not None:
            data[k] = v
    data["partition"] = _sub(PartitionParams, data.get("partition"))
    data["components"] = _sub(ComponentParams, data.get("components"))
    data["street_names"] = tuple(data.get("street_names") or ())
    data["community_names"] = tuple(data.get("community_names") or ())
    known = {f.name for f in fields(CityProfile)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown profile keys in {path}: {sorted(unknown)}")
    return CityProfile(**data)
