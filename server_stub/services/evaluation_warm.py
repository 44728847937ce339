"""Keeps this month's and last month's evaluation counted in the background.

Counting a month at Nanchang scale reads its whole log (~280,000 events) and takes seconds
(benchmarks/bench_evaluation.py); a leader opening the evaluation should not wait for it. So a
thread counts the two months the leaders look at most once at start and again whenever the log
has grown, every `evaluation_warm_seconds` (OCC_EVALUATION_WARM_SECONDS; 0 = off). Requests then
find the count in evaluation.cached_count's cache (with the time it was made), and a period nobody
warmed is counted on demand as before.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone

from ..context import ServerContext
from . import evaluation

log = logging.getLogger("occ.evaluation")


def months_to_warm(ctx: ServerContext, now: datetime | None = None) -> list[str]:
    """This month and the one before, in the city's zone."""
    local = (now or datetime.now(timezone.utc)).astimezone(ctx.clock.tz)
    prev = (local.year - 1, 12) if local.month == 1 else (local.year, local.month - 1)
    return [f"{local.year:04d}-{local.month:02d}", f"{prev[0]:04d}-{prev[1]:02d}"]


def warm_once(ctx: ServerContext) -> list[str]:
    """Counts each month to warm whose cached count is missing or older than the log; returns them."""
    counted = []
    cache = ctx.extras.setdefault("evaluation_cache", {})
    for month in months_to_warm(ctx):
        with evaluation.month_lock(ctx, month), ctx.db.session() as s:
            hit = cache.get(month)
            if hit is not None and hit[0] == evaluation._stamp(s):
                continue
            start, end = evaluation.month_window(ctx, month)
            evaluation.count_into_cache(ctx, s, month, start, end)
        counted.append(month)
    return counted


def start(ctx: ServerContext) -> None:
    every = float(ctx.settings.evaluation_warm_seconds)
    if every <= 0:
        return
    stop = threading.Event()
    warmed = threading.Event()  # set after each pass (tests wait on it)

    def run() -> None:
        while not stop.is_set():
            try:
                months = warm_once(ctx)
                if months:
                    log.info("evaluation: counted %s in the background", ", ".join(months))
            except Exception:  # noqa: BLE001 - a failed pass is logged; the next one tries again
                log.exception("evaluation: background count failed")
            warmed.set()
            stop.wait(every)

    ctx.extras["evaluation_warm"] = (stop, warmed)
    threading.Thread(target=run, name="occ-evaluation-warm", daemon=True).start()


def stop(ctx: ServerContext) -> None:
    running = ctx.extras.pop("evaluation_warm", None)
    if running is not None:
        running[0].set()
