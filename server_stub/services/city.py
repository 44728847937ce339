"""The city package the server serves: a directory with city.json (the profile: name, admin code,
projected CRS, extent, attribution) and city.gpkg (basemap, grids, components). By default
<data_dir>/city; the demo loader and the importer write it there (or set ctx.extras["city_dir"])."""
from __future__ import annotations

import json
from pathlib import Path

from ..context import ServerContext


def city_dir(ctx: ServerContext) -> Path:
    return Path(ctx.extras.get("city_dir") or ctx.settings.data_dir / "city")


def set_city(ctx: ServerContext, directory: Path) -> None:
    ctx.extras["city_dir"] = str(directory)
    ctx.extras.pop("city_profile", None)


def profile(ctx: ServerContext) -> dict | None:
    cached = ctx.extras.get("city_profile")
    if cached is not None:
        return cached
    path = city_dir(ctx) / "city.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    ctx.extras["city_profile"] = data
    return data


def package_path(ctx: ServerContext) -> Path | None:
    p = city_dir(ctx) / "city.gpkg"
    return p if p.exists() else None
