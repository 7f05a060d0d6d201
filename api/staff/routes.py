"""Staff login: a session cookie for the console (workers never log in); and the routes of
the accounts admin (api/staff/account_routes.py), served with them.

A wrong password and an unknown username get the same answer, in about the same time
(AccountStore.authenticate). Every attempt is counted before its password is checked
(api/staff/login_limits.py), and only a few passwords are checked at once
(api/staff/passwords.py): past either limit the answer comes at once, nothing hashed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.address_limits import client_address, refusal
from api.deps import AccountsDep, LimitsDep, SettingsDep
from api.errors import documented
from api.staff import account_routes
from api.staff.accounts import AccountError, User, normalize_username
from api.staff.auth import (
    clear_session_cookie,
    current_user,
    json_only,
    session_token,
    set_session_cookie,
)
from api.staff.login_limits import LoginLimits
from api.staff.passwords import MAX_PASSWORD_CHARS, PasswordChecksBusy
from api.staff.schemas import MeOut, PasswordChangeIn

auth = APIRouter(prefix="/api/auth", tags=["auth"])

LOGIN_FAILED = "用户名或密码不对"
OLD_PASSWORD_WRONG = "原密码不对"
BUSY = "现在登录的人太多，请过几秒再试"
BUSY_RETRY_S = 3
PASSWORD_CHANGES_PER_15_MIN = 5


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)


def _me(user: User) -> MeOut:
    return MeOut.model_validate({"username": user.username, "role": user.role})


def login_limits(limits: LimitsDep, settings: SettingsDep) -> LoginLimits:
    return LoginLimits(
        limits,
        per_pair=settings.login_failures_per_minute,
        per_account=settings.login_attempts_per_account,
        per_address=settings.login_attempts_per_address,
    )


def _busy() -> HTTPException:
    return HTTPException(status_code=503, detail=BUSY, headers={"Retry-After": str(BUSY_RETRY_S)})


@auth.post(
    "/login",
    responses=documented(401, 413, 415, 429, 503),
    dependencies=[Depends(json_only)],
)
async def login(
    request: Request,
    settings: SettingsDep,
    guard: Annotated[LoginLimits, Depends(login_limits)],
    accounts: AccountsDep,
    response: Response,
    body: LoginIn,
) -> MeOut:
    username, address = normalize_username(body.username), client_address(request)
    refusal = await guard.admit(username, address)
    if refusal is not None and refusal.locked_now:
        await run_in_threadpool(accounts.note_lockout, username, refusal.retry_after_s)
    if refusal is not None:
        raise HTTPException(
            status_code=429, detail=refusal.message, headers={"Retry-After": str(refusal.retry_after_s)}
        )
    try:
        user = await run_in_threadpool(accounts.authenticate, body.username, body.password)
    except PasswordChecksBusy:
        await guard.take_back(username, address)  # nothing was checked: no guess to count
        raise _busy() from None
    if user is None:
        raise HTTPException(status_code=401, detail=LOGIN_FAILED)
    await guard.take_back(username, address)
    token = await run_in_threadpool(accounts.start_session, user)
    set_session_cookie(response, token, settings)
    return _me(user)


@auth.post("/logout", status_code=204, responses=documented(413, 415), dependencies=[Depends(json_only)])
async def logout(request: Request, settings: SettingsDep, accounts: AccountsDep) -> Response:
    """Ends the session (when there is one) and clears the cookie."""
    token = session_token(request, settings)
    if token:
        await run_in_threadpool(accounts.end_session, token)
    response = Response(status_code=204)
    clear_session_cookie(response, settings)
    return response


@auth.get("/me", responses=documented(401))
async def me(user: Annotated[User, Depends(current_user)]) -> MeOut:
    return _me(user)


@auth.post("/password", status_code=204, responses=documented(400, 401, 403, 415, 429, 503))
async def change_password(
    request: Request,
    body: PasswordChangeIn,
    user: Annotated[User, Depends(current_user)],
    settings: SettingsDep,
    limits: LimitsDep,
    accounts: AccountsDep,
) -> Response:
    """Change one's own password (the old one is needed); every other session of the account ends."""
    # A stolen session must not become a way to guess the password.
    if await limits.count(f"password-change:{user.id}", 15 * 60) > PASSWORD_CHANGES_PER_15_MIN:
        raise refusal("改密码的次数太多，请过一刻钟再试", 900)
    token = session_token(request, settings)
    try:
        changed = await run_in_threadpool(
            accounts.change_own_password, user, body.old_password, body.new_password, token
        )
    except AccountError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    except PasswordChecksBusy:
        raise _busy() from None
    if not changed:
        raise HTTPException(status_code=403, detail=OLD_PASSWORD_WRONG)
    return Response(status_code=204)


# What api/main.py includes: the login routes and the accounts admin.
router = APIRouter()
router.include_router(auth)
router.include_router(account_routes.router)
