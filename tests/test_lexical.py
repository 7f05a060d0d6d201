"""Lexical tokens: the plan's terms stay whole, workers' words gain the plan's word."""

from __future__ import annotations

from knowledge.lexical import LexicalIndex, Tokenizer
from knowledge.loader import KnowledgeBase


def test_terms_and_synonyms(kb: KnowledgeBase) -> None:
    tokenizer = Tokenizer(kb.lexicon)
    tokens = tokenizer.tokens("严格执行三个清零，老板欠我工钱")
    assert "三个清零" in tokens
    assert "工钱" in tokens and "工资" in tokens
    assert "我" not in tokens  # function words carry no topic
    assert tokenizer.tokens("！！？？") == []


def test_bm25_prefers_the_matching_unit(kb: KnowledgeBase) -> None:
    tokenizer = Tokenizer(kb.lexicon)
    index = LexicalIndex([tokenizer.tokens(t) for t in ("公租房保障范围", "随迁子女入学", "")])
    scores = index.scores(tokenizer.tokens("廉租房怎么申请"))
    assert scores.argmax() == 0
    assert not index.scores([]).any()
