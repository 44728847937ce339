"""Map tools: small controller objects that turn mouse and keys into canvas actions.

    canvas.set_tool(IdentifyTool(canvas)); tool.identified.connect(dock.show_features)
"""
from .base import MapTool
from .identify import IdentifyTool
from .measure import MeasureTool
from .pan import PanTool
from .select import RectSelectTool
from .zoom_box import ZoomBoxTool

__all__ = ["MapTool", "PanTool", "ZoomBoxTool", "IdentifyTool", "MeasureTool", "RectSelectTool"]
