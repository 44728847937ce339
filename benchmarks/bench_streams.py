"""The demo's camera streams: how long the first start's rendering takes, and what serving them costs.

Renders every HLS loop (4 variants × sub 640×360 + main 1280×720) with ffmpeg into a temporary
folder, starts the server (its own process, `python -m server_stub` on that data folder), then
times live playlist and segment requests, and has ffmpeg play N sub streams at once from the live
edge for a few seconds (frames decoded per stream and second, as a video wall would).

    .venv/bin/python benchmarks/bench_streams.py [--requests 400] [--players 4] [--seconds 5]

Prints ONE JSON line: render_s (all loops), render_mb, playlist_p50_ms, playlist_p99_ms,
segment_p50_ms, segment_p99_ms, players, fps_per_player_min, median_fps, server_cpu_s_per_s (the server's CPU
while the players played: ~0, nothing is encoded per request).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ms(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(q * len(xs)))] * 1000, 2)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--players", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()
    from server_stub.citydata import streams
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="occ-bench-streams-") as tmp:
        data = Path(tmp) / "data"
        took = streams.prepare_streams(data)
        if took is None:
            print(json.dumps({"error": "ffmpeg missing or failed"}))
            return
        out["render_s"] = round(took, 2)
        out["render_mb"] = round(sum(p.stat().st_size for p in streams.hls_dir(data).rglob("*")) / 1e6, 1)
        port = _free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OCC_QGIS_PYTHON": "/nonexistent"}
        srv = subprocess.Popen([sys.executable, "-m", "server_stub", "--port", str(port), "--data-dir", str(data),
                                "--db", f"sqlite:///{tmp}/occ.sqlite"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 120
            while time.time() < deadline:
                try:
                    if requests.get(f"{base}/api/health", timeout=1).ok:
                        break
                except requests.RequestException:
                    time.sleep(0.2)
            s = requests.Session()
            pl, seg = [], []
            for i in range(args.requests):
                name = "abcd"[i % 4]
                t0 = time.perf_counter()
                r = s.get(f"{base}/streams/{name}/sub.m3u8")
                pl.append(time.perf_counter() - t0)
                last = [ln for ln in r.text.splitlines() if ln and not ln.startswith("#")][-1]
                t0 = time.perf_counter()
                s.get(f"{base}/streams/{name}/{last}").content
                seg.append(time.perf_counter() - t0)
            out.update(playlist_p50_ms=_ms(pl, 0.5), playlist_p99_ms=_ms(pl, 0.99),
                       segment_p50_ms=_ms(seg, 0.5), segment_p99_ms=_ms(seg, 0.99))
            ffmpeg = shutil.which("ffmpeg")
            cpu0, t0 = _cpu_s(srv.pid), time.perf_counter()
            players = [subprocess.Popen([ffmpeg, "-v", "error", "-re", "-i", f"{base}/streams/{'abcd'[i % 4]}/sub.m3u8",
                                         "-t", str(args.seconds), "-f", "null", "-", "-progress", "pipe:1"],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                       for i in range(args.players)]
            frames = []
            for p in players:
                txt, _ = p.communicate(timeout=args.seconds + 60)
                frames.append(max([int(x) for x in re.findall(r"^frame=(\d+)", txt, re.M)] or [0]))
            wall = time.perf_counter() - t0
            out.update(players=args.players, fps_per_player_min=round(min(frames) / args.seconds, 1),
                       server_cpu_s_per_s=round((_cpu_s(srv.pid) - cpu0) / wall, 3),
                       playlist_requests=args.requests, median_fps=statistics.median(frames) / args.seconds)
        finally:
            srv.terminate()
            srv.wait(10)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
