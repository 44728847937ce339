"""The evaluation (综合评价) of a month at Nanchang scale: ~30,000 cases in the month (31,328 in one
month, shared/domain §8), on PostgreSQL. Prints ONE JSON line:

  server_count_s       counting the month from the log (services/evaluation_counts.count_month), cold
  server_count_sql_s   the same count made by PostgreSQL in SQL (services/evaluation_sql, off by
                       default: it measured slower), for comparison
  server_all_s         every answer the window asks for (departments, posts, districts, streets,
                       classes, trend, grids) in-process, the count included (cache cleared first)
  client_show_s        the evaluation window offscreen: from choosing the month to every table,
                       chart and the choropleth shown (real HTTP to a live server; cache cleared)
  client_show_warm_s   the same again within the server's cache minute
  client_show_after_new_event_s  the same after one more case was logged: a slow count (> 1 s) is
                       answered from the last one (its as_of) while a fresh one is made behind
  background_warm_s    the server's warmer counting the month before anyone asks (a thread)
  client_show_prewarmed_s  the window after that: what a leader waits on a running server

The data: a week of the demo city played through the case service, copied in SQL to the target
(benchmarks/evaldata.py), and earlier months for the trend. The database given is wiped first
(DROP SCHEMA public): give a scratch one.

    OCC_BENCH_PG_URL=postgresql+psycopg://occ:occ@127.0.0.1:5432/occ_bench \\
        .venv/bin/python benchmarks/bench_evaluation.py [--cases 30000] [--month 2026-10] [--reuse]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OCC_FAST_PASSWORD_HASH", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def last_full_month(now: datetime) -> str:
    first = now.replace(day=1) - timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--db", default=os.environ.get("OCC_BENCH_PG_URL") or os.environ.get("OCC_TEST_PG_URL"))
    p.add_argument("--cases", type=int, default=30_000)
    p.add_argument("--month", default=None, help="YYYY-MM (default: last month)")
    p.add_argument("--prior-months", type=int, default=5)
    p.add_argument("--reuse", action="store_true", help="keep the data already there (a previous run's)")
    p.add_argument("--package", default=None, help="a built demo city package to reuse")
    a = p.parse_args(argv)
    if not a.db or not a.db.startswith("postgresql"):
        print("give a scratch PostgreSQL database: --db or OCC_BENCH_PG_URL", file=sys.stderr)
        return 2
    from benchmarks import evaldata as ed
    from server_stub.app import create_app
    month = a.month or last_full_month(datetime.now(timezone.utc))
    tmp = Path(os.environ.get("OCC_BENCH_TMP") or tempfile.mkdtemp(prefix="occ-bench-eval-"))
    package = Path(a.package) if a.package else tmp / "pkg"
    if not (package / "city.gpkg").exists() and not any(package.glob("*.gpkg")):
        ed.build_package(package)
    out: dict = {"month": month}
    if not a.reuse:
        ed.reset_schema(a.db)
    settings = ed.make_settings(a.db, tmp, package)
    app = create_app(settings)
    ctx = app.state.ctx
    if not a.reuse:
        out.update(ed.populate(ctx, month, a.cases, prior_months=a.prior_months))
    out.update(server_part(ctx, month))
    out.update(client_part(settings, package, month))
    out["loadavg_1m"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out, ensure_ascii=False))
    return 0


def server_part(ctx, month: str) -> dict:  # noqa: ANN001
    from sqlalchemy import func, select

    from server_stub.db.models import CaseEvent
    from server_stub.services import evaluation as svc
    from server_stub.services import evaluation_counts as counting
    from server_stub.services import evaluation_views as views
    start, end = svc.month_window(ctx, month)
    now = datetime.now(timezone.utc)
    with ctx.db.session() as s:
        t = time.perf_counter()
        counting.count_month(ctx, s, start, end, now)
        count_s = time.perf_counter() - t
        counting.IN_DATABASE = True  # the same count in SQL (services/evaluation_sql), for comparison
        t = time.perf_counter()
        counting.count_month(ctx, s, start, end, now)
        count_sql_s = time.perf_counter() - t
        counting.IN_DATABASE = False
        events = s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.at >= start,
                                                                             CaseEvent.at < end))
    ctx.extras.pop("evaluation_cache", None)
    t = time.perf_counter()
    deps = svc.evaluate_departments(ctx, month)
    svc.evaluate_posts(ctx, month)
    svc.evaluate_regions(ctx, month, level="district")
    svc.evaluate_regions(ctx, month, level="street")
    grids = views.grid_counts(ctx, month)
    views.class_counts(ctx, month)
    views.trend(ctx, month, 6)
    all_s = time.perf_counter() - t
    return {"events_in_month": events, "grid_cases": grids["total"], "departments": len(deps.rows),
            "server_count_s": round(count_s, 3), "server_count_sql_s": round(count_sql_s, 3),
            "server_all_s": round(all_s, 3)}


def client_part(settings, package: Path, month: str) -> dict:  # noqa: ANN001
    from PySide6.QtCore import QCoreApplication, QElapsedTimer
    from PySide6.QtWidgets import QApplication

    from app.api.client import ApiClient
    from app.layers.city import city_layers
    from app.widgets.evaluation_window import EvaluationWindow
    import threading

    from tests.server.conftest import LiveServer
    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    gpkg = next(package.glob("*.gpkg"))
    grids = city_layers(str(gpkg), components=False, basemap=False)["unit_grids"]
    with LiveServer(settings) as srv:
        client = ApiClient(srv.url, timeout=120)
        client.login("leader", "demo")
        ew = EvaluationWindow(client, grids.store.crs, grids)
        ew.resize(1920, 1080)
        ew.show()
        shown: list[float] = []
        ew.loaded.connect(lambda _p, secs: shown.append(secs))

        def show(period: str) -> float:
            shown.clear()
            t = QElapsedTimer()
            t.start()
            if ew.period != period:
                ew.picker.set_period(period)
            else:
                ew.reload()
            while not shown and t.elapsed() < 300_000:
                QCoreApplication.processEvents()
            QCoreApplication.processEvents()  # the last part painted
            return t.elapsed() / 1000.0
        show(month)  # first: the window's own start-up (fonts, charts) is not the month's time
        ctx = srv.app.state.ctx
        ctx.extras.pop("evaluation_cache", None)
        cold = show(month)
        warm = show(month)
        log_one_more(ctx)  # the hall goes on: the log grew since the last count
        grown = show(month)
        # A server whose warmer (services/evaluation_warm) counted the month before anyone asked:
        # the month leaders open (this one or the last) is never counted while they wait.
        from server_stub.services import evaluation_warm
        for t in threading.enumerate():
            if t.name.startswith("evaluation-"):
                t.join(600)
        ctx.extras.pop("evaluation_cache", None)
        evaluation_warm.months_to_warm = lambda _ctx, now=None: [month]
        t0 = time.perf_counter()
        evaluation_warm.warm_once(ctx)
        warm_bg = time.perf_counter() - t0
        prewarmed = show(month)
        ew.close()
        for t in threading.enumerate():  # the fresh count made behind, before the server stops
            if t.name.startswith("evaluation-"):
                t.join(600)
    srv.thread.join(120)  # a loaded machine may take longer than the server's own 10 s to stop
    del qapp
    return {"client_show_s": round(cold, 3), "client_show_warm_s": round(warm, 3),
            "client_show_after_new_event_s": round(grown, 3), "background_warm_s": round(warm_bg, 3),
            "client_show_prewarmed_s": round(prewarmed, 3)}


def log_one_more(ctx) -> None:  # noqa: ANN001
    """A hotline report now, through the case service (one more log event)."""
    from sqlalchemy import select

    from server_stub.db.models import UnitGrid, User
    from server_stub.services import cases
    with ctx.db.transaction() as s:
        acceptor = s.scalar(select(User).where(User.username == "acceptor"))
        g = s.scalars(select(UnitGrid).order_by(UnitGrid.code)).first()
        cases.report_case(s, ctx, acceptor, source="hotline", kind="event", class_code="0102",
                          lon=(g.minx + g.maxx) / 2, lat=(g.miny + g.maxy) / 2)


if __name__ == "__main__":
    sys.exit(main())
