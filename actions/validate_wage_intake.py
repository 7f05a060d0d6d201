"""validate_wage_intake_form: read each answer of the wage-arrears intake."""

from __future__ import annotations

from actions.form_validation import FormValidator, SlotRule, free_text
from actions.parsing import (
    parse_amount,
    parse_count,
    parse_evidence,
    parse_period,
    parse_phone,
    parse_place,
    parse_sector,
    yuan,
)


def _amount(text: str) -> str | None:
    value = parse_amount(text)
    return yuan(text, value) if value else None


def _workers(text: str) -> str | None:
    value = parse_count(text)
    return f"{value}人" if value else None


def _evidence(text: str) -> str | None:
    kinds = parse_evidence(text)
    if kinds is None:
        return None
    return "、".join(kinds) if kinds else "暂无"


RULES: dict[str, SlotRule] = {
    "wage_sector": SlotRule(
        parse_sector, "请选“工程建设”（工地、修路、装修等）还是“非工程建设”（工厂、饭店等）。", label="行业"
    ),
    "wage_employer": SlotRule(
        free_text(100), "请说欠钱的老板、公司或工地的名字。", lenient=True, label="欠钱的单位或工地"
    ),
    "wage_place": SlotRule(parse_place, "请说具体在哪个市、哪个县（区），比如“太原市小店区”。", label="干活地点"),
    "wage_period": SlotRule(parse_period, "请说干活的时间，比如“去年3月到12月”或“干了半年”。", label="干活时间"),
    "wage_amount": SlotRule(_amount, "请说一共欠多少钱，比如“2万5”或“30000元”。", label="欠款金额"),
    "wage_workers": SlotRule(_workers, "请说被欠钱的一共几个人，比如“就我一个”或“12个人”。", label="被欠人数"),
    "wage_evidence": SlotRule(
        _evidence, "请说有哪些证据：合同、考勤、工资条、聊天记录、工友证人；都没有就说“没有”。", label="证据"
    ),
    "wage_contact": SlotRule(parse_phone, "请留一个11位的手机号，比如 139 1234 5678。", label="联系电话"),
}


class ValidateWageIntakeForm(FormValidator):
    form = "wage_intake_form"
    confirm_slot = "wage_confirmed"

    @property
    def rules(self) -> dict[str, SlotRule]:
        return RULES
