"""Open311 GeoReport v2 endpoints under /open311/v2/ (XML required by the spec, JSON too).

GET  discovery.{fmt}                 (also /open311/discovery.{fmt})
GET  services.{fmt}                  minor classes; service_code "event-0102" / "component-0101"
GET  services/{service_code}.{fmt}   attributes: filing_condition (singlevaluelist), component_id
POST requests.{fmt}                  form-encoded, api_key required -> a case in REPORTED
GET  requests.{fmt}                  service_request_id, service_code, start_date, end_date (≤ 90 days,
                                     default the last 90), status; page/page_size (≤ 1000) extend it
GET  requests/{service_request_id}.{fmt}
Errors are the spec's list of {code, description}: 403 bad api_key, 404 unknown, 400 anything else.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from ..context import ServerContext
from ..schemas.open311 import XML_ITEM, XML_NAMES, Error
from ..services import idempotency
from ..services import open311 as svc
from ..services.open311 import Open311Error
from .deps import get_ctx

router = APIRouter(tags=["open311"])
V2 = "/open311/v2"
FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# Documented answers: JSON or XML by the path's format; errors are the spec's list of {code, description}.
_OK = {200: {"content": {"application/json": {}, "text/xml": {"schema": {"type": "string"}}}}}
_DESCRIBE = {400: "Bad request (the description says which parameter)", 403: "api_key missing or invalid",
             404: "Unknown service, request or format"}


def _errors(*codes: int) -> dict:
    return {c: {"description": _DESCRIBE[c], "model": list[Error],
                "content": {"text/xml": {"schema": {"type": "string"}}}} for c in codes}


_STARTED = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")  # the classification loads at start


# ---------------------------------------------------------------- rendering
def _xml_value(parent: ET.Element, name: str, value: Any) -> None:
    el = ET.SubElement(parent, name)
    if isinstance(value, list):
        for item in value:
            _xml_value(el, XML_ITEM.get(name, "item"), item)
    elif isinstance(value, dict):
        for k, v in value.items():
            _xml_value(el, k, v)
    elif isinstance(value, bool):
        el.text = "true" if value else "false"
    elif value is not None:
        el.text = str(value)


def _dump(x: Any) -> Any:
    if isinstance(x, BaseModel):
        return x.model_dump()
    if isinstance(x, list):
        return [_dump(i) for i in x]
    return x


def render(fmt: str, kind: str, data: Any, status: int = 200, headers: dict | None = None) -> Response:
    """JSON as the spec's mapping of its XML; XML with the spec's element names (XML_NAMES)."""
    data = _dump(data)
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    else:
        root_name, item = XML_NAMES[kind]
        root = ET.Element(root_name)
        for k, v in (data.items() if item is None else ((item, d) for d in data)):
            if item is None:
                _xml_value(root, k, v)
            else:
                el = ET.SubElement(root, item)
                for kk, vv in v.items():
                    _xml_value(el, kk, vv)
        body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")
    return Response(body, status_code=status, media_type=FORMATS[fmt], headers=headers)


def error_response(fmt: str, e: Open311Error) -> Response:
    return render(fmt if fmt in FORMATS else "xml", "errors",
                  [{"code": c, "description": d} for c, d in e.errors], e.status)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Open311Error(404, f"format {fmt!r} is not served: use .xml or .json")


def _answer(fmt: str, fn, *args, **kw) -> Response:  # noqa: ANN001
    try:
        _check_format(fmt)
        return fn(*args, **kw)
    except Open311Error as e:
        return error_response(fmt, e)


def _params(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items()}


# ---------------------------------------------------------------- endpoints
@router.get("/open311/discovery.{fmt}", include_in_schema=False)
@router.get(V2 + "/discovery.{fmt}", responses={**_OK, **_errors(404)})
def get_discovery(fmt: str, request: Request, ctx: ServerContext = Depends(get_ctx)) -> Response:
    return _answer(fmt, lambda: render(fmt, "discovery", svc.discovery(ctx, str(request.base_url), _STARTED)))


@router.get(V2 + "/services.{fmt}", responses={**_OK, **_errors(404)})
def get_services(fmt: str, ctx: ServerContext = Depends(get_ctx)) -> Response:
    return _answer(fmt, lambda: render(fmt, "services", svc.list_services(ctx)))


@router.get(V2 + "/services/{code}.{fmt}", responses={**_OK, **_errors(400, 404)})
def get_service_definition(code: str, fmt: str, ctx: ServerContext = Depends(get_ctx)) -> Response:
    return _answer(fmt, lambda: render(fmt, "service_definition", svc.service_definition(ctx, code)))


@router.post(V2 + "/requests.{fmt}", status_code=201,
             responses={201: _OK[200], **_errors(400, 403, 404)})
async def post_request(fmt: str, request: Request, ctx: ServerContext = Depends(get_ctx)) -> Response:
    try:
        _check_format(fmt)
        form = {k: str(v) for k, v in (await request.form()).items()}
    except Open311Error as e:
        return error_response(fmt, e)
    except Exception:  # noqa: BLE001 - a body that is not a form
        return error_response(fmt, Open311Error(400, "send the request form-encoded "
                                                     "(application/x-www-form-urlencoded)"))
    key = form.get("api_key") or request.query_params.get("api_key")
    if not key or key not in ctx.settings.api_keys():
        return error_response(fmt, Open311Error(403, "api_key missing or invalid: can't proceed with "
                                                     "create_request"))
    try:
        answer, out = await run_in_threadpool(_create, ctx, form, fmt)
    except Open311Error as e:
        return error_response(fmt, e)
    ctx.bus.publish("case.changed", out)
    return answer


def _create(ctx: ServerContext, form: dict[str, str], fmt: str) -> tuple[Response, dict]:
    """The case and the answer, rendered and stored for an Idempotency-Key in one transaction."""
    from ..services import cases
    with ctx.db.transaction() as s:
        case, posted = svc.create_request(s, ctx, form)
        s.flush()
        out = cases.case_out(ctx, case)
        answer = render(fmt, "service_requests", [posted], status=201)
        idempotency.seal(s, 201, answer.headers.get("content-type", ""), bytes(answer.body))
    return answer, out


@router.get(V2 + "/requests.{fmt}", responses={**_OK, **_errors(400, 404)})
def get_requests(fmt: str, request: Request, ctx: ServerContext = Depends(get_ctx)) -> Response:
    def run() -> Response:
        with ctx.db.session() as s:
            items, total = svc.query_requests(s, ctx, _params(request))
        return render(fmt, "service_requests", items, headers={"X-Total-Count": str(total)})
    return _answer(fmt, run)


@router.get(V2 + "/requests/{number}.{fmt}", responses={**_OK, **_errors(400, 404)})
def get_one_request(number: str, fmt: str, ctx: ServerContext = Depends(get_ctx)) -> Response:
    def run() -> Response:
        with ctx.db.session() as s:
            return render(fmt, "service_requests", [svc.get_request(s, ctx, number)])
    return _answer(fmt, run)
