"""Staff passwords: how they are hashed, how many hashes may run at once, which are refused.

Each argon2 hash takes ``memory_cost`` KiB for as long as it runs, so the number of hashes
running at once is what bounds the memory a login burst can take: ``PasswordChecks`` lets
at most a few run, and a login that finds them all busy is answered at once, unhashed.
The parameters are OWASP's (Password Storage Cheat Sheet): argon2id, m = 19 MiB, t = 2, p = 1.
A hash made with other parameters is redone at the next successful login.
"""

from __future__ import annotations

import gzip
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher

MEMORY_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024  # hashing is slow on purpose; a huge password must not make it slower
COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt.gz"
# Words anyone guessing at this service would try first (the list above is English-centred).
SERVICE_WORDS = ("gongyou", "gongyouzhushou", "zhushou", "工友助手", "工友")
# What Chinese users put in passwords that an English list misses, and this province's places:
# a guesser at a Shanxi office tries these first, with a year or 123 after them.
LOCAL_WORDS = frozenset(
    {
        "woaini", "woaiwojia", "aini", "wangluo", "zhongguo", "china", "beijing", "shanghai",
        "shanxi", "taiyuan", "datong", "yangquan", "changzhi", "jincheng", "shuozhou", "jinzhong",
        "yuncheng", "xinzhou", "linfen", "lvliang", "renshe", "laodong", "mima", "admin",
        "qwer", "asdf", "zxcv", "qaz", "wsx", "abc", "abcd",
    }
)  # fmt: skip
LOCAL_NUMBERS = frozenset({"5201314", "1314520", "1314", "520", "521", "666", "888", "168", "5211314"})


class PasswordChecksBusy(RuntimeError):
    """Every password-check slot is taken: refused without hashing."""


def owasp_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM)


class PasswordChecks:
    """At most ``slots`` argon2 hashes or verifications at once in this process.

    Logins take a slot without waiting (a burst is refused, not queued: a queue of
    requests would hold their threads and their bodies); an admin setting a password
    waits a little, as that is rare and should not fail because of a burst elsewhere.
    """

    def __init__(self, slots: int = 3) -> None:
        if slots < 1:
            raise ValueError("at least one password check must be allowed")
        self.slots = slots
        self._semaphore = threading.BoundedSemaphore(slots)

    @contextmanager
    def slot(self, wait_s: float = 0.0) -> Iterator[None]:
        taken = self._semaphore.acquire(timeout=wait_s) if wait_s > 0 else self._semaphore.acquire(blocking=False)
        if not taken:
            raise PasswordChecksBusy
        try:
            yield
        finally:
            self._semaphore.release()


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is refused (a message for people), or None when it will do."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"密码至少要 {MIN_PASSWORD_CHARS} 个字符"
    if len(password) > MAX_PASSWORD_CHARS:
        return f"密码最多 {MAX_PASSWORD_CHARS} 个字符"
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 4 or _common_with_trimmings(lowered):
        return "这个密码太常见，很容易被猜到，请换一个"
    name = username.strip().lower()
    if len(name) >= 3 and name in lowered:
        return "密码里不能有用户名"
    if any(word in lowered for word in SERVICE_WORDS):
        return "密码里不能有本系统的名字（工友、gongyou 等）"
    return None


def _known(word: str) -> bool:
    """A common password or local word, or one of them said again (qwerqwer)."""
    if not word:
        return True
    if word in common_passwords() or word in LOCAL_WORDS or word in LOCAL_NUMBERS:
        return True
    for size in range(1, len(word) // 2 + 1):
        unit = word[:size]
        if len(word) % size == 0 and unit * (len(word) // size) == word and (len(unit) < 3 or _known(unit)):
            return True
    return False


def _common_with_trimmings(lowered: str) -> bool:
    """A common word dressed up the usual ways: a capital, digits or a year, a ! at the end.

    Password123!, Taiyuan2026!, woaini1314520, qwer1234qwer and Aa123456789 pass an exact
    list but fall to the first guesses of anyone who tries variants of it.
    """
    letters = "".join(ch for ch in lowered if ch.isalpha())
    others = "".join(ch for ch in lowered if not ch.isalpha())
    digits = "".join(ch for ch in others if ch.isdigit())
    core = lowered.strip("0123456789!@#$%^&*()_+-=.,?~ ")
    if _known(core):
        return True
    # Known letters with digits that are a year, short, or a known number, or the other way round.
    letters_known = _known(letters)
    digits_weak = len(digits) <= 4 or _known(digits) or bool(re.fullmatch(r"(19|20)\d\d", digits))
    return (letters_known and digits_weak) or (len(set(letters)) <= 2 and _known(digits))
