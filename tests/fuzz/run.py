"""Run one fuzz target under atheris (libFuzzer), coverage-guided.

    python -m tests.fuzz.run TARGET --runs N [--seed S] [--corpus DIR] [-- LIBFUZZER_FLAGS]

The project's modules, and the XML and WeChat libraries they parse with, are instrumented
for coverage. The corpus starts from valid examples built here (in a scratch directory
unless --corpus keeps it). The last line says the runs, crashes and time; a crashing input
is kept under .cache/fuzz/TARGET/ and the exit status is then non-zero.
"""

from __future__ import annotations

import argparse
import atexit
import functools
import hashlib
import importlib
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import atheris  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "fuzz"
# Packages whose code feeds coverage back to the fuzzer: ours, and the parsers behind each channel.
INSTRUMENTED = {
    "redactor": ["api", "tests"],
    "wechat_xml": ["api", "tests", "defusedxml", "wechatpy"],
    "json_body": ["api", "tests", "fastapi", "starlette"],
    "selftest_leaky_redactor": ["api", "tests"],
}
TARGET_NAMES = tuple(INSTRUMENTED)
SUMMARY_PREFIX = "fuzz summary:"


def load_targets(target: str) -> ModuleType:
    """tests.fuzz.targets and what it imports from the target's packages, instrumented on import."""
    if "tests.fuzz.targets" in sys.modules:
        raise RuntimeError("tests.fuzz.targets was imported before instrumentation")
    with atheris.instrument_imports(include=INSTRUMENTED[target]):
        return importlib.import_module("tests.fuzz.targets")


# --- the starting corpus and dictionary --------------------------------------------------------


def _message(msg_type: str, **fields: str) -> str:
    cdata = {name: value.replace("]]>", "]]]]><![CDATA[>") for name, value in fields.items()}
    body = "".join(f"<{name}><![CDATA[{value}]]></{name}>" for name, value in cdata.items())
    return (
        "<xml><ToUserName><![CDATA[gh_gongyou]]></ToUserName><FromUserName><![CDATA[oWorker-0001]]></FromUserName>"
        f"<CreateTime>1700000000</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>{body}"
        "<MsgId>24000000000000001</MsgId></xml>"
    )


def seeds(target: str) -> list[bytes]:
    """Valid examples for each target (the redactor's also feed its structured generator)."""
    from tests.fuzz import targets  # already loaded, instrumented, when the runner calls this
    from tests.test_pii import id_check, make_card

    first17 = "14010219900307123"
    id_18 = first17 + id_check(first17)
    card = make_card("622202123456789")
    if target in ("redactor", "selftest_leaky_redactor"):
        texts = [
            "老板欠我三个月工资不给怎么办",
            "我电话13812345678谢谢",
            "打１３８－１２３４－５６７８找我",
            "+86 138 1234 5678",
            f"身份证号{id_18}，老身份证140102900307123",
            f"身份证 {id_18[:6]} {id_18[6:14]} {id_18[14:]} 号",
            "卡号 " + " ".join(card[i : i + 4] for i in range(0, 16, 4)) + " 发工资",
            "欠了30000元，2024年3月开始干活，案件编号GY-20261128-AB12",
            "😀👷‍♂️工资🧱",
        ]
        return [t.encode() for t in texts] + [bytes(range(48)), bytes(range(255, 200, -1))]
    if target == "wechat_xml":
        messages = [
            _message("text", Content="老板欠我三个月工资不给怎么办"),
            _message("text", Content="a ]]> inside"),
            _message("voice", MediaId="m1", Format="amr", Recognition="怎么申请法律援助"),
            _message("event", Event="subscribe"),
            _message("image", PicUrl="http://example.invalid/p.jpg", MediaId="m2"),
            '<?xml version="1.0" encoding="UTF-8"?>' + _message("text", Content="1"),
            '<!DOCTYPE xml [<!ENTITY a "x">]><xml><Content>&a;</Content></xml>',
        ]
        sealed, _ = targets.seal(messages[0].encode())
        return [m.encode() for m in messages] + [sealed]
    if target == "json_body":
        bodies: list[dict[str, Any]] = [
            {"session_id": "web-session-0001", "text": "老板欠我三个月工资不给怎么办"},
            {"session_id": "web-session-0001", "payload": "/affirm", "title": "是的"},
            {"session_id": "web_session_2", "payload": '/inform{"topic": "wage"}', "title": "欠薪"},
            {"source": "hotline", "user_id": "caller.0001@pbx", "text": "电话13812345678"},
            {"source": "wecom", "user_id": "u:1", "payload": "/ask_human"},
        ]
        encoded = [json.dumps(b, ensure_ascii=False).encode() for b in bodies]
        return [*encoded, json.dumps(bodies[0]).encode()]  # the same with \\u escapes
    raise ValueError(f"no seeds for {target}")


DICTIONARY = {
    "redactor": ["０", "９", "Ｘ", "\u3000", "－", "＋８６", "+86", "0086", "138", "1401", "6222", " ", "-", "x"],
    "wechat_xml": [
        "<xml>",
        "</xml>",
        "<![CDATA[",
        "]]>",
        "<!DOCTYPE xml [",
        '<!ENTITY a "',
        '<!ENTITY e SYSTEM "file:///etc/passwd">',
        "&a;",
        "&#x",
        '<?xml version="1.0" encoding="',
        "<MsgType>",
        "<FromUserName>",
        "<ToUserName>",
        "<Content>",
        "<Encrypt>",
        "<Event>",
        "<Recognition>",
        "<MsgId>",
        "xmlns:",
    ],
    "json_body": [
        '"session_id":',
        '"text":',
        '"payload":',
        '"title":',
        '"source":',
        '"user_id":',
        "\\u",
        "\\ud83d\\ude00",
        '"/affirm"',
        "{",
        "[",
        "null",
        "1e999",
    ],
}
DICTIONARY["selftest_leaky_redactor"] = DICTIONARY["redactor"]


def _dict_entry(token: str) -> str:
    """A libFuzzer dictionary line: printable ASCII as is, every other byte as \\xNN."""
    escaped = "".join(
        "\\" + chr(b) if chr(b) in '\\"' else chr(b) if 32 <= b < 127 else f"\\x{b:02X}" for b in token.encode()
    )
    return f'"{escaped}"'


# --- running -----------------------------------------------------------------------------------


class Runner:
    """The function libFuzzer calls: counts runs, keeps a crashing input."""

    def __init__(self, name: str, targets: ModuleType, artifacts: Path, max_time_s: float = 0.0) -> None:
        self.name = name
        self.max_time_s = max_time_s
        self.target = targets.TARGETS[name]
        self.artifacts = artifacts
        self.runs = 0
        self.crashes = 0
        self.crash_file: Path | None = None
        self.cleanup: list[Callable[[], object]] = []
        self.finished = False
        self.started = time.monotonic()

    def __call__(self, data: bytes) -> None:
        if self.max_time_s and time.monotonic() - self.started > self.max_time_s:
            # Atheris takes SystemExit for a crash, and libFuzzer's own time limit skips atexit.
            self.finish()
            os._exit(0)
        self.runs += 1
        try:
            self.target(data)
        except Exception:
            self.crashes += 1
            self.crash_file = self.artifacts / f"crash-{hashlib.sha1(data).hexdigest()}"
            self.crash_file.write_bytes(data)
            raise  # atheris prints the traceback and stops

    def finish(self) -> None:
        """The summary line, then the clean-up, once: at exit, or at the time limit."""
        if self.finished:
            return
        self.finished = True
        # libFuzzer's per-input timeout is a periodic SIGALRM: one arriving while Python shuts
        # down would kill the process ("Alarm clock", exit 142) after a clean run.
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        print(self.summary(), flush=True)
        for step in self.cleanup:
            step()

    def summary(self) -> str:
        elapsed = time.monotonic() - self.started
        rate = self.runs / elapsed if elapsed > 0 else 0.0
        line = (
            f"{SUMMARY_PREFIX} target={self.name} runs={self.runs} crashes={self.crashes} "
            f"elapsed={elapsed:.1f}s rate={rate:.0f}/s"
        )
        if self.crash_file:
            line += f" crash_input={self.crash_file.relative_to(ROOT)}"
        return line


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz.run", description=__doc__.splitlines()[0])
    parser.add_argument("target", choices=TARGET_NAMES)
    parser.add_argument("--runs", type=int, default=10_000, help="inputs to try, the starting corpus included")
    parser.add_argument("--seed", type=int, default=0, help="libFuzzer's random seed (0: a random one)")
    parser.add_argument("--corpus", type=Path, help="keep and reuse the corpus here (default: a scratch copy)")
    parser.add_argument("--max-len", type=int, default=4096, help="longest input in bytes")
    parser.add_argument("--timeout", type=int, default=20, help="seconds one input may take before it is a crash")
    parser.add_argument("--max-time", type=float, default=0.0, help="stop after this many seconds (0: no limit)")
    args, extra = parser.parse_known_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args, [flag for flag in extra if flag != "--"]


def main(argv: list[str] | None = None) -> None:
    args, libfuzzer_flags = parse_args(sys.argv[1:] if argv is None else argv)
    targets = load_targets(args.target)
    artifacts = CACHE / args.target
    artifacts.mkdir(parents=True, exist_ok=True)
    random.seed(args.seed)  # wechatpy's encryption pads with random.sample: same seed, same run
    runner = Runner(args.target, targets, artifacts, max_time_s=args.max_time)
    atexit.register(runner.finish)  # libFuzzer ends the process itself, after the last run
    if args.corpus:
        corpus = Path(args.corpus)
        corpus.mkdir(parents=True, exist_ok=True)
    else:
        corpus = Path(tempfile.mkdtemp(prefix=f"fuzz-corpus-{args.target}-"))  # outside the repo: scratch
        runner.cleanup.append(functools.partial(shutil.rmtree, corpus, ignore_errors=True))
    for seed_input in seeds(args.target):
        (corpus / f"seed-{hashlib.sha1(seed_input).hexdigest()[:16]}").write_bytes(seed_input)
    dictionary = artifacts / "tokens.dict"
    dictionary.write_text("\n".join(_dict_entry(t) for t in DICTIONARY[args.target]) + "\n", encoding="ascii")

    flags = [
        f"-atheris_runs={args.runs}",
        f"-seed={args.seed}",
        f"-max_len={args.max_len}",
        f"-timeout={args.timeout}",
        f"-dict={dictionary}",
        f"-artifact_prefix={artifacts}/",
        *libfuzzer_flags,
    ]
    print(f"fuzz {args.target}: {' '.join(flags)} corpus={corpus}", flush=True)
    atheris.Setup([sys.argv[0], *flags, str(corpus)], runner)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
