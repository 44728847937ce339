"""Groups of cameras for tours: all cameras of a unit grid, a responsibility grid, a community or a
street, found through each camera's unit-grid code (6 district + 3 street + 3 community + 3). Qt-free."""
from __future__ import annotations

KINDS = ("unit_grid", "responsibility_grid", "community", "street")


def _code(cam: dict) -> str:
    return str(cam.get("grid_code") or "")


def options(kind: str, cameras: list[dict], names: dict[str, str],
            responsibility: list[dict] | None = None) -> list[tuple[str, str]]:
    """(code, label) of every group of this kind that holds at least one camera."""
    codes = [_code(c) for c in cameras if _code(c)]
    if kind == "unit_grid":
        found = sorted(set(codes))
        return [(g, g) for g in found]
    if kind in ("community", "street"):
        n = 12 if kind == "community" else 9
        found = sorted({g[:n] for g in codes if len(g) >= n})
        return [(c, f"{names.get(c) or c}  ({c})") for c in found]
    if kind == "responsibility_grid":
        have = set(codes)
        return [(str(rg["code"]), f"{rg.get('name') or rg['code']}  ({rg['code']})") for rg in responsibility or []
                if have & set(rg.get("unit_grids") or [])]
    raise ValueError(f"unknown group kind {kind!r}")


def members(kind: str, code: str, cameras: list[dict], responsibility: list[dict] | None = None) -> list[str]:
    """The ids of the group's cameras, grid by grid (neighbours follow each other on the wall)."""
    if kind == "unit_grid":
        hit = [c for c in cameras if _code(c) == code]
    elif kind in ("community", "street"):
        hit = [c for c in cameras if _code(c).startswith(code)]
    elif kind == "responsibility_grid":
        units = next((set(rg.get("unit_grids") or []) for rg in responsibility or [] if str(rg["code"]) == code), set())
        hit = [c for c in cameras if _code(c) in units]
    else:
        raise ValueError(f"unknown group kind {kind!r}")
    return [str(c["id"]) for c in sorted(hit, key=lambda c: (_code(c), c.get("name") or "", str(c["id"])))]
