"""Who is asking: FastAPI dependencies for the staff console and admin routes.

    @router.get("/api/console/cases", dependencies=[Depends(require_role("staff"))])

The session token travels in the ``__Host-gy_session`` cookie (HttpOnly, SameSite=Strict,
Secure; the ``__Host-`` prefix makes browsers refuse it unless it is Secure, for Path=/ and
from this host only, so neither a sibling subdomain nor plain http can plant or shadow it).
Over plain http in development the cookie is ``gy_session``, as ``__Host-`` needs Secure.
It is a browser-session cookie (no Max-Age): closing the browser forgets it, and the
server ends it anyway after the absolute and idle limits in AccountStore.
State-changing requests must be JSON: a form on another site can post with the cookie
(where SameSite is not honoured) but cannot send ``Content-Type: application/json``;
a script can, only after a CORS preflight, which never allows credentials here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from api.deps import AccountsDep
from api.settings import ApiSettings
from api.staff.accounts import ROLE_RANK, User, has_role

SESSION_COOKIE = "gy_session"  # over plain http (development)
SECURE_SESSION_COOKIE = "__Host-gy_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def json_only(request: Request) -> None:
    """415 for a state-changing request that is not JSON (the CSRF rule above)."""
    if request.method in SAFE_METHODS:
        return
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise HTTPException(status_code=415, detail="请用 JSON 发送（Content-Type: application/json）")


def session_cookie_name(settings: ApiSettings) -> str:
    return SECURE_SESSION_COOKIE if settings.cookie_secure else SESSION_COOKIE


def session_token(request: Request, settings: ApiSettings) -> str | None:
    return request.cookies.get(session_cookie_name(settings)) or None


def set_session_cookie(response: Response, token: str, settings: ApiSettings) -> None:
    # No max_age or expires: a session cookie, gone with the browser (and no Domain, for __Host-).
    response.set_cookie(
        session_cookie_name(settings),
        token,
        path="/",
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
    )


def clear_session_cookie(response: Response, settings: ApiSettings) -> None:
    response.delete_cookie(
        session_cookie_name(settings), path="/", httponly=True, samesite="strict", secure=settings.cookie_secure
    )


async def current_user(request: Request, accounts: AccountsDep, _: Annotated[None, Depends(json_only)]) -> User:
    """The logged-in user; 401 without a session or when it has expired."""
    # The app's settings say which cookie (a router mounted alone in a test has none: development's).
    settings = getattr(request.app.state, "settings", None)
    token = request.cookies.get(SECURE_SESSION_COOKIE if getattr(settings, "cookie_secure", False) else SESSION_COOKIE)
    if not token:
        raise HTTPException(status_code=401, detail="请先登录")
    user = await run_in_threadpool(accounts.user_for_token, token)
    if user is None:
        raise HTTPException(status_code=401, detail="登录已过期，请重新登录")
    return user


def require_role(role: str) -> Callable[[User], Awaitable[User]]:
    """A dependency giving the user when their role is ``role`` or higher; 403 otherwise."""
    if role not in ROLE_RANK:
        raise ValueError(f"unknown role {role}")

    async def dependency(user: Annotated[User, Depends(current_user)]) -> User:
        if not has_role(user.role, role):
            raise HTTPException(status_code=403, detail="没有权限做这件事")
        return user

    return dependency


# What a route asks for when it needs a signed-in member of staff of at least this role.
StaffUser = Annotated[User, Depends(require_role("staff"))]
EditorUser = Annotated[User, Depends(require_role("editor"))]
AdminUser = Annotated[User, Depends(require_role("admin"))]
