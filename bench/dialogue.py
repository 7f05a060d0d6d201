"""Dialogue latency through Rasa's REST channel, with the real actions.

    .venv/bin/python bench/dialogue.py [--conversations N] [--json]

Starts the api (which serves the actions) and Rasa with the trained model, then runs
N conversations one after another, each: a greeting (rules only, no action call), a
policy question (NLU, action_answer_policy, knowledge search), the acceptance of the
intake (the form starts) and one form answer (validation action). Prints p50/p95 per
kind of turn, in the same run, and the resident memory of Rasa and of the actions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.system import System, trained_model  # noqa: E402

QUESTIONS = [
    "老板欠我三个月工资不给怎么办",
    "包工头跑了工钱找谁要",
    "工地上干了半年一分钱没拿到",
    "年底了工钱还没结咋整",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    timings: dict[str, list[float]] = {"greeting": [], "policy_question": [], "form_start": [], "form_answer": []}
    with tempfile.TemporaryDirectory() as scratch:
        system = System(Path(scratch))
        try:
            started = time.perf_counter()
            system.start_api()
            system.start_rasa(trained_model())
            system.wait_until_ready()
            startup_s = time.perf_counter() - started
            system.say("warm-up", QUESTIONS[0])  # first calls load lazily; keep them out of the figures
            system.say("warm-up", "好的")
            for n in range(args.conversations):
                who = f"bench-{n}"
                for kind, message in (
                    ("greeting", "你好"),
                    ("policy_question", QUESTIONS[n % len(QUESTIONS)]),
                    ("form_start", "好的"),
                    ("form_answer", "工地"),
                ):
                    t0 = time.perf_counter()
                    replies = system.say(who, message)
                    timings[kind].append((time.perf_counter() - t0) * 1000)
                    if not replies:
                        raise RuntimeError(f"no reply to {message!r}")
            api_pid, rasa_pid = (p.pid for p in system.processes)
            memory = {"rasa_mb": round(rss_mb(rasa_pid), 1), "actions_api_mb": round(rss_mb(api_pid), 1)}
        finally:
            system.stop()

    figures = {
        "conversations": args.conversations,
        "startup_s": round(startup_s, 1),
        **{f"{kind}_ms_p50": round(percentile(v, 0.5), 1) for kind, v in timings.items()},
        **{f"{kind}_ms_p95": round(percentile(v, 0.95), 1) for kind, v in timings.items()},
        **{f"{kind}_ms_mean": round(statistics.mean(v), 1) for kind, v in timings.items()},
        **memory,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"{args.conversations} conversations over Rasa's REST channel; system start {figures['startup_s']} s")
    for kind in timings:
        print(f"  {kind:<16} p50 {figures[f'{kind}_ms_p50']:>7} ms   p95 {figures[f'{kind}_ms_p95']:>7} ms")
    print(f"resident memory: Rasa {memory['rasa_mb']} MB, api + actions {memory['actions_api_mb']} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
