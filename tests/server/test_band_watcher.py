"""The band watcher: case.band pushed when a case turns yellow and red (not when a client looks),
Overdue facts written, correct after a restart, cheap with 20,000 open cases, one watcher per
PostgreSQL database."""
from __future__ import annotations

import asyncio
import random
import shutil
import time
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select

from app.domain.clocks import ClockType
from app.domain.resources import resources_dir
from server_stub.app import create_app
from server_stub.db.models import Case, Overdue
from server_stub.services import band_watcher as bw
from server_stub.services import deadlines
from server_stub.settings import Settings

from .casekit import FakeNow
from .conftest import PASSWORD, seed_world
from .test_events import act, connect, recv, recv_type, report

YF = 0.2
ACCEPT_S = 3.0  # accept=0.05 minutes
HANDLING_S = 5.4  # component 0101's first filing condition cut to 0.0015 urgent hours


@pytest.fixture
def settings(db_url, tmp_path):
    """Short clocks: the accept stage lasts 3 s, handling of a missing cover (component-0101-1) 5.4 s."""
    cls_dir = tmp_path / "classification"
    shutil.copytree(resources_dir() / "classification", cls_dir)
    f = cls_dir / "filing_conditions.csv"
    text = f.read_text(encoding="utf-8")
    row = "component,0101,缺失、移位，存在安全隐患,2,urgent_hour"
    assert row in text
    f.write_text(text.replace(row, row.replace(",2,", ",0.0015,"), 1), encoding="utf-8")
    return Settings(db=db_url, data_dir=tmp_path / "data", band_watch_seconds=0.2, classification_dir=cls_dir,
                    yellow_fraction=YF,
                    stage_limit_minutes="accept=0.05,verify=30,file=30,dispatch=30,check=30,send_check=60")


def _t(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def _overdues(ctx, case_id: int) -> list[tuple[str, datetime]]:
    with ctx.db.session() as s:
        return [(o.stage, o.deadline_at) for o in s.scalars(select(Overdue).where(Overdue.case_id == case_id))]


@pytest.fixture
def fake_now(monkeypatch):
    """The server's clock (services.cases.utcnow, which the band watcher reads too), moved by the test."""
    from server_stub.services import cases as case_svc
    clock = FakeNow(datetime.now(timezone.utc).replace(microsecond=0))
    monkeypatch.setattr(case_svc, "utcnow", clock)
    return clock


def _at(clock: FakeNow, ts: float) -> None:
    clock.t = datetime.fromtimestamp(ts, timezone.utc)


def _stepped(watcher, clock: FakeNow, ts: float) -> None:
    """Moves the clock to `ts` and waits until the running watcher has taken a step after that."""
    _at(clock, ts)
    steps = watcher.stats["steps"]
    for _ in range(500):  # up to 10 s of polling; the watcher polls every 0.2 s
        if watcher.stats["steps"] >= steps + 2:
            return
        time.sleep(0.02)
    raise AssertionError("the band watcher took no step")


def test_accept_stage_turns_yellow_then_red_on_time(world, fake_now):
    """Each colour comes at its instant on the server's clock: not a millisecond early, and at the
    first step once it is due (a watcher driven step by step on a fake clock)."""
    world.client.portal.call(world.ctx.extras["band_watcher"].stop)
    watcher = bw.BandWatcher(world.ctx, now=fake_now)
    with connect(world, "dispatcher") as ws:
        recv(ws)
        case = report(world)
        assert case["stage"] == "accept" and case["band"] == "green"
        deadline = _t(case["deadline_at"])
        assert deadline - _t(case["stage_started_at"]) == pytest.approx(ACCEPT_S, abs=0.01)
        yellow_at = deadline - YF * ACCEPT_S
        watcher.rescan()
        assert watcher.status()["scheduled"] == 1

        _at(fake_now, yellow_at - 0.001)
        watcher.step()
        assert watcher.stats["transitions"] == 0  # not early
        _at(fake_now, yellow_at)
        watcher.step()
        ev = recv_type(ws, "case.band", timeout=10)
        d = ev["data"]
        assert (d["id"], d["number"], d["band"], d["previous_band"]) == (case["id"], case["number"], "yellow", "green")
        assert (d["stage"], _t(d["deadline_at"]), d["department_id"]) == ("accept", deadline, None)
        assert d["remaining_seconds"] == pytest.approx(YF * ACCEPT_S, abs=0.01)

        _at(fake_now, deadline - 0.001)
        watcher.step()
        assert watcher.stats["transitions"] == 1
        _at(fake_now, deadline)
        watcher.step()
        ev = recv_type(ws, "case.band", timeout=10)
        d = ev["data"]
        assert (d["band"], d["previous_band"]) == ("red", "yellow") and d["remaining_seconds"] <= 0

    with world.ctx.db.session() as s:
        assert s.get(Case, case["id"]).band == "red"
    assert _overdues(world.ctx, case["id"]) == [("accept", datetime.fromisoformat(case["deadline_at"]))]
    got = world.client.get(f"/api/cases/{case['id']}", headers=world.h("dispatcher")).json()
    assert got["band"] == "red" and not got["handling_overdue"]


def test_handling_overdue_reaches_the_department_and_is_recorded(world, fake_now):
    """The running watcher (the server's own task) pushes yellow and red to the department as the
    server's clock passes the instants."""
    water = world.departments["water"]
    watcher = world.ctx.extras["band_watcher"]
    with connect(world, "department") as dep, connect(world, "department2") as dep2:
        recv(dep), recv(dep2)
        case = report(world)
        act(world, "acceptor", case["id"], "accept")
        act(world, "shift_leader", case["id"], "file", condition_id="component-0101-1")
        case = act(world, "dispatcher", case["id"], "dispatch", department_id=water)
        assert case["stage"] == "handling" and case["band"] == "green"
        deadline = _t(case["deadline_at"])
        assert case["limit_value"] == 0.0015 and case["limit_type"] == "urgent_hour"

        _stepped(watcher, fake_now, deadline - YF * HANDLING_S - 0.01)
        assert watcher.stats["transitions"] == 0
        _at(fake_now, deadline - YF * HANDLING_S + 0.001)  # (the instant, give or take float rounding)
        d1 = recv_type(dep, "case.band", timeout=10)["data"]
        _at(fake_now, deadline + 0.001)
        d2 = recv_type(dep, "case.band", timeout=10)["data"]
        assert (d1["band"], d2["band"]) == ("yellow", "red")
        assert d1["stage"] == d2["stage"] == "handling" and d2["department_id"] == water
        dep2.send_json({"type": "ping"})
        assert recv(dep2)["type"] == "pong"  # the sanitation department was told nothing

    assert ("handling", datetime.fromisoformat(case["deadline_at"])) in _overdues(world.ctx, case["id"])
    got = world.client.get(f"/api/cases/{case['id']}", headers=world.h("dispatcher")).json()
    assert got["band"] == "red" and got["handling_overdue"] is True
    # feedback after the deadline: the fact stays, and is not recorded twice
    act(world, "department", case["id"], "feedback", comment="cover replaced")
    assert len([o for o in _overdues(world.ctx, case["id"]) if o[0] == "handling"]) == 1


def test_a_changed_case_is_rescheduled(world, fake_now):
    """Accepting moves the case to the filing stage (30 min): the accept-stage colours never come."""
    watcher = world.ctx.extras["band_watcher"]
    with connect(world, "dispatcher") as ws:
        recv(ws)
        case = report(world)
        act(world, "acceptor", case["id"], "accept")
        _stepped(watcher, fake_now, _t(case["deadline_at"]) + 0.5)
        ws.send_json({"type": "ping"})
        msgs = []
        while not msgs or msgs[-1]["type"] != "pong":
            msgs.append(recv(ws))
        assert "case.band" not in [m["type"] for m in msgs]
    assert watcher.active and watcher.status()["scheduled"] == 1 and watcher.stats["transitions"] == 0


def _start(settings):
    """An app started by hand, with a subscription taken before its startup hooks run."""
    app = create_app(settings)
    sub = app.state.ctx.bus.subscribe()
    client = TestClient(app)
    client.__enter__()
    return app, client, sub


def _next_event(client, sub, timeout):
    async def get():
        return await asyncio.wait_for(sub.get(), timeout)
    try:
        return client.portal.call(get)
    except asyncio.TimeoutError:
        return None


def test_restart_pushes_what_was_missed_once(settings, fake_now):
    app, client, _ = _start(settings)
    seed_world(app)
    tok = client.post("/api/auth/login", json={"username": "acceptor", "password": PASSWORD}).json()["token"]
    r = client.post("/api/cases", headers={"Authorization": f"Bearer {tok}"},
                    json={"kind": "component", "class_code": "0101", "lon": 116.397, "lat": 39.909})
    case = r.json()
    client.__exit__(None, None, None)  # the server stops while the case is green
    _at(fake_now, _t(case["deadline_at"]) + 0.3)  # ... and stays down past the deadline

    app, client, sub = _start(settings)  # down through yellow and red: red at once on start
    try:
        ev = _next_event(client, sub, 5)
        assert ev is not None and ev["type"] == "case.band"
        assert (ev["data"]["id"], ev["data"]["band"], ev["data"]["previous_band"]) == (case["id"], "red", "green")
        assert _overdues(app.state.ctx, case["id"]) == [("accept", datetime.fromisoformat(case["deadline_at"]))]
    finally:
        client.__exit__(None, None, None)

    app, client, sub = _start(settings)  # nothing new to say
    try:
        assert _next_event(client, sub, 1.0) is None
        assert app.state.ctx.extras["band_watcher"].status()["rescans"] == 1
        assert len(_overdues(app.state.ctx, case["id"])) == 1
    finally:
        client.__exit__(None, None, None)


def test_one_watcher_per_database_and_failover(settings, monkeypatch):
    if settings.is_sqlite:
        pytest.skip("one server process per SQLite file: the advisory lock is PostgreSQL's")
    monkeypatch.setattr(bw, "LOCK_RETRY_SECONDS", 0.2)
    a, ca, _ = _start(settings)
    b, cb, _ = _start(settings)
    try:
        wa, wb = a.state.ctx.extras["band_watcher"], b.state.ctx.extras["band_watcher"]
        end = time.time() + 5
        while not (wa.active or wb.active) and time.time() < end:
            time.sleep(0.05)
        time.sleep(0.5)
        assert [wa.active, wb.active].count(True) == 1
        first, other, first_client = (a, b, ca) if wa.active else (b, a, cb)
        first_client.__exit__(None, None, None)  # its lock connection closes with it
        wo = other.state.ctx.extras["band_watcher"]
        end = time.time() + 5
        while not wo.active and time.time() < end:
            time.sleep(0.05)
        assert wo.active
    finally:
        for c in (ca, cb):
            try:
                c.__exit__(None, None, None)
            except Exception:  # noqa: BLE001 - closed already
                pass


def test_cost_with_20000_open_cases(world):
    """One pass over 20,000 open cases (as at a start) and an idle step: the work is checked here,
    the seconds are printed for the README (a shared machine's timing is no pass/fail criterion)."""
    ctx = world.ctx
    rnd = random.Random(7)
    now = datetime.now(timezone.utc)
    # not started: measured here, in this thread, on a clock stopped at the instant the rows describe
    # (set-up takes seconds to minutes on a busy machine; no case may come due meanwhile)
    watcher = bw.BandWatcher(ctx, now=lambda: now)
    water = world.departments["water"]
    # Ages spread so that most cases are inside their limit, as in a working city (the red ones
    # already marked red are not even read by a pass).
    limits = [(2.0, ClockType.URGENT_HOUR, 2.3 * 3600), (4.0, ClockType.WORK_HOUR, 86400),
              (5.0, ClockType.WORK_DAY, 7 * 86400), (3.0, ClockType.NATURAL_DAY, 3.3 * 86400)]
    rows = []
    for i in range(20_000):
        if i % 2:
            value, ctype, age = limits[(i // 2) % 4]
            state, stage, dept = "handling", "handling", water
        else:
            value, ctype, age = 0.5, ClockType.URGENT_HOUR, 33 * 60
            state, stage, dept = "reported", "accept", None
        start = now - timedelta(seconds=rnd.uniform(0, age))
        c = Case(id=100_000 + i, state=state, stage=stage, limit_value=value, limit_type=ctype.value,
                 stage_started_at=start, deadline_at=ctx.clock.add(start, value, ctype))
        band = deadlines.current_band(ctx, c, now)
        rows.append({"id": c.id, "number": f"BENCH-{i:06d}", "source": "hotline", "kind": "event",
                     "class_code": "0101", "state": state, "description": "", "lon": 116.4, "lat": 39.9,
                     "department_id": dept, "stage": stage, "stage_started_at": start,
                     "limit_value": value, "limit_type": ctype.value, "deadline_at": c.deadline_at,
                     "band": band, "created_at": now, "updated_at": now - timedelta(minutes=5), "version": 1})
    with ctx.db.transaction() as s:
        for k in range(0, len(rows), 2000):
            s.execute(insert(Case), rows[k:k + 2000])
    with ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 20_000

    world.client.portal.call(ctx.extras["band_watcher"].stop)  # measure this one alone
    passes = []
    for _ in range(3):  # what a (re)start does; best of three (a shared test machine is noisy)
        t0 = time.perf_counter()
        n = watcher.rescan()
        passes.append(time.perf_counter() - t0)
    full = min(passes)
    t0 = time.perf_counter()
    for _ in range(10):
        watcher.step(poll=True)
    idle = (time.perf_counter() - t0) / 10
    print(f"\nband watcher, {ctx.db.engine.dialect.name}: one pass over 20000 open cases ({n} read, the "
          f"others marked red already) {full:.3f} s; "
          f"an idle step (poll for changes) {idle * 1000:.2f} ms")
    not_red = sum(r["band"] != "red" for r in rows)
    # The stored bands are right at `now`: nothing moves, and all but the red wait for their next colour.
    assert n == not_red and n > 15_000
    assert watcher.status()["scheduled"] == not_red
    assert watcher.stats["transitions"] == 0 and watcher.stats["steps"] == 10
