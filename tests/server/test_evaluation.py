"""Monthly evaluation from hand-built cases driven through the case service (backdated with `at`):
every count and rate known in advance; the same numbers in the CSV and XLSX downloads; scope."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from app.domain.workflow import Workflow
from server_stub.db.models import Region, ResponsibilityGrid, UnitGrid, User
from server_stub.services import cases
from server_stub.services import evaluation as evaluation_svc
from server_stub.services.geo_lookup import GRID_INDEX

SH = ZoneInfo("Asia/Shanghai")
LON, LAT = 120.605, 31.305
GRID, STREET, DISTRICT = "320582110152001", "320582110", "320582"
COND = "component-0101-1"  # 2 urgent hours: natural time, so the deadlines are plain arithmetic
WHY = {"reason": "测试原因"}


def T(day: int, hh: int, mm: int = 0, month: int = 3) -> datetime:
    return datetime(2025, month, day, hh, mm, tzinfo=SH)


def _city(w) -> None:
    """One unit grid (in one street of one district) patrolled by the test inspector."""
    square = {"type": "Polygon", "coordinates": [[[120.60, 31.30], [120.61, 31.30], [120.61, 31.31],
                                                  [120.60, 31.31], [120.60, 31.30]]]}
    with w.ctx.db.transaction() as s:
        s.add_all([Region(code=DISTRICT, level="district", name="张家港市"),
                   Region(code=STREET, level="street", name="杨舍镇", parent_code=DISTRICT),
                   Region(code="320582111", level="street", name="塘桥镇", parent_code=DISTRICT)])
        rg = ResponsibilityGrid(code="RG-1", name="责任网格一", inspector_id=w.users["inspector"])
        s.add(rg)
        s.flush()
        s.add(UnitGrid(code=GRID, community_code=GRID[:12], street_code=STREET, district_code=DISTRICT,
                       responsibility_grid_id=rg.id, area_m2=1_000_000.0, minx=120.60, miny=31.30,
                       maxx=120.61, maxy=31.31, geometry=square))
    GRID_INDEX.invalidate()
    # Some stories close on the department's word (G) as a city may choose (the default needs a
    # passed check first): the indicators count what happened either way.
    w.ctx.workflow = Workflow(rules={"close_requires_check": False})


def _story(w, reporter: str | None, at: datetime, steps: list[tuple]) -> int:
    """A case reported by `reporter` (None: a hotline call) and driven through `steps` of
    (role, action, at, params), all in one unit of work."""
    with w.ctx.db.transaction() as s:
        actor = s.get(User, w.users[reporter]) if reporter else None
        case = cases.report_case(s, w.ctx, actor, source="inspector" if reporter else "hotline",
                                 kind="component", class_code="0101", lon=LON, lat=LAT, at=at)
        for role, action, when, params in steps:
            cases.apply_action(s, w.ctx, case.id, s.get(User, w.users[role]), action, at=when, **params)
        return case.id


@pytest.fixture
def month(world):
    """March 2025 (times in Asia/Shanghai; stage limits 30 min, send_check 60 min; handling 2 h)."""
    _city(world)
    insp, water, sanit = world.users["inspector"], world.departments["water"], world.departments["sanitation"]
    file = {"condition_id": COND}
    # A: on time all the way, checked and closed
    _story(world, "inspector", T(3, 9), [
        ("acceptor", "accept", T(3, 9, 10), {}), ("shift_leader", "file", T(3, 9, 20), file),
        ("dispatcher", "dispatch", T(3, 9, 30), {"department_id": water}),
        ("department", "feedback", T(3, 10), {"comment": "已修复"}),
        ("acceptor", "send_check", T(3, 10, 10), {"inspector_id": insp}),
        ("inspector", "answer_check", T(3, 10, 20), {"result": "fixed"}),
        ("shift_leader", "close", T(3, 10, 30), {})])
    # B: filed late (10:30 > 10:20), dispatched late (11:10 > 11:00), reworked, fed back late
    _story(world, "inspector", T(4, 9), [
        ("acceptor", "accept", T(4, 9, 50), {}), ("shift_leader", "file", T(4, 10, 30), file),
        ("dispatcher", "dispatch", T(4, 11, 10), {"department_id": water}),
        ("department", "feedback", T(4, 11, 30), {}), ("dispatcher", "rework", T(4, 11, 40), WHY),
        ("department", "feedback", T(4, 15), {})])  # the rework's deadline was 13:40
    # C: rejected
    _story(world, "inspector", T(5, 9), [("acceptor", "reject", T(5, 9, 5), WHY)])
    # D: a hotline call, dispatched to water (returned: not theirs), re-dispatched to sanitation,
    # extended by 1 h, never fed back
    _story(world, None, T(6, 9), [
        ("acceptor", "accept", T(6, 9, 10), {}), ("shift_leader", "file", T(6, 9, 40), file),
        ("dispatcher", "dispatch", T(6, 10), {"department_id": water}),
        ("department", "dept_return", T(6, 10, 10), WHY),
        ("dispatcher", "dispatch", T(6, 10, 20), {"department_id": sanit}),
        ("department2", "request_extension", T(6, 11), {**WHY, "amount": 1, "limit_type": "urgent_hour"}),
        ("dispatcher", "approve_extension", T(6, 11, 10), {})])
    # E: a hotline call sent for verification, answered late (09:50 > 09:40), rejected
    _story(world, None, T(7, 9), [
        ("acceptor", "send_verify", T(7, 9, 10), {"inspector_id": insp}),
        ("inspector", "answer_verify", T(7, 9, 50), {"result": "not_found"}),
        ("acceptor", "reject", T(7, 10), WHY)])
    # F: filed, then voided by a leader
    _story(world, None, T(7, 10), [
        ("acceptor", "accept", T(7, 10, 5), {}), ("shift_leader", "file", T(7, 10, 10), file),
        ("leader", "void", T(7, 10, 20), WHY)])
    # H: suspended (挂账): out of the handling statistics
    _story(world, None, T(7, 11), [
        ("acceptor", "accept", T(7, 11, 5), {}), ("shift_leader", "file", T(7, 11, 10), file),
        ("dispatcher", "dispatch", T(7, 11, 15), {"department_id": water}),
        ("department", "request_suspension", T(7, 11, 30), WHY),
        ("dispatcher", "approve_suspension", T(7, 11, 40), {})])
    # G: reported and filed in February, dispatched late and closed in March
    _story(world, "inspector", T(28, 10, month=2), [
        ("acceptor", "accept", T(28, 10, 5, month=2), {}),
        ("shift_leader", "file", T(28, 10, 10, month=2), file),
        ("dispatcher", "dispatch", T(3, 8), {"department_id": water}),
        ("department", "feedback", T(3, 9), {}), ("shift_leader", "close", T(3, 9, 30), {})])
    # X: April, not in March
    _story(world, "inspector", T(1, 9, month=4), [("acceptor", "accept", T(1, 9, 5, month=4), {})])
    return world


def rows_by(body: dict) -> dict[str, dict]:
    return {r["key"]: r for r in body["rows"]}


def counts(row: dict) -> dict[str, int]:
    return {c["key"]: c["value"] for c in row["counts"]}


def ind(row: dict) -> dict[str, tuple]:
    return {i["key"]: (i["numerator"], i["denominator"], i["value"]) for i in row["indicators"]}


def get(w, path: str, who: str = "leader", expect: int = 200, **params):
    r = w.client.get(f"/api/evaluation/2025-03/{path}", params=params, headers=w.h(who))
    assert r.status_code == expect, r.text
    return r


WATER = {"to_handle": 3, "handled": 3, "handled_on_time": 2, "reworked": 1, "overdue_unhandled": 0,
         "extended": 0, "closed": 2, "closed_on_time": 2, "to_close": 3}
SANIT = {"to_handle": 1, "handled": 0, "handled_on_time": 0, "reworked": 0, "overdue_unhandled": 1,
         "extended": 1, "closed": 0, "closed_on_time": 0, "to_close": 1}


def test_departments(month):
    body = get(month, "departments").json()
    assert body["month"] == "2025-03" and body["subject"] == "departments"
    assert datetime.fromisoformat(body["start"]) == T(1, 0)
    rows = rows_by(body)
    water, sanit = rows["D-WATER"], rows["D-SANIT"]
    assert water["name"] == "水务集团" and counts(water) == WATER and counts(sanit) == SANIT
    i = ind(water)
    assert i["handling_rate"] == (3, 3, 1.0)
    assert i["on_schedule_handling_rate"] == (2, 3, pytest.approx(2 / 3))
    assert i["rework_rate"] == (1, 3, pytest.approx(1 / 3))
    assert i["extension_rate"] == (0, 3, 0.0)
    names = {x["key"]: x["name_zh"] for x in water["indicators"]}
    assert names["on_schedule_handling_rate"] == "按期处置率" and names["rework_rate"] == "返工率"
    # 处置率×30 + 按期处置率×20 + (1−返工率)×20 + (1−超期待处置率)×20 + (1−延期率)×10
    assert water["score"] == pytest.approx(30 + 20 * 2 / 3 + 20 * 2 / 3 + 20 + 10, abs=0.01)
    assert water["grade"] == "B"
    assert ind(sanit)["overdue_unhandled_rate"] == (1, 1, 1.0)
    assert sanit["score"] == pytest.approx(20.0) and sanit["grade"] == "E"


def test_posts(month):
    rows = rows_by(get(month, "posts").json())
    by_role = {r["role"]: r for r in rows.values()}
    assert set(by_role) == {"inspector", "acceptor", "shift_leader", "dispatcher"}

    insp = by_role["inspector"]
    assert insp["key"] == str(month.users["inspector"])
    assert counts(insp) == {"reports": 3, "valid_reports": 2, "public_valid_reports_in_grid": 3,
                            "verify_tasks": 1, "verify_on_time": 0, "check_tasks": 1, "check_on_time": 1,
                            "filed_in_grid": 5}
    i = ind(insp)
    assert i["valid_report_rate"] == (2, 3, pytest.approx(2 / 3))
    assert i["missed_report_rate"] == (3, 5, pytest.approx(0.6))
    assert i["on_time_verify_rate"] == (0, 1, 0.0) and i["on_time_check_rate"] == (1, 1, 1.0)
    assert insp["score"] == pytest.approx(40 * 2 / 3 + 20 * 0.4 + 0 + 20, abs=0.01) and insp["grade"] == "D"

    acc = by_role["acceptor"]
    assert counts(acc) == {"accepted": 7, "verify_dispatches": 1, "verify_dispatches_on_time": 1,
                           "check_dispatches": 1, "check_dispatches_on_time": 1}
    assert acc["score"] == 100.0 and acc["grade"] == "A"

    sl = by_role["shift_leader"]
    assert counts(sl) == {"filed": 5, "filed_on_time": 4, "voided_after_filing": 1, "closed": 2,
                          "closed_on_time": 2}
    assert ind(sl)["accurate_filing_rate"] == (4, 5, pytest.approx(0.8))
    assert sl["score"] == pytest.approx(25 * 0.8 + 40 * 0.8 + 35) and sl["grade"] == "B"

    disp = by_role["dispatcher"]
    assert counts(disp) == {"dispatched": 6, "dispatched_on_time": 4, "reworked": 1}
    i = ind(disp)
    assert i["dispatch_count_score"] == (6, 6, 1.0)
    assert i["accurate_dispatch_rate"] == (5, 6, pytest.approx(5 / 6))
    assert disp["score"] == pytest.approx(20 + 40 * 4 / 6 + 40 * 5 / 6, abs=0.01) and disp["grade"] == "B"

    only = get(month, "posts", role="shift_leader").json()["rows"]
    assert [r["role"] for r in only] == ["shift_leader"] and only[0]["score"] == sl["score"]


def test_regions(month):
    rows = rows_by(get(month, "regions", level="street").json())
    assert set(rows) == {STREET, "320582111"}
    yang = rows[STREET]
    assert yang["name"] == "杨舍镇" and yang["level"] == "street"
    assert counts(yang) == {k: WATER[k] + SANIT[k] for k in WATER}
    assert yang["score"] == pytest.approx(30 * .75 + 20 * .5 + 20 * .75 + 20 * .75 + 10 * .75) \
        and yang["grade"] == "C"
    assert rows["320582111"]["score"] is None and counts(rows["320582111"])["to_handle"] == 0
    district = rows_by(get(month, "regions").json())[DISTRICT]  # level=district by default
    assert district["name"] == "张家港市" and counts(district) == counts(yang)


def test_as_of_and_the_month_window(month):
    # at 12:00 on the 6th D's deadline (13:20, after the extension) had not passed: not overdue yet
    early = evaluation_svc.evaluate_departments(month.ctx, "2025-03", as_of=T(6, 12))
    sanit = next(r for r in early.rows if r.key == "D-SANIT")
    assert {c.key: c.value for c in sanit.counts}["overdue_unhandled"] == 0
    feb = rows_by(month.client.get("/api/evaluation/2025-02/departments", headers=month.h("leader")).json())
    assert counts(feb["D-WATER"])["to_handle"] == 0  # G was dispatched in March
    feb_posts = month.client.get("/api/evaluation/2025-02/posts", params={"role": "inspector"},
                                 headers=month.h("leader")).json()["rows"]
    assert counts(feb_posts[0])["reports"] == 1 and counts(feb_posts[0])["valid_reports"] == 1


def test_csv_and_xlsx_carry_the_same_numbers(month):
    r = get(month, "departments", format="csv")
    assert r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    cd = r.headers["content-disposition"]
    assert cd.startswith("attachment;") and 'filename="evaluation-departments-2025-03.csv"' in cd
    assert "filename*=UTF-8''" in cd
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    head, lines = table[0], {row[0]: row for row in table[1:]}
    assert head[:2] == ["编号", "名称"] and "处置率" in head and head[-4:] == ["综合得分", "等级", "已测得分", "测得权重"]
    water = dict(zip(head, lines["D-WATER"]))
    assert water["名称"] == "水务集团" and water["应处置数"] == "3" and water["按期处置数"] == "2"
    assert float(water["按期处置率"]) == pytest.approx(2 / 3, abs=1e-4)
    json_water = rows_by(get(month, "departments").json())["D-WATER"]
    assert float(water["综合得分"]) == json_water["score"] and water["等级"] == "B"
    assert float(water["已测得分"]) == json_water["score"] and float(water["测得权重"]) == 1.0  # complete

    r = get(month, "posts", format="xlsx")
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="evaluation-posts-2025-03.xlsx"' in r.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    values = list(ws.iter_rows(values_only=True))
    head = list(values[0])
    assert head[:3] == ["编号", "名称", "岗位"] and "有效上报率" in head and "准确派遣率" in head
    by_role = {row[2]: dict(zip(head, row)) for row in values[1:]}
    assert by_role["监督员"]["上报数"] == 3 and by_role["监督员"]["有效上报数"] == 2
    assert by_role["监督员"]["有效上报率"] == pytest.approx(2 / 3, abs=1e-4)
    assert by_role["监督员"]["准确派遣率"] is None  # not an inspector's indicator
    assert by_role["派遣员"]["准确派遣率"] == pytest.approx(5 / 6, abs=1e-4)
    assert by_role["值班长"]["综合得分"] == pytest.approx(87.0) and by_role["值班长"]["等级"] == "B"
    col = head.index("有效上报率") + 1
    assert ws.cell(2, col).number_format == "0.00%"

    r = get(month, "regions", level="street", format="xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    values = list(ws.iter_rows(values_only=True))
    assert values[0][2] == "层级" and {row[0] for row in values[1:]} == {STREET, "320582111"}


def test_scope_and_malformed_month(month):
    body = get(month, "departments", who="department").json()
    assert [r["key"] for r in body["rows"]] == ["D-WATER"]  # only its own department
    assert counts(body["rows"][0]) == WATER
    get(month, "posts", who="department", expect=403)
    get(month, "regions", who="department", expect=403)
    for role in ("shift_leader", "dispatcher", "admin"):
        assert len(get(month, "departments", who=role).json()["rows"]) == 2
    get(month, "departments", who="inspector", expect=403)
    get(month, "posts", who="acceptor", expect=403)
    assert month.client.get("/api/evaluation/2025-03/departments").status_code == 401
    for bad in ("2025-3", "2025-13", "march", "0000-01", "9999-12"):
        r = month.client.get(f"/api/evaluation/{bad}/departments", headers=month.h("leader"))
        assert r.status_code == 422, (bad, r.text)
    assert month.client.get("/api/evaluation/2025-03/posts", params={"role": "boss"},
                            headers=month.h("leader")).status_code == 422
    assert month.client.get("/api/evaluation/2025-03/regions", params={"level": "community"},
                            headers=month.h("leader")).status_code == 422
    assert month.client.get("/api/evaluation/2025-03/departments", params={"format": "pdf"},
                            headers=month.h("leader")).status_code == 422


def test_a_new_action_is_counted_at_once(month):
    before = counts(rows_by(get(month, "departments").json())["D-SANIT"])
    assert before["handled"] == 0
    _story(month, None, T(10, 9), [  # a late feedback in March, logged after the first look
        ("acceptor", "accept", T(10, 9, 5), {}), ("shift_leader", "file", T(10, 9, 10), {"condition_id": COND}),
        ("dispatcher", "dispatch", T(10, 9, 15), {"department_id": month.departments["sanitation"]}),
        ("department2", "feedback", T(10, 12), {})])  # deadline 11:15
    after = counts(rows_by(get(month, "departments").json())["D-SANIT"])
    assert after == {**before, "to_handle": 2, "handled": 1, "to_close": 2}
