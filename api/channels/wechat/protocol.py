"""The WeChat official account protocol (safe mode): verify, open, understand, render, seal.

Pure functions and small classes; the router in api/channels/wechat/router.py does the HTTP.
Every message is checked before anything reads it: a DTD or entity in the XML is
refused before parsing (billion laughs), then the signature over the encrypted body,
then the app id inside it. Text shown to the worker is cut into WeChat's 2048-byte
messages at line or sentence ends.
"""

from __future__ import annotations

import hmac
import json
import re
import struct
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import fromstring  # type: ignore[import-untyped]
from wechatpy.crypto import WeChatCrypto  # type: ignore[import-untyped]
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException  # type: ignore[import-untyped]
from wechatpy.replies import TextReply  # type: ignore[import-untyped]
from wechatpy.utils import WeChatSigner  # type: ignore[import-untyped]

from api.conversations.turn import Turn

TEXT_LIMIT_BYTES = 2048  # WeChat's limit for one text message, passive or customer-service
SUCCESS = "success"  # WeChat's "received, nothing to say" (it then does not retry)

WELCOME = (
    "您好，我是工友助手！在外打工遇到难事，可以打字或发语音问我，比如：\n"
    "· 老板欠工资不给怎么办（我还能帮您登记欠薪）\n"
    "· 哪里能申请免费的法律援助\n"
    "· 孩子跟着来打工的城市怎么上学\n"
    "· 怎么申请公租房\n"
    "想找工作人员，请发“转人工”。急事请拨打12333（人社服务热线）。"
)
NOT_HEARD = "没听清，请打字或再说一遍。"
UNSUPPORTED = "目前只能看懂文字和语音，请打字或发语音告诉我您的问题。"
WORKING = "正在为您查询，答复稍后发到这里。"
CHOICE_EXPIRED = "这个选项已经失效了，请直接打字说您的问题。"


class Refused(Exception):
    """A request that must not be processed: ``status`` is 400 (malformed) or 403 (not from WeChat)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason  # for the log: never message content


# --- checks ------------------------------------------------------------------------------------


def signature_ok(token: str, signature: str, *parts: str) -> bool:
    """WeChat's SHA-1 over the sorted token and parts, compared in constant time."""
    if not token or not signature:
        return False
    signer = WeChatSigner()
    signer.add_data(token, *parts)
    return hmac.compare_digest(str(signer.signature).encode(), signature.lower().encode("utf-8"))


def fresh(timestamp: str, now: float, window_s: int) -> bool:
    """Within the window either side of now (a replayed or forged-future message is refused)."""
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    return abs(now - int(timestamp)) <= window_s


def parse_xml(data: bytes | str) -> dict[str, str]:
    """The root's child elements as name → text; a DTD, an entity or broken XML is a 400."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ParseError, ValueError, LookupError) as exc:  # LookupError: unknown encoding
        raise Refused(400, f"bad XML ({type(exc).__name__})") from None
    if root.tag != "xml":
        raise Refused(400, "XML root is not <xml>")
    return {child.tag: (child.text or "").strip() for child in root}


# --- messages ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    msg_type: str
    sender: str  # FromUserName: the worker's openid
    account: str  # ToUserName: our official account
    create_time: str
    msg_id: str = ""
    content: str = ""
    recognition: str = ""  # voice messages: WeChat's speech recognition, when switched on
    event: str = ""

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> Message:
        sender, account = fields.get("FromUserName", ""), fields.get("ToUserName", "")
        msg_type = fields.get("MsgType", "")
        if not (sender and account and msg_type):
            raise Refused(400, "message without sender, account or type")
        return cls(
            msg_type=msg_type.lower(),
            sender=sender,
            account=account,
            create_time=fields.get("CreateTime", ""),
            msg_id=fields.get("MsgId", ""),
            content=fields.get("Content", ""),
            recognition=fields.get("Recognition", ""),
            event=fields.get("Event", "").lower(),
        )

    @property
    def dedupe_key(self) -> str:
        """The same for every retry of one delivery (events have no MsgId)."""
        if self.msg_id:
            return "msg:" + self.msg_id
        return f"event:{self.sender}:{self.create_time}:{self.event}"


@dataclass(frozen=True)
class Plan:
    """What to do with a message: ``ask`` the bot, give a fixed ``answer``, or neither (``success``)."""

    outcome: str  # for the log
    ask: str | None = None
    answer: str = ""


def plan_for(message: Message) -> Plan:
    if message.msg_type == "text":
        return Plan("asked", ask=message.content)  # a blank one gets the "please type" hint
    if message.msg_type == "voice":
        heard = message.recognition.strip()
        return Plan("asked", ask=heard) if heard else Plan("voice not recognised", answer=NOT_HEARD)
    if message.msg_type == "event":
        if message.event == "subscribe":
            return Plan("welcomed", answer=WELCOME)
        return Plan("event ignored")  # unsubscribe, menu views, location reports: nothing to say
    return Plan("unsupported type", answer=UNSUPPORTED)


class Envelope:
    """Safe-mode encryption: open an incoming message, seal a passive reply."""

    def __init__(self, token: str, aes_key: str, app_id: str) -> None:
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, app_id)  # raises on a key that is not 43 base64 chars

    def open(self, body: bytes, msg_signature: str, timestamp: str, nonce: str) -> Message:
        encrypted = parse_xml(body).get("Encrypt", "")
        if not encrypted:
            raise Refused(400, "no Encrypt element")
        if not signature_ok(self.token, msg_signature, timestamp, nonce, encrypted):
            raise Refused(403, "bad msg_signature")
        try:
            # A dict, so wechatpy does not parse the XML again with its own (non-defused) parser.
            plain = self.crypto.decrypt_message({"Encrypt": encrypted}, msg_signature, timestamp, nonce)
        except InvalidAppIdException:
            raise Refused(403, "message for another app id") from None
        except InvalidSignatureException:
            raise Refused(403, "bad msg_signature") from None
        except (ValueError, IndexError, TypeError, struct.error) as exc:
            raise Refused(400, f"cannot decrypt ({type(exc).__name__})") from None
        return Message.from_fields(parse_xml(plain))

    def seal(self, message: Message, content: str, nonce: str, timestamp: str) -> str:
        """The encrypted passive text reply to ``message``."""
        reply = TextReply(
            source=cdata_safe(message.account),
            target=cdata_safe(message.sender),
            content=cdata_safe(content),
            time=int(time.time()),
        )
        return str(self.crypto.encrypt_message(reply.render(), nonce, timestamp))


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def cdata_safe(text: str) -> str:
    """Text that cannot end wechatpy's CDATA section early or make the XML invalid."""
    return _XML_ILLEGAL.sub("", text).replace("]]>", "]]]]><![CDATA[>")


# --- rendering a turn --------------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1..99 as the plan prints its items: 三, 十二, 二十一."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def citation_line(citation: dict[str, Any]) -> str:
    """依据：第（三）项 标题；责任单位：… (the quote stays out: too long for a chat message)."""
    marker = str(citation.get("marker") or "").strip("（）() ")
    item = citation.get("item")
    if not marker and isinstance(item, int) and not isinstance(item, bool):
        marker = chinese_number(item)
    head = [f"第（{marker}）项"] if marker else []
    title = str(citation.get("title") or "").strip()[:40]
    line = "依据：" + " ".join([*head, title] if title else head)
    raw_departments = citation.get("departments")
    departments = [str(d) for d in raw_departments if d] if isinstance(raw_departments, list) else []
    if departments:
        shown = "、".join(departments[:3]) + (f"等{len(departments)}个部门" if len(departments) > 3 else "")
        line += "；责任单位：" + shown
    return line if (head or title) else ""


def choice_line(choices: list[dict[str, str]]) -> str:
    return "回复数字：" + "  ".join(f"{i} {c['title'][:20]}" for i, c in enumerate(choices, start=1))


@dataclass
class Rendered:
    text: str
    choices: list[dict[str, str]] = field(default_factory=list)  # {"title", "payload"}, numbered from 1


def render_turn(turn: Turn) -> Rendered:
    """The turn as one plain text: replies, their citations, then the buttons as numbered choices."""
    lines: list[str] = []
    choices: list[dict[str, str]] = []
    for reply in turn.replies:
        if reply.text.strip():
            lines.append(reply.text.strip())
        for citation in reply.citations:
            line = citation_line(citation)
            if line and line not in lines:
                lines.append(line)
        for button in reply.buttons:
            if button.get("payload"):
                choices.append({"title": button.get("title") or button["payload"], "payload": button["payload"]})
    if choices:
        lines.append(choice_line(choices))
    return Rendered("\n".join(lines), choices)


def encode_choices(choices: list[dict[str, str]]) -> str:
    return json.dumps(choices, ensure_ascii=False)


def decode_choices(raw: str | None) -> list[dict[str, str]]:
    try:
        value = json.loads(raw) if raw else []
    except ValueError:
        return []
    if not isinstance(value, list):
        return []
    return [
        {"title": str(c.get("title", "")), "payload": str(c["payload"])}
        for c in value
        if isinstance(c, dict) and c.get("payload")
    ]


def chosen_number(text: str) -> int | None:
    """A button's number as typed or spoken ("1", "１", " 2 ", "二。"); None for anything else."""
    folded = unicodedata.normalize("NFKC", text).strip().rstrip("。.!！?？ ")
    if len(folded) == 1 and folded in _DIGITS[1:]:
        return _DIGITS.index(folded)
    return int(folded) if folded.isascii() and folded.isdigit() and len(folded) <= 2 else None


# --- splitting ---------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;…])")


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _pieces(text: str, limit: int) -> list[str]:
    """Lines, a too-long line cut after its sentences, a too-long sentence cut between characters."""
    out: list[str] = []
    for line in text.splitlines(keepends=True):
        if _size(line) <= limit:
            out.append(line)
            continue
        for sentence in _SENTENCE_END.split(line):
            while _size(sentence) > limit:
                cut = max(1, len(sentence.encode("utf-8")[:limit].decode("utf-8", errors="ignore")))
                out.append(sentence[:cut])
                sentence = sentence[cut:]
            if sentence:
                out.append(sentence)
    return out


def split_for_wechat(text: str, limit: int = TEXT_LIMIT_BYTES) -> list[str]:
    """Messages of at most ``limit`` UTF-8 bytes, cut at line or sentence ends where possible."""
    parts: list[str] = []
    current = ""
    for piece in _pieces(text.strip(), limit):
        if current and _size(current + piece) > limit:
            parts.append(current)
            current = ""
        current += piece
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]
