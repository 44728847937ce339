"""Tile caches: a disk cache of fetched tiles and an in-memory LRU of encoded tile bytes.

Disk layout: ``<root>/<source id>/<z>/<x>/<y>.tile``. A file's modification time is set to the
moment it stops being fresh (fetch time + max-age), so freshness needs no side files; a stale
tile is still returned, flagged, for use when the server cannot be reached. The root defaults to
``$OCC_TILE_CACHE``, else ``$XDG_CACHE_HOME/opencitycommand/tiles``, else
``~/.cache/opencitycommand/tiles``.
"""
from __future__ import annotations

import os
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Hashable, NamedTuple


def default_cache_dir() -> Path:
    env = os.environ.get("OCC_TILE_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "opencitycommand" / "tiles"


class CachedTile(NamedTuple):
    data: bytes
    expires: float  # epoch seconds

    @property
    def fresh(self) -> bool:
        return self.expires > time.time()


class DiskTileCache:
    """Tiles on disk by source id / z / x / y. Thread-safe (atomic renames)."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root).expanduser() if root is not None else default_cache_dir()

    def path(self, source_id: str, z: int, x: int, y: int) -> Path:
        return self.root / source_id / str(z) / str(x) / f"{y}.tile"

    def get(self, source_id: str, z: int, x: int, y: int) -> CachedTile | None:
        p = self.path(source_id, z, x, y)
        try:
            st = p.stat()
            data = p.read_bytes()
        except OSError:
            return None
        if not data:
            return None
        return CachedTile(data, st.st_mtime)

    def put(self, source_id: str, z: int, x: int, y: int, data: bytes, max_age: float) -> None:
        p = self.path(source_id, z, x, y)
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=".", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                expires = time.time() + max(0.0, max_age)
                os.utime(tmp, (time.time(), expires))
                os.replace(tmp, p)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError:
            pass  # a full or read-only disk must not break the map

    def remove(self, source_id: str, z: int, x: int, y: int) -> None:
        try:
            self.path(source_id, z, x, y).unlink()
        except OSError:
            pass

    def clear(self, source_id: str | None = None) -> None:
        """Delete one source's tiles, or all."""
        import shutil

        target = self.root / source_id if source_id else self.root
        shutil.rmtree(target, ignore_errors=True)

    def size_bytes(self) -> int:
        total = 0
        for dirpath, _dirs, files in os.walk(self.root):
            for f in files:
                try:
                    total += os.stat(os.path.join(dirpath, f)).st_size
                except OSError:
                    pass
        return total

    def prune(self, max_bytes: int) -> int:
        """Delete the least recently written tiles until the cache is under ``max_bytes``;
        returns the bytes freed. Slow on big caches: run it off the GUI thread."""
        entries = []
        for dirpath, _dirs, files in os.walk(self.root):
            for f in files:
                fp = os.path.join(dirpath, f)
                try:
                    st = os.stat(fp)
                except OSError:
                    continue
                entries.append((st.st_ctime, st.st_size, fp))
        total = sum(e[1] for e in entries)
        freed = 0
        for _ctime, size, fp in sorted(entries):
            if total - freed <= max_bytes:
                break
            try:
                os.unlink(fp)
                freed += size
            except OSError:
                pass
        return freed


class MemoryLRU:
    """A thread-safe LRU of bytes, bounded by total size."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024):
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            data = self._items.get(key)
            if data is not None:
                self._items.move_to_end(key)
            return data

    def put(self, key: Hashable, data: bytes) -> None:
        if len(data) > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= len(old)
            self._items[key] = data
            self._size += len(data)
            while self._size > self.max_bytes and self._items:
                _k, v = self._items.popitem(last=False)
                self._size -= len(v)

    def discard(self, key: Hashable) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= len(old)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    @property
    def size_bytes(self) -> int:
        return self._size
