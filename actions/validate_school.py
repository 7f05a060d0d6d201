"""validate_school_form: the child's grade, where the family lives, residence permit, hukou."""

from __future__ import annotations

from actions.form_validation import FormValidator, SlotRule, free_text
from actions.parsing import parse_grade, parse_place, parse_yes_no


def yes_no_answer(text: str) -> str | None:
    value = parse_yes_no(text)
    return None if value is None else ("有" if value else "没有")


RULES: dict[str, SlotRule] = {
    "child_grade": SlotRule(
        parse_grade, "请说孩子要上几年级，比如“上小学一年级”“初二转学”，或者孩子几岁。", label="孩子年级"
    ),
    "family_city": SlotRule(parse_place, "请说你们住在哪个市、哪个县（区），比如“晋中市榆次区”。", label="住的地方"),
    "has_residence_permit": SlotRule(yes_no_answer, "请回答“办了”或“没办”。", label="居住证"),
    "hukou_place": SlotRule(
        free_text(60), "请说孩子户口所在的地方，比如“吕梁临县”。", lenient=True, label="户口所在地"
    ),
}


class ValidateSchoolForm(FormValidator):
    form = "school_form"

    @property
    def rules(self) -> dict[str, SlotRule]:
        return RULES
