"""Screenshots of every role's window against a running server, day and night, at a given size:

    .venv/bin/python scripts/role_screenshots.py --server http://127.0.0.1:8000 --out docs/screenshots

Each one runs `python -m app --screenshot` in its own process (offscreen), so one role's settings
never leak into the next. The demo accounts' password is 'demo'."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROLES = ("acceptor", "shift_leader", "dispatcher", "leader", "water_supply", "caixiaodong")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--out", default="screenshots/tmp")
    p.add_argument("--size", default="1920x1080")
    p.add_argument("--roles", default=",".join(ROLES))
    p.add_argument("--lang", default="zh_CN")
    p.add_argument("--modes", default="day,night")
    p.add_argument("--settle", default="5")
    a = p.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    import tempfile
    config = tempfile.mkdtemp(prefix="occ-shots-")  # no saved layouts: the default one is shown
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "XDG_CONFIG_HOME": config}
    for user in a.roles.split(","):
        for mode in a.modes.split(","):
            path = out / f"role_{user}_{mode}.png"
            cmd = [sys.executable, "-m", "app", "--server", a.server, "--user", user, "--password", "demo",
                   "--screenshot", str(path), "--size", a.size, "--settle", a.settle, "--lang", a.lang]
            if mode == "night":
                cmd.append("--night")
            r = subprocess.run(cmd, env=env, capture_output=True, text=True)
            print(path, "ok" if r.returncode == 0 else f"failed: {r.stderr[-400:]}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
