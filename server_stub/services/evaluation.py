"""Monthly evaluation (综合评价, shared/domain §7) counted from the case data alone: cases, the
case_events log and overdues. The rates and scores are app.domain.evaluation's; this module counts.

The month is a calendar month in the city's time zone (ctx.clock.tz, Asia/Shanghai): [start, end).
An action "in the month" is a log event with start <= at < end. What happened to those cases
afterwards (a later filing, feedback, closing) is counted up to `as_of` (default: now), so a past
month's figures settle as its last cases finish.

Stage clocks (as services/deadlines.py runs them). Every open state is a stage: REPORTED = accept,
VERIFYING = verify, PENDING_FILING = file, PENDING_DISPATCH = dispatch, HANDLING = handling,
PENDING_CHECK = send_check (also the closing step), CHECKING = check. A stage begins with the event
that moves the case into the state (to_state != from_state) and ends with the next such event. Its
deadline is the "deadline_at" logged in the data of the beginning event (the case service logs the
deadline of the stage the case is in after every action), else, for the report event, the start
plus the stage limit of the settings. An event ends its stage "on time" when it comes no later
than that deadline and no Overdue row was recorded for the stage meanwhile (every action and the
band watcher record one the moment a deadline passes; overdue facts are never deleted).

A handling round begins at a dispatch or a rework (both restart the limit in full); the deadline in
force at an instant is the deadline_at logged by the round's latest event that left the case
handling (dispatch, rework, approve_extension, resume, urge, ...); a recorded "handling" Overdue in
the round makes it late whatever the log says.

Counts (per subject; "in M" = the event is in the month):
inspector (the reporting or task inspector)
  reports          cases whose 'report' event is in M and was made by the inspector (actor, or the
                   case's reporter_id for source 'inspector')
  valid_reports    those of them that were filed ('file' event at any time up to as_of)
  verify_tasks     'send_verify' in M naming the inspector (event data task_inspector_id, else the
                   inspector who answered); a task not answered and not yet due at as_of is not counted yet
  verify_on_time   those answered ('answer_verify') by the verify stage deadline
  check_tasks / check_on_time   the same for 'send_check' / 'answer_check' and the check stage
  filed_in_grid    cases filed in M ('file' event) located in the inspector's responsibility grids
  public_valid_reports_in_grid  those of them from a public source (hotline, citizen, open311, media):
                   problems the inspector did not find first (漏报)
acceptor
  accepted         'accept', 'reject' and 'merge' (of a REPORTED duplicate) by the acceptor in M
                   (受理数: reports decided)
  verify_dispatches(_on_time)   'send_verify' by the acceptor in M (ending its stage on time)
  check_dispatches(_on_time)    'send_check' by the acceptor in M (ending the send_check stage on time)
shift leader
  filed(_on_time)  'file' by the shift leader in M (within the file stage limit)
  voided_after_filing           those filings later voided ('void' after the 'file')
  closed(_on_time) 'close' by the shift leader in M (within the send_check stage limit)
dispatcher
  dispatched(_on_time)          'dispatch' by the dispatcher in M (within the dispatch stage limit)
  reworked         those dispatches the department returned as not its own ('dept_return' before the
                   next dispatch): a wrong dispatch
department (and region: the same counts over the cases located in the district or street)
  An assignment is a 'dispatch' in M to the department (event data department_id, else the case's)
  that the department did not return ('dept_return') and that was not voided meanwhile; it runs
  until the next dispatch of the case. Cases suspended (挂账) at as_of leave the handling statistics.
  to_handle        assignments (应处置数)
  handled          those whose department has fed back and whose last 'feedback' is not followed by
                   a 'rework' (处置数)
  handled_on_time  handled, and the last feedback no later than the deadline of its round (按期处置数)
  reworked         assignments with at least one 'rework' (返工数)
  overdue_unhandled  not handled and past the handling deadline at as_of (超期未处置数)
  extended         assignments with an 'approve_extension' (延期数)
  closed / closed_on_time      assignments ending in 'close' / of those, handled on time
  to_close (应结案数) = handled + overdue_unhandled, the domain's default.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import groupby
from operator import itemgetter
from typing import Any, Callable, NamedTuple

from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import Session

from app.domain import evaluation as ev
from app.domain import periods
from app.domain.workflow import HANDLING_STATES, STAGE_OF_STATE, State

from ..context import ServerContext
from ..db.models import (Case, CaseEvent, Department, Inspector, Overdue, Region, ResponsibilityGrid,
                         UnitGrid, User)
from ..schemas.evaluation import CountOut, EvaluationOut, IndicatorOut, SubjectOut

log = logging.getLogger("occ.evaluation")
PUBLIC_SOURCES = frozenset({"hotline", "citizen", "open311", "media"})
CACHE_SECONDS = 60.0
SLOW_COUNT_SECONDS = 1.0  # a count slower than this is answered from the last one while recounted
STALE_SECONDS = 600.0  # ... if that one is at most this old
POST_ROLES = ("inspector", "acceptor", "shift_leader", "dispatcher")
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


@dataclass
class Tally:
    """Counts per subject: tally.posts[role][user_id][count], tally.dept[dept_id][count], ..."""
    posts: dict[str, dict[int, Counter]] = field(
        default_factory=lambda: {r: defaultdict(Counter) for r in POST_ROLES})
    dept: dict[Any, Counter] = field(default_factory=lambda: defaultdict(Counter))
    district: dict[Any, Counter] = field(default_factory=lambda: defaultdict(Counter))
    street: dict[Any, Counter] = field(default_factory=lambda: defaultdict(Counter))
    grid_filed: Counter = field(default_factory=Counter)  # unit grid code -> cases filed in M
    grid_public: Counter = field(default_factory=Counter)  # ... of them from a public source
    late: dict[Any, set] = field(default_factory=lambda: defaultdict(set))  # dept id -> late case ids


# ---------------------------------------------------------------- loading: three queries, no ORM objects
# An event is a plain tuple (hundreds of thousands of them in a big month); its fields:
ACTION, FROM, TO, ACTOR, ROLE, AT, DEADLINE, DEPT, INSPECTOR = range(9)
# DEADLINE: data.deadline_at as stored (text), the deadline of the stage the case is in after the
# event; DEPT: data.department_id (dispatch); INSPECTOR: data.task_inspector_id (send_verify/check).
# Times inside the counting are naive UTC (what both databases store), to compare them cheaply.


def _naive(v: Any) -> datetime | None:
    if v is None:
        return None
    if isinstance(v, str):
        try:
            v = datetime.fromisoformat(v)
        except ValueError:
            return None
    return v if v.tzinfo is None else v.astimezone(timezone.utc).replace(tzinfo=None)


class CaseRow(NamedTuple):
    source: str
    state: str
    department_id: int | None
    district_code: str | None
    street_code: str | None
    grid_code: str | None
    reporter_id: int | None


def _load(s: Session, start: datetime, end: datetime, as_of: datetime):
    """The cases with any event in the month with all their events up to as_of (only the data
    fields counted, extracted by the database; the case's columns joined to every event row, so
    the month's case ids are looked up once), and the overdue facts of those cases."""
    conn = s.connection()
    touched = select(CaseEvent.case_id).where(CaseEvent.at >= start, CaseEvent.at < end)
    data = CaseEvent.data
    rows = conn.execute(
        select(CaseEvent.case_id, CaseEvent.action, CaseEvent.from_state, CaseEvent.to_state,
               CaseEvent.actor_id, CaseEvent.actor_role, type_coerce(CaseEvent.at, String),
               data["deadline_at"].as_string(), data["department_id"].as_integer(),
               data["task_inspector_id"].as_integer(),
               Case.source, Case.state, Case.department_id, Case.district_code, Case.street_code,
               Case.grid_code, Case.reporter_id)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.case_id.in_(touched), CaseEvent.at <= as_of)
        .order_by(CaseEvent.case_id, CaseEvent.id)).all()
    parse = datetime.fromisoformat
    cases: dict[int, CaseRow] = {}
    events: dict[int, list[tuple]] = {}
    for cid, grp in groupby(rows, key=itemgetter(0)):
        grp = list(grp)
        cases[cid] = CaseRow(*grp[0][10:])
        events[cid] = [(r[1], r[2], r[3], r[4], r[5], parse(r[6]) if isinstance(r[6], str) else r[6],
                        r[7], r[8], r[9]) for r in grp]
    in_month = select(CaseEvent.id).where(CaseEvent.case_id == Overdue.case_id, CaseEvent.at >= start,
                                          CaseEvent.at < end).exists()
    overdues: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for cid, stage, deadline in conn.execute(
            select(Overdue.case_id, Overdue.stage, type_coerce(Overdue.deadline_at, String)).where(in_month)):
        overdues[cid].append((stage, _naive(deadline)))
    return cases, events, overdues


# ---------------------------------------------------------------- one case's log
class _Case:
    """One case's log: where each stage began, whether an event ended its stage on time, and the
    handling deadlines."""

    def __init__(self, row: Any, evs: list[tuple], overdues: list[tuple[str, datetime]],
                 limits: dict[str, float], as_of: datetime, case_id: int | None = None):
        self.row, self.evs, self.as_of, self.limits, self.overdues = row, evs, as_of, limits, overdues
        self.case_id = case_id
        self.enter: dict[int, int] = {}  # index of an event that moved the case -> where its stage began
        self._deadlines: dict[int, datetime | None] = {}
        entered = 0
        for i, e in enumerate(evs):
            if i and e[FROM] is not None and e[TO] != e[FROM]:
                self.enter[i] = entered
                entered = i

    def stage_deadline(self, k: int) -> datetime | None:
        """Deadline of the stage event k began: the one logged with it, else start + stage limit."""
        if k not in self._deadlines:
            e = self.evs[k]
            dl = _naive(e[DEADLINE])
            stage = STAGE_OF_STATE.get(e[TO])  # type: ignore[arg-type]
            if dl is None and stage in self.limits and stage != "handling":
                dl = e[AT] + timedelta(minutes=self.limits[stage])  # e.g. the report: accept stage
            self._deadlines[k] = dl
        return self._deadlines[k]

    def on_time(self, i: int) -> bool:
        """Event i ended its stage no later than the deadline, and no overdue was recorded for it."""
        k = self.enter.get(i)
        if k is None:
            return True
        e, dl = self.evs[i], self.stage_deadline(k)
        if dl is not None and e[AT] > dl:
            return False
        stage, t0 = STAGE_OF_STATE.get(self.evs[i][FROM]), self.evs[k][AT]  # type: ignore[arg-type]
        return not any(st == stage and t0 <= d < e[AT] for st, d in self.overdues)

    def first(self, action: str, after: int = -1, until: int | None = None) -> int | None:
        evs = self.evs
        for i in range(after + 1, len(evs) if until is None else until):
            if evs[i][ACTION] == action:
                return i
        return None

    def handling_late(self, a: int, upto: int, t: datetime) -> bool:
        """Whether the handling round running before event index `upto` was past its deadline at
        `t`. A round starts at the dispatch `a` or at the latest rework (both restart the limit in
        full); the deadline in force is the deadline_at logged by the round's last event that left
        the case handling (dispatch, rework, approve_extension, resume, urge, ...)."""
        evs = self.evs
        r = a
        for i in range(a, upto):
            if evs[i][ACTION] == "rework":
                r = i
        t0 = evs[r][AT]
        if any(st == "handling" and t0 <= d < t for st, d in self.overdues):
            return True  # recorded overdue: the band watcher or an action saw it pass
        deadline = None
        for i in range(r, upto):
            if evs[i][TO] in HANDLING_STATES and evs[i][DEADLINE] is not None:
                deadline = evs[i][DEADLINE]
        deadline = _naive(deadline)
        return deadline is not None and t > deadline


# ---------------------------------------------------------------- counting
def _count_case(c: _Case, start: datetime, end: datetime, t: Tally) -> None:
    row, evs = c.row, c.evs
    filed_ever = False
    first_file_in_month = None
    for i, e in enumerate(evs):
        if e[ACTION] == "file":
            filed_ever = True
            if first_file_in_month is None and start <= e[AT] < end:
                first_file_in_month = i
    for i, e in enumerate(evs):
        if not start <= e[AT] < end:
            continue
        a, actor = e[ACTION], e[ACTOR]
        if a == "report":
            reporter = actor if e[ROLE] == "inspector" else (
                row.reporter_id if row.source == "inspector" else None)
            if reporter is not None:
                p = t.posts["inspector"][reporter]
                p["reports"] += 1
                p["valid_reports"] += filed_ever
        elif a in ("send_verify", "send_check"):
            kind = "verify" if a == "send_verify" else "check"
            if actor is not None:
                p = t.posts["acceptor"][actor]
                p[f"{kind}_dispatches"] += 1
                p[f"{kind}_dispatches_on_time"] += c.on_time(i)
            _task(c, i, kind, t)
        elif (a in ("accept", "reject") or (a == "merge" and e[FROM] == State.REPORTED
                                              and e[TO] == State.VOID)) and actor is not None:
            t.posts["acceptor"][actor]["accepted"] += 1
        elif a == "file":
            if actor is not None:
                p = t.posts["shift_leader"][actor]
                p["filed"] += 1
                p["filed_on_time"] += c.on_time(i)
                p["voided_after_filing"] += c.first("void", after=i) is not None
            if row.grid_code and i == first_file_in_month:  # a case counts once per month
                t.grid_filed[row.grid_code] += 1
                t.grid_public[row.grid_code] += row.source in PUBLIC_SOURCES
        elif a == "close" and actor is not None:
            p = t.posts["shift_leader"][actor]
            p["closed"] += 1
            p["closed_on_time"] += c.on_time(i)
        elif a == "dispatch":
            _dispatch(c, i, t)


def _task(c: _Case, i: int, kind: str, t: Tally) -> None:
    """A verify/check task sent at event i: the inspector's on-time answer (or its absence)."""
    evs = c.evs
    answer = c.first(f"answer_{kind}", after=i)
    inspector = evs[i][INSPECTOR]
    if inspector is None and answer is not None and evs[answer][ROLE] == "inspector":
        inspector = evs[answer][ACTOR]
    if inspector is None:
        return
    deadline = c.stage_deadline(i)
    if answer is None and (deadline is None or c.as_of <= deadline):
        return  # still running: judged once answered or due
    p = t.posts["inspector"][inspector]
    p[f"{kind}_tasks"] += 1
    p[f"{kind}_on_time"] += answer is not None and c.on_time(answer)


def _dispatch(c: _Case, i: int, t: Tally) -> None:
    evs, row = c.evs, c.row
    nxt = c.first("dispatch", after=i)
    end = len(evs) if nxt is None else nxt
    returned = c.first("dept_return", after=i, until=end) is not None
    if evs[i][ACTOR] is not None:
        p = t.posts["dispatcher"][evs[i][ACTOR]]
        p["dispatched"] += 1
        p["dispatched_on_time"] += c.on_time(i)
        p["reworked"] += returned
    if returned or c.first("void", after=i, until=end) is not None:
        return  # not this department's case, or voided (作废) meanwhile: out of its statistics
    if nxt is None and row.state == State.SUSPENDED:
        return  # 挂账: out of the handling statistics (缓办 stays in, against its approved date)
    dept = evs[i][DEPT] or row.department_id
    last_fb = last_rw = None
    extended = closed = False
    for j in range(i + 1, end):
        a = evs[j][ACTION]
        if a == "feedback":
            last_fb = j
        elif a == "rework":
            last_rw = j
        elif a == "approve_extension":
            extended = True
        elif a == "close":
            closed = True
    handled = last_fb is not None and (last_rw is None or last_rw < last_fb)
    on_time = handled and not c.handling_late(i, last_fb, evs[last_fb][AT])  # type: ignore[arg-type]
    overdue = not handled and c.handling_late(i, end, c.as_of)
    counts = (("to_handle", 1), ("handled", handled), ("handled_on_time", on_time),
              ("reworked", last_rw is not None), ("extended", extended), ("closed", closed),
              ("closed_on_time", closed and on_time), ("overdue_unhandled", overdue))
    late = (handled and not on_time) or overdue
    if late and dept is not None and c.case_id is not None:
        t.late[dept].add(c.case_id)  # the drill-down from a department's score
    for tally, key in ((t.dept, dept), (t.district, row.district_code), (t.street, row.street_code)):
        if key is not None:
            bucket = tally[key]
            for k, v in counts:
                bucket[k] += int(v)


# True: PostgreSQL counts in SQL (services/evaluation_sql: the same counts, tested equal). Off by
# default: on a month at Nanchang scale it measured 1.3-1.45x slower than counting here (16.9-19.0 s
# against 13.0-13.3 s at load average 5-6; benchmarks/bench_evaluation.py prints both).
IN_DATABASE = False


def count_month(ctx: ServerContext, s: Session, start: datetime, end: datetime, as_of: datetime) -> Tally:
    limits = ctx.settings.stage_limits()
    if IN_DATABASE and s.get_bind().dialect.name == "postgresql":
        from . import evaluation_sql
        tally = Tally()
        evaluation_sql.count(s, _naive(start), _naive(end), _naive(as_of), limits, tally)
        return tally
    cases, events, overdues = _load(s, start, end, as_of)
    start, end, as_of = _naive(start), _naive(end), _naive(as_of)
    tally = Tally()
    for cid, evs in events.items():
        row = cases.get(cid)
        if row is not None and evs:
            _count_case(_Case(row, evs, overdues.get(cid, []), limits, as_of, cid), start, end, tally)
    return tally


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
