"""How many password guesses a login may cost, counted before any password is checked.

Every attempt is counted first (an atomic counter: Redis INCR across api processes, one
in-process counter otherwise) and refused when a count is past its ceiling, so a burst
of 50 concurrent logins gets at most the allowed number checked, and the right password
inside a refused burst is refused too. Three counts, each an attack of its own:

- one username from one address (a person mistyping, or a guesser): a few a minute;
- one username from every address (a guesser spread over many addresses): a higher
  ceiling over a longer window; passing it locks the username for a while that doubles
  with each lockout in a day (1, 2, 4 … minutes, at most an hour);
- one address over every username (password spraying): a ceiling over all of them.

A successful login takes back its own attempt from each count (so signing in often is
never limited, and the counts hold failures and attempts still being checked) and wipes
nothing else: a lockout, and the failures that other attempts earned from this or any
other address, stay until they expire. Otherwise an attacker's guesses would be forgiven
each time the owner (or a colleague in the same office) signs in, and an attacker who
owns one account could clear the address count used against password spraying. The
cost: the owner may have to wait out a lockout that someone else caused (a bank's trade
too). The first lockouts are short, and nothing ends one early, not even an admin
resetting the password: a lockout costs an attacker time only if it cannot be undone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from api.conversations.limits import Limits

log = logging.getLogger(__name__)

PAIR_WINDOW_S = 60
ACCOUNT_WINDOW_S = 15 * 60
ADDRESS_WINDOW_S = 15 * 60
LOCK_BASE_S = 60
LOCK_MAX_S = 60 * 60
LOCK_MEMORY_S = 24 * 60 * 60  # lockouts within a day make the next one longer


@dataclass(frozen=True)
class Refusal:
    message: str  # for people
    retry_after_s: int
    locked_now: bool = False  # this attempt locked the account: the admins' audit says so


TOO_MANY_FOR_PAIR = "登录失败次数太多，请一分钟后再试"
TOO_MANY_FOR_ACCOUNT = "这个账号的登录尝试太多，已暂停登录，请 {minutes} 分钟后再试"
TOO_MANY_FROM_ADDRESS = "这个网络的登录尝试太多，请过一会儿再试"


def _minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


class LoginLimits:
    def __init__(self, limits: Limits, per_pair: int, per_account: int, per_address: int) -> None:
        self.limits = limits
        self.per_pair = per_pair
        self.per_account = per_account
        self.per_address = per_address

    async def admit(self, username: str, address: str) -> Refusal | None:
        """Count this attempt; a Refusal when it must not be checked, None when it may."""
        locked = await self.limits.recall(f"login-lock:{username}")
        if locked is not None:
            seconds = int(locked)
            return Refusal(TOO_MANY_FOR_ACCOUNT.format(minutes=_minutes(seconds)), seconds)
        # All three are counted, whichever refuses: each attempt costs in every count.
        # The account's count starts afresh after each lockout (its key names the level), so
        # the next lockout comes after as many attempts again, and lasts twice as long.
        level = int(await self.limits.recall(f"login-level:{username}") or 0)
        pair = await self.limits.count(f"login:{username}:{address}", PAIR_WINDOW_S)
        account = await self.limits.count(f"login:{username}:level-{level}", ACCOUNT_WINDOW_S)
        from_address = await self.limits.count(f"login-from:{address}", ADDRESS_WINDOW_S)
        if account > self.per_account:
            # Only the attempt that crossed the ceiling locks (the count is atomic: exactly one).
            locked_now = account == self.per_account + 1
            seconds = await self._lock(username, level + 1) if locked_now else LOCK_BASE_S
            return Refusal(TOO_MANY_FOR_ACCOUNT.format(minutes=_minutes(seconds)), seconds, locked_now)
        if from_address > self.per_address:
            return Refusal(TOO_MANY_FROM_ADDRESS, ADDRESS_WINDOW_S)
        if pair > self.per_pair:
            return Refusal(TOO_MANY_FOR_PAIR, PAIR_WINDOW_S)
        return None

    async def take_back(self, username: str, address: str) -> None:
        """An attempt ``admit`` let through was no guess: its password was right, or never checked."""
        level = int(await self.limits.recall(f"login-level:{username}") or 0)
        await self.limits.uncount(f"login:{username}:{address}")
        await self.limits.uncount(f"login:{username}:level-{level}")
        await self.limits.uncount(f"login-from:{address}")

    async def _lock(self, username: str, level: int) -> int:
        seconds: int = min(LOCK_BASE_S * 2 ** (level - 1), LOCK_MAX_S)
        await self.limits.remember(f"login-lock:{username}", str(seconds), seconds)
        await self.limits.remember(f"login-level:{username}", str(level), LOCK_MEMORY_S)
        # For the operators: someone is guessing. The username stays out of the log (it is often a name).
        log.warning("a staff account's logins are locked for %d s (lockout %d within a day)", seconds, level)
        return seconds
