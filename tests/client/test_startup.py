"""The demo's first start, visible (app/widgets/startup.py): the progress window shows at once with
what the server says it is doing, while a slow server starts, and hands over when it answers; a
server that dies is reported. The server is a real child process (app.demo_server.DemoServer with
a stand-in command): it logs a step, waits for the test to let it go, then answers /api/health."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from app.demo_server import DemoServer
from app.widgets.startup import DemoStartup

SLOW_SERVER = textwrap.dedent("""
    import http.server, json, sys, time
    from pathlib import Path
    port, go = int(sys.argv[1]), Path(sys.argv[2])
    print("INFO occ.demo: building the demo city package (first start)", flush=True)
    while not go.exists():  # as slow as the test wants: the city is "being built"
        time.sleep(0.05)
    print("INFO occ.demo: demo: components: 6211 inserted", flush=True)

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"status": "ok"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
""")


class SlowDemo(DemoServer):
    """DemoServer whose process is the stand-in above (or one that exits at once)."""

    def __init__(self, data_dir: Path, script: str):
        super().__init__(data_dir=data_dir)
        self.script, self.go = script, data_dir / "go"

    def launch(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._log_start = 0
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([sys.executable, "-c", self.script, str(self.port), str(self.go)],
                                     stdout=log, stderr=subprocess.STDOUT)


@pytest.fixture
def slow_demo(tmp_path):
    demo = SlowDemo(tmp_path / "demo", SLOW_SERVER)
    yield demo
    demo.stop()


def test_progress_window_shows_at_once_and_hands_over(qtbot, slow_demo):
    t0 = time.perf_counter()
    splash = DemoStartup(slow_demo)
    qtbot.addWidget(splash)
    splash.start()
    qtbot.waitUntil(splash.isVisible, timeout=3000)
    assert time.perf_counter() - t0 < 3.0  # the window is there before the server does anything
    # it shows the server's own progress while the server does not answer yet
    qtbot.waitUntil(lambda: "building the demo city package" in splash.detail.text(), timeout=3000)
    assert splash.bar.maximum() == 0 and splash.timer.isActive()  # busy, still polling
    slow_demo.go.touch()  # the city is built: the server answers
    with qtbot.waitSignal(splash.ready, timeout=10000):
        pass
    assert not splash.timer.isActive()


def test_a_server_that_dies_is_reported(qtbot, tmp_path):
    demo = SlowDemo(tmp_path / "demo", "import sys; print('ERROR boom: no city', flush=True); sys.exit(3)")
    splash = DemoStartup(demo)
    qtbot.addWidget(splash)
    with qtbot.waitSignal(splash.failed, timeout=10000) as sig:
        splash.start()
    assert "exit 3" in sig.args[0] and str(demo.log_path) in sig.args[0]
