"""A live demo: new cases keep coming in and moving through the workflow, inspectors walk their
grids and send positions, all through the server's public HTTP API like any other client.

    python -m server_stub.citydata simulate --server http://127.0.0.1:8000 [--rate 1] [--speedup 1]
                                            [--duration S] [--password demo]

- Reports: about `rate` new cases per simulated minute (default 1) from the demo's sources:
  inspectors report where they walk (a component within 40 m, else an event), the hotline and video
  operators through the acceptor, citizens through Open311, now and then a leader.
- Workflow: the acceptor, shift leader, dispatcher and department accounts act on open cases after
  realistic delays (minutes for the centre's posts, a share of the handling limit for departments,
  the occasional return, extension request, not-fixed check and rework). A person using the demo
  at the same time simply gets there first: a refused action (409) is skipped.
- Inspectors: each walks the footway network of the city package (walk_edges) at 1.2 m/s, a
  random walk that prefers its responsibility grid, goes to the case when tasked with a
  verification or check and answers on arrival, and posts an OsmAnd fix every 10 s
  (GET /osmand?id=&key=&lat=&lon=&timestamp=&speed=<knots>&bearing=&batt=); each phone pairs
  itself first as its inspector (POST /api/devices/mine: a fresh secret, the `key`).
- `speedup` makes simulated time run faster than real time (delays shrink, walkers move faster);
  the server's clocks stay real. Every POST carries an Idempotency-Key, so a retry after a lost
  answer never acts twice. It only ever talks to the `server` URL it is given.
"""
from __future__ import annotations

import logging
import math
import random
import tempfile
import threading
import time
import uuid
import warnings
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import shapely

from app.domain.workflow import OPEN_STATES

from .case_mix import EVENT_TEXT, SURNAMES
from .walking import WalkNet, Walker

log = logging.getLogger("occ.demo.simulator")

WALK_MPS = 1.2
KNOTS_PER_MPS = 1.943844
PUBLIC = ("hotline", "citizen", "open311")
SOURCES = {"inspector": 60.0, "hotline": 15.0, "open311": 10.0, "video": 10.0, "leader": 5.0}
EVENTS = {"0102": 18, "0507": 14, "0505": 12, "0504": 11, "0201": 10, "0104": 5, "0103": 4, "0506": 4,
          "0501": 3, "0108": 2, "0202": 2, "0203": 2, "0106": 2, "0301": 1.5, "0508": 1, "0404": 1, "0402": 0.5}
COMPONENT_SHARE = 0.3


@dataclass
class SimulatorConfig:
    server: str
    rate: float = 1.0  # new cases per simulated minute
    speedup: float = 1.0  # simulated seconds per real second
    duration: float | None = None  # real seconds; None = until stop()
    password: str = "demo"
    seed: int | None = None
    position_every: float = 10.0  # simulated seconds between two fixes of one inspector
    min_position_gap: float = 1.0  # ... but never more often than this many real seconds
    poll_every: float = 3.0  # real seconds between two looks at the open cases
    open311_key: str = "demo-open311-key"
    workdir: Path | None = None  # where the downloaded city package is kept (default: a temp dir)


class ApiError(Exception):
    def __init__(self, status: int, text: str):
        super().__init__(f"HTTP {status}: {text[:300]}")
        self.status = status


# ---------------------------------------------------------------- HTTP
class Api:
    """requests against one server only; tokens per username; Idempotency-Key on every POST."""

    def __init__(self, server: str, password: str, timeout: float = 30.0):
        parts = urlsplit(server)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"server must be an http(s) URL, got {server!r}")
        self.base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
        self.password = password
        self.timeout = timeout
        self.http = requests.Session()
        self.tokens: dict[str, str] = {}
        self.lock = threading.Lock()

    def login(self, username: str) -> str:
        r = self.http.post(self.base + "/api/auth/login", json={"username": username, "password": self.password},
                           timeout=self.timeout)
        if r.status_code != 200:
            raise ApiError(r.status_code, f"login as {username}: {r.text}")
        tok = r.json()["token"]
        self.tokens[username] = tok
        return tok

    def call(self, method: str, path: str, user: str | None = None, *, ok: tuple[int, ...] = (200, 201),
             retries: int = 3, **kw: Any) -> Any:
        """One request (path on this server only); JSON answer, or the text for non-JSON."""
        if not path.startswith("/"):
            raise ValueError(f"a path on the server, got {path!r}")
        headers = dict(kw.pop("headers", {}) or {})
        if method.upper() == "POST":
            headers["Idempotency-Key"] = f"sim-{uuid.uuid4()}"  # the same key for every retry below
        relogged = False
        for attempt in range(retries + 1):
            if user is not None:
                tok = self.tokens.get(user) or self.login(user)
                headers["Authorization"] = f"Bearer {tok}"
            try:
                r = self.http.request(method, self.base + path, headers=headers, timeout=self.timeout, **kw)
            except requests.ConnectionError:
                if attempt == retries:
                    raise
                time.sleep(0.5 * (attempt + 1))
                continue
            if r.status_code == 401 and user is not None and not relogged:
                relogged = True
                self.tokens.pop(user, None)
                continue
            if r.status_code in (502, 503) and attempt < retries:
                time.sleep(0.5 * (attempt + 1))
                continue
            if r.status_code not in ok:
                raise ApiError(r.status_code, r.text)
            if r.headers.get("content-type", "").startswith("application/json"):
                return r.json()
            return r.text
        raise ApiError(0, "no answer")


# ---------------------------------------------------------------- the simulator
class Simulator:
    def __init__(self, cfg: SimulatorConfig):
        self.cfg = cfg
        self.api = Api(cfg.server, cfg.password)
        self.rng = random.Random(cfg.seed)
        self.stats: Counter = Counter()
        self._stop = threading.Event()
        self.ready = False
        self.due: dict[tuple, float] = {}  # (case id, state, stage start) -> real time it is acted on
        self.plans: dict[tuple, str] = {}  # handling round -> what the department does
        self.started = time.time()  # cases open before the start get their delays from then

    # -- lifecycle
    def stop(self) -> None:
        self._stop.set()

    def wait_for_server(self, timeout: float = 60.0) -> bool:
        end = time.monotonic() + timeout
        while not self._stop.is_set() and time.monotonic() < end:
            try:
                if self.api.http.get(self.api.base + "/api/health", timeout=2).status_code == 200:
                    return True
            except requests.RequestException:
                pass
            self._stop.wait(0.3)
        return False

    def setup(self) -> None:
        """Logs in, downloads the city package (GET /api/ref/city/package.gpkg) and reads what the
        simulation needs from it and from the reference API."""
        if self.cfg.workdir is None:  # everything is read into memory: the download can go
            with tempfile.TemporaryDirectory(prefix="occ-sim-") as tmp:
                self._setup(Path(tmp))
        else:
            self._setup(Path(self.cfg.workdir))

    def _setup(self, workdir: Path) -> None:
        import pyogrio
        import pyproj
        workdir.mkdir(parents=True, exist_ok=True)
        gpkg = workdir / "city.gpkg"
        r = self.api.http.get(self.api.base + "/api/ref/city/package.gpkg", timeout=120,
                              headers={"Authorization": f"Bearer {self.api.login('acceptor')}"})
        if r.status_code != 200:
            raise ApiError(r.status_code, f"city package: {r.text[:200]}")
        gpkg.write_bytes(r.content)

        def layer(name: str):  # noqa: ANN202
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return pyogrio.read_dataframe(gpkg, layer=name)

        edges, nodes = layer("walk_edges"), layer("walk_nodes")
        self.net = WalkNet(edges, nodes)
        crs = edges.crs
        self.to_lonlat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        self.to_xy = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        comps = layer("components")
        self.comp_xy = [(p.x, p.y) for p in comps.geometry]
        self.comp_rows = list(zip(comps.id, comps.class_code, comps.name, comps.address))
        self.comp_tree = shapely.STRtree(shapely.points(self.comp_xy))
        grids = layer("unit_grids")
        self.grid_polys = list(grids.geometry)
        cams = layer("cameras")
        self.cam_xy = [(p.x, p.y, d) for p, d in zip(cams.geometry, cams.direction)]
        depts = layer("departments")
        code_key = dict(zip(depts.code, depts.key))
        rgrids = layer("responsibility_grids")
        rg_poly = {c: g for c, g in zip(rgrids.code, rgrids.geometry)}
        for g in rg_poly.values():
            shapely.prepare(g)
        insp_layer = layer("inspectors")
        start = {u: (p.x, p.y) for u, p in zip(insp_layer.username, insp_layer.geometry)}

        self.dept_user = {d["id"]: code_key.get(d["code"])
                          for d in self.api.call("GET", "/api/ref/departments", "acceptor")}
        classes = self.api.call("GET", "/api/ref/classes", "acceptor")
        self.conditions = {(c["kind"], c["code"]): [x["id"] for x in c["conditions"]] for c in classes}
        self.class_names = {(c["kind"], c["code"]): c["name"] for c in classes}
        self.walkers: dict[int, Walker] = {}
        for insp in self.api.call("GET", "/api/ref/inspectors", "acceptor"):
            if not insp.get("active", True):
                continue
            if insp.get("lon") is not None and insp.get("fix_at"):
                x, y = self.to_xy.transform(insp["lon"], insp["lat"])
            else:
                x, y = start.get(insp["username"]) or self.net.xy[self.rng.choice(self.net.node_ids)]
            w = Walker(insp["user_id"], insp["username"], insp["device_id"],
                       rg_poly.get(insp.get("responsibility_grid_code")), self.net.nearest_node(x, y))
            w.x, w.y = self.net.xy[w.node]
            w.battery = self.rng.uniform(60, 100)
            self.walkers[w.user_id] = w
        for w in self.walkers.values():
            self.pair(w)
        self.ready = True
        log.info("simulator: %d inspectors walking on %d footway edges; %.2f cases per simulated minute, "
                 "speedup %g", len(self.walkers), len(self.net.lines), self.cfg.rate, self.cfg.speedup)

    def run(self) -> Counter:
        if not getattr(self, "ready", False):
            self.setup()
        t0 = last = time.monotonic()
        self.started = time.time()
        last_poll = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if self.cfg.duration is not None and now - t0 >= self.cfg.duration:
                break
            sim_dt = (now - last) * self.cfg.speedup
            last = now
            try:
                self.move(sim_dt, now)
                for _ in range(self._poisson(self.cfg.rate * sim_dt / 60.0)):
                    self.report()
                if now - last_poll >= self.cfg.poll_every:
                    last_poll = now
                    self.work(now)
            except requests.ConnectionError as e:
                self.stats["connection_errors"] += 1
                log.warning("simulator: server unreachable (%s); retrying", e)
                self._stop.wait(2.0)
            except Exception:  # noqa: BLE001 - keep the demo alive; the log says what happened
                self.stats["errors"] += 1
                log.exception("simulator step failed")
                self._stop.wait(1.0)
            self._stop.wait(0.25)
        return self.stats

    def _poisson(self, lam: float) -> int:
        n, p, limit = 0, 1.0, math.exp(-min(lam, 50.0))
        while True:
            p *= self.rng.random()
            if p <= limit:
                return n
            n += 1

    def lonlat(self, x: float, y: float) -> tuple[float, float]:
        return self.to_lonlat.transform(x, y)

    # -- inspectors
    def move(self, sim_dt: float, now: float) -> None:
        gap = max(self.cfg.position_every / max(self.cfg.speedup, 1e-9), self.cfg.min_position_gap)
        fix_at = int(time.time())  # the positions of this tick hold now, however long the posts take
        for w in self.walkers.values():
            w.walk(self.net, self.rng, WALK_MPS * sim_dt)
            w.battery = max(15.0, w.battery - sim_dt / 3600 * 4)  # about 4 % an hour
            if now - w.last_post >= gap:
                w.last_post = now
                self.post_position(w, fix_at)

    def pair(self, w: Walker) -> None:
        """The phone app pairs itself after the inspector's login: a fresh secret for its device
        (a phone without one is refused by /osmand)."""
        try:
            got = self.api.call("POST", "/api/devices/mine", w.username, json={"device_id": w.device_id})
            w.key = got["secret"]
        except ApiError as e:
            self.stats["pairing_errors"] += 1
            log.warning("simulator: %s's phone %s not paired: %s", w.username, w.device_id, e)

    def post_position(self, w: Walker, fix_at: int | None = None) -> None:
        if w.key is None:
            return
        lon, lat = self.lonlat(w.x, w.y)
        stamp = int(time.time()) if fix_at is None else fix_at
        params = {"id": w.device_id, "key": w.key, "lat": f"{lat:.7f}", "lon": f"{lon:.7f}", "timestamp": stamp,
                  "speed": f"{WALK_MPS * KNOTS_PER_MPS:.2f}", "bearing": f"{w.bearing:.0f}",
                  "batt": f"{w.battery:.0f}"}
        try:
            self.api.call("GET", "/osmand", params=params)
            self.stats["positions"] += 1
        except ApiError as e:
            self.stats["position_errors"] += 1
            log.debug("position refused: %s", e)

    # -- new cases
    def report(self) -> None:
        source = self.rng.choices(list(SOURCES), weights=list(SOURCES.values()))[0]
        kind, code, comp = "event", self.rng.choices(list(EVENTS), weights=list(EVENTS.values()))[0], None
        if source == "inspector" and self.walkers:
            w = self.rng.choice(list(self.walkers.values()))
            x, y = w.x + self.rng.uniform(-8, 8), w.y + self.rng.uniform(-8, 8)
            user = w.username
        elif source == "video" and self.cam_xy:
            cx, cy, d = self.rng.choice(self.cam_xy)
            ang = math.radians(d if d == d and d is not None else self.rng.uniform(0, 360))
            dist = self.rng.uniform(10, 40)
            x, y = cx + dist * math.sin(ang), cy + dist * math.cos(ang)
            user = "acceptor"
        else:
            poly = self.rng.choice(self.grid_polys)
            minx, miny, maxx, maxy = poly.bounds
            for _ in range(100):
                x, y = self.rng.uniform(minx, maxx), self.rng.uniform(miny, maxy)
                if shapely.contains_xy(poly, x, y):
                    break
            user = "leader" if source == "leader" else "acceptor"
        near = self.comp_tree.query(shapely.Point(x, y).buffer(40.0))
        if source != "video" and len(near) and self.rng.random() < COMPONENT_SHARE:
            i = int(self.rng.choice(list(near)))
            comp, (x, y) = self.comp_rows[i], self.comp_xy[i]
            kind, code = "component", comp[1]
        lon, lat = self.lonlat(x, y)
        addr = self.comp_rows[int(self.comp_tree.nearest(shapely.Point(x, y)))][3] or None
        name = self.class_names.get((kind, code), code)
        texts = EVENT_TEXT.get(code) if kind == "event" else None
        desc = self.rng.choice(texts).format(a=addr or "", n=self.rng.randint(2, 6)) if texts else \
            f"{addr or ''}{name}{self.rng.choice(['破损', '缺失', '污损']) if kind == 'component' else '问题'}"
        body = {"kind": kind, "class_code": code, "lon": round(lon, 7), "lat": round(lat, 7),
                "description": desc, "address": addr}
        if comp is not None:
            body["component_id"] = comp[0]
        if source == "open311" and self._open311(body):
            return
        if source in ("hotline", "video", "open311"):
            body["source"] = "citizen" if source == "open311" else source
        if source in PUBLIC:
            body["reporter_name"] = f"{self.rng.choice(SURNAMES)}{self.rng.choice(['先生', '女士'])}"
            body["reporter_contact"] = f"1{self.rng.choice('3589')}{self.rng.randint(0, 9)}****" \
                                       f"{self.rng.randint(0, 9999):04d}"
        try:
            self.api.call("POST", "/api/cases", user, json=body)
            self.stats["reported"] += 1
        except ApiError as e:  # e.g. an account deactivated meanwhile: report the next one
            self.stats[f"report_refused_{e.status}"] += 1
            log.warning("report refused: %s", e)

    def _open311(self, body: dict) -> bool:
        form = {"api_key": self.cfg.open311_key, "service_code": f"{body['kind']}-{body['class_code']}",
                "lat": body["lat"], "long": body["lon"], "description": body["description"],
                "address_string": body.get("address") or "", "first_name": self.rng.choice(SURNAMES),
                "phone": f"1{self.rng.choice('3589')}{self.rng.randint(0, 9)}{self.rng.randint(0, 99999999):08d}"}
        if body.get("component_id"):
            form["attribute[component_id]"] = body["component_id"]
        try:
            self.api.call("POST", "/open311/v2/requests.json", data=form)
            self.stats["reported"] += 1
            return True
        except ApiError as e:
            log.debug("Open311 refused (%s): reporting through the acceptor", e)
            return False

    # -- the workflow
    def work(self, now: float) -> None:
        page = self.api.call("GET", "/api/cases", "dispatcher",
                             params={"state": ",".join(OPEN_STATES), "limit": 1000, "sort": "updated_at"})
        open_ids = {c["id"] for c in page["items"]}
        self.due = {k: v for k, v in self.due.items() if k[0] in open_ids}
        self.plans = {k: v for k, v in self.plans.items() if k[0] in open_ids}
        tasks = {c["id"] for c in page["items"] if c["state"] in ("verifying", "checking")}
        for w in self.walkers.values():
            if w.task is not None and w.task not in tasks:
                w.done()  # answered by someone else meanwhile
        for c in page["items"]:
            if self._stop.is_set():
                return
            try:
                self.step(c, now)
            except ApiError as e:
                # Someone was quicker (409), or the case left our reach meanwhile: not an error.
                self.stats[f"refused_{e.status}"] += 1
                log.debug("case %s: %s", c.get("number"), e)
                self.due.pop(self._key(c), None)

    @staticmethod
    def _key(c: dict) -> tuple:
        return (c["id"], c["state"], c.get("stage_started_at"), c.get("pending"))

    @staticmethod
    def _ts(text: str | None) -> float:
        """A server time as seconds since the epoch."""
        if not text:
            return time.time()
        return datetime.fromisoformat(text).astimezone(timezone.utc).timestamp()

    def _due(self, c: dict, sim_seconds: float, base: str | None = None) -> bool:
        """True once `sim_seconds` of simulated time have passed since the stage began."""
        key = self._key(c)
        if key not in self.due:
            began = max(self._ts(base or c.get("stage_started_at") or c.get("updated_at")), self.started)
            self.due[key] = began + sim_seconds / max(self.cfg.speedup, 1e-9)
        return time.time() >= self.due[key]

    def _delay_s(self, median_minutes: float) -> float:
        return 60.0 * min(median_minutes * 4, self.rng.lognormvariate(math.log(median_minutes), 0.5))

    def act(self, c: dict, user: str, action: str, **body: Any) -> dict:
        out = self.api.call("POST", f"/api/cases/{c['id']}/actions/{action}", user,
                            json={k: v for k, v in body.items() if v is not None})
        self.stats[action] += 1
        self.due.pop(self._key(c), None)
        return out

    def step(self, c: dict, now: float) -> None:
        state, key = c["state"], self._key(c)
        if key not in self.due and state not in ("verifying", "checking", "handling", "suspended"):
            self._due(c, self._delay_s({"reported": 4, "pending_filing": 5, "pending_dispatch": 5,
                                        "pending_check": 8}.get(state, 5)))
        if state == "reported":
            if self._due(c, 0):
                self.accept(c)
        elif state in ("verifying", "checking"):
            self.inspector_task(c)
        elif state == "pending_filing" and self._due(c, 0):
            conds = self.conditions.get((c["kind"], c["class_code"])) or []
            if conds:
                self.act(c, "shift_leader", "file", condition_id=conds[0] if self.rng.random() < 0.7
                         else self.rng.choice(conds))
        elif state == "pending_dispatch" and self._due(c, 0):
            self.dispatch(c)
        elif state == "handling":
            self.handling(c)
        elif state == "suspended":
            if self._due(c, self.rng.uniform(2, 10) * 86400, base=c.get("updated_at")):
                self.act(c, "dispatcher", "resume")
        elif state == "pending_check" and self._due(c, 0):
            self.after_feedback(c)

    def accept(self, c: dict) -> None:
        """A public report is verified first (one in three); then accepted, or rejected when the
        inspector did not find it (and now and then as a duplicate)."""
        found = True
        if c["source"] in PUBLIC:
            events = self.api.call("GET", f"/api/cases/{c['id']}/events", "acceptor")
            answer = next((e for e in reversed(events) if e["action"] == "answer_verify"), None)
            if answer is None and c["id"] % 3 == 0:
                self.act(c, "acceptor", "send_verify")
                return
            found = answer is None or (answer.get("data") or {}).get("result") != "not_found"
        if not found:
            self.act(c, "acceptor", "reject", reason="现场核实未发现该问题")
        elif self.rng.random() < 0.03:
            self.act(c, "acceptor", "reject", reason="重复上报，已有案件在处理")
        else:
            self.act(c, "acceptor", "accept")

    def dispatch(self, c: dict) -> None:
        params = {"kind": c["kind"], "class_code": c["class_code"], "lon": c["lon"], "lat": c["lat"]}
        if c.get("component_id"):
            params["component_id"] = c["component_id"]
        sugg = [s["department"]["id"] for s in self.api.call("GET", "/api/ref/suggest-department", "dispatcher",
                                                             params=params)
                if self.dept_user.get(s["department"]["id"])]
        if not sugg:
            return
        pick = sugg[1] if len(sugg) > 1 and c["kind"] == "event" and not c["class_code"].startswith("04") \
            and self.rng.random() < 0.3 else sugg[0]
        self.act(c, "dispatcher", "dispatch", department_id=pick)

    def handling(self, c: dict) -> None:
        dept = self.dept_user.get(c.get("department_id"))
        if dept is None:
            return
        if c.get("pending"):  # an extension or suspension request waits for the dispatcher
            req = (c.get("pending_data") or {}).get("requested_at")
            if self._due(c, self._delay_s(15), base=req):
                what = c["pending"]
                if self.rng.random() < 0.85:
                    self.act(c, "dispatcher", f"approve_{what}")
                else:
                    self.act(c, "dispatcher", f"deny_{what}", reason="理由不充分，请按期处置")
            return
        # A round begun before the simulator started counts from its start, with the time then left.
        start = max(self._ts(c.get("stage_started_at")), self.started)
        deadline = self._ts(c.get("deadline_at")) if c.get("deadline_at") else start
        span = deadline - start if deadline - start > 600 else 4 * 3600.0
        rkey = (c["id"], c.get("stage_started_at"))
        plan = self.plans.get(rkey)
        if plan is None:
            r = self.rng.random()
            plan = self.plans[rkey] = ("return" if r < 0.03 else "extend" if r < 0.07 else "feedback")
        rng = random.Random(str(rkey))
        if plan == "return":
            if self._due(c, span * 0.1):
                self.plans[rkey] = "done"
                self.act(c, dept, "dept_return", reason="不属于本单位职责范围，请重新派遣")
        elif plan == "extend":
            if self._due(c, span * 0.7):
                self.plans[rkey] = "feedback"
                self.act(c, dept, "request_extension", reason="需采购材料，申请延期",
                         amount=2 if c.get("limit_type") != "work_day" else 1,
                         limit_type=c.get("limit_type") or "work_day")
        else:
            late = rng.random() < 0.03
            frac = rng.uniform(1.05, 1.4) if late else (rng.betavariate(1.3, 4.0) if rng.random() < 0.7
                                                        else rng.uniform(0.5, 0.95))
            # Wall-clock span / speedup: the server's deadline is real time.
            if time.time() >= start + frac * span / max(self.cfg.speedup, 1e-9):
                self.act(c, dept, "feedback", comment="已处置完毕（实时模拟）")

    def after_feedback(self, c: dict) -> None:
        """PENDING_CHECK: send a check after a feedback; close or rework after the check."""
        events = self.api.call("GET", f"/api/cases/{c['id']}/events", "acceptor")
        last = next((e for e in reversed(events) if e["action"] in ("feedback", "answer_check")), None)
        if last is None or last["action"] == "feedback":
            self.act(c, "acceptor", "send_check")
        elif (last.get("data") or {}).get("result") == "not_fixed":
            self.act(c, "dispatcher", "rework", reason="核查未整改到位，返工")
        else:
            self.act(c, "shift_leader", "close")

    def inspector_task(self, c: dict) -> None:
        """The tasked inspector walks to the case and answers there (or after 25 simulated minutes)."""
        w = self.walkers.get(c.get("task_inspector_id"))
        if w is not None and w.task is None:  # one task at a time; the next waits its turn
            w.task = c["id"]
            w.go_to(self.net, *self.to_xy.transform(c["lon"], c["lat"]))
        timeout = self._due(c, 25 * 60)  # then the answer is entered anyway
        if (w is not None and w.task == c["id"] and w.arrived()) or timeout:
            user = w.username if w is not None else "acceptor"
            if c["state"] == "verifying":
                ok = self.rng.random() >= 0.1
                self.act(c, user, "answer_verify", result="confirmed" if ok else "not_found",
                         comment="现场核实属实" if ok else "现场未发现该问题")
            else:
                ok = self.rng.random() >= 0.05
                self.act(c, user, "answer_check", result="fixed" if ok else "not_fixed",
                         comment="核查已整改到位" if ok else "现场问题依旧存在")
            if w is not None and w.task == c["id"]:
                w.done()


def main(argv: list[str] | None = None) -> int:
    """`simulate` subcommand (see server_stub.citydata.__main__)."""
    import argparse
    p = argparse.ArgumentParser(prog="python -m server_stub.citydata simulate")
    add_arguments(p)
    return run_from_args(p.parse_args(argv))


def add_arguments(p: Any) -> None:
    p.add_argument("--server", required=True, help="base URL of the server, e.g. http://127.0.0.1:8000")
    p.add_argument("--rate", type=float, default=1.0, help="new cases per simulated minute (default 1)")
    p.add_argument("--speedup", type=float, default=1.0,
                   help="simulated seconds per real second (default 1: real time)")
    p.add_argument("--duration", type=float, default=None, help="stop after this many real seconds")
    p.add_argument("--password", default="demo", help="password of the demo accounts (default demo)")
    p.add_argument("--seed", type=int, default=None, help="random seed")
    p.add_argument("--open311-key", default="demo-open311-key", help="Open311 api_key for citizen reports")


def run_from_args(args: Any) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.rate < 0 or args.speedup <= 0:
        print("error: --rate must be >= 0 and --speedup > 0")
        return 2
    sim = Simulator(SimulatorConfig(server=args.server, rate=args.rate, speedup=args.speedup,
                                    duration=args.duration, password=args.password, seed=args.seed,
                                    open311_key=args.open311_key))
    if not sim.wait_for_server(timeout=30):
        print(f"error: no server answers at {args.server}/api/health")
        return 2
    try:
        stats = sim.run()
    except KeyboardInterrupt:
        stats = sim.stats
    print("simulated: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.items())))
    return 0
