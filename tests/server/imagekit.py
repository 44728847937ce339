"""Real, tiny, unique images for upload tests (the server decodes every photo in full)."""
from __future__ import annotations

import io
import os

from PIL import Image

FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


def image(ctype: str = "image/jpeg", size: int = 8, seed: bytes | None = None) -> bytes:
    """An image of random pixels (or pixels from `seed`): different bytes on every call."""
    pixels = (seed or os.urandom(size * size * 3)) * (size * size * 3 // max(1, len(seed or b"x")) + 1)
    im = Image.frombytes("RGB", (size, size), pixels[:size * size * 3])
    out = io.BytesIO()
    im.save(out, FORMATS[ctype], **({"lossless": True} if ctype == "image/webp" else {}))
    return out.getvalue()
