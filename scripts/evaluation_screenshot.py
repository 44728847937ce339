"""A screenshot of the evaluation window (综合评价) as a leader sees it, against a running server:

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/evaluation_screenshot.py \
        --server http://127.0.0.1:PORT --period 2026-10 --out docs/screenshots/evaluation_1920x1080.png

Logs in (demo password 'demo'), opens the main window, waits for the city, opens the evaluation
from its menu entry with the period given, waits until every part has arrived, puts the choropleth
on the main map too, and saves the evaluation window at the size given."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--user", default="leader")
    p.add_argument("--password", default="demo")
    p.add_argument("--period", default=None, help="YYYY-MM, YYYY-Qn or YYYY-MM-DD..YYYY-MM-DD")
    p.add_argument("--tab", type=int, default=0, help="0 departments, 1 posts, 2 regions")
    p.add_argument("--size", default="1920x1080")
    p.add_argument("--lang", default="zh_CN")
    p.add_argument("--out", default="docs/screenshots/evaluation_1920x1080.png")
    p.add_argument("--pdf", default=None, help="also export the PDF report there")
    a = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import tempfile
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="occ-eval-shot-")  # no saved layouts
    from PySide6.QtCore import QCoreApplication, QElapsedTimer
    from PySide6.QtWidgets import QApplication

    from app.api.client import ApiClient
    from app.i18n import install_translator
    from app.widgets.evaluation_menu import open_evaluation
    from app.widgets.main_window import MainWindow
    app = QApplication(sys.argv[:1])
    install_translator(app, a.lang)
    client = ApiClient(a.server)
    session = client.login(a.user, a.password)
    win = MainWindow(client, session, client.city())
    win.show()
    if not win.wait_until_loaded(120_000):
        print("the city did not load", file=sys.stderr)
        return 1
    done: list[float] = []
    ew = open_evaluation(win)
    ew.loaded.connect(lambda _p, secs: done.append(secs))
    if a.period:
        done.clear()
        ew.picker.set_period(a.period)
    w, h = (int(v) for v in a.size.split("x"))
    ew.resize(w, h)
    ew.tabs.setCurrentIndex(a.tab)
    t = QElapsedTimer()
    t.start()
    while not done and t.elapsed() < 120_000:
        QCoreApplication.processEvents()
    ew.map.on_main.setChecked(True)
    t.restart()
    while t.elapsed() < 1500:  # the map and the charts draw
        QCoreApplication.processEvents()
    ew.map.canvas.wait_for_render()
    QCoreApplication.processEvents()
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    ew.grab().save(str(out))
    if a.pdf:
        ew.export_pdf(a.pdf)
    print(f"{out}: evaluation of {ew.period} shown in {done[0] if done else float('nan'):.2f} s")
    win.close()
    return 0 if done else 1


if __name__ == "__main__":
    sys.exit(main())
