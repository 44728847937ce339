"""What the monthly evaluation (综合评价) counts, per subject, from the case data alone: the cases,
the case_events log and the overdues of a period [start, end), up to `as_of`. services/evaluation.py
caches the counts and turns them into rates and scores.

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

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import groupby
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from app.domain.workflow import HANDLING_STATES, STAGE_OF_STATE, State

from ..context import ServerContext
from ..db.models import Case, CaseEvent, Overdue

PUBLIC_SOURCES = frozenset({"hotline", "citizen", "open311", "media"})
POST_ROLES = ("inspector", "acceptor", "shift_leader", "dispatcher")


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
