"""What the wall keeps per workstation (QSettings, not per user: the hall's screen is the
workstation's): the layout, the camera in each tile, the saved tours, linkage on or off."""
from __future__ import annotations

import json

from PySide6.QtCore import QSettings

from .layouts import DEFAULT_LAYOUT, LAYOUTS, MAX_TILES
from .tours import Tour

GROUP = "video_wall"


def settings() -> QSettings:
    return QSettings("OpenCityCommand", "client")


class WallState:
    def __init__(self, store: QSettings | None = None):
        self.store = store or settings()

    def _get(self, key: str, default):  # noqa: ANN001, ANN202
        raw = self.store.value(f"{GROUP}/{key}")
        if raw is None:
            return default
        try:
            return json.loads(raw)
        except (TypeError, ValueError):  # a damaged entry: start from the default, keep working
            return default

    def _set(self, key: str, value) -> None:  # noqa: ANN001
        self.store.setValue(f"{GROUP}/{key}", json.dumps(value, ensure_ascii=False))
        self.store.sync()

    def layout(self) -> str:
        key = self._get("layout", DEFAULT_LAYOUT)
        return key if key in LAYOUTS else DEFAULT_LAYOUT

    def tiles(self) -> list[str | None]:
        raw = self._get("tiles", [])
        out = [str(c) if c else None for c in raw if c is None or isinstance(c, (str, int))][:MAX_TILES] \
            if isinstance(raw, list) else []
        return out + [None] * (MAX_TILES - len(out))

    def save(self, layout: str, tiles: list[str | None]) -> None:
        self._set("layout", layout)
        self._set("tiles", list(tiles))

    def tours(self) -> list[Tour]:
        raw = self._get("tours", [])
        return [Tour.from_json(t) for t in raw if isinstance(t, dict) and t.get("name")] if isinstance(raw, list) else []

    def save_tours(self, tours: list[Tour]) -> None:
        self._set("tours", [t.to_json() for t in tours])

    def linkage(self) -> bool:
        return bool(self._get("linkage", False))

    def set_linkage(self, on: bool) -> None:
        self._set("linkage", bool(on))
