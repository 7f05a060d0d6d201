"""End to end: the real Rasa server with the trained model, the real actions in the api.

Covers the acceptance of the conversation issue: the wage question answered from item
3 with the intake offered, an intake completed to a case number and looked up, the
four core questions with their cited items, and the contract between Rasa 3.6.21 and
the rasa-sdk 3.21 actions (events accepted into the tracker, custom payloads delivered).
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import httpx
import pytest

from api.conversations.rasa_auth import mint
from api.conversations.rasa_client import REST_PATH
from api.conversations.turn import Inbound
from tests.support.system import System

pytestmark = pytest.mark.slow


def sender() -> str:
    return f"worker-{uuid.uuid4().hex[:8]}"


def tracker(system: System, who: str) -> dict[str, Any]:
    response = httpx.get(f"{system.rasa}/conversations/{who}/tracker", headers=system.auth())
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data


def test_wage_question_cites_item_3_and_offers_the_intake(system: System) -> None:
    who = sender()
    replies = system.say(who, "老板欠我三个月工资不给怎么办")
    text = system.text(replies)
    assert "第（三）项" in text and "坚决保障农民工工资支付" in text
    assert 3 in [c["item"] for c in system.citations(replies)]
    buttons = [b["payload"] for r in replies for b in r.get("buttons", [])]
    assert "/start_wage_intake" in buttons

    # The contract: Rasa ran our action and kept the events it returned.
    state = tracker(system, who)
    assert state["slots"]["offered_journey"] == "wage_intake"
    assert any(e.get("event") == "action" and e.get("name") == "action_answer_policy" for e in state["events"])


@pytest.mark.parametrize(
    ("question", "item"),
    [
        ("请不起律师，想告老板咋办", 6),
        ("娃想跟着俺在太原念小学，要准备啥", 8),
        ("俺们打工的能申请公租房不", 9),
        ("包工头欠了俺们半年工钱", 3),
    ],
)
def test_core_questions(system: System, question: str, item: int) -> None:
    replies = system.say(sender(), question)
    assert item in [c["item"] for c in system.citations(replies)], system.text(replies)


def test_wage_intake_to_a_case_number_and_its_status(system: System) -> None:
    who = sender()
    system.say(who, "老板欠我工钱不给")
    assert "第1步" in system.text(system.say(who, "好的"))
    for answer, expect in [
        ("工地", "第2步"),
        ("恒泰小区三期工地", "第3步"),
        ("太原市小店区", "第4步"),
        ("去年3月到12月", "第5步"),
        ("孩子上学要带啥材料？", "第5步"),  # a question mid-form: answered, then asked again
        ("一共欠了两万五", "第6步"),
        ("12个人", "第7步"),
        ("有合同和微信聊天记录", "第8步"),
    ]:
        replies = system.say(who, answer)
        assert expect in system.text(replies), (answer, system.text(replies))
    summary = system.text(system.say(who, "13912345678"))
    assert "25000元" in summary and "139****5678" in summary
    done = system.say(who, "/affirm")
    match = re.search(r"GY-\d{8}-[A-Z0-9]{8}\b", system.text(done))
    assert match, system.text(done)
    number = match.group()
    assert {3, 6} <= {c["item"] for c in system.citations(done)}

    # The conversation that filed it sees the status at once.
    status = system.text(system.say(who, f"查一下案件 {number} 的进度"))
    assert number in status and "已受理" in status


def file_a_case(system: System) -> re.Match[str]:
    """A wage case filed through the form, with 13912345678 as its phone; its number."""
    who = sender()
    system.say(who, "/start_wage_intake")
    answers = ["工地", "恒泰小区三期工地", "太原市小店区", "去年3月到12月", "两万五", "12个人", "有合同", "13912345678"]
    for answer in answers:
        system.say(who, answer)
    number = re.search(r"GY-\d{8}-[A-Z0-9]{8}\b", system.text(system.say(who, "/affirm")))
    assert number
    return number


def test_a_mistyped_phone_tail_can_be_typed_again(system: System) -> None:
    # Four digits after a failed try went to the NLU as a question of their own, and twice
    # meant a handoff (found by the reviewer).
    number = file_a_case(system)
    other = sender()
    assert "后四位" in system.text(system.say(other, f"查案件 {number.group()}"))
    again = system.text(system.say(other, "1234"))
    assert "没有查到" in again and "后四位" in again
    shown = system.text(system.say(other, "5678"))
    assert number.group() in shown and "已受理" in shown


def test_a_case_number_alone_shows_another_conversation_nothing(system: System) -> None:
    number = file_a_case(system)
    sloppy = number.group().lower().replace("-", " ")

    # Someone else with the number is asked for the phone's last four digits; wrong ones show nothing,
    # and read the same as a number that does not exist.
    other = sender()
    asked = system.text(system.say(other, f"查案件 {sloppy}"))
    assert "后四位" in asked and "已受理" not in asked
    wrong = system.text(system.say(other, "1234"))
    assert "已受理" not in wrong and "没有查到" in wrong
    system.say(other, "查案件 GY-20200101-ABCDEFGH")
    assert system.text(system.say(other, "5678")) == wrong
    # A question at that step is answered, and the step asked again; 不知道 offers a person.
    system.say(other, f"查案件 {number.group()}")
    detour = system.say(other, "公租房怎么申请？")
    assert 9 in [c["item"] for c in system.citations(detour)] and "后四位" in system.text(detour)
    forgot = system.say(other, "不知道")
    assert "转人工" in system.text(forgot) and "已受理" not in system.text(forgot)
    # The right digits, typed with other words, show it.
    system.say(other, f"查案件 {number.group()}")
    shown = system.text(system.say(other, "尾号是5678"))
    assert number.group() in shown and "已受理" in shown


def test_stop_mid_form(system: System) -> None:
    who = sender()
    system.say(who, "/start_wage_intake")
    system.say(who, "工地")
    assert "不填了" in system.text(system.say(who, "算了不填了"))
    assert tracker(system, who)["active_loop"] in ({}, None, {"name": None})


def test_ask_for_a_person_marks_the_conversation(system: System) -> None:
    who = sender()
    replies = system.say(who, "我要找人工客服")
    assert "工作人员" in system.text(replies)
    assert tracker(system, who)["slots"]["handoff"] is True


def test_greeting_and_out_of_scope(system: System) -> None:
    assert "工友助手" in system.text(system.say(sender(), "你好"))
    text = system.text(system.say(sender(), "离婚了孩子归谁"))
    assert "没有写到" in text


def test_the_action_endpoint_refuses_a_wrong_token(system: System) -> None:
    response = httpx.post(f"{system.api}/webhook", params={"token": "wrong"}, json={"next_action": "action_handoff"})
    assert response.status_code == 401


def parse(system: System, text: str) -> dict[str, Any]:
    response = httpx.post(f"{system.rasa}/model/parse", headers=system.auth(), json={"text": text})
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data


def test_pinyin_and_typos_reach_the_right_intent(system: System) -> None:
    """The KnowledgeIntentClassifier asks knowledge search, which reads pinyin and typos."""
    assert parse(system, "gongzi tuoqian zenmeban")["intent"]["name"] == "ask_unpaid_wages"
    assert parse(system, "公组房咋申请")["intent"]["name"] == "ask_public_housing"
    assert parse(system, "你好")["intent"]["name"] == "greet"  # conversational intents stay DIET's


def test_a_question_that_starts_with_yes_is_answered_and_a_plain_yes_stays_yes(system: System) -> None:
    """DIET learned "好的" from short replies; a longer message that asks something gets its topic."""
    assert parse(system, "好的好的 那工伤的事呢")["intent"]["name"] == "ask_social_insurance"
    assert parse(system, "可以 那培训呢")["intent"]["name"] == "ask_training"
    for reply in ("好的", "是的没问题", "嗯嗯好的"):
        assert parse(system, reply)["intent"]["name"] == "affirm", reply


def test_entities_the_forms_need(system: System) -> None:
    entities = parse(system, "俺在太原干了三个月，老板欠俺三万块")["entities"]
    found = {e["entity"]: e["value"] for e in entities}
    assert found.get("duration") == "三个月"
    assert found.get("amount") == "三万块"
    assert found.get("city") == "太原"


def test_rasa_answers_only_signed_requests(system: System) -> None:
    """Only the api, holding the JWT secret, can talk to Rasa: the channel and the HTTP API refuse the rest."""
    body = {"sender": sender(), "message": "你好"}
    signed_channel = f"{system.rasa}{REST_PATH}"
    forged = {"Authorization": f"Bearer {mint('not-the-secret-0123456789abcdef')}"}
    expired = {"Authorization": f"Bearer {mint(system.jwt_secret, now=time.time() - 3600)}"}
    for headers in ({}, forged, expired, {"Authorization": "Bearer not-a-jwt"}):
        assert httpx.post(signed_channel, json=body, headers=headers, timeout=30).status_code == 401
    assert httpx.post(f"{system.rasa}/webhooks/rest/webhook", json=body, timeout=30).status_code == 404
    assert httpx.get(f"{system.rasa}/conversations/{body['sender']}/tracker", timeout=30).status_code == 401
    assert httpx.get(f"{system.rasa}/conversations/{body['sender']}/tracker", headers=forged).status_code == 401
    assert httpx.post(signed_channel, json=body, headers=system.auth(), timeout=60).json()


# The four scenes of the conversation issue, typed as a worker types them, through the api's
# web channel (what the widget calls): every turn one to four replies, none repeated, no
# apology, and Rasa left listening.


def web_turn(system: System, session: str, text: str) -> list[dict[str, Any]]:
    response = httpx.post(f"{system.api}/api/web/messages", json={"session_id": session, "text": text}, timeout=60)
    response.raise_for_status()
    replies: list[dict[str, Any]] = response.json()["replies"]
    texts = [r["text"] for r in replies]
    assert 1 <= len(replies) <= 4 and all(texts), (text, texts)
    assert len(set(texts)) == len(texts), (text, texts)
    assert not any("暂时没有回应" in t for t in texts), (text, texts)
    return replies


def joined(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r["text"] for r in replies)


def rasa_sender(session: str) -> str:
    """The web channel's conversation id in Rasa."""
    return Inbound("web", session).conversation


def test_a_one_character_yes_starts_the_intake_and_nothing_loops(system: System) -> None:
    session = sender()
    assert "要登记吗" in joined(web_turn(system, session, "老板欠我工资"))
    assert "第1步" in joined(web_turn(system, session, "要"))
    assert "第2步" in joined(web_turn(system, session, "建筑"))
    events = tracker(system, rasa_sender(session))["events"]
    assert events[-1]["event"] == "action" and events[-1]["name"] == "action_listen"
    assert "不填了" in joined(web_turn(system, session, "算了"))
    assert 3 in [c["item"] for r in web_turn(system, session, "老板欠我工资") for c in r["citations"]]


def test_a_whole_story_is_not_asked_again(system: System) -> None:
    session = sender()
    web_turn(system, session, "我在太原市小店区的工地干活，包工头欠了我们8个人去年10月到今年1月的工资，一共两万五")
    started = joined(web_turn(system, session, "要"))
    assert "太原市小店区" in started and "25000元" in started
    assert "第2步" in started  # the employer: the one fact the story did not give
    asked = joined(web_turn(system, session, "恒泰小区三期工地，老板叫王建军"))
    assert "第7步" in asked  # straight to the evidence: place, period, amount and workers were said
    for step in ("第3步", "第4步", "第5步", "第6步"):
        assert step not in asked


def test_two_facts_in_one_answer_fill_two_slots(system: System) -> None:
    session = sender()
    web_turn(system, session, "我要登记欠薪")
    web_turn(system, session, "工地")
    asked = joined(web_turn(system, session, "太原市小店区的一个小区工地，老板叫王建军"))
    assert "第4步" in asked and "第3步" not in asked  # the place is not asked again


def test_the_summary_is_corrected_as_said(system: System) -> None:
    session = sender()
    for text in (
        "我要登记欠薪",
        "工地",
        "恒泰小区三期工地",
        "太原市小店区",
        "去年3月到12月",
        "两万五",
        "8个人",
        "没有",
    ):
        web_turn(system, session, text)
    assert "请核对" in joined(web_turn(system, session, "13912345678"))
    corrected = joined(web_turn(system, session, "地点说错了，是大同市平城区"))
    assert "已改为" in corrected and "干活地点：大同市平城区" in corrected and "请核对" in corrected
    corrected = joined(web_turn(system, session, "不是8个人，是10个"))
    assert "被欠人数：10人" in corrected
    done = joined(web_turn(system, session, "确认提交"))
    assert re.search(r"GY-\d{8}-[A-Z0-9]{8}\b", done), done
    # The summary's button pressed again after the case was filed: a sensible reply, nothing filed twice.
    stale = joined(web_turn(system, session, "/affirm"))
    assert "GY-" not in stale


def test_follow_ups_lean_on_the_last_topic(system: System) -> None:
    session = sender()
    web_turn(system, session, "农民工能申请公租房吗")
    web_turn(system, session, "不用了")
    assert 9 in [c["item"] for r in web_turn(system, session, "要带什么材料") for c in r["citations"]]
    assert 6 in [c["item"] for r in web_turn(system, session, "那找律师呢") for c in r["citations"]]
