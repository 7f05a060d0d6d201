"""The error body every route documents: ``{"detail": "<a sentence for people>"}``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

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


# What a field is called on screen, for the fields people type into.
FIELD_NAMES = {
    "text": "消息",
    "session_id": "会话编号",
    "payload": "按钮",
    "username": "用户名",
    "password": "密码",
    "q": "搜索词",
    "rating": "评价",
    "reply_id": "回复编号",
}


def _reason(error: Mapping[str, Any]) -> str:
    """The validation failure in plain Chinese; pydantic's own ``msg`` is English."""
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if kind == "missing":
        return "没有填"
    if kind == "string_too_long":
        return f"太长了（最多 {context.get('max_length')} 个字）"
    if kind == "string_too_short":
        return "太短了" if context.get("min_length", 0) > 1 else "不能是空的"
    if kind in ("greater_than_equal", "greater_than"):
        return f"太小了（至少 {context.get('ge', context.get('gt'))}）"
    if kind in ("less_than_equal", "less_than"):
        return f"太大了（最多 {context.get('le', context.get('lt'))}）"
    if kind in ("literal_error", "enum"):
        return "不是可选的值"
    if kind == "json_invalid":
        return "不是有效的 JSON"
    if kind == "string_pattern_mismatch":
        return "格式不对"
    return "格式不对" if kind.endswith(("_type", "_parsing")) else "不对"


def _chinese(error: Mapping[str, Any]) -> dict[str, Any]:
    # loc, msg and type stay (FastAPI's documented 422 shape); input and ctx go: they echo the value.
    kept = {key: value for key, value in error.items() if key not in ("input", "ctx", "url")}
    field = next((str(part) for part in reversed(error.get("loc", ())) if isinstance(part, str)), "")
    name = FIELD_NAMES.get(field, field)
    kept["msg"] = f"{name}{_reason(error)}" if name and field not in ("body", "query") else f"请求{_reason(error)}"
    return kept


async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """422 naming what is wrong in Chinese, without echoing the input back.

    FastAPI's own handler repeats the rejected value: that can be a worker's personal data,
    and a value JSON cannot carry (a lone surrogate, 1e999) turned the 422 into a 500.
    """
    assert isinstance(exc, RequestValidationError)
    errors = [_chinese(error) for error in exc.errors()]
    return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)


# FastAPI's own English sentences, as a person should read them.
FRAMEWORK_DETAILS = {"There was an error parsing the body": "请求内容无法解析，请检查后再发"}


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's answer for an HTTPException, with FastAPI's English details said in Chinese
    (a body nested too deeply to parse got "There was an error parsing the body")."""
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc.detail, str) and exc.detail in FRAMEWORK_DETAILS:
        exc = StarletteHTTPException(exc.status_code, FRAMEWORK_DETAILS[exc.detail], exc.headers)
    return await http_exception_handler(request, exc)


def install_handlers(app: FastAPI) -> None:
    """The app's own error answers: invalid requests and a database that went away."""
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(OperationalError, database_unavailable)
    app.add_exception_handler(StarletteHTTPException, http_error)
