"""Concurrent load over HTTP: the single-process setup and the scaled one, in one run.

    .venv/bin/python bench/load.py [--conversations 200] [--turns 20] [--think 5,20]
                                   [--setups single,scaled] [--direct] [--json]

single: one api (with the actions) and one Rasa, SQLite, in-process limits (`make run`).
scaled: two api and two Rasa processes on PostgreSQL and Redis (`make run-scaled`,
deploy/local_cluster.py), on fresh databases of the machine's PostgreSQL.

For each setup: start it, warm it up, then run N concurrent conversations of M turns
each through the api's web channel. Each conversation sends its turns one after
another, as a person does, waiting --think seconds between a reply and its next message
(reading the answer, typing on a phone; 0,0 sends at once, an overload test); in the
scaled setup its turns alternate between the two api processes, as a load balancer
without stickiness would send them. Afterwards every
conversation is read back (the api's history and Rasa's tracker) to count lost,
duplicated and reordered messages. --direct adds runs straight to Rasa's signed REST
channel before and after, for the api's overhead over Rasa (the single setup only).

Prints per run: turns, errors, empty replies (no text and no buttons), apologies
(the api's failure reply), lost / duplicated / reordered user messages, p50/p95 per
turn and throughput; and the scaled over single ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
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

from api.conversations.rasa_client import REST_PATH, replica_for  # noqa: E402
from api.conversations.turn import FAILURE_REPLY  # noqa: E402
from deploy.local_cluster import Cluster, Postgres, Redis  # noqa: E402
from tests.support.system import System, trained_model  # noqa: E402

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
    error_kinds: dict[str, int] = field(default_factory=dict)  # "HTTP 503", "ReadTimeout", …
    empty: int = 0
    apologies: int = 0
    lost: int = 0
    duplicated: int = 0
    reordered: int = 0
    seconds: float = 0.0
    answered: dict[str, list[str]] = field(default_factory=dict)  # per conversation: turns with a real answer

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)

        def p(q: float) -> float:
            return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000 if ordered else 0.0

        return {
            "turns": len(self.latencies),
            "errors": self.errors,
            "error_kinds": dict(self.error_kinds),
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


@dataclass
class Setup:
    """Where the load goes: the api processes, the Rasa replicas, and how to sign for Rasa."""

    apis: list[str]
    rasas: list[str]
    auth: Any

    def rasa_for(self, who: str) -> str:
        return replica_for(who, self.rasas)


async def run_target(
    setup: Setup, target: str, conversations: int, turns: int, think: tuple[float, float] = (0.0, 0.0)
) -> tuple[Result, dict[str, list[str]]]:
    result = Result()
    sent: dict[str, list[str]] = {}
    rng = random.Random(7)
    limits = httpx.Limits(max_connections=conversations + 10)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def one(index: int) -> None:
            who = f"load{target}{index:03d}{uuid.uuid4().hex[:8]}"
            sent[who] = []
            for turn in range(turns):
                if turn and think[1]:
                    await asyncio.sleep(rng.uniform(*think))  # reading the answer, typing the next one
                text = SCRIPT[turn % len(SCRIPT)]
                started = time.perf_counter()
                try:
                    if target == "api":
                        api = setup.apis[(index + turn) % len(setup.apis)]
                        body: dict[str, str] = (
                            {"session_id": who, "payload": text, "title": text}
                            if text.startswith("/")
                            else {"session_id": who, "text": text}
                        )
                        response = await client.post(f"{api}/api/web/messages", json=body)
                        response.raise_for_status()
                        replies = response.json()["replies"]
                    else:
                        response = await client.post(
                            f"{setup.rasa_for(who)}{REST_PATH}",
                            json={"sender": who, "message": text},
                            headers=setup.auth(),
                        )
                        response.raise_for_status()
                        replies = response.json()
                except (httpx.HTTPError, ValueError, KeyError) as exc:
                    result.errors += 1
                    kind = (
                        f"HTTP {exc.response.status_code}"
                        if isinstance(exc, httpx.HTTPStatusError)
                        else type(exc).__name__
                    )
                    result.error_kinds[kind] = result.error_kinds.get(kind, 0) + 1
                    continue
                finally:
                    result.latencies.append(time.perf_counter() - started)
                sent[who].append(text)
                if not replies or not any(r.get("text") or r.get("buttons") for r in replies):
                    result.empty += 1
                if any(r.get("text") == FAILURE_REPLY for r in replies):
                    result.apologies += 1
                else:
                    result.answered.setdefault(who, []).append(text)

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(conversations)))
        result.seconds = time.perf_counter() - started
    return result, sent


def is_subsequence(wanted: list[str], seen: list[str]) -> bool:
    remaining = iter(seen)
    return all(any(text == other for other in remaining) for text in wanted)


async def read_back(setup: Setup, target: str, sent: dict[str, list[str]], result: Result) -> None:
    """Every conversation as stored: what the worker sees (the api's history) and Rasa's tracker.

    Lost, duplicated and reordered are counted on the worker's side (the api's history, or
    Rasa's tracker straight to Rasa); a turn the worker got a real answer for must also be
    in Rasa's tracker, in order (an apology means Rasa never finished it).
    """
    async with httpx.AsyncClient(timeout=60) as client:
        for who, texts in sent.items():
            conversation = f"web:{who}" if target == "api" else who
            tracker = (
                await client.get(
                    f"{setup.rasa_for(conversation)}/conversations/{conversation}/tracker", headers=setup.auth()
                )
            ).json()
            in_rasa = [e.get("text") or "" for e in tracker.get("events", []) if e.get("event") == "user"]
            if target == "api":
                history = (await client.get(f"{setup.apis[0]}/api/web/history", params={"session_id": who})).json()
                seen = [m["text"] for m in history["messages"] if m["role"] == "user"]
                if not is_subsequence(result.answered.get(who, []), in_rasa):
                    result.lost += 1
            else:
                seen = in_rasa
            check_sequence(texts, seen, result)


def measure(
    setup: Setup, runs: list[tuple[str, str]], conversations: int, turns: int, think: tuple[float, float]
) -> dict[str, Result]:
    # Warm-up: every process loads its models and caches before anything is timed.
    for target in sorted({target for _, target in runs}):
        asyncio.run(run_target(setup, target, 4 * len(setup.apis), len(SCRIPT)))
    measured: dict[str, Result] = {}
    for label, target in runs:
        result, sent = asyncio.run(run_target(setup, target, conversations, turns, think))
        asyncio.run(read_back(setup, target, sent, result))
        measured[label] = result
    return measured


def run_single(conversations: int, turns: int, direct: bool, think: tuple[float, float]) -> dict[str, Result]:
    with tempfile.TemporaryDirectory() as scratch:
        system = System(Path(scratch), extra_env={"API_RATE_PER_MINUTE": "100000"})
        try:
            system.start_api()
            system.start_rasa(trained_model())
            system.wait_until_ready()
            setup = Setup([system.api], [system.rasa], system.auth)
            runs = (
                [("single_rasa", "rasa"), ("single", "api"), ("single_rasa_again", "rasa")]
                if direct
                else [("single", "api")]
            )
            return measure(setup, runs, conversations, turns, think)
        finally:
            system.stop()


def run_scaled(conversations: int, turns: int, think: tuple[float, float]) -> dict[str, Result]:
    postgres = Postgres(api_db="gongyou_bench", tracker_db="gongyou_bench_rasa")
    postgres.create_databases(fresh=True)
    with tempfile.TemporaryDirectory() as scratch:
        cluster = Cluster(
            Path(scratch), trained_model(), postgres, Redis(db=2), extra_env={"API_RATE_PER_MINUTE": "100000"}
        )
        try:
            cluster.start_all()
            apis = [cluster.api_url(i) for i in range(cluster.api_replicas)]
            rasas = [cluster.rasa_url(i) for i in range(cluster.rasa_replicas)]
            return measure(Setup(apis, rasas, cluster.auth), [("scaled", "api")], conversations, turns, think)
        finally:
            cluster.stop_all()
            postgres.drop_databases()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--setups", default="single,scaled", help="comma-separated: single, scaled")
    parser.add_argument("--direct", action="store_true", help="also straight to Rasa (single setup)")
    parser.add_argument(
        "--think",
        default="5,20",
        help="seconds a worker takes between turns, MIN,MAX (uniform); 0,0 fires each turn at once",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    setups = [s.strip() for s in args.setups.split(",") if s.strip()]
    low, high = (float(part) for part in args.think.split(","))

    results: dict[str, Result] = {}
    if "single" in setups:
        results |= run_single(args.conversations, args.turns, args.direct, (low, high))
    if "scaled" in setups:
        results |= run_scaled(args.conversations, args.turns, (low, high))
    report: dict[str, Any] = {"conversations": args.conversations, "turns": args.turns, "think_s": [low, high]}
    for label, result in results.items():
        report[label] = result.summary()
    if "single" in report and "scaled" in report:
        single, scaled = report["single"], report["scaled"]
        report["scaled_over_single"] = {
            "p50": round(scaled["p50_ms"] / single["p50_ms"], 3) if single["p50_ms"] else None,
            "p95": round(scaled["p95_ms"] / single["p95_ms"], 3) if single["p95_ms"] else None,
            "throughput": round(scaled["turns_per_s"] / single["turns_per_s"], 3) if single["turns_per_s"] else None,
        }
    if "single_rasa" in report:
        rasa_p50 = statistics.mean([report["single_rasa"]["p50_ms"], report["single_rasa_again"]["p50_ms"]])
        report["api_over_rasa_p50"] = round(report["single"]["p50_ms"] / rasa_p50, 3) if rasa_p50 else None
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(f"{args.conversations} concurrent conversations x {args.turns} turns, {low:g}-{high:g} s between turns")
    header = f"{'run':<18}{'turns':>6}{'errors':>7}{'empty':>6}{'apology':>8}{'lost':>5}{'dup':>4}{'reord':>6}"
    print(header + f"{'p50 ms':>9}{'p95 ms':>9}{'turns/s':>9}")
    for label in results:
        r = report[label]
        print(
            f"{label:<18}{r['turns']:>6}{r['errors']:>7}{r['empty']:>6}{r['apologies']:>8}{r['lost']:>5}"
            f"{r['duplicated']:>4}{r['reordered']:>6}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['turns_per_s']:>9}"
        )
    for label in results:
        if report[label]["error_kinds"]:
            print(f"{label} errors: {report[label]['error_kinds']}")
    if "scaled_over_single" in report:
        ratio = report["scaled_over_single"]
        print(f"scaled / single: p50 {ratio['p50']}, p95 {ratio['p95']}, throughput {ratio['throughput']}")
    if "api_over_rasa_p50" in report:
        print(f"api p50 / Rasa p50 (single, mean of both Rasa runs): {report['api_over_rasa_p50']}")
    lost = sum(report[label][k] for label in results for k in ("lost", "duplicated", "reordered", "errors"))
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
