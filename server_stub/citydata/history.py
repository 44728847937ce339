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
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from typing import Any, Callable

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import func, select

from app.domain.clocks import ClockType
from app.domain.workflow import State

from ..db.models import Camera, Case, Component, Inspector, ResponsibilityGrid, UnitGrid, User
from ..services import cases as case_svc
from ..services import reference as ref

log = logging.getLogger("occ.demo.history")

BATCH = 40
PER_DAY = 30.0  # new cases a day on average (Ansai: 1,215 a year for 151 grids; the demo is livelier)

# ---------------------------------------------------------------- the mix
SOURCES = {"inspector": 70.0, "hotline": 15.0, "citizen": 5.0, "open311": 3.0, "video": 5.0, "leader": 2.0}
PUBLIC = frozenset({"hotline", "citizen", "open311"})
COMPONENT_SHARE = {"inspector": 0.3, "hotline": 0.22, "citizen": 0.2, "open311": 0.2, "video": 0.0,
                   "leader": 0.15}
EVENT_WEIGHTS = {  # street order and city appearance dominate
    "0102": 18, "0507": 14, "0505": 12, "0504": 11, "0201": 10, "0104": 5, "0103": 4, "0506": 4,
    "0501": 3, "0108": 2, "0202": 2, "0203": 2, "0106": 2, "0511": 1.5, "0301": 1.5, "0510": 1,
    "0302": 1, "0101": 1, "0508": 1, "0513": 1, "0599": 1, "0503": 0.8, "0204": 0.8, "0404": 0.8,
    "0107": 0.6, "0109": 0.5, "0105": 0.3, "0402": 0.3, "0502": 0.3, "0509": 0.3, "0401": 0.15,
    "0403": 0.1, "0512": 0.1,
}
HOTLINE_BOOST = {"0301": 5, "0508": 5, "0404": 4, "0402": 4, "0302": 3, "0510": 3}  # what callers ring about
VIDEO_EVENTS = {"0505": 10, "0504": 9, "0501": 6, "0102": 6, "0507": 6, "0506": 3, "0510": 2, "0503": 1}
COMPONENT_WEIGHTS = {  # covers, lamps and bins first
    "0102": 9, "0103": 7, "0101": 6, "0104": 6, "0107": 3, "0114": 3, "0105": 2, "0111": 1.5, "0110": 1,
    "0118": 14, "0305": 12, "0209": 6, "0402": 4, "0203": 3, "0407": 3, "0210": 2, "0212": 2, "0117": 2,
    "0113": 1, "0213": 1, "0211": 1, "0307": 1, "0301": 1, "0406": 0.5, "0202": 0.5,
}
# Hour-of-day weights (local time) per source: patrols in working hours, callers into the evening.
_H_PATROL = [0, 0, 0, 0, 0, 0, 0, 2, 8, 12, 12, 9, 3, 4, 9, 11, 10, 6, 2, 0, 0, 0, 0, 0]
_H_HOTLINE = [.3, .2, .15, .15, .2, .4, 1, 2.5, 5, 8, 8, 7, 5, 5, 7, 7, 7, 6, 5, 5, 4, 3, 1.5, .7]
_H_CITIZEN = [.5, .3, .2, .1, .1, .3, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 6, 6, 5, 3, 1.5]
_H_VIDEO = [0, 0, 0, 0, 0, 0, 0, 1, 6, 8, 8, 7, 4, 4, 7, 8, 8, 7, 5, 3, 0, 0, 0, 0]
_H_LEADER = [0, 0, 0, 0, 0, 0, 0, 0, 2, 6, 6, 4, 0, 0, 4, 6, 5, 2, 0, 0, 0, 0, 0, 0]
HOURS = {"inspector": _H_PATROL, "hotline": _H_HOTLINE, "citizen": _H_CITIZEN, "open311": _H_CITIZEN,
         "video": _H_VIDEO, "leader": _H_LEADER}
WORKDAY_FACTOR, RESTDAY_FACTOR = 1.1, 0.75  # a week averages 1.0
INSPECTOR_DUTY = (time(7, 0), time(22, 0))  # two patrol shifts
DEPT_HOURS = (time(8, 0), time(18, 0))  # departments fix things on working days (emergencies: any time)

# How often the side roads of the workflow are taken.
P = {
    "verify_public": 0.8,   # a public report is verified by an inspector first
    "not_found": 0.12,      # ... who does not find the problem
    "reject_public": 0.05, "reject_inspector": 0.02,  # 不予受理 (duplicates, outside the remit)
    "not_file": 0.02,       # 不予立案
    "return_to_filing": 0.01,
    "dept_return": 0.05,    # 部门退回 on a first dispatch (0.01 on a re-dispatch)
    "extension": 0.05, "extension_denied": 0.15,
    "suspension": 0.012, "suspension_denied": 0.15,
    "postponement": 0.01,   # 缓办 to a later date (approved), then handled against that date
    "late": 0.035,          # the department feeds back after the deadline
    "urge": 0.35,           # a leader urges a case running late
    "not_fixed": 0.04,      # the check finds it not fixed: rework
    "void": 0.003,          # a leader voids a case (duplicate found late)
    "staff_late": 0.012,    # a centre post acts after its stage limit
}
REASONS = {
    "reject": ["重复上报，已有案件在处理", "不属于城市管理范围", "位置不在城管责任区内", "信息不全，无法受理"],
    "not_found": ["现场核实未发现该问题", "问题已自行消除"],
    "not_file": ["不符合立案条件", "经核实属于私人产权，不予立案", "问题轻微，已现场劝导整改"],
    "return_to_filing": ["案件分类有误，请重新立案", "立案条件选择不当，请重新立案"],
    "dept_return": ["不属于本单位职责范围，请重新派遣", "该设施权属非本单位", "属地不符，请派至相应单位"],
    "extension": ["需采购材料，申请延期", "涉及多部门协调，申请延期", "天气原因无法施工，申请延期"],
    "suspension": ["需列入年度维修计划，申请挂账", "涉及产权纠纷，暂无法处置", "需专项资金，申请挂账"],
    "postponement": ["需待道路开挖许可，申请缓办", "需错开交通高峰施工，申请缓办", "材料到货后处置，申请缓办"],
    "deny": ["理由不充分，请按期处置", "请加快处置，不予批准"],
    "rework": ["核查未整改到位，返工", "现场仍存在问题，请重新处置"],
    "void": ["重复案件，强制作废", "经领导批示作废"],
    "urge": ["请加快处置进度", "该案件即将超期，请尽快处理", "领导督办，请优先处置"],
    "feedback": ["已处置完毕", "已按要求处置，现场已恢复", "已修复完毕", "已安排人员处理完毕"],
    "verify": ["现场核实属实", "已到现场核实，问题存在"],
    "check_ok": ["核查已整改到位", "现场核查，问题已解决"],
    "check_bad": ["核查未整改到位", "现场问题依旧存在"],
}
EVENT_TEXT = {
    "0102": ["{a}路边有暴露垃圾，约{n}平方米", "{a}垃圾桶旁散落生活垃圾"],
    "0103": ["{a}积存垃圾渣土未清运", "{a}建筑垃圾堆积"],
    "0104": ["{a}路面有油污、泥土", "{a}道路不洁，落叶杂物较多"],
    "0201": ["{a}墙面、电杆张贴非法小广告", "{a}配电箱上有小广告"],
    "0202": ["{a}违章悬挂广告横幅", "{a}商户违规设置广告牌匾"],
    "0501": ["{a}有流动摊贩占道经营", "{a}无照游商摆摊"],
    "0504": ["{a}商户出店经营，占用人行道", "{a}店外摆放商品和桌椅"],
    "0505": ["{a}机动车违停占用人行道", "{a}{n}辆机动车乱停放，影响通行"],
    "0506": ["{a}共享单车乱停放，堵塞盲道", "{a}非机动车乱停放"],
    "0507": ["{a}人行道上乱堆建筑材料", "{a}占道堆放杂物"],
    "0508": ["{a}商铺音响声音过大，扰民", "{a}商业促销噪音扰民"],
    "0510": ["{a}夜间露天烧烤，油烟扰民", "{a}占道露天烧烤"],
    "0301": ["{a}夜间施工噪音扰民", "{a}工地超时施工"],
    "0302": ["{a}工地未覆盖，扬尘严重", "{a}渣土车带泥上路，扬尘"],
    "0404": ["{a}下水道堵塞，污水外溢", "{a}雨水井破损，路面积水"],
    "0402": ["{a}自来水管破裂，路面冒水", "{a}供水管道漏水"],
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
CORRECTED_CLASS = {"0102": "0103", "0507": "0503", "0504": "0501", "0505": "0506", "0201": "0202",
                   "0103": "0102", "0501": "0504"}


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


# ---------------------------------------------------------------- the world the history runs in
@dataclass
class World:
    ctx: Any
    staff: dict[str, int]  # role -> user id (acceptor, shift_leader, dispatcher, leader)
    dept_user: dict[int, int]  # department id -> its user id
    inspectors: list[int]
    grid_inspector: dict[str, int]  # unit grid code -> inspector user id
    grids: list[tuple[str, Any]]  # (code, prepared shapely polygon in lon/lat)
    grid_weights: list[float]
    comps_by_class: dict[str, list[tuple]]  # class -> [(id, lon, lat, grid_code, address)]
    cameras: list[tuple[float, float, float | None]]
    addr_tree: Any
    addr_text: list[str]
    comp_owners: dict[str, tuple] = field(default_factory=dict)  # id -> (owner, maintainer, authority)
    suggest_cache: dict[tuple, list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, ctx: Any) -> "World":
        with ctx.db.session() as s:
            staff = {}
            for role in ("acceptor", "shift_leader", "dispatcher", "leader"):
                uid = s.scalar(select(User.id).where(User.role == role, User.active.is_(True)).order_by(User.id))
                if uid is None:
                    raise RuntimeError(f"the history needs an active user with role {role}")
                staff[role] = uid
            dept_user: dict[int, int] = {}
            for uid, dept in s.execute(select(User.id, User.department_id).where(
                    User.role == "department", User.active.is_(True)).order_by(User.id)):
                dept_user.setdefault(dept, uid)
            inspectors = list(s.scalars(select(Inspector.user_id).join(User, User.id == Inspector.user_id)
                                        .where(User.active.is_(True)).order_by(Inspector.user_id)))
            grid_insp = dict(s.execute(
                select(UnitGrid.code, ResponsibilityGrid.inspector_id)
                .join(ResponsibilityGrid, ResponsibilityGrid.id == UnitGrid.responsibility_grid_id)
                .where(ResponsibilityGrid.inspector_id.is_not(None))).all())
            grid_rows = s.execute(select(UnitGrid.code, UnitGrid.geometry).order_by(UnitGrid.code)).all()
            comp_rows = s.execute(select(Component.id, Component.class_code, Component.lon, Component.lat,
                                         Component.grid_code, Component.address)
                                  .where(Component.currency == "in_use").order_by(Component.id)).all()
            comp_owners = {r[0]: tuple(r[1:]) for r in s.execute(
                select(Component.id, Component.owner_id, Component.maintainer_id, Component.authority_id))}
            cams = [tuple(r) for r in s.execute(select(Camera.lon, Camera.lat, Camera.direction)
                                                .order_by(Camera.id))]
        if not grid_rows:
            raise RuntimeError("the history needs unit grids: load the city first")
        grids = []
        for code, g in grid_rows:
            poly = shape(g)
            shapely.prepare(poly)
            grids.append((code, poly))
        by_class: dict[str, list] = defaultdict(list)
        per_grid: Counter = Counter()
        for cid, cc, lon, lat, gc, addr in comp_rows:
            by_class[cc].append((cid, lon, lat, gc, addr))
            per_grid[gc] += 1
        mean = max(1.0, sum(per_grid.values()) / len(grids))
        weights = [1.0 + per_grid.get(code, 0) / mean for code, _ in grids]  # busy streets, more cases
        with_addr = [(lon, lat, addr) for _, _, lon, lat, _, addr in comp_rows if addr]
        tree = shapely.STRtree(shapely.points([(x, y) for x, y, _ in with_addr])) if with_addr else None
        return cls(ctx=ctx, staff=staff, dept_user=dept_user, inspectors=inspectors, grid_inspector=grid_insp,
                   grids=grids, grid_weights=weights, comps_by_class=dict(by_class), cameras=cams,
                   addr_tree=tree, addr_text=[a for _, _, a in with_addr], comp_owners=comp_owners)

    def address_near(self, lon: float, lat: float) -> str | None:
        if self.addr_tree is None:
            return None
        return self.addr_text[int(self.addr_tree.nearest(shapely.Point(lon, lat)))]

    def point_in(self, rng: random.Random, poly: Any) -> tuple[float, float]:
        minx, miny, maxx, maxy = poly.bounds
        for _ in range(200):
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if shapely.contains_xy(poly, x, y):
                return x, y
        p = poly.representative_point()
        return p.x, p.y

    def departments_for(self, s: Any, kind: str, class_code: str, lon: float, lat: float,
                        component_id: str | None, street: str | None) -> list[int]:
        """Suggested department ids, best first (the reference service's rules), cached."""
        # Components with the same owner, maintainer and authority get the same answer.
        key = (kind, class_code, street, self.comp_owners.get(component_id or "", component_id))
        got = self.suggest_cache.get(key)
        if got is None:
            sugg = ref.suggest_departments(s, kind, class_code, lon, lat, component_id)
            if kind == "event" and class_code.startswith("04"):
                # Emergencies (突发事件) go straight to the utility that owns the network.
                sugg = sorted(sugg, key=lambda x: x["basis"] != "matrix")
            got = [x["department"]["id"] for x in sugg if x["department"]["id"] in self.dept_user]
            self.suggest_cache[key] = got
        return got


# ---------------------------------------------------------------- arrivals
@dataclass
class Arrival:
    at: datetime
    source: str
    kind: str
    class_code: str
    seed: int


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def arrivals(ctx: Any, start: datetime, end: datetime, per_day: float, seed: int,
             components: set[str]) -> list[Arrival]:
    """When and what gets reported: a Poisson number a day (fewer on rest days), a source mix, an
    hour-of-day rhythm per source, and the class mix of the source."""
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    tz = ctx.clock.tz
    ev_classes = {c.code for c in ctx.classification.classes("event")}
    ev_w = {k: v for k, v in EVENT_WEIGHTS.items() if k in ev_classes}
    hot_w = {k: v * HOTLINE_BOOST.get(k, 1.0) for k, v in ev_w.items()}
    vid_w = {k: v for k, v in VIDEO_EVENTS.items() if k in ev_classes}
    comp_w = {k: v for k, v in COMPONENT_WEIGHTS.items() if k in components}
    out = []
    day = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    while day <= last:
        working = ctx.clock.calendar.is_working_day(day)
        n = int(nprng.poisson(per_day * (WORKDAY_FACTOR if working else RESTDAY_FACTOR)))
        for _ in range(n):
            source = _weighted(rng, SOURCES)
            hours = HOURS[source]
            hour = rng.choices(range(24), weights=hours)[0]
            local = datetime.combine(day, time(hour)) + timedelta(seconds=rng.uniform(0, 3600))
            at = local.replace(tzinfo=tz).astimezone(timezone.utc)
            if not start <= at <= end:
                rng.random()
                continue
            if comp_w and rng.random() < COMPONENT_SHARE[source]:
                kind, code = "component", _weighted(rng, comp_w)
            else:
                kind = "event"
                code = _weighted(rng, vid_w if source == "video" and vid_w else
                                 hot_w if source == "hotline" else ev_w)
            out.append(Arrival(at, source, kind, code, rng.getrandbits(32)))
        day += timedelta(days=1)
    out.sort(key=lambda a: a.at)
    return out


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
            # 延期
            if rng.random() < P["extension"]:
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
