"""Who may see a wage case's status: the conversation that filed it, or whoever also knows the
last four digits of its contact phone; failed attempts are limited (issue 14, item 3)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.check_case_status import ActionCheckCaseStatus
from actions.parsing import parse_case_number
from actions.validate_case_status import FILED_HERE, ValidateCaseStatusForm
from api.cases.lookups import MAX_FAILURES, case_key
from api.cases.store import CASE_ALPHABET, CaseStore, WageIntake, conversation_key, new_case_number
from api.privacy.vault import Cipher, PiiVault, placeholder
from knowledge.search import Searcher
from tests.support.databases import migrated

FILER = "widget:filer-session"
PHONE = "13912345678"
NOTE = "已联系用人单位，约好下周结清"


@pytest.fixture()
def store(tmp_path: Path) -> CaseStore:
    return CaseStore(migrated(f"sqlite:///{tmp_path / 'cases.db'}"))


@pytest.fixture()
def vault(tmp_path: Path) -> PiiVault:
    return PiiVault(migrated(f"sqlite:///{tmp_path / 'cases.db'}"), Cipher(Fernet.generate_key()))


@pytest.fixture(autouse=True)
def configured(standin_searcher: Searcher, store: CaseStore, vault: PiiVault) -> Iterator[None]:
    services.configure(services.Services(standin_searcher, store, "（测试）", vault))
    yield


def file_case(store: CaseStore, vault: PiiVault, phone: str = PHONE) -> str:
    intake = WageIntake(
        sector="工程建设",
        employer="恒泰小区三期工地",
        place="太原市小店区",
        period="去年3月到12月",
        amount_text="25000元",
        amount_yuan=25000,
        workers=12,
        evidence=["劳动合同"],
        contact_cipher=vault.cipher.encrypt(phone) if phone else "",
        contact_masked=f"{phone[:3]}****{phone[-4:]}" if phone else "",
        needs_review=[],
    )
    number = store.create(intake, FILER).case_number
    store.set_status(number, "processing", NOTE)
    return number


def tracker(sender: str, text: str = "", slots: dict[str, Any] | None = None, loop: str | None = None) -> Tracker:
    return Tracker(
        sender_id=sender,
        slots=dict(slots or {}),
        latest_message={"text": text, "intent": {"name": "inform", "confidence": 0.9}, "entities": []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": loop} if loop else {},
        latest_action_name="action_listen",
    )


def run(action: Action, state: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, state, {}))
    return events, dispatcher.messages


def slots_set(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def look_up(sender: str, number: str, tail: str | None) -> str:
    _, messages = run(ActionCheckCaseStatus(), tracker(sender, slots={"case_number": number, "case_phone_tail": tail}))
    assert len(messages) == 1
    return str(messages[0]["text"])


def test_new_case_numbers_have_eight_random_characters(store: CaseStore, vault: PiiVault) -> None:
    number = file_case(store, vault)
    prefix, date, suffix = number.split("-")
    assert prefix == "GY" and len(date) == 8 and len(suffix) == 8 and set(suffix) <= set(CASE_ALPHABET)
    # Typed sloppily, it is still found; the old four-character numbers are still read.
    sloppy = f"查案件 gy {date} {suffix[:4].lower()} {suffix[4:].lower()}"
    assert parse_case_number(sloppy) == number
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else "－" for c in number)
    assert parse_case_number(full_width) == number
    assert parse_case_number("编号是gy-20261128-k7q2") == "GY-20261128-K7Q2"


def test_the_number_alone_shows_another_conversation_nothing(store: CaseStore, vault: PiiVault) -> None:
    number = file_case(store, vault)
    answer = look_up("widget:someone-else", number, None)
    assert "处理中" not in answer and NOTE not in answer and "没有查到" in answer
    answer = look_up("widget:someone-else", number, "1234")
    assert "处理中" not in answer and NOTE not in answer


def test_wrong_digits_and_an_unknown_number_get_the_same_answer(store: CaseStore, vault: PiiVault) -> None:
    number = file_case(store, vault)
    wrong_digits = look_up("widget:guesser-1", number, "0000")
    unknown_number = look_up("widget:guesser-2", "GY-20261128-ABCDEFGH", "5678")
    assert wrong_digits == unknown_number


def test_the_filing_conversation_sees_its_case_at_once(store: CaseStore, vault: PiiVault) -> None:
    number = file_case(store, vault)
    events, _ = run(ValidateCaseStatusForm(), tracker(FILER, f"查案件 {number}", {"case_number": number}))
    assert slots_set(events)["case_phone_tail"] == FILED_HERE  # the form asks nothing more
    answer = look_up(FILER, number, FILED_HERE)
    assert "处理中" in answer and NOTE in answer


def test_another_conversation_is_asked_for_the_digits(store: CaseStore, vault: PiiVault) -> None:
    number = file_case(store, vault)
    events, _ = run(ValidateCaseStatusForm(), tracker("widget:family", f"查案件 {number}", {"case_number": number}))
    assert "case_phone_tail" not in slots_set(events)
    # The marker of the filing conversation opens nothing for anyone else.
    assert NOTE not in look_up("widget:family", number, FILED_HERE)


def test_the_right_last_four_digits_show_the_status(store: CaseStore, vault: PiiVault) -> None:
    number = file_case(store, vault)
    asked = {"case_number": number, "requested_slot": "case_phone_tail"}
    events, _ = run(ValidateCaseStatusForm(), tracker("widget:family", "尾号是 5 6 7 8", asked, "case_status_form"))
    assert slots_set(events)["case_phone_tail"] == "5678"
    answer = look_up("widget:family", number, "5678")
    assert "处理中" in answer and NOTE in answer


def test_a_whole_number_typed_arrives_as_a_placeholder_and_counts(store: CaseStore, vault: PiiVault) -> None:
    number = file_case(store, vault)
    token = vault.keep(conversation_key("widget:family"), "mobile", PHONE, "139****5678")
    assert NOTE in look_up("widget:family", number, placeholder(token))
    # The token is of no use to another conversation.
    assert NOTE not in look_up("widget:other", number, placeholder(token))


def test_a_case_without_a_phone_is_shown_only_to_its_conversation(store: CaseStore, vault: PiiVault) -> None:
    number = file_case(store, vault, phone="")
    assert NOTE not in look_up("widget:family", number, "5678")
    assert NOTE in look_up(FILER, number, FILED_HERE)


def test_failed_attempts_on_a_case_are_limited_across_conversations(store: CaseStore, vault: PiiVault) -> None:
    number = file_case(store, vault)
    for attempt in range(MAX_FAILURES):
        look_up(f"widget:guesser-{attempt}", number, f"{attempt:04d}")
    answer = look_up("widget:guesser-new", number, "5678")  # even the right digits now
    assert NOTE not in answer and "次数太多" in answer
    # The filing conversation is not locked out, and the pause ends after its hour.
    assert NOTE in look_up(FILER, number, FILED_HERE)
    later = datetime.now(UTC) + timedelta(hours=1, minutes=1)
    assert not store.lookups.blocked([case_key(number)], now=later)
    # Windows long past are deleted at the next failure.
    store.lookups.failed(["conversation:another"], now=later)
    with store.engine.connect() as connection:
        kept = [row[0] for row in connection.exec_driver_sql("SELECT key FROM case_lookup_failures")]
    assert kept == ["conversation:another"]


def test_lookups_at_the_same_moment_are_all_counted(store: CaseStore) -> None:
    # SQLite: a count reads, then writes; many conversations at once must neither fail nor lose a count.
    errors: list[BaseException] = []

    def guess(worker: int) -> None:
        try:
            for _ in range(10):
                store.lookups.failed([case_key("GY-20261128-ZZZZZZZZ"), f"conversation:w{worker}"])
        except BaseException as exc:  # any failure is the finding
            errors.append(exc)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with store.engine.connect() as connection:
        counted = connection.exec_driver_sql(
            "SELECT failures FROM case_lookup_failures WHERE key = 'case:GY-20261128-ZZZZZZZZ'"
        ).scalar()
    assert counted == 80


def test_failed_attempts_are_limited_per_conversation(store: CaseStore, vault: PiiVault) -> None:
    number = file_case(store, vault)
    for attempt in range(MAX_FAILURES):
        look_up("widget:scanner", f"GY-20261128-AAAA{attempt:04d}".replace("0", "B"), "5678")
    assert "次数太多" in look_up("widget:scanner", number, "5678")
    # An unknown number is locked out just like a real one: the pause tells nothing either.
    unknown = "GY-20261128-ZZZZZZZZ"
    for attempt in range(MAX_FAILURES):
        look_up(f"widget:g{attempt}", unknown, "1111")
    assert "次数太多" in look_up("widget:g-new", unknown, "1111")


def test_forgotten_digits_end_the_form_with_a_person_offered(store: CaseStore, vault: PiiVault) -> None:
    number = file_case(store, vault)
    asked = {"case_number": number, "requested_slot": "case_phone_tail"}
    events, messages = run(ValidateCaseStatusForm(), tracker("widget:family", "手机号忘了", asked, "case_status_form"))
    assert slots_set(events)["form_outcome"] == "stopped"
    assert messages[0]["buttons"][0]["payload"] == "/ask_human"


def test_a_case_number_carries_the_date_in_shanxi() -> None:
    # 20:30 UTC on 3 December is 04:30 on 4 December in Taiyuan, the day the worker filed it.
    evening_utc = datetime(2026, 12, 3, 20, 30, tzinfo=UTC)
    assert new_case_number(evening_utc).startswith("GY-20261204-")
    assert new_case_number(datetime(2026, 12, 3, 10, 0, tzinfo=UTC)).startswith("GY-20261203-")
