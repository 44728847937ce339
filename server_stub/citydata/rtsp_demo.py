"""A small RTSP server for the demo's cameras: Debian's gst-rtsp-server through the system python3's
`gi` bindings (gir1.2-gst-rtsp-server-1.0, x264enc from gstreamer1.0-plugins-ugly).

Run as its own process by the demo (streams.start_rtsp) with Debian's /usr/bin/python3:

    /usr/bin/python3 rtsp_demo.py --port 8554 --cameras ID1,ID2,...

Each camera gets rtsp://127.0.0.1:PORT/<id>/main (1280×720) and /<id>/sub (640×360), 25 fps H.264
with a keyframe every second, from a moving test pattern. A mount encodes only while somebody
watches (one shared pipeline per mount). It prints "ready <port>" once listening and stops when its
standard input closes (the demo server ended, however it ended). Standard library and gi only: this
file is never imported by the server or the client.
"""
from __future__ import annotations

import argparse
import sys

QUALITIES = {"main": (1280, 720, 2000), "sub": (640, 360, 600)}  # width, height, kbit/s
PATTERNS = ("ball", "smpte", "pinwheel", "snow", "spokes", "circular")
FPS = 25


def launch_line(width: int, height: int, kbps: int, pattern: str) -> str:
    return (f"( videotestsrc is-live=true pattern={pattern} ! video/x-raw,width={width},height={height},"
            f"framerate={FPS}/1 ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={FPS} "
            f"bitrate={kbps} ! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=1 )")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--cameras", required=True, help="comma-separated camera ids (the mount names)")
    args = p.parse_args(argv)
    import gi
    gi.require_version("Gst", "1.0")
    gi.require_version("GstRtspServer", "1.0")
    from gi.repository import GLib, Gst, GstRtspServer
    Gst.init(None)
    missing = [e for e in ("videotestsrc", "x264enc", "rtph264pay") if Gst.ElementFactory.find(e) is None]
    if missing:
        print(f"error: GStreamer elements missing: {', '.join(missing)}", flush=True)
        return 2
    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    cams = [c for c in args.cameras.split(",") if c]
    for i, cam in enumerate(cams):
        for quality, (w, h, kbps) in QUALITIES.items():
            factory = GstRtspServer.RTSPMediaFactory()
            factory.set_launch(launch_line(w, h, kbps, PATTERNS[i % len(PATTERNS)]))
            factory.set_shared(True)  # several viewers share one encoder
            mounts.add_factory(f"/{cam}/{quality}", factory)
    if server.attach(None) == 0:
        print(f"error: cannot listen on {args.host}:{args.port}", flush=True)
        return 2
    loop = GLib.MainLoop()

    def stdin_closed(*_a) -> bool:
        loop.quit()
        return False

    GLib.io_add_watch(GLib.IOChannel.unix_new(sys.stdin.fileno()), GLib.PRIORITY_DEFAULT,
                      GLib.IOCondition.HUP | GLib.IOCondition.IN | GLib.IOCondition.ERR, stdin_closed)
    print(f"ready {args.port} {len(cams)} cameras", flush=True)
    try:
        loop.run()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
