"""Monthly evaluation (综合评价, shared/domain §7) counted from the case data alone: cases, the
case_events log and overdues. The counts are services/evaluation_counts.py's, the rates and scores
app.domain.evaluation's; this module caches the counts of a period and makes the subjects' rows.

The month is a calendar month in the city's time zone (ctx.clock.tz, Asia/Shanghai): [start, end).
An action "in the month" is a log event with start <= at < end. What happened to those cases
afterwards (a later filing, feedback, closing) is counted up to `as_of` (default: now), so a past
month's figures settle as its last cases finish.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from typing import Any, Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain import evaluation as ev
from app.domain import periods

from ..context import ServerContext
from ..db.models import CaseEvent, Department, Inspector, Overdue, Region, ResponsibilityGrid, UnitGrid, User
from ..schemas.evaluation import CountOut, EvaluationOut, IndicatorOut, SubjectOut
from .evaluation_counts import POST_ROLES, Tally, count_month

log = logging.getLogger("occ.evaluation")
CACHE_SECONDS = 60.0
SLOW_COUNT_SECONDS = 1.0  # a count slower than this is answered from the last one while recounted
STALE_SECONDS = 600.0  # ... if that one is at most this old
ROLE_ZH = {"inspector": "监督员", "acceptor": "受理员", "shift_leader": "值班长", "dispatcher": "派遣员"}
LEVEL_ZH = {"district": "区县", "street": "街道"}

COUNT_ZH: dict[str, dict[str, str]] = {
    "inspector": {"reports": "上报数", "valid_reports": "有效上报数", "verify_tasks": "核实任务数",
                  "verify_on_time": "按时核实数", "check_tasks": "核查任务数", "check_on_time": "按时核查数",
                  "filed_in_grid": "责任网格立案数", "public_valid_reports_in_grid": "责任网格公众有效举报数"},
    "acceptor": {"accepted": "受理数", "verify_dispatches": "派发核实数",
                 "verify_dispatches_on_time": "按时派发核实数", "check_dispatches": "派发核查数",
                 "check_dispatches_on_time": "按时派发核查数"},
    "shift_leader": {"filed": "立案数", "filed_on_time": "按时立案数", "voided_after_filing": "立案后作废数",
                     "closed": "结案数", "closed_on_time": "按时结案数"},
    "dispatcher": {"dispatched": "派遣数", "dispatched_on_time": "按时派遣数", "reworked": "部门退回数"},
    "department": {"to_handle": "应处置数", "handled": "处置数", "handled_on_time": "按期处置数",
                   "reworked": "返工数", "overdue_unhandled": "超期未处置数", "extended": "延期数",
                   "closed": "结案数", "closed_on_time": "按期结案数", "to_close": "应结案数"},
}


# ---------------------------------------------------------------- the month
def month_window(ctx: ServerContext, month: str) -> tuple[datetime, datetime]:
    """[start, end) of a period (a 'YYYY-MM' month, a 'YYYY-Qn' quarter or a
    'YYYY-MM-DD..YYYY-MM-DD' range of days, app.domain.periods) in the city's zone, as aware UTC."""
    try:
        p = periods.parse(month)
        start = datetime(p.first.year, p.first.month, p.first.day, tzinfo=ctx.clock.tz)
        end = datetime(p.end.year, p.end.month, p.end.day, tzinfo=ctx.clock.tz)
        return start.astimezone(timezone.utc), end.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError(f"period out of range: {month!r}") from None


period_window = month_window


def _stamp(s: Session) -> tuple:
    """Changes whenever the log or the overdue facts grow (both are append-only)."""
    return (s.scalar(select(func.max(CaseEvent.id))), s.scalar(select(func.max(Overdue.id))))


def cached_count(ctx: ServerContext, s: Session, month: str,
                 as_of: datetime | None) -> tuple[Tally, datetime]:
    """count_month, reused for CACHE_SECONDS while nothing new was logged: the JSON view, its CSV
    and XLSX downloads and the three subject lists all come from one count of the month.

    A count that took longer than SLOW_COUNT_SECONDS (a big city's month) is not made to wait for
    again: once the log has grown, the last count (its as_of says when it was made) is answered at
    once for up to STALE_SECONDS while a fresh one is made in the background. A cheap count is
    always fresh."""
    start, end = month_window(ctx, month)
    if as_of is not None:
        return count_month(ctx, s, start, end, as_of), as_of
    cache = ctx.extras.setdefault("evaluation_cache", {})
    hit = cache.get(month)
    now = datetime.now(timezone.utc)
    if hit and hit[3] > SLOW_COUNT_SECONDS and (now - hit[1]).total_seconds() < STALE_SECONDS:
        if hit[0] != _stamp(s) or (now - hit[1]).total_seconds() >= CACHE_SECONDS:
            _recount_later(ctx, month)
        return hit[2], hit[1]
    return _count_now(ctx, s, month, start, end)


def month_lock(ctx: ServerContext, month: str) -> threading.Lock:
    """One count of a period at a time (requests and the background warmer)."""
    return ctx.extras.setdefault("evaluation_locks", defaultdict(threading.Lock))[month]


def _count_now(ctx: ServerContext, s: Session, month: str, start: datetime, end: datetime) -> tuple[Tally, datetime]:
    with month_lock(ctx, month):  # the window asks for every subject at once: one count, the others wait for it
        now = datetime.now(timezone.utc)
        stamp = _stamp(s)
        cache = ctx.extras.setdefault("evaluation_cache", {})
        hit = cache.get(month)
        if hit and hit[0] == stamp and (now - hit[1]).total_seconds() < CACHE_SECONDS:
            return hit[2], hit[1]
        return count_into_cache(ctx, s, month, start, end, stamp=stamp, now=now)


def count_into_cache(ctx: ServerContext, s: Session, month: str, start: datetime, end: datetime,
                     stamp: tuple | None = None, now: datetime | None = None) -> tuple[Tally, datetime]:
    """Counts the period now and keeps the count (with the log's stamp and its time) in the cache."""
    stamp = _stamp(s) if stamp is None else stamp
    now = now or datetime.now(timezone.utc)
    cache = ctx.extras.setdefault("evaluation_cache", {})
    t0 = time.perf_counter()
    tally = count_month(ctx, s, start, end, now)
    cache[month] = (stamp, now, tally, time.perf_counter() - t0)
    while len(cache) > 24:
        cache.pop(next(iter(cache)))
    return tally, now


def _recount_later(ctx: ServerContext, month: str) -> None:
    """A fresh count of the period on a background thread (one at a time per period)."""
    busy = ctx.extras.setdefault("evaluation_recounting", set())
    if month in busy:
        return
    busy.add(month)

    def run() -> None:
        try:
            start, end = month_window(ctx, month)
            with ctx.db.session() as s2:
                now = datetime.now(timezone.utc)
                stamp = _stamp(s2)
                t0 = time.perf_counter()
                tally = count_month(ctx, s2, start, end, now)
                ctx.extras["evaluation_cache"][month] = (stamp, now, tally, time.perf_counter() - t0)
        except Exception:  # noqa: BLE001 - the last count stays; the next request tries again
            log.exception("evaluation: background recount of %s failed", month)
        finally:
            busy.discard(month)
    threading.Thread(target=run, name=f"evaluation-{month}", daemon=True).start()


# ---------------------------------------------------------------- indicators and rows
def _ind(key: str, num: float, den: float, value: float | None, weights: dict[str, float]) -> IndicatorOut:
    return IndicatorOut(key=key, name_zh=ev.NAMES_ZH.get(key, key), value=value, numerator=num,
                        denominator=den, lower_is_better=key in ev.LOWER_IS_BETTER, weight=weights.get(key))


def _row(key: str, name: str, kind: str, counts: dict[str, int], parts: list[tuple[str, float, float]],
         rates: dict[str, float | None], score: ev.Score, **extra: Any) -> SubjectOut:
    weights = ev.DEFAULT_WEIGHTS[kind]
    return SubjectOut(
        key=key, name=name, **extra,
        counts=[CountOut(key=k, name_zh=COUNT_ZH[kind].get(k, k), value=v) for k, v in counts.items()],
        indicators=[_ind(k, n, d, rates.get(k), weights) for k, n, d in parts],
        score=score.value, grade=score.grade, partial_score=score.partial, coverage=score.coverage)


def _fields(cls: type, c: Counter, **override: Any) -> dict[str, int]:
    out = {f: int(c.get(f, 0)) for f in cls.__dataclass_fields__}  # type: ignore[attr-defined]
    out.update(override)
    return out


def department_row(key: str, name: str, c: Counter, **extra: Any) -> SubjectOut:
    counts = ev.DepartmentCounts(**_fields(ev.DepartmentCounts, c, to_close=None))
    tc = counts.to_close_count
    shown = _fields(ev.DepartmentCounts, c, to_close=tc)
    parts = [("handling_rate", counts.handled, counts.to_handle),
             ("on_schedule_handling_rate", counts.handled_on_time, counts.to_handle),
             ("closing_rate", counts.closed, tc), ("on_schedule_closing_rate", counts.closed_on_time, tc),
             ("rework_rate", counts.reworked, tc),
             ("overdue_unhandled_rate", counts.overdue_unhandled, counts.to_handle),
             ("extension_rate", counts.extended, counts.to_handle)]
    return _row(key, name, "department", shown, parts, ev.department_rates(counts),
                ev.department_score(counts), **extra)


def _post_row(role: str, uid: int, name: str, c: Counter, peers_max: int, grid_filed: int | None,
              grid_public: int) -> SubjectOut:
    if role == "inspector":
        k = ev.InspectorCounts(**_fields(ev.InspectorCounts, c, public_valid_reports_in_grid=grid_public,
                                         filed_in_grid=grid_filed))
        filed = k.filed_in_grid if k.filed_in_grid is not None else \
            k.valid_reports + k.public_valid_reports_in_grid
        parts = [("valid_report_rate", k.valid_reports, k.reports),
                 ("missed_report_rate", k.public_valid_reports_in_grid, filed),
                 ("on_time_verify_rate", k.verify_on_time, k.verify_tasks),
                 ("on_time_check_rate", k.check_on_time, k.check_tasks)]
        shown = _fields(ev.InspectorCounts, c, public_valid_reports_in_grid=grid_public,
                        filed_in_grid=filed)
        return _row(str(uid), name, role, shown, parts, ev.inspector_rates(k), ev.inspector_score(k),
                    role=role)
    if role == "acceptor":
        k = ev.AcceptorCounts(**_fields(ev.AcceptorCounts, c))
        parts = [("accept_count_score", k.accepted, peers_max),
                 ("on_time_verify_dispatch_rate", k.verify_dispatches_on_time, k.verify_dispatches),
                 ("on_time_check_dispatch_rate", k.check_dispatches_on_time, k.check_dispatches)]
        return _row(str(uid), name, role, _fields(ev.AcceptorCounts, c), parts,
                    ev.acceptor_rates(k, peers_max), ev.acceptor_score(k, peers_max), role=role)
    if role == "shift_leader":
        k = ev.ShiftLeaderCounts(**_fields(ev.ShiftLeaderCounts, c))
        parts = [("on_time_filing_rate", k.filed_on_time, k.filed),
                 ("accurate_filing_rate", k.filed - k.voided_after_filing, k.filed),
                 ("on_time_closing_rate", k.closed_on_time, k.closed)]
        return _row(str(uid), name, role, _fields(ev.ShiftLeaderCounts, c), parts,
                    ev.shift_leader_rates(k), ev.shift_leader_score(k), role=role)
    k = ev.DispatcherCounts(**_fields(ev.DispatcherCounts, c))
    parts = [("dispatch_count_score", k.dispatched, peers_max),
             ("on_time_dispatch_rate", k.dispatched_on_time, k.dispatched),
             ("accurate_dispatch_rate", k.dispatched - k.reworked, k.dispatched)]
    return _row(str(uid), name, role, _fields(ev.DispatcherCounts, c), parts,
                ev.dispatcher_rates(k, peers_max), ev.dispatcher_score(k, peers_max), role=role)


# ---------------------------------------------------------------- the three evaluations
def _run(ctx: ServerContext, month: str, subject: str, as_of: datetime | None,
         build: Callable[[Session, Tally], list[SubjectOut]]) -> EvaluationOut:
    start, end = month_window(ctx, month)
    with ctx.db.session() as s:
        tally, as_of = cached_count(ctx, s, month, as_of)
        rows = build(s, tally)
    return EvaluationOut(month=month, subject=subject, start=start, end=end, as_of=as_of, rows=rows)


def evaluate_departments(ctx: ServerContext, month: str, *, only_department: int | None = None,
                         as_of: datetime | None = None) -> EvaluationOut:
    def build(s: Session, t: Tally) -> list[SubjectOut]:
        q = select(Department).order_by(Department.code)
        if only_department is not None:
            q = q.where(Department.id == only_department)
        return [department_row(d.code, d.name, t.dept.get(d.id, Counter())) for d in s.scalars(q)]
    return _run(ctx, month, "departments", as_of, build)


def evaluate_regions(ctx: ServerContext, month: str, *, level: str = "district",
                     as_of: datetime | None = None) -> EvaluationOut:
    if level not in LEVEL_ZH:
        raise ValueError(f"level must be district or street, got {level!r}")

    def build(s: Session, t: Tally) -> list[SubjectOut]:
        names = dict(s.execute(select(Region.code, Region.name).where(Region.level == level)).all())
        tally = t.district if level == "district" else t.street
        codes = sorted(set(names) | set(tally))
        return [department_row(code, names.get(code, code), tally.get(code, Counter()), level=level)
                for code in codes]
    return _run(ctx, month, "regions", as_of, build)


def _grids_of_inspectors(s: Session) -> dict[int, set[str]]:
    """Inspector user id -> the unit grid codes of their responsibility grids."""
    by_rg: dict[int, set[int]] = defaultdict(set)
    for rg_id, uid in s.execute(select(ResponsibilityGrid.id, ResponsibilityGrid.inspector_id)
                                .where(ResponsibilityGrid.inspector_id.is_not(None))):
        by_rg[uid].add(rg_id)
    for uid, rg_id in s.execute(select(Inspector.user_id, Inspector.responsibility_grid_id)
                                .where(Inspector.responsibility_grid_id.is_not(None))):
        by_rg[uid].add(rg_id)
    grids_of_rg: dict[int, set[str]] = defaultdict(set)
    for code, rg_id in s.execute(select(UnitGrid.code, UnitGrid.responsibility_grid_id)
                                 .where(UnitGrid.responsibility_grid_id.is_not(None))):
        grids_of_rg[rg_id].add(code)
    return {uid: set().union(*(grids_of_rg[r] for r in rgs)) for uid, rgs in by_rg.items()}


def evaluate_posts(ctx: ServerContext, month: str, *, role: str | None = None,
                   as_of: datetime | None = None) -> EvaluationOut:
    roles = (role,) if role else POST_ROLES
    if any(r not in POST_ROLES for r in roles):
        raise ValueError(f"role must be one of {', '.join(POST_ROLES)}, got {role!r}")

    def build(s: Session, t: Tally) -> list[SubjectOut]:
        users = [u for u in s.execute(select(User.id, User.display_name, User.role, User.active)
                                      .where(User.role.in_(roles)).order_by(User.id))
                 if u.active or u.id in t.posts[u.role]]  # a disabled user only if active in M
        grids = _grids_of_inspectors(s) if "inspector" in roles else {}
        out = []
        for r in roles:
            mine = [u for u in users if u.role == r]
            counts = t.posts[r]
            top = max((counts.get(u.id, Counter())["accepted" if r == "acceptor" else "dispatched"]
                       for u in mine), default=0)
            for u in mine:
                g = grids.get(u.id, set())
                filed = sum(t.grid_filed[x] for x in g) if g else 0
                public = sum(t.grid_public[x] for x in g)
                out.append(_post_row(r, u.id, u.display_name, counts.get(u.id, Counter()), top,
                                     filed, public))
        return out
    return _run(ctx, month, "posts", as_of, build)
