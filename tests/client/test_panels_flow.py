"""The case-flow panels (accept, file, dispatch) against a real server: a hotline report goes through
the whole loop by clicking the panels' buttons; a second workstation sees every step live; two
workstations acting on one case get the plain conflict message; an offline attempt is retried with
the same Idempotency-Key and happens once. Also saves screenshots of each panel with data."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, Qt, QTranslator
from PySide6.QtGui import QColor, QImage, QPainter

from app.api.client import ApiClient, Session
from app.api.events import EventStream
from app.domain.workflow import check_result
from app.i18n import compile_qm
from app.widgets.accept_panel import AcceptPanel
from app.widgets.case_table import CaseTable
from app.widgets.dispatch_panel import DispatchPanel
from app.widgets.file_panel import FilePanel
from server_stub.settings import Settings
from tests.server.conftest import PASSWORD, LiveServer, seed_world
from tests.server.test_reference_seed import seed_city

LON, LAT = 115.8505, 28.6805  # inside unit grid 360102001001001 of the seed city (百花洲社区)
GLOSSARY = Path(__file__).resolve().parents[2] / "resources" / "translations" / "glossary_zh_CN.csv"


@pytest.fixture
def server(tmp_path):
    settings = Settings(db=f"sqlite:///{tmp_path}/occ.sqlite", data_dir=tmp_path / "data", band_watch_seconds=0.2)
    with LiveServer(settings) as srv:
        _, depts = seed_world(srv.app)
        ids = seed_city(srv.app.state.ctx)
        srv.depts = depts
        srv.inspector_id = ids["inspector_id"]
        yield srv


def login(server, username: str, password: str = PASSWORD) -> ApiClient:
    c = ApiClient(server.url, timeout=10)
    c.login(username, password)
    return c


@pytest.fixture
def streams():
    made: list[EventStream] = []

    def make(client: ApiClient, *targets) -> EventStream:
        s = EventStream(client.ws_url, client.session.token)
        for t in targets:
            s.event.connect(t)
        s.up = []
        s.connected.connect(lambda: s.up.append(True))
        s.start()
        made.append(s)
        return s

    yield make
    for s in made:
        s.stop()


def wait_connected(qtbot, stream: EventStream) -> None:
    qtbot.waitUntil(lambda: bool(stream.up), timeout=5000)


def photo_png(colour: str = "#3a7") -> bytes:
    img = QImage(160, 120, QImage.Format_RGB32)
    img.fill(QColor(colour))
    p = QPainter(img)
    p.fillRect(40, 30, 80, 60, QColor("#765"))
    p.end()
    ba = QByteArray()
    buf = QBuffer(ba)
    buf.open(QBuffer.WriteOnly)
    img.save(buf, "PNG")
    return bytes(ba)


def server_case(client: ApiClient, cid: int) -> dict:
    return client.case(cid)


def make_panel(qtbot, cls, client, width=1100, height=620):
    p = cls(client)
    qtbot.addWidget(p)
    p.resize(width, height)
    p.show()
    qtbot.waitUntil(lambda: bool(p.classes), timeout=30000)  # the first classes call warms pinyin up
    p.refresh()
    qtbot.waitUntil(lambda: p.loading == 0, timeout=5000)
    return p


def click(qtbot, button) -> None:
    assert button.isEnabled(), f"{button.text()} is disabled"
    qtbot.mouseClick(button, Qt.LeftButton)


def live_state(qtbot, table: CaseTable, cid: int, state: str, within_ms: int = 1000, **fields) -> None:
    """The second workstation's table shows the step within a second."""
    def ok() -> bool:
        c = table.case(cid)
        return bool(c) and c["state"] == state and all(c.get(k) == v for k, v in fields.items())
    qtbot.waitUntil(ok, timeout=within_ms)


# ---------------------------------------------------------------------- the loop
def test_case_loop_through_the_panels(qtbot, server, streams, monkeypatch):
    acc, sl, disp = login(server, "acceptor"), login(server, "shift_leader"), login(server, "dispatcher")
    dept2, insp = login(server, "department2"), login(server, "insp1", "pw-insp1")
    sanitation = server.depts["sanitation"]

    accept = make_panel(qtbot, AcceptPanel, acc)
    filing = make_panel(qtbot, FilePanel, sl)
    dispatch = make_panel(qtbot, DispatchPanel, disp)
    closing = make_panel(qtbot, DispatchPanel, sl)  # 结案 is the shift leader's (domain §5)

    # the second workstation: its own client and event stream, a plain case table
    leader = login(server, "leader")
    second = CaseTable(accepts=lambda c: True)
    qtbot.addWidget(second)
    for s in (streams(leader, second.apply_event), streams(acc, accept.on_event), streams(sl, filing.on_event),
              streams(disp, dispatch.on_event), streams(sl, closing.on_event)):
        wait_connected(qtbot, s)

    # -- 受理 12319: a hotline report typed into the accept panel's form (with the wrong class)
    accept.tabs.setCurrentIndex(1)
    accept.h_name.setText("张先生")
    accept.h_phone.setText("13800138000")
    assert accept.h_class.choose("jcljzt")["code"] == "0103"  # 积存垃圾渣土 by pinyin initials
    accept.h_address.setText("八一大道 100 号门口")
    accept.h_location.set_point(LON, LAT)
    accept.h_description.setPlainText("门口一大堆生活垃圾，没人清理")
    qtbot.waitUntil(lambda: "360102001001001" in accept.h_location.place.text(), timeout=3000)
    click(qtbot, accept.h_submit)
    qtbot.waitUntil(lambda: any(accept.table.case(i)["source"] == "hotline" for i in accept.table.ids()),
                    timeout=5000)
    cid = next(i for i in accept.table.ids() if accept.table.case(i)["source"] == "hotline")
    c = server_case(acc, cid)
    assert (c["state"], c["source"], c["reporter_name"], c["class_code"]) == ("reported", "hotline", "张先生", "0103")
    qtbot.waitUntil(lambda: accept.h_description.toPlainText() == "", timeout=3000)  # cleared after success
    assert "Reported as" in accept.message.text()
    live_state(qtbot, second, cid, "reported")

    # -- accept with a class correction (暴露垃圾, found by pinyin initials)
    accept.tabs.setCurrentIndex(0)
    accept.table.select(cid)
    qtbot.waitUntil(lambda: accept.detail is not None and accept.detail["id"] == cid, timeout=5000)
    assert "张先生" in accept.reporter.text()
    assert accept.picker.choose("bllj")["code"] == "0102"
    qtbot.waitUntil(lambda: "360102001001001" in accept.location.place.text(), timeout=3000)
    click(qtbot, accept.accept_btn)
    qtbot.waitUntil(lambda: cid not in accept.table.ids(), timeout=5000)
    c = server_case(acc, cid)
    assert (c["state"], c["kind"], c["class_code"]) == ("pending_filing", "event", "0102")
    live_state(qtbot, second, cid, "pending_filing", class_code="0102")

    # -- 立案 with a filing condition
    qtbot.waitUntil(lambda: cid in filing.table.ids(), timeout=2000)  # arrived live
    filing.table.select(cid)
    qtbot.waitUntil(lambda: filing.conditions.count() == 2, timeout=3000)
    assert filing.conditions.item(0).text() == "4 work hours — 主要道路成堆、成片的垃圾 → 彻底清理"
    filing.conditions.setCurrentRow(1)  # 1 working day — 成堆、成片的垃圾 → 清除
    qtbot.waitUntil(lambda: "Deadline if filed" in filing.preview.text() and "…" not in filing.preview.text(),
                    timeout=3000)
    click(qtbot, filing.file_btn)
    qtbot.waitUntil(lambda: cid not in filing.table.ids(), timeout=5000)
    c = server_case(sl, cid)
    assert (c["state"], c["condition_id"]) == ("pending_dispatch", "event-0102-2")
    live_state(qtbot, second, cid, "pending_dispatch")

    # -- 派遣 to the suggested department, with the server's deadline preview
    qtbot.waitUntil(lambda: cid in dispatch.table.ids(), timeout=2000)
    dispatch.table.select(cid)
    qtbot.waitUntil(lambda: dispatch.department.count() > 0 and dispatch.department.itemText(0).startswith("★"),
                    timeout=3000)
    suggested = disp.suggest_department("event", "0102", LON, LAT)
    assert dispatch.department_id() == suggested[0]["department"]["id"]  # the first suggestion is preselected
    assert dispatch.department.count() == len(dispatch.departments)  # then every other department
    # the dispatcher picks the sanitation office (the class's responsible department, suggested second)
    assert [s["department"]["id"] for s in suggested].index(sanitation) == 1
    dispatch.department.setFocus()
    dispatch.choose_department(sanitation)
    assert "responsibility matrix" in dispatch.reason.text()  # why, in words (the server log keeps the codes)
    qtbot.waitUntil(lambda: dispatch.preview.property("deadline_at") is not None, timeout=3000)
    expected = disp.deadline_preview(cid, department_id=sanitation)["deadline_at"]
    assert dispatch.preview.property("deadline_at")[:16] == expected[:16]
    assert "Deadline if dispatched now" in dispatch.preview.text()
    click(qtbot, dispatch.dispatch_btn)
    qtbot.waitUntil(lambda: cid not in dispatch.table.ids(), timeout=5000)
    c = server_case(disp, cid)
    assert (c["state"], c["department_id"]) == ("handling", sanitation)
    deadline0 = c["deadline_at"]
    live_state(qtbot, second, cid, "handling", department_id=sanitation)

    # -- the department asks for an extension (through the API: the department view is another panel)
    dept2.act(cid, "request_extension", {"reason": "垃圾量大，需要调车", "amount": 1, "limit_type": "work_day"})
    qtbot.waitUntil(lambda: cid in dispatch.requests.ids(), timeout=2000)
    live_state(qtbot, second, cid, "handling", pending="extension")
    dispatch.lower.setCurrentIndex(0)
    dispatch.requests.select(cid)
    assert "垃圾量大" in dispatch.request_info.text()
    click(qtbot, dispatch.approve_btn)
    qtbot.waitUntil(lambda: cid not in dispatch.requests.ids(), timeout=5000)
    c = server_case(disp, cid)
    assert (c["state"], c["pending"], c["extension_count"]) == ("handling", None, 1)
    assert c["deadline_at"] > deadline0
    live_state(qtbot, second, cid, "handling", pending=None)

    # -- feedback → send check → not fixed → rework in the panel
    dept2.act(cid, "feedback", {"comment": "已清理"})
    qtbot.waitUntil(lambda: cid in dispatch.checks.ids(), timeout=2000)
    live_state(qtbot, second, cid, "pending_check")
    dispatch.lower.setCurrentIndex(1)
    dispatch.checks.select(cid)
    assert not dispatch.close_btn.isEnabled()  # a dispatcher does not close (the shift leader does)
    click(qtbot, dispatch.send_check_btn)
    qtbot.waitUntil(lambda: dispatch.checks.case(cid)["state"] == "checking", timeout=5000)
    assert server_case(disp, cid)["state"] == "checking"
    live_state(qtbot, second, cid, "checking")
    insp.act(cid, "answer_check", {"result": "not_fixed"})
    qtbot.waitUntil(lambda: dispatch.checks.case(cid)["state"] == "pending_check", timeout=2000)
    live_state(qtbot, second, cid, "pending_check")
    monkeypatch.setattr(dispatch, "ask_reason", lambda name, title, prompt=None: "墙角还有垃圾")
    dispatch.checks.select(cid)
    click(qtbot, dispatch.rework_btn)
    qtbot.waitUntil(lambda: cid not in dispatch.checks.ids(), timeout=5000)
    c = server_case(disp, cid)
    assert (c["state"], c["rework_count"], c["department_id"]) == ("handling", 1, sanitation)
    live_state(qtbot, second, cid, "handling", rework_count=1)

    # -- feedback again → check → fixed → close (the shift leader's panel)
    dept2.act(cid, "feedback", {"comment": "墙角也清理了"})
    qtbot.waitUntil(lambda: cid in dispatch.checks.ids(), timeout=2000)
    dispatch.checks.select(cid)
    click(qtbot, dispatch.send_check_btn)
    qtbot.waitUntil(lambda: dispatch.checks.case(cid)["state"] == "checking", timeout=5000)
    insp.act(cid, "answer_check", {"result": "fixed"})
    # the closing panel already listed the case in 待核查 before the check: wait for the result itself
    qtbot.waitUntil(lambda: check_result(closing.checks.case(cid) or {}) == "fixed", timeout=2000)
    closing.lower.setCurrentIndex(1)
    closing.checks.select(cid)
    assert closing.close_type.currentData() == "normal"
    asked = []  # 结案 asks once more, naming the case
    monkeypatch.setattr(closing, "confirm", lambda action, case: asked.append((action, case["number"])) or True)
    click(qtbot, closing.close_btn)
    assert asked == [("close", server_case(sl, cid)["number"])]
    qtbot.waitUntil(lambda: cid not in closing.checks.ids(), timeout=5000)
    c = server_case(sl, cid)
    assert (c["state"], c["close_type"]) == ("closed", "normal")
    live_state(qtbot, second, cid, "closed")
    qtbot.waitUntil(lambda: cid not in dispatch.checks.ids(), timeout=1000)  # the dispatcher's panel saw it go too


# ---------------------------------------------------------------------- conflict and offline
def test_conflict_gives_the_plain_message_and_refreshes(qtbot, server):
    acc, sl_a, sl_b = login(server, "acceptor"), login(server, "shift_leader"), login(server, "shift_leader")
    cid = acc.report({"kind": "event", "class_code": "0102", "lon": LON, "lat": LAT, "description": "垃圾"})["id"]
    acc.act(cid, "accept")
    a = make_panel(qtbot, FilePanel, sl_a)
    b = make_panel(qtbot, FilePanel, sl_b)  # no live events: it still lists the case
    for p in (a, b):
        p.table.select(cid)
        qtbot.waitUntil(lambda p=p: p.condition_id() is not None, timeout=3000)
    click(qtbot, a.file_btn)
    qtbot.waitUntil(lambda: cid not in a.table.ids(), timeout=5000)
    assert cid in b.table.ids()
    messages = []
    b.messageShown.connect(messages.append)
    click(qtbot, b.file_btn)
    qtbot.waitUntil(lambda: any("changed by someone else" in m for m in messages), timeout=5000)
    assert b.message.text() == ("This case was changed by someone else (now: Pending dispatch); "
                                "the list is refreshed.")
    qtbot.waitUntil(lambda: cid not in b.table.ids(), timeout=5000)  # the list is refreshed
    assert server_case(sl_a, cid)["state"] == "pending_dispatch"


def test_offline_attempt_keeps_the_input_and_retries_once(qtbot, server):
    acc = login(server, "acceptor")
    offline = ApiClient("http://127.0.0.1:9", timeout=1, retries=0)  # nothing listens there
    offline.session = Session(acc.session.token, acc.session.user)
    p = AcceptPanel(offline)
    qtbot.addWidget(p)
    p.classes = acc.classes()
    p.reference_loaded()
    p.h_class.choose("bllj")
    p.h_location.set_point(LON, LAT)
    p.h_description.setPlainText("路边垃圾")
    p.h_name.setText("李女士")
    messages = []
    p.messageShown.connect(messages.append)
    key1 = p.run_action(None, "report", p.hotline_body(),
                        call=lambda k: offline.report(p.hotline_body(), idempotency_key=k))
    # the attempt is over (the reference lists' own failure may say the same thing earlier)
    qtbot.waitUntil(lambda: bool(messages) and not p._busy, timeout=5000)
    assert p.message.text() == "Cannot reach the server; nothing was lost, try again."
    assert p.h_description.toPlainText() == "路边垃圾" and p.h_name.text() == "李女士"  # kept
    # the server comes back: the retry reuses the attempt's key, so a doubled request makes one case
    offline.base_url = server.url
    seen = []
    real = offline.report

    def report_twice(body, idempotency_key=None):
        seen.append(idempotency_key)
        real(body, idempotency_key=idempotency_key)  # as if the first answer had been lost
        return real(body, idempotency_key=idempotency_key)

    offline.report = report_twice
    click(qtbot, p.h_submit)
    qtbot.waitUntil(lambda: p.h_description.toPlainText() == "", timeout=15000)
    assert seen == [key1]
    items = acc.cases(state="reported")["items"]
    assert len([c for c in items if c["description"] == "路边垃圾"]) == 1


# ---------------------------------------------------------------------- screenshots
CONTEXTS = ("FlowPanel", "AcceptPanel", "FilePanel", "DispatchPanel", "CaseTable", "ClassPicker", "LocationEditor",
            "ReasonDialog", "CaseState", "CaseSource", "TimeLimit", "Remaining")


def glossary_translator(tmp_path: Path) -> QTranslator:
    """The glossary (English source → Chinese) compiled to a .qm, to look at the panels as shipped."""
    from xml.sax.saxutils import escape

    with GLOSSARY.open(encoding="utf-8") as f:
        rows = [(r["source"], r["zh_CN"]) for r in csv.DictReader(f)]
    msgs = "".join(f"<message><source>{escape(s)}</source><translation>{escape(z)}</translation></message>"
                   for s, z in rows)
    ts = tmp_path / "glossary_zh_CN.ts"
    ts.write_text('<?xml version="1.0" encoding="utf-8"?><!DOCTYPE TS><TS version="2.1" language="zh_CN">'
                  + "".join(f"<context><name>{c}</name>{msgs}</context>" for c in CONTEXTS) + "</TS>",
                  encoding="utf-8")
    qm = compile_qm(ts)
    tr = QTranslator()
    assert qm is not None and tr.load(str(qm))
    return tr


def test_panel_screenshots(qtbot, server, tmp_path):
    tr = glossary_translator(tmp_path)
    QCoreApplication.installTranslator(tr)
    try:
        _screenshots(qtbot, server)
    finally:
        QCoreApplication.removeTranslator(tr)


def _screenshots(qtbot, server):
    acc, sl, disp = login(server, "acceptor"), login(server, "shift_leader"), login(server, "dispatcher")
    inspector, dept2 = login(server, "insp1", "pw-insp1"), login(server, "department2")
    photo = inspector.upload_photo("p.png", photo_png(), "image/png")["sha256"]
    photo2 = inspector.upload_photo("q.png", photo_png("#58c"), "image/png")["sha256"]
    made = []
    rows = [("event", "0102", 0.0000, "路口垃圾成堆", "八一大道与中山路口", [photo, photo2]),
            ("event", "0102", 0.0001, "同一堆垃圾，还在", "八一大道与中山路口", []),
            ("component", "0102", 0.0003, "污水井盖破损", "百花洲路 12 号", [photo]),
            ("event", "0101", 0.0012, "违章搭建雨棚", "洪都北大道 3 号", []),
            ("component", "0101", 0.0021, "上水井盖缺失", "墩子塘路", []),
            ("event", "0103", 0.0030, "工地渣土堆积", "八一桥东", [])]
    for kind, code, d, text, addr, photos in rows:
        made.append(inspector.report({"kind": kind, "class_code": code, "lon": LON + d, "lat": LAT, "description": text,
                                      "address": addr, "photo_hashes": photos})["id"])
    acc.report({"source": "hotline", "kind": "event", "class_code": "0102", "lon": LON + 0.0008, "lat": LAT,
                "description": "小区门口垃圾没人收", "address": "百花洲社区北门", "reporter_name": "王先生",
                "reporter_contact": "13900001111"})
    for cid in made[2:]:
        acc.act(cid, "accept")
    for cid in made[4:]:
        sl.act(cid, "file", {"condition_id": f"{sl.case(cid)['kind']}-{sl.case(cid)['class_code']}-1"})
    extra = acc.report({"kind": "event", "class_code": "0102", "lon": LON + 0.0015, "lat": LAT,
                        "description": "绿化带垃圾", "address": "洪都社区"})["id"]
    acc.act(extra, "accept")
    sl.act(extra, "file", {"condition_id": "event-0102-1"})
    disp.act(extra, "dispatch", {"department_id": server.depts["sanitation"]})
    dept2.act(extra, "request_extension", {"reason": "需要调车", "amount": 1, "limit_type": "work_day"})

    accept = make_panel(qtbot, AcceptPanel, acc, 1100, 640)
    accept.table.select(made[0])
    qtbot.waitUntil(lambda: len(accept.photo_labels) == 2 and all(lbl.pixmap() and not lbl.pixmap().isNull()
                                                                  for lbl in accept.photo_labels), timeout=5000)
    qtbot.waitUntil(lambda: accept.duplicates.count() == 1, timeout=3000)
    qtbot.waitUntil(lambda: accept.location.component.count() > 1, timeout=3000)
    qtbot.wait(100)
    accept.grab().save("/tmp/panel_accept.png")
    accept.tabs.setCurrentIndex(1)
    accept.h_class.choose("bllj")
    accept.h_location.set_point(LON, LAT)
    qtbot.waitUntil(lambda: "360102001001001" in accept.h_location.place.text(), timeout=3000)
    accept.grab().save("/tmp/panel_accept_hotline.png")

    filing = make_panel(qtbot, FilePanel, sl, 1000, 480)
    filing.table.select(made[2])
    qtbot.waitUntil(lambda: "…" not in filing.preview.text() and filing.preview.text() != "", timeout=3000)
    filing.grab().save("/tmp/panel_file.png")

    dispatch = make_panel(qtbot, DispatchPanel, disp, 1100, 700)
    dispatch.table.select(made[4])
    qtbot.waitUntil(lambda: dispatch.preview.property("deadline_at") is not None, timeout=3000)
    dispatch.requests.select(extra)
    qtbot.wait(100)
    dispatch.grab().save("/tmp/panel_dispatch.png")


# ---------------------------------------------------------------------- the other actions
def _report(client: ApiClient, dlon: float = 0.0, **kw) -> int:
    body = {"kind": "event", "class_code": "0102", "lon": LON + dlon, "lat": LAT, "description": "垃圾", **kw}
    return client.report(body)["id"]


def test_reject_merge_batch_dispatch_and_requests(qtbot, server, monkeypatch):
    acc, sl, disp = login(server, "acceptor"), login(server, "shift_leader"), login(server, "dispatcher")
    dept2 = login(server, "department2")
    sanitation = server.depts["sanitation"]
    a, b, junk = _report(acc), _report(acc, 0.00005, description="同一堆垃圾"), _report(acc, 0.002)

    accept = make_panel(qtbot, AcceptPanel, acc)
    assert set(accept.table.ids()) == {a, b, junk}
    # reject needs a reason (the dialog); cancelling it does nothing
    accept.table.select(junk)
    monkeypatch.setattr(accept, "ask_reason", lambda name, title, prompt=None: None)
    click(qtbot, accept.reject_btn)
    qtbot.wait(200)
    assert acc.case(junk)["state"] == "reported"
    monkeypatch.setattr(accept, "ask_reason", lambda name, title, prompt=None: "重复来电，无效")
    click(qtbot, accept.reject_btn)
    qtbot.waitUntil(lambda: junk not in accept.table.ids(), timeout=5000)
    assert acc.case(junk)["state"] == "void"
    # the likely duplicate is shown before accepting, and merged
    accept.table.select(b)
    qtbot.waitUntil(lambda: accept.duplicates.count() == 1, timeout=5000)
    assert accept.duplicates.item(0).data(Qt.UserRole) == a
    click(qtbot, accept.merge_btn)
    qtbot.waitUntil(lambda: b not in accept.table.ids(), timeout=5000)
    assert acc.case(b)["state"] == "void"

    # batch dispatch: two filed cases, one department
    c1, c2 = a, _report(acc, 0.0005)
    acc.act(c2, "accept")
    for cid in (c1, c2):
        if acc.case(cid)["state"] == "reported":
            acc.act(cid, "accept")
        sl.act(cid, "file", {"condition_id": "event-0102-1"})
    c3 = _report(acc, 0.0009)
    acc.act(c3, "accept")
    sl.act(c3, "file", {"condition_id": "event-0102-1"})
    dispatch = make_panel(qtbot, DispatchPanel, disp)
    assert {c1, c2, c3} <= set(dispatch.table.ids())
    dispatch.table.select_ids([c1, c2])
    qtbot.waitUntil(lambda: dispatch.department.count() > 0 and dispatch.department.itemText(0).startswith("★"),
                    timeout=3000)
    dispatch.choose_department(sanitation)
    click(qtbot, dispatch.batch_btn)
    qtbot.waitUntil(lambda: c1 not in dispatch.table.ids() and c2 not in dispatch.table.ids(), timeout=5000)
    assert [disp.case(c)["department_id"] for c in (c1, c2)] == [sanitation, sanitation]
    assert all(disp.case(c)["state"] == "handling" for c in (c1, c2))
    # return to filing (a reason)
    monkeypatch.setattr(dispatch, "ask_reason", lambda name, title, prompt=None: "类别错误")
    dispatch.table.select(c3)
    click(qtbot, dispatch.return_btn)
    qtbot.waitUntil(lambda: c3 not in dispatch.table.ids(), timeout=5000)
    assert disp.case(c3)["state"] == "pending_filing"

    # requests: deny an extension (reason), approve a suspension, resume
    dept2.act(c1, "request_extension", {"reason": "要调车", "amount": 1, "limit_type": "work_day"})
    dept2.act(c2, "request_suspension", {"reason": "等待施工许可"})
    dispatch.refresh()
    qtbot.waitUntil(lambda: {c1, c2} <= set(dispatch.requests.ids()), timeout=5000)
    assert dispatch.lower.tabText(0).startswith("&Requests (2)")
    dispatch.requests.select(c1)
    monkeypatch.setattr(dispatch, "ask_reason", lambda name, title, prompt=None: "时限足够")
    click(qtbot, dispatch.deny_btn)
    qtbot.waitUntil(lambda: c1 not in dispatch.requests.ids(), timeout=5000)
    c = disp.case(c1)
    assert (c["state"], c["pending"], c["extension_count"]) == ("handling", None, 0)
    dispatch.requests.select(c2)
    click(qtbot, dispatch.approve_btn)
    qtbot.waitUntil(lambda: (dispatch.requests.case(c2) or {}).get("state") == "suspended", timeout=5000)
    assert disp.case(c2)["state"] == "suspended"
    dispatch.requests.select(c2)
    assert dispatch.resume_btn.isEnabled() and not dispatch.approve_btn.isEnabled()
    click(qtbot, dispatch.resume_btn)
    qtbot.waitUntil(lambda: c2 not in dispatch.requests.ids(), timeout=5000)
    assert disp.case(c2)["state"] == "handling"
