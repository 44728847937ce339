"""10 `kill -9` of a real server process during bursts of retried reports and actions: every
acknowledged request is stored exactly once (no case lost or doubled, no log row or urge counted
twice). The stored answer of an Idempotency-Key commits with the change it answers
(services/idempotency.py). Prints one JSON line of figures (`pytest ... -s`) for the README."""
from __future__ import annotations

import json

import pytest

from . import crashkit
from .conftest import PG_URL, _pg_reset


def _check(fig: dict) -> None:
    print(json.dumps({"test": "crash_retries", **fig}))
    assert fig["kills"] == 10
    assert fig["reports"] > 0 and fig["requests"] >= fig["reports"] * (2 + crashkit.URGES)
    assert fig["lost"] == 0 and fig["doubled"] == 0 and fig["wrong_urge_counts"] == 0, fig


def test_kill9_during_retried_bursts_sqlite(tmp_path):
    _check({"db": "sqlite", **crashkit.run(f"sqlite:///{tmp_path}/occ.sqlite", tmp_path)})


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set OCC_TEST_PG_URL")
def test_kill9_during_retried_bursts_postgresql(tmp_path):
    _pg_reset(PG_URL)
    _check({"db": "postgresql", **crashkit.run(PG_URL, tmp_path)})
