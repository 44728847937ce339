"""Components held as columns: read from a GeoPackage with Arrow, no Python object per component,
and identify / select / search by ID still answer with the right component."""
from __future__ import annotations

import numpy as np
import pytest

from .conftest import CRS, CX, CY


@pytest.fixture
def comp_gpkg(tmp_path):
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(3)
    n = 5000
    x = CX + rng.uniform(-2000, 2000, n)
    y = CY + rng.uniform(-2000, 2000, n)
    cls = rng.choice(["0101", "0402", "0105"], n)
    ids = np.array([f"360102{c}{i:06d}" for i, c in enumerate(cls)])
    path = tmp_path / "city.gpkg"
    gpd.GeoDataFrame({"id": ids, "class_code": cls}, geometry=shapely.points(x, y), crs=CRS).to_file(
        path, layer="components", driver="GPKG")
    return path, x, y, cls, ids


def test_arrow_read_keeps_every_component_as_columns(qapp, comp_gpkg):
    from app.layers import ComponentLayer

    path, x, y, cls, ids = comp_gpkg
    layer = ComponentLayer.from_file(path, layer="components", class_field="class_code")
    assert len(layer) == len(x) and layer.crs.endswith("4527")
    assert all(a.dtype != object for a in (layer.x, layer.y, layer.cls, layer.ids))
    assert layer.ids.dtype == np.int64 and layer.cls.dtype == np.int16
    assert layer.nbytes / len(layer) <= 40  # x, y, class, id and the grid index
    # the same components, in the grid's order
    got = {layer.id_at(i): (layer.x[i], layer.y[i], str(layer.class_codes[layer.cls[i]])) for i in range(len(layer))}
    for k in (0, 17, 4999):
        assert got[ids[k]] == (pytest.approx(x[k]), pytest.approx(y[k]), cls[k])


def test_identify_select_and_search_by_id(qapp, viewport, comp_gpkg):
    from app.layers import ComponentLayer
    from app.search_index import SearchIndex

    path, x, y, cls, ids = comp_gpkg
    layer = ComponentLayer.from_file(path, layer="components", class_field="class_code")
    v = viewport.with_center(x[42], y[42]).with_scale(500)
    px, py = v.map_to_pixel(x[42], y[42])
    feats = layer.identify(v, px, py)
    assert feats[0].id == ids[42] and feats[0].properties["minor_code"] == cls[42]
    box = (x[42] - 0.01, y[42] - 0.01, x[42] + 0.01, y[42] + 0.01)
    assert [f.id for f in layer.select_in_extent(box, CRS)] == [ids[42]]
    assert layer.index_of(ids[42]) is not None and layer.id_at(layer.index_of(ids[42])) == ids[42]
    assert layer.index_of("3601029999999999") is None
    index = SearchIndex()
    index.add_source("component", layer.search_source(CRS))
    hits = index.search(ids[42][:14], limit=50)
    assert ids[42] in [h.key for h in hits] and all(h.key.startswith(ids[42][:14]) for h in hits)
    hit = next(h for h in hits if h.key == ids[42])
    assert (hit.x, hit.y) == (pytest.approx(x[42]), pytest.approx(y[42]))
    assert index.search("abc") == []


def test_id_columns_of_every_shape():
    import pyarrow as pa

    from app.layers.component_columns import encode_ids

    col, w = encode_ids(pa.array(["0601020105000001", "3601020105000002"]))
    assert col.dtype == np.int64 and w == 16  # the width restores the leading zero
    col, w = encode_ids(pa.array(["12", "345"]))
    assert col.tolist() == [12, 345] and w == -1
    col, w = encode_ids(pa.array(["01", "345"]))  # a leading zero and several widths: kept as text
    assert col.tolist() == [b"01", b"345"]
    col, w = encode_ids(["路灯-1", "x"])
    assert [v.decode() for v in col] == ["路灯-1", "x"]


def test_non_2d_points_are_read_too(qapp, tmp_path):
    import geopandas as gpd
    import shapely

    from app.layers import ComponentLayer

    path = tmp_path / "z.gpkg"
    gpd.GeoDataFrame({"id": ["a", "b"], "minor_code": ["0101", "0402"]},
                     geometry=shapely.points([[CX, CY, 5.0], [CX + 10, CY, 6.0]]), crs=CRS).to_file(
        path, layer="components", driver="GPKG")
    layer = ComponentLayer.from_file(path, layer="components")
    assert sorted(zip(layer.x.tolist(), [layer.id_at(i) for i in range(2)])) == [(CX, "a"), (CX + 10, "b")]


def test_read_in_batches_equals_one_read(qapp, comp_gpkg):
    """The stream of small Arrow batches gives the same columns as one batch holding every row."""
    from app.layers import ComponentLayer

    path = comp_gpkg[0]
    whole = ComponentLayer.from_file(path, layer="components", class_field="class_code", batch_size=10 ** 6)
    parts = ComponentLayer.from_file(path, layer="components", class_field="class_code", batch_size=700)
    assert parts._id_width == whole._id_width == 16
    for layer in (whole, parts):
        assert sorted(zip(map(layer.id_at, range(len(layer))), layer.x.tolist(),
                          (str(layer.class_codes[c]) for c in layer.cls))) == sorted(
            zip(map(whole.id_at, range(len(whole))), whole.x.tolist(),
                (str(whole.class_codes[c]) for c in whole.cls)))


def test_batches_that_encode_ids_differently_are_read_whole(qapp, tmp_path):
    """One batch of 16-digit codes and one of 15-digit ones: the IDs keep their own digits."""
    import geopandas as gpd
    import shapely

    from app.layers import ComponentLayer

    ids = ["3601020105000001", "3601020105000002", "360102010500003", "360102010500004"]
    path = tmp_path / "mixed.gpkg"
    gpd.GeoDataFrame({"id": ids, "minor_code": ["0105"] * 4},
                     geometry=shapely.points([CX, CX + 1, CX + 2, CX + 3], [CY] * 4), crs=CRS).to_file(
        path, layer="components", driver="GPKG")
    layer = ComponentLayer.from_file(path, layer="components", batch_size=2)
    assert sorted(layer.id_at(i) for i in range(4)) == sorted(ids)
    assert layer.index_of("360102010500003") is not None


def _reference_density_counts(x, y, viewport, a):
    """Points per a x a device-pixel bin by np.histogram2d: what the density raster must count."""
    xmin, ymin, xmax, ymax = viewport.extent
    w, h = viewport.device_size
    bw, bh = (w + a - 1) // a, (h + a - 1) // a
    k = viewport.dpr / (viewport.mupp * a)
    counts, _ex, _ey = np.histogram2d((ymax - y) * k, (x - xmin) * k, bins=(bh, bw), range=((0, bh), (0, bw)))
    return counts


@pytest.mark.parametrize("scale, shift", [(200000, (0, 0)), (60000, (0, 0)), (60000, (150, -90)),
                                          (60000, (-190, 120))])
def test_density_raster_counts_what_a_histogram_counts(qapp, viewport, scale, shift):
    """The density raster (bins clipped into a border instead of masked) puts a point where a plain
    2-D histogram does, in a view holding the whole layer and in views that cut it."""
    from app.layers import ComponentLayer
    from app.layers.components import _density_lut
    from app.map.painting import image_view

    rng = np.random.default_rng(11)
    x = CX + rng.normal(0, 900, 40_000)
    y = CY + rng.normal(0, 600, 40_000)
    layer = ComponentLayer(x, y, rng.choice(["0101", "0402"], len(x)), crs=CRS)
    vp = viewport.with_scale(scale).panned(*shift)
    assert layer.mode(vp) == "density"
    if scale == 200000:  # the whole layer in view: no clipping at all
        xmin, ymin, xmax, ymax = vp.extent
        assert xmin < x.min() and x.max() < xmax and ymin < y.min() and y.max() < ymax
    img = layer.render(vp)
    buf = image_view(img)[::2, ::2]  # one pixel per 2 x 2 bin
    ref = _reference_density_counts(layer.x, layer.y, vp, 2)
    assert ((buf != 0) == (ref[: buf.shape[0], : buf.shape[1]] > 0)).all()
    assert 0 < (buf != 0).sum() < buf.size
    # the densest bins get the darkest colour of the ramp
    assert buf[ref[: buf.shape[0], : buf.shape[1]] == ref.max()][0] == _density_lut()[255]
