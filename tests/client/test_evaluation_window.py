"""The evaluation window (综合评价) against a real demo server, through the widgets: a leader opens it
from the menu, switches the period and the tabs, drills down from a department to its late case
and opens it in the main window, filters the choropleth by class, exports XLSX (read back) and a
PDF report (pages, and the Chinese text when pdftotext is there)."""
from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from tests.client.demo_world import build_demo_package, demo_server
from tests.client.test_role_windows import city_words, open_window, untranslated, visible_texts

COND = "component-0101-1"  # 2 urgent hours


pytestmark = pytest.mark.usefixtures("chinese")  # the UI as shipped (zh_CN; tests/client/conftest.py)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    package = build_demo_package(tmp_path_factory.mktemp("demo_city"))
    mp = pytest.MonkeyPatch()
    try:
        with demo_server(tmp_path_factory.mktemp("srv"), package, mp, history_days=0) as srv:  # its own late case only
            yield srv
    finally:
        mp.undo()


def late_case(ctx) -> tuple[int, str, str]:
    """A cover case dispatched 3 hours ago with a 2-hour limit and never fed back: overdue
    unhandled. (id, number, department code)"""
    from sqlalchemy import select

    from server_stub.db.models import Department, UnitGrid, User
    from server_stub.services import cases
    now = datetime.now(timezone.utc)
    with ctx.db.transaction() as s:
        users = {u.username: u for u in s.scalars(select(User).where(
            User.username.in_(["acceptor", "shift_leader", "dispatcher"])))}
        dept = s.scalars(select(Department).order_by(Department.code)).first()
        g = s.scalars(select(UnitGrid).order_by(UnitGrid.code)).first()
        case = cases.report_case(s, ctx, users["acceptor"], source="hotline", kind="component", class_code="0101",
                                 lon=(g.minx + g.maxx) / 2, lat=(g.miny + g.maxy) / 2, at=now - timedelta(hours=3, minutes=30),
                                 description="井盖缺失（测试）")
        cases.apply_action(s, ctx, case.id, users["acceptor"], "accept", at=now - timedelta(hours=3, minutes=20))
        cases.apply_action(s, ctx, case.id, users["shift_leader"], "file", at=now - timedelta(hours=3, minutes=10),
                           condition_id=COND)
        cases.apply_action(s, ctx, case.id, users["dispatcher"], "dispatch", at=now - timedelta(hours=3),
                           department_id=dept.id)
        return case.id, case.number, dept.code


def test_leader_evaluation_window(qtbot, server, tmp_path):
    from app.widgets.evaluation_tables import KEY_ROLE
    case_id, number, dept = late_case(server.app.state.ctx)
    win = open_window(qtbot, server, "leader")
    assert win.evaluation_action.text() == "综合评价…"
    win.evaluation_action.trigger()
    ew = win.evaluation_window
    qtbot.waitUntil(lambda: not ew._pending and "departments" in ew.data, timeout=60000)
    assert ew.windowTitle() == "综合评价"

    # a range of the last week (the case is a few hours old; it may straddle a month's start)
    today = datetime.now(ew_tz()).date()
    with qtbot.waitSignal(ew.loaded, timeout=60000):
        ew.picker.set_period(f"{today - timedelta(days=6)}..{today}")
    assert ew.picker.kind.currentText() == "自定义"
    t = ew.dept_table
    rows = {t.item(r, 0).data(KEY_ROLE): r for r in range(t.rowCount())}
    head = [t.horizontalHeaderItem(c).text() for c in range(t.columnCount())]
    assert head[0] == "名称" and head[-2:] == ["综合得分", "等级"] and "超期未处置数" in head
    assert int(t.item(rows[dept], head.index("超期未处置数")).text()) >= 1
    assert ew.scores_view.chart().series() and ew.trend_view.chart().series()
    assert ew.map.layer is not None and sum(ew.map.layer.counts.values()) >= 1
    assert ew.map.legend.entries  # the choropleth's classes have a legend

    # the same counts as a layer of the main map, above the unit grids, and off again
    ew.map.on_main.setChecked(True)
    layer = win.choropleth_layer
    layers = win.canvas.layers()
    assert layer in layers and layers.index(layer) == layers.index(win.data.city.grids) + 1
    assert layer.counts == ew.map.layer.counts and layer.legend()
    ew.map.on_main.setChecked(False)
    assert layer not in win.canvas.layers() and win.choropleth_layer is None

    # every text the leader can read is Chinese (the language walk of test_role_windows)
    for tab in range(3):
        ew.tabs.setCurrentIndex(tab)
        bad = untranslated(visible_texts(ew), city_words(win))
        assert not bad, "untranslated text:\n" + "\n".join(f"  {w}: {t!r}" for w, t in bad[:40])

    # tabs: posts (dispatchers) and regions (streets)
    ew.tabs.setCurrentIndex(1)
    ew.role.setCurrentIndex(ew.role.findData("dispatcher"))
    assert ew.post_table.rowCount() >= 1 and ew.tabs.tabText(1) == "岗位"
    ew.tabs.setCurrentIndex(2)
    ew.level.setCurrentIndex(ew.level.findData("street"))
    assert ew.region_table.rowCount() >= 1

    # the class filter redraws the map from the server
    i = ew.map.classes.findData("component:0101")
    assert i > 0
    with qtbot.waitSignal(ew.map.classes.currentIndexChanged):
        ew.map.classes.setCurrentIndex(i)
    qtbot.waitUntil(lambda: ew.data["grids"].get("class_code") == "0101", timeout=20000)
    assert ew.data["grids"]["total"] >= 1

    # drill-down: the department's late cases, and the case opens in the main window
    dlg = ew.drill(dept)
    qtbot.waitUntil(lambda: bool(dlg.items), timeout=20000)
    numbers = [dlg.table.item(r, 0).text() for r in range(dlg.table.rowCount())]
    assert number in numbers
    dlg._open(numbers.index(number))
    detail = win.panels["detail"]
    qtbot.waitUntil(lambda: detail.case is not None and detail.case.get("id") == case_id, timeout=20000)

    # XLSX, read back
    done: list[str] = []
    ew.export_xlsx(str(tmp_path / "评价.xlsx"), done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=20000)
    wb = load_workbook(done[0])
    assert {"部门", "派遣员", "区县", "街道", "案件类别", "月度趋势", "网格案件分布"} <= set(wb.sheetnames)
    ws = wb["部门"]
    values = list(ws.iter_rows(values_only=True))
    head = list(values[0])
    assert head[0] == "名称" and "处置率" in head and head[-4:] == ["综合得分", "等级", "已测得分", "测得权重"]
    names = {r[0]: dict(zip(head, r)) for r in values[1:]}
    dept_name = next(r["name"] for r in ew.data["departments"]["rows"] if r["key"] == dept)
    assert names[dept_name]["超期未处置数"] >= 1
    assert ws.cell(2, head.index("处置率") + 1).number_format == "0.0%"

    # the PDF report
    pdf = ew.export_pdf(str(tmp_path / "report.pdf"))
    data = open(pdf, "rb").read()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") - data.count(b"/Type /Pages") >= 2
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True, check=True).stdout
        # the title and subtitle as text (a CJK font's ToUnicode map may give some characters as
        # their radical look-alikes, e.g. 门 as ⻔: those words are not compared)
        assert f"综合评价 {ew.period}" in text and "考核周期" in text


def ew_tz():
    from app.api.city_config import city_tz
    return city_tz()
