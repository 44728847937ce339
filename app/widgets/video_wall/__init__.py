"""The video wall (视频墙) dock: tiles, camera lists, tours, linkage, evidence."""
from .wall import VideoWall

__all__ = ["VideoWall"]
