"""Screenshots of the video wall playing, in Chinese: docs/screenshots/video_wall_1+5.png and
video_wall_4x4.png. With --server (and --user/--password) the wall shows that server's cameras and
their streams (the demo's HLS and RTSP cameras); with --streams URL, sixteen named cameras play the
demo server's four live HLS variants; without either, ffmpeg test streams over local HTTP.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/video_wall_screenshots.py [--server URL]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

NAMES = ["人民路与中山路口", "中心街道办门前", "滨江公园东门", "火车站南广场", "胜利路步行街", "八一广场北侧",
         "青山湖大道", "阳明路菜市场", "洪都大道高架下", "象山路小学", "叠山路夜市", "孺子路公交站",
         "站前路出租车候客区", "红谷滩市民广场", "南京东路口", "北京西路隧道口"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--server")
    ap.add_argument("--user", default="dispatcher")
    ap.add_argument("--password", default="demo")
    ap.add_argument("--streams", help="a demo server's address: its live HLS variants /streams/a…d/ play")
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    a = ap.parse_args()
    from PySide6.QtCore import QCoreApplication, QSettings
    from PySide6.QtWidgets import QApplication

    from app.api.client import ApiClient
    from app.i18n import install_translator
    from app.video.wall_state import WallState
    from app.widgets.video_wall import VideoWall
    app = QApplication.instance() or QApplication([])
    install_translator(app, "zh_CN")
    with tempfile.TemporaryDirectory() as tmp:
        srv = None
        if a.server:
            client = ApiClient(a.server)
            client.login(a.user, a.password)
            cams = client.cameras()
        elif a.streams:
            client = ApiClient("http://127.0.0.1:9")
            base = a.streams.rstrip("/")
            cams = [{"id": f"3601020000132{i:07d}", "name": n, "lon": 115.85, "lat": 28.68, "online": i != 13,
                     "stream_url": f"{base}/streams/{'abcd'[i % 4]}/main.m3u8",
                     "sub_stream_url": f"{base}/streams/{'abcd'[i % 4]}/sub.m3u8",
                     "grid_code": "360102001001001"} for i, n in enumerate(NAMES)]
        else:
            from tests.client.video_streams import StreamServer, render_hls
            render_hls(Path(tmp), "sub", seconds=20)
            render_hls(Path(tmp), "main", seconds=6)
            srv = StreamServer(Path(tmp))
            client = ApiClient("http://127.0.0.1:9")
            cams = [{"id": f"3601020000132{i:07d}", "name": n, "lon": 115.85, "lat": 28.68, "online": i != 13,
                     "stream_url": srv.url("main/index.m3u8"), "sub_stream_url": srv.url("sub/index.m3u8"),
                     "grid_code": "360102001001001"} for i, n in enumerate(NAMES)]
        wall = VideoWall(client, state=WallState(QSettings(str(Path(tmp) / "w.ini"), QSettings.IniFormat)))
        wall.resize(1600, 900)
        wall.show()
        wall.set_cameras(cams)
        wall.browser.set_seeing(wall.tr("Cameras seeing %1: %2").replace("%1", "202612020017").replace("%2", "3"),
                                cams[:3])
        ids = [c["id"] for c in cams][:16]
        for key in ("1+5", "4x4"):
            wall.set_layout(key)
            wall.put_many(ids)
            t0 = time.monotonic()
            n = wall.visible_count()
            while time.monotonic() - t0 < 12:
                QCoreApplication.processEvents()
                if all(t.frame is not None or not (t.camera or {}).get("online", True) for t in wall.tiles[:n]) \
                        and time.monotonic() - t0 > 3:
                    break
                time.sleep(0.01)
            path = Path(a.out) / f"video_wall_{key}.png"
            wall.grab().save(str(path))
            print(path)
        wall.stop_all()
        if srv is not None:
            srv.stop()


if __name__ == "__main__":
    main()
