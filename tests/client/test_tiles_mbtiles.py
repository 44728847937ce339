"""MBTiles: metadata, TMS row flip, missing tiles, reading through the fetcher."""
from __future__ import annotations

import sqlite3
import threading

import mercantile
import pytest

from app.map.tiles import MBTilesError, MBTilesSource, TileFetcher, TileStatus

PNG_HEADER = b"\x89PNG\r\n\x1a\n"


def make_mbtiles(path, tiles: dict[tuple[int, int, int], bytes], metadata: dict[str, str]):
    """Write an MBTiles file; ``tiles`` is keyed by XYZ (z, x, y) and stored with TMS rows."""
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE metadata (name TEXT, value TEXT);
        CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,
                            tile_data BLOB);
        CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
    """)
    conn.executemany("INSERT INTO metadata VALUES (?, ?)", list(metadata.items()))
    conn.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                     [(z, x, (1 << z) - 1 - y, data) for (z, x, y), data in tiles.items()])
    conn.commit()
    conn.close()
    return path


def tile_bytes(z, x, y) -> bytes:
    return PNG_HEADER + f"{z}/{x}/{y}".encode()


@pytest.fixture
def beijing_mbtiles(tmp_path):
    # Beijing at z 10..11: XYZ (843, 387) at z10 and its four children at z11
    tiles = {(10, 843, 387): tile_bytes(10, 843, 387)}
    for dx in (0, 1):
        for dy in (0, 1):
            tiles[(11, 1686 + dx, 774 + dy)] = tile_bytes(11, 1686 + dx, 774 + dy)
    return make_mbtiles(tmp_path / "beijing.mbtiles", tiles, {
        "name": "北京离线底图", "format": "png", "bounds": "116.0,39.6,116.8,40.2",
        "minzoom": "10", "maxzoom": "11", "attribution": "test data", "type": "baselayer"})


def test_metadata(beijing_mbtiles):
    src = MBTilesSource(beijing_mbtiles)
    try:
        assert src.title == "北京离线底图"
        assert src.format == "image/png"
        assert (src.min_zoom, src.max_zoom) == (10, 11)
        assert src.tms.zooms == [10, 11] and src.tms.crs.to_epsg() == 3857
        assert src.bounds == (116.0, 39.6, 116.8, 40.2)
        assert tuple(src.bounds_xy) == pytest.approx(
            mercantile.xy(116.0, 39.6) + mercantile.xy(116.8, 40.2), abs=0.01)
        assert src.id == "mbtiles-beijing" and src.attribution == "test data"
        assert not src.is_remote
    finally:
        src.close()


def test_rows_are_flipped_from_tms(beijing_mbtiles):
    src = MBTilesSource(beijing_mbtiles)
    try:
        assert src.read_tile(10, 843, 387) == tile_bytes(10, 843, 387)
        assert src.read_tile(11, 1687, 775) == tile_bytes(11, 1687, 775)
        # the same row read without the flip does not exist
        assert src.read_tile(10, 843, (1 << 10) - 1 - 387) is None
        assert src.read_tile(12, 0, 0) is None  # outside the zoom range
        assert src.read_tile(10, 5000, 0) is None  # outside the matrix
    finally:
        src.close()


def test_zoom_range_from_tiles_when_metadata_lacks_it(tmp_path):
    path = make_mbtiles(tmp_path / "bare.mbtiles",
                        {(3, 6, 3): tile_bytes(3, 6, 3), (5, 26, 12): tile_bytes(5, 26, 12)},
                        {"name": "bare", "format": "jpg"})
    src = MBTilesSource(path)
    try:
        assert (src.min_zoom, src.max_zoom) == (3, 5)
        assert src.format == "image/jpeg" and src.bounds is None
        assert src.read_tile(5, 26, 12) == tile_bytes(5, 26, 12)
    finally:
        src.close()


def test_bad_files(tmp_path):
    with pytest.raises(MBTilesError, match="not found"):
        MBTilesSource(tmp_path / "nope.mbtiles")
    junk = tmp_path / "junk.mbtiles"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(MBTilesError):
        MBTilesSource(junk)


def test_read_through_the_fetcher_off_the_caller_thread(beijing_mbtiles, tmp_path):
    src = MBTilesSource(beijing_mbtiles)
    threads = set()
    with TileFetcher(workers=3, cache_dir=tmp_path / "cache") as fetcher:
        futures = fetcher.request_many(
            src, [(10, 843, 387), (11, 1686, 775), (11, 0, 0)],
            callback=lambda r: threads.add(threading.current_thread().name))
        results = {k: f.result(timeout=5) for k, f in futures.items()}
    src.close()
    by_xy = {(k.z, k.x, k.y): r for k, r in results.items()}
    assert by_xy[(10, 843, 387)].status is TileStatus.OK
    assert by_xy[(10, 843, 387)].data == tile_bytes(10, 843, 387)
    assert by_xy[(11, 1686, 775)].origin == "file"
    assert by_xy[(11, 0, 0)].status is TileStatus.MISSING
    assert threads and all(t.startswith("tiles") for t in threads)
    assert not (tmp_path / "cache" / src.id).exists()  # local tiles are not copied to disk
