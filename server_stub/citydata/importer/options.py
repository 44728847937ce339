"""What the user asked for (ImportOptions) and what the write phase will do (Plan)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


# ---------------------------------------------------------------- options and the plan
@dataclass
class ImportOptions:
    grids: str | Path
    grids_layer: str | None = None
    components: str | Path | None = None
    components_layer: str | None = None
    departments: str | Path | None = None
    departments_layer: str | None = None
    responsibility_grids: str | Path | None = None
    responsibility_grids_layer: str | None = None
    crs: str | None = None  # CRS of files that have none (or override theirs)
    area_crs: str | None = None  # metric CRS for areas instead of the automatic choice
    admin: str | None = None
    encoding: str | None = None
    replace: bool = False
    skip_rejected: bool = False
    create_departments: bool = False
    dry_run: bool = False
    new_city: bool = False  # the data may lie anywhere (else it must lie where the database's city is)


@dataclass
class Plan:
    """What the write phase does; built by validation without touching the database."""
    admins: set[str] = field(default_factory=set)
    departments: list[dict] = field(default_factory=list)
    responsibility_grids: dict[str, dict] = field(default_factory=dict)  # code -> {name, inspector}
    grids: list[dict] = field(default_factory=list)
    components: list[dict] = field(default_factory=list)


class DryRun(Exception):
    pass
