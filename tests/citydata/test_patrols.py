"""The demo's recorded patrols: every inspector walked yesterday's and today's shifts inside their
responsibility grid, with stops, so that track playback has something to show from the first start."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

from app.domain.track_analysis import TrackRules
from server_stub.app import create_app
from server_stub.citydata.patrols import generate_patrols, shift_windows
from server_stub.db.models import Inspector, Position
from server_stub.services import tracks

from .test_demo_load import reference_demo  # noqa: F401 - the shared session fixture


def test_patrols_inside_shifts_and_grids(reference_demo, tmp_path):  # noqa: F811
    app = create_app(reference_demo.clone(tmp_path))
    ctx = app.state.ctx
    ctx.db.migrate()
    with ctx.db.session() as s:
        n = s.scalar(select(func.count()).select_from(Position))
        insp = s.scalars(select(Inspector).order_by(Inspector.user_id)).all()
        first, last = s.execute(select(func.min(Position.fix_at), func.max(Position.fix_at))).one()
    assert n > 1000 and all(i.fix_at is not None for i in insp)  # everyone was somewhere
    windows = shift_windows(ctx.clock, datetime.now(timezone.utc))
    assert windows[0][0] <= first and last <= windows[-1][1]
    a, b = windows[0]  # yesterday morning
    with ctx.db.session() as s:
        got = tracks.analyse(ctx, s, insp[0], a, b, TrackRules(), 1_000_000)
    assert got["fixes"] > 1000
    assert got["coverage"]["total"] > 0 and got["coverage"]["share"] >= 0.5
    assert got["distance_m"] > 3000  # hours of walking
    assert not got["fast"]  # nobody drives in the demo
    assert generate_patrols(ctx, reference_demo.data_dir / "city" / "city.gpkg") == 0  # not twice
    ctx.db.dispose()
