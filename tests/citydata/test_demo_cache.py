"""The demo city cache (server_stub/citydata/demo_cache.py): a start without a cache builds the
city and fills the cache (only with the demo's own build); a first start from an empty data dir
then copies the cached package and reference data instead of building and loading them, keeps its
own admin account and ends with the same city; the key follows the code."""
from __future__ import annotations

import shutil
import sqlite3

import pytest
from fastapi.testclient import TestClient

from server_stub.app import create_app
from server_stub.bootstrap import ensure_admin
from server_stub.citydata import demo_cache
from server_stub.citydata.demo import load_demo, prepare_city
from server_stub.settings import Settings

from .test_demo_load import _counts, reference_demo  # noqa: F401 - the shared session fixture


def _server(tmp_path, name: str, admin_pw: str, monkeypatch):  # noqa: ANN001, ANN202
    """A new server database with its own admin (what `python -m server_stub` makes first)."""
    monkeypatch.setenv("OCC_ADMIN_PASSWORD", admin_pw)
    app = create_app(Settings(db=f"sqlite:///{tmp_path}/{name}.sqlite", data_dir=tmp_path / name))
    app.state.ctx.db.migrate()
    assert ensure_admin(app.state.ctx) == admin_pw
    return app


def test_the_cache_is_filled_once_and_copied_by_the_next_first_start(reference_demo, tmp_path,  # noqa: F811
                                                                      monkeypatch):
    monkeypatch.setenv(demo_cache.CACHE_ENV, str(tmp_path / "cache"))
    ent = demo_cache.entry()
    # a package put in a data dir by hand (not the demo's own build) is never cached
    settings = reference_demo.clone(tmp_path)
    ctx = create_app(settings).state.ctx
    prepare_city(ctx, settings.data_dir)
    ctx.db.dispose()
    assert not ent.exists()

    # the first start on a machine builds the city (stubbed: a copy of the session's build) and caches it
    monkeypatch.setattr("server_stub.citydata.demo.ensure_package",
                        lambda d: shutil.copytree(reference_demo.data_dir / "city", d) is not None)
    first = _server(tmp_path, "first", "pw-one", monkeypatch)
    lines = prepare_city(first.state.ctx, tmp_path / "first")
    assert any(x.startswith("demo city loaded") for x in lines)
    assert (ent / "city" / "city.gpkg").exists() and (ent / "reference.sqlite").exists()
    with sqlite3.connect(ent / "reference.sqlite") as con:
        assert con.execute("select count(*) from components").fetchone()[0] > 1000
        assert con.execute("select count(*) from cases").fetchone()[0] == 0
    want = _counts(first.state.ctx)
    first.state.ctx.db.dispose()
    monkeypatch.undo()

    # the next first start (empty data dir, new database) copies it: nothing built, nothing loaded
    monkeypatch.setenv(demo_cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr("server_stub.citydata.demo.ensure_package",
                        lambda d: False if (d / "city.gpkg").exists() else pytest.fail("built again"))
    monkeypatch.setattr("server_stub.citydata.demo.load_reference", lambda *a: pytest.fail("loaded again"))
    app = _server(tmp_path, "second", "pw-two", monkeypatch)
    ctx = app.state.ctx
    lines = load_demo(ctx, history=0, simulator=False)
    assert any("taken from the cache" in x and "reference data" in x for x in lines), lines
    assert (tmp_path / "second" / "city" / "city.gpkg").exists()
    assert _counts(ctx) == want
    with TestClient(app) as client:
        for user, pw in (("dispatcher", "demo"), ("admin", "pw-two")):  # its own admin, not the cached one
            r = client.post("/api/auth/login", json={"username": user, "password": pw})
            assert r.status_code == 200, (user, r.text)
        assert client.post("/api/auth/login", json={"username": "admin", "password": "pw-one"}).status_code == 401
    # a later start finds everything in place and copies nothing
    assert not any("cache" in x for x in load_demo(ctx, history=0, simulator=False))
    ctx.db.dispose()

    monkeypatch.setattr(demo_cache, "_SOURCES", demo_cache._SOURCES + ("README.md",))
    assert demo_cache.entry() != ent  # other code, another entry
