"""A personal number typed over two messages: "138 1234", then "5678".

The redactor sees one text at a time, so each half alone passes. The turn handling
(api/conversations/turn.py) therefore keeps, for a few minutes and encrypted, the digit
groups a message ends with when they could begin a personal number (``kept_tail``), and
checks the next message's leading groups against them (``completion``): when the two make
a number, the next message's part of it is redacted as that number.

The first message has already gone to Rasa and the history by then, so its tail must have
been harmless on its own: a trailing run of 7 or more digits that could begin a number (a
mobile's 1[3-9]…, an ID's province and birth year, a card's issuer digits) is replaced at
once by "[号码]" (``pending``). Seven, because fewer leave at least 10,000 possible mobiles
(the usual mask 138****5678 shows seven digits too), and amounts a worker writes (12000,
350000) have at most six digits, so they stay. Local landline numbers (7-8 digits) never
start with 1, and the ID and card rules need 9 digits, so a landline's tail is not pending;
a card cut after its second group of four so shows its first eight digits (the issuer's and
the product's, not the account's; PCI DSS allows the first six to be shown).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from api.privacy.redact import CARD_FIRST_DIGITS, PROVINCES, SEPARATORS, Found, find, fold_all

__all__ = ["MAX_TAIL_DIGITS", "Fragment", "completion", "kept_tail", "leading", "pending", "trailing"]

MAX_TAIL_DIGITS = 18  # a number's start is never longer than the longest number less a digit
MIN_KEPT_DIGITS = 3
MIN_PENDING_DIGITS = {"mobile": 7, "id_card": 9, "bank_card": 9}

_GROUP = re.compile(r"[0-9]+[Xx]?")
_RUN = rf"[0-9](?:(?:{SEPARATORS})?[0-9])*[Xx]?"
_AT_END = re.compile(rf"({_RUN})[\s，。,.!！?？、~～]*$")
_AT_START = re.compile(rf"^[\s]*({_RUN})")


@dataclass(frozen=True)
class Fragment:
    """Digit groups of a run at one end of a message, with their spans in the message."""

    groups: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]


def _fragment(text: str, pattern: re.Pattern[str]) -> Fragment | None:
    folded = fold_all(text)  # one character for one, so spans hold in the original
    match = pattern.search(folded)
    if match is None:
        return None
    base = match.start(1)
    groups = list(_GROUP.finditer(match.group(1)))
    return Fragment(tuple(g.group().upper() for g in groups), tuple((base + g.start(), base + g.end()) for g in groups))


def trailing(text: str) -> Fragment | None:
    return _fragment(text, _AT_END)


def leading(text: str) -> Fragment | None:
    return _fragment(text, _AT_START)


def _could_begin(digits: str) -> set[str]:
    """The kinds of personal number that ``digits`` could be the start of."""
    kinds: set[str] = set()
    if not digits.isdigit():
        return kinds
    if len(digits) <= 10 and digits[0] == "1" and (len(digits) == 1 or digits[1] in "3456789"):
        kinds.add("mobile")
    year_ok = len(digits) < 8 or digits[6:8] in ("19", "20")
    if len(digits) <= 17 and (len(digits) < 2 or digits[:2] in PROVINCES) and year_ok:
        kinds.add("id_card")
    if len(digits) <= 18 and digits[0] in CARD_FIRST_DIGITS:
        kinds.add("bank_card")
    return kinds


def _suffixes(fragment: Fragment) -> list[tuple[str, int]]:
    """Digits of each suffix of the groups (longest first, at most MAX_TAIL_DIGITS), with its start."""
    out = []
    for i in range(len(fragment.groups)):
        digits = "".join(fragment.groups[i:])
        if len(digits) <= MAX_TAIL_DIGITS:
            out.append((digits, fragment.spans[i][0]))
    return out


def pending(text: str) -> Found | None:
    """The start of a number at the message's end, long enough to tell too much: redact it now."""
    fragment = trailing(text)
    if fragment is None:
        return None
    # The shortest start that tells too much: "工资3000，138 1234" loses "138 1234", keeps its amount.
    for digits, start in reversed(_suffixes(fragment)):
        if any(len(digits) >= MIN_PENDING_DIGITS[kind] for kind in _could_begin(digits)):
            return Found("fragment", start, fragment.spans[-1][1], digits)
    return None


def kept_tail(text: str) -> str:
    """The groups to keep for the next message ("138 1234"), or "" when none could begin a number."""
    fragment = trailing(text)
    if fragment is None:
        return ""
    for i in range(len(fragment.groups)):
        digits = "".join(fragment.groups[i:])
        if len(digits) <= MAX_TAIL_DIGITS and len(digits) >= MIN_KEPT_DIGITS and _could_begin(digits):
            return " ".join(fragment.groups[i:])
    return ""


def _whole_number(digits: str) -> Found | None:
    found = find(digits)
    if len(found) == 1 and found[0].start == 0 and found[0].end == len(digits) and found[0].kind != "fragment":
        return found[0]
    return None


def completion(tail: str, text: str) -> Found | None:
    """The part of ``text`` that completes the number ``tail`` began, as that number; None if none.

    Tries the longest joins first: every suffix of the tail's groups with every prefix of the
    groups ``text`` starts with.
    """
    head = leading(text)
    groups = tail.split()
    if head is None or not groups:
        return None
    for i in range(len(groups)):
        before = "".join(groups[i:])
        for j in range(len(head.groups), 0, -1):
            number = _whole_number(before + "".join(head.groups[:j]))
            if number is not None:
                return Found(number.kind, head.spans[0][0], head.spans[j - 1][1], number.value)
    return None
