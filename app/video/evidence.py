"""Snapshots of a stream as evidence: the frame at full size as JPEG, uploaded and attached to a
case with the camera and the stream's own time. Runs on a worker thread (encoding and HTTP)."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from .player import VideoStream

JPEG_QUALITY = 90


@dataclass
class Snapshot:
    jpeg: bytes
    stream_time: datetime
    camera_id: str

    @property
    def iso_time(self) -> str:
        return self.stream_time.astimezone(timezone.utc).isoformat()

    @property
    def filename(self) -> str:
        return f"camera-{self.camera_id}-{self.stream_time.astimezone(timezone.utc):%Y%m%dT%H%M%S}.jpg"


def encode_jpeg(rgb: np.ndarray) -> bytes:
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, "JPEG", quality=JPEG_QUALITY)
    return buf.getvalue()


def take_snapshot(stream: VideoStream, camera_id: str) -> Snapshot:
    got = stream.snapshot()
    if got is None:
        raise ValueError("the camera has shown no picture yet")
    rgb, t = got
    return Snapshot(encode_jpeg(rgb), t or datetime.now(timezone.utc), camera_id)


def upload(client, snap: Snapshot) -> str:  # noqa: ANN001 - ApiClient
    """The stored photo's sha256."""
    return client.upload_photo(snap.filename, snap.jpeg, "image/jpeg")["sha256"]


def attach_to_case(client, stream: VideoStream, camera_id: str, case_id: int) -> dict:  # noqa: ANN001
    """截图取证: snapshot → upload → attach (POST /api/cases/{id}/photos). The server's answer."""
    snap = take_snapshot(stream, camera_id)
    sha = upload(client, snap)
    return client.attach_evidence(case_id, sha, camera_id=camera_id, stream_time=snap.iso_time)
