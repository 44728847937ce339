"""Case history for the demo city: weeks or months of cases ending now, played through the case
service (services/cases.report_case / apply_action with backdated `at=`), so the log, stage clocks,
case numbers, overdue facts and the evaluation are what real operation would have left.

Every case follows a script drawn from a seeded random generator: who reports it and when (a
working-hours rhythm per source), accept / verify / file / dispatch by the centre's posts with
realistic delays, the department's handling time as a share of the filing condition's limit (a few
per cent overdue), department returns, extensions, suspensions, checks by an inspector, reworks,
closing, and the odd rejection, non-filing or forced void. Departments are chosen from the
reference suggestion (services/reference.suggest_departments: owner first for components, the
street office first for events, the utility for emergencies). A step that would lie in the future
is not played: the case stays open where it is, so the last days leave open cases in every state
with true green / yellow / red bands.

Cases are played in report order (case numbers follow the days), BATCH cases per transaction; a
batch that fails is replayed one case per transaction and a case that still fails is skipped and
logged, so one odd case never costs the history.
"""
from __future__ import annotations

import logging
import math
import random
import time as _time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from typing import Any, Callable

from sqlalchemy import func, select

from app.domain.clocks import ClockType
from app.domain.workflow import State

from ..db.models import Case, User
from ..services import cases as case_svc
from .case_mix import CORRECTED_CLASS, DEPT_HOURS, EVENT_TEXT, INSPECTOR_DUTY, P, PUBLIC, REASONS, SURNAMES
from .history_world import Arrival, World, arrivals

log = logging.getLogger("occ.demo.history")

BATCH = 40
PER_DAY = 30.0  # new cases a day on average (Ansai: 1,215 a year for 151 grids; the demo is livelier)

# The centre is never empty: a case reaching one of these states in the last HOLD_WINDOW before the
# end waits there with probability HOLD_P (the post has not got to it yet). A state no case holds
# yet is held by the first case reaching it in the last NEED_WINDOW, so every queue shows something
# (also in a short history); likewise one case reported in the last days is suspended.
HOLD_STATES = (State.REPORTED, State.VERIFYING, State.PENDING_FILING, State.PENDING_DISPATCH,
               State.PENDING_CHECK, State.CHECKING)
HOLD_WINDOW = timedelta(hours=3)
HOLD_P = 0.3
NEED_WINDOW = {State.PENDING_CHECK: timedelta(hours=24), State.CHECKING: timedelta(hours=24)}
NEED_DEFAULT = timedelta(hours=12)
NEED_SUSPENDED = timedelta(hours=96)  # reported this recently
NEED_LATE = 2  # handling cases left running late at the end: this many red and this many yellow
LATE_WINDOW = timedelta(hours=36)  # ... red ones overdue by at most this much


class _Stop(Exception):
    """The next step lies after the end of the history (or the case was voided): leave it here."""


# ---------------------------------------------------------------- one case
class Player:
    """Plays one case's script inside a session; every step through the case service."""

    def __init__(self, world: World, s: Any, end: datetime, users: dict[int, User], held: Counter):
        self.w, self.s, self.end, self.users = world, s, end, users
        self.ctx = world.ctx
        self.tz = world.ctx.clock.tz
        self.counts: Counter = Counter()
        self.held = held  # state -> cases left waiting there (shared by the batches)

    # -- time
    def _local(self, t: datetime) -> datetime:
        return t.astimezone(self.tz)

    def _at_local(self, t: datetime, clock: time, day_offset: int = 0) -> datetime:
        d = self._local(t).date() + timedelta(days=day_offset)
        return datetime.combine(d, clock).replace(tzinfo=self.tz).astimezone(timezone.utc)

    def staff(self, rng: random.Random, t: datetime, median_min: float, limit_min: float) -> datetime:
        """When a centre post acts on something that arrived at t: mostly well within the stage
        limit, slower at night, now and then late."""
        h = self._local(t).hour
        night = h >= 23 or h < 7
        if rng.random() < P["staff_late"] * (3 if night else 1):
            minutes = limit_min * rng.uniform(1.05, 2.0)
        else:
            minutes = min(limit_min * 0.95, rng.lognormvariate(math.log(median_min * (1.6 if night else 1)), 0.55))
        return t + timedelta(minutes=max(0.5, minutes))

    def on_duty(self, t: datetime) -> bool:
        return INSPECTOR_DUTY[0] <= self._local(t).time() < INSPECTOR_DUTY[1]

    def next_duty(self, rng: random.Random, t: datetime) -> datetime:
        if self.on_duty(t):
            return t
        offset = 1 if self._local(t).time() >= INSPECTOR_DUTY[1] else 0
        return self._at_local(t, INSPECTOR_DUTY[0], offset) + timedelta(minutes=rng.uniform(1, 25))

    def inspector_answer(self, rng: random.Random, t: datetime) -> datetime:
        """An inspector walks there and answers a verify/check task (stage limit 30 minutes)."""
        t = self.next_duty(rng, t)
        if rng.random() < 0.03:
            return t + timedelta(minutes=rng.uniform(31, 55))
        return t + timedelta(minutes=min(29.0, max(4.0, rng.lognormvariate(math.log(14), 0.4))))

    def dept_open(self, t: datetime) -> bool:
        lt = self._local(t)
        return self.ctx.clock.calendar.is_working_day(lt.date()) and DEPT_HOURS[0] <= lt.time() < DEPT_HOURS[1]

    def snap_dept(self, rng: random.Random, t: datetime, lo: datetime, urgent: bool) -> datetime:
        """t moved into department working hours: back to the end of the last working period when
        that is still after lo (work done on time stays on time), else forward to the next one."""
        if urgent or self.dept_open(t):
            return t
        for back in range(0, 8):  # the last working period before t
            end_day = self._at_local(t, DEPT_HOURS[1], -back)
            if end_day > t:
                continue
            if self.ctx.clock.calendar.is_working_day(self._local(end_day).date()):
                cand = end_day - timedelta(minutes=rng.uniform(5, 240))
                if cand > lo and self.dept_open(cand):
                    return cand
                break
        for fwd in range(0, 15):
            start_day = self._at_local(t, DEPT_HOURS[0], fwd)
            if start_day >= t and self.ctx.clock.calendar.is_working_day(self._local(start_day).date()):
                return start_day + timedelta(minutes=rng.uniform(10, 180))
        return t

    # -- steps
    def user(self, uid: int) -> User:
        return self.users[uid]

    def act(self, actor_id: int, action: str, at: datetime, **params: Any) -> Case:
        if at > self.end:
            raise _Stop
        if self.void_at is not None and at >= self.void_at:
            vt = max(self.void_at, self.t + timedelta(minutes=1))
            if vt <= self.end:
                leader = self.user(self.w.staff["leader"])
                self.case = case_svc.apply_action(self.s, self.ctx, self.case.id, leader, "void", at=vt,
                                                  reason=self.rng.choice(REASONS["void"]))
                self.counts["void"] += 1
            raise _Stop
        self.t = at
        self.case = case_svc.apply_action(self.s, self.ctx, self.case.id, self.user(actor_id), action, at=at,
                                          **params)
        self.counts[action] += 1
        self.maybe_hold()
        return self.case

    def maybe_hold(self) -> None:
        """Leaves the case waiting in its state near the end (see HOLD_STATES)."""
        state = State(self.case.state)
        if state not in HOLD_STATES:
            return
        left = self.end - self.t
        if left <= HOLD_WINDOW and self.rng.random() < HOLD_P:
            self.held[state] += 1
            raise _Stop
        if not self.held[state] and left <= NEED_WINDOW.get(state, NEED_DEFAULT):
            self.held[state] += 1
            raise _Stop

    def keep_running(self, deadline: datetime, span: timedelta) -> str | None:
        """'red' / 'yellow' when this handling round should still be open at the end, so the
        timing panel shows cases running late (NEED_LATE of each)."""
        if self.end - LATE_WINDOW < deadline <= self.end and self.held["red"] < NEED_LATE:
            return "red"
        if deadline - span * 0.2 < self.end < deadline and self.held["yellow"] < NEED_LATE:
            return "yellow"
        return None

    def wants_postponement(self) -> bool:
        """A postponed (缓办) case left at the end when none is yet, like wants_suspension."""
        return not self.held[State.POSTPONED] and self.end - self.arrival.at <= NEED_SUSPENDED

    def wants_suspension(self) -> bool:
        """A suspended case for the map when none is suspended yet (see NEED_WINDOW)."""
        return not self.held[State.SUSPENDED] and self.end - self.arrival.at <= NEED_SUSPENDED

    def play(self, a: Arrival) -> Case | None:
        rng = self.rng = random.Random(a.seed)
        self.arrival = a
        self.void_at = (a.at + timedelta(hours=rng.uniform(1, 96))) if rng.random() < P["void"] else None
        self.t = a.at
        ctx = self.ctx
        cls = ctx.classification.find(a.kind, a.class_code)
        conds = list(cls.conditions)
        # the first condition is the common one; an urgent one (a missing cover) is rarer
        cw = [(1.5 if i == 0 else 1.0) * (0.25 if c.limit_type == ClockType.URGENT_HOUR and len(conds) > 1
                                          else 1.0) for i, c in enumerate(conds)]
        cond = rng.choices(conds, weights=cw)[0]
        lon, lat, comp_id, grid, address = self.place(rng, a)
        reporter = self.reporter(rng, a, grid)
        desc = self.describe(rng, a, cls.name, cond.text, address)
        extra: dict[str, Any] = {}
        if a.source in PUBLIC:
            extra["reporter_name"] = f"市民{rng.choice(SURNAMES)}{rng.choice('先生女士')}" \
                if a.source == "hotline" else f"{rng.choice(SURNAMES)}{rng.choice(['先生', '女士'])}"
            extra["reporter_contact"] = f"1{rng.choice('3589')}{rng.randint(0, 9)}****{rng.randint(0, 9999):04d}"
        if a.source == "open311":
            extra["external_id"] = f"o311-{rng.getrandbits(48):012x}"
        self.case = case_svc.report_case(self.s, ctx, self.user(reporter) if reporter else None, source=a.source,
                                         kind=a.kind, class_code=a.class_code, lon=lon, lat=lat,
                                         description=desc, address=address, component_id=comp_id, at=a.at,
                                         **extra)
        self.counts["report"] += 1
        try:
            self.maybe_hold()
            self.script(rng, a, cond)
        except _Stop:
            pass
        return self.case

    def place(self, rng: random.Random, a: Arrival) -> tuple[float, float, str | None, str | None, str | None]:
        w = self.w
        if a.kind == "component" and w.comps_by_class.get(a.class_code):
            cid, lon, lat, gc, addr = rng.choice(w.comps_by_class[a.class_code])
            return lon, lat, cid, gc, addr
        if a.source == "video" and w.cameras:
            clon, clat, direction = rng.choice(w.cameras)
            d = rng.uniform(10, 40)
            ang = math.radians(direction if direction is not None else rng.uniform(0, 360))
            lon = clon + d * math.sin(ang) / (111_320 * math.cos(math.radians(clat)))
            lat = clat + d * math.cos(ang) / 111_320
            return lon, lat, None, None, w.address_near(lon, lat)
        code, poly = rng.choices(w.grids, weights=w.grid_weights)[0]
        lon, lat = w.point_in(rng, poly)
        return lon, lat, None, code, w.address_near(lon, lat)

    def reporter(self, rng: random.Random, a: Arrival, grid: str | None) -> int | None:
        w = self.w
        if a.source == "inspector":
            return w.grid_inspector.get(grid or "") or (rng.choice(w.inspectors) if w.inspectors else None)
        if a.source in ("hotline", "video"):
            return w.staff["acceptor"]  # the operator who takes the call / watches the cameras
        if a.source == "leader":
            return w.staff["leader"]
        return None  # citizen app, Open311: no account here

    def describe(self, rng: random.Random, a: Arrival, name: str, cond_text: str, address: str | None) -> str:
        where = address or "辖区内"
        if a.kind == "component":
            return f"{where}{name}{rng.choice(cond_text.split('，')[0].split('、'))}"
        texts = EVENT_TEXT.get(a.class_code)
        if texts:
            return rng.choice(texts).format(a=where, n=rng.randint(2, 6))
        return f"{where}发现{name}问题"

    # -- the workflow
    def script(self, rng: random.Random, a: Arrival, cond: Any) -> None:
        w = self.w
        acc, sl, disp, lead = (w.staff[r] for r in ("acceptor", "shift_leader", "dispatcher", "leader"))
        t = self.t
        # 受理 (with 核实 for public reports when an inspector is on duty)
        if a.source in PUBLIC and rng.random() < P["verify_public"]:
            t = self.staff(rng, t, 5, 30)
            if self.on_duty(t):
                self.act(acc, "send_verify", t)
                t = self.inspector_answer(rng, t)
                found = rng.random() >= P["not_found"]
                self.act(self.task_actor(), "answer_verify", t, result="confirmed" if found else "not_found",
                         comment=rng.choice(REASONS["verify" if found else "not_found"]))
                if not found:
                    self.act(acc, "reject", self.staff(rng, t, 5, 30), reason=rng.choice(REASONS["not_found"]))
                    return
        t = self.staff(rng, self.t, 6, 30)
        if rng.random() < P["reject_public" if a.source in PUBLIC else "reject_inspector"]:
            self.act(acc, "reject", t, reason=rng.choice(REASONS["reject"]))
            return
        self.act(acc, "accept", t)
        # 立案
        t = self.staff(rng, t, 8, 30)
        if rng.random() < P["not_file"]:
            self.act(sl, "not_file", t, reason=rng.choice(REASONS["not_file"]))
            return
        self.act(sl, "file", t, condition_id=cond.id)
        # 派遣
        t = self.staff(rng, t, 8, 30)
        if rng.random() < P["return_to_filing"]:
            self.act(disp, "return_to_filing", t, reason=rng.choice(REASONS["return_to_filing"]))
            t = self.staff(rng, t, 10, 30)
            code = CORRECTED_CLASS.get(self.case.class_code) if self.case.kind == "event" else None
            new_cls = self.ctx.classification.find(self.case.kind, code) if code else None
            if new_cls is not None and new_cls.conditions:
                self.act(sl, "file", t, class_code=code, condition_id=new_cls.conditions[0].id)
            else:
                self.act(sl, "file", t, condition_id=cond.id)
            t = self.staff(rng, t, 8, 30)
        c = self.case
        depts = w.departments_for(self.s, c.kind, c.class_code, c.lon, c.lat, c.component_id, c.street_code)
        if not depts:
            return  # nobody to send it to: it waits in the dispatcher's queue
        first = self.choose_department(rng, c, depts)
        tried = [first]
        self.act(disp, "dispatch", t, department_id=first)
        self.handle(rng, tried, depts)

    def choose_department(self, rng: random.Random, c: Case, depts: list[int]) -> int:
        if c.kind == "event" and not c.class_code.startswith("04") and len(depts) > 1:
            return depts[0] if rng.random() < 0.7 else depts[1]  # street office, or the owner
        if c.kind == "component" and len(depts) > 1 and rng.random() < 0.15:
            return depts[1]  # the maintainer
        return depts[0]

    def task_actor(self) -> int:
        """Who answers a verify/check task: the tasked inspector, else the acceptor for them."""
        return self.case.task_inspector_id or self.w.staff["acceptor"]

    def handle(self, rng: random.Random, tried: list[int], depts: list[int]) -> None:
        w = self.w
        acc, sl, disp, lead = (w.staff[r] for r in ("acceptor", "shift_leader", "dispatcher", "leader"))
        reworks = 0
        while True:  # one handling round per pass: dispatch, re-dispatch or rework
            c = self.case
            dept = c.department_id
            du = w.dept_user[dept]
            t0, deadline = self.t, c.deadline_at
            urgent = c.limit_type == ClockType.URGENT_HOUR
            span = deadline - t0
            # 部门退回: not ours
            p_ret = P["dept_return"] if len(tried) == 1 and reworks == 0 else 0.01
            others = [d for d in depts if d not in tried]
            if others and rng.random() < p_ret:
                tr = self.snap_dept(rng, t0 + min(span * 0.3, timedelta(hours=rng.uniform(0.3, 4))), t0, urgent)
                self.act(du, "dept_return", max(tr, t0 + timedelta(minutes=5)),
                         reason=rng.choice(REASONS["dept_return"]))
                nxt = others[0]
                tried.append(nxt)
                self.act(disp, "dispatch", self.staff(rng, self.t, 10, 30), department_id=nxt)
                continue
            # 挂账: suspended for days, then resumed with the time that was left
            if rng.random() < P["suspension"] or self.wants_suspension():
                tq = self.snap_dept(rng, t0 + span * rng.uniform(0.15, 0.5), t0, urgent)
                if tq < deadline:
                    self.act(du, "request_suspension", tq, reason=rng.choice(REASONS["suspension"]))
                    ta = self.staff(rng, tq, 30, 120)
                    approver = rng.choice([disp, lead])
                    if rng.random() < P["suspension_denied"]:
                        self.act(approver, "deny_suspension", ta, reason=rng.choice(REASONS["deny"]))
                    else:
                        self.act(approver, "approve_suspension", ta)
                        tres = self.snap_dept(rng, ta + timedelta(days=rng.uniform(2, 14)), ta, False)
                        if tres > self.end:
                            self.held[State.SUSPENDED] += 1  # still suspended at the end
                        self.act(disp, "resume", tres)
                        t0, deadline = self.t, self.case.deadline_at
                        span = deadline - t0
            # 缓办: handling put off to an approved later date; the clock runs to that date
            keep = self.wants_postponement()
            if keep or rng.random() < P["postponement"]:
                tq = self.snap_dept(rng, t0 + span * rng.uniform(0.15, 0.5), t0, urgent)
                if tq < deadline:
                    day = deadline.astimezone(self.ctx.clock.tz).date() + timedelta(days=rng.randint(3, 10))
                    self.act(du, "request_postponement", tq, reason=rng.choice(REASONS["postponement"]),
                             until=day.isoformat())
                    self.act(rng.choice([disp, lead]), "approve_postponement", self.staff(rng, tq, 30, 120))
                    if keep:
                        self.held[State.POSTPONED] += 1  # still postponed at the end
                        raise _Stop
                    t0, deadline = self.t, self.case.deadline_at
                    span = deadline - t0
            late_p = P["late"]
            # 延期 (not for a case in 缓办: its date was approved already, the workflow refuses it)
            if rng.random() < P["extension"] and self.case.state != State.POSTPONED.value:
                tq = self.snap_dept(rng, t0 + span * rng.uniform(0.55, 0.85), t0, urgent)
                if self.t < tq < deadline:
                    amount, ltype = self.extension_amount(rng, self.case.limit_type)
                    self.act(du, "request_extension", tq, reason=rng.choice(REASONS["extension"]),
                             amount=amount, limit_type=ltype)
                    ta = self.staff(rng, tq, 20, 60)
                    approver = rng.choice([disp, lead])
                    if rng.random() < P["extension_denied"]:
                        self.act(approver, "deny_extension", ta, reason=rng.choice(REASONS["deny"]))
                        late_p = 0.25
                    else:
                        self.act(approver, "approve_extension", ta)
                        late_p = 0.01
                    t0, deadline = self.t, self.case.deadline_at
                    span = deadline - t0
            # 处置反馈: a share of the time allowed, now and then after the deadline
            keep = self.keep_running(deadline, span)
            if keep:  # still being handled at the end: red (overdue) or yellow (deadline near)
                self.held[keep] += 1
                fb = max(self.end, deadline) + span * rng.uniform(0.05, 0.3)
            elif rng.random() < late_p:
                fb = deadline + span * rng.uniform(0.03, 0.6)
                fb = min(fb, deadline + timedelta(days=6))
                if rng.random() < P["urge"]:  # a leader sees it turn yellow and urges
                    urge_at = max(deadline - span * rng.uniform(0.0, 0.15), self.t + timedelta(minutes=1))
                    self.act(lead, "urge", urge_at, comment=rng.choice(REASONS["urge"]))
            elif rng.random() < 0.7:
                fb = t0 + span * rng.betavariate(1.3, 4.0) * 0.97  # a quick fix
            else:
                fb = t0 + span * rng.uniform(0.5, 0.98)  # done when the deadline comes near
            fb = self.snap_dept(rng, max(fb, self.t + timedelta(minutes=10)), self.t, urgent)
            self.act(du, "feedback", fb, comment=rng.choice(REASONS["feedback"]))
            # 核查 by an inspector, then 结案 or 返工
            t = self.staff(rng, self.t, 10, 60)
            if not self.on_duty(t):
                t = self.next_duty(rng, t)
            self.act(acc, "send_check", t)
            t = self.inspector_answer(rng, t)
            fixed = reworks >= 2 or rng.random() >= P["not_fixed"]
            self.act(self.task_actor(), "answer_check", t, result="fixed" if fixed else "not_fixed",
                     comment=rng.choice(REASONS["check_ok" if fixed else "check_bad"]))
            if fixed:
                self.act(sl, "close", self.staff(rng, self.t, 8, 60))
                return
            self.act(disp, "rework", self.staff(rng, self.t, 10, 60), reason=rng.choice(REASONS["rework"]))
            reworks += 1

    @staticmethod
    def extension_amount(rng: random.Random, limit_type: str | None) -> tuple[float, str]:
        if limit_type == ClockType.URGENT_HOUR:
            return float(rng.choice([2, 4])), ClockType.URGENT_HOUR.value
        if limit_type == ClockType.WORK_HOUR:
            return float(rng.choice([4, 8])), ClockType.WORK_HOUR.value
        return float(rng.choice([2, 3, 5])), ClockType.WORK_DAY.value


# ---------------------------------------------------------------- the whole history
@dataclass
class HistoryStats:
    cases: int = 0
    skipped: int = 0
    actions: int = 0
    seconds: float = 0.0
    days: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    closed: int = 0
    closed_overdue: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # actions taken, by name

    @property
    def overdue_share(self) -> float:
        return self.closed_overdue / self.closed if self.closed else 0.0

    def summary(self) -> str:
        states = ", ".join(f"{k} {v}" for k, v in sorted(self.by_state.items(), key=lambda kv: -kv[1]))
        return (f"demo history: {self.cases} cases over {self.days} days in {self.seconds:.1f} s "
                f"({self.actions} actions); overdue {self.overdue_share * 100:.1f}% of {self.closed} closed; "
                f"states: {states}")


def generate_history(ctx: Any, *, days: int = 90, per_day: float = PER_DAY, seed: int = 20240601,
                     end: datetime | None = None, batch: int = BATCH,
                     progress: Callable[[int, int], None] | None = None) -> HistoryStats:
    """Plays `days` days of cases ending at `end` (default now) into the database;
    `progress(done, total)` after every batch."""
    t_start = _time.perf_counter()
    end = end or case_svc.utcnow()
    start = end - timedelta(days=days)
    world = World.load(ctx)
    plan = arrivals(ctx, start, end, per_day, seed, set(world.comps_by_class))
    stats = HistoryStats(days=days)
    counts: Counter = Counter()
    held: Counter = Counter()
    for i in range(0, len(plan), batch):
        chunk = plan[i:i + batch]
        try:
            counts.update(_play_batch(ctx, world, chunk, end, held))
            stats.cases += len(chunk)
        except Exception as e:  # noqa: BLE001 - replay one by one and skip only what fails
            log.warning("history batch failed (%s): replaying case by case", e)
            for a in chunk:
                try:
                    counts.update(_play_batch(ctx, world, [a], end, held))
                    stats.cases += 1
                except Exception as e2:  # noqa: BLE001
                    stats.skipped += 1
                    log.warning("history: skipped a %s %s case at %s: %s", a.kind, a.class_code, a.at, e2)
        if progress is not None:
            progress(min(i + batch, len(plan)), len(plan))
    stats.counts = dict(counts)
    stats.actions = sum(v for k, v in counts.items() if k != "report")
    with ctx.db.session() as s:
        stats.by_state = dict(s.execute(select(Case.state, func.count()).group_by(Case.state)).all())
        stats.closed = stats.by_state.get(State.CLOSED.value, 0)
        stats.closed_overdue = s.scalar(select(func.count()).select_from(Case).where(
            Case.state == State.CLOSED.value, Case.handling_overdue.is_(True))) or 0
    stats.seconds = _time.perf_counter() - t_start
    log.info(stats.summary())
    return stats


def _play_batch(ctx: Any, world: World, chunk: list[Arrival], end: datetime, held: Counter) -> Counter:
    with ctx.db.transaction() as s:
        users = {u.id: u for u in s.scalars(select(User))}
        player = Player(world, s, end, users, Counter(held))  # merged into `held` once committed
        for a in chunk:
            player.play(a)
    held.update(player.held - held)
    return player.counts
