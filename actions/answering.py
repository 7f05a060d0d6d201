"""The answer ladder over knowledge search, aware of the topic the NLU predicted.

1. an approved answer that matches closely → verbatim, with its citations;
2. else the best clause(s) of the plan, quoted, with item, title, departments, next step;
3. else "did you mean" with the two closest items as buttons;
4. else an honest "不清楚" with the right hotline and an offer of a person.
Two unanswered turns in a row hand the conversation to a person.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.crisis import crisis_events, in_crisis
from actions.facts import FACTS
from actions.handoff import handoff_events
from actions.replies import (
    HANDOFF_BUTTON,
    JOURNEY_OF_ITEM,
    OFFERS,
    TOPICS,
    Topic,
    citations_payload,
    did_you_mean,
    evidence_payload,
    policy_answer,
    unknown_answer,
)
from knowledge.models import Hit
from knowledge.search import SearchResult

CONFIDENT_INTENT = 0.8  # an NLU topic this sure may rescue a borderline search
TOPIC_SWAP_MARGIN = 0.03  # prefer a hit of the predicted topic when it scores this close
CHOOSE_MIN_CONFIDENCE = 0.03  # below this search confidence, no "did you mean" either
UNANSWERED_LIMIT = 2
FOLLOW_UP_CHARS = 14  # "要带什么材料", "那找律师呢": short enough to lean on the last topic
FORM_OF_JOURNEY = {
    "wage_intake": "wage_intake_form",
    "school": "school_form",
    "housing": "housing_form",
    "legal_aid": "legal_aid_form",
}
TOPIC_BY_NAME = {topic.name: topic for topic in TOPICS.values()}
FOLLOW_UP_CUE = re.compile(r"[?？吗呢嘛么]|怎么|咋|如何|能不能|可不可以|哪|什么|啥|多少|多久|几|要不要|得")


@dataclass(frozen=True)
class Decision:
    kind: str  # answer | choose | unknown | empty
    hit: Hit | None = None
    choices: tuple[Hit, ...] = ()


def _matches(hit: Hit, topic: Topic | None) -> bool:
    return topic is not None and bool(set(hit.items) & topic.items)


def decide(result: SearchResult, topic: Topic | None, intent_confidence: float) -> Decision:
    if result.message or not result.hits:
        return Decision("empty")
    hits = result.hits
    best = hits[0]
    sure_topic = topic is not None and intent_confidence >= CONFIDENT_INTENT
    if sure_topic and not _matches(best, topic):
        for other in hits[1:]:
            if _matches(other, topic) and other.score >= best.score - TOPIC_SWAP_MARGIN:
                best = other
                break
    if result.in_scope:
        return Decision("answer", best)
    if sure_topic and _matches(best, topic) and result.confidence >= CHOOSE_MIN_CONFIDENCE:
        return Decision("answer", best)
    if result.confidence >= CHOOSE_MIN_CONFIDENCE and len(hits) >= 2:
        return Decision("choose", choices=tuple(hits[:2]))
    return Decision("unknown")


def question_text(tracker: Tracker) -> str:
    """The worker's words; a bare button press (/ask_public_housing) stands for its topic."""
    message = tracker.latest_message or {}
    text = str(message.get("text") or "")
    if text.startswith("/"):
        topic = TOPICS.get(str((message.get("intent") or {}).get("name")))
        return topic.example if topic else ""
    return text


def intent_of(tracker: Tracker) -> tuple[str | None, float]:
    intent = (tracker.latest_message or {}).get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def topic_of_hit(hit: Hit) -> Topic | None:
    return next((t for t in TOPICS.values() if hit.items and hit.items[0] in t.items), None)


def follow_up_topic(tracker: Tracker, text: str) -> Topic | None:
    """The last answer's topic, for a short follow-up that names no topic of its own ("要带什么材料").

    Search alone cannot tell: such a fragment scores about as well with every topic, and
    the classifiers then pick one with confidence. A word that names a topic can tell.
    """
    last = TOPIC_BY_NAME.get(str(tracker.get_slot("last_topic") or ""))
    if last is None or len(text) > FOLLOW_UP_CHARS or not FOLLOW_UP_CUE.search(text):
        return None  # "不知道", a bare number: not a question about the last answer
    return None if any(t.words and re.search(t.words, text) for t in TOPICS.values()) else last


def prefill(offer: str | None, text: str) -> list[dict[str, Any]]:
    """Facts of the question that the offered journey's form will not ask again."""
    read = FACTS.get(FORM_OF_JOURNEY.get(offer or "", ""))
    return [SlotSet(slot, value) for slot, value in read(text).items()] if read else []


async def search(text: str) -> SearchResult:
    searcher = services.current().searcher
    return await asyncio.to_thread(searcher.search, text, 3)


def offer_for(topic: Topic | None, hit: Hit) -> str | None:
    if topic and topic.journey and _matches(hit, topic):
        return topic.journey
    return next((JOURNEY_OF_ITEM[i] for i in hit.items if i in JOURNEY_OF_ITEM), None)


def send_answer(
    dispatcher: CollectingDispatcher, hit: Hit, offer: str | None, evidence: dict[str, Any] | None = None
) -> None:
    kb = services.current().searcher.kb
    text = policy_answer(kb, hit)
    buttons: list[dict[str, str]] = []
    if offer:
        question, payload = OFFERS[offer]
        text += f"\n{question}"
        buttons = [{"title": "好的", "payload": payload}, {"title": "不用了", "payload": "/deny"}]
    custom: dict[str, Any] = {"citations": citations_payload(hit)}
    if evidence:
        custom["evidence"] = evidence
    dispatcher.utter_message(text=text, buttons=buttons, json_message=custom)


async def answer(
    dispatcher: CollectingDispatcher, tracker: Tracker, *, allow_offer: bool = True
) -> list[dict[str, Any]]:
    """Run the ladder for the latest message; returns the events to apply."""
    text = question_text(tracker)
    if in_crisis(text):
        return [SlotSet("offered_journey", None), *crisis_events(dispatcher)]
    intent, confidence = intent_of(tracker)
    topic = TOPICS.get(intent or "")
    context = follow_up_topic(tracker, text)
    if context is not None:
        # "要带什么材料" after a school answer is asked about school.
        topic, confidence = context, max(confidence, CONFIDENT_INTENT)
        result = await search(f"{context.label}：{text}")
    else:
        result = await search(text)
    decision = decide(result, topic, confidence)
    evidence = evidence_payload(result, intent, confidence)
    unanswered = float(tracker.get_slot("unanswered_turns") or 0)
    events: list[dict[str, Any]] = []

    if decision.kind == "answer" and decision.hit:
        offer = offer_for(topic, decision.hit) if allow_offer else None
        send_answer(dispatcher, decision.hit, offer, evidence)
        answered = topic if topic and _matches(decision.hit, topic) else topic_of_hit(decision.hit)
        return [
            SlotSet("offered_journey", offer),
            SlotSet("unanswered_turns", 0.0),
            SlotSet("last_topic", answered.name if answered else None),
            SlotSet("last_question", text[:500]),
            *prefill(offer, text),
        ]
    if decision.kind == "choose":
        message, buttons = did_you_mean(list(decision.choices))
        dispatcher.utter_message(text=message, buttons=buttons, json_message={"evidence": evidence})
        return [SlotSet("offered_journey", None), SlotSet("last_question", text[:500])]
    if decision.kind == "empty":
        dispatcher.utter_message(text=result.message or "请用文字说一下您遇到了什么事。")
        return [SlotSet("offered_journey", None)]

    unanswered += 1
    events += [SlotSet("offered_journey", None), SlotSet("last_question", text[:500])]
    if unanswered >= UNANSWERED_LIMIT:
        dispatcher.utter_message(text="这个问题我还是答不上来，帮您找工作人员。")
        return events + handoff_events(dispatcher, "bot_could_not_answer")
    topic_contact = (result.out_of_scope_topic or {}).get("contact")
    dispatcher.utter_message(
        text=unknown_answer(topic_contact), buttons=[HANDOFF_BUTTON], json_message={"evidence": evidence}
    )
    return [*events, SlotSet("unanswered_turns", unanswered)]


async def answer_item(dispatcher: CollectingDispatcher, tracker: Tracker, item: int) -> list[dict[str, Any]]:
    """The worker chose item N from "did you mean": quote its clause that best fits their question."""
    question = str(tracker.get_slot("last_question") or "")
    searcher = services.current().searcher
    try:
        plan_item = searcher.kb.document.item(item)
    except KeyError:
        dispatcher.utter_message(text="没找到这一项，请再说一下您的问题。")
        return []
    result = await search(f"{plan_item.title} {question}".strip())
    hit = next((h for h in result.hits if item in h.items), None)
    if hit is None:
        deeper = await asyncio.to_thread(searcher.search, f"{plan_item.title} {question}", 20)
        hit = next((h for h in deeper.hits if item in h.items), None)
    if hit is None:
        dispatcher.utter_message(text="没找到这一项，请再说一下您的问题。")
        return []
    offer = next((JOURNEY_OF_ITEM[i] for i in hit.items if i in JOURNEY_OF_ITEM), None)
    send_answer(dispatcher, hit, offer)
    return [SlotSet("offered_journey", offer), SlotSet("unanswered_turns", 0.0)]
