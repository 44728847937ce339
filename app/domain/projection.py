"""pyproj Transformers made cheaply (Qt-free, shared by server and client).

`Transformer.from_crs` searches PROJ's database for the best operation: 0.3–0.6 s each time, and a
Transformer re-creates itself the same way in every new thread it is used in. A server request
or a render job on a fresh thread would pay that before projecting a single point. So the
operation found once is kept (its PROJ pipeline, a string, for the whole process), and each thread
builds its Transformer from that pipeline, which takes well under a millisecond.
"""
from __future__ import annotations

import threading

__all__ = ["transformer"]

_pipelines: dict[tuple[str, str], str | None] = {}  # (src, dst) -> PROJ pipeline; None: from_crs each time
_lock = threading.Lock()
_local = threading.local()


def transformer(src, dst):  # noqa: ANN001, ANN201 - CRS-likes in, a pyproj Transformer out
    """An always_xy Transformer from `src` to `dst` for this thread (cached)."""
    from pyproj import Transformer
    key = (str(src), str(dst))
    cache = getattr(_local, "transformers", None)
    if cache is None:
        cache = _local.transformers = {}
    tr = cache.get(key)
    if tr is not None:
        return tr
    tr = None
    if key not in _pipelines:
        with _lock:  # one thread looks it up; the others, arriving meanwhile, wait for its answer
            if key not in _pipelines:
                tr = Transformer.from_crs(src, dst, always_xy=True)
                _pipelines[key] = tr.definition if tr.definition and "pipeline" in tr.definition else None
    if tr is None:
        pipeline = _pipelines[key]
        tr = Transformer.from_pipeline(pipeline) if pipeline else Transformer.from_crs(src, dst, always_xy=True)
    cache[key] = tr
    return tr
