"""`python -m server_stub --demo`: the demo city, loaded into the database once, with a case history
and a live simulator.

First start: build the demo city package into <data_dir>/city (about 5 s), load its reference data
through services/loader.py (one transaction per table kind, strict), create the demo accounts
(password "demo"), and generate about three months of case history through the case service.
With live_streams (the server's --demo): the cameras' live HLS loops are rendered in the background
and a few cameras go on RTSP (streams.py). Later starts find everything in place and only point the server
at the package (well under a second). Each part is checked on its own, so a start that was
interrupted half-way completes the rest next time.

The live simulator (simulator.py) then runs in a thread, driving the server over HTTP like any
client, unless OCC_DEMO_SIMULATOR=0.

Environment: OCC_DEMO_HISTORY_DAYS (default 90; 0 = no history), OCC_DEMO_BACKGROUND_DELAY_S (10), OCC_DEMO_SIMULATOR (0 = off),
OCC_DEMO_SIMULATOR_RATE (new cases per simulated minute, default 1), OCC_DEMO_SIMULATOR_SPEEDUP
(simulated seconds per real second, default 1).
"""
from __future__ import annotations

import logging
import os
import threading
import time
import warnings
from pathlib import Path
from typing import Any, Callable

from shapely.geometry import mapping
from sqlalchemy import func, select

from ..db.models import (Camera, Case, ClassResponsibility, Component, Department, Inspector, Region,
                         ResponsibilityGrid, UnitGrid, User)
from ..security import hash_password
from ..services import city as city_svc
from ..services import loader
from . import GPKG_NAME, JSON_NAME, demo_cache, streams

log = logging.getLogger("occ.demo")

PASSWORD = "demo"
LONLAT_CRS = 4490  # CGCS2000 geographic: what the database stores (≈ WGS84 degrees)
# The centre's posts (username, display name, role); admin is bootstrap's own account.
STAFF = (("acceptor", "周静", "acceptor"), ("shift_leader", "王建国", "shift_leader"),  # the UI adds the role
         ("dispatcher", "刘洋", "dispatcher"), ("leader", "陈志强", "leader"))
HISTORY_DAYS = 90
HISTORY_BATCH = 4  # cases per transaction when the history is written while the server serves
BACKGROUND_DELAY_S = 10.0  # the patrols and history writer starts this long after the server
OFFLINE_EVERY = 9  # every 9th demo camera is reported offline (the video wall shows it so)


# ---------------------------------------------------------------- the package
def ensure_package(directory: Path) -> bool:
    """Builds the demo city package into `directory` when it has none; True if it was built."""
    if (directory / JSON_NAME).exists() and (directory / GPKG_NAME).exists():
        return False
    from .package import build_city
    log.info("building the demo city package into %s (first start, about 5 s)", directory)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_city(directory, demo=True)
    return True


class PackageReader:
    """Layers of a city package, geometries in lon/lat (EPSG:4490)."""

    def __init__(self, gpkg: Path):
        self.gpkg = gpkg
        self._cache: dict[str, Any] = {}

    def layer(self, name: str, lonlat: bool = True):  # noqa: ANN201 - a (Geo)DataFrame
        key = f"{name}:{lonlat}"
        if key not in self._cache:
            import pyogrio
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                df = pyogrio.read_dataframe(self.gpkg, layer=name)
            if lonlat and hasattr(df, "geometry") and df.crs is not None:
                df = df.to_crs(LONLAT_CRS)
            self._cache[key] = df
        return self._cache[key]


def _s(v: Any) -> str | None:
    """A text cell: None for empty / NaN."""
    if v is None or (isinstance(v, float) and v != v):
        return None
    v = str(v).strip()
    return v or None


# ---------------------------------------------------------------- rows for the loader
def department_rows(pkg: PackageReader) -> list[dict]:
    return [{"code": r.code, "name": r.name, "kind": r.kind, "region_code": _s(r.region_code)}
            for r in pkg.layer("departments").itertuples()]


def region_rows(pkg: PackageReader) -> list[dict]:
    rows = []
    for layer in ("districts", "streets", "communities"):
        df = pkg.layer(layer)
        for r in df.itertuples():
            rows.append({"code": r.code, "name": r.name, "parent_code": _s(getattr(r, "parent_code", None)),
                         "geometry": mapping(r.geometry)})
    return rows


def responsibility_grid_rows(pkg: PackageReader) -> list[dict]:
    return [{"code": r.code, "name": r.name} for r in pkg.layer("responsibility_grids").itertuples()]


def unit_grid_rows(pkg: PackageReader) -> list[dict]:
    return [{"code": r.code, "geometry": mapping(r.geometry), "area_m2": float(r.area_m2),
             "responsibility_grid": _s(r.responsibility_grid)} for r in pkg.layer("unit_grids").itertuples()]


def class_responsibility_rows(pkg: PackageReader) -> list[dict]:
    """Components: owner, maintainer, authority (先属主); events: the emergency utility named
    `first`, then the owning department. The locality (street office) is not a row: the
    suggestion puts the street office of the point's street first for events (先属地)."""
    rows: list[dict] = []

    def add(kind: str, cls: str, codes: list[str | None]) -> None:
        seen: list[str] = []
        for c in codes:
            if c and c != "locality" and c not in seen:
                seen.append(c)
        rows.extend({"kind": kind, "class_code": cls, "department": c, "priority": i + 1}
                    for i, c in enumerate(seen))

    for r in pkg.layer("component_responsibility").itertuples():
        add("component", r.class_code, [_s(r.owner), _s(r.maintainer), _s(r.authority)])
    for r in pkg.layer("event_responsibility").itertuples():
        add("event", r.event_code, [_s(r.first), _s(r.owner)])
    return rows


def component_rows(pkg: PackageReader) -> list[dict]:
    df = pkg.layer("components")
    xs, ys = df.geometry.x.to_numpy(), df.geometry.y.to_numpy()
    out = []
    for i, r in enumerate(df.itertuples()):
        out.append({"id": r.id, "class_code": r.class_code, "name": _s(r.name), "lon": float(xs[i]),
                    "lat": float(ys[i]), "authority": _s(r.authority), "owner": _s(r.owner),
                    "maintainer": _s(r.maintainer), "grid_code": _s(r.grid_code), "state": _s(r.state),
                    "currency": _s(r.currency), "data_source": _s(r.data_source), "address": _s(r.address),
                    "survey_date": _s(r.survey_date)})
    return out


def camera_rows(pkg: PackageReader) -> list[dict]:
    """Cameras on the demo server's own live HLS (main 1280×720, sub 640×360; start_live_streams
    moves a few to RTSP at each start); every OFFLINE_EVERY-th is reported offline."""
    df = pkg.layer("cameras")
    out = []
    for i, r in enumerate(df.itertuples()):
        direction = None if r.direction is None or r.direction != r.direction else float(r.direction) % 360
        main, sub = streams.hls_urls(r.id)
        out.append({"id": r.id, "name": r.name, "lon": float(r.geometry.x), "lat": float(r.geometry.y),
                    "direction": direction, "stream_url": main, "sub_stream_url": sub,
                    "kind": _s(r.kind) or "fixed", "grid_code": _s(r.grid_code),
                    "online": bool(r.online) and i % OFFLINE_EVERY != OFFLINE_EVERY - 1})
    return out


def inspector_rows(pkg: PackageReader) -> list[dict]:
    return [{"username": r.username, "display_name": r.display_name, "device_id": r.device_id,
             "responsibility_grid": _s(r.responsibility_grid)} for r in pkg.layer("inspectors").itertuples()]


# ---------------------------------------------------------------- loading
def _count(s, column) -> int:  # noqa: ANN001
    return int(s.scalar(select(func.count()).select_from(column.table)) or 0)


def _ensure_users(s, specs: list[tuple[str, str, str, int | None]], pw_hash: str) -> list[str]:  # noqa: ANN001
    """Creates the missing accounts of (username, display name, role, department id).
    They all share one argon2 hash of the demo password: hashing each would cost ~0.2 s apiece."""
    have = set(s.scalars(select(User.username)))
    made = []
    for username, display, role, dept_id in specs:
        if username in have:
            continue
        s.add(User(username=username, display_name=display, password_hash=pw_hash, role=role,
                   department_id=dept_id))
        made.append(username)
    s.flush()
    return made


def load_reference(ctx: Any, pkg: PackageReader) -> dict[str, int]:
    """Loads every table kind still empty, one strict transaction each; returns rows loaded."""
    db = ctx.db
    done: dict[str, int] = {}

    def step(name: str, column, fn: Callable[[Any], Any]) -> None:  # noqa: ANN001
        with db.transaction() as s:
            if _count(s, column):
                return
            rep = fn(s)
            done[name] = rep.inserted + rep.updated
            log.info("demo: %s", rep.summary())

    step("departments", Department.id, lambda s: loader.load_departments(s, department_rows(pkg), strict=True))
    step("regions", Region.code, lambda s: loader.load_regions(s, region_rows(pkg), strict=True))
    step("responsibility_grids", ResponsibilityGrid.id,
         lambda s: loader.load_responsibility_grids(s, responsibility_grid_rows(pkg), strict=True))
    step("unit_grids", UnitGrid.code, lambda s: loader.load_unit_grids(s, unit_grid_rows(pkg), strict=True))
    step("class_responsibility", ClassResponsibility.id,
         lambda s: loader.load_class_responsibility(s, class_responsibility_rows(pkg),
                                                    classification=ctx.classification, strict=True))
    step("components", Component.id,
         lambda s: loader.load_components(s, component_rows(pkg), classification=ctx.classification,
                                          strict=True))
    step("cameras", Camera.id, lambda s: loader.load_cameras(s, camera_rows(pkg), strict=True))
    return done


def ensure_accounts(ctx: Any, pkg: PackageReader) -> list[str]:
    """The centre's posts, one user per department (username = its key) and the package's
    inspectors (with their devices and responsibility grids); returns the usernames created."""
    depts = pkg.layer("departments")
    with ctx.db.transaction() as s:
        have = set(s.scalars(select(User.username)))
        inspectors = inspector_rows(pkg)
        dept_ids = dict(s.execute(select(Department.code, Department.id)).all())
        specs = [(u, d, r, None) for u, d, r in STAFF]
        specs += [(r.key, r.name, "department", dept_ids[r.code]) for r in depts.itertuples()]
        specs += [(r["username"], r["display_name"], "inspector", None) for r in inspectors]
        if all(spec[0] in have for spec in specs) and _count(s, Inspector.user_id):
            return []
        made = _ensure_users(s, specs, hash_password(PASSWORD))
        rep = loader.load_inspectors(s, inspectors, strict=True)
        log.info("demo: %s; %d accounts created", rep.summary(), len(made))
        return made


def demo_logins(ctx: Any) -> list[str]:
    with ctx.db.session() as s:
        depts = list(s.scalars(select(User.username).where(User.role == "department").order_by(User.id)))
        insp = list(s.scalars(select(User.username).where(User.role == "inspector").order_by(User.id)))
    staff = ", ".join(u for u, _, _ in STAFF)
    return [f"demo logins (password '{PASSWORD}'): {staff}",
            f"  departments: {', '.join(depts)}",
            f"  inspectors: {', '.join(insp)}"]


def _env_number(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        log.warning("%s=%r is not a number: using %s", name, os.environ.get(name), default)
        return default


def history_days() -> int:
    return int(_env_number("OCC_DEMO_HISTORY_DAYS", HISTORY_DAYS))


def prepare_city(ctx: Any, data_dir: Path) -> list[str]:
    """The city package in <data_dir>/city, its reference data and the demo accounts in the
    database: each part that is missing, from the cache (demo_cache) when it has them, else built
    and loaded (and then kept in the cache). Returns what it did, for the start's printout."""
    directory = data_dir / "city"
    # a first start: the city as an earlier first start prepared it, when there is one
    cached = demo_cache.restore_package(directory)
    cached_db = cached and demo_cache.restore_reference(ctx)
    if not demo_cache.restore_streams(data_dir):  # the cameras' loops: copied, or kept once rendered here
        demo_cache.save_streams(data_dir)
    with ctx.db.session() as s:
        cameras_missing = not _count(s, Camera.id)
        complete = all(_count(s, col) for col in (Department.id, Region.code, ResponsibilityGrid.id,
                                                 UnitGrid.code, ClassResponsibility.id, Component.id))
    built = ensure_package(directory)
    city_svc.set_city(ctx, directory)
    pkg = PackageReader(directory / GPKG_NAME)
    loaded = {} if complete and not cameras_missing else load_reference(ctx, pkg)
    made = [] if cached_db else ensure_accounts(ctx, pkg)
    if built or (cached and not cached_db):  # only the demo's own city: a package put in data_dir may be another
        demo_cache.save_package(directory)
        demo_cache.save_reference(ctx)
    lines: list[str] = []
    if cached:
        lines.append(f"demo city taken from the cache {demo_cache.entry()}"
                     + (" (package, reference data and accounts)" if cached_db else " (package)"))
    elif built or loaded or made:
        what = ", ".join(f"{v} {k}" for k, v in loaded.items()) + (f"; {len(made)} accounts" if made else "")
        lines.append(f"demo city loaded: {what};")
    return lines


def prepare_cache() -> Path:
    """The demo city in the cache (demo_cache), prepared in a temporary data dir when it is not
    there yet (`make run` does this once at set-up, so the first start itself takes seconds)."""
    import tempfile

    from ..app import create_app
    from ..settings import Settings
    ent = demo_cache.entry()
    if (ent / "reference.sqlite").exists() and all((ent / "city" / f).exists() for f in (GPKG_NAME, JSON_NAME)):
        return ent
    with tempfile.TemporaryDirectory(prefix="occ-demo-prepare-") as tmp:
        ctx = create_app(Settings(db=f"sqlite:///{tmp}/demo.sqlite", data_dir=Path(tmp))).state.ctx
        ctx.db.migrate()
        from ..bootstrap import ensure_admin
        ensure_admin(ctx)  # id 1, as in every server's own database: the copied accounts come after it
        for line in prepare_city(ctx, Path(tmp)):
            log.info("demo: %s", line)
        if streams.prepare_streams(tmp) is not None:  # the cameras' loops too (ffmpeg; none without it)
            demo_cache.save_streams(Path(tmp))
        ctx.db.engine.dispose()
    return ent


def load_demo(ctx: Any, *, history: int | None = None, simulator: bool | None = None,
              seed: int = 20240601, background_history: bool = False, live_streams: bool = False) -> list[str]:
    """Makes the server a demo city (see the module doc); returns lines to print at start.
    `history` = days of case history generated when the database has no cases (default 90, env
    OCC_DEMO_HISTORY_DAYS); `simulator` = start the live simulator (default: unless
    OCC_DEMO_SIMULATOR=0); `background_history`: write the patrols and the history in a niced
    child process while the server already serves (the first start is usable in seconds; clients
    get a resync when it is done); `live_streams`: the cameras' live HLS and RTSP streams
    (streams.start_live_streams)."""
    t0 = time.perf_counter()
    data_dir = Path(ctx.settings.data_dir)
    directory = data_dir / "city"
    lines = prepare_city(ctx, data_dir)
    if lines:
        lines[-1] += f" ({time.perf_counter() - t0:.1f} s)"
    if live_streams:
        lines += streams.start_live_streams(ctx)

    with ctx.db.session() as s:
        has_cases = s.scalar(select(Case.id).limit(1)) is not None
    days = history_days() if history is None else history
    if background_history:
        # patrols and history are written while the server already answers (a minute of work)
        start_background_history(ctx, days if not has_cases else 0, seed, directory / GPKG_NAME)
        if not has_cases and days > 0:
            lines.append(f"demo history: {days} days of cases being written in the background "
                         "(GET /api/health shows the progress; clients reload when it is done)")
    else:
        fixes = _patrols(ctx, directory / GPKG_NAME)
        if fixes:
            lines.append(f"recorded patrols of yesterday and today: {fixes} positions")
        if not has_cases and days > 0:
            from .history import generate_history
            stats = generate_history(ctx, days=days, seed=seed)
            lines.append(stats.summary())
    lines += demo_logins(ctx)

    if simulator is None:
        simulator = os.environ.get("OCC_DEMO_SIMULATOR", "1") not in ("0", "false", "no", "off")
    if simulator:
        sim = start_background_simulator(ctx)
        lines.append(f"live simulator: on ({sim.cfg.rate:g} new cases a minute at speedup {sim.cfg.speedup:g}, "
                     "inspectors walking; OCC_DEMO_SIMULATOR=0 turns it off)")
    log.info("demo ready in %.1f s", time.perf_counter() - t0)
    return lines


def _patrols(ctx: Any, gpkg: Path) -> int:
    from .patrols import generate_patrols
    return generate_patrols(ctx, gpkg)


def start_background_history(ctx: Any, days: int, seed: int, gpkg: Path | None = None) -> threading.Thread:
    """The recorded patrols (when `gpkg` is given) and then the case history (when `days`), written
    by a child process at low priority (nice 10) while the server serves: in a thread of the
    server the pure-Python generation held the GIL, and a first login waited over 10 s for it on
    2 cores. It writes through its own transactions (40 cases each), so requests interleave.
    A thread here follows its progress into ctx.extras["demo.history"] and sends every client a
    resync when it is done."""
    import multiprocessing
    state = ctx.extras["demo.history"] = {"done": 0, "total": None, "finished": False}
    mp = multiprocessing.get_context("spawn")  # a fresh interpreter: no threads or sockets inherited
    queue = mp.Queue()
    proc = mp.Process(target=_background_writer, name="demo-history", daemon=True,
                      args=(ctx.settings.model_dump(mode="json"), days, seed, str(gpkg) if gpkg else None, queue))

    def follow() -> None:
        try:
            # the first client logs in and loads the city before the writer competes for the 2 cores
            time.sleep(max(0.0, _env_number("OCC_DEMO_BACKGROUND_DELAY_S", BACKGROUND_DELAY_S)))
            proc.start()
            while True:
                try:
                    kind, *rest = queue.get(timeout=1.0)
                except Exception:  # noqa: BLE001 - queue.Empty: is the writer still there?
                    if not proc.is_alive():
                        log.warning("demo history: the writer stopped (exit %s)", proc.exitcode)
                        break
                    continue
                if kind == "progress":
                    state.update(done=rest[0], total=rest[1])
                elif kind == "log":
                    log.info("demo: %s", rest[0])
                else:  # "done"
                    break
            proc.join(5)
        except Exception:  # noqa: BLE001 - a demo helper must never take the server down
            log.exception("demo history stopped")
        finally:
            state["finished"] = True
            ctx.bus.resync_all()  # clients reload what they have

    t = threading.Thread(target=follow, name="demo-history", daemon=True)
    t.start()
    return t


def _background_writer(settings: dict, days: int, seed: int, gpkg: str | None, queue: Any) -> None:
    """The child process of start_background_history: its own server context on the same database."""
    try:
        os.nice(10)  # the server and the client first
    except OSError:
        pass
    parent = os.getppid()

    def orphaned() -> None:  # the server went away: stop writing
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)
    threading.Thread(target=orphaned, daemon=True).start()
    try:
        from ..app import create_app
        from ..settings import Settings
        from .history import generate_history
        ctx = create_app(Settings(**settings)).state.ctx
        if gpkg is not None:
            fixes = _patrols(ctx, Path(gpkg))
            if fixes:
                queue.put(("log", f"recorded patrols of yesterday and today: {fixes} positions"))
        if days > 0:
            def progress(done: int, total: int) -> None:
                queue.put(("progress", done, total))
                time.sleep(0.02)  # a breath between transactions: the server's own writes get the lock

            # small batches: SQLite has one writer at a time, and a login must not wait behind 40 cases
            stats = generate_history(ctx, days=days, seed=seed, batch=HISTORY_BATCH, progress=progress)
            queue.put(("log", stats.summary()))
    except Exception as e:  # noqa: BLE001 - reported to the server's log, never raised into it
        queue.put(("log", f"demo history stopped: {e!r}"))
    finally:
        queue.put(("done",))


def start_background_simulator(ctx: Any):  # noqa: ANN201 - a simulator.Simulator
    """The simulator in a daemon thread: it waits until this server answers /api/health, then
    drives it over HTTP (load_demo runs before uvicorn starts)."""
    from .simulator import Simulator, SimulatorConfig
    host = ctx.settings.host
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    url = f"http://{'[' + host + ']' if ':' in host else host}:{ctx.settings.port}"
    data_dir = getattr(ctx.settings, "data_dir", None)
    cfg = SimulatorConfig(server=url, rate=max(0.0, _env_number("OCC_DEMO_SIMULATOR_RATE", 1.0)),
                          speedup=max(0.01, _env_number("OCC_DEMO_SIMULATOR_SPEEDUP", 1.0)),
                          workdir=Path(data_dir) / "simulator" if data_dir is not None else None)
    sim = Simulator(cfg)
    ctx.extras["demo.simulator"] = sim

    def run() -> None:
        try:
            if sim.wait_for_server(timeout=600):
                sim.run()
        except Exception:  # noqa: BLE001 - a demo helper must never take the server down
            log.exception("demo simulator stopped")

    threading.Thread(target=run, name="demo-simulator", daemon=True).start()
    return sim
