"""Chinese names for the codes the staff console shows: intents, handoff reasons, forms, channels.

The one table of them: /api/console/labels serves it and the console shows a code by its
name here (the code itself as the tooltip); a code not listed is shown as it is.
"""

from __future__ import annotations

from typing import Any

# The bot's intents (bot/domain/*.yml), as an answer's evidence and a conversation's topic.
INTENTS: dict[str, str] = {
    "ask_unpaid_wages": "欠薪",
    "ask_legal_aid": "法律援助",
    "ask_school_enrollment": "子女上学",
    "ask_public_housing": "公租房",
    "ask_social_insurance": "社保工伤",
    "ask_labor_contract": "劳动合同",
    "ask_safety_health": "安全职业病",
    "ask_hukou_residence": "户籍居住证",
    "ask_employment": "就业创业",
    "ask_training": "技能培训",
    "ask_land_rights": "土地权益",
    "ask_left_behind": "留守关爱",
    "ask_union_rights": "工会权益",
    "ask_culture": "文化生活",
    "out_of_scope": "政策外",
    "nlu_fallback": "没听懂",
    "chitchat": "闲聊",
    "ask_capabilities": "问能做什么",
    "ask_human": "要求转人工",
    "start_wage_intake": "开始登记欠薪",
    "check_case_status": "查案件进度",
    "start_school_checklist": "开始列上学清单",
    "start_housing_check": "开始公租房自查",
    "start_legal_aid": "开始找法律援助",
    "choose_item": "选条款",
    "inform": "补充信息",
    "affirm": "同意",
    "deny": "不同意",
    "stop": "要求停下",
    "greet": "打招呼",
    "thank": "道谢",
    "goodbye": "告别",
}

# What the conversation list's topic filter offers, in this order.
TOPICS: tuple[str, ...] = (
    *(i for i in INTENTS if i.startswith("ask_") and i not in {"ask_capabilities", "ask_human"}),
    "out_of_scope",
    "nlu_fallback",
    "chitchat",
)

# The bot's forms (bot/domain/*.yml), named for what the worker was doing.
FORMS: dict[str, str] = {
    "wage_intake_form": "登记欠薪",
    "case_status_form": "查案件进度",
    "school_form": "列上学清单",
    "housing_form": "公租房自查",
    "legal_aid_form": "找法律援助",
}

# Why a conversation waits for a person: actions/handoff.py, actions/answering.py,
# actions/form_validation.py (asked_during_<form>) and api/conversations/turn.py.
REASONS: dict[str, str] = {
    "worker_asked": "工友要求转人工",
    "asked": "工友要求转人工",  # a handoff that gave no reason
    "bot_could_not_answer": "机器人答不上来",
    "bot_failed": "机器人出故障",
    "crisis": "危急：可能自伤或伤人",
    "staff_silent": "接入的工作人员久未回复，重新排队",
    "staff_gone": "接入的工作人员已停用或退出，重新排队",
    **{f"asked_during_{form}": f"{name}时要求转人工" for form, name in FORMS.items()},
}

# Channels: the widget, WeChat, and the JSON channel's usual sources.
CHANNELS: dict[str, str] = {
    "web": "网页",
    "wechat": "微信",
    "wecom": "企业微信",
    "dingtalk": "钉钉",
    "hotline": "热线",
}


def console_labels() -> dict[str, Any]:
    return {
        "intents": INTENTS,
        "topics": list(TOPICS),
        "reasons": REASONS,
        "forms": FORMS,
        "channels": CHANNELS,
    }
