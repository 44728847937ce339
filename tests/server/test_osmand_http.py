"""OsmAnd/Traccar positions over real HTTP (uvicorn on 127.0.0.1), as stock apps send them,
on the main port (/osmand) and on the extra port (any path, like Traccar's 5055)."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest
import requests
from sqlalchemy import func, select

from server_stub.db.models import Inspector, Position
from server_stub.services import loader

from .conftest import LiveServer, free_port

DEVICES = ("866001", "866002")
KEY = "phone-secret"  # both test phones registered with it (a URL query parameter, as phones send it)


def _seed(ctx) -> dict[str, int]:
    with ctx.db.transaction() as s:
        loader.load_inspectors(s, [{"username": f"p{d}", "device_id": d, "device_secret": KEY}
                                   for d in DEVICES], strict=True)
        return dict(s.execute(select(Inspector.device_id, Inspector.user_id)).all())


def _positions(ctx, device: str) -> list[Position]:
    with ctx.db.session() as s:
        return list(s.scalars(select(Position).where(Position.device_id == device).order_by(Position.fix_at)))


@pytest.fixture
def phone_server(live_server):
    live_server.ids = _seed(live_server.app.state.ctx)
    return live_server


def test_get_like_osmand_app(phone_server):
    # OsmAnd's online-tracking URL template: ...?id=X&lat={0}&lon={1}&timestamp={2}&hdop={3}&altitude={4}&speed={5}
    t_ms = int(time.time() * 1000) - 2000
    r = requests.get(f"{phone_server.url}/osmand?key={KEY}", params={
        "id": DEVICES[0], "lat": "28.6805", "lon": "115.8505", "timestamp": str(t_ms), "hdop": "6.0",
        "altitude": "25.0", "speed": "1.2"}, timeout=10)
    assert r.status_code == 200 and r.text == ""
    [p] = _positions(phone_server.app.state.ctx, DEVICES[0])
    assert (p.lat, p.lon, p.accuracy, p.altitude, p.speed_kn) == (28.6805, 115.8505, 6.0, 25.0, 1.2)
    assert abs(p.fix_at.timestamp() * 1000 - t_ms) < 1


def test_post_like_traccar_client(phone_server):
    url = f"{phone_server.url}/osmand?key={KEY}"
    t = int(time.time()) - 60
    # older Traccar Client (Android): POST with every parameter in the query string and no body
    r = requests.post(url, params={"id": DEVICES[0], "timestamp": t, "lat": 28.68, "lon": 115.85, "speed": 0.0,
                                   "bearing": 0.0, "altitude": 10.0, "accuracy": 12.0, "batt": 55.0}, timeout=10)
    assert r.status_code == 200, r.text
    # a form-encoded body
    r = requests.post(url, data={"id": DEVICES[0], "timestamp": t + 5, "lat": 28.681, "lon": 115.851,
                                 "batt": 54}, timeout=10)
    assert r.status_code == 200, r.text
    # Traccar Client 9+: JSON body (speed in m/s, battery level 0..1)
    iso = datetime.fromtimestamp(t + 10, timezone.utc).isoformat().replace("+00:00", "Z")
    r = requests.post(url, json={"location": {"timestamp": iso, "coords": {
        "latitude": 28.682, "longitude": 115.852, "accuracy": 4, "speed": 2.0, "heading": 180, "altitude": 12},
        "is_moving": True, "odometer": 0, "event": "motionchange", "battery": {"level": 0.53, "is_charging": False},
        "activity": {"type": "walking"}, "extras": {}}, "device_id": DEVICES[0]}, timeout=10)
    assert r.status_code == 200, r.text
    ps = _positions(phone_server.app.state.ctx, DEVICES[0])
    assert [p.lat for p in ps] == [28.68, 28.681, 28.682]
    assert [p.battery for p in ps] == [55.0, 54.0, 53.0]
    assert ps[2].speed_kn == pytest.approx(3.8877, abs=1e-3) and ps[2].bearing == 180.0
    with phone_server.app.state.ctx.db.session() as s:
        assert s.get(Inspector, phone_server.ids[DEVICES[0]]).lat == 28.682


def test_bad_input_and_unknown_device(phone_server):
    url = f"{phone_server.url}/osmand?key={KEY}"
    r = requests.get(url, params={"id": DEVICES[0], "lat": "abc", "lon": "115.85"}, timeout=10)
    assert r.status_code == 400 and r.text.startswith("lat:") and r.headers["content-type"].startswith("text/plain")
    r = requests.get(url, params={"lat": "28.68", "lon": "115.85"}, timeout=10)
    assert r.status_code == 400 and r.text.startswith("id:")
    r = requests.get(url, params={"id": DEVICES[0], "lat": "28.68", "lon": "200"}, timeout=10)
    assert r.status_code == 400 and r.text.startswith("lon:")
    r = requests.post(url, data=b"{broken", headers={"content-type": "application/json"}, timeout=10)
    assert r.status_code == 400 and r.text.startswith("body:")
    r = requests.get(url, params={"id": "999999", "lat": "28.68", "lon": "115.85"}, timeout=10)
    assert r.status_code == 400 and "unknown device" in r.text
    assert _positions(phone_server.app.state.ctx, DEVICES[0]) == []
    # the rest of the API is untouched by the OsmAnd fast path
    assert requests.get(f"{phone_server.url}/api/ref/departments", timeout=10).status_code == 401


def test_concurrent_phones_all_committed_in_batches(phone_server):
    url = f"{phone_server.url}/osmand?key={KEY}"
    t0 = int(time.time()) - 300
    n = 200

    def send(k: int) -> int:
        with requests.Session() as sess:
            return sess.get(url, params={"id": DEVICES[k % 2], "lat": 28.68 + k * 1e-5, "lon": 115.85,
                                         "timestamp": t0 + k}, timeout=10).status_code
    with ThreadPoolExecutor(16) as ex:
        codes = list(ex.map(send, range(n)))
    assert codes == [200] * n  # a 200 means committed: every fix is in the table now
    ctx = phone_server.app.state.ctx
    with ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Position)) == n
        assert s.get(Inspector, phone_server.ids[DEVICES[1]]).lat == pytest.approx(28.68 + 199e-5)
    writer = ctx.extras["positions.writer"]
    assert writer.written == n and writer.batches <= n


def test_extra_port_any_path(settings):
    port = free_port()
    srv = LiveServer(settings.model_copy(update={"osmand_port": port}))
    with srv:
        ctx = srv.app.state.ctx
        _seed(ctx)
        base = f"http://127.0.0.1:{port}"
        r = requests.post(f"{base}/?key={KEY}", params={"id": DEVICES[1], "lat": 28.69, "lon": 115.86}, timeout=10)
        assert r.status_code == 200, r.text
        r = requests.get(f"{base}/anything?key={KEY}", params={"id": DEVICES[1], "lat": 28.691, "lon": 115.861,
                                                     "timestamp": int(time.time())}, timeout=10)
        assert r.status_code == 200, r.text
        r = requests.get(f"{base}/?key={KEY}", params={"id": "nope", "lat": 28.69, "lon": 115.86}, timeout=10)
        assert r.status_code == 400
        assert requests.get(f"{base}/api/ref/departments", timeout=10).status_code == 400  # only positions here
        assert len(_positions(ctx, DEVICES[1])) == 2
        assert requests.get(f"{srv.url}/osmand?key={KEY}", params={"id": DEVICES[1], "lat": 28.7, "lon": 115.9},
                            timeout=10).status_code == 200  # the main port still answers too
    with pytest.raises(requests.ConnectionError):  # stopped with the server
        requests.get(f"http://127.0.0.1:{port}/", timeout=2)


def test_fixes_acknowledged_before_shutdown_are_kept(settings):
    srv = LiveServer(settings)
    with srv:
        _seed(srv.app.state.ctx)
        t0 = int(time.time()) - 100
        with requests.Session() as sess:
            for k in range(30):
                assert sess.get(f"{srv.url}/osmand?key={KEY}", params={"id": DEVICES[0], "lat": 28.68, "lon": 115.85,
                                                             "timestamp": t0 + k}, timeout=10).status_code == 200
    from server_stub.db.session import Database
    db = Database(settings.db)  # a fresh engine after the server stopped
    try:
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(Position)) == 30
    finally:
        db.dispose()
