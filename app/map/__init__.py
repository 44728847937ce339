"""The map: viewport and CRS transforms, the canvas (render jobs, image cache), map tools, overlays.

Import the parts you need (``from app.map.canvas import MapCanvas``); this package imports nothing
heavy itself so that ``app.map.viewport`` and ``app.map.crs`` stay Qt-free.
"""
from ._compat import pin_none  # noqa: E402  (PySide6 6.12 / CPython 3.11 None refcount bug)

pin_none()
