"""An action acts once, on the case the user is looking at, in the state the user saw — through the
widgets against a real server: a double click on 结案 closes one case and nothing else gets
selected; an action on a case that changed since it was shown is refused and explained; an action
made while the server is away waits in the outbox with its key and goes out once when it is back
(also after a "still in progress" answer); a frozen server is noticed by the heartbeat."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.api.client import ApiClient
from app.api.heartbeat import Heartbeat
from app.api.outbox import Outbox
from app.widgets.case_detail import CaseDetail
from app.widgets.dispatch_panel import DispatchPanel
from app.widgets.file_panel import FilePanel
from server_stub.db.models import IdempotencyRecord
from server_stub.services import idempotency
from server_stub.settings import Settings
from tests.server.conftest import PASSWORD, LiveServer, free_port, seed_world
from tests.server.test_reference_seed import seed_city

from .test_panels_flow import LAT, LON, login, make_panel

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(tmp_path):
    return Settings(db=f"sqlite:///{tmp_path}/occ.sqlite", data_dir=tmp_path / "data", band_watch_seconds=0.2)


@pytest.fixture
def server(settings):
    with LiveServer(settings) as srv:
        _, srv.depts = seed_world(srv.app)
        seed_city(srv.app.state.ctx)
        yield srv


def checked_case(server, description: str) -> int:
    """A case fed back and checked fixed (核查通过): the shift leader may close it."""
    acc, sl, disp = login(server, "acceptor"), login(server, "shift_leader"), login(server, "dispatcher")
    dept = login(server, "department")
    cid = acc.report({"kind": "event", "class_code": "0102", "lon": LON, "lat": LAT, "description": description})["id"]
    acc.act(cid, "accept")
    sl.act(cid, "file", {"condition_id": "event-0102-1"})
    disp.act(cid, "dispatch", {"department_id": server.depts["water"]})
    dept.act(cid, "feedback", {"comment": "已清理"})
    disp.act(cid, "send_check")
    acc.act(cid, "answer_check", {"result": "fixed"})
    return cid


def test_double_click_on_close_closes_one_case_and_nothing_jumps(qtbot, server, monkeypatch):
    a, b = checked_case(server, "A"), checked_case(server, "B")
    sl = login(server, "shift_leader")
    panel = make_panel(qtbot, DispatchPanel, sl)
    asked = []
    monkeypatch.setattr("app.widgets.dispatch_panel.FlowPanel.confirm",
                        lambda self, action, case: asked.append((action, case["number"])) or True)
    selected = []
    panel.checks.caseSelected.connect(selected.append)
    panel.lower.setCurrentIndex(1)
    qtbot.waitUntil(lambda: {a, b} <= set(panel.checks.ids()), timeout=5000)
    panel.checks.select(a)
    assert panel.check_info.text().count("Check passed") == 1  # 核查通过, not just 待核查
    assert panel.close_btn.isEnabled()
    qtbot.mouseClick(panel.close_btn, Qt.LeftButton)
    assert not panel.close_btn.isEnabled()  # in flight: the second click does nothing
    qtbot.mouseClick(panel.close_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: a not in panel.checks.ids(), timeout=5000)
    assert panel.checks.selected_ids() == [] and not panel.close_btn.isEnabled()  # B was not selected
    qtbot.mouseClick(panel.close_btn, Qt.LeftButton)  # a third click, after the answer
    qtbot.wait(300)
    assert [c["state"] for c in (sl.case(a), sl.case(b))] == ["closed", "pending_check"]
    assert selected == [a] and asked == [("close", sl.case(a)["number"])]


def test_an_action_on_a_changed_case_is_refused_and_explained(qtbot, server):
    acc, leader = login(server, "acceptor"), login(server, "leader")
    cid = acc.report({"kind": "event", "class_code": "0102", "lon": LON, "lat": LAT, "description": "旧版本"})["id"]
    acc.act(cid, "accept")
    filing = make_panel(qtbot, FilePanel, login(server, "shift_leader"))  # no live events: shows version 2
    filing.table.select(cid)
    qtbot.waitUntil(lambda: filing.condition_id() is not None, timeout=5000)
    leader.act(cid, "urge", {"comment": "快点立案"})  # the case changes behind the panel's back
    messages = []
    filing.messageShown.connect(messages.append)
    qtbot.mouseClick(filing.file_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: any("changed by someone else" in m for m in messages), timeout=5000)
    c = acc.case(cid)
    assert c["state"] == "pending_filing" and c["urge_count"] == 1  # not filed on a state it did not show
    # the detail explains it the same way and shows the case as it is now
    detail = CaseDetail(login(server, "shift_leader"), "shift_leader")
    qtbot.addWidget(detail)
    detail.show_case(cid)
    qtbot.waitUntil(lambda: detail.case is not None and "not_file" in detail.allowed_buttons(), timeout=5000)
    leader.act(cid, "urge", {"comment": "再催"})
    detail.start_action("not_file")
    dlg = detail.dialog
    dlg.reason.setPlainText("不属于城管")
    dlg.buttons.accepted.emit()
    qtbot.waitUntil(lambda: "changed after you opened it" in dlg.error.text(), timeout=5000)
    assert acc.case(cid)["state"] == "pending_filing"


def test_an_outage_in_the_middle_of_an_action(qtbot, settings, tmp_path, monkeypatch):  # noqa: PLR0915
    """Server stopped, the action waits in the outbox (persisted), the server comes back on the
    same port and database: the action goes out once with its key; a "still in progress" answer
    (a request of a crashed server) is retried with the same key, never shown as a conflict."""
    srv = LiveServer(settings).__enter__()
    _, srv.depts = seed_world(srv.app)
    seed_city(srv.app.state.ctx)
    port = srv.port
    try:
        a, b = checked_case(srv, "A"), checked_case(srv, "B")
        sl = login(srv, "shift_leader")
        panel = make_panel(qtbot, DispatchPanel, sl)
        box = Outbox(sl, tmp_path / "outbox.json", delays=(0.2,))
        panel.outbox = box
        monkeypatch.setattr("app.widgets.dispatch_panel.FlowPanel.confirm", lambda self, action, case: True)
        panel.lower.setCurrentIndex(1)
        panel.checks.select(a)
        srv.__exit__(None, None, None)  # the server goes away
        qtbot.mouseClick(panel.close_btn, Qt.LeftButton)
        qtbot.waitUntil(lambda: len(box) == 1, timeout=15000)
        assert "outbox" in panel.message.text()
        [item] = box.pending()
        assert item["path"] == f"/api/cases/{a}/actions/close" and item["body"]["expected_version"] > 0
        assert Outbox(sl, tmp_path / "outbox.json").pending()[0]["key"] == item["key"]  # survives a restart

        # back on the same port and database; a claim left by a server that died mid-request
        # (a status-0 record) still holds the key: the server answers "still in progress"
        srv = LiveServer(settings)
        srv.port = srv.server.config.port = port
        srv.__enter__()
        ctx = srv.app.state.ctx
        uid, identity = idempotency.who(ctx, f"Bearer {sl.session.token}")
        rhash = idempotency.request_hash("POST", item["path"], "", identity,
                                         json.dumps(item["body"]).encode())  # as requests sends it
        with ctx.db.transaction() as s:
            s.add(IdempotencyRecord(key=item["key"], user_id=uid, method="POST", path=item["path"],
                                    request_hash=rhash, status_code=idempotency.IN_PROGRESS, body=b""))
        sent, refused = [], []
        box.sent.connect(lambda it, res: sent.append(res))
        box.refused.connect(lambda it, e: refused.append(e))
        box.send_one(box.pending()[0])
        [held] = box.pending()
        assert held["key"] == item["key"] and held["attempts"] == 1 and "still in progress" in held["error"]
        with ctx.db.transaction() as s:  # the stale claim is dropped (as after STALE_SECONDS)
            s.delete(s.get(IdempotencyRecord, item["key"]))
        box.start()
        qtbot.waitUntil(lambda: len(box) == 0 and len(sent) == 1, timeout=15000)  # signals queue to this thread
        box.stop()
        assert refused == [] and len(sent) == 1 and sent[0]["state"] == "closed"
        assert [e["action"] for e in sl.case(a)["events"]].count("close") == 1
        assert sl.case(b)["state"] == "pending_check"
    finally:
        srv.__exit__(None, None, None)


def test_heartbeat_notices_a_frozen_server(qtbot, tmp_path):
    """A server process stopped with SIGSTOP keeps its port open; the heartbeat notices within
    2 × its interval (0.5 s here; 3 s by default, so ≤ 6 s ≤ 10 s) and sees it come back."""
    port = free_port()
    env = {**os.environ, "OCC_QGIS_PYTHON": "/nonexistent", "OCC_FAST_PASSWORD_HASH": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "server_stub", "--db", f"sqlite:///{tmp_path}/hb.sqlite",
                             "--port", str(port), "--data-dir", str(tmp_path)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    hb = Heartbeat(f"http://127.0.0.1:{port}", interval=0.5)
    try:
        client = ApiClient(f"http://127.0.0.1:{port}", timeout=1, retries=0)
        qtbot.waitUntil(lambda: _answers(client), timeout=60000)
        with qtbot.waitSignal(hb.up, timeout=5000):
            hb.start()
        proc.send_signal(signal.SIGSTOP)
        t0 = time.monotonic()
        with qtbot.waitSignal(hb.down, timeout=10000) as down:
            pass
        took = time.monotonic() - t0
        assert took <= 2 * hb.interval + 1.0, took
        assert "0.5" in down.args[0] or "timed out" in down.args[0].lower()
        proc.send_signal(signal.SIGCONT)
        with qtbot.waitSignal(hb.up, timeout=10000):
            pass
    finally:
        hb.stop()
        proc.send_signal(signal.SIGCONT)
        proc.terminate()
        proc.wait(10)


def _answers(client: ApiClient) -> bool:
    try:
        client.health(timeout=1)
        return True
    except Exception:  # noqa: BLE001
        return False
