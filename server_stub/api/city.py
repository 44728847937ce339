"""The city profile and its reference GeoPackage, for clients that draw the city themselves."""
from __future__ import annotations

import hashlib

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, Response

from ..context import ServerContext
from ..db.models import User
from ..services import city
from .deps import current_user, get_ctx
from .errors import errors

router = APIRouter(prefix="/api/ref/city", tags=["reference"])


@router.get("", responses=errors(404))
def city_profile(_: User = Depends(current_user), ctx: ServerContext = Depends(get_ctx)) -> dict:
    data = city.profile(ctx)
    if data is None:
        raise HTTPException(404, "no city is loaded on this server: start it with --demo or import a city")
    return data


@router.get("/package.gpkg", responses={**errors(404), 304: {"description": "Not modified (If-None-Match)"}})
def city_package(request: Request, _: User = Depends(current_user),
                 ctx: ServerContext = Depends(get_ctx)) -> Response:
    path = city.package_path(ctx)
    if path is None:
        raise HTTPException(404, "no city package on this server")
    st = path.stat()
    etag = '"' + hashlib.sha1(f"{st.st_size}-{st.st_mtime_ns}".encode()).hexdigest() + '"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return FileResponse(path, media_type="application/geopackage+sqlite3", filename="city.gpkg",
                        headers={"ETag": etag, "Cache-Control": "private, max-age=0, must-revalidate"})
