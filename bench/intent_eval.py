"""Intent accuracy of the trained Rasa model on a labelled question file.

    .venv/bin/python bench/intent_eval.py FILE.jsonl [--model M] [--json]

FILE: one JSON object per line with ``text`` and ``topic`` (the labels of
tests/data/*.jsonl and of ../shared/eval/real_questions.jsonl). Starts the real Rasa
server with the model (and the api its KnowledgeIntentClassifier asks), asks
/model/parse for each text, and prints top-1 accuracy
per topic (a topic maps to the intents that serve it) and, for topic "other", the
out-of-scope recall: the share not given any topic intent.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.system import System, trained_model  # noqa: E402

TOPIC_INTENTS: dict[str, set[str]] = {
    "unpaid_wages": {"ask_unpaid_wages"},
    "legal_aid": {"ask_legal_aid"},
    "school_enrollment": {"ask_school_enrollment"},
    "public_housing": {"ask_public_housing"},
    "social_insurance": {"ask_social_insurance"},
    "work_injury": {"ask_social_insurance", "ask_safety_health"},
    "safety_health": {"ask_safety_health"},
    "labor_contract": {"ask_labor_contract"},
    "training_employment": {"ask_employment", "ask_training"},
    "hukou_residence": {"ask_hukou_residence"},
    "land_rights": {"ask_land_rights"},
    "left_behind": {"ask_left_behind"},
    "union_politics": {"ask_union_rights"},
    "culture": {"ask_culture"},
}
TOPIC_INTENT_NAMES = set().union(*TOPIC_INTENTS.values())


def parse_all(system: System, texts: list[str]) -> list[dict[str, Any]]:
    out = []
    with httpx.Client(timeout=30) as client:
        for text in texts:
            response = client.post(f"{system.rasa}/model/parse", headers=system.auth(), json={"text": text})
            response.raise_for_status()
            out.append(response.json())
    return out


def topics_by_search(system: System, texts: list[str]) -> list[dict[str, Any]]:
    with httpx.Client(timeout=30) as client:
        rasa_only = {"X-Actions-Token": system.actions_token}  # the topic endpoint answers Rasa only
        return [
            client.post(f"{system.api}/api/knowledge/topic", json={"text": t}, headers=rasa_only).json() for t in texts
        ]


def explain(rows: list[dict[str, Any]], parsed: list[dict[str, Any]], searched: list[dict[str, Any]]) -> dict[str, Any]:
    """Where the in-scope errors come from, as counts only (no question is shown)."""
    paths: dict[str, int] = defaultdict(int)
    wrong_intents: dict[str, int] = defaultdict(int)
    for row, result, search in zip(rows, parsed, searched, strict=True):
        topic = row.get("topic") or "other"
        if topic not in TOPIC_INTENTS:
            continue
        predicted = (result.get("intent") or {}).get("name")
        if predicted in TOPIC_INTENTS[topic]:
            paths["correct"] += 1
            continue
        wrong_intents[str(predicted)] += 1
        search_right = search.get("intent") in TOPIC_INTENTS[topic]
        in_scope = bool(search.get("in_scope"))
        scope = "in" if in_scope else "out of"
        paths[f"wrong; search {scope} scope, its topic {'right' if search_right else 'wrong'}"] += 1
    return {"paths": dict(paths), "wrong_intents": dict(sorted(wrong_intents.items(), key=lambda kv: -kv[1]))}


def score(rows: list[dict[str, Any]], parsed: list[dict[str, Any]]) -> dict[str, Any]:
    per: dict[str, list[bool]] = defaultdict(list)
    for row, result in zip(rows, parsed, strict=True):
        predicted = (result.get("intent") or {}).get("name")
        topic = row.get("topic") or "other"
        if topic == "other":
            per["other"].append(predicted not in TOPIC_INTENT_NAMES)
        elif topic in TOPIC_INTENTS:
            per[topic].append(predicted in TOPIC_INTENTS[topic])
    inside = [ok for topic, oks in per.items() if topic != "other" for ok in oks]
    return {
        "in_scope_top1": round(sum(inside) / max(len(inside), 1), 4),
        "in_scope_n": len(inside),
        "oos_recall": round(sum(per["other"]) / max(len(per["other"]), 1), 4) if per["other"] else None,
        "oos_n": len(per["other"]),
        "per_topic": {t: {"n": len(o), "accuracy": round(sum(o) / len(o), 4)} for t, o in sorted(per.items())},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--model")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--explain", action="store_true", help="count where in-scope errors come from")
    args = parser.parse_args()
    try:
        lines = Path(args.file).read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError) as exc:
        print(f"error: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    model = Path(args.model) if args.model else trained_model()
    with tempfile.TemporaryDirectory() as scratch:
        system = System(Path(scratch))
        try:
            system.start_api()  # Rasa's KnowledgeIntentClassifier asks the api for the topic
            system.start_rasa(model)
            system.wait_until_ready()
            parsed = parse_all(system, [str(r["text"]) for r in rows])
            searched = topics_by_search(system, [str(r["text"]) for r in rows]) if args.explain else []
        finally:
            system.stop()
    report = {"model": model.name, "file": args.file, **score(rows, parsed)}
    if args.explain:
        report["explain"] = explain(rows, parsed, searched)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(f"model {model.name} on {args.file}")
    print(f"in-scope top-1 {report['in_scope_top1']:.3f} (n={report['in_scope_n']})", end="")
    if report["oos_recall"] is not None:
        print(f"   out-of-scope recall {report['oos_recall']:.3f} (n={report['oos_n']})")
    for topic, figures in report["per_topic"].items():
        print(f"  {topic:<22} n={figures['n']:<4} {figures['accuracy']:.3f}")
    if args.explain:
        print(json.dumps(report["explain"], ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
