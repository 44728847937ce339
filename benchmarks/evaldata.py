"""A month of cases at Nanchang scale (~30,000: 31,328 reports in one month, shared/domain §8) for
the evaluation benchmark, in PostgreSQL.

A week of demo history is played through the case service (services/cases, so the log, the stage
deadlines and the overdue facts are real), then copied in SQL into the other weeks of the month and
repeated until the month holds the target: every copy is shifted by whole weeks, its ids offset,
its case numbers suffixed, and every time in it (columns and the deadline_at logged in the event
data) shifted alike, so each copy is the same week again, later.
"""
from __future__ import annotations

import math
import shutil
import warnings
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

WEEK_DAYS = 7
PER_DAY = 40.0  # demo cases a day in the played week
ID_STEP = 1_000_000  # id offset between copies (the played week has far fewer rows)


def reset_schema(url: str) -> None:
    """Wipes a scratch PostgreSQL database, as the tests' reset does (the same function)."""
    from tests.server.conftest import _pg_reset
    _pg_reset(url)


def build_package(out: Path) -> Path:
    from server_stub.citydata.package import build_city
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_city(out, demo=True)
    return out


def month_start(month: str, tz: str = "Asia/Shanghai") -> datetime:
    y, m = (int(x) for x in month.split("-"))
    return datetime(y, m, 1, tzinfo=ZoneInfo(tz))


def make_settings(db_url: str, tmp: Path, package: Path):
    from server_stub.settings import Settings
    data = tmp / "data"
    if not (data / "city").exists():
        shutil.copytree(package, data / "city")
    # No background counting: the benchmark times the counts itself (evaluation_warm included).
    return Settings(db=db_url, data_dir=data, band_watch_seconds=3600, evaluation_warm_seconds=0)


def play_week(ctx, start: datetime, seed: int) -> tuple[int, float]:
    """A week of demo cases reported from `start`, each played until three weeks later (so nearly
    all are finished, as in a month being evaluated), through the case service."""
    import time

    from server_stub.citydata.history import _play_batch
    from server_stub.citydata.history_world import World, arrivals
    from collections import Counter
    t0 = time.perf_counter()
    world = World.load(ctx)
    plan = arrivals(ctx, start, start + timedelta(days=WEEK_DAYS), PER_DAY, seed, set(world.comps_by_class))
    held: Counter = Counter()
    done = 0
    for i in range(0, len(plan), 40):
        chunk = plan[i:i + 40]
        try:
            _play_batch(ctx, world, chunk, start + timedelta(days=3 * WEEK_DAYS), held)
            done += len(chunk)
        except Exception:  # noqa: BLE001 - a batch that fails is left out; the copies fill the month
            continue
    return done, time.perf_counter() - t0


def populate(ctx, month: str, target: int, seed: int = 20261001, prior_months: int = 5,
             prior_share: float = 0.8) -> dict:
    """Demo city + a played week at the month's start, copied to ~target cases in the month and
    to ~prior_share × target in each of the `prior_months` before it (the trend)."""
    import os

    from server_stub.citydata import demo, streams
    from server_stub.db.models import Case
    os.environ["OCC_QGIS_PYTHON"] = "/nonexistent/python3"
    streams.prepare_streams = lambda *a, **k: []  # no camera videos needed
    ctx.db.migrate()
    demo.load_demo(ctx, history=0, simulator=False)
    start = month_start(month)
    played, seconds = play_week(ctx, start, seed)
    with ctx.db.session() as s:
        base = s.scalar(select(func.count()).select_from(Case)) or 1
    copies = max(1, math.ceil(target / base))
    days = (month_start(_next(month)) - start).days
    weeks = max(1, days // WEEK_DAYS)  # 4: the played week and three later ones
    k = 0
    with ctx.db.engine.begin() as c:
        for n in range(1, copies):
            k += 1
            _copy(c, k, timedelta(days=WEEK_DAYS * (n % weeks)))
        for m in range(1, prior_months + 1):
            back = timedelta(days=WEEK_DAYS * 4 * m + WEEK_DAYS * (m // 3))  # whole weeks back, ~m months
            for n in range(int(copies * prior_share)):
                k += 1
                _copy(c, k, timedelta(days=WEEK_DAYS * (n % weeks)) - back)
        for table in ("cases", "case_events", "overdues"):
            c.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT max(id) FROM {table}))"))
        c.execute(text("ANALYZE"))
    from server_stub.services.evaluation import month_window
    a, b = month_window(ctx, month)
    with ctx.db.session() as s:
        total = s.scalar(select(func.count()).select_from(Case))
        in_month = s.scalar(select(func.count()).select_from(Case).where(Case.created_at >= a, Case.created_at < b))
    return {"played_cases": played, "played_seconds": round(seconds, 1), "copies": copies,
            "cases_total": total, "cases_in_month": in_month}


def _next(month: str) -> str:
    y, m = (int(x) for x in month.split("-"))
    return f"{y + (m == 12)}-{m % 12 + 1:02d}"


def _copy(c, k: int, shift: timedelta) -> None:
    """Copy k of the played week (ids < ID_STEP), `shift` later."""
    p = {"off": k * ID_STEP, "k": f"-{k}", "sh": shift}
    cols = [r[0] for r in c.execute(text(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'cases' "
        "AND table_schema = current_schema() AND is_generated = 'NEVER' ORDER BY ordinal_position"))]
    times = {"created_at", "updated_at", "deadline_at", "stage_started_at", "closed_at"}
    sel = []
    for col in cols:
        if col == "id":
            sel.append("id + :off")
        elif col == "number":
            sel.append("number || :k")
        elif col in times:
            sel.append(f"{col} + :sh")
        else:
            sel.append(col)
    c.execute(text(f"INSERT INTO cases ({', '.join(cols)}) SELECT {', '.join(sel)} FROM cases "
                   f"WHERE id < {ID_STEP}"), p)
    shifted = ("CASE WHEN data::jsonb ? 'deadline_at' AND data->>'deadline_at' IS NOT NULL THEN "
               "jsonb_set(data::jsonb, '{deadline_at}', to_jsonb(to_char((((data->>'deadline_at')::timestamptz"
               " + :sh) AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '+00:00'))::json ELSE data END")
    c.execute(text(
        "INSERT INTO case_events (id, case_id, action, from_state, to_state, actor_id, actor_role, "
        "actor_name, at, comment, data) SELECT id + :off, case_id + :off, action, from_state, to_state, "
        f"actor_id, actor_role, actor_name, at + :sh, comment, {shifted} FROM case_events "
        f"WHERE case_id < {ID_STEP}"), p)
    c.execute(text(
        "INSERT INTO overdues (id, case_id, stage, deadline_at, noticed_at, department_id) "
        "SELECT id + :off, case_id + :off, stage, deadline_at + :sh, noticed_at + :sh, department_id "
        f"FROM overdues WHERE case_id < {ID_STEP}"), p)
