"""Photos: stored once by content hash (sha256) under settings.photo_dir, typed by their magic
bytes (never by what the uploader claims) and decoded in full before they are stored, linked to cases with a stage (report / verify /
feedback / check)."""
from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import warnings
from pathlib import Path
from typing import Any, Iterable

from PIL import Image

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import CasePhoto, Photo
from .deadlines import insert_ignore

ALLOWED_TYPES = ("image/jpeg", "image/png", "image/webp")
PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
MAX_PIXELS = 64_000_000  # a 64-megapixel photo; more is a decompression bomb, not a site photo
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
STAGES = ("report", "verify", "feedback", "check", "evidence")


def sniff(data: bytes) -> str | None:
    """The image type from the first bytes; None for anything else."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


class PhotoInvalid(ValueError):
    """Bytes that start like an image but do not decode as one."""


def check_image(data: bytes, ctype: str) -> tuple[int, int]:
    """Decodes the whole image with Pillow (CPU: call off the event loop); returns its size.
    Raises PhotoInvalid for anything that is not entirely the image its magic bytes announce
    (truncated, corrupt, HTML behind a JPEG header, a decompression bomb)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[PIL_FORMATS[ctype]]) as im:
                w, h = im.size
                if w * h > MAX_PIXELS:
                    raise PhotoInvalid(f"{w}×{h} pixels is more than {MAX_PIXELS:,}")
                im.load()  # the full decode: every byte of the picture data is read
                return w, h
        except PhotoInvalid:
            raise
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError,
                Image.DecompressionBombWarning, EOFError) as e:
            raise PhotoInvalid(f"not a complete {ctype.split('/')[1].upper()} image: {e}") from None


def path_of(ctx: Any, sha256: str) -> Path:
    return Path(ctx.settings.photo_dir) / sha256[:2] / sha256


def url_of(sha256: str) -> str:
    return f"/api/photos/{sha256}"


def store(s: Session, ctx: Any, data: bytes, content_type: str, user_id: int | None) -> tuple[Photo, bool]:
    """Writes the file (atomically, once) and its row; returns (photo, newly stored)."""
    sha = hashlib.sha256(data).hexdigest()
    path = path_of(ctx, sha)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".up-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)  # concurrent uploads of the same bytes write the same content
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    created = insert_ignore(s, Photo, {"sha256": sha, "content_type": content_type, "size": len(data),
                                       "uploaded_by": user_id})
    photo = s.get(Photo, sha)
    assert photo is not None
    return photo, created


def get(s: Session, sha256: str) -> Photo | None:
    if not SHA256_RE.match(sha256 or ""):
        return None
    return s.get(Photo, sha256)


def missing(s: Session, hashes: Iterable[str]) -> list[str]:
    """The hashes that name no stored photo."""
    hashes = list(dict.fromkeys(hashes))
    if not hashes:
        return []
    known = set(s.scalars(select(Photo.sha256).where(Photo.sha256.in_(hashes))))
    return [h for h in hashes if h not in known]


def link(s: Session, case_id: int, hashes: Iterable[str], stage: str, event_id: int | None,
         camera_id: str | None = None, stream_time: Any = None) -> None:
    for h in dict.fromkeys(hashes):
        s.add(CasePhoto(case_id=case_id, sha256=h, stage=stage, event_id=event_id, camera_id=camera_id,
                        stream_time=stream_time))


def of_case(s: Session, case_id: int) -> dict[str, list[dict]]:
    """The case's photos grouped by stage, in upload order."""
    out: dict[str, list[dict]] = {st: [] for st in STAGES}
    rows = s.execute(select(CasePhoto, Photo).join(Photo, Photo.sha256 == CasePhoto.sha256)
                     .where(CasePhoto.case_id == case_id).order_by(CasePhoto.id)).all()
    for cp, p in rows:
        out.setdefault(cp.stage, []).append({"sha256": p.sha256, "url": url_of(p.sha256), "size": p.size,
                                             "content_type": p.content_type, "event_id": cp.event_id,
                                             "camera_id": cp.camera_id, "stream_time": cp.stream_time})
    return out
