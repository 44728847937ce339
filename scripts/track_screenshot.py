"""A screenshot of track playback (轨迹回放) as the hall replays yesterday's patrols, against a
running demo server (its patrols are recorded for yesterday and today):

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/track_screenshot.py \
        --server http://127.0.0.1:PORT --out docs/screenshots/track_playback.png

Logs in as the shift leader (demo password 'demo'), waits for the city, opens the track dock,
chooses every inspector, loads yesterday, moves the clock to mid-morning, lets the playback run a
few frames, zooms to the tracks and saves the window at the size given."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--user", default="shift_leader")
    p.add_argument("--password", default="demo")
    p.add_argument("--inspectors", type=int, default=4, help="how many inspectors to replay")
    p.add_argument("--size", default="1920x1080")
    p.add_argument("--lang", default="zh_CN")
    p.add_argument("--out", default="docs/screenshots/track_playback.png")
    a = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="occ-track-shot-")  # no saved layouts
    from PySide6.QtCore import QCoreApplication, QDeadlineTimer
    from PySide6.QtWidgets import QApplication

    from app.api.client import ApiClient
    from app.i18n import install_translator
    from app.widgets.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    install_translator(app, a.lang)
    client = ApiClient(a.server)
    session = client.login(a.user, a.password)
    win = MainWindow(client, session, client.city())
    w, h = (int(v) for v in a.size.split("x"))
    win.resize(w, h)
    win.show()
    if not win.wait_until_loaded(120_000):
        print("the city did not load", file=sys.stderr)
        return 1
    panel = win.panels.get("tracks")
    if panel is None:
        print(f"{a.user} has no track playback dock", file=sys.stderr)
        return 1
    panel.parentWidget().show()
    panel.parentWidget().raise_()

    def pump_until(cond, ms: int) -> bool:  # noqa: ANN001
        deadline = QDeadlineTimer(ms)
        while not cond() and not deadline.hasExpired():
            QCoreApplication.processEvents()
        return cond()

    pump_until(lambda: bool(panel.inspectors), 30_000)
    panel.choose([i["inspector_id"] for i in panel.inspectors[:a.inspectors]])
    panel.preset_yesterday()
    done: list[bool] = []
    panel.loaded.connect(lambda *_: done.append(True))
    panel.load()
    if not pump_until(lambda: bool(done), 120_000):
        print("the tracks did not load", file=sys.stderr)
        return 1
    start, _end = panel.range()
    panel.clock.seek((start + timedelta(hours=10, minutes=30)).timestamp())  # mid-morning patrols
    panel.clock.play()
    pump_until(lambda: False, 1500)  # a few frames: heads, headings and trails move
    panel.clock.pause()
    win.canvas.wait_for_render(60)
    pump_until(lambda: False, 500)
    win.grab().save(a.out)
    print(a.out)
    win.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
