"""Retrieval speed and memory, against the bare model in the same run.

    .venv/bin/python bench/retrieval.py [--json] [--queries N] [--builds N]

Prints: model load time; index build time for the plan (median of --builds fresh
builds into a scratch folder); warm single-query search latency p50/p95; the bare
model's encode p50/p95 for the same queries, measured interleaved with the searches
so that machine noise hits both alike; their ratio; resident memory.
Targets (issue 2): search p50 <= 1.5 x encode p50; build <= 10 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.embedder import Embedder  # noqa: E402
from knowledge.index import load_or_build  # noqa: E402
from knowledge.lexical import Tokenizer  # noqa: E402
from knowledge.loader import load_knowledge  # noqa: E402
from knowledge.search import open_searcher  # noqa: E402
from knowledge.settings import KnowledgeSettings  # noqa: E402

DEV_FILE = ROOT / "tests" / "data" / "dev_questions.jsonl"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--builds", type=int, default=3)
    args = parser.parse_args()

    settings = KnowledgeSettings()
    rss_start = rss_mb()
    started = time.perf_counter()
    embedder = Embedder(settings)
    kb = load_knowledge(settings.data_dir, settings.nlu_dir)
    model_load_s = time.perf_counter() - started

    tokenizer = Tokenizer(kb.lexicon)
    builds = []
    units = 0
    for _ in range(max(1, args.builds)):
        with tempfile.TemporaryDirectory() as scratch:
            t0 = time.perf_counter()
            index, _ = load_or_build(kb, embedder, tokenizer, Path(scratch), force=True)
            builds.append(time.perf_counter() - t0)
            units = index.size

    searcher = open_searcher(settings, kb=kb, embedder=embedder)
    lines = DEV_FILE.read_text(encoding="utf-8").splitlines()
    queries = [json.loads(line)["text"] for line in lines][: args.queries]
    for q in queries[:10]:  # warm up both paths
        searcher.search_uncached(q, 3)
        embedder.queries([q])

    search_ms: list[float] = []
    encode_ms: list[float] = []
    for q in queries:
        t0 = time.perf_counter()
        embedder.queries([q])
        t1 = time.perf_counter()
        searcher.search_uncached(q, 3)  # the real work, not a repeated query's kept result
        t2 = time.perf_counter()
        encode_ms.append((t1 - t0) * 1000)
        search_ms.append((t2 - t1) * 1000)

    figures = {
        "queries": len(queries),
        "index_units": units,
        "model_load_s": round(model_load_s, 2),
        "build_s_median": round(statistics.median(builds), 2),
        "build_s_all": [round(b, 2) for b in builds],
        "search_ms_p50": round(percentile(search_ms, 0.5), 2),
        "search_ms_p95": round(percentile(search_ms, 0.95), 2),
        "encode_ms_p50": round(percentile(encode_ms, 0.5), 2),
        "encode_ms_p95": round(percentile(encode_ms, 0.95), 2),
        "rss_mb": round(rss_mb(), 1),
        "rss_mb_at_start": round(rss_start, 1),
    }
    figures["search_to_encode_p50"] = round(figures["search_ms_p50"] / figures["encode_ms_p50"], 3)
    figures["targets_met"] = {
        "search_p50_le_1.5x_encode": figures["search_to_encode_p50"] <= 1.5,
        "build_le_10s": figures["build_s_median"] <= 10.0,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"model load            {figures['model_load_s']} s")
    print(f"index build (plan)    median {figures['build_s_median']} s of {figures['build_s_all']}, {units} units")
    print(f"search, warm          p50 {figures['search_ms_p50']} ms  p95 {figures['search_ms_p95']} ms")
    print(f"bare encode, same q.  p50 {figures['encode_ms_p50']} ms  p95 {figures['encode_ms_p95']} ms")
    print(f"search / encode p50   {figures['search_to_encode_p50']}x  (target <= 1.5x)")
    print(f"resident memory       {figures['rss_mb']} MB (at start {figures['rss_mb_at_start']} MB)")
    print(f"targets met           {figures['targets_met']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
