"""Every role's window against a real demo server, through the widgets.

The language walk: every role logs in to a real demo server and its whole window is walked: every visible text,
tooltip, placeholder, header, tab, menu entry and list cell must be Chinese (codes, numbers, units
and the city's own Latin place names aside). Also: --lang en gives the English source strings,
Qt's own buttons (QDialogButtonBox) are translated, and a user's name shows the role once.
The working day's tools: Chinese filter text matches; a place picked on the map (and found by
pinyin initials, and typed as coordinates) fills grid, street and community; the search box finds
a closed case on the server and opens it; the inspector answers a verification from their tasks."""
from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QCoreApplication, QModelIndex, Qt
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QComboBox, QDialogButtonBox, QDockWidget,
                               QGroupBox, QLabel, QLineEdit, QMenu, QTabBar, QToolBar, QWidget)

from app.widgets.case_table import COLUMNS, ID_ROLE
from tests.client.demo_world import DEMO_PASSWORD, closed_case, demo_api, open_case_for

ROLES = ("acceptor", "shift_leader", "dispatcher", "leader", "water_supply", "caixiaodong")
# Latin words a Chinese UI legitimately shows: product and format names, keys, units.
ALLOWED = {"opencitycommand", "qgis", "osm", "openstreetmap", "contributors", "xyz", "wmts", "mbtiles", "gpx",
           "tianditu", "kml", "kmz", "geojson", "json", "open311", "ctrl", "alt", "shift", "enter", "return", "esc", "home", "del", "id", "km",
           "gb", "csv", "xlsx", "png", "jpeg", "webp", "gk", "cgcs", "epsg", "utm", "wgs", "zone", "ws",
           "http", "https", "pdf", "app"}
WORD = re.compile(r"[A-Za-z]{2,}[0-9]*")  # names with digits (Open311) are one word
TAG = re.compile(r"<[^>]+>|&[a-z]+;")


pytestmark = pytest.mark.usefixtures("chinese")  # the UI as shipped (zh_CN; tests/client/conftest.py)


@pytest.fixture(scope="module")
def server(demo_city_server):
    return demo_city_server  # shared with the other whole-window modules (conftest)


def visible_texts(root: QWidget) -> list[tuple[str, str]]:
    """(where, text) of everything a user can read in `root`'s visible widgets."""
    out: list[tuple[str, str]] = []

    def add(w: QWidget, text: str | None, what: str) -> None:
        if text:
            out.append((f"{type(w).__name__}[{w.objectName()}].{what}", TAG.sub(" ", text).replace("&", "")))

    def menu_texts(owner: QWidget, actions) -> None:  # noqa: ANN001
        for a in actions:
            add(owner, a.text(), "action")
            add(owner, a.toolTip() if a.toolTip() != a.text().replace("&", "") else "", "action tooltip")
            if a.menu() is not None:
                menu_texts(owner, a.menu().actions())

    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisibleTo(root) and w is not root:
            continue
        add(w, w.toolTip(), "tooltip")
        if w.isWindow() or isinstance(w, QDockWidget):
            add(w, w.windowTitle(), "title")
        if isinstance(w, QLabel):
            add(w, w.text(), "text")
        elif isinstance(w, QAbstractButton):
            add(w, w.text(), "text")
        elif isinstance(w, QLineEdit):
            add(w, w.placeholderText(), "placeholder")
        elif isinstance(w, QGroupBox):
            add(w, w.title(), "title")
        elif isinstance(w, QComboBox):
            for i in range(min(w.count(), 50)):
                add(w, w.itemText(i), f"item {i}")
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                add(w, w.tabText(i), f"tab {i}")
        elif isinstance(w, (QToolBar, QMenu)):
            menu_texts(w, w.actions())
        if isinstance(w, QAbstractItemView) and w.model() is not None and w.isVisibleTo(root):
            m = w.model()
            top = QModelIndex()
            try:
                m.columnCount(top)
            except TypeError:  # a Qt-internal model (a completer's popup)
                continue
            for c in range(m.columnCount(top)):
                add(w, m.headerData(c, Qt.Horizontal, Qt.DisplayRole), f"header {c}")
            for r in range(min(m.rowCount(top), 30)):
                parent = m.index(r, 0, top)
                for p, rows in ((top, [r]), (parent, range(min(m.rowCount(parent), 30)))):
                    for rr in rows:
                        for c in range(m.columnCount(p)):
                            add(w, str(m.data(m.index(rr, c, p), Qt.DisplayRole) or ""), f"cell {rr},{c}")
                            add(w, str(m.data(m.index(rr, c, p), Qt.ToolTipRole) or ""), f"cell tooltip {rr},{c}")
    if hasattr(root, "menuBar"):
        menu_texts(root, root.menuBar().actions())
    return out


def untranslated(texts: list[tuple[str, str]], data_words: set[str]) -> list[tuple[str, str]]:
    bad = []
    for where, text in texts:
        words = {w.lower() for w in WORD.findall(str(text))}
        odd = words - ALLOWED - data_words
        if odd:
            bad.append((where, text))
    return bad


def city_words(win) -> set[str]:  # noqa: ANN001
    """Latin words of the city's own data (Helsinki's street and place names, case addresses)."""
    words: set[str] = set()
    for h in win.data.index._hits:
        if h.kind in ("street", "poi"):
            words |= {w.lower() for w in WORD.findall(h.key)}
    for c in win.data.case_props.values():
        for k in ("address", "description", "reporter_name"):
            words |= {w.lower() for w in WORD.findall(c.get(k) or "")}
    return words


def open_window(qtbot, server, user: str):  # noqa: ANN001
    from app.api.client import ApiClient
    from app.widgets.main_window import MainWindow
    client = ApiClient(server.url, timeout=10)
    session = client.login(user, DEMO_PASSWORD)
    win = MainWindow(client, session, client.city())
    qtbot.addWidget(win)
    win.resize(1920, 1080)
    win.show()
    qtbot.waitUntil(lambda: win.data.city.grids is not None and bool(win.data.case_props), timeout=30000)
    panels = getattr(win, "panels", {})
    qtbot.waitUntil(lambda: all(getattr(p, "loading", 0) == 0 for p in panels.values()), timeout=10000)
    return win


def exercise(qtbot, win) -> None:  # noqa: ANN001
    """What a user does first: select the first case of every list, identify a component and a grid."""
    from app.widgets.case_table import CaseTable
    for table in win.findChildren(CaseTable):
        if table.proxy.rowCount():
            table.view.selectRow(0)
    detail = win.panels.get("detail")
    case_id = next(iter(win.data.case_props))
    if detail is not None:
        win.show_case(case_id)
        qtbot.waitUntil(lambda: detail.case is not None, timeout=10000)
    comps = win.data.city.components
    x, y = float(comps.x[0]), float(comps.y[0])
    if True:
        win.canvas.center_on(float(x), float(y), scale=500)
        px, py = win.canvas.map_to_pixel(float(x), float(y))
        win.identify_panel.show_features(win.canvas.identify_at(px, py))
    for _ in range(20):
        QCoreApplication.processEvents()


@pytest.mark.parametrize("user", ROLES)
def test_every_role_window_is_chinese(qtbot, server, user):
    open_case_for(server, user)  # its lists and map have a case to show, whatever the hour
    win = open_window(qtbot, server, user)
    try:
        exercise(qtbot, win)
        bad = untranslated(visible_texts(win), city_words(win))
        assert not bad, "untranslated text:\n" + "\n".join(f"  {w}: {t!r}" for w, t in bad[:60])
        assert win.windowTitle().count(win.role_label()) == 1  # the role once: 周静（受理员）
    finally:
        win.close()


def test_qt_own_buttons_are_chinese(qtbot):
    box = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
    qtbot.addWidget(box)
    assert box.button(QDialogButtonBox.Cancel).text().replace("&", "").startswith("取消")


# ---------------------------------------------------------------------- the working day's tools
def _regions(server) -> dict[str, str]:  # noqa: ANN001
    import sqlite3
    gpkg = server.app.state.ctx.settings.data_dir / "city" / "city.gpkg"
    with sqlite3.connect(gpkg) as con:
        return dict(con.execute("select code, name from streets union all select code, name from communities"))


def test_chinese_filters_match(qtbot, server):
    api = demo_api(server, "acceptor")
    lon, lat = 24.944, 60.170
    cover = api.report({"source": "hotline", "kind": "component", "class_code": "0101", "lon": lon, "lat": lat,
                        "description": "井盖松动"})
    other = api.report({"source": "inspector", "kind": "event", "class_code": "0102", "lon": lon, "lat": lat,
                        "description": "暴露垃圾"})
    win = open_window(qtbot, server, "acceptor")
    try:
        table = win.panels["accept"].table
        qtbot.waitUntil(lambda: {cover["id"], other["id"]} <= set(table.ids()), timeout=10000)

        def shown() -> list[int]:
            return [int(table.proxy.index(r, 0).data(ID_ROLE)) for r in range(table.proxy.rowCount())]

        for text, want, not_want in (("井盖", cover, other), ("热线", cover, other), ("暴露", other, cover)):
            table.filter.setText(text)  # as typed (an input method commits the whole word)
            assert want["id"] in shown() and not_want["id"] not in shown(), text
            assert all(text in " ".join(table.model._text(table.case(i), c) for c in COLUMNS) +
                       (table.case(i).get("description") or "") for i in shown())
    finally:
        win.close()


def test_place_picked_on_the_map_and_found_by_pinyin(qtbot, server):
    from PySide6.QtCore import QPoint
    names = _regions(server)
    win = open_window(qtbot, server, "acceptor")
    try:
        accept = win.panels["accept"]
        accept.tabs.setCurrentWidget(accept.hotline)
        editor = accept.h_location
        assert editor.point() is None and "0.000000" not in editor.coords.text()  # no 0,0 start
        grid = next(h for h in win.data.index._hits if h.kind == "grid")
        win.canvas.center_on(grid.x, grid.y, scale=1000)
        win.canvas.wait_for_render(10)
        editor.pick_btn.click()
        assert win.canvas.tool is win.pick_tool
        px, py = win.canvas.map_to_pixel(grid.x, grid.y)
        qtbot.mouseClick(win.canvas, Qt.LeftButton, pos=QPoint(round(px), round(py)))
        qtbot.waitUntil(lambda: grid.key in editor.place.text(), timeout=10000)
        text = editor.place.text()
        assert names[grid.key[:9]] in text and names[grid.key[:12]] in text  # street and community
        assert editor.point() is not None and editor.grid["code"] == grid.key

        # the map's search knows streets and communities by pinyin initials
        assert win.data.find("zxjd")[0].key == "中心街道"
        # the form's own search: a community by its initials puts the place there
        editor.search.setText("gysq")
        editor._search_go("gysq")
        qtbot.waitUntil(lambda: "公园社区" in editor.place.text(), timeout=10000)
        # typed coordinates, and a clear refusal of nonsense
        editor.coords.setText("abc")
        editor.coords.editingFinished.emit()
        assert "115.8505" in editor.place.text()  # the message shows the expected form
        editor.coords.setText(f"{24.944:.6f}, {60.170:.6f}")
        editor.coords.editingFinished.emit()
        qtbot.waitUntil(lambda: "3205820" in editor.place.text(), timeout=10000)

        # the report goes out at that place; its number is searchable at once (no reload)
        accept.h_class.set_current("event", "0102")
        accept.h_description.setPlainText("地图选点上报")
        accept.h_submit.click()
        qtbot.waitUntil(lambda: "报" in accept.message.text() and accept.h_location.point() is None, timeout=10000)
        number = accept.message.text().split()[-1].rstrip("。.")
        case = demo_api(server, "acceptor").cases(q="地图选点上报")["items"][0]
        assert (round(case["lon"], 5), round(case["lat"], 5)) == (24.944, 60.17)
        qtbot.waitUntil(lambda: bool(win.data.find(case["number"])), timeout=10000)
        assert case["number"] in number or case["number"] in accept.message.text()
    finally:
        win.close()


def test_search_finds_a_closed_case_on_the_server_and_opens_it(qtbot, server):
    closed = closed_case(server)
    win = open_window(qtbot, server, "dispatcher")
    try:
        assert closed["id"] not in win.data.case_props  # not loaded at login
        qtbot.keyClicks(win.search, closed["number"])
        qtbot.waitUntil(lambda: any(h.ref == closed["id"] for h in win.search.hits.values()), timeout=10000)
        popup = win.search.completer().popup()
        if popup.isVisible():  # the user picks the suggestion
            qtbot.keyClick(popup, Qt.Key_Down)
            qtbot.keyClick(popup, Qt.Key_Return)
        else:
            qtbot.keyClick(win.search, Qt.Key_Return)
        detail = win.panels["detail"]
        qtbot.waitUntil(lambda: detail.case is not None and detail.case["id"] == closed["id"], timeout=10000)
    finally:
        win.close()


def test_inspector_answers_a_verification_task(qtbot, server):
    inspector = demo_api(server, "caixiaodong")
    acceptor = demo_api(server, "acceptor")
    case = acceptor.report({"source": "hotline", "kind": "event", "class_code": "0102", "lon": 24.944,
                            "lat": 60.170, "description": "请核实：路边垃圾"})
    acceptor.act(case["id"], "send_verify", {"inspector_id": inspector.session.user["id"]})
    win = open_window(qtbot, server, "caixiaodong")
    try:
        tasks = win.panels["tasks"]
        qtbot.waitUntil(lambda: case["id"] in tasks.table.ids(), timeout=10000)
        assert "核实" in tasks.count.text()
        tasks.table.select(case["id"])
        assert tasks.answer_btn.isEnabled() and "核实" in tasks.answer_btn.text()
        tasks.answer_btn.click()
        dlg = tasks.dialog
        assert dlg is not None and dlg.result_box.currentData() == "confirmed"
        dlg.comment.setPlainText("现场属实")
        dlg.buttons.button(QDialogButtonBox.Ok).click()
        qtbot.waitUntil(lambda: case["id"] not in tasks.table.ids(), timeout=10000)
        after = acceptor.case(case["id"])
        assert after["state"] == "reported"  # back with the acceptor, answered
        answer = [e for e in after["events"] if e["action"] == "answer_verify"]
        assert len(answer) == 1 and "confirmed" in str(answer[0])
    finally:
        win.close()
