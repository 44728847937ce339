"""Photo shapes of the API."""
from __future__ import annotations

from pydantic import BaseModel


class PhotoOut(BaseModel):
    sha256: str
    url: str  # GET it (no login needed: the hash is the capability; cached forever)
    size: int
    content_type: str  # image/jpeg | image/png | image/webp, from the file's magic bytes
