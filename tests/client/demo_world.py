"""A live server on the demo city with two days of history (demo accounts, Chinese names,
departments, inspectors), shared by the whole-window tests of one module."""
from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

from tests.server.conftest import LiveServer

DEMO_PASSWORD = "demo"


def build_demo_package(out: Path) -> Path:
    """The demo city package, built once per test session (the demo's own cache, in a temp dir)."""
    from server_stub.citydata import demo_cache
    if demo_cache.restore_package(out):
        return out
    from server_stub.citydata.package import build_city
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_city(out, demo=True)
    demo_cache.save_package(out)
    return out


def demo_server(tmp: Path, package: Path, monkeypatch, history_days: int = 2) -> LiveServer:
    """Not entered yet: `with demo_server(...) as srv:`."""
    from server_stub.citydata import demo, streams
    from server_stub.settings import Settings
    monkeypatch.setenv("OCC_QGIS_PYTHON", "/nonexistent/python3")  # the vector basemap: no QGIS tiles
    shutil.copytree(package, tmp / "data" / "city")
    settings = Settings(db=f"sqlite:///{tmp}/occ.sqlite", data_dir=tmp / "data", band_watch_seconds=0.5)
    srv = LiveServer(settings)
    ctx = srv.app.state.ctx
    ctx.db.migrate()
    # No ffmpeg videos needed here, and only while the demo loads: a session-long patch left every
    # later module (the video wall's, the streams') without streams to play.
    with pytest.MonkeyPatch.context() as local:
        local.setattr(streams, "prepare_streams", lambda *a, **k: None)
        demo.load_demo(ctx, history=history_days, simulator=False)
    return srv
