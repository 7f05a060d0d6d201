"""action_choose_item: the worker picked one item from "did you mean"."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answering import answer_item


class ActionChooseItem(Action):
    def name(self) -> str:
        return "action_choose_item"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        raw = tracker.get_slot("item") or next(tracker.get_latest_entity_values("item"), None)
        try:
            item = int(str(raw))
        except (TypeError, ValueError):
            dispatcher.utter_message(text="请再说一下您想问什么。")
            return []
        return await answer_item(dispatcher, tracker, item)
