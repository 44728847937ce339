"""The API fuzzed from its own OpenAPI document (schemathesis), a bounded run on SQLite and
PostgreSQL: no 5xx, and every answer's status code, content type and body as documented.
benchmarks/bench_schemathesis.py runs the same fuzzer with ≥ 5,000 requests for the README."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from .conftest import PASSWORD, seed_world

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_schemathesis.py"


def _fuzzer():
    spec = importlib.util.spec_from_file_location("bench_schemathesis", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.fuzz


@pytest.mark.slow
def test_schemathesis_bounded_run(live_server) -> None:
    pytest.importorskip("schemathesis")
    import requests
    seed_world(live_server.app)
    token = requests.post(f"{live_server.url}/api/auth/login",
                          json={"username": "admin", "password": PASSWORD}).json()["token"]
    # basemap tiles ask QGIS; they are fuzzed by the full run (the benchmark)
    out = _fuzzer()(live_server.url, token, examples=1, seed=14, skip_paths=("/tiles", "/wmts"))
    assert out["requests"] >= 100
    assert out["server_errors"] == 0 and out["schema_violations"] == 0, out["failures"]
