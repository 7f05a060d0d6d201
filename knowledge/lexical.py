"""Lexical side of search: jieba tokens with the project's dictionary and synonyms, BM25."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import jieba
import numpy as np
from rank_bm25 import BM25Okapi

from knowledge.loader import Lexicon

jieba.setLogLevel(logging.WARNING)

# Function words that carry no topic; questions are full of them.
_STOPWORD_TEXT = """
的 了 我 我们 你 你们 他 他们 她 它 是 在 有 和 与 及 就 都 也
还 又 吗 呢 啊 吧 呀 哦 嘛 啦 怎么办 怎么 什么 如何 请问 可以 能
能不能 可不可以 一个 这个 那个 这 那 没有 没 不 要 给 被 把 让 说
去 来 到 想 会 该 应该 对 为 从 向 上 下 里 中 时候 现在 已经
一直 就是 还是 或者 如果 但是 因为 所以 而且 怎样 哪里 哪 谁 多少
多久 是不是 有没有 一下 一些 这样 那样 自己 个 些 过 着 等 及其 请
您 好 谢谢 帮 帮忙 问 问题 咨询 知道 情况 办
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
WORD = re.compile(r"[\w\u3400-\u9fff]")


class Tokenizer:
    """jieba search-mode tokens, each followed by its canonical synonym when it has one."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.synonyms = lexicon.synonyms
        self.jieba = jieba.Tokenizer()
        self.jieba.load_userdict(str(lexicon.user_dict))
        for word in list(lexicon.synonyms) + list(lexicon.synonyms.values()):
            self.jieba.add_word(word, freq=3000)

    def tokens(self, text: str) -> list[str]:
        out: list[str] = []
        for token in self.jieba.cut_for_search(text.lower()):
            token = token.strip()
            if not token or token in STOPWORDS or not WORD.search(token):
                continue
            out.append(token)
            canonical = self.synonyms.get(token)
            if canonical:
                out.append(canonical)
        return out

    def vocabulary(self, texts: Sequence[str]) -> list[str]:
        """Every word the texts use, for the pinyin converter."""
        words: list[str] = []
        for text in texts:
            words.extend(t for t in self.jieba.cut(text) if t.strip())
        return words


class LexicalIndex:
    def __init__(self, tokenized: list[list[str]]) -> None:
        # BM25Okapi cannot take an empty document; a placeholder token matches nothing.
        self.bm25 = BM25Okapi([doc or ["\x00"] for doc in tokenized])
        self.size = len(tokenized)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        if not query_tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.bm25.get_scores(query_tokens), dtype=np.float32)
