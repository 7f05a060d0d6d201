"""The fuzz targets: their invariants on known nasty inputs (fast), and each target fuzzed (slow).

The slow tests run ``python -m tests.fuzz.run TARGET`` as a subprocess, as ``make fuzz`` would,
with a fixed seed and a run count that takes about half a minute per target here.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from api.channels.wechat import protocol as wechat
from api.conversations.turn import Inbound
from api.privacy import redact as pii
from tests.fuzz import run, targets
from tests.test_pii import make_card, make_id

ROOT = Path(__file__).resolve().parents[1]
# About 20-40 s each on the 2 shared cores (see the measured rates in the fuzzer's summary line).
RUNS = {"redactor": 25_000, "wechat_xml": 60_000, "json_body": 30_000}
FUZZ_TIMEOUT_S = 300

TARGETS: dict[str, targets.Target] = {name: targets.TARGETS[name] for name in RUNS}


# --- known nasty inputs ------------------------------------------------------------------------

_LAUGHS = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
BILLION_LAUGHS = (
    f'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY l0 "lol">{_LAUGHS}]>'
    "<xml><ToUserName>a</ToUserName><FromUserName>&l9;</FromUserName><MsgType>text</MsgType></xml>"
).encode()
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b"<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><MsgType>text</MsgType>"
    b"<Content>&xxe;</Content></xml>"
)
PARAMETER_ENTITY = b'<!DOCTYPE xml [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]><xml/>'
EXTERNAL_DTD = b'<!DOCTYPE xml SYSTEM "http://127.0.0.1:9/x.dtd"><xml><MsgType>text</MsgType></xml>'
INTERNAL_ENTITY = (
    b'<!DOCTYPE xml [<!ENTITY w "oWorker">]>'
    b"<xml><ToUserName>a</ToUserName><FromUserName>&w;</FromUserName><MsgType>text</MsgType></xml>"
)
DTD_DOCUMENTS = [BILLION_LAUGHS, EXTERNAL_ENTITY, PARAMETER_ENTITY, EXTERNAL_DTD, INTERNAL_ENTITY]

_ID = make_id()
_CARD = make_card("622202123456789")
NASTY: dict[str, bytes] = {
    "empty": b"",
    "2000 chars": ("工资被拖欠了怎么办" * 223)[:2000].encode(),
    "2000 chars of numbers": (f"我电话13812345678，卡号{_CARD}，身份证{_ID}。" * 60)[:2000].encode(),
    "2000 digits": b"1" * 2000,
    "emoji": "😀👷‍♂️🧱🏗️🇨🇳 👩🏽‍🔧".encode() * 20,
    "mixed scripts": "Зарплата 工资 أجر ｗａｇｅ १२३४५ ١٢٣٤٥ 138１２３4５６7８ 𝟏𝟑𝟖 ⑴⑵".encode(),
    "billion laughs": BILLION_LAUGHS,
    "external entity": EXTERNAL_ENTITY,
    "parameter entity": PARAMETER_ENTITY,
    "external DTD": EXTERNAL_DTD,
    "UTF-16 message": '<?xml version="1.0" encoding="UTF-16"?><xml><ToUserName>a</ToUserName></xml>'.encode("utf-16"),
    "deeply nested JSON array": b"[" * 30_000 + b"]" * 30_000,
    "deeply nested JSON object": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    "deeply nested JSON field": b'{"session_id": "web-session-0001", "text": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",
    "nested JSON field": b'{"session_id": "web-session-0001", "text": ' + b"[" * 500 + b"]" * 500 + b"}",
    "invalid UTF-8": b"\xff\xfe\xc0\xaf<xml>\xed\xa0\x80</xml>\x80" + b'{"text": "\xe5\xb7"}',
    "NUL bytes": b"\x00" * 64,
    "over the body limit": b'{"session_id": "web-session-0001", "text": "' + b"a" * 70_000 + b'"}',
}


@pytest.mark.parametrize("name", NASTY)
@pytest.mark.parametrize("target", TARGETS)
def test_nasty_inputs_keep_the_invariants(target: str, name: str) -> None:
    TARGETS[target](NASTY[name])


@pytest.mark.parametrize("target", TARGETS)
def test_the_starting_corpus_keeps_the_invariants(target: str) -> None:
    for seed in run.seeds(target):
        TARGETS[target](seed)


@pytest.mark.parametrize("document", DTD_DOCUMENTS)
def test_dtds_and_entities_are_refused_plain_and_sealed(document: bytes) -> None:
    assert targets.declares_dtd(document)  # the oracle sees what the parser must refuse
    with pytest.raises(wechat.Refused) as plain:
        wechat.parse_xml(document)
    assert plain.value.status == 400
    body, signature = targets.seal(document)
    with pytest.raises(wechat.Refused) as sealed:
        wechat.Envelope(targets.WECHAT_TOKEN, targets.WECHAT_AES_KEY, targets.WECHAT_APP_ID).open(
            body, signature, targets.TIMESTAMP, targets.NONCE
        )
    assert sealed.value.status == 400


def status_of(path: str, body: bytes) -> int:
    channels = targets.json_channels()
    status, _ = channels.loop.run_until_complete(targets.post_asgi(channels.app, path, body))
    return status


@pytest.mark.parametrize(
    "name, status",
    [
        ("deeply nested JSON array", 400),  # past the parser's recursion limit
        ("deeply nested JSON field", 400),
        ("nested JSON field", 422),
        ("invalid UTF-8", 400),
        ("emoji", 422),
        ("over the body limit", 413),
    ],
)
def test_json_rejections_are_the_documented_ones(name: str, status: int) -> None:
    assert status_of(targets.WEB_PATH, NASTY[name]) == status


def test_a_valid_sealed_message_opens_and_its_reply_round_trips() -> None:
    plain = run.seeds("wechat_xml")[1]  # a text whose content holds "]]>"
    body, signature = targets.seal(plain)
    envelope = wechat.Envelope(targets.WECHAT_TOKEN, targets.WECHAT_AES_KEY, targets.WECHAT_APP_ID)
    message = envelope.open(body, signature, targets.TIMESTAMP, targets.NONCE)
    assert message.content == "a ]]> inside"
    targets.check_reply(message)


def test_planted_numbers_are_in_their_written_forms() -> None:
    for data in [bytes(range(n, n + 64)) for n in range(0, 192, 16)]:
        text, planted, _ = targets.plant_numbers(data)
        for item in planted:
            assert targets.written_digits(text[item.start : item.end]).endswith(item.value)


# --- the checks can fail -----------------------------------------------------------------------


def test_a_redactor_that_leaks_is_caught() -> None:
    def unchanged(text: str, placeholder: object = None) -> tuple[str, list[pii.Found]]:
        return text, pii.find(text)

    with pytest.raises(AssertionError, match="redacted text is wrong"):
        targets.check_redaction("我电话13812345678", redact=unchanged)
    with pytest.raises(AssertionError):
        targets.check_planted(bytes(range(1, 64)), redact=targets.leaky_redact)


def test_a_finder_blind_to_full_width_digits_is_caught() -> None:
    def ascii_only(text: str) -> list[pii.Found]:
        return [f for f in pii.find(text) if text[f.start : f.end].isascii()]

    with pytest.raises(AssertionError, match="full-width"):
        targets.check_redaction("我电话13812345678", find=ascii_only)


MOBILE = pii.Found("mobile", 0, 11, "13812345678")


@pytest.mark.parametrize("shown", ["13812345678", "13812****678", "138****56789", "139****5678", "138-****-5678"])
def test_a_mask_that_shows_too_much_or_invents_digits_is_caught(shown: str) -> None:
    with pytest.raises(AssertionError):
        targets.check_mask(MOBILE, mask=lambda f: shown)


@pytest.mark.parametrize("shown", ["138****5678", "*******5678", "****"])
def test_a_mask_may_show_less(shown: str) -> None:
    targets.check_mask(MOBILE, mask=lambda f: shown)


def test_a_parser_that_expands_entities_is_caught() -> None:
    def unsafe(data: bytes | str) -> dict[str, str]:
        return {child.tag: (child.text or "").strip() for child in ElementTree.fromstring(data)}

    with pytest.raises(AssertionError, match="DTD"):
        targets.check_parse(INTERNAL_ENTITY, parse_xml=unsafe)


@pytest.mark.parametrize(
    "inbound",
    [
        Inbound(channel="web", sender="short", text="hi"),
        Inbound(channel="web", sender="web-session-0001", text="x" * 20_001),
        Inbound(channel="web", sender="web-session-0001", text="hi", payload="/affirm"),
    ],
)
def test_an_inbound_past_the_limits_is_caught(inbound: Inbound) -> None:
    body = {"session_id": inbound.sender, "text": inbound.text, "payload": inbound.payload}
    with pytest.raises(AssertionError):
        targets.check_web_inbound(inbound, body)


# --- what the fuzzer found: fixed, and kept as regressions -------------------------------------

FOUND = [
    # A valid card or mobile right after another number, a space apart, stayed in clear text.
    ("redactor", "卡号6222 0212 3456 7894 139 8765 4321号".encode()),
    ("redactor", "电话138 4747 0352 6818 9116 1638 3045号".encode()),
    # An unknown XML encoding was a 500 before the signature check.
    ("wechat_xml", b'<?xml version="1.0" encoding="UTF-9"?><xml/>'),
    # FastAPI's 422 echoed the input; a lone surrogate or 1e999 could not be rendered: a 500.
    ("json_body", b'{"session_id": "web-session-0001", "text": "\\ud800"}'),
    ("json_body", b'{"source": "hotline", "user_id": "u1", "text": 1e999}'),
    ("json_body", b'{"session_id": NaN}'),
]


@pytest.mark.parametrize(("target", "data"), FOUND)
def test_what_the_fuzzer_found_stays_fixed(target: str, data: bytes) -> None:
    TARGETS[target](data)


# --- fuzzing (slow) ----------------------------------------------------------------------------


def fuzz(target: str, runs: int, seed: int = 1) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    command = [sys.executable, "-m", "tests.fuzz.run", target, "--runs", str(runs), "--seed", str(seed)]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, errors="replace", timeout=FUZZ_TIMEOUT_S, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(run.SUMMARY_PREFIX)]
    assert lines, f"no summary line\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done, dict(re.findall(r"(\w+)=(\S+)", lines[-1]))


@pytest.mark.slow
@pytest.mark.parametrize("target", RUNS)
def test_fuzzing_finds_no_crash(target: str) -> None:
    done, summary = fuzz(target, RUNS[target])
    assert done.returncode == 0, f"exit {done.returncode}: {summary}\n{done.stdout[-2000:]}\n{done.stderr[-6000:]}"
    assert summary["crashes"] == "0", summary
    assert int(summary["runs"]) >= RUNS[target], summary


@pytest.mark.slow
def test_the_fuzzer_reports_and_keeps_a_crash() -> None:
    done, summary = fuzz("selftest_leaky_redactor", 2_000)
    assert done.returncode != 0 and summary["crashes"] == "1", summary
    crash = ROOT / summary["crash_input"]
    assert crash.is_file() and crash.parent == ROOT / ".cache" / "fuzz" / "selftest_leaky_redactor"
    with pytest.raises(AssertionError):
        targets.selftest_leaky_redactor(crash.read_bytes())
    assert "Uncaught Python exception" in done.stdout + done.stderr  # with the traceback
