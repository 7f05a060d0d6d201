"""validate_case_status_form: read a case number such as GY-20261128-K7Q2."""

from __future__ import annotations

from actions.form_validation import FormValidator, SlotRule
from actions.parsing import parse_case_number

RULES: dict[str, SlotRule] = {
    "case_number": SlotRule(
        parse_case_number,
        "案件编号是“GY-”开头的，比如 GY-20261128-K7Q2，登记成功时发给过您。",
        give_up="没有编号查不了进度。编号在登记成功时发给过您（GY-开头）；找不到的话点“转人工”，工作人员帮您查。",
    ),
}


class ValidateCaseStatusForm(FormValidator):
    form = "case_status_form"

    @property
    def rules(self) -> dict[str, SlotRule]:
        return RULES
