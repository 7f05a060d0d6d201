"""The demo page and the web chat widget's three files, with strict security headers."""

from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, Response

from api.middleware import CONTENT_SECURITY_POLICY

router = APIRouter(tags=["pages"])

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

# The only files served, with their content types: nothing else is read from the disk.
FILES: dict[str, str] = {
    "widget.js": "text/javascript; charset=utf-8",
    "widget.css": "text/css; charset=utf-8",
    "index.html": "text/html; charset=utf-8",
}

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def _serve(name: str, request: Request) -> Response:
    media_type = FILES.get(name)
    if media_type is None:
        raise HTTPException(status_code=404, detail="Not Found")
    body = (STATIC_DIR / name).read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {**SECURITY_HEADERS, "ETag": etag}
    if etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    # media_type goes in the headers as is: Response would otherwise append its own charset.
    headers["Content-Type"] = media_type
    return Response(content=body, headers=headers)


@router.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
def index(request: Request) -> Response:
    return _serve("index.html", request)


@router.api_route("/static/{name}", methods=["GET", "HEAD"], include_in_schema=False)
def static_file(name: str, request: Request) -> Response:
    return _serve(name, request)
