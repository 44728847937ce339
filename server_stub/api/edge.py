"""The edge guard: what pydantic cannot see, refused before any router runs.

An ASGI middleware (outermost of the application's own) that answers 422 naming the place for
- a NUL character in the path or in a query parameter (PostgreSQL cannot store it);
- a JSON body that is not UTF-8 JSON, nested deeper than MAX_DEPTH (30,000 levels would blow the
  parser's stack), or holding NaN/Infinity (not JSON; Python's parser takes them), an integer
  beyond 64 bits, or a string with NUL or a lone UTF-16 surrogate ("\\ud800": no database and no
  UTF-8 answer can carry it);
- a form body (application/x-www-form-urlencoded) with NUL;
and 413 for a JSON or form body over BODY_MAX bytes (declared or streamed). Multipart bodies
(photos) keep their own limit. The JSON is parsed once more by FastAPI: for bodies this small the
second parse costs microseconds.
"""
from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..schemas.types import INT64_MAX
from .errors import error_body

BODY_MAX = 256 * 1024  # the largest JSON body of the API (an action with three 4,000-character texts) is < 80 KB
MAX_DEPTH = 32  # the deepest body of the API is 3 levels
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Refusal(Exception):
    def __init__(self, status: int, loc: list, msg: str, kind: str = "value_error"):
        super().__init__(msg)
        self.status, self.loc, self.msg, self.kind = status, loc, msg, kind


def _text_problem(s: str) -> str | None:
    if "\x00" in s:
        return "must not contain a NUL character (\\u0000)"
    if not s.isascii():
        try:
            s.encode("utf-8")
        except UnicodeEncodeError:
            return "must not contain a lone UTF-16 surrogate (e.g. \\ud800): not valid Unicode text"
    return None


def check_value(value: Any, loc: list, depth: int = 0) -> None:
    """Raises Refusal for the first value that no schema, database or answer can hold."""
    if depth > MAX_DEPTH:
        raise Refusal(422, loc, f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        problem = _text_problem(value)
        if problem:
            raise Refusal(422, loc, problem, "string_type")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise Refusal(422, loc, "must be a finite number (NaN and Infinity are not JSON)", "finite_number")
    elif isinstance(value, int):
        if not -INT64_MAX - 1 <= value <= INT64_MAX:
            raise Refusal(422, loc, "is beyond the 64-bit integer range", "int_too_big")
    elif isinstance(value, dict):
        for k, v in value.items():
            problem = _text_problem(k)
            if problem:
                raise Refusal(422, loc, f"a key {problem}", "string_type")
            check_value(v, loc + [k], depth + 1)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            check_value(v, loc + [i], depth + 1)


def check_json(body: bytes) -> None:
    try:
        data = json.loads(body)
    except json.JSONDecodeError as e:
        raise Refusal(422, ["body", e.pos], f"JSON decode error: {e.msg}", "json_invalid") from None
    except RecursionError:
        raise Refusal(422, ["body"], f"JSON nested deeper than {MAX_DEPTH} levels", "json_invalid") from None
    except ValueError as e:  # not UTF-8/16/32, or an integer of more than 4,300 digits
        msg = ("a number has too many digits" if "integer string conversion" in str(e)
               else "the body is not UTF-8 encoded JSON")
        raise Refusal(422, ["body"], msg, "json_invalid") from None
    check_value(data, ["body"])


def check_form(body: bytes) -> None:
    for k, v in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
        if "\x00" in k or "\x00" in v:
            raise Refusal(422, ["body", k.replace("\x00", "")], "must not contain a NUL character")


def check_url(scope: Scope) -> None:
    if "\x00" in scope.get("path", ""):
        raise Refusal(422, ["path"], "must not contain a NUL character")
    raw = scope.get("query_string", b"")
    if raw and (b"%00" in raw or b"\x00" in raw):
        for k, v in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
            if "\x00" in k or "\x00" in v:
                raise Refusal(422, ["query", k.replace("\x00", "")], "must not contain a NUL character")


def _body_kind(scope: Scope) -> str | None:
    for k, v in scope.get("headers", ()):
        if k == b"content-type":
            mime = v.split(b";", 1)[0].strip().lower()
            if mime == b"application/json" or (mime.startswith(b"application/") and mime.endswith(b"+json")):
                return "json"
            if mime == b"application/x-www-form-urlencoded":
                return "form"
            return None
    return None


def _declared_length(scope: Scope) -> int | None:
    for k, v in scope.get("headers", ()):
        if k == b"content-length":
            return int(v) if v.isdigit() else None
    return None


class EdgeGuard:
    """See the module docstring. `skip` lists path prefixes answered by their own protocol
    (OsmAnd phones understand plain-text 400s, not JSON)."""

    SKIP = ("/osmand",)

    def __init__(self, app: ASGIApp, skip: tuple[str, ...] = SKIP):
        self.app = app
        self.skip = skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.skip):
            await self.app(scope, receive, send)
            return
        try:
            check_url(scope)
            kind = _body_kind(scope) if scope["method"] in _BODY_METHODS else None
            if kind is not None:
                body = await self._read(scope, receive)
                if body:
                    (check_json if kind == "json" else check_form)(body)
                receive = _replay(body, receive)
        except Refusal as r:
            await _answer(send, r)
            return
        await self.app(scope, receive, send)

    async def _read(self, scope: Scope, receive: Receive) -> bytes:
        declared = _declared_length(scope)
        if declared is not None and declared > BODY_MAX:
            raise Refusal(413, ["body"], f"the body is larger than {BODY_MAX} bytes")
        chunks, size, more = [], 0, True
        while more:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                raise Refusal(400, ["body"], "the client went away")
            chunk = msg.get("body", b"")
            size += len(chunk)
            if size > BODY_MAX:
                raise Refusal(413, ["body"], f"the body is larger than {BODY_MAX} bytes")
            chunks.append(chunk)
            more = msg.get("more_body", False)
        return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect like the server would
    return replay


async def _answer(send: Send, r: Refusal) -> None:
    detail: Any = [{"type": r.kind, "loc": r.loc, "msg": r.msg}] if r.status == 422 else r.msg
    payload = error_body(detail)
    await send({"type": "http.response.start", "status": r.status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})
