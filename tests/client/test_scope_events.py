"""A case that leaves a user's scope (another grid, another department) is dropped on the client.

The server sends such a case once more, marked `left_scope` (server_stub/services/visibility.py),
and then nothing more of it; a client that kept it would show a stale case for the rest of the day.
"""
from __future__ import annotations

from app.city_data import CityData
from app.widgets.case_table import CaseTable

CASE = {"id": 7, "number": "2026120200007", "state": "handling", "kind": "event", "class_code": "0101",
        "lon": 115.85, "lat": 28.68, "band": "green", "urge_count": 0, "grid_code": "360102001001001"}


def test_map_and_lists_drop_a_case_that_left_scope(qtbot):
    data = CityData(client=None, crs="EPSG:4490", names={"cases": "案件", "inspectors": "监督员", "cameras": "摄像头"})
    table = CaseTable(accepts=lambda c: True)
    qtbot.addWidget(table)
    for msg in ({"type": "case.changed", "data": CASE},):
        data.on_event(msg)
        table.apply_event(msg)
    assert 7 in data.case_props and len(data.cases.points.ids) == 1 and table.ids() == [7]
    left = {"type": "case.changed", "data": {**CASE, "grid_code": "360102001001099"}, "left_scope": True}
    data.on_event(left)
    table.apply_event(left)
    assert 7 not in data.case_props and len(data.cases.points.ids) == 0 and table.ids() == []
