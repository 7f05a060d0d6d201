"""action_check_case_status: tell the worker where their wage case stands.

The case number alone shows nothing. The conversation that filed the case sees it at once;
anyone else must give the last four digits of the phone kept with the case (encrypted).
A wrong number and wrong digits get the same answer, so nobody learns whether a number
exists, and failed attempts are limited per case number and per conversation
(api/cases/lookups.py). The client's address does not reach the actions (Rasa passes only
the sender id), so there is no limit per address here; the api's own limits apply before.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.form_validation import form_done
from actions.parsing import MOBILE, parse_case_number
from actions.replies import HANDOFF_BUTTON
from api.cases.lookups import case_key, conversation_lookup_key
from api.cases.store import Case, CaseAccess, conversation_key
from api.privacy.vault import token_of

LOCAL = ZoneInfo("Asia/Shanghai")
NOT_FOUND = (
    "没有查到对得上的案件。请再发一次登记时留的手机号后四位；编号不对的话，发正确的编号。"
    "登记时没留电话，或者还是查不到，点“转人工”，工作人员帮您查。"
)
FORM = "case_status_form"
TOO_MANY = "查询失败的次数太多了，为了保护工友的信息，请一小时以后再试，或者点“转人工”，工作人员帮您查。"


def _phone_of(cipher_text: str) -> str:
    vault = services.current().vault
    return (vault.cipher.decrypt(cipher_text) or "") if vault and cipher_text else ""


def _given_tail(value: str, conversation: str) -> str:
    """The four digits the worker gave; a whole number they typed arrives as the adapter's placeholder."""
    token = token_of(value)
    if token is None:
        return value if value.isdigit() and len(value) == 4 else ""
    vault = services.current().vault
    cipher_text = vault.ciphertext(token, conversation) if vault else None
    return _phone_of(cipher_text or "")[-4:]


def _tail_matches(access: CaseAccess, given: str, conversation: str) -> bool:
    phone = MOBILE.search(_phone_of(access.contact_cipher))
    tail = _given_tail(given, conversation)
    return phone is not None and bool(tail) and secrets.compare_digest(phone.group()[-4:], tail)


def _lookup(number: str | None, given: str, sender_id: str) -> tuple[Case | None, str]:
    """The case to show, or None with what to say instead."""
    conversation = conversation_key(sender_id)
    cases = services.current().cases
    access = cases.access(number) if number else None
    if access is not None and access.conversation == conversation:
        return access.case, ""
    keys = [conversation_lookup_key(conversation), *([case_key(number)] if number else [])]
    if cases.lookups.blocked(keys):
        return None, TOO_MANY
    if access is not None and _tail_matches(access, given, conversation):
        return access.case, ""
    cases.lookups.failed(keys)
    return None, NOT_FOUND


class ActionCheckCaseStatus(Action):
    def name(self) -> str:
        return "action_check_case_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        cleared = [SlotSet("case_number", None), SlotSet("case_phone_tail", None), SlotSet("form_outcome", None)]
        if not form_done(tracker):
            return [SlotSet("case_phone_tail", None), SlotSet("form_outcome", None)]
        number = parse_case_number(str(tracker.get_slot("case_number") or ""))
        given = str(tracker.get_slot("case_phone_tail") or "")
        case, refusal = await asyncio.to_thread(_lookup, number, given, tracker.sender_id)
        if case is None and refusal == NOT_FOUND:
            # Another try, in the form: a worker who mistyped sends four digits again (or the right
            # number), and those went to the NLU as a question of their own. Each failure counts, so
            # the tries end at the lookup limit (TOO_MANY below).
            dispatcher.utter_message(text=NOT_FOUND, buttons=[HANDOFF_BUTTON])
            return [SlotSet("case_phone_tail", None), SlotSet("form_outcome", None), FollowupAction(FORM)]
        if case is None:
            dispatcher.utter_message(text=refusal, buttons=[HANDOFF_BUTTON])
            return cleared
        note = f"\n说明：{case.status_note}" if case.status_note else ""
        updated = case.updated_at.astimezone(LOCAL)
        dispatcher.utter_message(
            text=f"案件 {case.case_number}：{case.status_label}。\n最近更新：{updated:%Y-%m-%d %H:%M}{note}",
            json_message={"case": {"case_number": case.case_number, "status": case.status}},
        )
        return cleared
