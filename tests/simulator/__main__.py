"""python -m tests.simulator --conversations N --turns 12 --seed S [--workers K] [--replay SEED…] [--json FILE]

Starts the real api and Rasa (as the tests' ``system`` fixture does), walks the conversations,
prints the figures and the first violating transcripts; exits 1 on any violation.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from tests.simulator.runner import conversation_seeds, run
from tests.support.system import System, trained_model


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.simulator", description=__doc__)
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument("--turns", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1, help="base seed: conversation i has seed S*1000000+i")
    parser.add_argument("--workers", type=int, default=3, help="conversations at once")
    parser.add_argument("--replay", type=int, nargs="+", default=[], help="run only these conversation seeds")
    parser.add_argument("--transcripts", type=int, default=3, help="violating transcripts to print")
    parser.add_argument("--json", type=Path, help="write every violation and its transcript here")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    seeds = args.replay or conversation_seeds(args.seed, args.conversations)
    with tempfile.TemporaryDirectory(prefix="simulator-") as scratch:
        system = System(Path(scratch))
        try:
            model = trained_model()
            print(f"starting the api and Rasa ({model.name}) …", flush=True)
            system.start_api()
            system.start_rasa(model)
            system.wait_until_ready()
            print(f"walking {len(seeds)} conversations x {args.turns} turns, {args.workers} at a time …", flush=True)
            report = run(system, seeds, args.turns, args.workers)
        finally:
            system.stop()
    print(report.summary(args.transcripts))
    if args.json:
        args.json.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    return 1 if report.violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
