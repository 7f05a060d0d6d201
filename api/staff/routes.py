"""Staff login: a session cookie for the console (workers never log in).

A wrong password and an unknown username get the same answer, in about the same time
(AccountStore.authenticate). Repeated failures for one username from one address pause
that pair for a minute, even for the right password, so guessing gains nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import AccountsDep, LimitsDep, SettingsDep
from api.errors import documented
from api.staff.accounts import MAX_PASSWORD_CHARS, User, normalize_username
from api.staff.auth import (
    SESSION_COOKIE,
    clear_session_cookie,
    current_user,
    json_only,
    set_session_cookie,
)
from api.staff.schemas import MeOut

router = APIRouter(prefix="/api/auth", tags=["auth"])

LOGIN_FAILED = "用户名或密码不对"
TOO_MANY_FAILURES = "登录失败次数太多，请一分钟后再试"
PAUSE_S = 60


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)


def _me(user: User) -> MeOut:
    return MeOut.model_validate({"username": user.username, "role": user.role})


@router.post(
    "/login",
    responses=documented(401, 413, 415, 429),
    dependencies=[Depends(json_only)],
)
async def login(
    request: Request,
    settings: SettingsDep,
    limits: LimitsDep,
    accounts: AccountsDep,
    response: Response,
    body: LoginIn,
) -> MeOut:
    address = request.client.host if request.client else "unknown"
    key = f"login-failures:{normalize_username(body.username)}:{address}"
    if await limits.recall(f"{key}:paused"):
        raise HTTPException(status_code=429, detail=TOO_MANY_FAILURES)
    user = await run_in_threadpool(accounts.authenticate, body.username, body.password)
    if user is None:
        if not await limits.allow(key, settings.login_failures_per_minute):
            await limits.remember(f"{key}:paused", "1", PAUSE_S)
            raise HTTPException(status_code=429, detail=TOO_MANY_FAILURES)
        raise HTTPException(status_code=401, detail=LOGIN_FAILED)
    token = await run_in_threadpool(accounts.start_session, user)
    set_session_cookie(response, token, settings)
    return _me(user)


@router.post("/logout", status_code=204, responses=documented(413, 415), dependencies=[Depends(json_only)])
async def logout(request: Request, settings: SettingsDep, accounts: AccountsDep) -> Response:
    """Ends the session (when there is one) and clears the cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run_in_threadpool(accounts.end_session, token)
    response = Response(status_code=204)
    clear_session_cookie(response, settings)
    return response


@router.get("/me", responses=documented(401))
async def me(user: Annotated[User, Depends(current_user)]) -> MeOut:
    return _me(user)
