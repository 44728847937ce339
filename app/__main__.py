"""`python -m app`: the command-centre client.

    python -m app --demo                      start the built-in demo city's server and log in to it
    python -m app --server http://host:8000   log in to a running server
    python -m app --wall --screens 0,1 --user wall --password …   the hall's big screen (no dialogs)
"""
from __future__ import annotations

import argparse
import logging
import sys
import time


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m app", description="OpenCityCommand command-centre client")
    p.add_argument("--server", default=None, help="server URL (default http://127.0.0.1:8000)")
    p.add_argument("--demo", action="store_true", help="start the demo city's server and log in to it")
    p.add_argument("--demo-port", type=int, default=None, help="with --demo: the server's port (default 8000 if free)")
    p.add_argument("--user", default=None, help="user name (the demo uses 'dispatcher')")
    p.add_argument("--password", default=None)
    p.add_argument("--lang", default="zh_CN", help="UI language: zh_CN (default) or en")
    p.add_argument("--night", action="store_true", help="start with the night basemap (command hall at night)")
    p.add_argument("--screenshot", default=None, help="save a screenshot of the main window there and exit")
    p.add_argument("--scale", type=float, default=None, help="with --screenshot: map scale denominator, e.g. 500")
    p.add_argument("--show-case", type=int, default=None, help="with --screenshot: open this case's detail")
    p.add_argument("--size", default=None, help="with --screenshot: window size, e.g. 1920x1080")
    p.add_argument("--wall", action="store_true",
                   help="big-screen mode for the hall's wall: full screen, read-only, never a dialog; the "
                        "account comes from --user/--password or OCC_WALL_USER/OCC_WALL_PASSWORD")
    p.add_argument("--screens", default=None, help="with --wall: the screens to span, e.g. 0 or 0,1,2")
    p.add_argument("--settle", type=float, default=6.0, help="with --screenshot: seconds to let tiles arrive")
    return p.parse_args(argv)


def _preload_client(t0: float) -> None:
    import app.api.client  # noqa: F401
    import app.widgets.main_window  # noqa: F401
    print(f"first start: client modules loaded after {time.perf_counter() - t0:.1f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    t0 = time.perf_counter()
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

    from app.i18n import install_translator

    app = QApplication(sys.argv[:1])
    app.setApplicationName("OpenCityCommand")
    app.setOrganizationName("OpenCityCommand")
    install_translator(app, args.lang)

    demo = None
    server = args.server or "http://127.0.0.1:8000"
    user, password = args.user or "", args.password or ""
    if args.demo:
        from app.demo_server import DemoServer
        from app.widgets.startup import DemoStartup
        demo = DemoServer(port=args.demo_port)
        print("starting the demo server (the first start builds the demo city: see the window)…", flush=True)
        splash = DemoStartup(demo)
        QTimer.singleShot(0, lambda: print(f"first start: progress window after {time.perf_counter() - t0:.1f} s",
                                           flush=True))
        # the main window's modules load while the server starts (the window is already up): on 2
        # loaded cores they took ~10 s after the server answered
        QTimer.singleShot(300, lambda: _preload_client(t0))
        error = splash.wait()
        splash.close()
        if error:
            QMessageBox.critical(None, "OpenCityCommand", error)
            return 2
        print(f"first start: demo server answering after {time.perf_counter() - t0:.1f} s", flush=True)
        server = demo.url
        user, password = user or "dispatcher", password or "demo"
        print(f"demo server at {server}; log in as {user} / {password}", flush=True)
    if args.wall:
        import os

        from app.wall.launch import run_wall
        user = user or os.environ.get("OCC_WALL_USER") or ("leader" if args.demo else "")
        password = password or os.environ.get("OCC_WALL_PASSWORD") or ("demo" if args.demo else "")
        screens = [int(v) for v in args.screens.split(",")] if args.screens else None
        try:
            return run_wall(app, server, user, password, screens, size=args.size, screenshot=args.screenshot,
                            settle=args.settle)
        finally:
            if demo:
                demo.stop()
    try:
        from app.api.client import ApiClient
        from app.widgets.login_dialog import LoginDialog
        from app.widgets.main_window import MainWindow

        if user and password and (args.screenshot or args.demo):
            client = ApiClient(server)
            session = client.login(user, password)
        else:
            dlg = LoginDialog(server, user, password)
            if dlg.exec() != QDialog.Accepted:
                return 1
            client, session = dlg.client, dlg.session
        profile = client.city()
        from app.api import city_config
        try:
            city_config.load(client)  # the city's clock and workflow: deadlines and panels follow them
        except Exception as e:  # noqa: BLE001 - an older server: the national defaults, said in the log
            logging.getLogger("occ.client").warning("city clock/workflow not loaded (%s): using defaults", e)
        win = MainWindow(client, session, profile, night=args.night)
        if args.size:
            w, h = (int(v) for v in args.size.lower().split("x"))
            win.resize(w, h)
        win.show()
        if demo is not None:
            from app.widgets.startup import follow_history
            print(f"first start: main window after {time.perf_counter() - t0:.1f} s", flush=True)
            win.data.cityLoaded.connect(lambda _c: print(
                f"first start: city on the map after {time.perf_counter() - t0:.1f} s", flush=True))
            win._history_timer = follow_history(demo, win.status, on_done=lambda: (win.events.resync.emit(), print(
                f"first start: history written after {time.perf_counter() - t0:.1f} s", flush=True)))
        if args.screenshot:
            win.wait_until_loaded()
            if args.show_case:
                win.show_case(args.show_case)
            if args.scale:
                win.canvas.zoom_to_scale(args.scale)
            win.settle(args.settle)
            win.grab().save(args.screenshot)
            win.close()
            return 0
        return app.exec()
    finally:
        if demo:
            demo.stop()


if __name__ == "__main__":
    sys.exit(main())
