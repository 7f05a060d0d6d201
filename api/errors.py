"""The error body every route documents: ``{"detail": "<a sentence for people>"}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)
DATABASE_DOWN = "系统正在恢复，请过一会儿再发一次；急事请拨打 12333。"


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


async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The database went away mid-request (a restart, a failover): say so, clearly, and retry later.

    Nothing half-done is kept: the failed transaction rolled back, and the worker's message is
    taken again when resent.
    """
    assert isinstance(exc, OperationalError)
    log.warning("database unavailable during %s %s", request.method, request.url.path)
    return JSONResponse({"detail": DATABASE_DOWN}, status_code=503, headers={"Retry-After": "5"})


async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """422 naming what is wrong, without echoing the input back.

    FastAPI's own handler repeats the rejected value: that can be a worker's personal data,
    and a value JSON cannot carry (a lone surrogate, 1e999) turned the 422 into a 500.
    """
    assert isinstance(exc, RequestValidationError)
    errors = [{key: value for key, value in error.items() if key not in ("input", "ctx")} for error in exc.errors()]
    return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)


def install_handlers(app: FastAPI) -> None:
    """The app's own error answers: invalid requests and a database that went away."""
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(OperationalError, database_unavailable)
