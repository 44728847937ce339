"""督查督办 through the widgets against a real server: the leader finds overdue cases on the board,
督办s two of them; the department's client gets the alert (sound and banner), the 督×N mark on
its cases and the urges in its 督办 list; it answers there, and the leader sees the answer.
Time is the server's fake clock (services.cases.utcnow); every wait is on a condition."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from app.api.client import ApiClient
from server_stub.services import cases as case_svc
from server_stub.settings import Settings
from tests.server.casekit import COND, EVENT, FakeNow, working_morning
from tests.server.conftest import PASSWORD, LiveServer, seed_world


@pytest.fixture
def srv(tmp_path, monkeypatch):
    s = Settings(db=f"sqlite:///{tmp_path}/occ.sqlite", data_dir=tmp_path / "data", band_watch_seconds=0.2)
    with LiveServer(s) as server:
        server.uids, server.depts = seed_world(server.app)
        server.now = FakeNow(working_morning(server.app.state.ctx))
        monkeypatch.setattr(case_svc, "utcnow", server.now)
        yield server


def login(srv, name: str) -> ApiClient:
    c = ApiClient(srv.url, timeout=10)
    c.login(name, PASSWORD)
    return c


def to_handling(srv, department: str) -> int:
    insp, acc, sl, disp = (login(srv, n) for n in ("inspector", "acceptor", "shift_leader", "dispatcher"))
    cid = insp.report(EVENT)["id"]
    acc.act(cid, "accept")
    sl.act(cid, "file", {"condition_id": COND})
    disp.act(cid, "dispatch", {"department_id": srv.depts[department]})
    return cid


def stream(qtbot, client: ApiClient, *sinks):
    from app.api.events import EventStream
    st = EventStream(client.ws_url, client.session.token)
    for s in sinks:
        st.event.connect(s)
    with qtbot.waitSignal(st.connected, timeout=10000):
        st.start()
    return st


def test_leader_supervises_department_is_alerted_and_answers(qtbot, srv):
    from app.widgets.case_table import CaseTableModel
    from app.widgets.department_panel import DepartmentPanel
    from app.widgets.supervision_board import SupervisionPanel

    water = [to_handling(srv, "water") for _ in range(2)]
    other = to_handling(srv, "sanitation")
    srv.now.advance(days=3)  # 4 work hours are long gone: all three are overdue
    leader, dept = login(srv, "leader"), login(srv, "department")

    board = SupervisionPanel(leader)
    qtbot.addWidget(board)
    board.resize(1100, 800)
    board.show()
    panel = DepartmentPanel(dept)
    qtbot.addWidget(panel)
    panel.resize(800, 500)
    panel.show()
    streams = [stream(qtbot, leader, board.on_event), stream(qtbot, dept, panel.on_event)]
    try:
        board.refresh()
        qtbot.waitUntil(lambda: {*water, other} <= {c["id"] for c in board.items}, timeout=10000)
        assert board.board["overdue"] == 3 and "3" in board.summary.text()
        water_group = next(g for g in board.board["groups"] if g["key"] == str(srv.depts["water"]))
        assert water_group["count"] == 2 and water_group["name"] == "水务集团"
        assert all(c["overdue_seconds"] > 0 for c in board.items)
        qtbot.waitUntil(lambda: set(water) <= set(panel.case_ids("handling")), timeout=10000)
        qtbot.waitUntil(lambda: panel.urge_list.loading == 0, timeout=10000)
        assert panel.urge_list.urges == [] and panel.urge_list.sound.played == 0

        # the leader: both water cases → 督办… with a message and tomorrow as the reply date
        board.select_cases(water)
        assert sorted(board.selected_ids()) == sorted(water) and board.supervise_btn.isEnabled()
        board.supervise_btn.click()
        dlg = board.dialog
        dlg.message.setPlainText("两天未处置，今日内处理并答复")
        due = dlg.due.date().toString("yyyy-MM-dd")
        with qtbot.waitSignal(board.urged, timeout=10000) as sent:
            dlg.buttons.button(QDialogButtonBox.Ok).click()
        assert sent.args[0]["count"] == 2

        # the department: sound, banner, its 督办 list, and the mark on the case in its list
        urges = panel.urge_list
        qtbot.waitUntil(lambda: urges.sound.played == 2 and len(urges.urges) == 2, timeout=5000)
        assert set(urges.banner.case_ids()) == set(water)
        assert {u["kind"] for u in urges.urges} == {"supervise"} and urges.urges[0]["reply_due"] == due
        assert panel.tabs.currentWidget() is urges and "2" in panel.tabs.tabText(panel.urge_tab)
        model = panel.models["handling"]

        def marked() -> bool:
            texts = [model.data(model.index(r, 0)) for r in range(model.rowCount())]
            return sum("×1" in t for t in texts) == 2
        qtbot.waitUntil(marked, timeout=5000)
        assert "×1" in CaseTableModel()._text({"state": "handling", "urge_count": 1}, "state")
        # the leader's board shows the mark too once it reloads
        qtbot.waitUntil(lambda: all(c["urge_count"] == 1 for c in board.items if c["id"] in water), timeout=10000)
        assert next(c for c in board.items if c["id"] == other)["urge_count"] == 0

        # the department answers the first one through its list
        first = urges.urges[0]
        urges.select_urge(first["id"])
        assert urges.reply_btn.isEnabled()
        urges.reply_edit.setPlainText("已派人清理，下午五点前完成")
        urges.reply_btn.click()
        qtbot.waitUntil(lambda: any(u["answered"] for u in urges.urges), timeout=10000)
        assert first["case_id"] not in urges.banner.case_ids()

        # the leader sees the answer: in the department's urges, and in the case's history
        qtbot.waitUntil(lambda: board.dept_history.answer_of(first["id"]) == "已派人清理，下午五点前完成",
                        timeout=5000)
        assert "已派人清理" in board.message.text()
        board.select_cases([first["case_id"]])
        qtbot.waitUntil(lambda: board.case_history.answer_of(first["id"]) == "已派人清理，下午五点前完成",
                        timeout=5000)
        # a second urge of the same case escalates
        board.urge_btn.click()
        board.dialog.message.setPlainText("再催")
        with qtbot.waitSignal(board.urged, timeout=10000) as sent:
            board.dialog.buttons.button(QDialogButtonBox.Ok).click()
        assert sent.args[0]["items"][0]["level"] == 3  # after a 督办 (level 2)
        qtbot.waitUntil(lambda: urges.sound.played == 3, timeout=5000)
    finally:
        for st in streams:
            st.stop()


def test_urge_dialog_checks_input(qtbot):
    from PySide6.QtCore import QDate

    from app.widgets.supervision_dialog import UrgeDialog
    today = QDate(2026, 12, 2)
    dlg = UrgeDialog("supervise", ["20261202-000001"], today)
    qtbot.addWidget(dlg)
    assert dlg.due.minimumDate() == today and dlg.due.date() == today.addDays(1)
    dlg.message.setPlainText("催" * 1001)
    dlg._check()
    assert dlg.result() == 0 and dlg.error.text()
    dlg.message.setPlainText("请今日处理")
    dlg._check()
    assert dlg.values() == {"kind": "supervise", "message": "请今日处理", "reply_due": "2026-12-03"}
    urge = UrgeDialog("urge", ["x"], today)
    qtbot.addWidget(urge)
    assert urge.values()["reply_due"] is None and not urge.due.isVisibleTo(urge)
