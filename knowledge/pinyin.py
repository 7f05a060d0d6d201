"""Sound-alike repairs: pinyin typed without tones, and homophone typos.

Workers type ``gongzi tuoqian`` or ``falvyuanzhu`` when they cannot find the
characters, and pick the wrong candidate of the pinyin keyboard (公鸡金 for 公积金,
落护 for 落户). Both are mended by sound: pinyin runs become the words of the
knowledge base (or common words), and a run of characters that is not a word but
sounds exactly like a term of the knowledge base becomes that term.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

LATIN_RUN = re.compile(r"[A-Za-z]+(?:[\s'’-]+[A-Za-z]+)*")
HANZI_RUN = re.compile(r"[\u3400-\u9fff]+")
HANZI_WORD = re.compile(r"[\u3400-\u9fff]+")
MAX_WORD_SYLLABLES = 6
MIN_COVERAGE = 0.5  # share of syllables that must map to words
GENERAL_MIN_FREQ = 300  # jieba words at least this common fill gaps in the domain words


def toneless_syllable(reading: str) -> str:
    """``lǜ`` → ``lv``, ``zhōng`` → ``zhong``."""
    plain = unicodedata.normalize("NFKD", reading.lower()).replace("u\u0308", "v")
    return "".join(ch for ch in plain if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def syllables() -> frozenset[str]:
    """Every toneless pinyin syllable, read from pypinyin's own dictionary."""
    from pypinyin.pinyin_dict import pinyin_dict

    found = {toneless_syllable(r) for readings in pinyin_dict.values() for r in readings.split(",")}
    # Phones often lack ü: "lu shi" for 律师, "nu er" for 女儿.
    return frozenset(found | {"lue", "nue"})


def split_syllables(token: str) -> list[str] | None:
    """Split ``gongzi`` into ``[gong, zi]``, preferring fewer, longer syllables."""
    token = token.lower()
    known = syllables()
    best: list[list[str] | None] = [None] * (len(token) + 1)
    best[0] = []
    for end in range(1, len(token) + 1):
        for start in range(max(0, end - 6), end):
            prev = best[start]
            if prev is not None and token[start:end] in known:
                candidate = [*prev, token[start:end]]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[len(token)]


def pinyin_of(text: str) -> tuple[str, ...]:
    """Toneless pinyin, one syllable per character of a run of Chinese characters."""
    from pypinyin import Style, lazy_pinyin

    return tuple(p.lower() for p in lazy_pinyin(text, style=Style.NORMAL, v_to_u=False))


def _relaxed(key: tuple[str, ...]) -> tuple[str, ...]:
    """The key as typed on phones without ü: lv → lu, nv → nu."""
    return tuple(s.replace("v", "u") for s in key)


def general_table() -> dict[tuple[str, ...], str]:
    """Pinyin → the most frequent common word of jieba's own dictionary."""
    import jieba

    jieba.initialize()
    words = [
        (w, f) for w, f in jieba.dt.FREQ.items() if f >= GENERAL_MIN_FREQ and len(w) <= 4 and HANZI_WORD.fullmatch(w)
    ]
    table: dict[tuple[str, ...], str] = {}
    for word, _ in sorted(words, key=lambda wf: (-wf[1], wf[0])):
        key = pinyin_of(word)
        if len(key) == len(word):
            table.setdefault(key, word)
            table.setdefault(_relaxed(key), word)
    return table


def general_table_cached(cache_dir: Path) -> dict[tuple[str, ...], str]:
    """general_table() takes about 2 s; it depends only on jieba and pypinyin, so keep it."""
    import jieba
    import pypinyin

    path = cache_dir / f"pinyin-general-{jieba.__version__}-{pypinyin.__version__}-{GENERAL_MIN_FREQ}.json"
    if path.exists():
        rows = json.loads(path.read_text(encoding="utf-8"))
        return {tuple(key.split()): word for key, word in rows}
    table = general_table()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps([[" ".join(k), w] for k, w in table.items()], ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return table


def is_general_word(text: str) -> bool:
    import jieba

    jieba.initialize()
    return bool(jieba.dt.FREQ.get(text))


class PinyinConverter:
    """Pinyin → words: the knowledge base's words first, then common words."""

    def __init__(self, domain_words: Iterable[str], general: dict[tuple[str, ...], str] | None = None) -> None:
        self.table: dict[tuple[str, ...], str] = {}
        for word, _ in Counter(w for w in domain_words if HANZI_WORD.fullmatch(w)).most_common():
            key = pinyin_of(word)
            if len(key) != len(word) or len(key) > MAX_WORD_SYLLABLES:
                continue
            self.table.setdefault(key, word)
            self.table.setdefault(_relaxed(key), word)
        for key, word in (general or {}).items():
            self.table.setdefault(key, word)

    def to_hanzi(self, sylls: list[str]) -> tuple[str, int]:
        """Greedy longest match; unknown syllables stay as typed."""
        out: list[str] = []
        matched = 0
        i = 0
        while i < len(sylls):
            for n in range(min(MAX_WORD_SYLLABLES, len(sylls) - i), 0, -1):
                word = self.table.get(tuple(sylls[i : i + n]))
                if word:
                    out.append(word)
                    matched += n
                    i += n
                    break
            else:
                out.append(sylls[i])
                i += 1
        return "".join(out), matched

    def convert_run(self, run: str) -> str | None:
        sylls: list[str] = []
        for token in re.split(r"[\s'’-]+", run):
            parts = split_syllables(token)
            if not parts:
                return None
            sylls += parts
        if len(sylls) < 2:
            return None
        hanzi, matched = self.to_hanzi(sylls)
        return hanzi if matched / len(sylls) >= MIN_COVERAGE else None

    def convert(self, text: str) -> str:
        if not re.search(r"[A-Za-z]", text):
            return text
        return LATIN_RUN.sub(lambda m: self.convert_run(m.group()) or m.group(), text)


class HomophoneFixer:
    """公鸡金 → 公积金: a non-word that sounds exactly like a term of the knowledge base."""

    def __init__(self, terms: Iterable[str]) -> None:
        self.table: dict[tuple[str, ...], str] = {}
        for term in sorted(set(terms), key=lambda t: (-len(t), t)):
            if 2 <= len(term) <= MAX_WORD_SYLLABLES and HANZI_WORD.fullmatch(term):
                self.table.setdefault(pinyin_of(term), term)
        self.known = set(terms)
        self.lengths = sorted({len(k) for k in self.table}, reverse=True)

    def _fix_run(self, run: str) -> str:
        sounds = pinyin_of(run)
        if len(sounds) != len(run):
            return run
        out: list[str] = []
        i = 0
        while i < len(run):
            for n in self.lengths:
                piece = run[i : i + n]
                if len(piece) < n:
                    continue
                target = self.table.get(sounds[i : i + n])
                if target and piece != target and self._is_typo(run, i, n):
                    out.append(target)
                    i += n
                    break
                if target == piece:
                    out.append(piece)
                    i += n
                    break
            else:
                out.append(run[i])
                i += 1
        return "".join(out)

    def _is_typo(self, run: str, start: int, n: int) -> bool:
        """Not a word itself, and not cutting through a word at either edge (老公|上班)."""
        piece = run[start : start + n]
        if piece in self.known or is_general_word(piece):
            return False
        left = run[start - 1 : start + 1] if start > 0 else ""
        right = run[start + n - 1 : start + n + 1] if start + n < len(run) else ""
        return not any(edge and (edge in self.known or is_general_word(edge)) for edge in (left, right))

    def __call__(self, text: str) -> str:
        return HANZI_RUN.sub(lambda m: self._fix_run(m.group()), text)
