"""Map layer models: data + style + change events, one file per layer kind.

Every layer renders itself into a QImage for a viewport on a worker thread (see base.Layer).
"""
from .base import OSM_ATTRIBUTION, CancelFlag, Feature, Layer
from .cameras import CameraLayer
from .cases import BANDS, CaseLayer
from .components import ComponentLayer
from .inspectors import InspectorLayer
from .polygons import PolygonLayer, PolygonStyle
from .responsibility_grid import ResponsibilityGridLayer
from .selection import SelectionLayer
from .symbols import SymbolCache, symbol_cache
from .tiles import TileLayer
from .unit_grid import UnitGridLayer
from .vector_basemap import VectorBasemapLayer, guess_mapping

__all__ = ["Layer", "Feature", "CancelFlag", "OSM_ATTRIBUTION", "UnitGridLayer", "ResponsibilityGridLayer",
           "ComponentLayer", "CaseLayer", "BANDS", "InspectorLayer", "CameraLayer", "SelectionLayer",
           "VectorBasemapLayer", "guess_mapping", "TileLayer", "PolygonLayer", "PolygonStyle", "SymbolCache", "symbol_cache"]
