"""Find and redact personal numbers (resident ID, mobile, bank card) in a worker's free text.

Personal data must reach neither the Rasa bot nor any log in clear text. Workers type these
numbers in many forms: full-width digits, groups separated by spaces or dashes, glued to
Chinese on both sides. The search runs on a copy of the text where every such variant is
mapped to ASCII *one character for one character*, so a match's span is also its span in the
original text.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "PLACEHOLDERS",
    "Found",
    "Kind",
    "RedactingFilter",
    "find",
    "install_log_redaction",
    "mask",
    "redact",
]

Kind = Literal["id_card", "mobile", "bank_card"]

PLACEHOLDERS: dict[Kind, str] = {"id_card": "[身份证号]", "mobile": "[手机号]", "bank_card": "[银行卡号]"}


@dataclass(frozen=True)
class Found:
    kind: Kind
    start: int  # span in the original text
    end: int
    value: str  # ASCII digits (and X for an ID), no separators, no country prefix


# --- normalisation -----------------------------------------------------------------------------

# One code point to one code point, so spans need no mapping back.
_FOLD = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},  # ０-９
        "Ｘ": "X",
        "ｘ": "x",
        "＋": "+",
        "\u3000": " ",  # ideographic space
        "\u00a0": " ",  # no-break space
        "－": "-",
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # en dash
        "\u2212": "-",  # minus sign
    }
)


_FOLDABLE = re.compile("[" + "".join(re.escape(chr(c)) for c in _FOLD) + "]")
_ANY_DIGIT = re.compile("[0-9\uff10-\uff19]")


def _fold(text: str) -> str:
    # translate() is slow on CJK text; most messages have nothing to fold.
    return text.translate(_FOLD) if _FOLDABLE.search(text) else text


def _canonical(folded: str) -> str:
    """The number alone: digits and an upper-case X, separators and '+' dropped."""
    return "".join(ch for ch in folded if ch in "0123456789Xx").upper()


# --- patterns (on folded text) -----------------------------------------------------------------

# A number must not be part of a longer run of digits; anything else (Chinese, letters,
# punctuation) may touch it. Grouped forms allow one space or dash between groups.
_NOT_AFTER_DIGIT = r"(?<![0-9])"
_NOT_BEFORE_DIGIT = r"(?![0-9])"
_SEP = r"[ \-]"


def _forms(*forms: str) -> tuple[re.Pattern[str], ...]:
    """One pattern per written form, tried at every position (a lookahead captures the match).

    ``finditer`` with one alternation takes a single greedy match at each place and moves
    past it, even when that match then fails its check digit: "6222 0212 3456 7894 139 8765
    4321" read as one 19-digit card (wrong Luhn) hid a valid card and a mobile. Each form on
    its own, at every start, finds every candidate; find() then picks among overlaps.
    """
    return tuple(re.compile(rf"(?=({_NOT_AFTER_DIGIT}(?:{form}){_NOT_BEFORE_DIGIT}))") for form in forms)


_ID_FORMS = _forms(
    r"[0-9]{17}[0-9Xx]",  # 18 digits
    rf"[0-9]{{6}}{_SEP}[0-9]{{8}}{_SEP}[0-9]{{3}}[0-9Xx]",  # region date sequence+check
    rf"[0-9]{{6}}{_SEP}[0-9]{{4}}{_SEP}[0-9]{{4}}{_SEP}[0-9]{{3}}[0-9Xx]",
    r"[0-9]{15}",  # old 15-digit form
    rf"[0-9]{{6}}{_SEP}[0-9]{{6}}{_SEP}[0-9]{{3}}",
)

_CARD_FORMS = _forms(
    r"[0-9]{16,19}",
    rf"[0-9]{{4}}(?:{_SEP}[0-9]{{4}}){{3}}{_SEP}[0-9]{{1,3}}",  # 4-4-4-4-1..3, before the shorter form
    rf"[0-9]{{4}}(?:{_SEP}[0-9]{{4}}){{3}}",  # 4-4-4-4
)

_MOBILE_BODY = rf"1[3-9][0-9](?:[0-9]{{8}}|{_SEP}[0-9]{{4}}{_SEP}[0-9]{{4}}|{_SEP}[0-9]{{8}})"  # 11, 3-4-4, 3-8
_MOBILE_FORMS = _forms(
    rf"(?:\+|00)?86{_SEP}?{_MOBILE_BODY}",  # +86 / 86 / 0086, inside the span but not in the value
    _MOBILE_BODY,
)


# --- checks ------------------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"


def _id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits (GB 11643)."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def _is_id(value: str) -> bool:
    if len(value) == 18:
        return value[:17].isdigit() and _id_check_char(value[:17]) == value[17]
    if len(value) == 15:
        # The old form has no check digit: a region code (first digit 1-8, so not "0086…" of a
        # mobile) and a plausible YYMMDD birth date keep out random runs.
        return (
            value.isdigit() and value[0] in "12345678" and 1 <= int(value[8:10]) <= 12 and 1 <= int(value[10:12]) <= 31
        )
    return False


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _is_card(value: str) -> bool:
    # An 18-digit run that is also a valid ID loses to the ID candidate in find().
    return 16 <= len(value) <= 19 and value.isdigit() and _luhn_ok(value)


def _is_mobile(value: str) -> bool:
    return len(value) == 11  # the pattern already fixed the shape


# Earlier entries win where candidates overlap: a valid ID beats a card, a card beats a mobile.
_RULES: tuple[tuple[Kind, tuple[re.Pattern[str], ...], Callable[[str], bool]], ...] = (
    ("id_card", _ID_FORMS, _is_id),
    ("bank_card", _CARD_FORMS, _is_card),
    ("mobile", _MOBILE_FORMS, _is_mobile),
)


def _candidates(folded: str) -> Iterator[Found]:
    for kind, forms, is_valid in _RULES:
        for pattern in forms:
            for match in pattern.finditer(folded):
                value = _canonical(match.group(1))
                if kind == "mobile":
                    value = value[-11:]  # drop the country prefix
                if is_valid(value):
                    yield Found(kind, match.start(1), match.end(1), value)


# --- public API --------------------------------------------------------------------------------


def find(text: str) -> list[Found]:
    """Personal numbers in ``text``: non-overlapping, sorted by start."""
    if not _ANY_DIGIT.search(text):  # the common case, and cheap
        return []
    chosen: list[Found] = []
    starts: list[int] = []
    for cand in _candidates(_fold(text)):  # in precedence order
        i = bisect.bisect_left(starts, cand.start)
        overlaps_next = i < len(chosen) and chosen[i].start < cand.end
        overlaps_prev = i > 0 and chosen[i - 1].end > cand.start
        if not (overlaps_next or overlaps_prev):
            chosen.insert(i, cand)
            starts.insert(i, cand.start)
    return chosen


def redact(text: str, placeholder: Callable[[Found], str] | None = None) -> tuple[str, list[Found]]:
    """``text`` with every personal number replaced by ``placeholder(found)`` (default: its kind's tag)."""
    found = find(text)
    if not found:
        return text, found
    render = placeholder or _default_placeholder
    parts: list[str] = []
    pos = 0
    for item in found:
        parts.append(text[pos : item.start])
        parts.append(render(item))
        pos = item.end
    parts.append(text[pos:])
    return "".join(parts), found


def _default_placeholder(found: Found) -> str:
    return PLACEHOLDERS[found.kind]


def mask(found: Found) -> str:
    """A form staff may see: 138****5678, 1401**********123X, ****1234."""
    value = found.value
    if found.kind == "mobile":
        return f"{value[:3]}****{value[-4:]}"
    if found.kind == "id_card":
        return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"
    return f"****{value[-4:]}"


# --- logging -----------------------------------------------------------------------------------

# uvicorn's AccessFormatter unpacks record.args into five fields, so there the arguments are
# redacted one by one instead of being folded into the message.
_STRUCTURED_ARGS_LOGGERS = frozenset({"uvicorn.access"})


class RedactingFilter(logging.Filter):
    """Replaces personal numbers in a record's message, exception text and stack text.

    Never drops a record. Attach it to handlers (a logger's own filters do not see records
    propagated from its children) or use :func:`install_log_redaction`.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_message(record)
        _redact_exception(record)
        return True


def _redact_message(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:
        # A bad format string: the handler would print msg and args in its error report.
        record.msg, record.args = redact(f"{record.msg!s} {record.args!r}")[0], ()
        return
    redacted, found = redact(message)
    if not found:
        return
    if record.name in _STRUCTURED_ARGS_LOGGERS and _redact_args_in_place(record):
        return
    record.msg, record.args = redacted, ()


def _redact_args_in_place(record: logging.LogRecord) -> bool:
    """Redact each string argument; True if the formatted message is then clean."""
    args = record.args
    if isinstance(args, tuple):
        record.args = tuple(_redact_value(a) for a in args)
    elif isinstance(args, Mapping):
        record.args = {k: _redact_value(v) for k, v in args.items()}
    else:
        return False
    try:
        return not find(record.getMessage())
    except Exception:
        return False


def _redact_value(value: object) -> object:
    return redact(value)[0] if isinstance(value, str) else value


def _redact_exception(record: logging.LogRecord) -> None:
    # Formatters reuse record.exc_text when set, so formatting the traceback here is enough.
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)[0]
    if record.stack_info:
        record.stack_info = redact(record.stack_info)[0]


_DEFAULT_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def install_log_redaction(*loggers: logging.Logger) -> None:
    """Add a :class:`RedactingFilter` to each logger and its current handlers, once.

    Without arguments: the root logger and uvicorn's loggers, with their handlers. Call it
    after logging is configured (uvicorn replaces its handlers when it starts).
    """
    targets = loggers or (logging.getLogger(), *(logging.getLogger(name) for name in _DEFAULT_LOGGERS))
    for logger in targets:
        for target in _with_handlers(logger):
            if not any(isinstance(f, RedactingFilter) for f in target.filters):
                target.addFilter(RedactingFilter())


def _with_handlers(logger: logging.Logger) -> Iterator[logging.Filterer]:
    yield logger
    yield from logger.handlers
