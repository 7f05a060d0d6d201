"""The gap report's grouping, old against new (issue 14, item 8).

    .venv/bin/python bench/gaps.py [--sizes 1000 5000 10000] [--runs 3] [--old-runs 3] [--json]

Times the grouping alone on precomputed vectors: synthetic unit vectors of the e5-small
size (384), about four paraphrases per question (cosine ≈ 0.95 to their question, so
most group at the 0.9 threshold) and a share of one-off questions. Embedding is left
out on purpose: it costs the same before and after, and the report embeds at most
API_GAPS_MAX_QUESTIONS texts. "old" is the former loop (tests/support/old_gaps.py),
"new" is api/quality/grouping.py; both must return the same groups, which is checked.
Prints the median of the runs for each and their ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.quality.figures import GROUP_SIMILARITY  # noqa: E402
from api.quality.grouping import group_by_meaning  # noqa: E402
from tests.support.old_gaps import old_groups  # noqa: E402

DIM = 384
PARAPHRASE_NOISE = 0.017  # cos(paraphrase, question) ≈ 1 / sqrt(1 + DIM · noise²) ≈ 0.95


def synthetic(count: int, seed: int = 14) -> np.ndarray:
    """``count`` unit vectors: a quarter are questions, each asked about four ways; shuffled."""
    rng = np.random.default_rng(seed)
    questions = rng.normal(size=(max(count // 4, 1), DIM))
    questions /= np.linalg.norm(questions, axis=1, keepdims=True)
    picks = rng.integers(0, len(questions), count)
    vectors = questions[picks] + PARAPHRASE_NOISE * rng.normal(size=(count, DIM))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32)


def median_time(run: Callable[[], list[list[int]]], runs: int) -> tuple[float, list[list[int]]]:
    times: list[float] = []
    groups: list[list[int]] = []
    for _ in range(runs):
        started = time.perf_counter()
        groups = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--runs", type=int, default=3, help="runs of the new grouping per size")
    parser.add_argument("--old-runs", type=int, default=3, help="runs of the old loop per size (it is slow)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        vectors = synthetic(size)
        new_s, new_groups = median_time(partial(group_by_meaning, vectors, GROUP_SIMILARITY), args.runs)
        old_s, old = median_time(partial(old_groups, vectors, GROUP_SIMILARITY), args.old_runs)
        row = {
            "questions": size,
            "groups": len(new_groups),
            "old_s": round(old_s, 3),
            "new_s": round(new_s, 4),
            "ratio": round(old_s / new_s, 1) if new_s else None,
            "same_groups": old == new_groups,
        }
        rows.append(row)
        if not args.json:
            print(
                f"{size:>6} questions  {row['groups']:>5} groups  old {old_s:8.2f} s  new {new_s:7.3f} s  "
                f"{row['ratio']:>6}x  same groups: {row['same_groups']}",
                flush=True,
            )
    if args.json:
        print(json.dumps({"vectors": f"synthetic, dim {DIM}, no embedding", "rows": rows}, indent=2))
    if not all(r["same_groups"] for r in rows):
        sys.exit("the new grouping differs from the old")


if __name__ == "__main__":
    main()
