"""Serving the pages' files: a whitelist per router, strict security headers, ETags."""

from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi import Request, Response

from api.middleware import CONTENT_SECURITY_POLICY

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def serve_file(path: Path, media_type: str, request: Request) -> Response:
    """The file with its ETag; 304 when the browser holds this very version."""
    body = path.read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {**SECURITY_HEADERS, "ETag": etag}
    if etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    # media_type goes in the headers as is: Response would otherwise append its own charset.
    headers["Content-Type"] = media_type
    return Response(content=body, headers=headers)
