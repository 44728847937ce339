"""A dispatcher's whole day, through the widgets: every role's own main window against a real demo
server, each step clicked in the window of the role who takes it (the API is used only for what no
window does: looking up which inspector the server tasked).

report (hotline form) → accept → 派发核实 → the inspector verifies in their task list → 立案 → 派遣 →
the department asks for an extension (approved) and for 缓办 (approved: it stays active against the
new date) → the leader urges → the department feeds back → 派发核查 → the inspector checks → 结案
(confirmed with the case number). And a second case: 挂账 (hung up, out of the active count, shown
apart from 缓办), then 作废 by the leader."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from tests.client.demo_world import DEMO_PASSWORD

LON, LAT = 24.944, 60.170  # a street corner of the demo city (inside its unit grids)


pytestmark = pytest.mark.usefixtures("chinese")  # the UI as shipped (zh_CN; tests/client/conftest.py)


@pytest.fixture(scope="module")
def server(demo_city_server):
    return demo_city_server  # shared with the language walk (conftest)


class Windows:
    """Each user's main window, opened once and closed at the end."""

    def __init__(self, qtbot, server):  # noqa: ANN001
        self.qtbot, self.server, self.open = qtbot, server, {}

    def __call__(self, user: str):  # noqa: ANN204
        if user not in self.open:
            from app.api.client import ApiClient
            from app.widgets.main_window import MainWindow
            client = ApiClient(self.server.url, timeout=10)
            session = client.login(user, DEMO_PASSWORD)
            win = MainWindow(client, session, client.city())
            self.qtbot.addWidget(win)
            win.resize(1920, 1080)
            win.show()
            self.qtbot.waitUntil(lambda: win.data.city.grids is not None, timeout=30000)
            panels = getattr(win, "panels", {})
            self.qtbot.waitUntil(lambda: all(getattr(p, "loading", 0) == 0 for p in panels.values()),
                                 timeout=10000)
            self.open[user] = win
        return self.open[user]

    def close(self) -> None:
        for win in self.open.values():
            win.close()


@pytest.fixture
def windows(qtbot, server):
    w = Windows(qtbot, server)
    yield w
    w.close()


def click(qtbot, button) -> None:  # noqa: ANN001
    qtbot.waitUntil(button.isEnabled, timeout=10000)
    qtbot.mouseClick(button, Qt.LeftButton)


def ok(dialog) -> None:  # noqa: ANN001
    dialog.buttons.button(QDialogButtonBox.Ok).click()


def answer_confirmation(number: str, seen: list[str]) -> None:
    """Clicks 'yes' in the next 结案/作废 question once it shows, after checking it names the case."""
    def poll() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, poll)
            return
        seen.append(box.text())
        yes = box.button(QMessageBox.Yes)
        assert number in yes.text() and number in box.text()
        yes.click()
    QTimer.singleShot(0, poll)


def state_of(api, cid: int) -> dict:  # noqa: ANN001
    return api.case(cid)


def inspector_login(server, case: dict) -> str:  # noqa: ANN001
    """The username of the inspector the server tasked (nearest online, else the grid's)."""
    from server_stub.db.models import User
    with server.app.state.ctx.db.transaction() as s:
        return s.get(User, case["task_inspector_id"]).username


def wait_state(qtbot, api, cid: int, state: str, **fields) -> dict:  # noqa: ANN001
    got: dict = {}

    def done() -> bool:
        got.update(api.case(cid))
        return got["state"] == state and all(got.get(k) == v for k, v in fields.items())
    qtbot.waitUntil(done, timeout=10000)
    return got


def test_a_whole_day_through_every_roles_window(qtbot, server, windows):
    # -- 热线上报 and 受理: the acceptor's window
    acc = windows("acceptor")
    api = acc.client
    accept = acc.panels["accept"]
    accept.tabs.setCurrentWidget(accept.hotline)
    accept.h_class.set_current("event", "0102")
    accept.h_location.set_point(LON, LAT)
    accept.h_description.setPlainText("路口一堆生活垃圾（全日流程）")
    qtbot.waitUntil(lambda: accept.h_location.grid is not None, timeout=10000)
    click(qtbot, accept.h_submit)
    qtbot.waitUntil(lambda: any("全日流程" in (accept.table.case(i).get("description") or "")
                                for i in accept.table.ids()), timeout=10000)
    cid = next(i for i in accept.table.ids() if "全日流程" in (accept.table.case(i).get("description") or ""))
    accept.tabs.setCurrentIndex(0)
    accept.table.select(cid)
    qtbot.waitUntil(lambda: accept.detail is not None and accept.detail["id"] == cid, timeout=10000)
    click(qtbot, accept.accept_btn)
    wait_state(qtbot, api, cid, "pending_filing")

    # -- 派发核实 from the case detail; the acceptor's view does not jump to another case
    acc.show_case(cid)
    detail = acc.panels["detail"]
    qtbot.waitUntil(lambda: detail.case is not None and detail.case["id"] == cid
                    and detail.case["state"] == "pending_filing" and "send_verify" in detail.action_buttons,
                    timeout=10000)
    click(qtbot, detail.action_buttons["send_verify"])
    c = wait_state(qtbot, api, cid, "verifying")
    qtbot.waitUntil(lambda: detail.case["state"] == "verifying", timeout=10000)
    assert detail.case["id"] == cid

    # -- 核实: the tasked inspector answers in their own window's task list
    insp = windows(inspector_login(server, c))
    tasks = insp.panels["tasks"]
    qtbot.waitUntil(lambda: cid in tasks.table.ids(), timeout=10000)
    tasks.table.select(cid)
    click(qtbot, tasks.answer_btn)
    assert tasks.dialog.result_box.currentData() == "confirmed"
    tasks.dialog.comment.setPlainText("现场属实")
    ok(tasks.dialog)
    wait_state(qtbot, api, cid, "pending_filing")

    # -- 立案: the shift leader's filing panel
    sl = windows("shift_leader")
    filing = sl.panels["file"]
    qtbot.waitUntil(lambda: cid in filing.table.ids(), timeout=10000)
    filing.table.select(cid)
    qtbot.waitUntil(lambda: filing.conditions.count() > 0, timeout=10000)
    filing.conditions.setCurrentRow(0)
    click(qtbot, filing.file_btn)
    wait_state(qtbot, api, cid, "pending_dispatch")

    # -- 派遣 to the water company (the department user's own)
    dept_win = windows("water_supply")
    dept_id = dept_win.client.session.user["department_id"]
    disp = windows("dispatcher")
    dispatch = disp.panels["dispatch"]
    qtbot.waitUntil(lambda: cid in dispatch.table.ids(), timeout=10000)
    dispatch.table.select(cid)
    qtbot.waitUntil(lambda: dispatch.department.count() > 1, timeout=10000)
    dispatch.choose_department(dept_id)
    click(qtbot, dispatch.dispatch_btn)
    d0 = wait_state(qtbot, api, cid, "handling", department_id=dept_id)["deadline_at"]

    # -- the department asks for an extension; the dispatcher approves it
    dept = dept_win.panels["department"]
    qtbot.waitUntil(lambda: cid in dept.case_ids("handling"), timeout=10000)
    dept.select(cid)
    click(qtbot, dept.buttons["request_extension"])
    dept.dialog.amount.setValue(1)
    dept.dialog.unit.setCurrentIndex(dept.dialog.unit.findData("work_day"))
    dept.dialog.reason.setPlainText("需调配抢修车辆")
    ok(dept.dialog)
    wait_state(qtbot, api, cid, "handling", pending="extension")
    qtbot.waitUntil(lambda: cid in dispatch.requests.ids(), timeout=10000)
    dispatch.lower.setCurrentIndex(0)
    dispatch.requests.select(cid)
    click(qtbot, dispatch.approve_btn)
    c = wait_state(qtbot, api, cid, "handling", pending=None, extension_count=1)
    assert c["deadline_at"] > d0

    # -- 缓办: postponed to a later date, approved; it stays in handling against that date
    version = api.case(cid)["version"]
    qtbot.waitUntil(lambda: dept.selected is not None and dept.selected["id"] == cid
                    and dept.selected["version"] == version
                    and dept.buttons["request_postponement"].isEnabled(), timeout=10000)
    click(qtbot, dept.buttons["request_postponement"])
    until = date.today() + timedelta(days=10)
    dept.dialog.until.setDate(QDate(until.year, until.month, until.day))
    dept.dialog.reason.setPlainText("需待管网停水窗口施工")
    ok(dept.dialog)
    wait_state(qtbot, api, cid, "handling", pending="postponement")
    qtbot.waitUntil(lambda: (dispatch.requests.case(cid) or {}).get("pending") == "postponement", timeout=10000)
    dispatch.requests.select(cid)
    assert until.isoformat() in dispatch.request_info.text() and "缓办" in dispatch.request_info.text()
    click(qtbot, dispatch.approve_btn)
    c = wait_state(qtbot, api, cid, "postponed")
    assert c["deadline_at"] > d0 and c["band"] in ("green", "yellow")
    # the department sees it under 缓办 with its clock running; the dispatcher's timing list calls it 缓办
    qtbot.waitUntil(lambda: cid in dept.case_ids("postponed"), timeout=10000)
    assert any(dept.tabs.tabText(i).startswith("缓办") for i in range(dept.tabs.count()))
    timing = disp.panels["timing"]
    qtbot.waitUntil(lambda: cid in timing.timers and not timing.timers[cid].paused, timeout=10000)
    qtbot.waitUntil(lambda: "缓办 " in timing.counts.text(), timeout=5000)  # counted apart, at the next tick

    # -- 督办: the leader urges it from the case detail
    lead = windows("leader")
    lead.show_case(cid)
    ldetail = lead.panels["detail"]
    qtbot.waitUntil(lambda: ldetail.case is not None and ldetail.case["id"] == cid
                    and "urge" in ldetail.action_buttons, timeout=10000)
    click(qtbot, ldetail.action_buttons["urge"])
    ldetail.dialog.comment.setPlainText("请按缓办日期完成")
    ok(ldetail.dialog)
    wait_state(qtbot, api, cid, "postponed", urge_count=1)

    # -- 处置反馈 from 缓办
    version = api.case(cid)["version"]  # the urge changed the case: the panel shows it as it is now
    dept.select(cid)
    qtbot.waitUntil(lambda: dept.selected["id"] == cid and dept.selected["version"] == version
                    and dept.buttons["feedback"].isEnabled(), timeout=10000)
    click(qtbot, dept.buttons["feedback"])
    dept.dialog.comment.setPlainText("已更换井盖并清理")
    ok(dept.dialog)
    wait_state(qtbot, api, cid, "pending_check")

    # -- 派发核查 by the dispatcher; the inspector checks: fixed
    qtbot.waitUntil(lambda: cid in dispatch.checks.ids(), timeout=10000)
    dispatch.lower.setCurrentIndex(1)
    dispatch.checks.select(cid)
    click(qtbot, dispatch.send_check_btn)
    c = wait_state(qtbot, api, cid, "checking")
    insp = windows(inspector_login(server, c))
    tasks = insp.panels["tasks"]
    qtbot.waitUntil(lambda: cid in tasks.table.ids(), timeout=10000)
    tasks.table.select(cid)
    click(qtbot, tasks.answer_btn)
    tasks.dialog.result_box.setCurrentIndex(tasks.dialog.result_box.findData("fixed"))
    ok(tasks.dialog)
    wait_state(qtbot, api, cid, "pending_check")

    # -- 结案 by the shift leader, confirmed with the case number
    closing = sl.panels["dispatch"]
    qtbot.waitUntil(lambda: (closing.checks.case(cid) or {}).get("state") == "pending_check"
                    and bool(closing.checks.case(cid).get("pending_data")), timeout=10000)
    closing.lower.setCurrentIndex(1)
    closing.checks.select(cid)
    asked: list[str] = []
    answer_confirmation(api.case(cid)["number"], asked)
    click(qtbot, closing.close_btn)
    c = wait_state(qtbot, api, cid, "closed")
    assert len(asked) == 1 and c["close_type"] in ("normal", "overdue")
    actions = [e["action"] for e in c["events"]]
    for a in ("report", "accept", "send_verify", "answer_verify", "file", "dispatch", "request_extension",
              "approve_extension", "request_postponement", "approve_postponement", "urge", "feedback",
              "send_check", "answer_check", "close"):
        assert a in actions, a

    # -- a second case: 挂账 (hung up: no clock, out of the active count), then 作废 by the leader
    other = api.report({"source": "hotline", "kind": "event", "class_code": "0102", "lon": LON, "lat": LAT,
                        "description": "产权不明的违建垃圾（挂账）"})
    oid = other["id"]
    for role, action, body in (("acceptor", "accept", {}), ("shift_leader", "file", None),
                               ("dispatcher", "dispatch", {"department_id": dept_id})):
        client = windows(role).client
        if body is None:
            cls = next(k for k in client.classes("event") if k["code"] == "0102")
            body = {"condition_id": cls["conditions"][0]["id"]}
        client.act(oid, action, body)  # already walked through the panels above
    qtbot.waitUntil(lambda: oid in dept.case_ids("handling"), timeout=10000)
    dept.select(oid)
    qtbot.waitUntil(lambda: dept.selected["id"] == oid and dept.buttons["request_suspension"].isEnabled(),
                    timeout=10000)
    click(qtbot, dept.buttons["request_suspension"])
    dept.dialog.reason.setPlainText("产权不明，暂无法处置")
    ok(dept.dialog)
    wait_state(qtbot, api, oid, "handling", pending="suspension")
    qtbot.waitUntil(lambda: (dispatch.requests.case(oid) or {}).get("pending") == "suspension", timeout=10000)
    dispatch.lower.setCurrentIndex(0)
    dispatch.requests.select(oid)
    click(qtbot, dispatch.approve_btn)
    wait_state(qtbot, api, oid, "suspended", deadline_at=None)
    qtbot.waitUntil(lambda: oid in dept.case_ids("suspended"), timeout=10000)
    qtbot.waitUntil(lambda: oid in timing.timers and timing.timers[oid].paused, timeout=10000)
    qtbot.waitUntil(lambda: "挂账 " in timing.counts.text(), timeout=5000)
    dispatch.requests.select(oid)
    assert "挂账" in dispatch.request_info.text() and dispatch.resume_btn.isEnabled()

    lead.show_case(oid)
    qtbot.waitUntil(lambda: ldetail.case is not None and ldetail.case["id"] == oid
                    and "void" in ldetail.action_buttons, timeout=10000)
    click(qtbot, ldetail.action_buttons["void"])
    ldetail.dialog.reason.setPlainText("产权单位已自行拆除，无需处置")
    asked.clear()
    answer_confirmation(api.case(oid)["number"], asked)
    ok(ldetail.dialog)
    wait_state(qtbot, api, oid, "void")
    assert len(asked) == 1
    qtbot.waitUntil(lambda: oid not in dept.case_ids(), timeout=10000)


def _luminance(c) -> float:  # noqa: ANN001 - a QColor; WCAG relative luminance
    def ch(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())


def _contrast(a, b) -> float:  # noqa: ANN001
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _mean_luminance(widget) -> float:  # noqa: ANN001
    img = widget.grab().toImage()
    step = max(1, min(img.width(), img.height()) // 40)
    vals = [_luminance(img.pixelColor(x, y)) for x in range(0, img.width(), step) for y in range(0, img.height(), step)]
    return sum(vals) / len(vals)


def test_night_darkens_the_whole_window_and_keeps_text_readable(qtbot, server, windows):
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QAbstractButton, QDockWidget, QLabel
    win = windows("dispatcher")

    def docks() -> list:
        return [d for d in win.findChildren(QDockWidget) if d.isVisible() and d.width() > 50]

    def name(d) -> str:  # noqa: ANN001
        return d.windowTitle() or d.objectName()

    day = {name(d): _mean_luminance(d) for d in docks()}
    light = {k for k, v in day.items() if v > 0.4}  # a video dock is dark by day too
    assert len(light) >= 3, day
    win.night_action.setChecked(True)
    try:
        def dark() -> bool:
            night = {name(d): _mean_luminance(d) for d in docks()}
            return all(night[k] < 0.12 if k in light else night[k] <= day[k] + 0.02 for k in night)
        qtbot.waitUntil(dark, timeout=5000)
        for part in (win.menuBar(), win.statusBar()):
            assert _mean_luminance(part) < 0.12, type(part).__name__
        bad = []
        for w in win.findChildren(QLabel) + win.findChildren(QAbstractButton):
            if not w.isVisible() or not (w.text() if hasattr(w, "text") else ""):
                continue
            pal = w.palette()
            fg = pal.color(QPalette.ButtonText if isinstance(w, QAbstractButton) else QPalette.WindowText)
            bg = pal.color(QPalette.Button if isinstance(w, QAbstractButton) else QPalette.Window)
            if _contrast(fg, bg) < (4.5 if w.isEnabled() else 3.0):  # WCAG AA; greyed-out buttons 3:1
                bad.append(f"{type(w).__name__}[{w.objectName()}] {w.text()[:30]!r}: {fg.name()} on {bg.name()}")
        assert not bad, "text that the night hides:\n" + "\n".join(bad[:20])
    finally:
        win.night_action.setChecked(False)
    qtbot.waitUntil(lambda: all(_mean_luminance(d) > 0.4 for d in docks() if name(d) in light), timeout=5000)
