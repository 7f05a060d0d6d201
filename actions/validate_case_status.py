"""validate_case_status_form: a case number such as GY-20261128-K7Q2MX4A, then, unless this
conversation filed the case, the last four digits of the phone given with it."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.form_validation import FormValidator, SlotRule
from actions.parsing import parse_case_number, parse_phone_tail
from api.cases.store import conversation_key

# What the phone slot holds when this conversation filed the case: nothing to ask. Only a
# marker for the form; the status action checks the conversation again itself.
FILED_HERE = "本会话登记"

RULES: dict[str, SlotRule] = {
    "case_number": SlotRule(
        parse_case_number,
        "案件编号是“GY-”开头的，比如 GY-20261128-K7Q2MX4A，登记成功时发给过您。",
        label="案件编号",
        give_up="没有编号查不了进度。编号在登记成功时发给过您（GY-开头）；找不到的话点“转人工”，工作人员帮您查。",
    ),
    "case_phone_tail": SlotRule(
        parse_phone_tail,
        "请发登记时留的手机号的最后四位数字，比如 5678。",
        label="手机号后四位",
        give_up="对不上手机号就不能在这里查进度，这是为了保护您的信息。点“转人工”，工作人员核实后帮您查。",
    ),
}


def filed_here(case_number: str, sender_id: str) -> bool:
    access = services.current().cases.access(case_number)
    return access is not None and access.conversation == conversation_key(sender_id)


class ValidateCaseStatusForm(FormValidator):
    form = "case_status_form"

    @property
    def rules(self) -> dict[str, SlotRule]:
        return RULES

    def _start(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        # The number the worker just typed is not read back: the next reply is the status or one question.
        return super()._start(CollectingDispatcher(), tracker)

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        events = await super().run(dispatcher, tracker, domain)
        if any(e.get("event") == "active_loop" and e.get("name") is None for e in events):
            return events  # the form stopped or was handed over
        slots = {
            **tracker.current_slot_values(),
            **{e["name"]: e.get("value") for e in events if e.get("event") == "slot"},
        }
        # The number as typed, read by our parser: the NLU's entity may hold only a part of it.
        typed = parse_case_number(str((tracker.latest_message or {}).get("text") or ""))
        if typed and typed != slots.get("case_number"):
            events.append(SlotSet("case_number", typed))
            slots["case_number"] = typed
        number = parse_case_number(str(slots.get("case_number") or ""))
        if (
            number
            and not slots.get("case_phone_tail")
            and await asyncio.to_thread(filed_here, number, tracker.sender_id)
        ):
            events.append(SlotSet("case_phone_tail", FILED_HERE))
        return events
