"""One error model for the whole API, the handlers that produce it, and its place in OpenAPI.

Every error answer is {"detail": ...}: a sentence (401, 403, 404, 409, 413, 429, 503 and some
422), or for a field-level 422 a list of {type, loc, msg} whose loc names the field (["body",
"lon"], ["query", "bbox"], ["path", "case_id"]). The input is never echoed back: it may be
megabytes, or text (a lone surrogate) that no JSON answer can carry.

`document(app)` adds the codes each route can answer to the OpenAPI document, derived from what
the route depends on (login → 401, a role check → 403, any POST → 413) plus what its decorator
lists (404, 409, 503 ...); every route can answer 422 (the edge guard checks every URL).
"""
from __future__ import annotations

import json
import math
from typing import Any, Iterable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.utils import create_model_field
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response


class ErrorItem(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    loc: list[str | int]
    msg: str
    ctx: dict[str, Any] | None = None


class ErrorOut(BaseModel):
    """An error answer: a sentence, or the list of fields refused."""
    detail: str | list[ErrorItem]


DESCRIPTIONS = {
    400: "Malformed request",
    401: "Not logged in, or the login token is unknown or expired",
    403: "Your role may not do this (the message names the roles allowed)",
    404: "Not found (or outside what you may see)",
    409: "Conflicts with the current state (the message names it), or the same Idempotency-Key is "
         "still running",
    413: "The request body is too large",
    415: "Unsupported media type",
    423: "Locked (the message says by what)",
    422: "A field is invalid (the list names it) or the request cannot be processed as sent",
    429: "Too many requests: wait for Retry-After seconds",
    502: "An upstream component failed",
    503: "Temporarily unavailable (the message says why): try again",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for a route or router, all with the shared error model."""
    return {c: {"model": ErrorOut, "description": DESCRIPTIONS[c]} for c in codes}


# ---------------------------------------------------------------- answers
def error_body(detail: Any) -> bytes:
    # "replace": a message quoting user text with a lone surrogate still encodes.
    return json.dumps({"detail": detail}, ensure_ascii=False, allow_nan=False, default=str
                      ).encode("utf-8", "replace")


def _json_safe(v: Any) -> Any:
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    if isinstance(v, (list, tuple)):
        return [_json_safe(x) for x in v]
    return str(v)


def clean_errors(errs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """pydantic's errors without the input (and with a context that JSON can carry)."""
    out = []
    for e in errs:
        item = {"type": e.get("type", "value_error"), "loc": [_json_safe(x) for x in e.get("loc", ())],
                "msg": str(e.get("msg", ""))}
        if e.get("ctx"):
            item["ctx"] = {str(k): _json_safe(v) for k, v in e["ctx"].items()}
        out.append(item)
    return out


def _response(status: int, detail: Any, headers: dict | None = None) -> Response:
    if status in (204, 304) or status < 200:
        return Response(status_code=status, headers=headers)
    return Response(error_body(detail), status_code=status, headers=headers, media_type="application/json")


async def _validation_failed(_: Request, exc: RequestValidationError) -> Response:
    return _response(422, clean_errors(exc.errors()))


async def _http_error(_: Request, exc: StarletteHTTPException) -> Response:
    detail = exc.detail
    if isinstance(detail, list):
        detail = clean_errors(detail)
    return _response(exc.status_code, detail, getattr(exc, "headers", None))


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_failed)
    app.add_exception_handler(StarletteHTTPException, _http_error)


# ---------------------------------------------------------------- OpenAPI
def forbids(fn):  # noqa: ANN001, ANN201
    """Marks a dependency that answers 403 (a role check) so `document` lists 403."""
    fn.__occ_forbids__ = True
    return fn


def _calls(dependant) -> Iterable[Any]:  # noqa: ANN001
    for d in dependant.dependencies:
        yield d.call
        yield from _calls(d)


def _api_routes(routes: Iterable[Any]) -> Iterable[APIRoute]:
    for r in routes:
        if isinstance(r, APIRoute):
            yield r
        elif hasattr(r, "original_router"):  # an included router (FastAPI builds its routes lazily)
            yield from _api_routes(r.original_router.routes)


def document(app: FastAPI) -> None:
    """Completes each route's `responses` (before the OpenAPI document is first built)."""
    from fastapi.security import HTTPBearer

    from ..services import idempotency

    from .deps import current_user
    from .edge import EdgeGuard
    for route in _api_routes(app.router.routes):
        if route.path.startswith(EdgeGuard.SKIP):
            continue  # answered by their own protocol before the guard and the routes (OsmAnd)
        codes = {422}  # the guard checks every URL
        calls = list(_calls(route.dependant))
        if any(c is current_user or (isinstance(c, HTTPBearer) and c.auto_error) for c in calls):
            codes.add(401)
        if any(getattr(c, "__occ_forbids__", False) for c in calls):
            codes.add(403)
        if "bounded" in getattr(route.endpoint, "__code__", None).co_names:
            codes.add(503)  # a read under ctx.db.bounded(): past its time bound the answer is 503
        if "POST" in route.methods:
            codes.add(413)
            if not route.path.startswith(idempotency.EXCLUDED_PREFIXES):
                codes.add(409)  # the same Idempotency-Key still running
        for code in sorted(codes):
            route.responses.setdefault(code, {"description": DESCRIPTIONS[code]})
        for code, spec in route.responses.items():  # the shared model wherever no other is given
            if isinstance(code, int) and code >= 400 and not spec.get("model") and not spec.get("content"):
                spec["model"] = ErrorOut
                spec.setdefault("description", DESCRIPTIONS.get(code, "Error"))
                # FastAPI turns `model` into a field when the route is built: do its step here
                route.response_fields[code] = create_model_field(
                    name=f"Response_{code}_{route.unique_id}", type_=ErrorOut, mode="serialization")
