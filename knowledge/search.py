"""Hybrid search over the knowledge base: dense (e5 + faiss) and lexical (BM25), fused.

For each entry (a plan item, an approved answer, or a topic the plan does not
cover) the best unit decides its score: the highest cosine over its units — for a
long message, over the whole text and its asking sentence — plus a saturated BM25
bonus. Whether a question is in scope is decided by comparing the best in-scope
entry with the best out-of-scope one (see scoring.py), not by returning the
least-bad item.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np

from knowledge.embedder import Embedder
from knowledge.index import Index, load_or_build
from knowledge.lexical import Tokenizer
from knowledge.loader import KnowledgeBase, load_knowledge
from knowledge.models import Hit, Item
from knowledge.normalize import NormalizedQuery, QueryNormalizer
from knowledge.pinyin import HomophoneFixer, PinyinConverter, general_table_cached
from knowledge.scoring import Scoring, load_scoring
from knowledge.settings import KnowledgeSettings

MAX_TOP_K = 20
SECOND_QUOTE_MARGIN = 0.01  # quote a second clause when it scores this close to the best
MAX_QUOTE_CHARS = 160
RECENT_RESULTS = 256  # results kept for a repeated query (callers must not mutate them)


def clause_number(clause_id: str) -> int:
    return int(clause_id.split(".")[1])


def join_quotes(clauses: list[tuple[str, str, float]]) -> str:
    """The chosen clauses in the document's order; an ellipsis marks a gap between them."""
    ordered = sorted(clauses, key=lambda c: clause_number(c[0]))
    text = ordered[0][1] if ordered else ""
    for before, after in pairwise(ordered):
        adjacent = clause_number(after[0]) == clause_number(before[0]) + 1
        text += ("" if adjacent else "……") + after[1]
    return text


@dataclass
class SearchResult:
    query: str
    normalized: str
    focus: str | None
    in_scope: bool
    confidence: float
    hits: list[Hit]
    out_of_scope_topic: dict[str, str] | None = None
    message: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    # The content hash of the knowledge that answered: a result never mixes two versions.
    knowledge: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "normalized": self.normalized,
            "focus": self.focus,
            "in_scope": self.in_scope,
            "confidence": round(self.confidence, 4),
            "out_of_scope_topic": self.out_of_scope_topic,
            "message": self.message,
            "hits": [h.to_json() for h in self.hits],
            "knowledge": self.knowledge,
        }


@dataclass
class Signals:
    """Per-unit and per-entry scores of one query."""

    unit: np.ndarray  # fused score of each unit
    entry: np.ndarray  # best unit score of each entry
    dense_question: np.ndarray  # per entry
    dense_passage: np.ndarray
    lexical: np.ndarray


class Searcher:
    def __init__(
        self,
        kb: KnowledgeBase,
        index: Index,
        embedder: Embedder,
        tokenizer: Tokenizer,
        normalizer: QueryNormalizer,
        scoring: Scoring,
    ) -> None:
        self.kb = kb
        self.index = index
        self.embedder = embedder
        self.tokenizer = tokenizer
        self.normalize = normalizer
        self.scoring = scoring
        self._answers = {a.id: a for a in kb.answers}
        self._oos = {t.id: t for t in kb.out_of_scope}
        units = index.units
        self._is_query_side = np.array([u.side == "query" for u in units])
        # Each item's clause units, found once rather than on every hit.
        self._clauses_of: dict[str, list[int]] = {}
        for pos, unit in enumerate(units):
            if unit.kind == "clause":
                self._clauses_of.setdefault(unit.entry, []).append(pos)
        # The bot's NLU and its answer action search the same message within one turn.
        self._recent: OrderedDict[tuple[str, int], SearchResult] = OrderedDict()
        self._recent_lock = threading.Lock()
        self._entry_is_oos = np.array([e.startswith("oos:") for e in index.entries])
        self._is_answer_unit = np.array([u.entry.startswith("answer:") for u in units])

    def current(self) -> Searcher:
        """Itself: the same call as LiveSearcher.current(), for callers that pin one version."""
        return self

    # ---- scoring -------------------------------------------------------------------
    def raw_scores(self, query: NormalizedQuery) -> tuple[np.ndarray, np.ndarray]:
        """Per unit: the best cosine over the message and its asking part; BM25."""
        texts = [query.text] + ([query.focus] if query.focus else [])
        vectors = self.embedder.queries(texts)
        found, ids = self.index.dense.search(vectors, self.index.size)
        dense = np.full(self.index.size, -1.0, dtype=np.float32)
        for row in range(len(texts)):
            np.maximum.at(dense, ids[row], found[row])
        lexical = self.index.lexical.scores(self.tokenizer.tokens(query.text))
        return dense, lexical

    def combine(self, dense: np.ndarray, lexical: np.ndarray, scoring: Scoring | None = None) -> Signals:
        s = scoring or self.scoring
        adjusted = dense + np.where(self._is_query_side, 0.0, s.passage_offset)
        adjusted += np.where(self._is_answer_unit, s.answer_bonus, 0.0)
        unit = adjusted + s.lexical_weight * lexical / (lexical + s.lexical_saturation)
        n_entries = len(self.index.entries)
        owner = self.index.unit_entry

        def best(values: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
            out = np.full(n_entries, -1.0, dtype=np.float32)
            sel = slice(None) if mask is None else mask
            np.maximum.at(out, owner[sel], values[sel])
            return out

        return Signals(
            unit=unit,
            entry=best(unit),
            dense_question=best(dense, self._is_query_side),
            dense_passage=best(dense, ~self._is_query_side),
            lexical=best(lexical),
        )

    def scope(self, signals: Signals, scoring: Scoring | None = None) -> tuple[float, float, float]:
        """(best in-scope score, best out-of-scope score, confidence that it is in scope)."""
        s = scoring or self.scoring
        best = float(np.max(signals.entry[~self._entry_is_oos]))
        best_oos = float(np.max(signals.entry[self._entry_is_oos])) if self._entry_is_oos.any() else -1.0
        return best, best_oos, s.confidence(best, best_oos)

    # ---- results -------------------------------------------------------------------
    def _entry_items(self, entry: str) -> list[int]:
        kind, key = entry.split(":", 1)
        if kind == "item":
            return [int(key)]
        if kind == "answer":
            return list(self._answers[key].items)
        return []

    def _best_clauses(self, item: Item, unit_scores: np.ndarray) -> list[tuple[str, str, float]]:
        """The item's clauses that best answer the query, best first."""
        units = self.index.units
        scored = [
            (units[pos].clause_id, units[pos].text, float(unit_scores[pos]))
            for pos in self._clauses_of.get(f"item:{item.item}", [])
        ]
        scored.sort(key=lambda c: -c[2])
        chosen = scored[:1]
        close = len(scored) > 1 and scored[1][2] >= scored[0][2] - SECOND_QUOTE_MARGIN
        if close and len(scored[0][1]) + len(scored[1][1]) <= MAX_QUOTE_CHARS:
            chosen.append(scored[1])
        return chosen

    def _hit(self, entry: str, signals: Signals, position: int) -> Hit:
        kind, key = entry.split(":", 1)
        items = self._entry_items(entry)
        doc = self.kb.document
        quotes: list[str] = []
        quote_ids: list[str] = []
        departments: list[str] = []
        lead: list[str] = []
        citations = []
        for number in items:
            item = doc.item(number)
            clauses = self._best_clauses(item, signals.unit)
            quotes += [c[1] for c in clauses]
            quote_ids += [c[0] for c in clauses]
            departments += [d for d in item.departments if d not in departments]
            lead += [d for d in item.lead if d not in lead]
            citations.append(
                {
                    "doc": doc.citation_name(),
                    "item": number,
                    "marker": item.marker,
                    "part": item.part,
                    "title": item.title,
                    "quote": join_quotes(clauses),
                    "clause_ids": [c[0] for c in clauses],
                    "departments": list(item.departments),
                    "lead": list(item.lead),
                    "effective": item.effective or doc.printed,
                }
            )
        effective = ""
        if kind == "answer":
            answer = self._answers[key]
            title, text, effective = answer.title, answer.answer, answer.effective
            contacts = [self.kb.contact(c) for c in answer.contacts]
        else:
            title, text = doc.item(int(key)).title, None
            contacts = self.kb.contacts_for(items)
        return Hit(
            kind="answer" if kind == "answer" else "clause",
            id=entry,
            items=items,
            title=title,
            quotes=quotes,
            quote_ids=quote_ids,
            departments=departments,
            lead=lead,
            score=float(signals.entry[position]),
            answer=text,
            contacts=[{"number": c.number, "name": c.name} for c in contacts],
            citations=citations,
            signals={
                "dense_question": float(signals.dense_question[position]),
                "dense_passage": float(signals.dense_passage[position]),
                "lexical": float(signals.lexical[position]),
            },
            effective=effective,
        )

    def ranked(self, signals: Signals, top_k: int) -> list[int]:
        """Entry positions, best first, skipping an entry that adds no new plan item."""
        scores = np.where(self._entry_is_oos, -np.inf, signals.entry)
        chosen: list[int] = []
        covered: set[int] = set()
        for position in np.argsort(-scores, kind="stable"):
            if not np.isfinite(scores[position]) or len(chosen) == top_k:
                break
            items = set(self._entry_items(self.index.entries[position]))
            if items <= covered:
                continue
            covered |= items
            chosen.append(int(position))
        return chosen

    def entry_items(self, position: int) -> list[int]:
        return self._entry_items(self.index.entries[position])

    def search(self, text: str, top_k: int = 3) -> SearchResult:
        top_k = max(1, min(int(top_k), MAX_TOP_K))
        key = (text if isinstance(text, str) else "", top_k)
        with self._recent_lock:
            cached = self._recent.get(key)
            if cached is not None:
                self._recent.move_to_end(key)
                return cached
        result = self.search_uncached(key[0], top_k)
        with self._recent_lock:
            self._recent[key] = result
            while len(self._recent) > RECENT_RESULTS:
                self._recent.popitem(last=False)
        return result

    def search_uncached(self, text: str, top_k: int) -> SearchResult:
        """The search itself, never served from the recent results (benchmarks measure this)."""
        started = time.perf_counter()
        query = self.normalize(text)
        if query.empty:
            return SearchResult(
                query=text,
                normalized=query.text,
                focus=None,
                in_scope=False,
                confidence=0.0,
                hits=[],
                message="没有看到问题的内容，请用文字说一下您想问什么。",
                knowledge=self.kb.content_hash,
            )
        normalized_at = time.perf_counter()
        signals = self.combine(*self.raw_scores(query))
        scored_at = time.perf_counter()

        oos_scores = np.where(self._entry_is_oos, signals.entry, -np.inf)
        _, _, confidence = self.scope(signals)
        in_scope = confidence >= self.scoring.threshold

        hits = [self._hit(self.index.entries[p], signals, p) for p in self.ranked(signals, top_k)]

        oos_topic = None
        if not in_scope and self._entry_is_oos.any():
            topic = self._oos[self.index.entries[int(oos_scores.argmax())].split(":", 1)[1]]
            oos_topic = {"id": topic.id, "title": topic.title, "contact": topic.contact}
        finished = time.perf_counter()
        return SearchResult(
            query=text,
            normalized=query.text,
            focus=query.focus,
            in_scope=in_scope,
            confidence=confidence,
            hits=hits,
            out_of_scope_topic=oos_topic,
            timings_ms={
                "normalize": (normalized_at - started) * 1000,
                "score": (scored_at - normalized_at) * 1000,
                "assemble": (finished - scored_at) * 1000,
            },
            knowledge=self.kb.content_hash,
        )


def build_normalizer(
    kb: KnowledgeBase, tokenizer: Tokenizer, index: Index, settings: KnowledgeSettings
) -> QueryNormalizer:
    """The knowledge base's own words drive the pinyin and homophone repairs."""
    lexicon = kb.lexicon
    domain = tokenizer.vocabulary([u.text for u in index.units])
    domain += list(lexicon.words) + list(lexicon.synonyms) + list(lexicon.synonyms.values())
    domain += list(lexicon.typos.values())
    pinyin = PinyinConverter(domain, general_table_cached(settings.cache_dir))
    terms = [w for w in set(domain) if len(w) >= 2]
    return QueryNormalizer(lexicon.typos, pinyin, HomophoneFixer(terms))


def open_searcher(
    settings: KnowledgeSettings | None = None,
    *,
    kb: KnowledgeBase | None = None,
    embedder: Embedder | None = None,
    progress: bool = False,
) -> Searcher:
    """Load the knowledge, the model and the (cached or fresh) index."""
    settings = settings or KnowledgeSettings()
    kb = kb or load_knowledge(settings.data_dir, settings.nlu_dir)
    embedder = embedder or Embedder(settings)
    tokenizer = Tokenizer(kb.lexicon)
    index, _ = load_or_build(kb, embedder, tokenizer, settings.index_dir, progress=progress)
    normalizer = build_normalizer(kb, tokenizer, index, settings)
    return Searcher(kb, index, embedder, tokenizer, normalizer, load_scoring(settings.calibration_file, embedder.name))
