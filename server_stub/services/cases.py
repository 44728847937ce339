"""The case workflow (shared/domain §5): reporting, every action, who sees what, and the case JSON.

`report_case` and `apply_action` work inside the caller's transaction (the caller commits, then
publishes "case.changed"); `run_report`, `run_action` and `run_merge` are those units of work
complete with the publish (and the API's stored answer, see `Answer`), for the API. Refusals are exceptions with an HTTP `status`: the
workflow's WrongRole (403) / WrongState (409) / MissingReason (422), and the CaseError family below.
Pages of cases, duplicates and the deadline preview are read in case_queries.py.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Iterable

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import Session

from app.domain.classification import Kind
from app.domain.clocks import ClockType
from app.domain.workflow import (CHECK_FAILED, CHECK_PASSED, FINAL_STATES, OPEN_STATES, Action, CloseType, Pending,
                                 Role, State)
from app.domain.workflow import check_result as _check_result_of

from ..db.models import (Case, CaseEvent, CasePhoto, Component, Department, Inspector, ResponsibilityGrid,
                         UnitGrid, User)
from . import deadlines as dl
from . import photos as photo_svc
from .case_numbers import assign_number, temporary_number
from .geo_lookup import GRID_INDEX, locate
from .spatial import distance_m
from .visibility import case_view, event_view

SOURCES = ("inspector", "hotline", "citizen", "open311", "video", "leader", "media")
VERIFY_RESULTS = ("confirmed", "not_found")
CHECK_RESULTS = (CHECK_PASSED, CHECK_FAILED)
ONLINE_MINUTES = 10  # an inspector whose last fix is older is not "online" for task assignment
DUPLICATE_RADIUS_M = 50.0
DUPLICATE_DAYS = 3
MERGEABLE_STATES = (State.REPORTED.value, State.VERIFYING.value, State.PENDING_FILING.value)
_OPEN = [s.value for s in OPEN_STATES]


# ---------------------------------------------------------------- errors
class CaseError(Exception):
    status = 400


class CaseNotFound(CaseError, LookupError):
    status = 404


class CaseInputError(CaseError, ValueError):
    """A bad parameter; `field` names it (the API answers 422 with loc [body, field])."""
    status = 422

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


class OutsideCityArea(CaseInputError):
    """A place outside the city's unit grids (beyond the tolerance): nobody there can act on it."""


class CaseForbidden(CaseError, PermissionError):
    status = 403


class CaseConflict(CaseError):
    status = 409


class StaleVersion(CaseConflict):
    """The case changed since the user saw it (expected_version): nothing was done."""


def utcnow() -> datetime:
    """The server's now (tests monkeypatch this to simulate the passing of time)."""
    return datetime.now(timezone.utc)


# ---------------------------------------------------------------- scope
def _inspector_grid_codes(user_id: int):  # noqa: ANN202
    """Unit grid codes of the responsibility grids the inspector patrols (a subquery)."""
    rgrids = select(Inspector.responsibility_grid_id).where(Inspector.user_id == user_id).union(
        select(ResponsibilityGrid.id).where(ResponsibilityGrid.inspector_id == user_id))
    return select(UnitGrid.code).where(UnitGrid.responsibility_grid_id.in_(rgrids))


def inspector_grid_codes(s: Session, user_id: int) -> list[str]:
    """The unit grid codes an inspector patrols (for the live-event scope)."""
    return list(s.scalars(_inspector_grid_codes(user_id)))


def scope_clause(user: User) -> ColumnElement[bool] | None:
    """WHERE clause limiting cases to what `user` may see; None = everything.
    Department: its department's cases. Inspector: reported by it, tasked to it, or in its grids."""
    if user.role == Role.DEPARTMENT:
        return Case.department_id == user.department_id if user.department_id is not None else false()
    if user.role == Role.INSPECTOR:
        return or_(Case.reporter_id == user.id, Case.task_inspector_id == user.id,
                   Case.grid_code.in_(_inspector_grid_codes(user.id)))
    return None


def can_see(s: Session, user: User, case: Case) -> bool:
    if user.role == Role.DEPARTMENT:
        return user.department_id is not None and case.department_id == user.department_id
    if user.role == Role.INSPECTOR:
        if user.id in (case.reporter_id, case.task_inspector_id):
            return True
        if case.grid_code is None:
            return False
        return s.scalar(select(func.count()).select_from(UnitGrid).where(
            UnitGrid.code == case.grid_code, UnitGrid.code.in_(_inspector_grid_codes(user.id)))) > 0
    return True


def get_visible(s: Session, user: User, case_id: int, for_update: bool = False) -> Case:
    """The case, or CaseNotFound also when it exists outside the user's scope (no existence leak)."""
    case = s.get(Case, case_id, with_for_update=True if for_update else None)
    if case is None or not can_see(s, user, case):
        raise CaseNotFound(f"case {case_id} not found")
    return case


# ---------------------------------------------------------------- validation helpers
def _check_class(ctx: Any, kind: str, class_code: str) -> None:
    if kind not in (k.value for k in Kind):
        raise CaseInputError("kind", f"must be component or event, got {kind!r}")
    if ctx.classification.find(kind, class_code) is None:
        raise CaseInputError("class_code", f"unknown {kind} class {class_code!r}")


def check_point(lon: Any, lat: Any) -> tuple[float, float]:
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise CaseInputError("lon", "lon and lat must be numbers") from None
    if not math.isfinite(lon) or not -180 <= lon <= 180:
        raise CaseInputError("lon", f"must be between -180 and 180, got {lon}")
    if not math.isfinite(lat) or not -90 <= lat <= 90:
        raise CaseInputError("lat", f"must be between -90 and 90, got {lat}")
    return lon, lat


def _check_photos(s: Session, hashes: Iterable[str]) -> list[str]:
    hashes = list(dict.fromkeys(hashes or ()))
    gone = photo_svc.missing(s, hashes)
    if gone:
        raise CaseInputError("photo_hashes", f"unknown photo(s) {', '.join(gone)}: upload them first "
                                             "(POST /api/photos)")
    return hashes


def _check_component(s: Session, component_id: str | None) -> str | None:
    """A component id must name a surveyed component of this city (a typo would file the case
    against nobody's manhole cover)."""
    if component_id is None:
        return None
    component_id = str(component_id)
    if len(component_id) != 16 or not component_id.isdigit():
        raise CaseInputError("component_id", f"must be 16 digits, got {component_id!r}")
    if s.get(Component, component_id) is None:
        raise CaseInputError("component_id", f"unknown component {component_id}: no surveyed component "
                                             "of this city has this id")
    return component_id


def check_in_city(s: Session, ctx: Any, lon: float, lat: float) -> None:
    """OutsideCityArea (422) for a point farther than the tolerance from every unit grid of the
    city. A city with no unit grids loaded has no area to check against."""
    tol = float(getattr(ctx.settings, "city_area_tolerance_m", 200.0))
    if GRID_INDEX.within(s, lon, lat, tol) is False:
        raise OutsideCityArea("lon", f"the place {lon:.6f}, {lat:.6f} is outside the city's area (more than "
                                     f"{tol:g} m from every unit grid): pick the place on the city map")


def _place(s: Session, ctx: Any, case: Case, lon: float, lat: float) -> None:
    check_in_city(s, ctx, lon, lat)
    case.lon, case.lat = lon, lat
    for k, v in locate(s, lon, lat).items():
        setattr(case, k, v)


# The log insert runs on every action: a statement built once and executed on the session's
# connection costs a fraction of an ORM flush. The event is never read back in the same session.
_EVENT_INSERT = CaseEvent.__table__.insert()


@dataclass
class LoggedEvent:
    id: int


def _event(s: Session, case: Case, action: str, from_state: str | None, actor: User | None, at: datetime,
           comment: str | None, data: dict | None, actor_name: str | None = None) -> LoggedEvent:
    res = s.connection().execute(_EVENT_INSERT, {
        "case_id": case.id, "action": action, "from_state": from_state, "to_state": case.state,
        "actor_id": actor.id if actor else None, "actor_role": actor.role if actor else None,
        "actor_name": actor.display_name if actor else actor_name, "at": at,
        "comment": comment or None, "data": data or None})
    return LoggedEvent(res.inserted_primary_key[0])


# ---------------------------------------------------------------- report
def report_case(s: Session, ctx: Any, actor: User | None, *, source: str, kind: str, class_code: str,
                lon: float, lat: float, description: str = "", address: str | None = None,
                reporter_name: str | None = None, reporter_contact: str | None = None,
                external_id: str | None = None, component_id: str | None = None,
                photo_hashes: Iterable[str] = (), camera_id: str | None = None,
                stream_time: datetime | None = None, at: datetime | None = None) -> Case:
    """A new case in REPORTED (the acceptor's queue), located and logged. The caller commits.
    camera_id / stream_time: a video patrol report's camera and the stream time of its snapshots."""
    now = at or utcnow()
    if source not in SOURCES:
        raise CaseInputError("source", f"must be one of {', '.join(SOURCES)}, got {source!r}")
    kind = str(kind)
    _check_class(ctx, kind, class_code)
    lon, lat = check_point(lon, lat)
    component_id = _check_component(s, component_id or None)
    hashes = _check_photos(s, photo_hashes)
    if camera_id is not None:
        from .evidence import check_camera
        check_camera(s, camera_id)
    case = Case(number=temporary_number(), source=source, kind=kind, class_code=class_code,
                state=State.REPORTED.value, description=description or "", address=address,
                component_id=component_id, reporter_id=actor.id if actor else None,
                reporter_name=reporter_name, reporter_contact=reporter_contact, external_id=external_id,
                created_at=now, updated_at=now, version=1)
    _place(s, ctx, case, lon, lat)
    dl.start_stage(s, ctx, case, now)
    case.band = dl.current_band(ctx, case, now)
    s.add(case)
    s.flush()  # the insert: from here this transaction alone allocates numbers
    assign_number(s, ctx, case, now)
    data = {"source": source, "kind": kind, "class_code": class_code, "lon": lon, "lat": lat}
    if hashes:
        data["photo_hashes"] = hashes
    if camera_id is not None:
        data["camera_id"] = camera_id
    if stream_time is not None:
        data["stream_time"] = stream_time.isoformat()
    ev = _event(s, case, "report", None, actor, now, description or None, data,
                actor_name=reporter_name or source)
    photo_svc.link(s, case.id, hashes, "report", ev.id, camera_id, stream_time)
    s.flush()
    return case


# ---------------------------------------------------------------- actions
@dataclass
class _Act:
    """What an action handler works on."""
    s: Session
    ctx: Any
    case: Case
    actor: User
    params: dict
    now: datetime
    data: dict = field(default_factory=dict)  # logged with the event, besides the params
    photos: tuple[str, list[str]] | None = None  # (stage, hashes) to link to the event
    reason: str | None = None  # the reason param, else the comment

    def need(self, name: str) -> Any:
        v = self.params.get(name)
        if v is None or (isinstance(v, str) and not v.strip()):
            raise CaseInputError(name, f"is required for action '{self.data.get('_action')}'")
        return v


def _correct_class(a: _Act) -> None:
    """kind/class_code corrections (accept, file)."""
    kind, code = a.params.get("kind"), a.params.get("class_code")
    if kind is None and code is None:
        return
    kind, code = str(kind or a.case.kind), code or a.case.class_code
    _check_class(a.ctx, kind, code)
    if (kind, code) != (a.case.kind, a.case.class_code):
        a.data["corrected_class"] = {"from": [a.case.kind, a.case.class_code], "to": [kind, code]}
        a.case.kind, a.case.class_code = kind, code
        a.case.condition_id = None  # a condition of the old class cannot stand


def _accept(a: _Act) -> None:
    _correct_class(a)
    lon, lat = a.params.get("lon"), a.params.get("lat")
    if (lon is None) != (lat is None):
        raise CaseInputError("lat" if lat is None else "lon", "lon and lat are corrected together")
    if lon is not None:
        lon, lat = check_point(lon, lat)
        a.data["relocated"] = {"from": [a.case.lon, a.case.lat], "to": [lon, lat]}
        _place(a.s, a.ctx, a.case, lon, lat)
    _check_component(a.s, a.params.get("component_id"))
    for name in ("description", "address", "component_id"):
        if a.params.get(name) is not None:
            setattr(a.case, name, a.params[name])


def _nearest_inspector(a: _Act) -> tuple[int | None, str]:
    """The nearest online inspector by last fix; else the inspector of the case's grid."""
    since = a.now - timedelta(minutes=ONLINE_MINUTES)
    rows = a.s.execute(select(Inspector.user_id, Inspector.lon, Inspector.lat)
                       .join(User, User.id == Inspector.user_id)
                       .where(User.active.is_(True), Inspector.fix_at >= since, Inspector.fix_at <= a.now,
                              Inspector.lon.is_not(None), Inspector.lat.is_not(None))).all()
    if rows:
        best = min(rows, key=lambda r: (distance_m(a.case.lon, a.case.lat, r.lon, r.lat), r.user_id))
        return best.user_id, "nearest_online"
    if a.case.grid_code:
        uid = a.s.scalar(select(ResponsibilityGrid.inspector_id)
                         .join(UnitGrid, UnitGrid.responsibility_grid_id == ResponsibilityGrid.id)
                         .where(UnitGrid.code == a.case.grid_code))
        if uid is not None:
            return uid, "grid_inspector"
    return None, "none_found"


def _send_task(a: _Act) -> None:
    """send_verify / send_check: task an inspector; the answer returns to the current state."""
    uid = a.params.get("inspector_id")
    if uid is not None:
        u = a.s.get(User, uid)
        if u is None or u.role != Role.INSPECTOR or not u.active:
            raise CaseInputError("inspector_id", f"user {uid} is not an active inspector")
        how = "chosen"
    else:
        uid, how = _nearest_inspector(a)
    a.case.task_inspector_id = uid
    a.case.back_state = a.case.state
    if a.case.pending is None:
        a.case.pending_data = None  # a new check: the last one's result no longer stands
    name = a.s.scalar(select(User.display_name).where(User.id == uid)) if uid is not None else None
    a.data.update(task_inspector_id=uid, task_inspector_name=name, assigned=how)


def _answer(results: tuple[str, ...], stage: str) -> Callable[[_Act], None]:
    def handler(a: _Act) -> None:
        if a.actor.role == Role.INSPECTOR and a.case.task_inspector_id not in (None, a.actor.id):
            raise CaseForbidden("only the inspector tasked with this case answers it (or an acceptor "
                                "entering the answer for them)")
        result = a.need("result")
        if result not in results:
            raise CaseInputError("result", f"must be {' or '.join(results)}, got {result!r}")
        a.data["for_inspector_id"] = a.case.task_inspector_id
        a.case.back_state = None
        a.photos = (stage, a.params.get("photo_hashes") or [])
        if stage == "check":  # 核查通过 / 核查未通过 until the next feedback, check or rework
            a.case.pending_data = {"check_result": result, "checked_at": a.now.isoformat(),
                                   "checked_by": a.actor.id}
    return handler


def _file(a: _Act) -> None:
    _correct_class(a)
    cid = a.need("condition_id")
    try:
        fc = a.ctx.classification.condition(cid)
    except ValueError:
        raise CaseInputError("condition_id", f"unknown filing condition {cid!r}") from None
    if (fc.kind.value, fc.minor_code) != (a.case.kind, a.case.class_code):
        raise CaseInputError("condition_id", f"filing condition {cid!r} belongs to {fc.kind.value} class "
                                             f"{fc.minor_code}, not to this case's {a.case.kind} class "
                                             f"{a.case.class_code}")
    a.case.condition_id = cid
    a.data.update(limit_value=fc.limit_value, limit_type=fc.limit_type.value,
                  closing_condition=fc.closing_condition)


def _dispatch(a: _Act) -> None:
    dept_id = a.need("department_id")
    if a.s.get(Department, dept_id) is None:
        raise CaseInputError("department_id", f"department {dept_id} does not exist")
    if not a.case.condition_id:
        raise CaseConflict("the case has no filing condition: return it to filing")
    a.case.department_id = dept_id


def _dept_return(a: _Act) -> None:
    a.data["department_id"] = a.case.department_id
    a.case.department_id = None  # back in the dispatcher's queue; the department no longer sees it
    a.case.return_count += 1


def _request_extension(a: _Act) -> None:
    amount = a.need("amount")
    limit_type = a.need("limit_type")
    if not amount > 0:
        raise CaseInputError("amount", f"must be more than 0, got {amount}")
    a.case.pending = Pending.EXTENSION.value
    a.case.pending_data = {"amount": amount, "limit_type": _clock_type(limit_type).value,
                           "reason": a.reason,
                           "requested_by": a.actor.id, "requested_at": a.now.isoformat()}


def _clock_type(value: Any) -> ClockType:
    try:
        return ClockType(value)
    except ValueError:
        raise CaseInputError("limit_type", f"must be one of {', '.join(c.value for c in ClockType)}, "
                                           f"got {value!r}") from None


def _approve_extension(a: _Act) -> None:
    req = a.case.pending_data or {}
    amount = a.params.get("amount") if a.params.get("amount") is not None else req.get("amount")
    limit_type = a.params.get("limit_type") or req.get("limit_type")
    if amount is None or not amount > 0:
        raise CaseInputError("amount", f"must be more than 0, got {amount}")
    if limit_type is None:
        raise CaseInputError("limit_type", "is required")
    limit_type = _clock_type(limit_type)
    old, new = dl.extend(a.ctx, a.case, amount, limit_type)
    a.case.extension_count += 1
    a.data.update(amount=amount, limit_type=limit_type.value, requested=req,
                  old_deadline=old.isoformat(), new_deadline=new.isoformat())


def _until(a: _Act, value: Any) -> tuple[date, datetime]:
    """缓办至: the end of that day in the city's time zone; it must be later than now and than the
    deadline it replaces (a postponement never shortens the time)."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            raise CaseInputError("until", f"must be a date (YYYY-MM-DD), got {value!r}") from None
    if not isinstance(value, date):
        raise CaseInputError("until", f"must be a date (YYYY-MM-DD), got {value!r}")
    end = datetime.combine(value + timedelta(days=1), time(0), a.ctx.clock.tz).astimezone(timezone.utc)
    floor = max(a.now, a.case.deadline_at or a.now)
    if end <= floor:
        raise CaseInputError("until", f"缓办 until {value.isoformat()} is not later than "
                                      f"{'the deadline' if a.case.deadline_at and floor > a.now else 'now'} "
                                      f"({floor.isoformat()}); choose a later date")
    return value, end


def _request_postponement(a: _Act) -> None:
    day = _until(a, a.need("until"))[0].isoformat()
    a.case.pending = Pending.POSTPONEMENT.value
    a.case.pending_data = {"until": day, "reason": a.reason,
                           "requested_by": a.actor.id, "requested_at": a.now.isoformat()}
    a.data["until"] = day


def _approve_postponement(a: _Act) -> None:
    """The approver may give another date; the handling clock then runs to the end of that day."""
    req = a.case.pending_data or {}
    day, until = _until(a, a.params.get("until") or req.get("until"))
    old, new = dl.extend_to(a.ctx, a.case, until)
    a.data.update(until=day.isoformat(), requested=req,
                  old_deadline=old.isoformat(), new_deadline=new.isoformat())


def _request_suspension(a: _Act) -> None:
    a.case.pending = Pending.SUSPENSION.value
    a.case.pending_data = {"reason": a.reason,
                           "requested_by": a.actor.id, "requested_at": a.now.isoformat()}


def _deny(a: _Act) -> None:
    a.data["requested"] = a.case.pending_data


def _feedback(a: _Act) -> None:
    a.photos = ("feedback", a.params.get("photo_hashes") or [])


def _rework(a: _Act) -> None:
    a.case.rework_count += 1
    a.case.pending_data = None  # the failed check belongs to the work being redone


def _close(a: _Act) -> None:
    last = a.s.execute(select(CaseEvent.action, CaseEvent.data).where(
        CaseEvent.case_id == a.case.id,
        CaseEvent.action.in_([Action.ANSWER_CHECK.value, Action.FEEDBACK.value]))
        .order_by(CaseEvent.id.desc()).limit(1)).first()
    requested = a.params.get("close_type")
    if last is not None and last.action == Action.ANSWER_CHECK and (last.data or {}).get("result") == CHECK_FAILED \
            and requested in (None, CloseType.NORMAL, CloseType.OVERDUE):
        raise CaseConflict("the check found the problem not fixed: rework it or send another check")
    close_type = CloseType(requested) if requested else CloseType.NORMAL
    if close_type == CloseType.NORMAL and a.case.handling_overdue:
        close_type = CloseType.OVERDUE  # an overdue case cannot close as on time
    a.case.close_type = close_type.value
    a.data["close_type"] = close_type.value


def _urge(a: _Act) -> None:
    """催办 by default; 督办 (urge_kind=supervise) with the date the department replies by. Counted
    on the case, recorded as an Urge (services/urges.py) at its escalation level."""
    from zoneinfo import ZoneInfo

    from app.domain.supervision import MESSAGE_MAX

    from . import urges
    message = a.reason or ""
    try:
        kind = urges.parse_kind(a.params.get("urge_kind"))
        due = urges.parse_due(a.params.get("reply_due"))
        urges.check_due(kind, due, a.now.astimezone(ZoneInfo(a.ctx.settings.time_zone)).date())
    except urges.UrgeInputError as e:
        raise CaseInputError(e.field, e.message) from None
    if len(message) > MESSAGE_MAX:
        raise CaseInputError("comment", f"an urge's message has at most {MESSAGE_MAX} characters")
    a.case.urge_count += 1
    urge = urges.record(a.s, a.case, a.actor, kind, message, due, a.now)
    a.data.update(urge_kind=kind.value, level=urge.level)
    a.case._occ_urge = urge


def _nothing(a: _Act) -> None:
    pass


HANDLERS: dict[Action, Callable[[_Act], None]] = {
    Action.ACCEPT: _accept,
    Action.REJECT: _nothing,
    Action.SEND_VERIFY: _send_task,
    Action.ANSWER_VERIFY: _answer(VERIFY_RESULTS, "verify"),
    Action.FILE: _file,
    Action.NOT_FILE: _nothing,
    Action.DISPATCH: _dispatch,
    Action.RETURN_TO_FILING: _nothing,
    Action.DEPT_RETURN: _dept_return,
    Action.REQUEST_EXTENSION: _request_extension,
    Action.APPROVE_EXTENSION: _approve_extension,
    Action.DENY_EXTENSION: _deny,
    Action.REQUEST_POSTPONEMENT: _request_postponement,
    Action.APPROVE_POSTPONEMENT: _approve_postponement,
    Action.DENY_POSTPONEMENT: _deny,
    Action.REQUEST_SUSPENSION: _request_suspension,
    Action.APPROVE_SUSPENSION: _deny,  # logs the request it grants
    Action.DENY_SUSPENSION: _deny,
    Action.RESUME: _nothing,
    Action.FEEDBACK: _feedback,
    Action.SEND_CHECK: _send_task,
    Action.ANSWER_CHECK: _answer(CHECK_RESULTS, "check"),
    Action.REWORK: _rework,
    Action.CLOSE: _close,
    Action.VOID: _nothing,
    Action.URGE: _urge,
}
PHOTO_ACTIONS = {Action.ANSWER_VERIFY, Action.ANSWER_CHECK, Action.FEEDBACK}
_CLEARS_PENDING = {Action.APPROVE_EXTENSION, Action.DENY_EXTENSION, Action.APPROVE_SUSPENSION,
                   Action.DENY_SUSPENSION, Action.APPROVE_POSTPONEMENT, Action.DENY_POSTPONEMENT}


def _claim(s: Session, case: Case) -> None:
    """Bumps the version, written with the case's own UPDATE at the flush. Nobody can change the
    case between our read and that write: on PostgreSQL get_visible holds the row lock, on SQLite
    the transaction holds the database's write lock in this process (Database.transaction) and
    another process's commit in between makes our write fail rather than overwrite it."""
    case.version += 1


def apply_action(s: Session, ctx: Any, case_id: int, actor: User, action: Action | str, *,
                 comment: str | None = None, at: datetime | None = None, **params: Any) -> Case:
    """One workflow step, logged; the caller commits. Params per action: see HANDLERS."""
    now = at or utcnow()
    action = Action(action)
    params = {k: v for k, v in params.items() if v is not None}
    expected = params.pop("expected_version", None)
    case = get_visible(s, actor, case_id, for_update=True)
    if expected is not None and int(expected) != case.version:
        raise StaleVersion(f"case {case.number} has changed since you saw it (version {expected}, now "
                           f"{case.version}: '{case.state}'); nothing was done — look at it again")
    _claim(s, case)
    dl.mark_overdue(s, ctx, case, now)  # the stage ran past its deadline before this action
    reason = params.get("reason") or comment
    from_state = case.state
    new_state = ctx.workflow.check(case.state, action, actor.role, pending=case.pending, reason=reason,
                                   back_state=case.back_state, checked=check_result(case))
    if params.get("photo_hashes") and action not in PHOTO_ACTIONS:
        raise CaseInputError("photo_hashes", f"action '{action}' takes no photos")
    a = _Act(s, ctx, case, actor, params, now, data={"_action": action.value}, reason=reason)
    HANDLERS[action](a)
    a.data.pop("_action")
    if a.photos:
        a.photos = (a.photos[0], _check_photos(s, a.photos[1]))

    case.state = new_state.value
    if action in _CLEARS_PENDING or (from_state == State.HANDLING and new_state not in
                                     (State.HANDLING, State.SUSPENDED)):
        case.pending = case.pending_data = None
    if new_state != from_state:
        if from_state == State.SUSPENDED and new_state == State.HANDLING:
            dl.resume(ctx, case, now)
        elif new_state == State.SUSPENDED:
            a.data["remaining_seconds"] = dl.pause(ctx, case, now)
        elif new_state == State.POSTPONED:
            pass  # _approve_postponement moved the running handling deadline to the approved date
        else:
            dl.start_stage(s, ctx, case, now)  # dispatch, re-dispatch and rework: handling in full
        if new_state in FINAL_STATES:
            case.closed_at = now
            case.back_state = None
    case.band = dl.current_band(ctx, case, now)
    case.updated_at = now
    data = {k: v for k, v in params.items() if k != "comment"}
    data.update(a.data)
    if case.deadline_at is not None:
        data["deadline_at"] = case.deadline_at.isoformat()
    ev = _event(s, case, action.value, from_state, actor, now, comment or params.get("reason"), data)
    if action == Action.URGE:  # the urge points at its entry in the case log
        case._occ_urge.event_id = ev.id
    if a.photos and a.photos[1]:
        photo_svc.link(s, case.id, a.photos[1], a.photos[0], ev.id)
    case._occ_previous_department_id = a.data.get("department_id") if action == Action.DEPT_RETURN else None
    s.flush()
    return case


# ---------------------------------------------------------------- merge
def merge(s: Session, ctx: Any, case_id: int, into_case_id: int, actor: User,
          at: datetime | None = None) -> tuple[Case, Case]:
    """A duplicate report joins the case it repeats: voided 'merged into <number>', linked both ways,
    its report photos added to the kept case."""
    now = at or utcnow()
    if case_id == into_case_id:
        raise CaseInputError("into_case_id", "a case cannot be merged into itself")
    # Lock both rows in id order, so two opposite merges cannot deadlock.
    rows = {c.id: c for c in s.scalars(select(Case).where(Case.id.in_([case_id, into_case_id]))
                                       .order_by(Case.id).with_for_update())}
    dup, keep = rows.get(case_id), rows.get(into_case_id)
    if dup is None or not can_see(s, actor, dup):
        raise CaseNotFound(f"case {case_id} not found")
    if keep is None or not can_see(s, actor, keep):
        raise CaseInputError("into_case_id", f"case {into_case_id} not found")
    if dup.state not in MERGEABLE_STATES:
        raise CaseConflict(f"only a case not yet filed can be merged; case {dup.number} is '{dup.state}' "
                           "(a leader can void it)")
    if keep.state == State.VOID:
        raise CaseConflict(f"case {keep.number} is void: merge into a live case")
    _claim(s, dup)
    _claim(s, keep)
    dl.mark_overdue(s, ctx, dup, now)
    from_state = dup.state
    reason = f"merged into {keep.number}"
    dup.state = State.VOID.value
    dup.pending = dup.pending_data = dup.back_state = None
    dl.start_stage(s, ctx, dup, now)
    dup.band = None
    dup.closed_at = dup.updated_at = keep.updated_at = now
    _event(s, dup, "merge", from_state, actor, now, reason,
           {"into_case_id": keep.id, "into_number": keep.number})
    ev = _event(s, keep, "merge", keep.state, actor, now, f"case {dup.number} merged into this one",
                {"merged_case_id": dup.id, "merged_number": dup.number})
    hashes = s.scalars(select(CasePhoto.sha256).where(CasePhoto.case_id == dup.id,
                                                      CasePhoto.stage == "report")).all()
    photo_svc.link(s, keep.id, hashes, "report", ev.id)
    s.flush()
    return dup, keep


# ---------------------------------------------------------------- the case JSON
def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def check_result(case: Case) -> str | None:
    """The latest check's result while the case waits in PENDING_CHECK (fixed | not_fixed | None)."""
    return _check_result_of({"state": case.state, "pending": case.pending, "pending_data": case.pending_data})


def case_out(ctx: Any, case: Case, now: datetime | None = None) -> dict:
    """The CaseOut shape (schemas/cases.py), JSON-ready."""
    now = now or utcnow()
    cls = ctx.classification.find(case.kind, case.class_code)
    rem = dl.remaining_seconds(ctx, case, now)
    return {
        "id": case.id, "number": case.number, "source": case.source, "kind": case.kind,
        "class_code": case.class_code, "class_name": cls.name if cls else None,
        "condition_id": case.condition_id, "state": case.state, "pending": case.pending,
        "pending_data": case.pending_data, "back_state": case.back_state, "description": case.description,
        "address": case.address, "lon": case.lon, "lat": case.lat, "grid_code": case.grid_code,
        "community_code": case.community_code, "street_code": case.street_code,
        "district_code": case.district_code, "component_id": case.component_id,
        "reporter_id": case.reporter_id, "reporter_name": case.reporter_name,
        "reporter_contact": case.reporter_contact, "department_id": case.department_id,
        "task_inspector_id": case.task_inspector_id, "stage": case.stage,
        "stage_started_at": _iso(case.stage_started_at), "limit_value": case.limit_value,
        "limit_type": case.limit_type, "deadline_at": _iso(case.deadline_at),
        "remaining_seconds": None if rem is None else round(rem, 3),
        "remaining_at_pause": case.remaining_at_pause, "band": dl.current_band(ctx, case, now),
        "handling_overdue": bool(case.handling_overdue), "rework_count": case.rework_count or 0,
        "return_count": case.return_count or 0, "extension_count": case.extension_count or 0,
        "urge_count": case.urge_count or 0, "close_type": case.close_type, "external_id": case.external_id,
        "created_at": _iso(case.created_at), "updated_at": _iso(case.updated_at),
        "closed_at": _iso(case.closed_at), "version": case.version, "check_result": check_result(case),
    }


def event_out(ev: CaseEvent) -> dict:
    return {"id": ev.id, "case_id": ev.case_id, "action": ev.action, "from_state": ev.from_state,
            "to_state": ev.to_state, "actor_id": ev.actor_id, "actor_role": ev.actor_role,
            "actor_name": ev.actor_name, "at": _iso(ev.at), "comment": ev.comment, "data": ev.data}


def events_of(s: Session, case_id: int, role: str | None = None) -> list[dict]:
    """The case's log as `role` may read it (services/visibility.event_view)."""
    return [event_view(role, event_out(e)) for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                            .order_by(CaseEvent.id))]


def allowed_actions(ctx: Any, case: Case, user: User) -> list[str]:
    out = []
    for act in ctx.workflow.allowed(case.state, user.role, case.pending, checked=check_result(case)):
        if act in (Action.ANSWER_VERIFY, Action.ANSWER_CHECK) and user.role == Role.INSPECTOR \
                and case.task_inspector_id not in (None, user.id):
            continue
        out.append(act.value)
    return out


def detail(s: Session, ctx: Any, case: Case, user: User, now: datetime | None = None) -> dict:
    return {**case_view(user.role, case_out(ctx, case, now)), "events": events_of(s, case.id, user.role),
            "photos": photo_svc.of_case(s, case.id),
            "allowed_actions": allowed_actions(ctx, case, user)}


# ---------------------------------------------------------------- units of work (API)
def _publish(ctx: Any, out: dict) -> None:
    ctx.bus.publish("case.changed", out)


# `answer(session, out)`, when given, runs last inside the transaction and its result is returned
# instead of `out`: the API renders its response there and stores it for the request's
# Idempotency-Key, so the change and its stored answer commit together (services/idempotency.py).
Answer = Callable[[Session, Any], Any]


def run_report(ctx: Any, actor: User | None, *, answer: Answer | None = None, **kw: Any) -> Any:
    with ctx.db.transaction() as s:
        case = report_case(s, ctx, actor, **kw)
        out = case_out(ctx, case)
        shown = out if actor is None else case_view(actor.role, out)  # everything is published; the
        result = answer(s, shown) if answer else shown  # actor reads what its role may (visibility.py)
    _publish(ctx, out)
    return result


def run_action(ctx: Any, case_id: int, actor: User, action: Action | str, *, answer: Answer | None = None,
               **params: Any) -> Any:
    with ctx.db.transaction() as s:
        case = apply_action(s, ctx, case_id, actor, action, **params)
        out = case_out(ctx, case)
        prev = getattr(case, "_occ_previous_department_id", None)
        shown = case_view(actor.role, out)
        result = answer(s, shown) if answer else shown
    # The department that returned it sees it leave (the WebSocket scope filter reads this).
    _publish(ctx, {**out, "previous_department_id": prev} if prev is not None else out)
    return result


def run_merge(ctx: Any, case_id: int, into_case_id: int, actor: User, *, answer: Answer | None = None) -> Any:
    with ctx.db.transaction() as s:
        dup, keep = merge(s, ctx, case_id, into_case_id, actor)
        out = {"merged": case_out(ctx, dup), "into": case_out(ctx, keep)}
        shown = {k: case_view(actor.role, v) for k, v in out.items()}
        result = answer(s, shown) if answer else shown
    _publish(ctx, out["merged"])
    _publish(ctx, out["into"])
    return result
