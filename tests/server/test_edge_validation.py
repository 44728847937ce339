"""Bad input of every kind is answered 4xx naming the place, never 500, on SQLite and PostgreSQL;
the OpenAPI document lists what each route answers; a router that fails to import stops the start."""
from __future__ import annotations

import json
import sys

import pytest

from server_stub.app import RouterImportError, create_app
from server_stub.settings import Settings

from .casekit import EVENT

BIG = str(2**63)
J = {"Content-Type": "application/json"}


def _case(**over) -> bytes:
    return json.dumps({**EVENT, **over}, allow_nan=True).encode()


# (method, path, raw body or None, expected status, expected loc of the first error or None)
HOSTILE = [
    ("POST", "/api/cases", _case(lon=float("nan")), 422, ["body", "lon"]),
    ("POST", "/api/cases", _case(lat=float("inf")), 422, ["body", "lat"]),
    ("POST", "/api/cases", _case().replace(b"120.6", b"1e400"), 422, ["body", "lon"]),
    ("POST", "/api/cases/1/actions/request_extension", b'{"amount": -Infinity}', 422, ["body", "amount"]),
    ("GET", f"/api/cases/{BIG}", None, 422, ["path", "case_id"]),
    ("GET", f"/api/cases/{2**31}/events", None, 422, ["path", "case_id"]),  # PostgreSQL integer keys
    ("GET", "/api/cases?offset=99999999999999999999", None, 422, ["query", "offset"]),
    ("POST", f"/api/cases/{BIG}/actions/urge", b"{}", 422, ["path", "case_id"]),
    ("GET", f"/api/cases?department_id={BIG}", None, 422, ["query", "department_id"]),
    ("GET", f"/api/cases/duplicates?lon=1&lat=1&kind=event&class_code=0102&exclude_id={BIG}", None, 422,
     ["query", "exclude_id"]),
    ("POST", "/api/cases/1/merge", f'{{"into_case_id": {BIG}}}'.encode(), 422, ["body", "into_case_id"]),
    ("POST", "/api/cases/1/merge", b'{"into_case_id": ' + b"9" * 5000 + b"}", 422, ["body"]),
    ("GET", f"/api/ref/departments/{BIG}", None, 422, ["path", "dept_id"]),
    ("GET", f"/api/positions/track?inspector_id={BIG}", None, 422, ["query", "inspector_id"]),
    ("GET", "/api/cases?created_from=0001-01-01T00:00:00%2B08:00", None, 422, ["query", "created_from"]),
    ("GET", "/api/cases?created_to=9999-12-31T23:59:59-08:00", None, 422, ["query", "created_to"]),
    ("GET", "/api/cases?created_to=2026-01-01T00:00:00", None, 422, ["query", "created_to"]),  # no zone
    ("GET", "/api/positions/track?inspector_id=1&start=0001-01-01T00:00:00%2B14:00", None, 422,
     ["query", "start"]),
    ("POST", "/api/cases", _case(description="\ud800"), 422, ["body", "description"]),
    ("POST", "/api/cases", _case().replace(b'"event"', b'"ev\xed\xa0\x80"'), 422, ["body", "kind"]),
    ("POST", "/api/auth/login", b'{"username": "\\udfff", "password": "x"}', 422, ["body", "username"]),
    ("POST", "/api/cases", _case(address="a\x00b"), 422, ["body", "address"]),
    ("POST", "/api/auth/login", b'{"username": "a\\u0000", "password": "x"}', 422, ["body", "username"]),
    ("GET", "/api/cases?q=a%00b", None, 422, ["query", "q"]),
    ("GET", "/api/ref/grids/32%00", None, 422, ["path"]),
    ("GET", "/api/cases?q=" + "x" * 60_000, None, 422, ["query", "q"]),
    ("POST", "/api/cases", b"[" * 30_000 + b"]" * 30_000, 422, ["body"]),
    ("POST", "/api/cases", b'{"a":' * 40 + b"1" + b"}" * 40, 422, ["body"] + ["a"] * 33),
    ("POST", "/api/cases", b'{"kind": ', 422, ["body", 9]),
    ("POST", "/api/cases", b'{"kind": "\xff"}', 422, ["body"]),
    ("POST", "/api/cases", b'{"description": "' + b"x" * 300_000 + b'"}', 413, None),
    ("GET", "/api/cases?bbox=nan,nan,nan,nan", None, 422, ["query", "bbox"]),
    ("GET", "/api/ref/grids/at?lon=nan&lat=1", None, 422, ["query", "lon"]),
]


def test_hostile_inputs_are_refused_naming_the_field(world) -> None:
    for method, path, body, status, loc in HOSTILE:
        r = world.client.request(method, path, content=body, headers={**world.h("admin"), **J})
        assert r.status_code == status, (method, path[:80], r.status_code, r.text[:300])
        assert len(r.content) < 2000, "the answer must not echo the input"
        if loc is not None:
            detail = r.json()["detail"]
            assert isinstance(detail, list) and detail[0]["loc"] == loc, (path[:80], detail)
            assert "input" not in detail[0]


def test_open311_dates_and_forms(world) -> None:
    r = world.client.get("/open311/v2/requests.json?start_date=0001-01-01T00:00:00%2B08:00")
    assert r.status_code == 400 and "1900" in r.json()[0]["description"]
    r = world.client.post("/open311/v2/requests.json", data={
        "api_key": "demo-open311-key", "service_code": "event-0102", "lat": "31.3", "long": "120.6",
        "description": "a\x00b"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "description"]


def test_valid_input_still_passes(world) -> None:
    """The guard passes a body it checked on unchanged (a report with Chinese text and a photo list)."""
    r = world.client.post("/api/cases", content=_case(description="井盖缺失 \U0001F6A7", photo_hashes=[]),
                          headers={**world.h("acceptor"), **J})
    assert r.status_code == 201, r.text
    assert r.json()["description"] == "井盖缺失 \U0001F6A7"


def test_openapi_lists_what_each_route_answers(tmp_path) -> None:
    spec = create_app(Settings(db=f"sqlite:///{tmp_path}/x.sqlite", data_dir=tmp_path / "d")).openapi()
    detail = spec["components"]["schemas"]["ErrorOut"]["properties"]["detail"]
    assert {a.get("type") for a in detail["anyOf"]} == {"string", "array"}
    ops = {(m.upper(), p): op for p, item in spec["paths"].items() for m, op in item.items()}
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for (method, path), op in ops.items():
        if path.startswith("/osmand"):
            continue
        assert "422" in op["responses"], (method, path)
        if method == "POST":
            assert "413" in op["responses"], (method, path)
    assert {"401", "403", "404", "409", "422"} <= set(ops[("POST", "/api/cases/{case_id}/actions/{action}")]["responses"])
    assert {"401", "404"} <= set(ops[("GET", "/api/cases/{case_id}")]["responses"])
    assert "401" in ops[("POST", "/api/auth/login")]["responses"]
    assert "401" not in ops[("GET", "/api/health")]["responses"]


def test_a_router_that_fails_to_import_stops_the_start(tmp_path, monkeypatch) -> None:
    import server_stub.api
    monkeypatch.setitem(sys.modules, "server_stub.api.tiles", None)  # importing it raises ImportError
    monkeypatch.delattr(server_stub.api, "tiles", raising=False)
    with pytest.raises(RouterImportError, match="server_stub.api.tiles"):
        create_app(Settings(db=f"sqlite:///{tmp_path}/x.sqlite", data_dir=tmp_path / "d"))
