"""validate_legal_aid_form: what the dispute is, whether they can pay a lawyer."""

from __future__ import annotations

import re

from actions.form_validation import FormValidator, SlotRule
from actions.parsing import parse_yes_no

DISPUTES = (
    ("欠工资", r"工资|工钱|欠薪|讨薪|欠钱|不给钱|血汗钱"),
    ("工伤", r"工伤|受伤|摔|砸|伤了|职业病|尘肺"),
    ("劳动合同", r"合同|辞退|开除|解雇|社保|加班|派遣"),
    ("别的事", r"别的|其他|其它"),
)


def _dispute(text: str) -> str | None:
    return next((name for name, pattern in DISPUTES if re.search(pattern, text)), None)


def _afford(text: str) -> str | None:
    value = parse_yes_no(text)
    return None if value is None else ("请得起" if value else "请不起")


RULES: dict[str, SlotRule] = {
    "dispute_type": SlotRule(_dispute, "请选一个：欠工资、工伤、劳动合同，或者别的事。"),
    "can_afford_lawyer": SlotRule(_afford, "请回答“请得起”或“请不起”。"),
}


class ValidateLegalAidForm(FormValidator):
    form = "legal_aid_form"

    @property
    def rules(self) -> dict[str, SlotRule]:
        return RULES
