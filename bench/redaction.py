"""How well the redactor finds personal numbers, and how often it takes an ordinary number for one.

    .venv/bin/python bench/redaction.py [--n 5000] [--seed 7] [--show 5]

Detection: generated mobiles, resident IDs (valid, and with a wrong check character) and bank
cards (Luhn-valid, and UnionPay numbers failing Luhn) in every written form (groupings, one to
three separators of many kinds, full-width digits, Chinese and formal numerals, mixed; a mobile
also in pairs, digit by digit, with its head in brackets or words between head and rest),
inside a short Chinese sentence. A number counts as found when every digit of it lies inside a
redacted span.

False positives: ordinary text with amounts, dates, times, case numbers, counts, landlines,
lists of small numbers, ranges, prices, scores, versions and sizes
(tests/support/pii_samples.py). A text counts when anything in it is redacted.

Prints the rates overall and per form or category, and a few misses of each.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.privacy.redact import find, redact
from tests.support.pii_samples import DIGIT_CHARS, context, in_context, ordinary, personal


def covered(text: str, start: int, written: str) -> bool:
    """Every character of ``written`` that writes a digit lies inside a redacted span."""
    spans = [(f.start, f.end) for f in find(text)]
    for offset, ch in enumerate(written, start):
        if ch not in DIGIT_CHARS:
            continue
        if not any(a <= offset < b for a, b in spans):
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=5000, help="samples of each set")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show", type=int, default=5, help="misses and false positives shown")
    args = parser.parse_args()
    rnd = random.Random(args.seed)

    found_by: Counter[str] = Counter()
    total_by: Counter[str] = Counter()
    found_shape: Counter[str] = Counter()
    total_shape: Counter[str] = Counter()
    misses: list[str] = []
    started = time.perf_counter()
    for _ in range(args.n):
        item = personal(rnd)
        before, after = context(rnd)
        text = before + item.text + after
        key = f"{item.kind} {item.form.split()[1]}"
        shape = f"{item.kind} {item.form.split()[0]}"
        total_by[key] += 1
        total_shape[shape] += 1
        if covered(text, len(before), item.text):
            found_by[key] += 1
            found_shape[shape] += 1
        elif len(misses) < args.show:
            misses.append(repr(text))
    detect_s = time.perf_counter() - started

    flagged_by: Counter[str] = Counter()
    seen_by: Counter[str] = Counter()
    false_positives: list[str] = []
    for _ in range(args.n):
        category, sample = ordinary(rnd)
        text = in_context(sample, rnd)
        seen_by[category] += 1
        if find(text):
            flagged_by[category] += 1
            if len(false_positives) < args.show:
                false_positives.append(repr(text))

    found, total = sum(found_by.values()), sum(total_by.values())
    print(f"detection: {found}/{total} = {found / total:.2%}  ({detect_s / total * 1000:.3f} ms per text)")
    for key in sorted(total_by):
        print(f"  {key:<22} {found_by[key]:>5}/{total_by[key]:<5} {found_by[key] / total_by[key]:.2%}")
    print("  by grouping of the mobile:")
    for key in sorted(k for k in total_shape if k.startswith("mobile")):
        print(f"  {key:<22} {found_shape[key]:>5}/{total_shape[key]:<5} {found_shape[key] / total_shape[key]:.2%}")
    for text in misses:
        print(f"  missed: {text}")
    flagged, seen = sum(flagged_by.values()), sum(seen_by.values())
    print(f"false positives: {flagged}/{seen} = {flagged / seen:.2%}")
    for key in sorted(seen_by):
        print(f"  {key:<22} {flagged_by[key]:>5}/{seen_by[key]:<5} {flagged_by[key] / seen_by[key]:.2%}")
    for text in false_positives:
        print(f"  flagged: {text}")
    print(f"longest message (2,000 characters, three numbers every 50): median {long_message_ms():.2f} ms")


def long_message_ms(runs: int = 30) -> float:
    """The worst a worker can send at once: the most characters, numbers all through."""
    text = ("工资被拖欠了怎么办我电话13812345678，卡号6222021234567894，身份证11010519491231002X。" * 40)[:2000]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        redact(text)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


if __name__ == "__main__":
    main()
