"""KnowledgeIntentClassifier: a Rasa NLU component that asks knowledge search for the topic.

Runs in Rasa's environment (Python 3.10) and reaches the api over loopback HTTP
(KNOWLEDGE_TOPIC_URL, with API_ACTIONS_TOKEN in X-Actions-Token). Knowledge search —
normalisation of pinyin and typos, the office's phrasings, a calibrated scope check —
names the topic of a policy question more reliably than DIET alone (measured in the README), so:
- a topic question that search places in scope gets search's topic;
- a message DIET took for a topic that search finds clearly out of scope becomes out_of_scope;
- conversational intents (greet, affirm, 转人工, buttons) are left alone, except when DIET
  is too unsure of them to pass the FallbackClassifier anyway, or when a message DIET read
  as a yes, a no, a stop or a pick from a list is not one of the lexicon's short replies
  and asks a question or is a sentence (DIET learned those intents from short replies).
Without the URL, or when the api does not answer in time, DIET's prediction stands.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

import requests
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.short_replies import classify as is_short_reply

log = logging.getLogger(__name__)

TOPIC_INTENTS = frozenset(
    {
        "ask_unpaid_wages",
        "ask_legal_aid",
        "ask_school_enrollment",
        "ask_public_housing",
        "ask_social_insurance",
        "ask_labor_contract",
        "ask_safety_health",
        "ask_hukou_residence",
        "ask_employment",
        "ask_training",
        "ask_land_rights",
        "ask_left_behind",
        "ask_union_rights",
        "ask_culture",
    }
)
# "inform" too: a worker's story naming a place, an employer and a sum reads to DIET like a
# form answer; inside a form the answer is read by the slot's parser whatever the intent.
OPEN_INTENTS = TOPIC_INTENTS | {"out_of_scope", "chitchat", "nlu_fallback", "inform"}
# "您好，……请问……谢谢": politeness around a question. A greeting alone is short.
POLITE_INTENTS = frozenset({"greet", "thank", "goodbye"})
POLITE_QUESTION_CHARS = 12
# "好的" and "第二个" are short; "好的好的 那工伤的事呢" only starts like them.
REPLY_INTENTS = frozenset({"affirm", "deny", "stop", "choose_item"})
QUESTION_CUE = re.compile(r"[吗嘛么呢？?]|怎么|咋|如何|能不能|可不可以|是否|哪|什么|啥|多少|多久|谁")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class KnowledgeIntentClassifier(GraphComponent, IntentClassifier):
    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "timeout": 1.0,  # seconds; DIET's answer stands when search is slower
            "min_confidence": 0.0,  # beyond search's own calibrated scope decision
            "out_of_scope_below": 0.02,  # search confidence under which a topic guess is dropped
            "keep_diet_above": 0.95,  # a DIET topic this sure is never dropped
            "diet_sure": 0.8,  # a DIET topic this sure stands when search scores it near its best
            "near_best": 0.03,  # how near, in search score
            "polite_question_chars": POLITE_QUESTION_CHARS,
            # A "yes" or a pick this long with a question cue is asked. Measured 2026-12-03: 3 instead
            # of 8 helped no follow-up ("那培训呢" is read right by DIET) and lost a real off-topic question.
            "reply_question_chars": 8,
            # A "yes", "no" or "stop" that is not one of the lexicon's replies (short_replies.yml)
            # and this long is a statement DIET misread ("辞职了老板不给结工资"): asked too.
            "reply_statement_chars": 8,
            # The FallbackClassifier's threshold: a conversational intent under it would end as
            # nlu_fallback anyway, so search may place the message instead.
            "unsure_below": 0.4,
            # An in-scope decision of search is calibrated already: its intent must clear the
            # FallbackClassifier (threshold 0.4) whatever search's raw probability, so the
            # confidence is mapped onto [accepted_floor, 1].
            "accepted_floor": 0.6,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.url = os.environ.get("KNOWLEDGE_TOPIC_URL", "")
        self.session = requests.Session()
        # The api answers topics for Rasa only: the actions' token, which Rasa has for endpoints.yml.
        self.session.headers["X-Actions-Token"] = os.environ.get("API_ACTIONS_TOKEN", "")

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> KnowledgeIntentClassifier:
        return cls(config)

    def _ask(self, text: str) -> dict[str, Any] | None:
        try:
            response = self.session.post(self.url, json={"text": text}, timeout=self.config["timeout"])
            response.raise_for_status()
            result: dict[str, Any] = response.json()
            return result
        except (requests.RequestException, ValueError) as exc:
            log.warning("knowledge topic unavailable (%s); keeping DIET's intent", type(exc).__name__)
            return None

    def process(self, messages: list[Message]) -> list[Message]:
        if not self.url:
            return messages
        for message in messages:
            text = message.get(TEXT) or ""
            current = message.get(INTENT) or {}
            name, confidence = current.get("name"), float(current.get("confidence") or 0.0)
            if not text.strip() or text.startswith("/") or not self._worth_asking(text, name, confidence):
                continue
            result = self._ask(text)
            if result is None:
                continue
            chosen = None
            if (
                result.get("in_scope")
                and result.get("intent")
                and result["confidence"] >= self.config["min_confidence"]
            ):
                floor = self.config["accepted_floor"]
                accepted = floor + (1.0 - floor) * float(result["confidence"])
                intent = result["intent"]
                if (
                    name in TOPIC_INTENTS
                    and name != intent
                    and confidence >= self.config["diet_sure"]
                    and self._near_best(result, name)
                ):
                    intent = name  # DIET is sure and search ranks its topic nearly as high
                chosen = (intent, accepted)
            elif (
                name in TOPIC_INTENTS
                and result["confidence"] < self.config["out_of_scope_below"]
                and confidence < self.config["keep_diet_above"]
            ):
                chosen = ("out_of_scope", 1.0 - float(result["confidence"]))
            if chosen:
                # Also when DIET agreed: search's calibrated confidence keeps a correct but
                # unsure DIET guess from falling back.
                set_intent(message, chosen[0], max(chosen[1], confidence if chosen[0] == name else 0.0))
        return messages

    def _worth_asking(self, text: str, name: str | None, confidence: float) -> bool:
        """Whether search may name this message's topic; buttons and clear short replies stay."""
        length = len(text.strip())
        if name in OPEN_INTENTS or confidence < self.config["unsure_below"]:
            return True
        if name in POLITE_INTENTS:
            return length >= self.config["polite_question_chars"]
        if name in REPLY_INTENTS:
            if is_short_reply(text):
                return False  # 要, 甭了, 算了: the ShortReplyClassifier reads these for certain
            asks = length >= self.config["reply_question_chars"] and bool(QUESTION_CUE.search(text))
            return asks or length >= self.config["reply_statement_chars"]
        return False

    def _near_best(self, result: dict[str, Any], name: str) -> bool:
        """Search also ranks DIET's topic close to its best hit: the two agree enough."""
        candidates = result.get("candidates") or []
        if not candidates:
            return False
        best = float(candidates[0]["score"])
        return any(c["intent"] == name and float(c["score"]) >= best - self.config["near_best"] for c in candidates)


def set_intent(message: Message, name: str, confidence: float) -> None:
    """Put the intent first; the rest share what is left, so no near tie makes a fallback."""
    intent = {"name": name, "confidence": confidence}
    rest = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != name]
    total = sum(float(r.get("confidence") or 0.0) for r in rest) or 1.0
    scaled = [{**r, "confidence": float(r.get("confidence") or 0.0) / total * (1.0 - confidence)} for r in rest]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent, *scaled], add_to_output=True)
