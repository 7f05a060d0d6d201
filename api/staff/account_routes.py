"""The accounts admin, for admins: list accounts, change a role, deactivate or reactivate,
reset a password, end every session of an account, and read the accounts' audit trail.

Each change takes effect at the account's next request: sessions read the role and the
active flag from the account, and deactivating or resetting ends its sessions at once.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Response
from starlette.concurrency import run_in_threadpool

from api.deps import AccountsDep
from api.errors import documented
from api.staff.accounts import AccountError, LastAdmin, UnknownAccount
from api.staff.auth import AdminUser, json_only
from api.staff.passwords import PasswordChecksBusy
from api.staff.schemas import (
    AccountChangeIn,
    AccountOut,
    AccountsOut,
    AuditEntryOut,
    AuditOut,
    PasswordResetIn,
    RevokedOut,
)

router = APIRouter(prefix="/api/admin/accounts", tags=["accounts"], dependencies=[Depends(json_only)])

BUSY = "服务器正忙，请过几秒再试"


def _refused(exc: AccountError) -> HTTPException:
    status = 404 if isinstance(exc, UnknownAccount) else 409 if isinstance(exc, LastAdmin) else 400
    return HTTPException(status_code=status, detail=str(exc))


@router.get("", responses=documented(401, 403))
async def list_accounts(user: AdminUser, accounts: AccountsDep) -> AccountsOut:
    found = await run_in_threadpool(accounts.accounts)
    return AccountsOut(items=[AccountOut.model_validate(account, from_attributes=True) for account in found])


@router.get("/audit", responses=documented(401, 403))
async def audit(user: AdminUser, accounts: AccountsDep, username: str = "") -> AuditOut:
    rows = await run_in_threadpool(accounts.audit, username or None)
    return AuditOut(items=[AuditEntryOut.model_validate(row, from_attributes=True) for row in rows])


@router.post("/{username}", status_code=204, responses=documented(400, 401, 403, 404, 409, 415))
async def change_account(username: str, body: AccountChangeIn, user: AdminUser, accounts: AccountsDep) -> Response:
    """A new role and/or deactivating or reactivating (which ends the account's sessions)."""
    try:
        if body.role is not None:
            await run_in_threadpool(accounts.set_role, user.username, username, body.role)
        if body.active is not None:
            await run_in_threadpool(accounts.set_active, user.username, username, body.active)
    except AccountError as exc:
        raise _refused(exc) from None
    return Response(status_code=204)


@router.post("/{username}/password", status_code=204, responses=documented(400, 401, 403, 404, 415, 503))
async def reset_password(username: str, body: PasswordResetIn, user: AdminUser, accounts: AccountsDep) -> Response:
    """Set the account's password (tell its owner another way); its sessions end."""
    try:
        await run_in_threadpool(accounts.reset_password, user.username, username, body.new_password)
    except AccountError as exc:
        raise _refused(exc) from None
    except PasswordChecksBusy:
        raise HTTPException(status_code=503, detail=BUSY, headers={"Retry-After": "3"}) from None
    return Response(status_code=204)


@router.post("/{username}/sessions/end", responses=documented(401, 403, 404, 415))
async def end_sessions(username: str, user: AdminUser, accounts: AccountsDep) -> RevokedOut:
    """Sign the account out everywhere (it can sign in again)."""
    try:
        ended = await run_in_threadpool(accounts.revoke_sessions, user.username, username)
    except AccountError as exc:
        raise _refused(exc) from None
    return RevokedOut(ended=ended)
