"""Concurrent load over HTTP: through the api's web channel and straight to Rasa, in one run.

    .venv/bin/python bench/load.py [--conversations 50] [--turns 20] [--json]

Starts the api (with the actions) and Rasa with the trained model on loopback, warms
both up, then runs N concurrent conversations of M turns each, first straight to
Rasa's REST channel, then through the api (POST /api/web/messages), then Rasa again
so that drift of a shared machine shows. Each conversation sends its turns one after
another, as a person does. Afterwards every conversation is read back (the api's
history; Rasa's tracker) to count lost, duplicated and reordered messages.

Prints per target: turns, errors, empty replies (no text and no buttons), apologies
(the api's failure reply), lost / duplicated / reordered user messages, p50/p95 per
turn and throughput; and the api's p50 over Rasa's (mean of both Rasa runs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.conversation import FAILURE_REPLY  # noqa: E402
from tests.system import System, trained_model  # noqa: E402

# A worker's turns: greetings, policy questions, a form started and answered, thanks.
SCRIPT = [
    "你好",
    "老板欠我三个月工资不给怎么办",
    "娃想在太原上小学要准备啥",
    "俺们打工的能申请公租房不",
    "请不起律师咋办",
    "/start_wage_intake",
    "工地",
    "恒泰小区三期工地",
    "太原市小店区",
    "去年3月到12月",
    "两万五",
    "12个人",
    "有合同",
    "算了不填了",
    "工伤了老板不管怎么办",
    "没签劳动合同能要双倍工资吗",
    "社保断了怎么办",
    "居住证怎么办",
    "谢谢",
    "再见",
]


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    empty: int = 0
    apologies: int = 0
    lost: int = 0
    duplicated: int = 0
    reordered: int = 0
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)

        def p(q: float) -> float:
            return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000 if ordered else 0.0

        return {
            "turns": len(self.latencies),
            "errors": self.errors,
            "empty": self.empty,
            "apologies": self.apologies,
            "lost": self.lost,
            "duplicated": self.duplicated,
            "reordered": self.reordered,
            "p50_ms": round(p(0.5), 1),
            "p95_ms": round(p(0.95), 1),
            "turns_per_s": round(len(self.latencies) / self.seconds, 1) if self.seconds else 0.0,
        }


def check_sequence(sent: list[str], seen: list[str], result: Result) -> None:
    """Compare what was sent with what the conversation holds, message by message."""
    remaining = list(seen)
    for text in sent:
        if text in remaining:
            remaining.remove(text)
        else:
            result.lost += 1
    result.duplicated += len(remaining)
    if not result.lost and not remaining and seen != sent:
        result.reordered += 1


async def run_target(
    system: System, target: str, conversations: int, turns: int, script: list[str]
) -> tuple[Result, dict[str, list[str]]]:
    result = Result()
    sent: dict[str, list[str]] = {}
    limits = httpx.Limits(max_connections=conversations + 10)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def one(index: int) -> None:
            who = f"load{target}{index:03d}{uuid.uuid4().hex[:8]}"
            sent[who] = []
            for turn in range(turns):
                text = script[turn % len(script)]
                started = time.perf_counter()
                try:
                    if target == "api":
                        body: dict[str, str] = (
                            {"session_id": who, "payload": text, "title": text}
                            if text.startswith("/")
                            else {"session_id": who, "text": text}
                        )
                        response = await client.post(f"{system.api}/api/web/messages", json=body)
                        response.raise_for_status()
                        replies = response.json()["replies"]
                    else:
                        response = await client.post(
                            f"{system.rasa}/webhooks/rest/webhook", json={"sender": who, "message": text}
                        )
                        response.raise_for_status()
                        replies = response.json()
                except (httpx.HTTPError, ValueError, KeyError):
                    result.errors += 1
                    continue
                finally:
                    result.latencies.append(time.perf_counter() - started)
                sent[who].append(text)
                if not replies or not any(r.get("text") or r.get("buttons") for r in replies):
                    result.empty += 1
                if any(r.get("text") == FAILURE_REPLY for r in replies):
                    result.apologies += 1

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(conversations)))
        result.seconds = time.perf_counter() - started
    return result, sent


async def read_back(system: System, target: str, sent: dict[str, list[str]], result: Result) -> None:
    async with httpx.AsyncClient(timeout=60) as client:
        for who, texts in sent.items():
            if target == "api":
                history = (await client.get(f"{system.api}/api/web/history", params={"session_id": who})).json()
                seen = [m["text"] for m in history["messages"] if m["role"] == "user"]
            else:
                tracker = (
                    await client.get(f"{system.rasa}/conversations/{who}/tracker", params={"token": system.rasa_token})
                ).json()
                seen = [e.get("text") or "" for e in tracker.get("events", []) if e.get("event") == "user"]
            check_sequence(texts, seen, result)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    report: dict[str, Any] = {"conversations": args.conversations, "turns": args.turns}
    with tempfile.TemporaryDirectory() as scratch:
        system = System(Path(scratch), extra_env={"API_RATE_PER_MINUTE": "100000"})
        try:
            system.start_api()
            system.start_rasa(trained_model())
            system.wait_until_ready()
            # Warm-up: both paths load their models and caches before anything is timed.
            for target in ("rasa", "api"):
                asyncio.run(run_target(system, target, 4, len(SCRIPT), SCRIPT))
            runs: dict[str, Result] = {}
            for label, target in (("rasa", "rasa"), ("api", "api"), ("rasa_again", "rasa")):
                result, sent = asyncio.run(run_target(system, target, args.conversations, args.turns, SCRIPT))
                asyncio.run(read_back(system, target, sent, result))
                runs[label] = result
        finally:
            system.stop()
    for label, result in runs.items():
        report[label] = result.summary()
    rasa_p50 = statistics.mean([report["rasa"]["p50_ms"], report["rasa_again"]["p50_ms"]])
    report["api_over_rasa_p50"] = round(report["api"]["p50_ms"] / rasa_p50, 3) if rasa_p50 else None
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(f"{args.conversations} concurrent conversations x {args.turns} turns, loopback")
    header = f"{'target':<11}{'turns':>6}{'errors':>7}{'empty':>6}{'apology':>8}{'lost':>5}{'dup':>4}{'reord':>6}"
    print(header + f"{'p50 ms':>9}{'p95 ms':>9}{'turns/s':>9}")
    for label in ("rasa", "api", "rasa_again"):
        r = report[label]
        print(
            f"{label:<11}{r['turns']:>6}{r['errors']:>7}{r['empty']:>6}{r['apologies']:>8}{r['lost']:>5}"
            f"{r['duplicated']:>4}{r['reordered']:>6}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['turns_per_s']:>9}"
        )
    print(f"api p50 / Rasa p50 (mean of both Rasa runs): {report['api_over_rasa_p50']}  (target <= 1.15)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
