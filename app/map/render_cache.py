"""The canvas's render cache (after QGIS's QgsMapRendererCache): the last image of every layer with
the viewport and generation it was rendered for, and the composed images of groups of static layers.

GUI thread only. The scheduler fills it (``put``); the canvas composes from it. An image is never
thrown away just because the view moved: the canvas draws it moved and scaled until the new one
arrives. Only a change of CRS drops images (they can no longer be placed by a similarity).
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QImage

from .viewport import Viewport

__all__ = ["CachedImage", "RenderCache"]


@dataclass(frozen=True)
class CachedImage:
    image: QImage
    viewport: Viewport
    gen: int


class RenderCache:
    def __init__(self) -> None:
        self._images: dict[str, CachedImage] = {}
        self._groups: dict[tuple, tuple[QImage, Viewport, tuple]] = {}

    # ------------------------------------------------------------------ layer images
    def get(self, uid: str) -> CachedImage | None:
        return self._images.get(uid)

    def gen(self, uid: str) -> int:
        got = self._images.get(uid)
        return got.gen if got is not None else -1

    def put(self, uid: str, image: QImage, viewport: Viewport, gen: int) -> bool:
        """Keep ``image`` unless a newer one is cached already; True when kept."""
        if gen <= self.gen(uid):
            return False
        self._images[uid] = CachedImage(image, viewport, gen)
        return True

    def remove(self, uid: str) -> None:
        self._images.pop(uid, None)
        self._groups.clear()

    def drop_unplaceable(self, vp: Viewport) -> None:
        """After a CRS change: forget images that cannot be drawn into ``vp``."""
        for uid, c in list(self._images.items()):
            if c.viewport.image_transform_from(vp) is None:
                del self._images[uid]
        self._groups.clear()

    def clear(self) -> None:
        self._images.clear()
        self._groups.clear()

    # ------------------------------------------------------------------ composed groups
    def group(self, key: tuple, signature: tuple) -> tuple[QImage, Viewport] | None:
        got = self._groups.get(key)
        if got is not None and got[2] == signature:
            return got[0], got[1]
        return None

    def put_group(self, key: tuple, signature: tuple, image: QImage, viewport: Viewport) -> None:
        self._groups[key] = (image, viewport, signature)

    def clear_groups(self) -> None:
        self._groups.clear()

    def __len__(self) -> int:
        return len(self._images)
