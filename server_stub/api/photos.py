"""Photos: upload (JPEG, PNG or WebP by magic bytes; deduplicated by sha256) and download."""
from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ..context import ServerContext
from ..db.models import User
from ..schemas.photos import PhotoOut
from ..services import photos as svc
from .deps import current_user, get_ctx
from .errors import errors

router = APIRouter(prefix="/api/photos", tags=["photos"])

CACHE_FOREVER = "public, max-age=31536000, immutable"  # content-addressed: the bytes never change
# A photo is only ever shown as an image: no type sniffing, no scripts, no plugins, no framing
# of anything, even if a browser opens the URL directly.
SAFE_HEADERS = {"X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
                "Cross-Origin-Resource-Policy": "cross-origin"}
_UPLOAD_DOC = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary"}}}}}}}


@router.post("", response_model=PhotoOut, status_code=201, openapi_extra=_UPLOAD_DOC,
             responses={200: {"model": PhotoOut, "description": "already stored (same bytes)"},
                        413: {"description": "larger than settings.photo_max_bytes"},
                        415: {"description": "not a JPEG, PNG or WebP image"},
                        422: {"description": "starts like an image but does not decode as one"}})
async def upload(request: Request, user: User = Depends(current_user),
                 ctx: ServerContext = Depends(get_ctx)) -> Response:
    """multipart/form-data with one part `file`. 201 new, 200 when the same bytes were stored before."""
    limit = ctx.settings.photo_max_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:  # refuse before reading
        raise HTTPException(413, f"a photo may have at most {limit} bytes")
    try:
        form = await request.form(max_files=1, max_fields=5)
    except Exception:  # noqa: BLE001 - not multipart, or malformed
        raise HTTPException(422, [{"loc": ["body", "file"], "msg": "send multipart/form-data with a part "
                                   "named 'file'", "type": "value_error"}]) from None
    try:
        part = form.get("file")
        if not isinstance(part, UploadFile):
            raise HTTPException(422, [{"loc": ["body", "file"], "msg": "field required", "type": "missing"}])
        data = await part.read(limit + 1)
    finally:
        await form.close()
    if len(data) > limit:
        raise HTTPException(413, f"a photo may have at most {limit} bytes")
    ctype = svc.sniff(data)
    if ctype is None:
        raise HTTPException(415, "only JPEG, PNG and WebP images are accepted (judged by the file's "
                                 "content, not its name or declared type)")

    def save() -> tuple[dict, bool]:
        try:
            svc.check_image(data, ctype)
        except svc.PhotoInvalid as e:
            raise HTTPException(422, [{"loc": ["body", "file"], "msg": str(e), "type": "value_error"}]) from None
        with ctx.db.transaction() as s:
            photo, created = svc.store(s, ctx, data, ctype, user.id)
            return {"sha256": photo.sha256, "url": svc.url_of(photo.sha256), "size": photo.size,
                    "content_type": photo.content_type}, created

    out, created = await run_in_threadpool(save)
    return JSONResponse(out, status_code=201 if created else 200)


@router.get("/{sha256}", response_class=FileResponse,
            responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}},
                       304: {"description": "Not modified (If-None-Match)"}, **errors(404)})
def download(sha256: str, request: Request, ctx: ServerContext = Depends(get_ctx)) -> Response:
    """The photo's bytes, cacheable forever. No login: the 256-bit hash is the capability (so
    Open311 media_url and image widgets work without headers)."""
    with ctx.db.session() as s:
        photo = svc.get(s, sha256)
    path = svc.path_of(ctx, sha256) if photo else None
    if photo is None or path is None or not path.exists():
        raise HTTPException(404, "no such photo")
    etag = f'"{sha256}"'
    headers = {"Cache-Control": CACHE_FOREVER, "ETag": etag, **SAFE_HEADERS,
               "Content-Disposition": f'inline; filename="{sha256}.{photo.content_type.split("/")[1]}"'}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type=photo.content_type, headers=headers)
