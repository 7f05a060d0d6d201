"""validate_legal_aid_form: what the dispute is, whether they can pay a lawyer."""

from __future__ import annotations

from actions.form_validation import FormValidator, SlotRule
from actions.parsing import parse_dispute, parse_yes_no


def _afford(text: str) -> str | None:
    value = parse_yes_no(text)
    return None if value is None else ("请得起" if value else "请不起")


RULES: dict[str, SlotRule] = {
    "dispute_type": SlotRule(parse_dispute, "请选一个：欠工资、工伤、劳动合同，或者别的事。", label="纠纷类型"),
    "can_afford_lawyer": SlotRule(_afford, "请回答“请得起”或“请不起”。", label="请不请得起律师"),
}


class ValidateLegalAidForm(FormValidator):
    form = "legal_aid_form"

    @property
    def rules(self) -> dict[str, SlotRule]:
        return RULES
