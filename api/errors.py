"""The error body every route documents: ``{"detail": "<a sentence for people>"}``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorOut(BaseModel):
    detail: str


def documented(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these status codes, each with the plain error body."""
    reasons = {
        400: "a request that cannot be taken as sent",
        401: "missing or wrong credentials",
        403: "refused",
        404: "not found",
        409: "in conflict with what someone else did",
        413: "the body is too large",
        415: "send Content-Type: application/json",
        429: "too many messages in a minute",
        503: "not ready or not configured",
    }
    return {code: {"model": ErrorOut, "description": reasons.get(code, "error")} for code in codes}
