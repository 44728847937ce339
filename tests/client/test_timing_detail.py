"""Timing panel, case detail and department panel against a real server (uvicorn + SQLite in tmp).

Short stage limits (acceptance: 3 s) make a new case turn yellow and red within seconds; the band
watcher (0.2 s) pushes case.band over the WebSocket.
"""
from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from app.api.client import ApiClient  # noqa: E402
from server_stub.settings import Settings  # noqa: E402
from tests.server.conftest import PASSWORD, LiveServer, seed_world  # noqa: E402

EVENT = {"kind": "event", "class_code": "0102", "lon": 120.6, "lat": 31.3, "description": "暴露垃圾一堆",
         "address": "人民路 12 号"}
COND = "event-0102-1"
DISPATCHER_ONLY = {"dispatch", "return_to_filing", "urge", "approve_extension", "deny_extension",
                   "approve_suspension", "deny_suspension", "resume", "rework"}


@pytest.fixture
def srv(tmp_path):
    s = Settings(db=f"sqlite:///{tmp_path}/occ.sqlite", data_dir=tmp_path / "data",
                 stage_limit_minutes="accept=0.05,verify=30,file=30,dispatch=30,check=30,send_check=60",
                 band_watch_seconds=0.2)
    with LiveServer(s) as server:
        server.uids, server.depts = seed_world(server.app)
        yield server


def login(srv, name: str) -> ApiClient:
    c = ApiClient(srv.url, timeout=10)
    c.login(name, PASSWORD)
    return c


def stream_for(qtbot, client: ApiClient, *sinks):
    from app.api.events import EventStream
    st = EventStream(client.ws_url, client.session.token)
    seen: list[dict] = []
    st.event.connect(seen.append)
    for s in sinks:
        st.event.connect(s)
    with qtbot.waitSignal(st.connected, timeout=10000):
        st.start()
    return st, seen


def to_handling(srv, department: str = "water") -> int:
    insp, acc, sl, disp = (login(srv, n) for n in ("inspector", "acceptor", "shift_leader", "dispatcher"))
    cid = insp.report(EVENT)["id"]
    acc.act(cid, "accept")
    sl.act(cid, "file", {"condition_id": COND})
    disp.act(cid, "dispatch", {"department_id": srv.depts[department]})
    return cid


def test_timing_panel_ticks_turns_red_and_alarms(qtbot, srv):
    from app.widgets.timing_panel import TimingPanel

    leader = login(srv, "leader")
    inspector = login(srv, "inspector")
    panel = TimingPanel(leader)
    qtbot.addWidget(panel)
    panel.resize(560, 420)
    panel.show()
    stream, seen = stream_for(qtbot, leader, panel.on_event)
    try:
        cid = inspector.report(EVENT)["id"]
        # a second case in a long stage stays green
        slow = inspector.report({**EVENT, "lon": 120.61})["id"]
        login(srv, "acceptor").act(slow, "accept")  # file stage: 30 min
        qtbot.waitUntil(lambda: panel.row_of(cid) >= 0 and panel.row_of(slow) >= 0, timeout=10000)
        first = panel.remaining_text(cid)
        assert first and "超时" not in first
        qtbot.waitUntil(lambda: panel.remaining_text(cid) != first, timeout=3000)  # ticking live

        # turns red: the band watcher pushes case.band, the banner shows the case, the sound plays
        qtbot.waitUntil(lambda: cid in panel.banner.case_ids(), timeout=10000)
        qtbot.waitUntil(lambda: any(m.get("type") == "case.band" and m["data"]["id"] == cid
                                    and m["data"]["band"] == "red" for m in seen), timeout=10000)
        assert panel.banner.isVisible()
        assert panel.sound.played == 1
        assert panel.model.rows[0].case["id"] == cid  # red first
        qtbot.waitUntil(lambda: panel.band_counts["red"] == 1 and panel.band_counts["green"] == 1, timeout=3000)
        assert panel.band_counts["yellow"] == 0
        # overdue time reads as overdue and keeps counting
        qtbot.waitUntil(lambda: panel.remaining_text(cid).startswith(("overdue", "超时")), timeout=3000)

        with qtbot.waitSignal(panel.caseSelected, timeout=2000) as sig:
            panel.banner.go_button(cid).click()
        assert sig.args == [cid]

        # filter by stage: only the case in filing
        panel.stage_filter.setCurrentIndex(panel.stage_filter.findData("file"))
        qtbot.waitUntil(lambda: [t.case["id"] for t in panel.model.rows] == [slow], timeout=2000)
        panel.stage_filter.setCurrentIndex(0)

        # muted: a second case turning red shows in the banner without sound
        panel.mute.setChecked(True)
        third = inspector.report({**EVENT, "lon": 120.62})["id"]
        qtbot.waitUntil(lambda: third in panel.banner.case_ids(), timeout=15000)
        assert panel.sound.played == 1
        panel.grab().save("/tmp/test_panel_timing.png")
    finally:
        stream.stop()


def test_case_detail_buttons_act_and_timeline(qtbot, srv):
    from PySide6.QtWidgets import QDialogButtonBox

    from app.widgets.case_detail import CaseDetail

    inspector, acceptor, dispatcher = (login(srv, n) for n in ("inspector", "acceptor", "dispatcher"))
    cid = inspector.report(EVENT)["id"]
    other = inspector.report({**EVENT, "lon": 120.61})["id"]

    detail = CaseDetail(acceptor, "acceptor")
    qtbot.addWidget(detail)
    detail.resize(520, 820)
    detail.show()
    detail.show_case(cid)
    qtbot.waitUntil(lambda: detail.case is not None and detail.case["id"] == cid, timeout=10000)
    assert set(detail.allowed_buttons()) == {"accept", "reject", "send_verify"}
    assert not DISPATCHER_ONLY & set(detail.allowed_buttons())
    assert detail.number.text() == detail.case["number"]
    assert detail.timeline.topLevelItemCount() == 1  # reported

    # the dispatcher's detail of the same case offers none of the acceptor's actions
    ddet = CaseDetail(dispatcher, "dispatcher")
    qtbot.addWidget(ddet)
    ddet.show_case(cid)
    qtbot.waitUntil(lambda: ddet.case is not None, timeout=10000)
    assert not {"accept", "reject", "send_verify"} & set(ddet.allowed_buttons())
    assert set(ddet.allowed_buttons()) == set(ddet.case["allowed_actions"])

    # acting through the detail: the timeline grows, the buttons follow the new state
    detail.action_buttons["accept"].click()
    qtbot.waitUntil(lambda: detail.case["state"] == "pending_filing" and detail.timeline.topLevelItemCount() == 2,
                    timeout=10000)
    assert "受理" in detail.timeline.topLevelItem(1).text(2)
    assert "accept" not in detail.allowed_buttons()

    # a refusal (someone acted first) keeps what was typed, with a plain message
    detail.show_case(other)
    qtbot.waitUntil(lambda: detail.case["id"] == other and "reject" in detail.action_buttons, timeout=10000)
    detail.action_buttons["reject"].click()
    dlg = detail.dialog
    assert dlg is not None and dlg.reason is not None
    dlg.reason.setPlainText("重复上报")
    acceptor2 = login(srv, "acceptor")
    acceptor2.act(other, "accept")
    dlg.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: dlg.error.isVisible(), timeout=10000)
    assert dlg.isVisible() and dlg.reason.toPlainText() == "重复上报"
    dlg.reject()
    qtbot.waitUntil(lambda: detail.case["state"] == "pending_filing", timeout=10000)
    detail.show_case(cid)
    qtbot.waitUntil(lambda: detail.case["id"] == cid, timeout=10000)
    detail.grab().save("/tmp/test_panel_detail.png")


def test_department_panel_feedback_with_photo(qtbot, srv, tmp_path):
    from PySide6.QtGui import QColor, QImage
    from PySide6.QtWidgets import QDialogButtonBox

    from app.widgets.case_detail import CaseDetail
    from app.widgets.department_panel import DepartmentPanel

    cid = to_handling(srv, "water")
    dept, dept2 = login(srv, "department"), login(srv, "department2")
    panel = DepartmentPanel(dept)
    qtbot.addWidget(panel)
    panel.resize(640, 420)
    panel.show()
    other = DepartmentPanel(dept2)
    qtbot.addWidget(other)
    loaded2 = []
    other._loaded = (lambda orig: (lambda page: (loaded2.append(page), orig(page))))(other._loaded)
    other.refresh()
    qtbot.waitUntil(lambda: cid in panel.case_ids("handling"), timeout=10000)
    qtbot.waitUntil(lambda: bool(loaded2), timeout=10000)
    assert cid not in other.case_ids()
    assert panel.models["handling"].data(panel.models["handling"].index(0, 3))  # remaining time shown

    panel.select(cid)
    qtbot.waitUntil(lambda: panel.buttons["feedback"].isEnabled(), timeout=10000)
    assert all(panel.buttons[a].isEnabled() for a in
               ("feedback", "dept_return", "request_extension", "request_suspension"))

    # request an extension: the open request shows, and feedback is still possible afterwards
    panel.buttons["request_extension"].click()
    dlg = panel.dialog
    dlg.amount.setValue(2)
    dlg.unit.setCurrentIndex(dlg.unit.findData("work_hour"))
    dlg.reason.setPlainText("需要调配设备")
    dlg.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: panel.selected and panel.selected.get("pending") == "extension", timeout=10000)
    assert panel.request_label.text()

    png = tmp_path / "after.png"
    img = QImage(64, 48, QImage.Format_RGB32)
    img.fill(QColor("#2e7d32"))
    assert img.save(str(png))
    panel.buttons["feedback"].click()
    dlg = panel.dialog
    dlg.comment.setPlainText("已清理完毕")
    dlg.photos.set_paths([str(png)])
    dlg.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: cid in panel.case_ids("fed_back"), timeout=10000)
    assert not dlg.isVisible()

    detail = CaseDetail(login(srv, "dispatcher"), "dispatcher")
    qtbot.addWidget(detail)
    detail.resize(520, 820)
    detail.show()
    detail.show_case(cid)
    qtbot.waitUntil(lambda: detail.case is not None and len(detail.after_photos()) == 1, timeout=10000)
    qtbot.waitUntil(lambda: detail.photos_after.loaded == 1, timeout=10000)
    assert detail.photos_before.hashes == []
    assert detail.case["state"] == "pending_check"
    panel.grab().save("/tmp/test_panel_department.png")
