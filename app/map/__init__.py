"""The map: viewport and CRS transforms, the canvas (render jobs, image cache), map tools, overlays.

Import the parts you need (``from app.map.canvas import MapCanvas``); this package imports nothing
heavy itself so that ``app.map.viewport`` and ``app.map.crs`` stay Qt-free.
"""
