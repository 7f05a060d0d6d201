"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request, response: Response) -> dict[str, object]:
    searcher = request.app.state.searcher
    if searcher is None:
        response.status_code = 503
        return {"ready": False}
    return {"ready": True, "knowledge": searcher.kb.content_hash, "units": searcher.index.size}
