"""The demo's first start from an empty data directory, as `python -m app --demo` prints it
(`first start: … after N s`): progress window, demo server answering, main window, city on the map.

Two runs, each from an empty data dir (OCC_DEMO_DATA_DIR) in a temp folder:
- cold: an empty city cache (OCC_DEMO_CACHE), the very first start on a machine: the city is
  built from the OSM extract and loaded, then cached;
- warm: the cache that run left (what `make run` prepares once with `make demo-cache`): the city,
  its reference data and accounts are copied.
Patrols and the 90-day history are written in the background in both (not part of the figures).
The client runs offscreen and exits after a 1920×1080 screenshot. Prints one JSON line, with the
load average, since the machine may be shared.

    .venv/bin/python benchmarks/bench_first_start.py [--warm-only [--cache DIR]]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINE = re.compile(r"first start: (.+?) after ([0-9.]+) s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(tmp: Path, name: str, cache: Path) -> dict:
    env = {**os.environ, "OCC_DEMO_DATA_DIR": str(tmp / f"data-{name}"), "OCC_DEMO_CACHE": str(cache),
           "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "app", "--demo", "--demo-port", str(free_port()),
                          "--screenshot", str(tmp / f"{name}.png"), "--size", "1920x1080", "--settle", "0.5"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    figures = {m.group(1).replace(" ", "_"): float(m.group(2)) for m in LINE.finditer(out.stdout)}
    figures["exit"] = out.returncode
    figures["wall_s"] = round(time.perf_counter() - t0, 1)
    if out.returncode:
        figures["stderr_tail"] = out.stderr[-400:]
    return figures


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--warm-only", action="store_true", help="prepare the cache untimed, then time a warm start")
    p.add_argument("--cache", default=None, help="with --warm-only: a city cache to reuse (default: a new temp one)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="occ-bench-first-start-") as t:
        tmp = Path(t)
        cache = Path(args.cache) if args.cache and args.warm_only else tmp / "cache"
        result: dict = {"cores": os.cpu_count(), "load_1min_before": round(os.getloadavg()[0], 1)}
        if args.warm_only:
            subprocess.run([sys.executable, "-m", "server_stub.citydata.demo_cache"], cwd=ROOT, check=True,
                           env={**os.environ, "OCC_DEMO_CACHE": str(cache), "PYTHONPATH": str(ROOT)},
                           capture_output=True)
        else:
            result["cold"] = run(tmp, "cold", cache)
        result["warm"] = run(tmp, "warm", cache)
        result["load_1min_after"] = round(os.getloadavg()[0], 1)
        print(json.dumps(result))


if __name__ == "__main__":
    main()
