"""validate_housing_form: city, stable job, residence permit, household."""

from __future__ import annotations

from actions.form_validation import FormValidator, SlotRule, free_text
from actions.parsing import parse_place
from actions.validate_school import yes_no_answer

RULES: dict[str, SlotRule] = {
    "housing_city": SlotRule(parse_place, "请说在哪个市，比如“太原”“大同市”。", label="城市"),
    "stable_job": SlotRule(yes_no_answer, "请回答“有”或“没有”。", label="固定工作"),
    "has_residence_permit": SlotRule(yes_no_answer, "请回答“办了”或“没办”。", label="居住证"),
    "household": SlotRule(
        free_text(60), "请说几口人一起住，比如“就我一个”“一家四口”。", lenient=True, label="家里人口"
    ),
}


class ValidateHousingForm(FormValidator):
    form = "housing_form"

    @property
    def rules(self) -> dict[str, SlotRule]:
        return RULES
