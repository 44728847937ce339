"""Starts the server on the built-in demo city as a child process for `python -m app --demo`,
and stops it when the client exits. Its data (database, photos, the city) live in
$OCC_DEMO_DATA_DIR, else var/demo; the prepared city is cached across data dirs
(server_stub/citydata/demo_cache.py, $OCC_DEMO_CACHE)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port(preferred: int = 8000) -> int:
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port")


class DemoServer:
    def __init__(self, data_dir: Path | None = None, port: int | None = None):
        self.data_dir = data_dir or Path(os.environ.get("OCC_DEMO_DATA_DIR") or ROOT / "var" / "demo")
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.log_path = self.data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def launch(self) -> None:
        """Starts the process and returns at once (the client shows its progress meanwhile)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server_stub", "--demo", "--port", str(self.port),
             "--data-dir", str(self.data_dir), "--db", f"sqlite:///{self.data_dir / 'demo.sqlite'}"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)

    def health(self, timeout: float = 0.5) -> dict | None:
        """The server's /api/health answer, or None while it does not answer (call off the UI thread).
        Raises RuntimeError when the process has stopped."""
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"the demo server stopped (exit {self.proc.returncode}); see {self.log_path}")
        try:
            r = requests.get(f"{self.url}/api/health", timeout=timeout)
            return r.json() if r.ok else None
        except (requests.RequestException, ValueError):
            return None

    def last_log_line(self) -> str:
        """What the server said last in this run (its progress while it builds the demo city)."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(max(getattr(self, "_log_start", 0), self.log_path.stat().st_size - 4000))
                lines = [ln for ln in f.read().decode("utf-8", "replace").splitlines() if ln.strip()]
        except OSError:
            return ""
        return lines[-1].split(": ", 1)[-1][:160] if lines else ""

    def start(self, timeout: float = 600.0) -> None:
        """Starts it and waits until it answers (the first start builds the demo city)."""
        self.launch()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the demo server stopped (exit {self.proc.returncode}); see {self.log_path}")
            try:
                if requests.get(f"{self.url}/api/health", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the demo server did not answer within {timeout:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
