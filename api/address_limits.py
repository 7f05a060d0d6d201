"""Per-address limits for the public routes that run the model or write for anyone.

    @router.post("/search", dependencies=[per_address("search", "search_per_address_per_minute")])

The address is ``request.client.host``: uvicorn puts the proxy's X-Forwarded-For there only
for a trusted proxy (FORWARDED_ALLOW_IPS), so a client cannot pick its own. The counts live
in Limits (Redis when configured), so every api process shares them. Over the limit: 429,
a sentence in Chinese and Retry-After (the seconds left in the minute).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from fastapi import Depends, HTTPException, Request

from api.conversations.limits import Limits, seconds_to_next_window
from api.deps import LimitsDep, SettingsDep

TOO_MANY = "您所在的网络请求太频繁了，请稍等一分钟再试；急事请拨打 12333。"


def client_address(request: Request) -> str:
    """Who is counted: the IPv4 address, or the /64 an IPv6 address is in (one subscriber's)."""
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if not isinstance(address, ipaddress.IPv6Address):
        return host
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    # A subscriber gets a whole /64 and may use any address in it.
    return str(ipaddress.IPv6Network((address, 64), strict=False))


def refusal(detail: str = TOO_MANY, retry_after_s: int | None = None) -> HTTPException:
    """429 with a sentence and Retry-After: the given pause, else what is left of the minute's window."""
    wait = seconds_to_next_window() if retry_after_s is None else retry_after_s
    return HTTPException(status_code=429, detail=detail, headers={"Retry-After": str(wait)})


async def check_address(limits: Limits, what: str, address: str, per_minute: int) -> None:
    """429 once this address has made ``per_minute`` requests of this kind in the current minute."""
    if not await limits.allow(f"address:{what}:{address}", per_minute):
        raise refusal()


def per_address(what: str, setting: str) -> Any:
    """A route dependency: ``what`` counted per address, at most the named setting per minute."""

    async def dependency(request: Request, limits: LimitsDep, settings: SettingsDep) -> None:
        await check_address(limits, what, client_address(request), int(getattr(settings, setting)))

    return Depends(dependency)
