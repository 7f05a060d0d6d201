"""action_restart_wage_form: the worker wants to fill the intake again; clear it."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.wage_summary import FIELDS


class ActionRestartWageForm(Action):
    def name(self) -> str:
        return "action_restart_wage_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text="好的，我们重新填一遍。")
        return [*(SlotSet(slot, None) for slot, _ in FIELDS), SlotSet("form_outcome", None)]
