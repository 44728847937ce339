"""Where the shipped data files live (resources/ at the repository root, or installed beside the package)."""
from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def resources_dir() -> Path:
    for candidate in (_HERE.parent.parent / "resources", _HERE.parent / "resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("resources/ directory not found next to the app package")
