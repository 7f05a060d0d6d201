"""The demo page and the web chat widget's three files, with strict security headers."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response

from api.pages.serving import STATIC_DIR, serve_file

router = APIRouter(tags=["pages"])

# The only files served, with their content types: nothing else is read from the disk.
FILES: dict[str, str] = {
    "widget.js": "text/javascript; charset=utf-8",
    "widget.css": "text/css; charset=utf-8",
    "index.html": "text/html; charset=utf-8",
}


def _serve(name: str, request: Request) -> Response:
    media_type = FILES.get(name)
    if media_type is None:
        raise HTTPException(status_code=404, detail="Not Found")
    return serve_file(STATIC_DIR / name, media_type, request)


@router.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
def index(request: Request) -> Response:
    return _serve("index.html", request)


@router.api_route("/static/{name}", methods=["GET", "HEAD"], include_in_schema=False)
def static_file(name: str, request: Request) -> Response:
    return _serve(name, request)
