"""Fuzz targets: each takes the fuzzer's bytes and asserts what must hold for any input.

A broken invariant raises AssertionError; any other exception that escapes is a crash too.
The only exceptions a target takes as fine are the documented rejections: the WeChat
channel's ``Refused`` (400 malformed, 403 not from WeChat) and a documented 4xx from the
JSON routes. The checks take the functions under test as arguments, so the tests can hand
them a broken stand-in and watch the check fail.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import re
import xml.parsers.expat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, TypeVar
from xml.etree import ElementTree

import atheris  # type: ignore[import-untyped]
from fastapi import FastAPI
from starlette.types import Message as AsgiMessage
from wechatpy.crypto import WeChatCrypto  # type: ignore[import-untyped]
from wechatpy.utils import WeChatSigner  # type: ignore[import-untyped]

from api.channels import partner, web
from api.channels.wechat import protocol as wechat
from api.conversations.limits import Limits
from api.conversations.turn import PAYLOAD_RE, Conversations, Inbound, Reply, Turn
from api.deps import get_conversations, get_handoffs, get_limits, get_web_sessions
from api.errors import install_handlers
from api.middleware import BodyLimit
from api.privacy import redact as pii
from api.settings import ApiSettings
from tests.test_pii import id_check, luhn_ok, make_card

T = TypeVar("T")


# --- the redactor ------------------------------------------------------------------------------

FindFn = Callable[[str], list[pii.Found]]
RedactFn = Callable[..., tuple[str, list[pii.Found]]]
MaskFn = Callable[[pii.Found], str]

_HALF = "0123456789"
_FULL = "０１２３４５６７８９"
DIGITS = frozenset(_HALF + _FULL)
# What may join the groups of a number (ASCII and the full-width or typographic variants).
SEPARATORS: tuple[str, ...] = ("\u0020", "-", "\u3000", "\u00a0", "－", "\u2010", "\u2011", "\u2012", "\u2013")
SEPARATORS += ("\u2212", ".", ",", "，", "、", "/", "／", "\t", "\n", "\r", "·", "・", "．", "。", "\\")
SEPARATORS += ("\u2014", "\u2015", "\u2500", "\u30fc", "~", "～", "〜", "*", "＊", "_", "＿")
# Chinese numerals as workers write a number digit by digit (幺 is 1, 两 is 2).
NUMERALS = {"零": "0", "〇": "0", "○": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4"}
NUMERALS |= {"五": "5", "六": "6", "七": "7", "八": "8", "九": "9", "兩": "2"}
NUMERALS |= {"壹": "1", "贰": "2", "貳": "2", "叁": "3", "叄": "3", "參": "3", "肆": "4", "伍": "5"}
NUMERALS |= {"陆": "6", "陸": "6", "柒": "7", "捌": "8", "玖": "9"}  # formal numerals
_NUMBER_CHARS = DIGITS | frozenset(SEPARATORS) | frozenset("XxＸｘ+＋()（）") | frozenset(NUMERALS)
# Words a mobile's span may hold between its head and the rest ("139 后面是1234 5678").
_THEN_CHARS = frozenset("后面边头然接着剩下的再几位是为:：;；")
# Every half-width character a number can be written with, to its full-width twin: the
# redactor must not tell them apart.
_WIDEN = str.maketrans(
    {**dict(zip(_HALF, _FULL, strict=True)), "X": "Ｘ", "x": "ｘ", " ": "\u3000", "-": "－", "+": "＋"}
)
_MASK_SHAPE = re.compile(r"([0-9X]*)(\*+)([0-9X]*)")
REVEALED = {"mobile": 7, "id_card": 8, "bank_card": 4}  # digits a staff member may see


def written_digits(span: str) -> str:
    """The digits (and X) of a written number, full-width folded, separators and '+' dropped."""
    out = []
    for ch in span:
        if ch in _HALF:
            out.append(ch)
        elif ch in _FULL:
            out.append(_HALF[_FULL.index(ch)])
        elif ch in NUMERALS:
            out.append(NUMERALS[ch])
        elif ch in "XxＸｘ":
            out.append("X")
    return "".join(out)


def _real_birth(value: str) -> bool:
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return value[:2] in pii.PROVINCES and date(1900, 1, 1) <= born <= date.today()


def check_found(text: str, found: pii.Found) -> None:
    """One finding is a whole number of its kind, valid, and not cut out of a longer digit run."""
    assert 0 <= found.start < found.end <= len(text), f"span {found.start}:{found.end} outside the text"
    span = text[found.start : found.end]
    words = _THEN_CHARS if found.kind == "mobile" else frozenset()
    assert set(span) <= _NUMBER_CHARS | words, f"span {span!r} holds more than a number"
    assert not (found.start > 0 and text[found.start - 1] in DIGITS), f"{span!r} is cut out of a digit run"
    assert not (found.end < len(text) and text[found.end] in DIGITS), f"{span!r} is cut out of a digit run"
    written, value = written_digits(span), found.value
    if found.kind == "mobile":
        assert re.fullmatch(r"1[3-9][0-9]{9}", value), f"not a mobile number: {value!r}"
        assert written[-11:] == value and written[:-11] in ("", "86", "0086"), f"{span!r} is not {value}"
    elif found.kind == "id_card":
        assert written == value, f"{span!r} is not {value}"
        if len(value) == 18:
            # A right check character, or a real province and birth date (a mistyped ID).
            assert re.fullmatch(r"[0-9]{17}[0-9X]", value), value
            assert id_check(value[:17]) == value[17] or _real_birth(value), f"not an ID number: {value}"
        else:
            assert re.fullmatch(r"[1-8][0-9]{14}", value), f"not an ID number: {value!r}"
            assert 1 <= int(value[8:10]) <= 12 and 1 <= int(value[10:12]) <= 31, f"no birth date in {value}"
    elif found.kind == "bank_card":
        assert written == value, f"{span!r} is not {value}"
        assert re.fullmatch(r"[0-9]{16,19}", value), f"not a card number: {value!r}"
        # Luhn and an issuer's first digit, or a UnionPay number (62…) with a digit wrong.
        assert (luhn_ok(value) and value[0] in "34569") or value.startswith("62"), f"not a card number: {value!r}"
    else:
        raise AssertionError(f"unknown kind {found.kind!r}")


def check_mask(found: pii.Found, mask: MaskFn = pii.mask) -> None:
    """The masked form shows at most a head and a tail of the number, never the rest."""
    shown = mask(found)
    shape = _MASK_SHAPE.fullmatch(shown)
    assert shape, f"mask {shown!r} of a {found.kind} is not head****tail"
    head, _, tail = shape.groups()
    assert found.value.startswith(head) and found.value.endswith(tail), f"mask {shown!r} invents digits"
    assert len(head) + len(tail) <= REVEALED[found.kind], f"mask {shown!r} reveals too much of a {found.kind}"


def _splice(text: str, found: list[pii.Found], render: Callable[[pii.Found], str]) -> str:
    parts, pos = [], 0
    for item in found:
        parts += [text[pos : item.start], render(item)]
        pos = item.end
    return "".join([*parts, text[pos:]])


def _spans(found: Iterable[pii.Found]) -> list[tuple[str, int, int, str]]:
    return [(f.kind, f.start, f.end, f.value) for f in found]


class MissedNumber(AssertionError):
    """The redacted text still holds a number: find() missed it in the original."""


def check_redaction(
    text: str, find: FindFn = pii.find, redact: RedactFn = pii.redact, mask: MaskFn = pii.mask
) -> list[pii.Found]:
    found = find(text)
    end = 0
    for item in found:
        assert item.start >= end, f"findings overlap or are out of order: {_spans(found)}"
        check_found(text, item)
        check_mask(item, mask)
        end = item.end
    # Folding is one character for one: the full-width spelling must give the same findings.
    assert _spans(find(text.translate(_WIDEN))) == _spans(found), "full-width forms are found differently"
    out, again = redact(text)
    assert again == found, "redact() and find() disagree"
    assert out == _splice(text, found, lambda f: pii.PLACEHOLDERS[f.kind]), f"redacted text is wrong: {out!r}"
    if not found:
        assert out == text, "text without personal numbers was changed"
    left = find(out)
    if left:
        raise MissedNumber(f"redaction left {_spans(left)} in {out!r} (from {text!r})")
    assert redact(out) == (out, []), "redaction is not idempotent"
    masked, _ = redact(text, mask)
    assert masked == _splice(text, found, mask), f"masked text is wrong: {masked!r}"
    return found


# Structured inputs: generated valid numbers in many written forms, glued to Chinese text.

_CJK = "工资欠我的号码电话身份证卡老板在了是太原大同山西"
_SOFT = (
    *(" ", "\u3000", "-", "－", ",", "，", "。", ":", "：", "x", "X", "ｘ", "+", "＋", "a", "Z", "\t", "\n"),
    *("😀", "👷\u200d♂️", "\u200b", "（", "）", "#", "/", "元"),
)
_FILLER = (*_CJK, *_SOFT)
_MOBILE_PREFIXES = ("", "+86", "86", "0086", "+86 ", "86-", "0086 ", "+86\u3000", "0086-")


@dataclass(frozen=True)
class Planted:
    kind: str
    value: str
    start: int
    end: int


def _pick(fdp: Any, options: Sequence[T]) -> T:
    index: int = fdp.ConsumeIntInRange(0, len(options) - 1)
    return options[index]


def _digits(fdp: Any, n: int) -> str:
    return f"{fdp.ConsumeIntInRange(0, 10**n - 1):0{n}d}"


def _cut(value: str, sizes: Iterable[int]) -> list[str]:
    groups, pos = [], 0
    for size in sizes:
        groups.append(value[pos : pos + size])
        pos += size
    return [g for g in groups if g]


def _number(fdp: Any) -> tuple[str, str, str, list[str]]:
    """(kind, canonical value, prefix, digit groups) of one generated valid number."""
    choice = fdp.ConsumeIntInRange(0, 3)
    if choice == 0:
        value = "1" + "3456789"[fdp.ConsumeIntInRange(0, 6)] + _digits(fdp, 9)
        shapes = ([11], [3, 4, 4], [4, 3, 4], [3, 8], *LOOSE_MOBILE_SHAPES)
        shape = _pick(fdp, shapes)
        if shape in LOOSE_MOBILE_SHAPES and _round(_cut(value, shape)):
            shape = [3, 4, 4]  # groups all ending in 0 read as a list of amounts (a known miss)
        # A country prefix glued to a loose mobile ("+86139 12 34 56 78") reads as a longer head.
        prefixes = _MOBILE_PREFIXES if shape not in LOOSE_MOBILE_SHAPES else ("", "+86 ", "0086 ", "86-", "0086-")
        return "mobile", value, _pick(fdp, prefixes), _cut(value, shape)
    if choice == 1:
        first = _digits(fdp, 17)
        value = first + id_check(first)
        return "id_card", value, "", _cut(value, _pick(fdp, ([18], [6, 8, 4], [6, 4, 4, 4])))
    if choice == 2:
        region = str(fdp.ConsumeIntInRange(1, 8)) + _digits(fdp, 5)
        birth = _digits(fdp, 2) + f"{fdp.ConsumeIntInRange(1, 12):02d}{fdp.ConsumeIntInRange(1, 31):02d}"
        value = region + birth + _digits(fdp, 3)
        return "id_card", value, "", _cut(value, _pick(fdp, ([15], [6, 6, 3])))
    issuer = _pick(fdp, ("62", "4", "5", "3", "9", "60"))
    body = issuer + _digits(fdp, fdp.ConsumeIntInRange(15, 18) - len(issuer))
    value = make_card(body)
    shape = _pick(fdp, ([len(value)], [4] * 5, [6, 13] if len(value) == 19 else [4] * 5))
    return "bank_card", value, "", _cut(value, shape)


# A mobile in pairs, 3-5-3 or digit by digit: written with one separator throughout.
LOOSE_MOBILE_SHAPES = ([3, 2, 2, 2, 2], [3, 5, 3], [1] * 11)


def _round(groups: list[str]) -> bool:
    longer = [g for g in groups[1:] if len(g) >= 3]
    return all(g.endswith("0") for g in groups) or (bool(longer) and all(g.endswith("0") for g in longer))


def _write(fdp: Any, prefix: str, groups: list[str], one_separator: bool = False) -> str:
    """Groups joined by separators (one picked per gap, or one for all), each character half- or
    full-width."""
    text = prefix + groups[0]
    same = _pick(fdp, SEPARATORS)
    for group in groups[1:]:
        text += (same if one_separator else _pick(fdp, SEPARATORS)) + group
    if text.endswith("X"):
        text = text[:-1] + _pick(fdp, "XxＸｘ")
    widths = fdp.ConsumeIntInRange(0, 2**32 - 1)
    return "".join(ch.translate(_WIDEN) if widths >> (i % 32) & 1 else ch for i, ch in enumerate(text))


def _filler(fdp: Any, between: bool) -> str:
    chars = [_pick(fdp, _FILLER) for _ in range(fdp.ConsumeIntInRange(0, 3))]
    if between and not any(ch in _CJK for ch in chars):
        # Only separators between two numbers would make one longer number of them.
        chars.insert(fdp.ConsumeIntInRange(0, len(chars)), _pick(fdp, _CJK))
    return "".join(chars)


def plant_numbers(data: bytes) -> tuple[str, list[Planted], bool]:
    """1-4 valid numbers in generated written forms among Chinese, emoji and punctuation.

    Glued (the third value): numbers joined by a single separator, so that they run into each
    other; then only the general invariants hold, as the digits may also be read another way.
    """
    fdp = atheris.FuzzedDataProvider(data)
    glued = fdp.ConsumeIntInRange(0, 3) == 0
    parts: list[str] = []
    planted: list[Planted] = []
    pos = 0
    for i in range(fdp.ConsumeIntInRange(1, 4)):
        filler = _pick(fdp, SEPARATORS) if glued and i > 0 else _filler(fdp, between=i > 0)
        kind, value, prefix, groups = _number(fdp)
        loose = kind == "mobile" and [len(g) for g in groups] in LOOSE_MOBILE_SHAPES
        written = _write(fdp, prefix, groups, one_separator=loose)
        start = pos + len(filler)
        planted.append(Planted(kind, value, start, start + len(written)))
        parts += [filler, written]
        pos = start + len(written)
    parts.append(_filler(fdp, between=False))
    return "".join(parts), planted, glued


def check_planted(data: bytes, find: FindFn = pii.find, redact: RedactFn = pii.redact, mask: MaskFn = pii.mask) -> None:
    text, planted, glued = plant_numbers(data)
    found = check_redaction(text, find, redact, mask)
    if glued:
        return
    for item in planted:
        cover = [f for f in found if f.start <= item.start and f.end >= item.end]
        assert cover, f"{item.kind} {item.value} in {text!r} was not found whole: {_spans(found)}"
        got = cover[0]
        # A card number that is also a valid ID (or gains an X after it) rightly counts as an ID.
        same = (got.kind, got.value) == (item.kind, item.value)
        assert same or (item.kind == "bank_card" and got.kind == "id_card"), f"{item} found as {got}"
    out, _ = redact(text)
    assert not set(out) & DIGITS, f"digits survived redaction: {out!r} (from {text!r})"


def redactor(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    raw = data.decode("utf-8", errors="surrogateescape")  # invalid bytes as lone surrogates
    check_redaction(text)
    if raw != text:
        check_redaction(raw)
    check_planted(data)


# --- the WeChat channel ------------------------------------------------------------------------

WECHAT_TOKEN = "fuzz-token"
WECHAT_AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")
WECHAT_APP_ID = "wx0123456789abcdef"
ACCOUNT = "gh_gongyou"
TIMESTAMP, NONCE = "1700000000", "fuzznonce1"

_envelope = wechat.Envelope(WECHAT_TOKEN, WECHAT_AES_KEY, WECHAT_APP_ID)
_crypto = WeChatCrypto(WECHAT_TOKEN, WECHAT_AES_KEY, WECHAT_APP_ID)


class _Declared(Exception):
    pass


def declares_dtd(data: bytes | str) -> bool:
    """Whether the document has a DTD: plain expat, stopped at the declaration, so nothing expands."""
    parser = xml.parsers.expat.ParserCreate()

    def stop(*_: object) -> None:
        raise _Declared

    parser.StartDoctypeDeclHandler = stop
    parser.EntityDeclHandler = stop
    try:
        parser.Parse(data, True)
    except _Declared:
        return True
    except xml.parsers.expat.ExpatError:
        return False
    return False


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(WECHAT_TOKEN, *parts)
    return str(signer.signature)


def check_parse(
    data: bytes | str, parse_xml: Callable[[bytes | str], dict[str, str]] = wechat.parse_xml
) -> dict[str, str] | None:
    """The fields, or None for a 400; a document with a DTD must never get through."""
    try:
        fields = parse_xml(data)
    except wechat.Refused as exc:
        assert exc.status == 400, f"malformed XML refused as {exc.status}"
        return None
    assert not declares_dtd(data), "a document with a DTD or an entity declaration was parsed"
    assert all(isinstance(k, str) and isinstance(v, str) and v == v.strip() for k, v in fields.items()), fields
    return fields


def check_message(fields: dict[str, str]) -> wechat.Message | None:
    try:
        message = wechat.Message.from_fields(fields)
    except wechat.Refused as exc:
        assert exc.status == 400, f"an incomplete message refused as {exc.status}"
        assert not all(fields.get(k) for k in ("FromUserName", "ToUserName", "MsgType")), "a whole message refused"
        return None
    assert message.sender == fields["FromUserName"] and message.account == fields["ToUserName"]
    assert message.msg_type == fields["MsgType"].lower()
    assert message.dedupe_key.startswith(("msg:", "event:"))
    plan = wechat.plan_for(message)
    if plan.ask is not None:
        assert plan.ask in (message.content, message.recognition.strip()), f"asked {plan.ask!r}"
    return message


def _message_in(plain: bytes) -> wechat.Message | None:
    """What a sealed plaintext must open to: None if it is not UTF-8 or not a whole message."""
    try:
        text = plain.decode("utf-8")
    except UnicodeDecodeError:
        return None
    fields = check_parse(text)
    return None if fields is None else check_message(fields)


def _envelope_body(encrypted: str) -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    ).encode()


def seal(plain: bytes) -> tuple[bytes, str]:
    """The body and msg_signature WeChat would send for this plaintext."""
    envelope = ElementTree.fromstring(_crypto.encrypt_message(plain, NONCE, TIMESTAMP))  # our own output
    return _envelope_body(envelope.findtext("Encrypt") or ""), envelope.findtext("MsgSignature") or ""


def check_sealed(plain: bytes) -> None:
    """Sealed with the channel's own key and signed: only a 400 for a bad plaintext, else its message."""
    body, signature = seal(plain)
    expected = _message_in(plain)
    try:
        message = _envelope.open(body, signature, TIMESTAMP, NONCE)
    except wechat.Refused as exc:
        assert exc.status == 400, f"a genuine message was refused as {exc.status} ({exc.reason})"
        assert expected is None, f"a valid message was refused ({exc.reason})"
        return
    assert message == expected, f"opened {message}, the plaintext says {expected}"
    forged = ("1" if signature[:1] == "0" else "0") + signature[1:]
    try:
        _envelope.open(body, forged, TIMESTAMP, NONCE)
    except wechat.Refused as exc:
        assert exc.status == 403, f"a wrong msg_signature was refused as {exc.status}"
    else:
        raise AssertionError("a wrong msg_signature was accepted")
    check_reply(message)


def check_reply(message: wechat.Message) -> None:
    """The sealed passive reply opens, as WeChat would, to the same text for the same worker."""
    content = message.content or "好的"
    sealed = _envelope.seal(message, content, NONCE, TIMESTAMP)
    outer = wechat.parse_xml(sealed)
    signature, timestamp, nonce = outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"]
    plain = _crypto.decrypt_message({"Encrypt": outer["Encrypt"]}, signature, timestamp, nonce)
    reply = wechat.parse_xml(plain)
    assert reply.get("MsgType") == "text", reply
    assert (reply.get("ToUserName"), reply.get("FromUserName")) == (message.sender, message.account), reply
    assert reply.get("Content") == content, f"reply says {reply.get('Content')!r}, not {content!r}"


def check_signed_body(data: bytes) -> None:
    """Any body, correctly signed over whatever Encrypt it holds: decryption errors must be refusals."""
    try:
        encrypted = wechat.parse_xml(data).get("Encrypt", "")
    except wechat.Refused:
        encrypted = ""
    try:
        message = _envelope.open(data, sign(TIMESTAMP, NONCE, encrypted), TIMESTAMP, NONCE)
    except wechat.Refused as exc:
        assert exc.status in (400, 403), f"refused as {exc.status}"
        assert exc.status == 400 or exc.reason == "message for another app id", f"signed, yet: {exc.reason}"
        return
    assert message.sender and message.account and message.msg_type


def check_verify(text: str) -> None:
    """The URL check and the freshness check answer yes or no for any query value, never raise."""
    assert wechat.signature_ok(WECHAT_TOKEN, text, TIMESTAMP, NONCE) is (text.lower() == sign(TIMESTAMP, NONCE))
    if wechat.fresh(text, 1.7e9, 300):
        assert text.isascii() and text.isdigit(), f"fresh({text!r})"


def _squash(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace())


def check_split(text: str) -> None:
    """Messages within WeChat's byte limit that together say everything (spacing aside)."""
    parts = wechat.split_for_wechat(text)
    for part in parts:
        assert part and part == part.strip(), f"empty or padded part {part!r}"
        assert len(part.encode("utf-8")) <= wechat.TEXT_LIMIT_BYTES, f"a part of {len(part.encode())} bytes"
    assert _squash("".join(parts)) == _squash(text), "splitting lost or changed text"


def wechat_xml(data: bytes) -> None:
    fields = check_parse(data)
    if fields is not None:
        check_message(fields)
    check_sealed(data)
    check_signed_body(data)
    text = data.decode("utf-8", errors="replace")
    check_verify(text)
    check_split(text)


# --- the JSON channels (web widget, partner systems) -------------------------------------------

API_KEY = "fuzz-key"
# The sources the fuzz corpus (tests/fuzz/run.py) posts as: the key is bound to them.
API_KEYS = f"{API_KEY}:hotline|wecom"
WEB_PATH = "/api/web/messages"
PARTNER_PATH = "/api/channels/json/messages"
TEXT_MAX, PAYLOAD_MAX, TITLE_MAX = 20_000, 400, 200  # MessageIn / PartnerMessage


class Unlimited(Limits):
    """Every request allowed, in this process only."""

    def __init__(self) -> None:
        super().__init__("")

    async def allow(self, key: str, per_minute: int) -> bool:
        return True


class OpenSessions:
    """Every web session open: no database behind the fuzzed routes."""

    def is_over(self, conversation: str) -> bool:
        return False


class Recorder(Conversations):
    """Keeps what a channel hands over and answers at once: no Rasa, no database, no rate limit."""

    def __init__(self) -> None:  # nothing of Conversations' state is used
        self.seen: list[Inbound] = []

    async def handle(self, inbound: Inbound) -> Turn:
        self.seen.append(inbound)
        return Turn([Reply("好的", id="r1")])


@dataclass
class JsonChannels:
    app: FastAPI
    recorder: Recorder
    loop: asyncio.AbstractEventLoop
    documented: dict[str, frozenset[int]]  # each route's statuses, from its OpenAPI schema


@functools.cache
def json_channels() -> JsonChannels:
    """The real routers and body limit in a bare app; the conversation behind them is the recorder."""
    app = FastAPI()
    install_handlers(app)
    app.include_router(web.router)
    app.include_router(partner.router)
    settings = ApiSettings(channel_api_keys=API_KEYS)
    app.state.settings = settings
    recorder = Recorder()
    app.dependency_overrides[get_conversations] = lambda: recorder
    # The per-address limits would stop a fuzzer posting from one address after a minute's worth.
    app.dependency_overrides[get_limits] = Unlimited
    app.dependency_overrides[get_handoffs] = lambda: None  # the recorder never asks for a person
    app.dependency_overrides[get_web_sessions] = OpenSessions
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    paths = app.openapi()["paths"]
    documented = {p: frozenset(int(code) for code in paths[p]["post"]["responses"]) for p in (WEB_PATH, PARTNER_PATH)}
    return JsonChannels(app, recorder, asyncio.new_event_loop(), documented)


async def post_asgi(app: FastAPI, path: str, body: bytes) -> tuple[int, bytes]:
    """One request straight through ASGI (no server, no client): thousands a second."""
    incoming: list[AsgiMessage] = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[AsgiMessage] = []

    async def receive() -> AsgiMessage:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: AsgiMessage) -> None:
        sent.append(message)

    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-api-key", API_KEY.encode()),
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def check_json_route(path: str, data: bytes) -> tuple[Inbound, dict[str, Any]] | None:
    """A documented 4xx with a detail, or a 200 in the documented shape and the Inbound it made."""
    channels = json_channels()
    channels.recorder.seen.clear()
    status, raw = channels.loop.run_until_complete(post_asgi(channels.app, path, data))
    assert status in channels.documented[path], f"{path} answered {status}, not one of its documented statuses"
    answer = json.loads(raw)
    if status != 200:
        assert 400 <= status < 500 and isinstance(answer, dict) and "detail" in answer, (status, answer)
        assert not channels.recorder.seen, f"refused with {status}, yet the conversation was asked"
        return None
    web.MessagesOut.model_validate(answer)
    assert len(channels.recorder.seen) == 1, f"{len(channels.recorder.seen)} turns for one request"
    body = json.loads(data)  # accepted, so it was a JSON object
    assert isinstance(body, dict)
    return channels.recorder.seen[0], body


def check_inbound(inbound: Inbound, body: dict[str, Any]) -> None:
    """What every JSON channel hands over: the body's own text and payload, within the limits."""
    for value in (inbound.channel, inbound.sender, inbound.text, inbound.payload, inbound.title):
        assert isinstance(value, str)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise AssertionError(f"accepted text that is not valid Unicode: {value!r}") from None
    assert inbound.text == body.get("text", "") and len(inbound.text) <= TEXT_MAX, "text changed or too long"
    assert inbound.payload == body.get("payload", "") and len(inbound.payload) <= PAYLOAD_MAX, "bad payload"
    assert not inbound.payload or PAYLOAD_RE.match(inbound.payload), f"payload {inbound.payload!r} is no intent"


def check_web_inbound(inbound: Inbound, body: dict[str, Any]) -> None:
    check_inbound(inbound, body)
    assert inbound.channel == "web" and inbound.sender == body["session_id"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{8,64}", inbound.sender), f"session id {inbound.sender!r}"
    assert inbound.title == body.get("title", "") and len(inbound.title) <= TITLE_MAX, "bad title"
    assert not (inbound.text and inbound.payload), "both text and a payload"


def check_partner_inbound(inbound: Inbound, body: dict[str, Any]) -> None:
    check_inbound(inbound, body)
    assert inbound.channel == body["source"] and re.fullmatch(r"[a-z0-9_-]{1,20}", inbound.channel), inbound
    assert inbound.sender == body["user_id"] and re.fullmatch(r"[A-Za-z0-9_.:@-]{1,64}", inbound.sender), inbound
    assert inbound.title == "", "a partner message has no button title"


def json_body(data: bytes) -> None:
    accepted = check_json_route(WEB_PATH, data)
    if accepted:
        check_web_inbound(*accepted)
    accepted = check_json_route(PARTNER_PATH, data)
    if accepted:
        check_partner_inbound(*accepted)


# --- the fuzzer's own check --------------------------------------------------------------------


def leaky_redact(text: str, placeholder: Callable[[pii.Found], str] | None = None) -> tuple[str, list[pii.Found]]:
    """A broken redactor that forgets the last number it finds."""
    found = pii.find(text)
    out, _ = pii.redact(text[: found[-1].start] if found else text, placeholder)
    return (out + text[found[-1].start :] if found else out), found


def selftest_leaky_redactor(data: bytes) -> None:
    check_planted(data, redact=leaky_redact)


class Target(Protocol):
    def __call__(self, data: bytes) -> None: ...


TARGETS: dict[str, Target] = {
    "redactor": redactor,
    "wechat_xml": wechat_xml,
    "json_body": json_body,
    "selftest_leaky_redactor": selftest_leaky_redactor,  # must crash: proves the runner reports one
}
