"""Hostile requests against a live server process (benchmarks/bench_hostile.py, one round): every
one answered 4xx in under a second, the server's memory within 50 MB of its idle size."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_hostile_requests_answered_4xx_fast_and_small() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_hostile.py"), "--rounds", "1"],
                         capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert figures["requests"] >= 45
    assert figures["non_4xx_or_slow"] == 0, figures["failures"]
    assert figures["slowest_s"] < 1.0
    assert figures["rss_growth_mb"] < 50, figures
