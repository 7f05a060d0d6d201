"""Turn a worker's message into text that search can use.

Workers type on phones: full-width letters and digits, traditional characters,
homophone typos (公资 for 工资), dialect (咋整, 俺, 娃), pinyin without tones
(``gongzi tuoqian``) and whole stories with the question buried in them. The
normalised text is used for search only; what the worker wrote is never changed
anywhere else.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from knowledge.pinyin import HomophoneFixer, PinyinConverter

MAX_QUERY_CHARS = 2000  # longer input is cut; a question is never this long
LONG_TEXT_CHARS = 40  # above this, look for the question inside the story
FOCUS_MAX_CHARS = 80

# Words that mark the sentence a worker is asking in.
QUESTION_CUES = re.compile(
    r"怎么办|怎么|如何|吗|呢|能不能|可不可以|可以不|行不行|有没有|是不是|是否|哪里|哪儿|哪个|"
    r"找谁|谁管|谁来|多少|多久|什么|为什么|要不要|该不该|咨询|请问|求助|\?"
)
CLAUSE_SPLIT = re.compile(r"[。！？!?；;\n，,、…~]+")
SPACES = re.compile(r"\s+")
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@lru_cache(maxsize=1)
def _t2s() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    converter = _t2s()
    return str(converter.convert(text))  # type: ignore[attr-defined]


def clean(text: str) -> str:
    """Width (NFKC), control characters, whitespace, traditional → simplified."""
    text = ANSI_ESCAPE.sub(" ", unicodedata.normalize("NFKC", text[: MAX_QUERY_CHARS * 2]))
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else ("\n" if ch in "\r\n" else " ") for ch in text)
    text = SPACES.sub(lambda m: "\n" if "\n" in m.group() else " ", text).strip()
    return to_simplified(text[:MAX_QUERY_CHARS])


def has_content(text: str) -> bool:
    """True when the text holds at least one letter, digit or Chinese character."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


class Replacer:
    """Longest-first, single-pass replacement of whole strings (typos, dialect)."""

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table
        keys = sorted(table, key=len, reverse=True)
        self.pattern = re.compile("|".join(map(re.escape, keys))) if keys else None

    def __call__(self, text: str) -> str:
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda m: self.table[m.group()], text)


def focus_of(text: str) -> str | None:
    """The sentence(s) of a long message that ask the question, or None for short ones."""
    if len(text) <= LONG_TEXT_CHARS:
        return None
    clauses = [c.strip() for c in CLAUSE_SPLIT.split(text) if c.strip()]
    if len(clauses) < 2:
        return None
    asking = [i for i, c in enumerate(clauses) if QUESTION_CUES.search(c)]
    if not asking:
        chosen = list(range(max(0, len(clauses) - 2), len(clauses)))
    else:
        # The asking clauses and the one before each: "包工头跑了，这钱找谁要？"
        chosen = sorted({j for i in asking[-3:] for j in (i - 1, i) if j >= 0})
    focus = "，".join(clauses[i] for i in chosen)
    return focus[-FOCUS_MAX_CHARS:] if focus != text else None


@dataclass(frozen=True)
class NormalizedQuery:
    original: str
    text: str  # cleaned, typos and dialect mended, pinyin converted
    focus: str | None  # the asking sentence(s) of a long message

    @property
    def empty(self) -> bool:
        return not has_content(self.text)


class QueryNormalizer:
    def __init__(self, typos: dict[str, str], pinyin: PinyinConverter, homophones: HomophoneFixer) -> None:
        self.replace = Replacer(typos)
        self.pinyin = pinyin
        self.homophones = homophones

    def __call__(self, text: str) -> NormalizedQuery:
        cleaned = clean(text)
        mended = self.homophones(self.replace(self.pinyin.convert(cleaned)))
        return NormalizedQuery(original=text, text=mended, focus=focus_of(mended))
