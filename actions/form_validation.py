"""What every form does with a worker's reply, whatever the form.

- "算了 / 不填了 / 重新开始" stops the form politely; "转人工" hands it to a person.
- Every fact in the reply fills its slot, not only the one asked (actions/facts.py), and
  a correction ("不是8个人，是10个") changes the slot it names; only what is still
  missing is asked next.
- A question asked mid-form is answered from the plan, then the form asks again.
- A value is read by the slot's parser; an unreadable one is explained and re-asked
  at most twice; the third time it is kept as "待核实" and a person is offered, so
  the worker is never stuck.
- A form may end with a confirmation slot: its question reads the answers back, and the
  reply confirms, corrects any slot, starts over, or stops.
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
from actions.crisis import crisis_events, in_crisis
from actions.facts import FACTS, Facts, corrected_value, is_correction
from actions.handoff import handoff_events
from actions.replies import HANDOFF_BUTTON, TOPICS
from api.privacy.vault import with_tokens
from bot.components.short_replies import classify as short_reply

MAX_REASKS = 2
UNREADABLE = "待核实"
CONFIRMED = "已确认"
STOP_WORDS = re.compile(
    r"^(算了|不填了|不办了|不弄了|取消|退出|不想填了|不要了|停|别问了|不登记了|先不|重新开始|从头开始|重来|不提交)"
)
RESTART_WORDS = re.compile(r"重新填|重填|从头填|全部重来|都不对")
BACK_WORDS = re.compile(r"^(返回|上一步|上一个|上一题|退回|回到上一步|改上一个)[。.!！]*$")
STARTING_OVER = re.compile(r"重新开始|从头开始|从头再来|重来")
FORGOT = re.compile(r"忘了|不记得|记不得|记不清|找不到|不知道|没记")
# One confirmation, or several said together ("对，提交", "嗯 没问题 确认"): everyday yes words
# count only beside a word that confirms, so "好" alone stays the lexicon's to read.
_CONFIRM = r"(?:确认提交|确认无误|确认|提交|提交吧|可以提交|没问题|都对|没错)"
_YES = r"(?:对|对的|是|是的|好|好的|嗯|嗯嗯|行|可以|OK|ok)"
_BETWEEN = r"[\s。.!！,，、~～]*"
CONFIRM_WORDS = re.compile(rf"^(?:{_YES}{_BETWEEN})*{_CONFIRM}(?:{_BETWEEN}(?:{_YES}|{_CONFIRM}))*{_BETWEEN}$")
HUMAN_WORDS = re.compile(r"转人工|人工客服|找真人|找人工|真人|工作人员")
QUESTION_MARKS = re.compile(
    r"[?？]|吗$|呢$|怎么|咋|啥时候|能不能|可不可以|有没有.+吗|什么(?!都)|啥(?!都|也)|哪里|哪儿|哪个|多久|为啥|为什么"
)
# Small talk mid-form gets its usual reply, and the question is asked again.
SMALL_TALK = {
    "chitchat": "utter_chitchat",
    "thank": "utter_thank",
    "ask_capabilities": "utter_capabilities",
    "greet": "utter_greet_in_form",
}
SMALL_TALK_SURE = 0.8
QUESTION_INTENTS = frozenset(TOPICS) | {"check_case_status", "ask_capabilities", "out_of_scope"}
SURE = 0.6


@dataclass(frozen=True)
class SlotRule:
    parse: Callable[[str], Any]  # the value to store, or None when unreadable
    explain: str  # why it was not understood, and an example
    lenient: bool = False  # free text: check for a question before accepting
    label: str = ""  # how the slot is named to the worker (已改为：人数 10人)
    give_up: str = ""  # no "待核实" for this slot: after the re-asks, or "忘了", end the form with this


class FormValidator(FormValidationAction, ABC):
    """Subclasses name the form and give a SlotRule per slot."""

    form: str = ""
    confirm_slot: str | None = None  # a last slot whose question reads the answers back

    @property
    @abstractmethod
    def rules(self) -> dict[str, SlotRule]: ...

    def name(self) -> str:
        return f"validate_{self.form}"

    def read_facts(self, text: str) -> Facts:
        read = FACTS.get(self.form)
        return {s: v for s, v in read(text).items() if s in self.rules} if read else {}

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        requested = tracker.get_slot("requested_slot")
        if requested is None or (requested not in self.rules and requested != self.confirm_slot):
            return self._start(dispatcher, tracker)
        latest = tracker.latest_message or {}
        text = with_tokens(str(latest.get("text") or "").strip(), latest.get("metadata"))
        intent, confidence = intent_of(tracker)
        facts = self.read_facts(text)
        readers = {slot: rule.parse for slot, rule in self.rules.items()}
        corrected = corrected_value(text, readers, self.read_facts) if is_correction(text) else {}

        if in_crisis(text):
            return self._end("handoff") + crisis_events(dispatcher)
        if RESTART_WORDS.search(text):
            dispatcher.utter_message(text="好的，我们重新填一遍。")
            return self._restart()
        if self._stops(text, intent, confidence, bool(facts or corrected)) or (
            intent == "goodbye" and confidence >= SMALL_TALK_SURE and not facts
        ):
            if STARTING_OVER.search(text):
                dispatcher.utter_message(text="好的，这张表不填了，我们重新开始。您遇到了什么事，直接说就行。")
            else:
                dispatcher.utter_message(text="好的，先不填了。已经填的不会提交。需要的时候说一声，我们从头再来。")
            return self._end("stopped")
        if HUMAN_WORDS.search(text) or (
            not facts and intent == "ask_human" and confidence >= SURE and requested != "wage_contact"
        ):
            # Words asking for a person always count; the NLU's guess only when the reply holds no
            # answer ("我电话[手机号]" may look like a call for a person, and is the answer asked for).
            return self._end("handoff") + handoff_events(dispatcher, f"asked_during_{self.form}")
        if self.confirm_slot and requested == self.confirm_slot:
            return await self._confirm(dispatcher, tracker, text, intent, confidence, {**facts, **corrected})

        if text.startswith("/"):
            return await self._stale_button(dispatcher, tracker, requested, intent)
        if BACK_WORDS.match(text):
            return self._back(requested)
        if intent in SMALL_TALK and confidence >= SMALL_TALK_SURE and not facts and not corrected:
            dispatcher.utter_message(response=SMALL_TALK[str(intent)])
            return [SlotSet(requested, None)]

        rule = self.rules[requested]
        value = corrected.get(requested) or facts.get(requested)
        if rule.lenient and value and not corrected and set(facts) == {requested}:
            value = None  # the answer alone, in the worker's own words (包工头姓赵叫赵富贵), read below
        others = self._others(tracker, requested, facts, corrected)
        if value is None and not rule.lenient and not corrected:
            # "不对，是长治" at a yes/no question corrects the city; it does not answer "no".
            value = rule.parse(text)
        asks = self._is_question(text, intent, confidence)
        if asks and (value is None or (intent in TOPICS and confidence >= SURE and not corrected)):
            # A question is answered, even one that names a value ("老板不签劳动合同怎么办" at the
            # evidence step); the places and sums it mentions are not answers.
            return await self._answer_question(dispatcher, tracker, [SlotSet(requested, None)])
        events = [SlotSet(slot, v) for slot, v in others.items()]
        self._tell_changes(dispatcher, tracker, {s: v for s, v in corrected.items() if s in others})
        self._tell_kept(dispatcher, {s: v for s, v in others.items() if s not in corrected})
        if value is None and others:
            return [*events, SlotSet(requested, None)]  # the rest is asked next, this slot among it
        if value is None and rule.lenient:
            value = rule.parse(text)
        attempts = dict(tracker.get_slot("form_attempts") or {})
        if value is not None:
            attempts.pop(requested, None)
            return [*events, SlotSet(requested, value), SlotSet("form_attempts", attempts)]

        attempts[requested] = attempts.get(requested, 0) + 1
        if rule.give_up and (attempts[requested] > MAX_REASKS or FORGOT.search(text)):
            dispatcher.utter_message(text=rule.give_up, buttons=[HANDOFF_BUTTON])
            return self._end("stopped")
        if attempts[requested] <= MAX_REASKS:
            dispatcher.utter_message(text=f"没太看明白。{rule.explain}")
            return [SlotSet(requested, None), SlotSet("form_attempts", attempts)]
        dispatcher.utter_message(
            text="这一项我一直没弄明白，先记为“待核实”，工作人员会跟您确认。也可以随时说“转人工”。",
            buttons=[HANDOFF_BUTTON],
        )
        attempts.pop(requested, None)
        return [SlotSet(requested, UNREADABLE), SlotSet("form_attempts", attempts)]

    def _start(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        """The form is starting; what the worker already said (the slots filled before it) is kept and told."""
        known = {slot: tracker.get_slot(slot) for slot in self.rules if tracker.get_slot(slot)}
        if known and len(known) < len(self.rules):  # all known: the form closes at once, nothing to say
            said = "；".join(f"{self.rules[s].label or s}：{v}" for s, v in known.items() if s != "wage_contact")
            if said:
                dispatcher.utter_message(text=f"好的。您刚才说的我先记下了——{said}。")
        # The offer that started the form is spent.
        return [*(SlotSet(slot, value) for slot, value in known.items()), SlotSet("offered_journey", None)]

    def _restart(self) -> list[dict[str, Any]]:
        """Every answer cleared: the form asks from its first question again."""
        cleared = [SlotSet(slot, None) for slot in self.rules]
        if self.confirm_slot:
            cleared.append(SlotSet(self.confirm_slot, None))
        return [*cleared, SlotSet("form_attempts", None)]

    def _back(self, requested: str) -> list[dict[str, Any]]:
        """ "上一步": the answer before this question is cleared, so the form asks it again."""
        order = list(self.rules)
        earlier = order[: order.index(requested)] if requested in order else order
        # The asked slot is cleared too: Rasa has already put the words "上一步" into it.
        return [SlotSet(requested, None), *([SlotSet(earlier[-1], None)] if earlier else [])]

    def _others(self, tracker: Tracker, requested: str, facts: Facts, corrected: Facts) -> Facts:
        """Slots besides the one asked: a fact fills an empty slot; a correction replaces a filled one."""
        out = {s: v for s, v in facts.items() if s != requested and tracker.get_slot(s) in (None, UNREADABLE)}
        out.update({s: v for s, v in corrected.items() if s != requested})
        return out

    def _tell_changes(self, dispatcher: CollectingDispatcher, tracker: Tracker, changes: Facts) -> None:
        changed = {s: v for s, v in changes.items() if tracker.get_slot(s) not in (None, v)}
        if changed:
            shown = "；".join(f"{self.rules[s].label or s}：{v}" for s, v in changed.items() if s != "wage_contact")
            dispatcher.utter_message(text=f"好的，已改为——{shown or '联系电话已更新'}。")

    def _tell_kept(self, dispatcher: CollectingDispatcher, kept: Facts) -> None:
        """Facts for other questions are acknowledged, so the worker sees they were not ignored."""
        shown = "；".join(f"{self.rules[s].label or s}：{v}" for s, v in kept.items() if s != "wage_contact")
        if kept:
            dispatcher.utter_message(text=f"好的，记下了——{shown or '联系电话'}。")

    async def _confirm(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        text: str,
        intent: str | None,
        confidence: float,
        changes: Facts,
    ) -> list[dict[str, Any]]:
        """The answers were read back: confirm, correct a slot, start over, or ask something."""
        assert self.confirm_slot is not None
        again = [SlotSet(self.confirm_slot, None)]  # the summary is shown again
        if self._is_question(text, intent, confidence):
            return await self._answer_question(dispatcher, tracker, again)
        if changes:
            self._tell_changes(dispatcher, tracker, changes)
            return [*(SlotSet(s, v) for s, v in changes.items()), *again]
        reply = short_reply(text) or (intent if confidence >= SURE else None)
        if reply == "affirm" or CONFIRM_WORDS.match(text):
            return [SlotSet(self.confirm_slot, CONFIRMED)]
        if reply == "deny":
            dispatcher.utter_message(
                text="哪一项要改？直接说正确的就行，比如“地点是大同市平城区”“一共10个人”；全部重填说“重新填写”。"
            )
        else:
            dispatcher.utter_message(
                text="没太看明白。没问题就点“确认提交”；要改哪一项，直接说正确的，比如“钱数是三万”。"
            )
        return again

    async def _stale_button(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, requested: str, intent: str | None
    ) -> list[dict[str, Any]]:
        """A button of an earlier message ("/deny" of an old offer) is no answer to this question."""
        if intent in TOPICS:
            return await self._answer_question(dispatcher, tracker, [SlotSet(requested, None)])
        dispatcher.utter_message(text="那个按钮是前面问题的。请回答下面这个问题，或者说“算了”停下。")
        return [SlotSet(requested, None)]

    async def _answer_question(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, ask_again: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """A question mid-form is answered, and the same step is asked again; unless the answer
        ladder gave up and called a person, which ends the form."""
        answered = await answer(dispatcher, tracker, allow_offer=False)
        if any(e.get("name") == "handoff" and e.get("value") for e in answered):
            kept = [e for e in answered if e.get("name") in {"handoff", "handoff_reason", "unanswered_turns"}]
            return self._end("handoff") + kept
        kept = [e for e in answered if e.get("name") in {"unanswered_turns", "last_question", "last_topic"}]
        return [*kept, *ask_again]

    @staticmethod
    def _stops(text: str, intent: str | None, confidence: float, says_facts: bool) -> bool:
        if STOP_WORDS.search(text) or short_reply(text) == "stop":
            return True
        return intent == "stop" and confidence >= SURE and not says_facts

    @staticmethod
    def _is_question(text: str, intent: str | None, confidence: float) -> bool:
        """A question needs the words of one: an answer such as “恒泰小区工地” may well be
        classified as a wage topic, and must still be taken as the answer."""
        asks = bool(QUESTION_MARKS.search(text)) and len(text) > 4
        return asks and (intent in QUESTION_INTENTS or confidence < SURE or intent == "nlu_fallback")

    def _end(self, outcome: str) -> list[dict[str, Any]]:
        cleared = [SlotSet(slot, None) for slot in self.rules]
        if self.confirm_slot:
            cleared.append(SlotSet(self.confirm_slot, None))
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
        if len(text) < 2 or short_reply(text):  # 好的呀, 确认提交, 不用了: a reply, not a name
            return None
        return text[:max_chars]

    return read


def form_done(tracker: Tracker) -> bool:
    """True when the form ended because every slot was filled (not stopped, not handed off)."""
    return tracker.get_slot("form_outcome") not in {"stopped", "handoff"}
