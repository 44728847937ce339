"""Track playback endpoints: columns as JSON and Arrow, simplification that keeps stops and gaps,
and the analysis (stops, gaps, speeds, duty, coverage, cases on the way) on a hand-made walk."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pytest

from server_stub.services import positions as pos

from .test_reference_seed import LAT0, seed_city

START = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)  # 09:00 in Asia/Shanghai, a Monday
WALK, STAY, CAR = 20, 72, 12


@pytest.fixture
def city(world):
    world.ids = seed_city(world.ctx)
    return world


def _walk(w) -> list[tuple[datetime, float, float]]:
    """Through grids 1 and 2 of RG-01 at 5 s a fix: walk east at 1.3 m/s for 100 s, stay 6 min in
    grid 2, lose the signal for 3 min, then ride a car east at about 60 km/h for a minute."""
    fixes, t = [], START
    lat = LAT0 + 0.0005
    for k in range(WALK):  # 6.5 m per 5 s
        fixes.append((t, 115.8502 + k * 0.0000665, lat)); t += timedelta(seconds=5)
    lon = fixes[-1][1]
    for _ in range(STAY):  # 6 minutes in place
        fixes.append((t, lon, lat)); t += timedelta(seconds=5)
    t += timedelta(minutes=3)
    for k in range(CAR):  # 83 m per 5 s
        fixes.append((t, lon + 0.0002 + k * 0.00085, lat)); t += timedelta(seconds=5)
    uid = w.ids["inspector_id"]
    with w.ctx.db.transaction() as s:
        pos.write_fixes(s, [(pos.Fix("dev-1", at, x, y, speed_kn=2.0, bearing=90.0), uid) for at, x, y in fixes])
    return fixes


def _q(**extra) -> dict:
    return {"start": START.isoformat(), "end": (START + timedelta(hours=2)).isoformat(), **extra}


def test_track_as_columns_json_and_arrow(city):
    fixes = _walk(city)
    uid = city.ids["inspector_id"]
    r = city.client.get(f"/api/tracks/{uid}", params=_q(), headers=city.h("dispatcher"))
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["fixes"] == d["kept"] == len(fixes) == len(d["t"]) == len(d["lon"])
    assert d["t"][0] == START.timestamp() and d["t"] == sorted(d["t"])
    assert d["speed_kmh"][0] == pytest.approx(2.0 * 1.852, rel=1e-5)
    r = city.client.get(f"/api/tracks/{uid}", params=_q(format="arrow"), headers=city.h("leader"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.apache.arrow.stream")
    table = pa.ipc.open_stream(r.content).read_all()
    assert table.num_rows == len(fixes)
    assert table.column("lon").to_pylist() == d["lon"]


def test_simplified_track_keeps_stops_and_gaps(city):
    fixes = _walk(city)
    uid = city.ids["inspector_id"]
    d = city.client.get(f"/api/tracks/{uid}", params=_q(simplify_m=2), headers=city.h("leader")).json()
    assert d["fixes"] == len(fixes) and d["kept"] < len(fixes) / 5
    times = set(d["t"])
    gap_before, gap_after = fixes[WALK + STAY - 1][0], fixes[WALK + STAY][0]
    for at in (fixes[0][0], fixes[-1][0], gap_before, gap_after):
        assert at.timestamp() in times
    # The stop's first fix (the walk's last ones are within its 30 m radius) is kept too.
    arrived = fixes[WALK - 1][0].timestamp()
    assert any(arrived - 30 <= t <= arrived for t in times)


def test_analysis_of_a_known_walk(city):
    _walk(city)
    uid = city.ids["inspector_id"]
    r = city.client.get(f"/api/tracks/{uid}/analysis", params=_q(), headers=city.h("leader"))
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["fixes"] == WALK + STAY + CAR
    assert len(a["stops"]) == 1 and 360 <= a["stops"][0]["duration_s"] <= 400
    assert len(a["gaps"]) == 1 and a["gaps"][0]["duration_s"] == 185
    assert len(a["fast"]) == 1 and a["fast"][0]["max_speed_kmh"] == pytest.approx(58, rel=0.1)
    assert a["coverage"]["total"] == 2 and a["coverage"]["visited"] == 2 and a["coverage"]["share"] == 1.0
    dwell = {g["code"]: g["dwell_s"] for g in a["coverage"]["grids"]}
    assert dwell["360102001001002"] > dwell["360102001001001"] > 0  # the stop was in grid 2
    # 09:00–10:04 local on a working day, all inside the default morning shift.
    assert a["duty_s"] == a["moving_s"] == (WALK + STAY + CAR - 2) * 5
    assert a["shift_s"] == pytest.approx(2 * 3600)
    shorter = city.client.get(f"/api/tracks/{uid}/analysis", params=_q(stop_min_s=600),
                              headers=city.h("leader")).json()
    assert shorter["stops"] == []


def test_track_with_its_analysis_in_one_request(city):
    """analysis=true: the simplified columns and the full analysis from one read of the fixes, the
    same as the two separate requests give (Arrow: the analysis in the schema's metadata)."""
    import json
    fixes = _walk(city)
    uid = city.ids["inspector_id"]
    alone = city.client.get(f"/api/tracks/{uid}/analysis", params=_q(), headers=city.h("leader")).json()
    cols = city.client.get(f"/api/tracks/{uid}", params=_q(simplify_m=2), headers=city.h("leader")).json()
    r = city.client.get(f"/api/tracks/{uid}", params=_q(simplify_m=2, format="arrow", analysis="true"),
                        headers=city.h("leader"))
    assert r.status_code == 200, r.text
    assert r.headers["x-track-fixes"] == str(len(fixes)) and r.headers["x-track-kept"] == str(len(cols["t"]))
    table = pa.ipc.open_stream(r.content).read_all()
    assert table.column("t").to_pylist() == cols["t"] and table.column("lat").to_pylist() == cols["lat"]
    assert json.loads(table.schema.metadata[b"analysis"]) == alone
    both = city.client.get(f"/api/tracks/{uid}", params=_q(analysis="true", stop_min_s=600),
                           headers=city.h("leader")).json()
    assert both["analysis"]["stops"] == [] and both["analysis"]["fixes"] == len(both["t"]) == len(fixes)


def test_analysis_lists_the_inspectors_own_cases(city):
    _walk(city)
    token = city.client.post("/api/auth/login", json={"username": "insp1", "password": "pw-insp1"}).json()["token"]
    own = {"Authorization": f"Bearer {token}"}
    r = city.client.post("/api/cases", json={"kind": "event", "class_code": "0102", "lon": 115.8505,
                                             "lat": LAT0 + 0.0005, "description": "暴露垃圾"}, headers=own)
    assert r.status_code == 201, r.text
    uid = city.ids["inspector_id"]
    now = datetime.now(timezone.utc)
    a = city.client.get(f"/api/tracks/{uid}/analysis", headers=own,
                        params={"start": (now - timedelta(hours=1)).isoformat(), "end": now.isoformat()}).json()
    assert [(c["what"], c["number"]) for c in a["cases"]] == [("report", r.json()["number"])]


def test_roles_and_bad_input(city):
    uid = city.ids["inspector_id"]
    assert city.client.get(f"/api/tracks/{uid}", params=_q(), headers=city.h("department")).status_code == 403
    assert city.client.get(f"/api/tracks/{uid}", params=_q()).status_code == 401
    assert city.client.get("/api/tracks/999999", params=_q(), headers=city.h("leader")).status_code == 404
    bad = [{"start": "2026-03-02T01:00:00"}, _q(simplify_m=-1), _q(simplify_m="nan"),
           {"start": START.isoformat(), "end": (START + timedelta(days=40)).isoformat()},
           {"start": START.isoformat(), "end": (START - timedelta(days=1)).isoformat()}]
    for q in bad:
        r = city.client.get(f"/api/tracks/{uid}", params=q, headers=city.h("leader"))
        assert r.status_code == 422, (q, r.text)
    r = city.client.get(f"/api/tracks/{uid}/analysis", params=_q(gap_s=0), headers=city.h("leader"))
    assert r.status_code == 422


def test_inspector_groups_for_choosing(city):
    r = city.client.get("/api/tracks/inspectors", headers=city.h("dispatcher"))
    assert r.status_code == 200, r.text
    got = {d["username"]: d for d in r.json()}
    insp = got["insp1"]
    assert insp["responsibility_grid_code"] == "RG-01"
    assert insp["streets"] == [{"code": "360102001", "name": "公园街道"}]
    assert city.client.get("/api/tracks/inspectors", headers=city.h("department")).status_code == 403


def test_fixes_read_through_adbc_equal_the_cursor_read(city):
    """The Arrow read (ADBC) and the fallback through the session's cursor give the same columns."""
    import numpy as np

    from server_stub.services import tracks as svc
    fixes = _walk(city)
    end = START + timedelta(hours=2)
    with city.ctx.db.session() as s:
        fast = svc._read_adbc(s, ["dev-1"], START, end, 10_000)
        slow = svc._read_cursor(s, ["dev-1"], START, end, 10_000)
        assert fast is not None and fast.size == slow.size == len(fixes)
        for name in fast.dtype.names:
            assert np.allclose(fast[name], slow[name], rtol=0, atol=1e-6), name
        assert svc._read_adbc(s, ["dev-1"], START, end, 5).size == 5  # the limit holds
