"""load_demo: the demo city package loaded into a fresh database, accounts that log in, camera
streams, idempotent second start. Also the shared fixtures of the demo tests (reference database
built once per session, cloned per test)."""
from __future__ import annotations

import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import pyogrio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from server_stub.app import create_app
from server_stub.citydata.demo import STAFF, load_demo
from server_stub.db.models import (Camera, Case, ClassResponsibility, Component, Department, Inspector,
                                   Region, ResponsibilityGrid, UnitGrid, User)
from server_stub.settings import Settings

PG_URL = os.environ.get("OCC_TEST_PG_URL", "")


@dataclass
class Reference:
    data_dir: Path  # holds city/ (the package) and streams/
    db_path: Path  # SQLite with the reference data and accounts, no cases
    first_lines: list[str]  # what the first load_demo printed

    def clone(self, tmp: Path, name: str = "occ.sqlite") -> Settings:
        """A private copy of the reference database (SQLite backup API: WAL-safe)."""
        dst = tmp / name
        with sqlite3.connect(self.db_path) as src, sqlite3.connect(dst) as out:
            src.backup(out)
        return Settings(db=f"sqlite:///{dst}", data_dir=self.data_dir, band_watch_seconds=0.2)


_REFERENCE: dict[str, Reference] = {}


@pytest.fixture(scope="session")
def reference_demo(tmp_path_factory, helsinki) -> Reference:
    """The demo city loaded once (no history, no simulator); tests clone its database."""
    if "ref" not in _REFERENCE:  # the fixture is imported by the other demo test modules
        base = tmp_path_factory.mktemp("demo_ref")
        city = base / "city"
        city.mkdir()
        shutil.copy(helsinki.gpkg, city / "city.gpkg")  # built once per session by conftest
        shutil.copy(helsinki.result.json_path, city / "city.json")
        settings = Settings(db=f"sqlite:///{base / 'ref.sqlite'}", data_dir=base)
        app = create_app(settings)
        ctx = app.state.ctx
        ctx.db.migrate()
        lines = load_demo(ctx, history=0, simulator=False)
        ctx.db.dispose()
        _REFERENCE["ref"] = Reference(base, base / "ref.sqlite", lines)
    return _REFERENCE["ref"]


def _counts(ctx) -> dict[str, int]:
    with ctx.db.session() as s:
        def n(model) -> int:
            return s.scalar(select(func.count()).select_from(model))
        return {"unit_grids": n(UnitGrid), "responsibility_grids": n(ResponsibilityGrid), "regions": n(Region),
                "components": n(Component), "cameras": n(Camera), "inspectors": n(Inspector),
                "departments": n(Department), "class_responsibility": n(ClassResponsibility),
                "users": n(User), "cases": n(Case)}


def _layer_count(gpkg: Path, layer: str) -> int:
    return pyogrio.read_info(gpkg, layer=layer)["features"]


@pytest.fixture
def demo_app(reference_demo, tmp_path):
    """A server on a clone of the reference database, through load_demo with 3 days of history."""
    settings = reference_demo.clone(tmp_path)
    app = create_app(settings)
    ctx = app.state.ctx
    ctx.db.migrate()
    t0 = time.perf_counter()
    lines = load_demo(ctx, history=3, simulator=False)
    yield app, lines, time.perf_counter() - t0
    ctx.db.dispose()


def test_counts_match_the_package(demo_app, reference_demo):
    app, _, _ = demo_app
    gpkg = reference_demo.data_dir / "city" / "city.gpkg"
    c = _counts(app.state.ctx)
    assert c["unit_grids"] == _layer_count(gpkg, "unit_grids") == 158
    assert c["responsibility_grids"] == _layer_count(gpkg, "responsibility_grids")
    assert c["components"] == _layer_count(gpkg, "components")
    assert c["cameras"] == _layer_count(gpkg, "cameras")
    assert c["inspectors"] == _layer_count(gpkg, "inspectors")
    assert c["departments"] == _layer_count(gpkg, "departments")
    assert c["regions"] == sum(_layer_count(gpkg, x) for x in ("districts", "streets", "communities"))
    assert c["class_responsibility"] >= _layer_count(gpkg, "component_responsibility")
    # staff + one per department + the inspectors + bootstrap's admin is not created here
    assert c["users"] == len(STAFF) + c["departments"] + c["inspectors"]
    assert c["cases"] > 0  # the history ran (3 days)


def test_geometry_in_lonlat_and_links(demo_app):
    ctx = demo_app[0].state.ctx
    with ctx.db.session() as s:
        g = s.scalars(select(UnitGrid).limit(1)).one()
        assert 24.9 < g.minx < 25.0 and 60.1 < g.miny < 60.2  # central Helsinki in degrees
        assert g.responsibility_grid_id is not None
        rg = s.scalars(select(ResponsibilityGrid).limit(1)).one()
        insp = s.get(Inspector, rg.inspector_id)
        assert insp is not None and insp.responsibility_grid_id == rg.id  # linked both ways
        street = s.get(Region, g.street_code)
        assert street is not None and street.level == "street"
        assert street.geometry["type"] in ("Polygon", "MultiPolygon")
        office = s.scalar(select(Department).where(Department.region_code == g.street_code))
        assert office is not None and office.kind == "street_office"
        # events go to the locality first: the matrix has the owner; emergencies the utility first
        rows = s.execute(select(ClassResponsibility.priority, Department.code)
                         .join(Department, Department.id == ClassResponsibility.department_id)
                         .where(ClassResponsibility.kind == "event", ClassResponsibility.class_code == "0402")
                         .order_by(ClassResponsibility.priority)).all()
        assert rows[0] == (1, "D101")  # water main burst: the water-supply company


def test_cameras_on_the_servers_own_streams(demo_app):
    """Every demo camera plays the server's live HLS (main and sub); some are offline. The streams
    themselves: tests/server/test_streams.py."""
    ctx = demo_app[0].state.ctx
    with ctx.db.session() as s:
        rows = s.execute(select(Camera.id, Camera.stream_url, Camera.sub_stream_url, Camera.online)).all()
    assert rows and all(main == f"/streams/{cid}/main.m3u8" and sub == f"/streams/{cid}/sub.m3u8"
                        for cid, main, sub, _ in rows)
    offline = sum(not r.online for r in rows)
    assert 0 < offline < len(rows) / 5


def test_second_start_is_idempotent(demo_app, reference_demo):
    app, first_lines, _ = demo_app
    ctx = app.state.ctx
    before = _counts(ctx)
    t0 = time.perf_counter()
    lines = load_demo(ctx, history=3, simulator=False)
    took = time.perf_counter() - t0
    assert _counts(ctx) == before  # nothing loaded twice, no second history
    print(f"\nsecond start of the demo: {took:.2f} s")  # a figure, not a criterion on a shared machine
    assert not any(x.startswith(("demo city loaded", "demo history")) for x in lines)
    assert any(x.startswith("demo city loaded") for x in reference_demo.first_lines)
    assert any(x.startswith("demo history") for x in first_lines)  # the clone had no cases yet
    assert any("dispatcher" in x and "'demo'" in x for x in lines)


def test_demo_users_log_in(demo_app, reference_demo):
    app, _, _ = demo_app
    insp = pyogrio.read_dataframe(reference_demo.data_dir / "city" / "city.gpkg", layer="inspectors").username[0]
    with TestClient(app) as client:
        for username, role in [("dispatcher", "dispatcher"), ("acceptor", "acceptor"),
                               ("shift_leader", "shift_leader"), ("leader", "leader"),
                               ("water_supply", "department"), ("street_office_001", "department"),
                               (insp, "inspector")]:
            r = client.post("/api/auth/login", json={"username": username, "password": "demo"})
            assert r.status_code == 200, (username, r.text)
            assert r.json()["user"]["role"] == role
        bad = client.post("/api/auth/login", json={"username": "dispatcher", "password": "nope"})
        assert bad.status_code == 401
        tok = client.post("/api/auth/login",
                          json={"username": "street_office_001", "password": "demo"}).json()["token"]
        h = {"Authorization": f"Bearer {tok}"}
        assert client.get("/api/ref/city", headers=h).json()["admin_code"] == "320582"
        me = client.get("/api/auth/me", headers=h).json()
        office = client.get(f"/api/ref/departments/{me['department_id']}", headers=h).json()
        assert office["code"] == "S001"
        # the street office gets events of its street: some of the history is its own, and only that
        items = client.get("/api/cases", headers=h, params={"limit": 1000}).json()["items"]
        assert items and {c["department_id"] for c in items} == {me["department_id"]}


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL not available (OCC_TEST_PG_URL unset)")
def test_load_on_postgresql(reference_demo, tmp_path):
    from tests.server.conftest import _pg_reset
    _pg_reset(PG_URL)
    settings = Settings(db=PG_URL, data_dir=reference_demo.data_dir)
    app = create_app(settings)
    ctx = app.state.ctx
    ctx.db.migrate()
    try:
        load_demo(ctx, history=1, simulator=False)
        c = _counts(ctx)
        assert c["unit_grids"] == 158 and c["cases"] > 0
        assert c["components"] == _layer_count(reference_demo.data_dir / "city" / "city.gpkg", "components")
        lines = load_demo(ctx, history=1, simulator=False)
        assert _counts(ctx) == c  # nothing loaded twice (how long it took is no pass/fail criterion)
        assert not any(x.startswith(("demo city loaded", "demo history")) for x in lines)
    finally:
        ctx.db.dispose()
