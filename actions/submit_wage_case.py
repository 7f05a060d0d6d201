"""action_submit_wage_case: when the intake form is confirmed, store the case and give its number."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.contact import encrypted_contact
from actions.form_validation import CONFIRMED, UNREADABLE, form_done
from actions.journey_reply import clause_citations
from actions.parsing import parse_amount, parse_count, parse_evidence
from actions.wage_summary import FIELDS
from api.cases.store import WageIntake

NEXT_STEP_CLAUSES = ((3, 2), (6, 1))  # 三个清零; the arbitration green channel
NEXT_STEPS = (
    "接下来：\n"
    "1. 工作人员会按您留的电话联系核实。也可以自己到干活所在地的人社部门（劳动保障监察）投诉，或打12333。"
    "新发生的欠薪案件要在3个月内清零（第（三）项）。\n"
    "2. 可以申请劳动争议仲裁，农民工工资争议有绿色通道，符合规定的简易处理、终局裁决（第（六）项）。\n"
    "3. 请不起律师，打12348申请法律援助（第（六）项）。\n"
    "查进度：随时跟我说“查案件 {number}”。"
)


class ActionSubmitWageCase(Action):
    def name(self) -> str:
        return "action_submit_wage_case"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        values = {slot: str(tracker.get_slot(slot) or "") for slot, _ in FIELDS}
        if not form_done(tracker) or tracker.get_slot("wage_confirmed") != CONFIRMED or not all(values.values()):
            # The form was stopped or handed over (its validation already spoke): only clear.
            return [SlotSet("form_outcome", None), SlotSet("offered_journey", None), SlotSet("wage_confirmed", None)]
        evidence = parse_evidence(values["wage_evidence"]) or []
        contact_cipher, contact_masked = await asyncio.to_thread(
            encrypted_contact, values["wage_contact"], tracker.sender_id
        )
        intake = WageIntake(
            sector=values["wage_sector"],
            employer=values["wage_employer"],
            place=values["wage_place"],
            period=values["wage_period"],
            amount_text=values["wage_amount"],
            amount_yuan=parse_amount(values["wage_amount"]),
            workers=parse_count(values["wage_workers"]),
            evidence=evidence,
            contact_cipher=contact_cipher,
            contact_masked=contact_masked,
            needs_review=[slot for slot, value in values.items() if value == UNREADABLE],
        )
        case = await asyncio.to_thread(services.current().cases.create, intake, tracker.sender_id)
        citations = clause_citations(NEXT_STEP_CLAUSES)
        dispatcher.utter_message(
            text=f"已登记，案件编号：{case.case_number}（请记下来）。\n" + NEXT_STEPS.format(number=case.case_number),
            json_message={"case": {"case_number": case.case_number, "status": case.status}, "citations": citations},
        )
        return [
            *(SlotSet(slot, None) for slot, _ in FIELDS),
            SlotSet("wage_confirmed", None),
            SlotSet("form_outcome", None),
            SlotSet("offered_journey", None),
            SlotSet("case_number", case.case_number),
        ]
