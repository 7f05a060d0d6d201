"""Retrieval quality on a labelled question file, with BM25-only and dense-only baselines.

A file holds one JSON object per line with ``text`` and ``items`` (the plan items that
answer it; empty = out of scope); ``topic`` groups the figures when present. The
baselines search the plan's clauses alone with the question as typed — what a plain
dense or lexical retriever would do — so the gain of the full pipeline (normalisation,
the workers' questions, approved answers, fusion, the scope check) shows in one run.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.lexical import LexicalIndex
from knowledge.normalize import clean
from knowledge.search import Searcher

RECALL_AT = 3


@dataclass(frozen=True)
class Question:
    text: str
    items: frozenset[int]
    topic: str | None

    @property
    def in_scope(self) -> bool:
        return bool(self.items)


@dataclass(frozen=True)
class Outcome:
    ranked: list[list[int]]  # the items of each hit, best first
    in_scope: bool
    score: float


def load_questions(path: Path) -> list[Question]:
    questions = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                questions.append(
                    Question(str(row["text"]), frozenset(int(i) for i in row.get("items") or ()), row.get("topic"))
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: expected a JSON object with text and items ({exc})") from exc
    return questions


def _first_hit(question: Question, outcome: Outcome) -> int | None:
    for rank, items in enumerate(outcome.ranked):
        if question.items & set(items):
            return rank
    return None


def summarise(questions: list[Question], outcomes: list[Outcome]) -> dict[str, Any]:
    def figures(pairs: list[tuple[Question, Outcome]]) -> dict[str, Any]:
        inside = [(q, o) for q, o in pairs if q.in_scope]
        outside = [o for q, o in pairs if not q.in_scope]
        ranks = [_first_hit(q, o) for q, o in inside]
        n = len(inside)
        result: dict[str, Any] = {"in_scope": n, "out_of_scope": len(outside)}
        if n:
            result.update(
                top1=round(sum(r == 0 for r in ranks) / n, 4),
                recall_at_3=round(sum(r is not None and r < RECALL_AT for r in ranks) / n, 4),
                mrr=round(sum(1 / (r + 1) for r in ranks if r is not None) / n, 4),
                false_rejection=round(sum(not o.in_scope for _, o in inside) / n, 4),
                answered_top1=round(sum(r == 0 and o.in_scope for r, (_, o) in zip(ranks, inside, strict=True)) / n, 4),
            )
        if outside:
            result["oos_rejection"] = round(sum(not o.in_scope for o in outside) / len(outside), 4)
        return result

    pairs = list(zip(questions, outcomes, strict=True))
    overall = figures(pairs)
    topics: dict[str, list[tuple[Question, Outcome]]] = defaultdict(list)
    for q, o in pairs:
        if q.topic:
            topics[q.topic].append((q, o))
    if topics:
        overall["per_topic"] = {t: figures(p) for t, p in sorted(topics.items())}
    return overall


class Baselines:
    """Dense-only and BM25-only retrieval over the plan's clauses, the question as typed."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        index = searcher.index
        self.clauses = [i for i, u in enumerate(index.units) if u.kind == "clause"]
        self.items = np.array([int(index.units[i].entry.split(":")[1]) for i in self.clauses])
        self.vectors = index.vectors[self.clauses]
        self.bm25 = LexicalIndex([searcher.tokenizer.tokens(index.units[i].text) for i in self.clauses])

    def _outcome(self, scores: np.ndarray, threshold: float) -> Outcome:
        best: dict[int, float] = {}
        for item, score in zip(self.items.tolist(), scores.tolist(), strict=True):
            best[item] = max(best.get(item, -np.inf), score)
        ranked = sorted(best, key=lambda i: -best[i])
        top = best[ranked[0]]
        return Outcome([[i] for i in ranked[:10]], top >= threshold, top)

    def dense(self, texts: list[str]) -> list[Outcome]:
        vectors = self.searcher.embedder.queries([clean(t) or " " for t in texts])
        threshold = self.searcher.scoring.dense_only_threshold
        return [self._outcome(self.vectors @ v, threshold) for v in vectors]

    def lexical(self, texts: list[str]) -> list[Outcome]:
        tokens = self.searcher.tokenizer.tokens
        threshold = self.searcher.scoring.bm25_only_threshold
        return [self._outcome(self.bm25.scores(tokens(clean(t))), threshold) for t in texts]


def evaluate(
    searcher: Searcher, questions: list[Question], progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    outcomes: list[Outcome] = []
    rows = []
    for question in questions:
        result = searcher.search(question.text, top_k=10)
        outcomes.append(Outcome([h.items for h in result.hits], result.in_scope, result.confidence))
        rows.append(
            {
                "text": question.text,
                "in_scope": result.in_scope,
                "confidence": round(result.confidence, 4),
                "hits": [
                    {"items": h.items, "score": round(h.score, 4), "kind": h.kind, "id": h.id}
                    for h in result.hits[:RECALL_AT]
                ],
            }
        )
        if progress:
            progress(1)
    baselines = Baselines(searcher)
    texts = [q.text for q in questions]
    return {
        "metrics": summarise(questions, outcomes),
        "baselines": {
            "dense_only": summarise(questions, baselines.dense(texts)),
            "bm25_only": summarise(questions, baselines.lexical(texts)),
        },
        "questions": rows,
    }
