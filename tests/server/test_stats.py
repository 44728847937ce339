"""/api/stats/wall: today's figures counted from the log, the overdue board and the ranking, against
cases driven through the API."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from server_stub.db.models import Case

from .casekit import bring_to


def test_wall_figures_from_cases_driven_through_the_api(world):
    handling = bring_to(world, "handling")
    closed = bring_to(world, "closed")
    bring_to(world, "pending_filing")
    bring_to(world, "reported")
    # one handling case is overdue now (as the band watcher would have pushed it)
    with world.ctx.db.transaction() as s:
        s.execute(update(Case).where(Case.id == handling)
                  .values(band="red", deadline_at=datetime.now(timezone.utc) - timedelta(hours=2)))
    r = world.client.get("/api/stats/wall", headers=world.h("leader"))
    assert r.status_code == 200, r.text
    d = r.json()
    k = d["kpi"]
    assert (k["reports"], k["accepted"], k["filed"], k["dispatched"], k["closed"]) == (4, 3, 2, 2, 1)
    assert k["on_time_close_rate"] == 1.0
    assert k["overdue_now"] == 1 and k["open"] == 3
    assert [b["id"] for b in d["overdue"]] == [handling]
    assert 7100 < d["overdue"][0]["overdue_s"] < 7300 and d["overdue"][0]["department"] == "水务集团"
    assert d["overdue"][0]["class_name"]  # a name, not a code
    water = next(x for x in d["departments"] if x["department"] == "水务集团")
    assert (water["cases"], water["closed"], water["on_time_rate"], water["overdue_now"]) == (2, 1, 1.0, 1)
    assert d["top_classes"][0]["count"] == 4
    assert len(d["trend"]) == 7 and d["trend"][-1]["reported"] == 4 and d["trend"][-1]["closed"] == 1
    assert closed


def test_wall_roles(world):
    for role in ("acceptor", "shift_leader", "dispatcher", "leader", "admin"):
        assert world.client.get("/api/stats/wall", headers=world.h(role)).status_code == 200
    for role in ("inspector", "department"):
        assert world.client.get("/api/stats/wall", headers=world.h(role)).status_code == 403
    assert world.client.get("/api/stats/wall").status_code == 401
