"""action_decline_offer: "不用了" or "算了" outside a form; the journey offered is withdrawn.

Without this, the offer stayed open, and a "嗯嗯" said much later to something else
started the form.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answering import intent_of

REPLIES = {
    "stop": "好的，不办了。需要的时候随时再找我。",
    "deny": "好的。还有别的问题吗？",
}


class ActionDeclineOffer(Action):
    def name(self) -> str:
        return "action_decline_offer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent, _ = intent_of(tracker)
        dispatcher.utter_message(text=REPLIES.get(intent or "", REPLIES["deny"]))
        return [SlotSet("offered_journey", None)]
