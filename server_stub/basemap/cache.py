"""Rendered tiles: an in-memory LRU in front of a disk cache <data_dir>/tiles/<style>/<tms>/<z>/<x>/<y>.png.

The disk cache carries a stamp (tiles/stamp.json: the city package's file identity, the styles' hash,
the tile matrix sets); when it no longer matches, the old tiles are deleted, so a new city or a
restyled basemap never shows stale tiles. ETags are content hashes.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
import threading
import zlib
from collections import OrderedDict
from pathlib import Path
from typing import NamedTuple


class Tile(NamedTuple):
    data: bytes
    etag: str            # quoted strong ETag (content hash)
    empty: bool = False  # the shared transparent tile (outside the city)


def etag_of(data: bytes) -> str:
    return '"' + hashlib.blake2b(data, digest_size=12).hexdigest() + '"'


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def transparent_png(size: int = 256) -> bytes:
    """A fully transparent RGBA PNG (about 100 bytes), written without any imaging library."""
    raw = (b"\x00" + b"\x00" * 4 * size) * size
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b""))


EMPTY_PNG = transparent_png()
EMPTY_TILE = Tile(EMPTY_PNG, etag_of(EMPTY_PNG), True)

Key = tuple[str, str, int, int, int]  # style, tile matrix set, z, x, y


class TileCache:
    def __init__(self, root: Path | None, stamp: dict, memory_tiles: int = 4096):
        self.root = Path(root) if root is not None else None
        self.memory_tiles = memory_tiles
        self._mem: OrderedDict[Key, Tile] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.disk_hits = self.misses = 0
        if self.root is not None:
            self._check_stamp(stamp)

    def _check_stamp(self, stamp: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / "stamp.json"
        text = json.dumps(stamp, sort_keys=True, ensure_ascii=False)
        try:
            same = path.read_text(encoding="utf-8") == text
        except OSError:
            same = False
        if not same:
            for child in self.root.iterdir():
                if child.is_dir():
                    shutil.rmtree(child, ignore_errors=True)
            path.write_text(text, encoding="utf-8")

    def _path(self, key: Key) -> Path:
        style, tms, z, x, y = key
        return self.root / style / tms / str(z) / str(x) / f"{y}.png"

    def get(self, key: Key) -> Tile | None:
        with self._lock:
            tile = self._mem.get(key)
            if tile is not None:
                self._mem.move_to_end(key)
                self.hits += 1
                return tile
        if self.root is not None:
            try:
                data = self._path(key).read_bytes()
            except OSError:
                data = None
            if data is not None:
                tile = Tile(data, etag_of(data), data == EMPTY_PNG)
                self._remember(key, tile)
                with self._lock:
                    self.disk_hits += 1
                return tile
        with self._lock:
            self.misses += 1
        return None

    def put(self, key: Key, data: bytes) -> Tile:
        tile = EMPTY_TILE if data == EMPTY_PNG else Tile(data, etag_of(data))
        if self.root is not None:
            path = self._path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)  # readers never see half a file
        self._remember(key, tile)
        return tile

    def _remember(self, key: Key, tile: Tile) -> None:
        with self._lock:
            self._mem[key] = tile
            self._mem.move_to_end(key)
            while len(self._mem) > self.memory_tiles:
                self._mem.popitem(last=False)
