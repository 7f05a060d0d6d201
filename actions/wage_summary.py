"""action_wage_summary: after the intake form, read the answers back for confirmation."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.contact import masked_contact
from actions.form_validation import form_done

FIELDS = (
    ("wage_sector", "行业"),
    ("wage_employer", "欠钱的单位或工地"),
    ("wage_place", "干活地点"),
    ("wage_period", "干活时间"),
    ("wage_amount", "欠款金额"),
    ("wage_workers", "被欠人数"),
    ("wage_evidence", "证据"),
    ("wage_contact", "联系电话"),
)


def summary_lines(tracker: Tracker) -> list[str]:
    lines = []
    for slot, label in FIELDS:
        value = str(tracker.get_slot(slot) or "")
        lines.append(f"{label}：{masked_contact(value, tracker.sender_id) if slot == 'wage_contact' else value}")
    return lines


class ActionWageSummary(Action):
    def name(self) -> str:
        return "action_wage_summary"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if not form_done(tracker):
            return [SlotSet("form_outcome", None), SlotSet("offered_journey", None)]
        dispatcher.utter_message(
            text="请核对一下：\n" + "\n".join(summary_lines(tracker)) + "\n没问题的话点“确认提交”。",
            buttons=[
                {"title": "确认提交", "payload": "/affirm"},
                {"title": "重新填写", "payload": "/deny"},
                {"title": "不提交了", "payload": "/stop"},
            ],
        )
        return [SlotSet("form_outcome", "awaiting_confirmation"), SlotSet("offered_journey", None)]
