"""ShortReplyClassifier: a message that is exactly a yes, a no or a stop is read as one.

DIET learns "要" and "中" as affirm from a handful of examples, and a one-character
message gives it little to go on: it was read as a question with low confidence, sent to
knowledge search and answered "没有写到". The worker's most common reply must never be
a guess, so this component, placed after the other intent classifiers and before the
FallbackClassifier, sets the intent of such messages from the lexicon
(bot/components/short_replies.py) with full confidence. Button payloads ("/affirm") and
anything longer are left alone.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.knowledge_intent import set_intent
from bot.components.short_replies import classify


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ShortReplyClassifier(GraphComponent, IntentClassifier):
    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ShortReplyClassifier:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue
            intent = classify(text)
            if intent is None:
                continue
            set_intent(message, intent, 1.0)
        return messages
