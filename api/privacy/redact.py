"""Find and redact personal numbers (resident ID, mobile, bank card) in a worker's free text.

Personal data must reach neither the Rasa bot nor any log in clear text. Workers type these
numbers in many forms: full-width digits, Chinese numerals (一三八, 幺 for 1, 两 for 2, formal
壹贰叁, mixed with digits), groups separated by one to three spaces, tabs, new lines, dots,
commas, slashes, dashes (a Chinese keyboard's "——" too), tildes, stars or underscores, glued to
Chinese on both sides. The search runs on a copy of the text where every such
variant is mapped to ASCII *one character for one character*, so a match's span is also its span
in the original text.

What counts (and why; bench/redaction.py measures both sides):

- mobile: 11 digits 1[3-9]…, written 11, 3-4-4, 4-3-4, 3-8 or (3)8, with +86/86/0086 in front
  or not; in a rarer grouping (pairs, 3-5-3, digit by digit) only as a whole run with one
  separator throughout; "139 后面是1234 5678" with a few words that say the rest follows.
  Landlines (0351-1234567) are left alone: they are a workplace's or an office's, not a person's.
- resident ID: 18 characters (plain, 6-8-4, 6-4-4-4) with a right check character; with a wrong
  one too when the region code is a real province and the birth date a real day between
  1900-01-01 and today (a mistyped ID is still personal; random 18-digit runs rarely pass);
  the old 15-digit form with a plausible date.
- bank card: 16-19 digits (plain, 4-4-4-4(-1..3), 6+13) passing Luhn; failing Luhn only when it
  starts with 62 (UnionPay: the wage cards workers have). A 4 or 5 (Visa, Mastercard) number that
  fails Luhn is left alone: order and waybill numbers look like that far more often.

Separators are bounded (at most three characters between groups, and groups of the exact sizes
above), so two amounts, a date or a time range are not glued into a number.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal
from urllib.parse import unquote_plus

__all__ = [
    "CARD_FIRST_DIGITS",
    "PLACEHOLDERS",
    "PROVINCES",
    "SEPARATORS",
    "Found",
    "Kind",
    "RedactingFilter",
    "find",
    "fold_all",
    "install_log_redaction",
    "mask",
    "redact",
    "replace",
]

# "fragment": the start of a number cut off at a message's end (api/privacy/split.py).
Kind = Literal["id_card", "mobile", "bank_card", "fragment"]

PLACEHOLDERS: dict[Kind, str] = {
    "id_card": "[身份证号]",
    "mobile": "[手机号]",
    "bank_card": "[银行卡号]",
    "fragment": "[号码]",
}


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
        # Chinese keyboards' dashes: an em dash (typed doubled, "——"), a horizontal bar, a
        # box-drawing line, the katakana long-vowel mark a Japanese layout gives for "-".
        "\u2014": "-",
        "\u2015": "-",
        "\u2500": "-",
        "\u30fc": "-",
        "\ufe58": "-",  # small em dash
        "\ufe63": "-",  # small hyphen-minus
        "～": "~",
        "〜": "~",  # wave dash
        "＊": "*",
        "＿": "_",
        "（": "(",
        "）": ")",
    }
)


# Chinese numerals as workers use them in a number: 幺 is 1 and 两 is 2 when read digit by digit.
_NUMERALS = {"零": "0", "〇": "0", "○": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4"}
_NUMERALS |= {"五": "5", "六": "6", "七": "7", "八": "8", "九": "9", "兩": "2"}
# Formal (banker's) numerals, simplified and traditional, as on receipts and wage slips.
_NUMERALS |= {"壹": "1", "贰": "2", "貳": "2", "叁": "3", "叄": "3", "參": "3", "肆": "4", "伍": "5"}
_NUMERALS |= {"陆": "6", "陸": "6", "柒": "7", "捌": "8", "玖": "9"}
_FOLD_NUMERALS = str.maketrans(_NUMERALS)

_FOLDABLE = re.compile("[" + "".join(re.escape(chr(c)) for c in _FOLD) + "]")
_ANY_NUMERAL = re.compile("[" + "".join(_NUMERALS) + "]")
_ANY_DIGIT = re.compile("[0-9\uff10-\uff19" + "".join(_NUMERALS) + "]")


def _fold(text: str) -> str:
    # translate() is slow on CJK text; most messages have nothing to fold.
    return text.translate(_FOLD) if _FOLDABLE.search(text) else text


def _folds(text: str) -> Iterator[str]:
    """The text with digits folded, then (if it has any) with Chinese numerals folded as well.

    Two copies, because a numeral next to a number in digits is a word, not part of it:
    "第一13812345678" holds a mobile, which the second copy alone (a 12-digit run) would miss.
    """
    folded = _fold(text)
    yield folded
    if _ANY_NUMERAL.search(folded):
        yield folded.translate(_FOLD_NUMERALS)


def _canonical(folded: str) -> str:
    """The number alone: digits and an upper-case X, separators and '+' dropped."""
    return "".join(ch for ch in folded if ch in "0123456789Xx").upper()


# --- patterns (on folded text) -----------------------------------------------------------------

# A number must not be part of a longer run of digits; anything else (Chinese, letters,
# punctuation) may touch it. Grouped forms allow one or two separator characters between groups.
_NOT_AFTER_DIGIT = r"(?<![0-9])"
_NOT_BEFORE_DIGIT = r"(?![0-9])"
# Between groups: one to three of space, tab, new line, dot, comma, 、, slash, dash, middle dot,
# tilde, star, underscore (ASCII and full-width; \u3000, the dashes, ～, ＊ and ＿ are already
# folded). Three: "139 - 1234 - 5678", "139 ——1234".
_SEP_CHARS = " \t\r\n.,，、/／\\-·・．。~*_"
_SEP = "[" + re.escape(_SEP_CHARS) + "]{1,3}"
SEPARATORS = _SEP  # a regular expression: what may stand between the groups of a number


_Form = tuple[re.Pattern[str], bool]  # the pattern, and whether it needs a separator


def _forms(*forms: str) -> tuple[_Form, ...]:
    """One pattern per written form, tried at every position (a lookahead captures the match).

    ``finditer`` with one alternation takes a single greedy match at each place and moves
    past it, even when that match then fails its check digit: "6222 0212 3456 7894 139 8765
    4321" read as one 19-digit card (wrong Luhn) hid a valid card and a mobile. Each form on
    its own, at every start, finds every candidate; find() then picks among overlaps.
    """
    return tuple(
        (
            re.compile(rf"(?=({_NOT_AFTER_DIGIT}(?:{form}){_NOT_BEFORE_DIGIT}))"),
            _SEP in form.replace(f"(?:{_SEP})?", ""),
        )
        for form in forms
    )


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
    rf"[0-9]{{6}}{_SEP}[0-9]{{13}}",  # 6+13, as some 19-digit cards are printed
)

_MOBILE_PLAIN = r"1[3-9][0-9]{9}"
_MOBILE_GROUPED = (  # 3-4-4, 4-3-4, 3-8
    rf"1[3-9][0-9](?:{_SEP}[0-9]{{4}}{_SEP}[0-9]{{4}}|[0-9]{_SEP}[0-9]{{3}}{_SEP}[0-9]{{4}}|{_SEP}[0-9]{{8}})"
)
_COUNTRY = rf"(?:\+|00)?86(?:{_SEP})?"  # +86 / 86 / 0086, inside the span but not in the value
# "(139)12345678", "（139）1234-5678": the head in brackets, as a landline's area code is written.
_MOBILE_BRACKETED = rf"\(1[3-9][0-9]\)(?:{_SEP})?(?:[0-9]{{8}}|[0-9]{{4}}(?:{_SEP})?[0-9]{{4}})"
_MOBILE_FORMS = _forms(
    _COUNTRY + _MOBILE_PLAIN,
    _COUNTRY + _MOBILE_GROUPED,
    _MOBILE_PLAIN,
    _MOBILE_GROUPED,
    _MOBILE_BRACKETED,
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


# First two digits of a resident ID: the provinces, and 71/81/82/83 (Taiwan, Hong Kong, Macau,
# residence permits).
PROVINCES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43"}
    | {"44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83"}
)


def _is_mistyped_id(value: str) -> bool:
    """18 characters with a real province and birth date, whatever the check character says."""
    if len(value) != 18 or not value[:17].isdigit() or value[:2] not in PROVINCES:
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def _is_mistyped_id_with_x(value: str) -> bool:
    return value.endswith("X") and _is_mistyped_id(value)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


# First digit of a card number (its issuer's industry): 3 JCB/Amex, 4 Visa, 5 Mastercard, 6 UnionPay,
# 9 old domestic cards. A list of amounts starting 1, 2, 7 or 8 that passes Luhn is not a card.
CARD_FIRST_DIGITS = frozenset("34569")


def _is_card(value: str) -> bool:
    # An 18-digit run that is also a valid ID loses to the ID candidate in find().
    return 16 <= len(value) <= 19 and value.isdigit() and value[0] in CARD_FIRST_DIGITS and _luhn_ok(value)


def _is_mistyped_card(value: str) -> bool:
    """A UnionPay-shaped number failing Luhn: a wage card with a digit wrong is still personal."""
    return 16 <= len(value) <= 19 and value.isdigit() and value.startswith("62")


_GROUP = re.compile(r"[0-9]+")


def _amounts_list(written: str) -> bool:
    """Round amounts in a list ("5500，5000，9500，9200"), not a card: every group ends in 00, and
    none starts with 0 (an amount never does)."""
    groups = _GROUP.findall(written)
    return len(groups) > 1 and all(g.endswith("00") and g[0] != "0" and len(g) <= 6 for g in groups if len(g) >= 4)


def _is_mobile(value: str) -> bool:
    return len(value) == 11  # the pattern already fixed the shape


# Each form is scanned once and its matches checked in turn; the rank orders all candidates,
# and a lower rank wins where candidates overlap: a number passing its check beats one that only
# looks right; a mobile beats a mistyped card, which could otherwise swallow its first group.
_Check = tuple[int, Callable[[str], bool]]
_RULES: tuple[tuple[Kind, int, tuple[_Form, ...], tuple[_Check, ...]], ...] = (
    # kind, fewest digits, forms, checks
    # A mistyped ID ending in X beats a card: no card has an X, and its first 17 digits pass Luhn 1 in 10.
    ("id_card", 15, _ID_FORMS, ((0, _is_id), (1, _is_mistyped_id_with_x), (3, _is_mistyped_id))),
    ("bank_card", 16, _CARD_FORMS, ((2, _is_card), (5, _is_mistyped_card))),
    ("mobile", 11, _MOBILE_FORMS, ((4, _is_mobile),)),
)

# A run of digits and separators (with a leading + or a bracketed mobile head, and a trailing
# X): no number spans two runs, so the forms are only tried inside runs long enough to hold one.
_RUN = re.compile(rf"\+?(?:\(1[3-9][0-9]\)(?:{_SEP})?)?[0-9](?:(?:{_SEP})?[0-9])*[Xx]?")
_MIN_DIGITS = 11
_NOT_DIGITS = re.compile("[^0-9]")
_ONE_SEP = re.compile("[" + re.escape(_SEP_CHARS) + "]")


def _runs(folded: str) -> Iterator[tuple[int, int, int, bool]]:
    """Start, end, number of digits and whether it has separators, of each run that may hold a number."""
    for run in _RUN.finditer(folded):
        written = run.group()
        digits = len(_NOT_DIGITS.sub("", written))
        if digits >= _MIN_DIGITS:
            yield run.start(), run.end(), digits, bool(_ONE_SEP.search(written))


def _candidates(folds: list[str]) -> list[Found]:
    ranked: list[tuple[int, Found]] = []
    for folded in folds:
        for start, end, digits, separated in _runs(folded):
            for kind, fewest, forms, checks in _RULES:
                if digits < fewest:
                    continue
                for pattern, needs_separator in forms:
                    if needs_separator and not separated:
                        continue
                    # end + 1: the lookahead (?![0-9]) must see what follows the run ("…124x2")
                    for match in pattern.finditer(folded, start, end + 1):
                        written = match.group(1)
                        value = _canonical(written)
                        if kind == "mobile":
                            value = value[-11:]  # drop the country prefix
                        elif kind == "bank_card" and _amounts_list(written):
                            continue
                        rank = next((r for r, check in checks if check(value)), None)
                        if rank is not None:
                            ranked.append((rank, Found(kind, match.start(1), match.end(1), value)))
    ranked.sort(key=lambda item: item[0])  # stable: within a rank, in the order found
    return [found for _, found in ranked]


# --- loose mobiles (a second pass, on what the forms left) -----------------------------------------
#
# A mobile written in a rarer grouping ("139 12 34 56 78", "139-12345-678", "1 3 9 1 2 3 4 5 6 7
# 8") counts only when it is a whole run: eleven digits 1[3-9]…, nothing but separators between
# them and no further digit within a separator's reach. Lists of amounts, prices, times and
# network addresses are runs too, so the groups must also look like a phone's (see
# _loose_mobile). It runs after the forms, on the text with their findings blanked out, so that
# a number found there ends a run as its placeholder will (redacting twice finds nothing new).

_BLANK = "\x00"
_DIGIT_GROUPS = re.compile(r"([0-9]+)")
_MOBILE_HEAD = re.compile(r"1[3-9]")


def _loose_mobile(written: str) -> str | None:
    """The mobile a whole run of digits and separators spells, or None."""
    parts = _DIGIT_GROUPS.split(written)
    lead, groups, gaps, rest = parts[0], parts[1::2], parts[2:-1:2], parts[-1]
    if rest or lead not in ("", "+"):
        return None  # a bracket in front
    digits = sum(len(g) for g in groups)
    if len(groups) > 2 and (groups[0], digits) in (("86", 13), ("0086", 15)):
        groups, gaps = groups[1:], gaps[1:]  # a country prefix
    elif lead:
        return None
    value = "".join(groups)
    if len(value) != 11 or not _MOBILE_HEAD.match(value) or len(groups) < 2:
        return None
    # One separator throughout (a list of prices "13.50 14.80" or a time range mixes them).
    if len({frozenset(gap) for gap in gaps}) != 1:
        return None
    # Every digit alone, or the network's three-digit head and no group of one (a list of three
    # amounts "1580，2356，179" has a longer head).
    if not (len(groups) == 11 or (len(groups[0]) == 3 and all(len(g) >= 2 for g in groups))):
        return None
    # Round amounts ("1500，2000，300", "150 200 300 50"), an IPv4 address ("139.120.134.56").
    longer = [g for g in groups[1:] if len(g) >= 3]
    if all(g.endswith("0") for g in groups) or (longer and all(g.endswith("0") for g in longer)):
        return None
    if gaps[0] == "." and len(groups) == 4:
        return None
    return value


# "号码是139 后面是1234 5678": a head, a few words that say the rest follows, eight digits. The
# words are from a short list, so "150元，后面是20240315" (an amount, then a date) stays.
_SEP_CLASS = "[" + re.escape(_SEP_CHARS) + "]"
_THEN = r"[ \t,，、。:：;；]*(?:后面|后边|后头|然后|接着|剩下的?|再|后)(?:几位)?(?:是|为|:|：)?[ \t,，、:：]*"
_HEAD_WORDS_REST = re.compile(
    rf"(?<![0-9])1[3-9][0-9](?:{_THEN})(?P<rest>[0-9]{{8}}|[0-9]{{4}}(?:{_SEP})?[0-9]{{4}})(?![0-9])"
)
_DIGIT_NEARBY_BEFORE = re.compile(rf"[0-9]{_SEP_CLASS}{{0,3}}$")
_DIGIT_NEARBY_AFTER = re.compile(rf"{_SEP_CLASS}{{0,3}}[0-9]")


def _alone(folded: str, start: int, end: int) -> bool:
    """No digit within a separator's reach of [start, end): the digits there are a whole run."""
    return not (
        _DIGIT_NEARBY_BEFORE.search(folded, max(0, start - 4), start) or _DIGIT_NEARBY_AFTER.match(folded, end, end + 4)
    )


def _loose_candidates(folds: list[str], chosen: list[Found]) -> Iterator[Found]:
    for folded in folds:
        blanked = folded
        for item in reversed(chosen):
            blanked = blanked[: item.start] + _BLANK * (item.end - item.start) + blanked[item.end :]
        for run in _RUN.finditer(blanked):
            written = run.group().rstrip("Xx")  # an X ends an ID's run; after a mobile it is a letter
            if len(_NOT_DIGITS.sub("", written)) not in (11, 13, 15):
                continue
            start = run.start()
            value = _loose_mobile(written)
            if value is None and written.startswith("+"):  # a plus that is no country prefix
                value, start = _loose_mobile(written[1:]), start + 1
            # A run may start at a "+" right after digits ("140+86 138…"): then it is no whole run.
            if value is not None and _alone(blanked, run.start(), run.start() + len(written)):
                yield Found("mobile", start, run.start() + len(written), value)
        for match in _HEAD_WORDS_REST.finditer(blanked):
            head_end = match.start() + 3
            if _alone(blanked, match.start(), head_end) and _alone(blanked, match.start("rest"), match.end()):
                value = blanked[match.start() : head_end] + _canonical(match.group("rest"))
                yield Found("mobile", match.start(), match.end(), value)


# --- public API --------------------------------------------------------------------------------


def _choose(chosen: list[Found], starts: list[int], cand: Found) -> bool:
    """Add ``cand`` to the chosen (sorted by start) unless it overlaps one; True if added."""
    i = bisect.bisect_left(starts, cand.start)
    overlaps_next = i < len(chosen) and chosen[i].start < cand.end
    overlaps_prev = i > 0 and chosen[i - 1].end > cand.start
    if overlaps_next or overlaps_prev:
        return False
    chosen.insert(i, cand)
    starts.insert(i, cand.start)
    return True


def find(text: str) -> list[Found]:
    """Personal numbers in ``text``: non-overlapping, sorted by start."""
    if not _ANY_DIGIT.search(text):  # the common case, and cheap
        return []
    folds = list(_folds(text))
    chosen: list[Found] = []
    starts: list[int] = []
    overlapping: list[Found] = []
    for cand in _candidates(folds):  # in precedence order
        if not _choose(chosen, starts, cand):
            overlapping.append(cand)
    chosen = _widened(chosen, overlapping)
    starts = [c.start for c in chosen]
    # Until nothing changes: a loose mobile found ends the run next to it as its placeholder
    # will, so that one may now stand alone (and redacting the output again finds nothing new).
    while [cand for cand in list(_loose_candidates(folds, chosen)) if _choose(chosen, starts, cand)]:
        pass
    return chosen


def _widened(chosen: list[Found], losers: list[Found]) -> list[Found]:
    """A number of the same kind read longer over a chosen one takes its place.

    "6262 7054 0964 9393 81" may pass Luhn on its first sixteen digits, and the eighteen-digit
    card (a UnionPay number failing Luhn) loses to that reading: without this, "81" would stay
    in clear. A loser that also overlaps another chosen number changes nothing.
    """
    for loser in losers:
        hits = [i for i, c in enumerate(chosen) if c.start < loser.end and loser.start < c.end]
        if len(hits) != 1:
            continue
        item = chosen[hits[0]]
        if item.kind == loser.kind and loser.start <= item.start and item.end <= loser.end:
            chosen[hits[0]] = loser
    return chosen


def redact(text: str, placeholder: Callable[[Found], str] | None = None) -> tuple[str, list[Found]]:
    """``text`` with every personal number replaced by ``placeholder(found)`` (default: its kind's tag)."""
    found = find(text)
    return (replace(text, found, placeholder) if found else text), found


def replace(text: str, found: list[Found], placeholder: Callable[[Found], str] | None = None) -> str:
    """``text`` with the given spans (non-overlapping, sorted) replaced by ``placeholder(found)``."""
    render = placeholder or _default_placeholder
    parts: list[str] = []
    pos = 0
    for item in found:
        parts.append(text[pos : item.start])
        parts.append(render(item))
        pos = item.end
    parts.append(text[pos:])
    return "".join(parts)


def fold_all(text: str) -> str:
    """``text`` with full-width digits and Chinese numerals as ASCII digits, one for one."""
    return _fold(text).translate(_FOLD_NUMERALS)


def _default_placeholder(found: Found) -> str:
    return PLACEHOLDERS[found.kind]


def mask(found: Found) -> str:
    """A form staff may see: 138****5678, 1401**********123X, ****1234."""
    value = found.value
    if found.kind == "fragment":
        return PLACEHOLDERS["fragment"]
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
        record.msg, record.args = _redact_logged(f"{record.msg!s} {record.args!r}")[0], ()
        return
    redacted, found = _redact_logged(message)
    if not found:
        return
    if record.name in _STRUCTURED_ARGS_LOGGERS and _redact_args_in_place(record):
        return
    record.msg, record.args = redacted, ()


_ENCODED = re.compile(r"%[0-9A-Fa-f]{2}|\+")


def _decoded(text: str) -> str:
    """``text`` with percent-encoding undone (twice at most: "%2531" is an encoded "%31")."""
    for _ in range(3):
        if not _ENCODED.search(text):
            break
        decoded = unquote_plus(text)
        if decoded == text:
            break
        text = decoded
    return text


def _redact_logged(text: str) -> tuple[str, list[Found]]:
    """Like :func:`redact`, but a number hidden by percent-encoding (a path or query string as
    uvicorn logs it) is found too; then the line is logged decoded, with the number replaced."""
    redacted, found = redact(text)
    decoded = _decoded(redacted)
    if decoded != redacted:
        again, more = redact(decoded)
        if more:
            return again, found + more
    return redacted, found


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
        return not _redact_logged(record.getMessage())[1]
    except Exception:
        return False


def _redact_value(value: object) -> object:
    return _redact_logged(value)[0] if isinstance(value, str) else value


def _redact_exception(record: logging.LogRecord) -> None:
    # Formatters reuse record.exc_text when set, so formatting the traceback here is enough.
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = _redact_logged(record.exc_text)[0]
    if record.stack_info:
        record.stack_info = _redact_logged(record.stack_info)[0]


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
