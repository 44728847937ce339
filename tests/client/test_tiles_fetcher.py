"""The tile fetcher against a real HTTP server on 127.0.0.1 (an ephemeral port), and against a
port where nothing listens."""
from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.map.tiles import (DiskTileCache, SourceState, TileFetcher, TileKey, TileStatus,
                           XyzSource)

PNG_HEADER = b"\x89PNG\r\n\x1a\n"


def tile_bytes(z, x, y) -> bytes:
    return PNG_HEADER + f"{z}/{x}/{y}".encode()


class TileServer:
    """Serves /tiles/{z}/{x}/{y}.png. ``script[(z, x, y)]`` is a list of status codes to answer
    in turn (the last repeats); ``headers[(z, x, y)]`` adds headers; ``gate`` holds tiles listed
    in ``held`` until it is set."""

    def __init__(self, port: int = 0):
        self.hits: list[str] = []
        self.script: dict[tuple[int, int, int], list[int]] = {}
        self.headers: dict[tuple[int, int, int], dict[str, str]] = {}
        self.bodies: dict[tuple[int, int, int], tuple[str, bytes]] = {}
        self.held: set[tuple[int, int, int]] = set()
        self.gate = threading.Event()
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                with server.lock:
                    server.hits.append(self.path)
                try:
                    _, prefix, z, x, rest = self.path.split("/", 4)
                    key = (int(z), int(x), int(rest.split(".")[0]))
                    assert prefix == "tiles"
                except (ValueError, AssertionError):
                    self.send_error(400)
                    return
                if key in server.held:
                    server.gate.wait(5)
                with server.lock:
                    codes = server.script.get(key, [200])
                    code = codes.pop(0) if len(codes) > 1 else codes[0]
                if code != 200:
                    self.send_response(code)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                ctype, body = server.bodies.get(key, ("image/png", tile_bytes(*key)))
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                extra = {"Cache-Control": "max-age=3600", **server.headers.get(key, {})}
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def template(self) -> str:
        return f"http://127.0.0.1:{self.port}/tiles/{{z}}/{{x}}/{{y}}.png"

    def count(self, z, x, y) -> int:
        with self.lock:
            return self.hits.count(f"/tiles/{z}/{x}/{y}.png")


@pytest.fixture
def server():
    srv = TileServer()
    srv.thread.start()
    yield srv
    srv.gate.set()
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture
def dead_port():
    """A loopback port with nothing listening (bound, then closed)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def make_fetcher(tmp_path, **kw) -> TileFetcher:
    kw.setdefault("cache_dir", tmp_path / "cache")
    kw.setdefault("timeout", 2.0)
    kw.setdefault("backoff", 0.02)
    kw.setdefault("trust_env", False)  # never send loopback requests to a proxy
    return TileFetcher(**kw)


@pytest.fixture
def fetcher(tmp_path):
    f = make_fetcher(tmp_path)
    yield f
    f.shutdown()


def test_fetch_delivers_bytes_in_a_worker_thread(server, fetcher):
    src = XyzSource(server.template, id="test-xyz")
    got = []
    main = threading.current_thread()
    fut = fetcher.request(src, 12, 3371, 1552,
                          callback=lambda r: got.append((r, threading.current_thread())))
    result = fut.result(timeout=5)
    assert result.status is TileStatus.OK and result.ok
    assert result.data == tile_bytes(12, 3371, 1552)
    assert result.origin == "network" and result.http_status == 200
    assert result.key == TileKey("test-xyz", 12, 3371, 1552)
    deadline = time.monotonic() + 2
    while not got and time.monotonic() < deadline:
        time.sleep(0.01)
    assert got and got[0][0] == result and got[0][1] is not main
    # now in memory: answered at once, without the server
    assert fetcher.cached(src, 12, 3371, 1552) == result.data
    again = fetcher.request(src, 12, 3371, 1552)
    assert again.done() and again.result().origin == "memory"
    assert server.count(12, 3371, 1552) == 1
    assert fetcher.status(src).state is SourceState.OK


def test_404_is_a_missing_tile_and_is_not_retried(server, fetcher):
    src = XyzSource(server.template, id="test-404")
    server.script[(5, 1, 1)] = [404]
    r = fetcher.request(src, 5, 1, 1).result(timeout=5)
    assert r.status is TileStatus.MISSING and r.http_status == 404 and r.data is None
    assert server.count(5, 1, 1) == 1
    assert fetcher.request(src, 5, 1, 1).result(timeout=5).status is TileStatus.MISSING
    assert server.count(5, 1, 1) == 1  # remembered
    assert fetcher.status(src).ok
    # tiles outside the matrix are missing without asking
    assert fetcher.request(src, 5, 99, 0).result(timeout=1).status is TileStatus.MISSING
    assert server.count(5, 99, 0) == 0


def test_500_then_200_is_retried(server, fetcher):
    src = XyzSource(server.template, id="test-retry")
    server.script[(6, 52, 24)] = [500, 200]
    r = fetcher.request(src, 6, 52, 24).result(timeout=5)
    assert r.status is TileStatus.OK and r.data == tile_bytes(6, 52, 24)
    assert server.count(6, 52, 24) == 2
    assert fetcher.status(src).ok


def test_persistent_500_becomes_an_error_status(server, fetcher):
    src = XyzSource(server.template, id="test-500")
    seen = []
    fetcher.add_status_listener(seen.append)
    server.script[(6, 1, 1)] = [503]
    r = fetcher.request(src, 6, 1, 1).result(timeout=5)
    assert r.status is TileStatus.ERROR and r.http_status == 503
    assert server.count(6, 1, 1) == 3  # one try and two retries
    host = f"127.0.0.1:{server.port}"
    assert r.error_zh == f"底图服务出错 (HTTP 503): {host}"
    assert r.error == f"Basemap service error (HTTP 503): {host}"
    st = fetcher.status(src)
    assert st.state is SourceState.FAILING and st.message_zh == r.error_zh
    assert seen and seen[-1] == st
    # the next good tile clears the status
    assert fetcher.request(src, 6, 2, 2).result(timeout=5).ok
    assert fetcher.status(src).ok and seen[-1].ok


def test_403_is_not_retried_and_names_the_key(server, fetcher):
    src = XyzSource(server.template, id="test-403", params={"tk": "wrong"})
    server.script[(3, 1, 1)] = [403]
    r = fetcher.request(src, 3, 1, 1).result(timeout=5)
    assert r.status is TileStatus.ERROR and "拒绝访问" in r.error_zh and "key" in r.error
    assert server.hits == ["/tiles/3/1/1.png?tk=wrong"]  # asked once, key on the query


def test_wmts_tile_out_of_range_document_is_missing(server, fetcher):
    src = XyzSource(server.template, id="test-xml")
    server.bodies[(4, 1, 1)] = ("application/vnd.ogc.se_xml", b'<?xml version="1.0"?>'
                                b'<ExceptionReport><Exception exceptionCode="TileOutOfRange"/>'
                                b'</ExceptionReport>')
    server.bodies[(4, 2, 2)] = ("text/html", b"<html>login required</html>")
    assert fetcher.request(src, 4, 1, 1).result(timeout=5).status is TileStatus.MISSING
    r = fetcher.request(src, 4, 2, 2).result(timeout=5)
    assert r.status is TileStatus.ERROR and r.data is None


def test_dead_server_fails_fast_without_blocking_the_caller(tmp_path, dead_port):
    fetcher = make_fetcher(tmp_path, down_for=30.0)
    src = XyzSource(f"http://127.0.0.1:{dead_port}/tiles/{{z}}/{{x}}/{{y}}.png", id="test-dead")
    seen = []
    fetcher.add_status_listener(seen.append)
    try:
        t0 = time.monotonic()
        futures = [fetcher.request(src, 10, x, 400) for x in range(840, 852)]
        assert time.monotonic() - t0 < 0.2  # requesting never waits for the network
        results = [f.result(timeout=5) for f in futures]
        assert time.monotonic() - t0 < 3.0
        host = f"127.0.0.1:{dead_port}"
        for r in results:
            assert r.status is TileStatus.ERROR
            assert r.error_zh == f"底图服务无法连接: {host}"
            assert r.error == f"Basemap service unreachable: {host}"
        st = fetcher.status(src)
        assert st.state is SourceState.UNREACHABLE and st.host == host
        assert st.message_zh == f"底图服务无法连接: {host}"
        assert [s.state for s in seen] == [SourceState.UNREACHABLE]  # announced once
        # held down: the next request fails at once, without retries
        t1 = time.monotonic()
        r = fetcher.request(src, 10, 900, 400).result(timeout=5)
        assert r.status is TileStatus.ERROR and time.monotonic() - t1 < 0.5
    finally:
        fetcher.shutdown()


def test_disk_cache_serves_a_second_fetcher_without_the_server(server, tmp_path):
    src = XyzSource(server.template, id="test-disk")
    first = make_fetcher(tmp_path)
    try:
        assert first.request(src, 14, 13487, 6208).result(timeout=5).origin == "network"
    finally:
        first.shutdown()
    assert (tmp_path / "cache" / "test-disk" / "14" / "13487" / "6208.tile").read_bytes() == \
        tile_bytes(14, 13487, 6208)
    second = make_fetcher(tmp_path)  # new process, empty memory
    try:
        r = second.request(src, 14, 13487, 6208).result(timeout=5)
        assert r.ok and r.origin == "disk" and not r.stale
        assert r.data == tile_bytes(14, 13487, 6208)
    finally:
        second.shutdown()
    assert server.count(14, 13487, 6208) == 1


def test_max_age_is_respected(server, tmp_path):
    src = XyzSource(server.template, id="test-age")
    server.headers[(9, 1, 1)] = {"Cache-Control": "max-age=0"}
    server.headers[(9, 2, 2)] = {"Cache-Control": "no-store"}
    for _ in range(2):
        f = make_fetcher(tmp_path)
        try:
            assert f.request(src, 9, 1, 1).result(timeout=5).ok
            assert f.request(src, 9, 2, 2).result(timeout=5).ok
            assert f.request(src, 9, 3, 3).result(timeout=5).ok
        finally:
            f.shutdown()
    assert server.count(9, 1, 1) == 2  # expired at once: asked again
    assert server.count(9, 2, 2) == 2  # never stored
    assert server.count(9, 3, 3) == 1  # max-age=3600: from disk
    assert not DiskTileCache(tmp_path / "cache").get("test-age", 9, 2, 2)


def test_stale_disk_copy_is_served_when_the_source_is_down(tmp_path, dead_port):
    DiskTileCache(tmp_path / "cache").put("test-stale", 8, 5, 5, b"old tile", max_age=0)
    fetcher = make_fetcher(tmp_path)
    src = XyzSource(f"http://127.0.0.1:{dead_port}/{{z}}/{{x}}/{{y}}.png", id="test-stale")
    try:
        r = fetcher.request(src, 8, 5, 5).result(timeout=5)
        assert r.ok and r.stale and r.data == b"old tile" and r.origin == "disk"
        assert r.error_zh.startswith("底图服务无法连接")
        assert fetcher.status(src).state is SourceState.UNREACHABLE
    finally:
        fetcher.shutdown()


def test_tiles_no_longer_in_view_are_cancelled(server, tmp_path):
    fetcher = make_fetcher(tmp_path, workers=1)
    src = XyzSource(server.template, id="test-cancel")
    server.held.add((7, 0, 0))  # occupies the only worker until the gate opens
    try:
        slow = fetcher.request(src, 7, 0, 0)
        deadline = time.monotonic() + 2
        while server.count(7, 0, 0) == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        queued = fetcher.request_many(src, [(7, x, 1) for x in range(5)])
        assert fetcher.pending(src) == 6
        # the view moved: only the slow tile and a new one are wanted now
        fetcher.request_view(src, [(7, 0, 0), (7, 9, 9)])
        for fut in queued.values():
            assert fut.result(timeout=1).status is TileStatus.CANCELLED
        server.gate.set()
        assert slow.result(timeout=5).ok
        deadline = time.monotonic() + 5
        while fetcher.pending(src) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert fetcher.cached(src, 7, 9, 9) == tile_bytes(7, 9, 9)
        assert all(server.count(7, x, 1) == 0 for x in range(5))
    finally:
        server.gate.set()
        fetcher.shutdown()


def test_duplicate_requests_share_one_download(server, fetcher):
    src = XyzSource(server.template, id="test-dup")
    server.held.add((8, 8, 8))
    calls, other = [], []
    a = fetcher.request(src, 8, 8, 8, callback=calls.append)
    b = fetcher.request(src, 8, 8, 8, callback=calls.append)  # a repaint asking again
    fetcher.request_view(src, [(8, 8, 8)], callback=calls.append)
    fetcher.request(src, 8, 8, 8, callback=other.append)  # another listener
    server.gate.set()
    assert a is b and a.result(timeout=5).ok
    deadline = time.monotonic() + 2
    while not (calls and other) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    assert len(calls) == 1 and len(other) == 1  # once per callback, not per request
    assert server.count(8, 8, 8) == 1


def test_a_running_tile_wanted_again_is_revived_not_refetched(server, tmp_path):
    fetcher = make_fetcher(tmp_path, workers=1)
    src = XyzSource(server.template, id="test-revive")
    server.held.add((6, 6, 6))
    try:
        first = fetcher.request(src, 6, 6, 6)
        deadline = time.monotonic() + 2
        while server.count(6, 6, 6) == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        fetcher.set_wanted(src, [])  # panned away: it is downloading, so it only gets flagged
        again = fetcher.request(src, 6, 6, 6)  # and back
        server.gate.set()
        assert again is first and first.result(timeout=5).ok
        assert server.count(6, 6, 6) == 1
    finally:
        server.gate.set()
        fetcher.shutdown()


def test_a_source_that_comes_back_is_probed_and_recovers(tmp_path, dead_port):
    fetcher = make_fetcher(tmp_path, down_for=0.2)
    src = XyzSource(f"http://127.0.0.1:{dead_port}/tiles/{{z}}/{{x}}/{{y}}.png", id="test-back")
    seen = []
    fetcher.add_status_listener(seen.append)
    srv = None
    try:
        assert fetcher.request(src, 3, 1, 1).result(timeout=5).status is TileStatus.ERROR
        assert fetcher.status(src).state is SourceState.UNREACHABLE
        # the server starts on that port; while held down nothing is asked of it
        srv = TileServer(port=dead_port)
        srv.thread.start()
        assert fetcher.request(src, 3, 2, 2).result(timeout=5).status is TileStatus.ERROR
        assert srv.hits == []
        time.sleep(0.25)  # the hold is over: the next request probes and succeeds
        r = fetcher.request(src, 3, 2, 2).result(timeout=5)
        assert r.ok and r.origin == "network"
        assert fetcher.status(src).ok
        assert [s.state for s in seen] == [SourceState.UNREACHABLE, SourceState.OK]
    finally:
        fetcher.shutdown()
        if srv is not None:
            srv.httpd.shutdown()
            srv.httpd.server_close()


def test_memory_lru_is_bounded_by_bytes():
    from app.map.tiles import MemoryLRU

    lru = MemoryLRU(max_bytes=10)
    lru.put("a", b"1234")
    lru.put("b", b"5678")
    assert lru.get("a") == b"1234"  # a is now the most recent
    lru.put("c", b"90ab")
    assert "b" not in lru and lru.get("a") and lru.get("c") and lru.size_bytes == 8
    lru.put("huge", b"x" * 11)
    assert "huge" not in lru
