"""action_handoff: mark the conversation for a person and tell the worker what happens next.

The mark is the ``handoff`` slot (with ``handoff_reason``) in the tracker, where the
adapter and the staff console read it.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.replies import handoff_message


def handoff_events(dispatcher: CollectingDispatcher, reason: str) -> list[dict[str, Any]]:
    dispatcher.utter_message(
        text=handoff_message(services.current().handoff_notice),
        json_message={"handoff": {"reason": reason}},
    )
    return [SlotSet("handoff", True), SlotSet("handoff_reason", reason), SlotSet("unanswered_turns", 0.0)]


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        events = handoff_events(dispatcher, "worker_asked")
        if tracker.active_loop_name:
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events
