"""The live simulator against a real server over HTTP: new cases appear, cases move through the
workflow, inspectors walk the footway network and their positions arrive."""
from __future__ import annotations

import math
import random
import warnings
from collections import defaultdict

import pyogrio
import pytest
import shapely
from sqlalchemy import func, select

from server_stub.app import create_app
from server_stub.citydata.__main__ import main as citydata_main
from server_stub.citydata.history import generate_history
from server_stub.citydata.simulator import WALK_MPS, Api, Simulator, SimulatorConfig
from server_stub.citydata.walking import WalkNet, Walker
from server_stub.db.models import Case, CaseEvent, IdempotencyRecord, Inspector, Position
from tests.server.conftest import LiveServer

from .test_demo_load import reference_demo  # noqa: F401 - the shared session fixture

SPEEDUP = 60.0


@pytest.fixture(scope="module")
def live_demo(reference_demo, tmp_path_factory):  # noqa: F811
    settings = reference_demo.clone(tmp_path_factory.mktemp("sim"))
    app = create_app(settings)
    app.state.ctx.db.migrate()
    generate_history(app.state.ctx, days=1)  # some open cases for the simulator to work on
    app.state.ctx.db.dispose()
    with LiveServer(settings) as srv:
        yield srv


def _metres(a, b) -> float:
    return math.hypot((b[0] - a[0]) * 111_320 * math.cos(math.radians(a[1])), (b[1] - a[1]) * 111_320)


def test_simulator_drives_the_server(live_demo, tmp_path):
    ctx = live_demo.app.state.ctx
    with ctx.db.session() as s:
        cases_before = s.scalar(select(func.count()).select_from(Case))
        last_case = s.scalar(select(func.max(Case.id)))
        events_before = s.scalar(select(func.max(CaseEvent.id)))
    sim = Simulator(SimulatorConfig(server=live_demo.url, rate=2.0, speedup=SPEEDUP, duration=8.0, seed=3,
                                    poll_every=0.5, workdir=tmp_path))
    stats = sim.run()
    assert stats["errors"] == 0 and stats["connection_errors"] == 0, stats
    with ctx.db.session() as s:
        new_cases = s.scalar(select(func.count()).select_from(Case)) - cases_before
        sources = set(s.scalars(select(Case.source).where(Case.id > last_case)))
        acted = dict(s.execute(select(CaseEvent.action, func.count()).where(CaseEvent.id > events_before,
                                                                           CaseEvent.action != "report")
                               .group_by(CaseEvent.action)).all())
        keys = s.scalar(select(func.count()).select_from(IdempotencyRecord)
                        .where(IdempotencyRecord.key.like("sim-%")))
        fixes = s.execute(select(Position.device_id, Position.lon, Position.lat, Position.fix_at)
                          .order_by(Position.id)).all()
        devices = dict(s.execute(select(Inspector.device_id, Inspector.fix_at)).all())
    # new cases reported over HTTP (2 a simulated minute at 60x = 2 a real second)
    assert new_cases >= 5 and stats["reported"] == new_cases, (new_cases, stats)
    assert len(sources) >= 2 and sources <= {"inspector", "hotline", "open311", "citizen", "video", "leader"}
    # the open cases moved on: acceptance, filing, dispatch ... by the demo accounts
    assert sum(acted.values()) >= 5 and {"accept", "file", "dispatch"} & set(acted), acted
    # every POST carried an Idempotency-Key
    assert keys >= stats["reported"]
    # every inspector sent fixes, moving at walking pace (times the speedup) along the footways
    by_dev = defaultdict(list)
    for dev, lon, lat, at in fixes:
        by_dev[dev].append((lon, lat, at))
    assert set(by_dev) == set(devices) and all(devices.values())
    for dev, pts in by_dev.items():
        assert len(pts) >= 3, dev
        assert sum(_metres(a, b) for a, b in zip(pts, pts[1:])) > 20, dev  # it walked
        for a, b in zip(pts, pts[1:]):  # ... at walking pace times the speedup (fix times in whole seconds)
            seconds = (b[2] - a[2]).total_seconds() + 1.0
            assert _metres(a, b) <= WALK_MPS * SPEEDUP * seconds + 1, (dev, a, b)


def test_command_line(live_demo, capsys):
    rc = citydata_main(["simulate", "--server", live_demo.url, "--rate", "2", "--speedup", "20",
                        "--duration", "3", "--seed", "5"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "simulated:" in out and "positions" in out


def test_only_the_given_server():
    with pytest.raises(ValueError):
        Api("file:///etc/passwd", "demo")
    api = Api("http://127.0.0.1:9", "demo")
    with pytest.raises(ValueError):
        api.call("GET", "http://example.com/api/health")  # absolute URLs elsewhere are refused


def test_walker_stays_on_the_footways(helsinki):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        edges = pyogrio.read_dataframe(helsinki.gpkg, layer="walk_edges")
        nodes = pyogrio.read_dataframe(helsinki.gpkg, layer="walk_nodes")
        rgrids = pyogrio.read_dataframe(helsinki.gpkg, layer="responsibility_grids")
        insp = pyogrio.read_dataframe(helsinki.gpkg, layer="inspectors")
    net = WalkNet(edges, nodes)
    lines = shapely.STRtree(net.lines)
    area = dict(zip(rgrids.code, rgrids.geometry))[insp.responsibility_grid[0]]
    start = insp.geometry[0]
    w = Walker(1, "x", "1", area, net.nearest_node(start.x, start.y))
    w.x, w.y = net.xy[w.node]
    rng = random.Random(1)
    inside = 0
    for _ in range(300):  # 300 ticks of 10 s
        before = (w.x, w.y)
        w.walk(net, rng, WALK_MPS * 10)
        assert math.dist(before, (w.x, w.y)) <= WALK_MPS * 10 + 1e-6  # never faster than walking
        near = lines.query_nearest(shapely.Point(w.x, w.y), return_distance=True)[1][0]
        assert near < 0.01  # on a footway
        inside += shapely.contains_xy(area, w.x, w.y)
    assert inside > 0.8 * 300  # it patrols its own responsibility grid
    # tasked: it walks to the case along the network and arrives
    target = net.xy[net.node_ids[len(net.node_ids) // 2]]
    w.go_to(net, *target)
    for _ in range(2000):
        if w.arrived():
            break
        w.walk(net, rng, WALK_MPS * 10)
    assert w.arrived()


def test_background_thread_of_load_demo(live_demo, monkeypatch):
    """What load_demo starts inside the server process: a daemon thread that waits for the server
    to answer, then drives it; stop() ends it."""
    import time
    from types import SimpleNamespace

    from server_stub.citydata.demo import start_background_simulator
    monkeypatch.setenv("OCC_DEMO_SIMULATOR_RATE", "6")
    monkeypatch.setenv("OCC_DEMO_SIMULATOR_SPEEDUP", "20")
    ctx = SimpleNamespace(settings=SimpleNamespace(host="0.0.0.0", port=live_demo.port), extras={})
    sim = start_background_simulator(ctx)
    assert ctx.extras["demo.simulator"] is sim and sim.cfg.server == live_demo.url
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (sim.stats["positions"] < 8 or not sim.stats["reported"]):
        time.sleep(0.2)
    sim.stop()
    assert sim.stats["positions"] >= 8 and sim.stats["reported"] >= 1, sim.stats
