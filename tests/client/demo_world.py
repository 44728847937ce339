"""A live server on the demo city with two days of history (demo accounts, Chinese names,
departments, inspectors), shared by the whole-window tests of one module.

The history ends at the wall clock's now, so what it leaves depends on the hour and the weekday
(after a weekend night there may be no closed case, and a department may have nothing open): a
test that needs a case of some kind makes it with the helpers below."""
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


def demo_api(server: LiveServer, user: str):  # noqa: ANN201 - an ApiClient
    from app.api.client import ApiClient
    c = ApiClient(server.url, timeout=10)
    c.login(user, DEMO_PASSWORD)
    return c


WATER_MAIN = "0402"  # 自来水管破裂: the water utility's (an emergency)


def dispatched_case(server: LiveServer, department_id: int, description: str = "自来水管破裂，路面冒水") -> int:
    """A hotline case reported, accepted, filed and dispatched to `department_id` (state 处置中)."""
    acceptor = demo_api(server, "acceptor")
    cid = acceptor.report({"source": "hotline", "kind": "event", "class_code": WATER_MAIN, "lon": 24.944,
                           "lat": 60.170, "description": description})["id"]
    acceptor.act(cid, "accept")
    filing = demo_api(server, "shift_leader")
    cls = next(k for k in filing.classes("event") if k["code"] == WATER_MAIN)
    filing.act(cid, "file", {"condition_id": cls["conditions"][0]["id"]})
    demo_api(server, "dispatcher").act(cid, "dispatch", {"department_id": department_id})
    return cid


def open_case_for(server: LiveServer, user: str) -> int:
    """A case `user` sees open: tasked to verify (an inspector), handling (a department), reported (the centre)."""
    me = demo_api(server, user).session.user
    if me.get("department_id") is not None:
        return dispatched_case(server, me["department_id"])
    acceptor = demo_api(server, "acceptor")
    cid = acceptor.report({"source": "hotline", "kind": "event", "class_code": WATER_MAIN, "lon": 24.944,
                           "lat": 60.170, "description": "自来水管破裂，请核实"})["id"]
    if me["role"] == "inspector":
        acceptor.act(cid, "send_verify", {"inspector_id": me["id"]})
    return cid


def closed_case(server: LiveServer) -> dict:
    """A case played through to 结案 by the demo's posts: fed back by the water utility, checked fixed."""
    from server_stub.db.models import User
    water = demo_api(server, "water_supply")
    cid = dispatched_case(server, water.session.user["department_id"], "自来水管破裂（已修复）")
    water.act(cid, "feedback", {"comment": "已抢修"})
    case = demo_api(server, "dispatcher").act(cid, "send_check", {})
    with server.app.state.ctx.db.transaction() as s:
        inspector = s.get(User, case["task_inspector_id"]).username
    demo_api(server, inspector).act(cid, "answer_check", {"result": "fixed"})
    return demo_api(server, "shift_leader").act(cid, "close", {"close_type": "normal"})
