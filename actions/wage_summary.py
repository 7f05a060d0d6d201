"""action_ask_wage_confirmed: the intake's last question reads the answers back.

It is the question of the form's confirmation slot, so everything the worker says at
this point — yes, a correction, 重新填写, 不提交了, a question — is read by the form's
validation (actions/form_validation.py), and the summary is shown again until it is
confirmed.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.contact import masked_contact
from actions.validate_wage_intake import RULES

FIELDS = tuple((slot, rule.label) for slot, rule in RULES.items())
BUTTONS = [
    {"title": "确认提交", "payload": "/affirm"},
    {"title": "重新填写", "payload": "重新填写"},
    {"title": "不提交了", "payload": "/stop"},
]


def summary_lines(tracker: Tracker) -> list[str]:
    lines = []
    for slot, label in FIELDS:
        value = str(tracker.get_slot(slot) or "")
        lines.append(f"{label}：{masked_contact(value, tracker.sender_id) if slot == 'wage_contact' else value}")
    return lines


class ActionAskWageConfirmed(Action):
    def name(self) -> str:
        return "action_ask_wage_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        lines = "\n".join(summary_lines(tracker))
        dispatcher.utter_message(
            text=f"请核对一下：\n{lines}\n没问题就点“确认提交”；哪项不对，直接说正确的。", buttons=BUTTONS
        )
        return []
