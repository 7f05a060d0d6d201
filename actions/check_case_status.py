"""action_check_case_status: tell the worker where their wage case stands."""

from __future__ import annotations

import asyncio
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.form_validation import form_done
from actions.parsing import parse_case_number

LOCAL = ZoneInfo("Asia/Shanghai")


class ActionCheckCaseStatus(Action):
    def name(self) -> str:
        return "action_check_case_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if not form_done(tracker):
            return [SlotSet("form_outcome", None)]
        number = parse_case_number(str(tracker.get_slot("case_number") or ""))
        case = await asyncio.to_thread(services.current().cases.get, number) if number else None
        if case is None:
            dispatcher.utter_message(
                text=f"没有查到编号为 {number or '（空）'} 的案件，请核对一下编号。也可以转人工帮您查。",
                buttons=[{"title": "转人工", "payload": "/ask_human"}],
            )
            return [SlotSet("case_number", None)]
        note = f"\n说明：{case.status_note}" if case.status_note else ""
        updated = case.updated_at.astimezone(LOCAL)
        dispatcher.utter_message(
            text=f"案件 {case.case_number}：{case.status_label}。\n最近更新：{updated:%Y-%m-%d %H:%M}{note}",
            json_message={"case": {"case_number": case.case_number, "status": case.status}},
        )
        return [SlotSet("case_number", None), SlotSet("form_outcome", None)]
