"""Finding the Python that has PyQGIS, and the environment its renderer processes run with.

QGIS's Python bindings belong to the system interpreter (Debian: /usr/bin/python3 with
python3-qgis), not to the server's venv, and must never share a process with PySide6. So the server
never imports qgis: it probes an interpreter once (``OCC_QGIS_PYTHON`` if set, else /usr/bin/python3)
and starts renderer processes with it.
"""
from __future__ import annotations

import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PYTHON = "/usr/bin/python3"
PROBE = "import qgis.core, sys; sys.stdout.write(qgis.core.Qgis.QGIS_VERSION)"

_lock = threading.Lock()
_probing = threading.Lock()  # one probe at a time; later callers wait for its answer
_probed: dict[str, "QgisStatus"] = {}


@dataclass(frozen=True)
class QgisStatus:
    python: str | None       # the interpreter to start renderers with; None when unavailable
    version: str = ""
    reason: str = ""         # why QGIS is unavailable (empty when available)

    @property
    def available(self) -> bool:
        return self.python is not None

    def message(self) -> str:
        if self.available:
            return f"QGIS {self.version} basemap renderer ({self.python})"
        return (f"the QGIS basemap renderer is unavailable: {self.reason}; clients draw the vector basemap "
                "themselves (install QGIS, e.g. apt install python3-qgis, or set OCC_QGIS_PYTHON to a Python "
                "that can import qgis.core)")


def worker_env(python: str | None = None) -> dict[str, str]:
    """Environment for a QGIS process: headless Qt, none of the venv's Python settings."""
    env = dict(os.environ)
    for key in ("PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "PYTHONSAFEPATH", "QT_PLUGIN_PATH",
                "QML2_IMPORT_PATH", "PYSIDE_DESIGNER_PLUGINS"):
        env.pop(key, None)
    if not os.environ.get("OCC_QGIS_PYTHON"):
        env.pop("PYTHONPATH", None)  # a custom interpreter may need it; the system one must not see ours
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.setdefault("XDG_RUNTIME_DIR", _runtime_dir())
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _runtime_dir() -> str:
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"occ-qgis-runtime-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    return str(path)


def probe(python: str | None = None, *, timeout: float = 60.0, refresh: bool = False) -> QgisStatus:
    """Whether ``python`` (default: OCC_QGIS_PYTHON or /usr/bin/python3) can import qgis.core.

    The answer is cached per interpreter for the life of the process (the probe takes about a second)."""
    python = python or os.environ.get("OCC_QGIS_PYTHON") or DEFAULT_PYTHON
    with _probing:
        with _lock:
            if not refresh and python in _probed:
                return _probed[python]
        status = _probe(python, timeout)
        with _lock:
            _probed[python] = status
        return status


def _probe(python: str, timeout: float) -> QgisStatus:
    if not (os.path.isfile(python) and os.access(python, os.X_OK)):
        return QgisStatus(None, reason=f"{python} is not an executable file")
    try:
        r = subprocess.run([python, "-c", PROBE], capture_output=True, text=True, timeout=timeout,
                           env=worker_env(python), stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        return QgisStatus(None, reason=f"{python} could not be run: {e}")
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or [f"exit code {r.returncode}"])[-1]
        return QgisStatus(None, reason=f"{python} cannot import qgis.core ({last})")
    return QgisStatus(python, version=r.stdout.strip())
