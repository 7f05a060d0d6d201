"""Fit the scoring of search on the project's own dev set (never on shared/eval).

1. The passage offset and the lexical weight: a small grid, best mean reciprocal rank.
2. The scope check: a logistic regression on (best in-scope score, best
   out-of-scope score), then the threshold that rejects the most out-of-scope
   questions while falsely rejecting at most ``max_false_rejection`` of the in-scope
   ones. A cross-validated estimate is printed, since the fit sees the same questions.
3. The baselines' thresholds, at the same false-rejection level.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.evaluate import Baselines, Question
from knowledge.scoring import Scoring
from knowledge.search import Searcher

PASSAGE_OFFSETS = (0.0, 0.01, 0.02, 0.03, 0.04)
LEXICAL_WEIGHTS = (0.0, 0.02, 0.03, 0.05, 0.08)
FEATURE_SCALE = 100.0  # cosines differ in the second decimal; scale before fitting


def _mrr(
    searcher: Searcher, raw: list[tuple[np.ndarray, np.ndarray]], questions: list[Question], scoring: Scoring
) -> float:
    total = 0.0
    inside = 0
    for (dense, lexical), q in zip(raw, questions, strict=True):
        if not q.in_scope:
            continue
        inside += 1
        signals = searcher.combine(dense, lexical, scoring)
        for rank, position in enumerate(searcher.ranked(signals, 10)):
            if q.items & set(searcher.entry_items(position)):
                total += 1 / (rank + 1)
                break
    return total / max(inside, 1)


def _threshold_for(scores: np.ndarray, labels: np.ndarray, max_false_rejection: float) -> float:
    """The highest threshold that keeps false rejections of in-scope scores within the bound."""
    inside = np.sort(scores[labels])
    allowed = int(np.floor(max_false_rejection * len(inside)))
    return float(inside[allowed]) if len(inside) else 0.0


def _rates(scores: np.ndarray, labels: np.ndarray, threshold: float) -> tuple[float, float]:
    accepted = scores >= threshold
    return float(np.mean(~accepted[~labels])), float(np.mean(~accepted[labels]))


def _fit_scope(features: np.ndarray, labels: np.ndarray) -> tuple[float, float, float]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0, class_weight="balanced")
    model.fit(features * FEATURE_SCALE, labels)
    w_best, w_oos = (float(w) * FEATURE_SCALE for w in model.coef_[0])
    return w_best, w_oos, float(model.intercept_[0])


def _confidence(features: np.ndarray, w: tuple[float, float, float]) -> np.ndarray:
    z = features[:, 0] * w[0] + features[:, 1] * w[1] + w[2]
    return 1 / (1 + np.exp(-np.clip(z, -60, 60)))


def calibrate(
    searcher: Searcher, questions: list[Question], source: str, max_false_rejection: float = 0.01
) -> tuple[Scoring, dict[str, Any]]:
    started = time.perf_counter()
    raw = [searcher.raw_scores(searcher.normalize(q.text)) for q in questions]
    labels = np.array([q.in_scope for q in questions])
    if labels.all() or not labels.any():
        raise ValueError("the dev set needs both in-scope and out-of-scope questions")

    base = searcher.scoring
    grid = []
    for offset in PASSAGE_OFFSETS:
        for weight in LEXICAL_WEIGHTS:
            candidate = dataclasses.replace(base, passage_offset=offset, lexical_weight=weight)
            grid.append((_mrr(searcher, raw, questions, candidate), -weight, -offset, candidate))
    best_mrr, _, _, scoring = max(grid, key=lambda g: g[:3])

    features = np.array(
        [searcher.scope(searcher.combine(d, lx, scoring), scoring)[:2] for d, lx in raw], dtype=np.float64
    )
    weights = _fit_scope(features, labels)
    confidence = _confidence(features, weights)
    threshold = _threshold_for(confidence, labels, max_false_rejection)

    # Cross-validated estimate: fit on 4/5, measure on the held-out fifth.
    folds = np.arange(len(questions)) % 5
    cv_rej: list[float] = []
    cv_false: list[float] = []
    for fold in range(5):
        train, test = folds != fold, folds == fold
        w = _fit_scope(features[train], labels[train])
        t = _threshold_for(_confidence(features[train], w), labels[train], max_false_rejection)
        rej, false = _rates(_confidence(features[test], w), labels[test], t)
        cv_rej.append(rej)
        cv_false.append(false)

    baselines = Baselines(searcher)
    dense_top = np.array([o.score for o in baselines.dense([q.text for q in questions])])
    bm25_top = np.array([o.score for o in baselines.lexical([q.text for q in questions])])

    oos_rej, false_rej = _rates(confidence, labels, threshold)
    report = {
        "questions": len(questions),
        "mrr": round(best_mrr, 4),
        "oos_rejection": round(oos_rej, 4),
        "false_rejection": round(false_rej, 4),
        "cv_oos_rejection": round(float(np.mean(cv_rej)), 4),
        "cv_false_rejection": round(float(np.mean(cv_false)), 4),
        "seconds": round(time.perf_counter() - started, 1),
    }
    fitted = dataclasses.replace(
        scoring,
        model=searcher.embedder.name,
        w_best=round(weights[0], 4),
        w_oos=round(weights[1], 4),
        bias=round(weights[2], 4),
        threshold=round(threshold, 6),
        dense_only_threshold=round(_threshold_for(dense_top, labels, max_false_rejection), 6),
        bm25_only_threshold=round(_threshold_for(bm25_top, labels, max_false_rejection), 6),
        fitted={
            "on": source,
            "at": time.strftime("%Y-%m-%d"),
            "max_false_rejection": max_false_rejection,
            "report": report,
        },
    )
    return fitted, report


def source_name(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return path.name
