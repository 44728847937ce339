"""The track layer's drawing pieces: chunked polylines stay joined and keep the gaps."""
from __future__ import annotations

import numpy as np


def test_polylines_are_chunked_joined_and_broken_only_at_starts(qapp):
    from app.layers.tracks import CHUNK, _polylines
    n = 5 * CHUNK + 7
    x, y = np.arange(n, dtype=float), np.zeros(n)
    starts = np.zeros(n, dtype=bool)
    starts[0] = starts[2 * CHUNK + 3] = True  # a signal gap before vertex 2·CHUNK+3
    polys = _polylines(x, y, starts)
    assert all(q.size() <= CHUNK + 1 for q in polys)
    drawn = {(q.at(i).x(), q.at(i + 1).x()) for q in polys for i in range(q.size() - 1)}
    want = {(float(i), float(i + 1)) for i in range(n - 1) if i + 1 != 2 * CHUNK + 3}
    assert drawn == want


def test_raster_segments_join_up_and_faster_classes_win():
    from app.map.line_raster import dilate, rasterize_segments
    px = np.array([2.0, 40.0, 20.0, 20.0])
    py = np.array([5.0, 5.0, 0.5, 15.5])
    img = rasterize_segments(px, py, np.array([0, 2]), np.array([1, 3], dtype=np.uint8), (20, 50), step=3.0)
    wide = dilate(img, 1)
    assert wide[5, 20] == 3 and wide[5, 10] == 1  # at the crossing the higher class wins
    assert (wide[5, 2:41] > 0).all() and (wide[1:16, 20] > 0).all()  # samples 3 px apart join up
    assert wide[5, 45] == 0 and wide[12, 5] == 0


def test_dense_tracks_draw_as_a_raster_sparse_ones_as_lines(qapp):
    """Past VECTOR_MAX_SEGMENTS segments in view the layer resamples the track's raster (one image)
    instead of stroking polylines; the pixels carry the speed colour either way."""
    from PySide6.QtGui import QColor

    from app.layers.tracks import SPEED_CLASSES, VECTOR_MAX_SEGMENTS, InspectorTrack, TrackLayer
    from app.map.viewport import Viewport
    n = VECTOR_MAX_SEGMENTS + 3000
    t = np.arange(n) * 5.0
    k = np.arange(n)
    x = 500_000.0 + np.abs(((k * 6.0) % 2400.0) - 1200.0)
    y = 3_000_000.0 + (k // 400) * 4.0  # to and fro at 4.3 km/h, 4 m further north each time
    tr = InspectorTrack(1, "甲", t, np.zeros(n), np.zeros(n))
    layer = TrackLayer(crs="EPSG:4527")
    from app.layers.tracks import prepare
    tr.x, tr.y = x, y  # already in the layer's CRS
    tr.lat = np.full(n, 30.0)
    tr.crs = None
    _prepare_projected(tr, "EPSG:4527", prepare)
    layer.tracks = [tr]
    vp = Viewport(crs="EPSG:4527", cx=500_600.0, cy=3_000_000.0 + n // 400 * 2.0, mupp=2.0, width=800, height=600)
    img = layer.render(vp)
    assert layer.last_mode == "raster"
    walking = QColor(SPEED_CLASSES[1][1])
    c = img.pixelColor(*[int(v) for v in vp.map_to_pixel(x[1000], y[1000])])
    assert abs(c.blue() - walking.blue()) < 30 and c.alpha() > 200, c.name()
    near = Viewport(crs="EPSG:4527", cx=float(x[1000]), cy=float(y[1000]), mupp=0.05, width=800, height=600)
    img = layer.render(near)
    assert layer.last_mode == "vector"
    c = img.pixelColor(400, 300)
    assert abs(c.blue() - walking.blue()) < 30 and c.alpha() > 200, c.name()


def _prepare_projected(tr, crs, prepare):
    """prepare() for a track whose x/y are already in `crs` (lon/lat are placeholders)."""
    import app.layers.tracks as mod
    orig = mod.transform_xy
    mod.transform_xy = lambda lon, lat, src, dst: (tr.x, tr.y)
    try:
        prepare(tr, crs)
    finally:
        mod.transform_xy = orig


def test_a_playback_frame_blits_cached_images_only(qtbot):
    """Moving the playback clock and repainting re-renders no layer and redraws no overlay image:
    a frame is the cached layer images, the overlay sprites and the markers."""
    from app.layers import CaseLayer
    from app.layers.tracks import InspectorTrack, TrackLayer
    from app.map.canvas import MapCanvas
    canvas = MapCanvas(crs="EPSG:4527", settle_ms=0)
    canvas.resize(400, 300)
    qtbot.addWidget(canvas)
    cases = CaseLayer(crs="EPSG:4490")
    cases.set_cases([1, 2], [115.85, 115.851], [28.68, 28.681], kinds=["event"] * 2, bands=["red", "green"])
    layer = TrackLayer(crs="EPSG:4527")
    n = 200
    layer.set_tracks([InspectorTrack(1, "甲", np.arange(n) * 5.0, 115.85 + np.arange(n) * 5e-5, np.full(n, 28.68))])
    canvas.add_layer(layer, zoom=True)
    canvas.add_layer(cases, zoom=False)
    canvas.show()
    assert canvas.wait_for_render(20)
    renders: list[str] = []
    canvas.layerRendered.connect(lambda name, _s: renders.append(name))
    layer.set_time(100.0)
    canvas.repaint()
    drawn = canvas._overlay_sprites.drawn
    for k in range(20):
        layer.set_time(100.0 + k * 4)
        canvas.repaint()
    qtbot.wait(50)
    assert renders == [] and canvas._overlay_sprites.drawn == drawn
