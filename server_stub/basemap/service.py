"""The basemap as part of a running server: which city it serves, start-up and shutdown.

The city package served is ``ctx.extras["city_dir"]`` when set (the demo loader and the importer
set it, preferably through :func:`set_city`), else ``<data_dir>/city``. The engine follows a change
of that directory or of its city.gpkg (checked at most once a second) and then starts afresh with
an empty cache. Renderer processes start on the first tile that needs drawing and stop at shutdown.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from . import qgis_env
from .engine import BasemapConfig, BasemapEngine, Unavailable, log_status
from .package import NoCity, load_city

log = logging.getLogger("occ.basemap")
STATE_KEY = "basemap"


class _State:
    def __init__(self):
        self.lock = threading.Lock()
        self.engine: BasemapEngine | None = None
        self.checked_at = 0.0
        self.key: tuple | None = None
        self.probe_thread: threading.Thread | None = None


def _state(ctx) -> _State:
    st = ctx.extras.get(STATE_KEY)
    if st is None:
        st = ctx.extras.setdefault(STATE_KEY, _State())
    return st


def city_dir(ctx) -> Path:
    return Path(ctx.extras.get("city_dir") or Path(ctx.settings.data_dir) / "city")


def set_city(ctx, directory: str | Path) -> None:
    """Serve the city package in ``directory`` (city.gpkg + city.json) from now on."""
    ctx.extras["city_dir"] = str(directory)
    ctx.extras.pop("city_profile", None)  # services.city caches the profile under this key
    st = _state(ctx)
    with st.lock:
        old, st.engine, st.key = st.engine, None, None
    if old is not None:
        old.close()


def qgis_status() -> qgis_env.QgisStatus:
    return qgis_env.probe()


def _file_key(directory: Path) -> tuple:
    gpkg = directory / "city.gpkg"
    try:
        st = gpkg.stat()
        return str(directory), st.st_size, st.st_mtime_ns
    except OSError:
        return str(directory), None, None


def engine(ctx) -> BasemapEngine:
    """The engine for the current city; raises NoCity (no package) — QGIS absence is reported per tile."""
    st = _state(ctx)
    directory = city_dir(ctx)
    now = time.monotonic()
    with st.lock:
        eng = st.engine
        if eng is not None and eng.city.dir == directory and now - st.checked_at < 1.0:
            return eng
        key = _file_key(directory)
        st.checked_at = now
        if eng is not None and key == st.key:
            return eng
        old, st.engine, st.key = eng, None, None
    if old is not None:
        old.close()
    city = load_city(directory)  # NoCity propagates
    new = BasemapEngine(city, qgis=qgis_status(), cache_dir=Path(ctx.settings.data_dir) / "tiles",
                        config=BasemapConfig.from_env())
    with st.lock:
        if st.engine is None:
            st.engine, st.key = new, key
            return new
        other = st.engine
    new.close()  # another thread won the race
    return other


async def startup(ctx) -> None:
    """Probe for QGIS in the background (about a second, once per process) and log the outcome once."""
    st = _state(ctx)

    def run():
        log_status(qgis_status())

    st.probe_thread = threading.Thread(target=run, name="qgis-probe", daemon=True)
    st.probe_thread.start()


async def shutdown(ctx) -> None:
    st = _state(ctx)
    with st.lock:
        eng, st.engine, st.key = st.engine, None, None
    if eng is not None:
        eng.close()


__all__ = ["set_city", "engine", "startup", "shutdown", "city_dir", "qgis_status", "NoCity", "Unavailable"]
