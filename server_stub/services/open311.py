"""Open311 GeoReport v2 over the case workflow: services = minor classes, requests = cases.

service_code scheme: "<kind>-<4-digit class code>", e.g. "event-0102" (暴露垃圾) or "component-0101"
(上水井盖). The kind is part of the code because event and component classes reuse the same 4-digit
numbers. A posted request becomes a case in REPORTED (source "open311"), i.e. it waits in the
acceptor's queue like a hotline call; the answer carries its case number as service_request_id.

Status: Open311 knows only open/closed. closed = CLOSED or VOID (不予受理/不予立案/作废), every
other state is open; status_notes carries the detail (Chinese state name, close type, last comment).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Mapping
from urllib.parse import urlsplit

from shapely.geometry import shape
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.domain.classification import Kind, MinorClass
from app.domain.workflow import HANDLING_STATES, State

from ..context import ServerContext
from ..db.models import Case, CaseEvent, Component, Department, Region
from ..schemas.types import check_instant
from ..schemas.open311 import (Attribute, AttributeValue, Discovery, Endpoint, PostedRequest, Service,
                               ServiceDefinition, ServiceRequest)

MAX_RANGE = timedelta(days=90)  # the spec's largest requested_datetime window
MAX_PAGE_SIZE = 1000  # the spec's default response volume: first 1000 requests
DESCRIPTION_MAX = 4000  # the spec's limit on description
CLOSED_STATES = (State.CLOSED.value, State.VOID.value)

KIND_ZH = {"component": "部件", "event": "事件"}
CLOCK_ZH = {"urgent_hour": "紧急工作时", "work_hour": "工作时", "work_day": "工作日", "natural_day": "自然日"}
STATE_ZH = {
    "reported": "已上报，待受理", "verifying": "核实中", "pending_filing": "待立案",
    "pending_dispatch": "待派遣", "handling": "处置中", "postponed": "缓办", "suspended": "挂账",
    "pending_check": "已处置，待核查", "checking": "核查中", "closed": "已结案", "void": "已作废",
}
CLOSE_TYPE_ZH = {"normal": "正常结案", "overdue": "超期结案", "error": "误报结案", "special": "特殊结案"}
_CJK = re.compile(r"[\u3400-\u9fff]")
# Phone numbers in public text (a caller's number an acceptor typed into the description):
# mainland mobiles 1[3-9]xxxxxxxxx and landlines 0xx(x)-xxxxxxx(x), with optional separators.
_PHONE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?(?:1[3-9]\d(?:[ -]?\d{4}){2}|0\d{2,3}[ -]?\d{7,8})(?!\d)")
PUBLIC_URL_SCHEMES = ("http", "https")


class Open311Error(Exception):
    """A refusal in the spec's error format: HTTP status and a list of (code, description)."""

    def __init__(self, status: int, *errors: str | tuple[int, str]):
        super().__init__(errors)
        self.status = status
        self.errors = [e if isinstance(e, tuple) else (status, e) for e in errors]


# ---------------------------------------------------------------- services
def service_code(kind: str, class_code: str) -> str:
    return f"{kind}-{class_code}"


def find_class(ctx: ServerContext, code: str) -> MinorClass | None:
    kind, _, minor = code.partition("-")
    return ctx.classification.find(kind, minor) if kind in KIND_ZH else None


def _limit_text(value: float, limit_type: str) -> str:
    return f"{value:g}{CLOCK_ZH.get(str(limit_type), str(limit_type))}"


def _service(c: MinorClass) -> Service:
    kind_zh = KIND_ZH[c.kind.value]
    return Service(
        service_code=service_code(c.kind.value, c.code), service_name=c.name,
        description=f"{kind_zh} · {c.major_name} · {c.name} ({c.kind.value}: {c.major_en} / {c.name_en})",
        # metadata true when there is something to choose: the filing conditions or a component ID
        metadata=bool(c.conditions) or c.kind == Kind.COMPONENT,
        keywords=", ".join(x for x in (c.name, c.name_en, c.major_name, c.major_en, kind_zh) if x),
        group=c.major_name)


def list_services(ctx: ServerContext) -> list[Service]:
    order = {"event": 0, "component": 1}  # citizens report events more often than components
    classes = sorted(ctx.classification.classes(), key=lambda c: (order[c.kind.value], c.code))
    return [_service(c) for c in classes]


def service_definition(ctx: ServerContext, code: str) -> ServiceDefinition:
    c = find_class(ctx, code)
    if c is None:
        raise Open311Error(404, f"service_code {code!r} not found")
    attrs: list[Attribute] = []
    if c.conditions:
        # The filing condition is the shift leader's decision; the citizen's choice is only a hint.
        attrs.append(Attribute(
            code="filing_condition", datatype="singlevaluelist", required=False, order=1,
            datatype_description="选择最接近的情形 / choose the closest situation",
            description="问题情形（立案条件）及处置时限 / the situation (filing condition) and its time limit",
            values=[AttributeValue(key=fc.id, name=f"{fc.text}（{_limit_text(fc.limit_value, fc.limit_type)}，"
                                                   f"结案条件：{fc.closing_condition}）")
                    for fc in c.conditions]))
    if c.kind == Kind.COMPONENT:
        attrs.append(Attribute(
            code="component_id", datatype="string", required=False, order=len(attrs) + 1,
            datatype_description="16位部件编码 / 16-digit component ID",
            description="部件标牌上的编码（如有） / the code on the component's tag, if any"))
    return ServiceDefinition(service_code=service_code(c.kind.value, c.code), attributes=attrs)


def discovery(ctx: ServerContext, base_url: str, changeset: str) -> Discovery:
    return Discovery(
        changeset=changeset,
        contact="数字城管监督指挥中心 / the city's digital urban management command centre",
        key_service="api_key 由指挥中心管理员发放（服务器设置 OCC_OPEN311_API_KEYS） / ask the command "
                    "centre's administrator for an api_key (server setting OCC_OPEN311_API_KEYS)",
        endpoints=[Endpoint(url=base_url.rstrip("/") + "/open311/v2", changeset=changeset)])


# ---------------------------------------------------------------- POST requests
def _float(form: Mapping[str, str], name: str, lo: float, hi: float, errors: list[str]) -> float | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    try:
        v = float(raw)
    except ValueError:
        errors.append(f"{name} must be a number, got {raw!r}")
        return None
    if not lo <= v <= hi:
        errors.append(f"{name} must be between {lo:g} and {hi:g}, got {raw}")
        return None
    return v


def _person(first: str, last: str) -> str | None:
    """Chinese order (family name first, no space) when the name is Chinese, else 'first last'."""
    if _CJK.search(first + last):
        return (last + first) or None
    return " ".join(x for x in (first, last) if x) or None


def geocode(s: Session, address: str) -> tuple[float, float] | None:
    """A point for an address string: the region (community, street or district) whose name the
    address mentions, the most specific and longest name first. No street-level geocoder here."""
    rank = {"community": 0, "street": 1, "district": 2}
    hits = sorted((rank.get(r.level, 3), -len(r.name), r.code)
                  for r in s.execute(select(Region.code, Region.name, Region.level)) if r.name and r.name in address)
    for *_, code in hits:  # geometries are big: read only the candidates', best first
        geom = s.scalar(select(Region.geometry).where(Region.code == code))
        if geom:
            p = shape(geom).representative_point()
            return p.x, p.y
    return None


def attributes_of(form: Mapping[str, str]) -> dict[str, str]:
    """attribute[code]=value pairs (the spec's form encoding of service-definition answers)."""
    out = {}
    for k, v in form.items():
        m = re.fullmatch(r"attribute\[([^\]]+)\](\[\])?", k)
        if m and v:
            out[m.group(1)] = v
    return out


@dataclass
class NewRequest:
    """A validated POST: what report_case needs, plus what only Open311 knows (kept in the log)."""
    kind: str
    class_code: str
    lon: float
    lat: float
    description: str
    address: str | None
    reporter_name: str | None
    reporter_contact: str | None
    component_id: str | None
    extra: dict  # media_url, email, device_id, account_id, attributes


def validate_post(s: Session, ctx: ServerContext, form: Mapping[str, str]) -> NewRequest:
    """Check a POST form; Open311Error(400) lists every problem, 404 an unknown service_code."""
    errors: list[str] = []
    code = (form.get("service_code") or "").strip()
    cls = find_class(ctx, code) if code else None
    if not code:
        errors.append("service_code is required (see services.xml)")
    lat = _float(form, "lat", -90, 90, errors)
    lon = _float(form, "long", -180, 180, errors)
    if (lat is None) != (lon is None) and not any(e.startswith(("lat", "long")) for e in errors):
        errors.append("lat and long must be sent together")
    address = (form.get("address_string") or "").strip() or None
    description = (form.get("description") or "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors.append(f"description is limited to {DESCRIPTION_MAX} characters, got {len(description)}")
    attrs = attributes_of(form)
    component_id = attrs.get("component_id") or None
    if component_id and not re.fullmatch(r"\d{16}", component_id):
        errors.append(f"attribute[component_id] must be 16 digits, got {component_id!r}")
        component_id = None
    if cls is not None and attrs.get("filing_condition") and \
            attrs["filing_condition"] not in {fc.id for fc in cls.conditions}:
        errors.append(f"attribute[filing_condition] {attrs['filing_condition']!r} is not a value of "
                      f"service {code} (see services/{code}.xml)")
    bad_point = any(e.startswith(("lat", "long")) for e in errors)
    if (lat is None or lon is None) and not bad_point:
        point = None
        if component_id:  # a component's tag code locates it
            comp = s.get(Component, component_id)
            point = (comp.lon, comp.lat) if comp else None
        if point is None and address:
            point = geocode(s, address)
        if point is not None:
            lon, lat = point
        elif address:
            errors.append(f"address_string {address!r} names no district, street or community of this "
                          "city: send lat and long")
        else:
            errors.append("a location is required: lat and long, or an address_string naming a district, "
                          "street or community of this city (address_id is not supported)")
    if errors:
        raise Open311Error(400, *errors)
    if cls is None:
        raise Open311Error(404, f"service_code {code!r} not found (see services.xml)")
    first, last = (form.get("first_name") or "").strip(), (form.get("last_name") or "").strip()
    phone, email = (form.get("phone") or "").strip(), (form.get("email") or "").strip()
    contact = " / ".join(x for x in (phone, email) if x)[:100] or None
    extra = {k: form[k].strip() for k in ("media_url", "email", "device_id", "account_id")
             if (form.get(k) or "").strip()}
    if "media_url" in extra and not public_url(extra["media_url"]):
        raise Open311Error(422, f"media_url must be an http or https URL, got {extra['media_url'][:80]!r}")
    if attrs:
        extra["attributes"] = attrs
    assert lon is not None and lat is not None
    return NewRequest(kind=cls.kind.value, class_code=cls.code, lon=lon, lat=lat, description=description,
                      address=address[:200] if address else None,
                      reporter_name=(_person(first, last) or "")[:100] or None, reporter_contact=contact,
                      component_id=component_id, extra=extra)


def create_request(s: Session, ctx: ServerContext, form: Mapping[str, str]) -> tuple[Case, PostedRequest]:
    """Validate and report a case (source open311, REPORTED); the caller commits and publishes."""
    from . import cases  # the case service (report_case contract)
    req = validate_post(s, ctx, form)
    try:
        case = cases.report_case(
            s, ctx, None, source="open311", kind=req.kind, class_code=req.class_code, lon=req.lon,
            lat=req.lat, description=req.description, address=req.address,
            reporter_name=req.reporter_name, reporter_contact=req.reporter_contact,
            component_id=req.component_id)
    except cases.OutsideCityArea as e:
        raise Open311Error(422, e.message) from None
    except (ValueError, LookupError) as e:
        raise Open311Error(400, str(e)) from None
    if req.extra:
        # What the case row has no column for (media_url, email, attributes) goes into the report
        # event of the same unit of work, so GET requests can return it.
        s.flush()
        ev = s.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "report")
                      .order_by(CaseEvent.id).limit(1))
        if ev is not None:
            ev.data = {**(ev.data or {}), "open311": req.extra}
    notice = (f"已登记为案卷 {case.number}，等待监督中心受理。"
              f" / Registered as case {case.number}; waiting for acceptance by the supervision centre.")
    return case, PostedRequest(service_request_id=case.number, service_notice=notice,
                               account_id=req.extra.get("account_id"))


# ---------------------------------------------------------------- GET requests
def parse_time(name: str, raw: str) -> datetime:
    try:
        dt = datetime.fromisoformat(raw.strip().replace(" ", "+"))  # '+' arrives as ' ' if unescaped
    except ValueError:
        raise Open311Error(400, f"{name} must be an ISO 8601 date-time, e.g. 2010-01-01T00:00:00Z; "
                                f"got {raw!r}") from None
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise Open311Error(400, f"{name} must include a time zone (Z or +08:00); got {raw!r}")
    try:
        check_instant(dt)
    except ValueError as e:
        raise Open311Error(400, f"{name} {e}") from None
    return dt.astimezone(timezone.utc)


def time_window(start_raw: str | None, end_raw: str | None, now: datetime) -> tuple[datetime, datetime]:
    """The requested_datetime window: the last 90 days by default; never more than 90 days."""
    start = parse_time("start_date", start_raw) if start_raw else None
    end = parse_time("end_date", end_raw) if end_raw else None
    if start is None and end is None:
        end = now
    try:
        if start is None:
            start = end - MAX_RANGE
        if end is None:
            end = start + MAX_RANGE
    except OverflowError:
        raise Open311Error(400, "start_date / end_date out of range") from None
    if end < start:
        raise Open311Error(400, "end_date is before start_date")
    if end - start > MAX_RANGE:
        raise Open311Error(400, f"start_date to end_date spans {(end - start).days} days; at most 90 days "
                                "may be queried at once")
    return start, end


def _codes(raw: str | None) -> list[str]:
    return [x.strip() for x in (raw or "").split(",") if x.strip()]


def _iso(ctx: ServerContext, dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(ctx.clock.tz).isoformat(timespec="seconds")


def public_url(url: str) -> bool:
    """An absolute http(s) URL: nothing a client would run (javascript:, data:, file:)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in PUBLIC_URL_SCHEMES and bool(parts.netloc) \
        and not any(ch.isspace() or ord(ch) < 32 for ch in url)


def public_text(text: str | None) -> str | None:
    """Text for the public: phone numbers masked to their first 3 and last 4 digits."""
    if not text:
        return text
    return _PHONE.sub(lambda m: _mask(m.group(0)), text)


def _mask(number: str) -> str:
    digits = [c for c in number if c.isdigit()]
    return "".join(digits[:3]) + "*" * max(0, len(digits) - 7) + "".join(digits[-4:])


def _request_out(ctx: ServerContext, c: Case, dept: str | None, extra: dict) -> ServiceRequest:
    """Only what the public may read: the state in words (never the workflow's comments, which
    are internal), class, place and times; no reporter, no contact, phone numbers masked."""
    cls = ctx.classification.find(c.kind, c.class_code)
    closed = c.state in CLOSED_STATES
    notes = STATE_ZH.get(c.state, c.state)
    if c.state == State.CLOSED and c.close_type:
        notes += f"（{CLOSE_TYPE_ZH.get(c.close_type, c.close_type)}）"
    notice = None
    if c.condition_id:
        try:
            fc = ctx.classification.condition(c.condition_id)
            notice = (f"立案条件：{fc.text}；处置时限：{_limit_text(fc.limit_value, fc.limit_type)}；"
                      f"结案条件：{fc.closing_condition}")
        except ValueError:
            pass
    expected = c.deadline_at if c.stage == "handling" and c.state in HANDLING_STATES else None
    return ServiceRequest(
        service_request_id=c.number, status="closed" if closed else "open", status_notes=notes,
        service_name=cls.name if cls else None, service_code=service_code(c.kind, c.class_code),
        description=public_text(c.description) or None, agency_responsible=dept, service_notice=notice,
        requested_datetime=_iso(ctx, c.created_at),
        updated_datetime=_iso(ctx, (c.closed_at if closed and c.closed_at else c.updated_at) or c.created_at),
        expected_datetime=_iso(ctx, expected), address=public_text(c.address), lat=c.lat, long=c.lon,
        media_url=media if isinstance(media := extra.get("media_url"), str) and public_url(media) else None)


def _render(s: Session, ctx: ServerContext, rows: list) -> list[ServiceRequest]:
    """Rows of (Case, department name) -> requests, with the report events read in one query."""
    ids = [c.id for c, _ in rows]
    extra: dict[int, dict] = {}
    if ids:
        evs = s.execute(select(CaseEvent.case_id, CaseEvent.data)
                        .where(CaseEvent.case_id.in_(ids), CaseEvent.action == "report")).all()
        for case_id, data in evs:
            if data and isinstance(data.get("open311"), dict):
                extra[case_id] = data["open311"]
    return [_request_out(ctx, c, d, extra.get(c.id, {})) for c, d in rows]


def _base():
    return select(Case, Department.name).outerjoin(Department, Department.id == Case.department_id)


def query_requests(s: Session, ctx: ServerContext, params: Mapping[str, str], now: datetime | None = None
                   ) -> tuple[list[ServiceRequest], int]:
    """GET requests: (this page, total matching). Newest first; page/page_size extend the spec."""
    now = now or datetime.now(timezone.utc)
    q = _base()
    ids = _codes(params.get("service_request_id"))
    if ids:  # "This overrides all other arguments."
        q = q.where(Case.number.in_(ids[:MAX_PAGE_SIZE]))
    else:
        start, end = time_window(params.get("start_date"), params.get("end_date"), now)
        q = q.where(Case.created_at >= start, Case.created_at <= end)
        codes = _codes(params.get("service_code"))
        if codes:
            pairs = [code.partition("-") for code in codes]
            q = q.where(or_(*[and_(Case.kind == k, Case.class_code == m) for k, _, m in pairs]))
        statuses = set(_codes(params.get("status")))
        bad = statuses - {"open", "closed"}
        if bad:
            raise Open311Error(400, f"status must be open or closed, got {', '.join(sorted(bad))}")
        if statuses == {"open"}:
            q = q.where(Case.state.not_in(CLOSED_STATES))
        elif statuses == {"closed"}:
            q = q.where(Case.state.in_(CLOSED_STATES))
    page = _int(params, "page", 1, 1, 10**9)
    size = _int(params, "page_size", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = s.execute(q.order_by(Case.created_at.desc(), Case.id.desc())
                     .offset((page - 1) * size).limit(size)).all()
    return _render(s, ctx, rows), total


def _int(params: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise Open311Error(400, f"{name} must be a whole number from {lo} to {hi}, got {raw!r}")
    return int(raw)


def get_request(s: Session, ctx: ServerContext, number: str) -> ServiceRequest:
    rows = s.execute(_base().where(Case.number == number)).all()
    if not rows:
        raise Open311Error(404, f"service_request_id {number!r} not found")
    return _render(s, ctx, rows)[0]
