"""The demo's recorded patrols: yesterday's and today's shifts of every inspector, walked on the
city's footways inside their responsibility grids with the Walker of walking.py, with stops and the
odd signal gap, written in bulk. Without them the track playback panel would have nothing to show
until the live simulator had walked for hours."""
from __future__ import annotations

import logging
import random
import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import shapely

from sqlalchemy import insert, select

from ..db.models import Inspector, Position, ResponsibilityGrid, User
from ..services import positions as pos

log = logging.getLogger("occ.demo")

EVERY_S = 5.0  # a phone's fix interval
WALK_MPS = 1.2
STOP_CHANCE = 1 / 300  # per fix: a stop about every 25 minutes of walking
STOP_S = (300, 900)  # 5–15 minutes (talking to a shopkeeper, photographing a case)
GAP_CHANCE = 1 / 1500  # per fix: the signal is lost about every two hours
GAP_S = (130, 420)
CHUNK, PAUSE_S = 5_000, 0.02  # fixes per transaction, and the breath after each


def shift_windows(clock: Any, now: datetime, days: int = 2) -> list[tuple[datetime, datetime]]:
    """The shifts of the last `days` days (today's only up to now), as aware datetimes."""
    tz = clock.tz
    today = now.astimezone(tz).date()
    out = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        for sh in clock.shifts:
            a = datetime.combine(day, sh.start, tz)
            b = min(datetime.combine(day, sh.end, tz), now)
            if b > a:
                out.append((a.astimezone(timezone.utc), b.astimezone(timezone.utc)))
    return out


def generate_patrols(ctx: Any, gpkg: Path, now: datetime | None = None, seed: int = 7) -> int:
    """Writes the recorded patrols when the database has no positions yet; returns the fixes written."""
    import pyogrio
    import pyproj

    from .walking import Walker, WalkNet

    now = now or datetime.now(timezone.utc)
    with ctx.db.session() as s:
        if s.scalar(select(Position.id).limit(1)) is not None:
            return 0
        inspectors = s.execute(select(Inspector.user_id, User.username, Inspector.device_id, ResponsibilityGrid.code)
                               .join(User, User.id == Inspector.user_id)
                               .outerjoin(ResponsibilityGrid, ResponsibilityGrid.id == Inspector.responsibility_grid_id)
                               .order_by(Inspector.user_id)).all()
    if not inspectors:
        return 0

    def layer(name: str):  # noqa: ANN202
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pyogrio.read_dataframe(gpkg, layer=name)
    edges, nodes = layer("walk_edges"), layer("walk_nodes")
    if len(edges) == 0:
        return 0
    net = WalkNet(edges, nodes)
    to_lonlat = pyproj.Transformer.from_crs(edges.crs, "EPSG:4326", always_xy=True)
    rgrids = layer("responsibility_grids").to_crs(edges.crs)
    area = dict(zip(rgrids.code, rgrids.geometry))
    windows = shift_windows(ctx.clock, now)
    rng = random.Random(seed)
    rows: list[dict] = []
    last: dict[int, dict] = {}
    for uid, username, device, rg in inspectors:
        poly = area.get(rg)
        if poly is not None:
            shapely.prepare(poly)
            c = poly.representative_point()
            start = net.nearest_node(c.x, c.y)
        else:
            start = rng.choice(net.node_ids)
        w = Walker(uid, username, device, poly, start)
        w.x, w.y = net.xy[start]
        battery = rng.uniform(80, 100)
        for a, b in windows:
            t = a.timestamp() + rng.uniform(0, 240)  # nobody starts on the second
            end = b.timestamp()
            while t < end:
                r = rng.random()
                if r < STOP_CHANCE:
                    for _ in range(int(rng.uniform(*STOP_S) // EVERY_S)):
                        if t >= end:
                            break
                        rows.append(_row(device, t, w, to_lonlat, rng, battery, jitter=3.0, speed=0.0))
                        t += EVERY_S
                    continue
                if r < STOP_CHANCE + GAP_CHANCE:
                    t += rng.uniform(*GAP_S)
                    w.walk(net, rng, WALK_MPS * (GAP_S[0] / 2))
                    continue
                w.walk(net, rng, WALK_MPS * EVERY_S)
                rows.append(_row(device, t, w, to_lonlat, rng, battery))
                battery = max(20.0, battery - EVERY_S / 3600 * 4)
                t += EVERY_S
        if rows and rows[-1]["device_id"] == device:
            last[uid] = rows[-1]
    lasts = {id(r) for r in last.values()}
    bulk = [r for r in rows if id(r) not in lasts]
    # Short transactions with a breath between them: a server that already serves (the demo's
    # first start) keeps taking logins and actions meanwhile (SQLite has one writer at a time).
    for i in range(0, len(bulk), CHUNK):
        with ctx.db.transaction() as s:
            s.execute(insert(Position), bulk[i:i + CHUNK])
        time.sleep(PAUSE_S)
    with ctx.db.transaction() as s:
        # Each inspector's last fix goes through the position service: it also moves the inspector.
        pos.write_fixes(s, [(pos.Fix(r["device_id"], r["fix_at"], lon=r["lon"], lat=r["lat"], speed_kn=r["speed_kn"],
                                     bearing=r["bearing"], accuracy=r["accuracy"], battery=r["battery"]), uid)
                            for uid, r in last.items()])
    log.info("demo patrols: %d fixes of %d inspectors over %d shifts", len(rows), len(inspectors), len(windows))
    return len(rows)


def _row(device: str, t: float, w: Any, to_lonlat: Any, rng: random.Random, battery: float,
         jitter: float = 1.5, speed: float = WALK_MPS) -> dict:
    lon, lat = to_lonlat.transform(w.x + rng.uniform(-jitter, jitter), w.y + rng.uniform(-jitter, jitter))
    return {"device_id": device, "fix_at": datetime.fromtimestamp(t, timezone.utc), "lon": round(lon, 7),
            "lat": round(lat, 7), "speed_kn": round(speed / 0.514444, 2), "bearing": round(w.bearing, 1),
            "accuracy": round(rng.uniform(3, 12), 1), "battery": round(battery, 1)}
