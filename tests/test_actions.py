"""Custom actions run on trackers, against the real knowledge search and a real SQLite store."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.answer_policy import ActionAnswerPolicy
from actions.check_case_status import ActionCheckCaseStatus
from actions.choose_item import ActionChooseItem
from actions.decline_offer import ActionDeclineOffer
from actions.handoff import ActionHandoff
from actions.housing_precheck import ActionHousingPrecheck
from actions.legal_aid_referral import ActionLegalAidReferral
from actions.school_checklist import ActionSchoolChecklist
from actions.submit_wage_case import ActionSubmitWageCase
from actions.validate_case_status import ValidateCaseStatusForm
from actions.validate_housing import ValidateHousingForm
from actions.validate_school import ValidateSchoolForm
from actions.validate_wage_intake import ValidateWageIntakeForm
from actions.wage_summary import ActionAskWageConfirmed
from api.cases.store import CaseStore, conversation_key
from api.privacy.vault import Cipher, PiiVault, placeholder
from knowledge.search import Searcher
from tests.support.databases import migrated

pytestmark = pytest.mark.slow

WAGE_SLOTS = {
    "wage_sector": "工程建设",
    "wage_employer": "恒泰小区三期工地",
    "wage_place": "太原市小店区",
    "wage_period": "去年3月到12月",
    "wage_amount": "25000元",
    "wage_workers": "12人",
    "wage_evidence": "劳动合同、工友证人",
    "wage_contact": "13912345678",
}


@pytest.fixture()
def store(tmp_path: Path) -> CaseStore:
    return CaseStore(migrated(f"sqlite:///{tmp_path / 'cases.db'}"))


@pytest.fixture()
def vault(tmp_path: Path) -> PiiVault:
    return PiiVault(migrated(f"sqlite:///{tmp_path / 'cases.db'}"), Cipher(Fernet.generate_key()))


@pytest.fixture(autouse=True)
def configured(searcher: Searcher, store: CaseStore, vault: PiiVault) -> Iterator[None]:
    services.configure(services.Services(searcher, store, "（测试）", vault))
    yield


def tracker(
    text: str = "",
    intent: str = "nlu_fallback",
    confidence: float = 0.9,
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    return Tracker(
        sender_id="test-worker",
        slots=dict(slots or {}),
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": entities or [],
        },
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def run(action: Action, state: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, state, {}))
    return events, dispatcher.messages


def loop_ended(events: list[dict[str, Any]]) -> bool:
    return any(e.get("event") == "active_loop" and e.get("name") is None for e in events)


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_wage_question_is_answered_with_item_3_and_the_intake_offered() -> None:
    events, messages = run(ActionAnswerPolicy(), tracker("老板欠我三个月工资不给怎么办", "ask_unpaid_wages"))
    text = messages[0]["text"]
    assert "第（三）项" in text and "12333" in text
    citations = messages[0]["custom"]["citations"]
    assert {c["item"] for c in citations} >= {3}
    assert all({"doc", "item", "title", "quote", "departments"} <= set(c) for c in citations)
    assert messages[0]["buttons"][0]["payload"] == "/start_wage_intake"
    assert slot_events(events)["offered_journey"] == "wage_intake"
    assert slot_events(events)["unanswered_turns"] == 0


@pytest.mark.parametrize(
    ("question", "intent", "item", "journey"),
    [
        ("请不起律师怎么打官司", "ask_legal_aid", 6, "legal_aid"),
        ("娃跟着俺在太原上学要准备啥", "ask_school_enrollment", 8, "school"),
        ("打工的能申请公租房不", "ask_public_housing", 9, "housing"),
        ("公司不给交社保咋办", "ask_social_insurance", 4, None),
    ],
)
def test_core_questions_cite_their_items(question: str, intent: str, item: int, journey: str | None) -> None:
    events, messages = run(ActionAnswerPolicy(), tracker(question, intent))
    assert item in [c["item"] for c in messages[0]["custom"]["citations"]]
    assert slot_events(events)["offered_journey"] == journey


def test_a_button_press_stands_for_its_topic() -> None:
    _, messages = run(ActionAnswerPolicy(), tracker("/ask_public_housing", "ask_public_housing", 1.0))
    assert 9 in [c["item"] for c in messages[0]["custom"]["citations"]]


def test_two_unanswered_turns_hand_over_to_a_person() -> None:
    events, messages = run(ActionAnswerPolicy(), tracker("明天太原下雨吗", "out_of_scope"))
    assert "没有写到" in messages[0]["text"] and messages[0]["buttons"][0]["payload"] == "/ask_human"
    assert slot_events(events)["unanswered_turns"] == 1
    events, messages = run(
        ActionAnswerPolicy(), tracker("红烧肉咋做好吃", "out_of_scope", slots={"unanswered_turns": 1.0})
    )
    assert slot_events(events)["handoff"] is True
    assert any("工作人员" in m["text"] for m in messages)


def test_empty_message_gets_a_clear_reply() -> None:
    events, messages = run(ActionAnswerPolicy(), tracker("😀😀", "nlu_fallback", 0.3))
    assert "文字" in messages[0]["text"]
    assert "unanswered_turns" not in slot_events(events)


def test_choose_item_quotes_that_item() -> None:
    _, messages = run(
        ActionChooseItem(), tracker("/choose_item", "choose_item", slots={"item": "10", "last_question": "户口咋办"})
    )
    assert messages[0]["custom"]["citations"][0]["item"] == 10


def test_handoff_marks_the_conversation() -> None:
    events, messages = run(ActionHandoff(), tracker("转人工", "ask_human", active_loop="wage_intake_form"))
    slots = slot_events(events)
    assert slots["handoff"] is True and slots["handoff_reason"] == "worker_asked"
    assert loop_ended(events)
    assert "工作人员" in messages[0]["text"] and "（测试）" in messages[0]["text"]


def form_state(slot: str, text: str, intent: str = "inform", confidence: float = 0.9, **slots: Any) -> Tracker:
    return tracker(text, intent, confidence, slots={"requested_slot": slot, **slots}, active_loop="wage_intake_form")


def test_wage_form_reads_values() -> None:
    events, _ = run(ValidateWageIntakeForm(), form_state("wage_amount", "一共欠了两万五"))
    assert slot_events(events)["wage_amount"] == "25000元"
    events, _ = run(ValidateWageIntakeForm(), form_state("wage_contact", "139 1234 5678"))
    assert slot_events(events)["wage_contact"] == "13912345678"


def test_the_adapters_phone_placeholder_fills_the_contact_with_its_token() -> None:
    state = form_state("wage_contact", "我电话[手机号]", "ask_human", 0.95)
    state.latest_message["metadata"] = {"pii": {"mobile": ["0a1b2c3d"]}}
    events, _ = run(ValidateWageIntakeForm(), state)
    # The answer asked for, not a call for a person, whatever the NLU guessed from "电话".
    assert slot_events(events)["wage_contact"] == "[手机号#0a1b2c3d]"


def test_a_question_mid_form_is_answered_and_the_slot_asked_again() -> None:
    events, messages = run(
        ValidateWageIntakeForm(), form_state("wage_employer", "孩子上学要带啥材料？", "ask_school_enrollment")
    )
    assert slot_events(events)["wage_employer"] is None
    assert 8 in [c["item"] for c in messages[0]["custom"]["citations"]]
    assert not messages[0].get("buttons")  # no new journey offered in the middle of a form


def test_stop_ends_the_form_politely() -> None:
    events, messages = run(ValidateWageIntakeForm(), form_state("wage_amount", "算了不填了", "stop"))
    assert loop_ended(events)
    assert slot_events(events)["form_outcome"] == "stopped"
    assert "不填了" in messages[0]["text"]


def test_bad_values_are_reasked_twice_then_a_person_is_offered() -> None:
    attempts: dict[str, int] = {}
    for round_number in (1, 2):
        events, messages = run(ValidateWageIntakeForm(), form_state("wage_amount", "嗯嗯", form_attempts=attempts))
        slots = slot_events(events)
        assert slots["wage_amount"] is None and "比如" in messages[0]["text"]
        attempts = slots["form_attempts"]
        assert attempts["wage_amount"] == round_number
    events, messages = run(ValidateWageIntakeForm(), form_state("wage_amount", "嗯嗯", form_attempts=attempts))
    assert slot_events(events)["wage_amount"] == "待核实"
    assert messages[0]["buttons"][0]["payload"] == "/ask_human"


def test_human_mid_form_hands_off() -> None:
    events, _ = run(ValidateWageIntakeForm(), form_state("wage_place", "我要找真人", "ask_human"))
    slots = slot_events(events)
    assert slots["handoff"] is True and slots["form_outcome"] == "handoff"


def test_summary_confirm_submit_and_look_up(store: CaseStore) -> None:
    _, messages = run(ActionAskWageConfirmed(), tracker("", slots=WAGE_SLOTS))
    assert "139****5678" in messages[0]["text"] and "13912345678" not in messages[0]["text"]
    assert [b["title"] for b in messages[0]["buttons"]] == ["确认提交", "重新填写", "不提交了"]

    submitted = {**WAGE_SLOTS, "wage_confirmed": "已确认"}
    events, messages = run(ActionSubmitWageCase(), tracker("确认提交", "affirm", slots=submitted))
    number = slot_events(events)["case_number"]
    assert number.startswith("GY-") and number in messages[0]["text"]
    assert {3, 6} <= {c["item"] for c in messages[0]["custom"]["citations"]}
    stored = store.get(number)
    assert stored is not None and stored.details["amount_yuan"] == 25000 and stored.details["workers"] == 12

    store.set_status(number, "processing", "已联系用人单位")
    events, messages = run(ActionCheckCaseStatus(), tracker(number, "check_case_status", slots={"case_number": number}))
    assert "处理中" in messages[0]["text"] and "已联系用人单位" in messages[0]["text"]


def test_a_case_keeps_the_phone_only_encrypted(store: CaseStore, vault: PiiVault) -> None:
    submitted = {**WAGE_SLOTS, "wage_confirmed": "已确认"}
    events, _ = run(ActionSubmitWageCase(), tracker("确认提交", "affirm", slots=submitted))
    number = slot_events(events)["case_number"]
    with store.engine.connect() as connection:
        dump = " ".join(str(v) for row in connection.exec_driver_sql("SELECT * FROM wage_cases") for v in row)
    assert "13912345678" not in dump and "139****5678" in dump
    case = store.get(number)
    assert case is not None and case.details["contact"] == "139****5678"
    assert store.ciphertext_contact(number) is not None
    assert vault.cipher.decrypt(store.ciphertext_contact(number) or "") == "13912345678"


def test_the_adapters_placeholder_brings_the_number_from_the_vault(store: CaseStore, vault: PiiVault) -> None:
    token = vault.keep(conversation_key("test-worker"), "mobile", "13700001111", "137****1111")
    slots = {**WAGE_SLOTS, "wage_contact": placeholder(token)}
    _, messages = run(ActionAskWageConfirmed(), tracker("", slots=slots))
    assert "137****1111" in messages[0]["text"]
    events, _ = run(ActionSubmitWageCase(), tracker("确认提交", "affirm", slots={**slots, "wage_confirmed": "已确认"}))
    number = slot_events(events)["case_number"]
    assert vault.cipher.decrypt(store.ciphertext_contact(number) or "") == "13700001111"
    # Another conversation cannot use the token.
    assert vault.masked(token, conversation_key("someone-else")) is None


def test_contacts_and_unclaimed_numbers_are_deleted_after_their_time(store: CaseStore, vault: PiiVault) -> None:
    submitted = {**WAGE_SLOTS, "wage_confirmed": "已确认"}
    events, _ = run(ActionSubmitWageCase(), tracker("确认提交", "affirm", slots=submitted))
    number = slot_events(events)["case_number"]
    vault.keep("c", "mobile", "13700001111", "137****1111")
    later = datetime.now(UTC) + timedelta(days=31)
    assert store.purge_contacts(retention_days=30, now=later) == 1
    assert store.ciphertext_contact(number) is None
    case = store.get(number)
    assert case is not None and case.details["amount_yuan"] == 25000  # the case itself stays
    assert vault.purge(now=later) == 1


def test_nothing_is_submitted_without_a_confirmed_summary(store: CaseStore) -> None:
    events, messages = run(ActionSubmitWageCase(), tracker("是", "affirm", slots=WAGE_SLOTS))
    assert messages == [] and "case_number" not in slot_events(events)


def test_unknown_case_number() -> None:
    _, messages = run(ActionCheckCaseStatus(), tracker("", slots={"case_number": "GY-20200101-AAAA"}))
    assert "没有查到" in messages[0]["text"]
    events, _ = run(ValidateCaseStatusForm(), form_state("case_number", "编号是gy-20261128-k7q2"))
    assert slot_events(events)["case_number"] == "GY-20261128-K7Q2"


def test_school_checklist_cites_item_8() -> None:
    events, _ = run(ValidateSchoolForm(), form_state("has_residence_permit", "还没办呢"))
    assert slot_events(events)["has_residence_permit"] == "没有"
    slots = {
        "child_grade": "小学",
        "family_city": "晋中市榆次区",
        "has_residence_permit": "没有",
        "hukou_place": "吕梁临县",
    }
    _, messages = run(ActionSchoolChecklist(), tracker("", slots=slots))
    assert "居住证" in messages[0]["text"] and "第（八）项" in messages[0]["text"]
    assert {c["item"] for c in messages[0]["custom"]["citations"]} == {8}


def test_housing_precheck_cites_item_9() -> None:
    slots = {"housing_city": "太原", "stable_job": "有", "has_residence_permit": "有", "household": "一家三口"}
    _, messages = run(ActionHousingPrecheck(), tracker("", slots=slots))
    assert "宿舍型公租房" in messages[0]["text"] and "租赁补贴" in messages[0]["text"]
    assert {c["item"] for c in messages[0]["custom"]["citations"]} == {9}


def test_legal_aid_referral_for_wages_cites_items_3_and_6() -> None:
    _, messages = run(
        ActionLegalAidReferral(), tracker("", slots={"dispute_type": "欠工资", "can_afford_lawyer": "请不起"})
    )
    assert "12348" in messages[0]["text"] and "仲裁" in messages[0]["text"]
    assert {c["item"] for c in messages[0]["custom"]["citations"]} == {3, 6}


def test_closing_actions_stay_quiet_after_a_stop() -> None:
    for action in (ActionSubmitWageCase(), ActionSchoolChecklist(), ActionHousingPrecheck(), ActionLegalAidReferral()):
        _, messages = run(action, tracker("", slots={"form_outcome": "stopped"}))
        assert messages == []


def test_one_answer_fills_every_slot_it_names() -> None:
    events, messages = run(
        ValidateWageIntakeForm(),
        form_state("wage_employer", "太原市小店区的一个小区工地，老板叫王建军", wage_sector="工程建设"),
    )
    slots = slot_events(events)
    assert slots["wage_employer"] == "小区工地，老板叫王建军"
    assert slots["wage_place"] == "太原市小店区"  # not asked again
    assert [m["text"] for m in messages] == ["好的，记下了——干活地点：太原市小店区。"]


def test_a_fact_for_another_slot_is_kept_and_the_question_stands() -> None:
    events, messages = run(ValidateWageIntakeForm(), form_state("wage_place", "我们一共9个人"))
    slots = slot_events(events)
    assert slots["wage_workers"] == "9人" and slots["wage_place"] is None
    # No "没太看明白": the fact is acknowledged and the form simply asks for the place again.
    assert [m["text"] for m in messages] == ["好的，记下了——被欠人数：9人。"]


def test_a_correction_mid_form_changes_the_slot_and_says_so() -> None:
    events, messages = run(
        ValidateWageIntakeForm(), form_state("wage_evidence", "不是8个人，是10个", wage_workers="8人")
    )
    slots = slot_events(events)
    assert slots["wage_workers"] == "10人" and slots["wage_evidence"] is None
    assert "被欠人数：10人" in messages[0]["text"]


def confirm_state(text: str, intent: str = "inform", confidence: float = 0.9) -> Tracker:
    return form_state("wage_confirmed", text, intent, confidence, **WAGE_SLOTS)


def test_the_summary_is_corrected_and_shown_again() -> None:
    events, messages = run(ValidateWageIntakeForm(), confirm_state("地点说错了，是大同市平城区", "deny"))
    slots = slot_events(events)
    assert slots["wage_place"] == "大同市平城区"
    assert slots["wage_confirmed"] is None  # the form reads the summary back again
    assert "干活地点：大同市平城区" in messages[0]["text"]
    assert not loop_ended(events)


@pytest.mark.parametrize(("text", "intent"), [("/affirm", "affirm"), ("要", "affirm"), ("确认提交", "affirm")])
def test_the_summary_is_confirmed(text: str, intent: str) -> None:
    events, _ = run(ValidateWageIntakeForm(), confirm_state(text, intent, 1.0))
    assert slot_events(events)["wage_confirmed"] == "已确认"


@pytest.mark.parametrize("text", ["对，提交", "嗯 没问题 提交吧", "好的，确认"])
def test_the_summary_is_confirmed_in_several_words_whatever_the_nlu_thought(text: str) -> None:
    # "对，提交" typed at the summary got "没太看明白" and the summary again, round and round.
    events, _ = run(ValidateWageIntakeForm(), confirm_state(text, "inform", 0.4))
    assert slot_events(events)["wage_confirmed"] == "已确认"


def test_at_the_summary_start_over_stop_and_unclear() -> None:
    events, messages = run(ValidateWageIntakeForm(), confirm_state("重新填写"))
    slots = slot_events(events)
    assert all(slots[slot] is None for slot in WAGE_SLOTS) and "重新填" in messages[0]["text"]

    events, _ = run(ValidateWageIntakeForm(), confirm_state("/stop", "stop", 1.0))
    assert loop_ended(events) and slot_events(events)["form_outcome"] == "stopped"

    events, messages = run(ValidateWageIntakeForm(), confirm_state("不对", "deny", 1.0))
    assert slot_events(events)["wage_confirmed"] is None and "哪一项要改" in messages[0]["text"]


def test_what_the_question_said_fills_the_offered_form() -> None:
    story = "我在太原市小店区的工地干活，包工头欠了我们8个人去年10月到今年1月的工资，一共两万五"
    events, _ = run(ActionAnswerPolicy(), tracker(story, "ask_unpaid_wages"))
    slots = slot_events(events)
    assert slots["offered_journey"] == "wage_intake"
    assert slots["wage_place"] == "太原市小店区" and slots["wage_amount"] == "25000元"
    assert slots["wage_workers"] == "8人" and slots["wage_period"] == "去年10月到今年1月"
    # When the form starts, what is known is told back and kept.
    known = {s: v for s, v in slots.items() if s.startswith("wage_")}
    events, messages = run(ValidateWageIntakeForm(), tracker("要", "affirm", 1.0, slots=known))
    assert {s: v for s, v in slot_events(events).items() if s.startswith("wage_")} == known
    assert "太原市小店区" in messages[0]["text"] and "记下了" in messages[0]["text"]


def test_a_short_follow_up_is_answered_within_the_last_topic() -> None:
    # Alone, "what do I bring" reads as the school checklist; after a housing answer it is about housing.
    def items(slots: dict[str, Any]) -> list[int]:
        _, messages = run(ActionAnswerPolicy(), tracker("要带什么材料", "nlu_fallback", 0.3, slots=slots))
        return [c["item"] for c in messages[0]["custom"]["citations"]]

    assert items({}) == [8]
    assert items({"last_topic": "public_housing"}) == [9]


def test_a_second_unanswerable_question_mid_form_hands_over_and_ends_the_form() -> None:
    state = form_state("wage_amount", "明天太原下雨吗？", "out_of_scope", unanswered_turns=1.0)
    events, messages = run(ValidateWageIntakeForm(), state)
    slots = slot_events(events)
    assert slots["handoff"] is True and slots["form_outcome"] == "handoff"
    assert loop_ended(events) and any("工作人员" in m["text"] for m in messages)


def test_every_form_starts_with_what_the_question_said() -> None:
    """Forms without a confirmation step too (this once crashed the school form at its start)."""
    state = tracker("中", "affirm", 1.0, slots={"family_city": "太原"}, active_loop="school_form")
    events, messages = run(ValidateSchoolForm(), state)
    assert slot_events(events)["family_city"] == "太原"
    assert "太原" in messages[0]["text"]


def test_declining_an_offer_withdraws_it() -> None:
    events, messages = run(
        ActionDeclineOffer(), tracker("不用了", "deny", 1.0, slots={"offered_journey": "wage_intake"})
    )
    assert slot_events(events) == {"offered_journey": None}
    assert "别的问题" in messages[0]["text"]
    _, messages = run(ActionDeclineOffer(), tracker("算了", "stop", 1.0))
    assert "不办了" in messages[0]["text"]


def test_a_stale_button_mid_form_is_no_answer() -> None:
    events, messages = run(ValidateWageIntakeForm(), form_state("wage_employer", "/deny", "deny", 1.0))
    assert slot_events(events) == {"wage_employer": None}
    assert "按钮" in messages[0]["text"]
    events, messages = run(
        ValidateWageIntakeForm(), form_state("wage_employer", "/ask_public_housing", "ask_public_housing", 1.0)
    )
    assert slot_events(events)["wage_employer"] is None
    assert 9 in [c["item"] for c in messages[0]["custom"]["citations"]]


def test_a_question_that_names_a_value_is_answered_not_taken() -> None:
    events, messages = run(
        ValidateWageIntakeForm(), form_state("wage_evidence", "老板不签劳动合同怎么办", "ask_labor_contract", 0.95)
    )
    assert slot_events(events)["wage_evidence"] is None
    assert 5 in [c["item"] for c in messages[0]["custom"]["citations"]]


@pytest.mark.parametrize("words", ["要不到工钱俺就不想活了", "老板再不给钱我就弄死他"])
def test_a_worker_in_danger_gets_the_emergency_numbers_and_a_person(words: str) -> None:
    events, messages = run(ActionAnswerPolicy(), tracker(words, "ask_unpaid_wages"))
    assert "110" in messages[0]["text"] and "12356" in messages[0]["text"]
    assert slot_events(events)["handoff_reason"] == "crisis"
    events, messages = run(ValidateWageIntakeForm(), form_state("wage_amount", words))
    assert loop_ended(events) and slot_events(events)["handoff_reason"] == "crisis"


def test_a_correction_at_a_yes_no_question_is_no_answer_to_it() -> None:
    state = tracker(
        "不对，是长治",
        "deny",
        0.9,
        slots={"requested_slot": "stable_job", "housing_city": "太原"},
        active_loop="housing_form",
    )
    events, messages = run(ValidateHousingForm(), state)
    slots = slot_events(events)
    assert slots["housing_city"] == "长治" and slots["stable_job"] is None
    assert "城市：长治" in messages[0]["text"]


def test_small_talk_mid_form_is_answered_and_not_kept() -> None:
    events, messages = run(ValidateWageIntakeForm(), form_state("wage_employer", "你是机器人吗", "chitchat", 0.95))
    assert slot_events(events) == {"wage_employer": None}
    assert messages[0]["response"] == "utter_chitchat"  # Rasa says it from the domain


def test_start_over_and_one_step_back() -> None:
    events, messages = run(ValidateWageIntakeForm(), form_state("wage_amount", "重新填", "inform", 0.9, **WAGE_SLOTS))
    assert all(value is None for name, value in slot_events(events).items() if name.startswith("wage_"))
    assert "重新填" in messages[0]["text"] and not loop_ended(events)
    events, _ = run(ValidateWageIntakeForm(), form_state("wage_amount", "上一步", wage_period="去年"))
    # Both cleared: Rasa had already put the words "上一步" into the slot asked.
    assert slot_events(events) == {"wage_period": None, "wage_amount": None}


def test_a_forgotten_case_number_ends_the_lookup_with_help() -> None:
    state = tracker("编号忘了", "inform", 0.9, slots={"requested_slot": "case_number"}, active_loop="case_status_form")
    events, messages = run(ValidateCaseStatusForm(), state)
    assert loop_ended(events) and slot_events(events)["form_outcome"] == "stopped"
    assert messages[0]["buttons"][0]["payload"] == "/ask_human"
