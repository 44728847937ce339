"""TileLayer: tiles from an app.map.tiles source drawn on the canvas, also under a GK canvas CRS."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage

from .conftest import CRS, CX, CY, rgba


def _png(color: QColor) -> bytes:
    img = QImage(256, 256, QImage.Format.Format_ARGB32)
    img.fill(color)
    ba = QByteArray()
    buf = QBuffer(ba)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    return bytes(ba.data())


@pytest.fixture
def tile_source():
    from app.map.tiles import TileMatrixSet, TileSource

    blue = _png(QColor(30, 60, 200))

    class Solid(TileSource):
        is_remote = False

        def __init__(self):
            super().__init__("solid-test", TileMatrixSet.web_mercator_quad(0, 19), attribution="© Test tiles")
            self.reads = 0

        def read_tile(self, z, x, y):
            self.reads += 1
            return blue

    return Solid()


@pytest.mark.parametrize("canvas_crs", ["EPSG:3857", CRS])
def test_tiles_load_and_draw(canvas, qtbot, tile_source, canvas_crs):
    from app.layers.tiles import TileLayer
    from app.map.crs import transform_xy
    from app.map.tiles import TileFetcher

    fetcher = TileFetcher(cache_dir=False, workers=2)
    try:
        layer = TileLayer(tile_source, fetcher)
        canvas.set_crs(canvas_crs)
        x, y = transform_xy(CX, CY, CRS, canvas_crs)
        canvas.center_on(x, y, scale=2000)
        canvas.add_layer(layer, zoom=False)
        qtbot.waitUntil(lambda: tile_source.reads > 0 and layer.missing == 0 and not canvas.is_rendering(),
                        timeout=10000)
        img = canvas.grab().toImage()
        r, g, b, a = rgba(img, 200, 150)
        assert b > 150 and r < 80, (r, g, b, a)
        assert layer.attribution == "© Test tiles"
    finally:
        fetcher.shutdown()
