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
