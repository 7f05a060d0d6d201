"""What every form does with a worker's reply, whatever the form.

- "算了 / 不填了" stops the form politely; "转人工" hands it to a person.
- A question asked mid-form is answered from the plan, then the form asks again.
- A value is read by the slot's parser; an unreadable one is explained and re-asked
  at most twice; the third time it is kept as "待核实" and a person is offered, so
  the worker is never stuck.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answering import answer, intent_of
from actions.handoff import handoff_events
from actions.pii_vault import with_tokens
from actions.replies import HANDOFF_BUTTON, TOPICS

MAX_REASKS = 2
UNREADABLE = "待核实"
STOP_WORDS = re.compile(r"^(算了|不填了|不办了|不弄了|取消|退出|不想填了|不要了|停|别问了|不登记了|先不)")
HUMAN_WORDS = re.compile(r"转人工|人工客服|找真人|找人工|真人|工作人员")
QUESTION_MARKS = re.compile(r"[?？]|吗$|怎么|咋|啥时候|能不能|可不可以|有没有.+吗")
QUESTION_INTENTS = frozenset(TOPICS) | {"check_case_status", "ask_capabilities", "out_of_scope"}
SURE = 0.6


@dataclass(frozen=True)
class SlotRule:
    parse: Callable[[str], Any]  # the value to store, or None when unreadable
    explain: str  # why it was not understood, and an example
    lenient: bool = False  # free text: check for a question before accepting


class FormValidator(FormValidationAction, ABC):
    """Subclasses name the form and give a SlotRule per slot."""

    form: str = ""

    @property
    @abstractmethod
    def rules(self) -> dict[str, SlotRule]: ...

    def name(self) -> str:
        return f"validate_{self.form}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        requested = tracker.get_slot("requested_slot")
        if requested not in self.rules:
            # The form is starting: nothing asked yet; the offer that started it is spent.
            return [SlotSet("offered_journey", None)]
        latest = tracker.latest_message or {}
        text = with_tokens(str(latest.get("text") or "").strip(), latest.get("metadata"))
        intent, confidence = intent_of(tracker)
        rule = self.rules[requested]

        if STOP_WORDS.search(text) or (intent == "stop" and confidence >= SURE):
            dispatcher.utter_message(text="好的，先不填了。已经填的不会提交。需要的时候说一声，我们从头再来。")
            return self._end("stopped")
        value = None if rule.lenient else rule.parse(text)
        # Words asking for a person always count; the NLU's guess only when the answer is unreadable
        # ("我电话[手机号]" may look like a call for a person, and is the answer asked for).
        if HUMAN_WORDS.search(text) or (value is None and intent == "ask_human" and confidence >= SURE):
            return self._end("handoff") + handoff_events(dispatcher, f"asked_during_{self.form}")

        if value is None and self._is_question(text, intent, confidence):
            events = await answer(dispatcher, tracker, allow_offer=False)
            kept = [e for e in events if e.get("name") in {"unanswered_turns", "last_question"}]
            return [*kept, SlotSet(requested, None)]
        if value is None and rule.lenient:
            value = rule.parse(text)
        attempts = dict(tracker.get_slot("form_attempts") or {})
        if value is not None:
            attempts.pop(requested, None)
            return [SlotSet(requested, value), SlotSet("form_attempts", attempts)]

        attempts[requested] = attempts.get(requested, 0) + 1
        if attempts[requested] <= MAX_REASKS:
            dispatcher.utter_message(text=f"没太看明白。{rule.explain}")
            return [SlotSet(requested, None), SlotSet("form_attempts", attempts)]
        dispatcher.utter_message(
            text="这一项我一直没弄明白，先记为“待核实”，工作人员会跟您确认。也可以随时说“转人工”。",
            buttons=[HANDOFF_BUTTON],
        )
        attempts.pop(requested, None)
        return [SlotSet(requested, UNREADABLE), SlotSet("form_attempts", attempts)]

    @staticmethod
    def _is_question(text: str, intent: str | None, confidence: float) -> bool:
        """A question needs the words of one: an answer such as “恒泰小区工地” may well be
        classified as a wage topic, and must still be taken as the answer."""
        asks = bool(QUESTION_MARKS.search(text)) and len(text) > 4
        return asks and (intent in QUESTION_INTENTS or confidence < SURE or intent == "nlu_fallback")

    def _end(self, outcome: str) -> list[dict[str, Any]]:
        cleared = [SlotSet(slot, None) for slot in self.rules]
        return [
            *cleared,
            SlotSet("form_outcome", outcome),
            SlotSet("form_attempts", None),
            SlotSet("requested_slot", None),
            ActiveLoop(None),
        ]


def free_text(max_chars: int) -> Callable[[str], str | None]:
    """A reader for names and places said in the worker's own words."""

    def read(text: str) -> str | None:
        text = text.strip()
        return text[:max_chars] if len(text) >= 2 else None

    return read


def form_done(tracker: Tracker) -> bool:
    """True when the form ended because every slot was filled (not stopped, not handed off)."""
    return tracker.get_slot("form_outcome") not in {"stopped", "handoff"}
