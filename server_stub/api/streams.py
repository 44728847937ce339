"""The demo's live camera streams (HLS): /streams/{camera id or variant}/{sub|main}.m3u8 + segments.

Public on purpose, and outside /api: video players (ffmpeg, Qt Multimedia, a browser) fetch a
playlist and its segments without the API's bearer token, and what is served is read-only test
content rendered by the demo itself (citydata/streams.py) — no camera of a city ever goes through
here. Names and numbers are checked against fixed patterns, so no request reaches any other file.
The playlist is arithmetic on the clock (citydata/hls_live.py); segments are static files
(FileResponse, streamed off the event loop). Nothing is there on a server that is not the demo:
404; while the demo still renders its loops: 503 with Retry-After.
"""
from __future__ import annotations

import threading
import time
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Path as PathParam
from fastapi.responses import FileResponse, Response

from ..citydata import hls_live, streams
from ..context import ServerContext
from .deps import get_ctx

router = APIRouter(prefix="/streams", tags=["demo streams"])

clock = time.time  # the server's clock (tests put a fake one here)
Quality = Literal["sub", "main"]
Name = PathParam(pattern=r"^([a-z]|\d{20})$", description="a 20-digit camera id or a variant letter")
_loops: dict[tuple[str, str, str], hls_live.Loop] = {}
_lock = threading.Lock()
PLAYLIST_CACHE = "no-cache"  # the live edge moves every segment
SEGMENT_CACHE = "public, max-age=86400, immutable"  # a sequence number always names the same bytes


def _loop(ctx: ServerContext, name: str, quality: str) -> hls_live.Loop:
    variant = streams.variant_of(name)
    if variant is None:
        raise HTTPException(404, f"no demo stream {name!r}")
    base = streams.hls_dir(ctx.settings.data_dir)
    key = (str(base), variant, quality)
    with _lock:
        loop = _loops.get(key)
    if loop is not None:
        return loop
    playlist = base / variant / quality / streams.PLAYLIST
    if not playlist.exists():
        state = (ctx.extras.get(streams.STATE_KEY) or {}).get("state")
        if state == "rendering":
            raise HTTPException(503, "the demo streams are being rendered (first start): try again shortly",
                                headers={"Retry-After": "2"})
        raise HTTPException(404, "no demo streams on this server")
    loop = hls_live.Loop.read(playlist)
    with _lock:
        _loops[key] = loop
    return loop


@router.get("/{name}/{quality}.m3u8", response_class=Response,
            responses={200: {"content": {"application/vnd.apple.mpegurl": {}},
                             "description": "a live HLS media playlist (sliding window)"},
                       404: {"description": "no such stream"}, 503: {"description": "still being rendered"}})
def live_playlist(quality: Quality, name: str = Name, ctx: ServerContext = Depends(get_ctx)) -> Response:
    """The live edge now: the last few finished segments, each with EXT-X-PROGRAM-DATE-TIME."""
    loop = _loop(ctx, name, quality)
    body = hls_live.playlist(loop, clock(), segment_url=lambda seq: f"{quality}/{seq}.ts")
    return Response(body, media_type="application/vnd.apple.mpegurl", headers={"Cache-Control": PLAYLIST_CACHE})


@router.get("/{name}/{quality}/{seq}.ts", response_class=FileResponse,
            responses={200: {"content": {"video/mp2t": {}}, "description": "one MPEG-TS segment"},
                       404: {"description": "no such stream"}, 503: {"description": "still being rendered"}})
def segment(quality: Quality, seq: int = PathParam(ge=0, le=2**40), name: str = Name,
            ctx: ServerContext = Depends(get_ctx)) -> FileResponse:
    """Segment number `seq` (counted since the Unix epoch) of the looping stream."""
    loop = _loop(ctx, name, quality)
    return FileResponse(loop.file_of(seq), media_type="video/mp2t", headers={"Cache-Control": SEGMENT_CACHE})
