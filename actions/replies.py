"""How answers read: short, plain, quoted from the plan, ending with the next step.

Every policy answer carries its citations twice: in the text (第几项、标题、部门) and
as data for the channels to render: ``{"citations": [{doc, item, title, quote,
departments}]}`` in the message's custom payload.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from knowledge.loader import KnowledgeBase
from knowledge.models import Hit
from knowledge.search import SearchResult

MAX_QUOTE_CHARS = 120
DOC_SHORT = "《2019年山西省农民工工作要点》"


@dataclass(frozen=True)
class Topic:
    name: str
    label: str
    items: frozenset[int]
    journey: str | None = None
    example: str = ""  # what a bare button press stands for
    words: str = ""  # a pattern of words that name this topic: a follow-up without any leans on the last one


TOPICS: dict[str, Topic] = {
    "ask_unpaid_wages": Topic(
        "unpaid_wages",
        "工资拖欠",
        frozenset({3, 6}),
        "wage_intake",
        "老板拖欠工资怎么办",
        "工资|工钱|欠薪|讨薪|拖欠|欠钱|给钱|发钱|结钱|结账",
    ),
    "ask_legal_aid": Topic(
        "legal_aid",
        "法律援助",
        frozenset({6}),
        "legal_aid",
        "请不起律师怎么申请法律援助",
        "律师|法律|法援|援助|官司|仲裁|起诉|告他|告老板",
    ),
    "ask_school_enrollment": Topic(
        "school_enrollment",
        "孩子上学",
        frozenset({8}),
        "school",
        "孩子跟着我在城里上学要什么条件",
        "上学|入学|学校|读书|念书|孩子|娃|转学|幼儿园|小学|初中|中考|高考",
    ),
    "ask_public_housing": Topic(
        "public_housing",
        "公租房",
        frozenset({9}),
        "housing",
        "农民工能申请公租房吗",
        "住房|公租房|房子|租房|廉租|住的|宿舍",
    ),
    "ask_social_insurance": Topic(
        "social_insurance",
        "社保和工伤",
        frozenset({4, 7}),
        None,
        "农民工怎么参加社保",
        "社保|保险|养老|医保|工伤|公积金",
    ),
    "ask_labor_contract": Topic(
        "labor_contract", "劳动合同", frozenset({5}), None, "老板不签劳动合同怎么办", "合同|辞退|开除|解雇|加班"
    ),
    "ask_safety_health": Topic(
        "safety_health", "安全和职业病", frozenset({7}), None, "得了尘肺病怎么办", "安全|职业病|尘肺|体检"
    ),
    "ask_hukou_residence": Topic(
        "hukou_residence", "落户和居住证", frozenset({10}), None, "农民工能在城里落户吗", "户口|落户|居住证|户籍"
    ),
    "ask_employment": Topic(
        "employment", "就业创业", frozenset({1}), None, "返乡创业有什么扶持", "就业|创业|找工作|招聘|贷款"
    ),
    "ask_training": Topic(
        "training", "技能培训", frozenset({2}), None, "哪里有免费的技能培训", "培训|技能|学手艺|证书"
    ),
    "ask_land_rights": Topic(
        "land_rights",
        "承包地和宅基地",
        frozenset({11}),
        None,
        "出来打工老家的地怎么办",
        "土地|承包地|宅基地|种地|老家的地",
    ),
    "ask_left_behind": Topic("left_behind", "留守家人", frozenset({14}), None, "留守儿童有人管吗", "留守|老人|妇女"),
    "ask_union_rights": Topic(
        "union_rights", "工会和入党", frozenset({12}), None, "农民工能加入工会吗", "工会|入党|党员"
    ),
    "ask_culture": Topic("culture", "文化生活", frozenset({13}), None, "农民工有什么文化活动", "文化|活动|文艺|看电影"),
}

JOURNEY_OF_ITEM = {3: "wage_intake", 8: "school", 9: "housing", 6: "legal_aid"}
OFFERS = {
    "wage_intake": ("需要的话，我可以帮您把欠薪情况登记下来，交给工作人员核实。要登记吗？", "/start_wage_intake"),
    "school": ("要不要我帮您列一下孩子上学要准备的东西？", "/start_school_checklist"),
    "housing": ("要不要我帮您看看能不能申请公租房？", "/start_housing_check"),
    "legal_aid": ("要不要我帮您找找能帮上忙的法律援助？", "/start_legal_aid"),
}
HANDOFF_BUTTON = {"title": "转人工", "payload": "/ask_human"}


def marker(citation: dict[str, Any]) -> str:
    """（八）, whichever brackets the printed plan used for the item."""
    return "（" + str(citation["marker"]).strip("（）()") + "）"


def citations_payload(hit: Hit) -> list[dict[str, Any]]:
    return [
        {
            "doc": c["doc"],
            "item": c["item"],
            "title": c["title"],
            "quote": c["quote"],
            "departments": c["departments"],
            # The date this text took effect, shown to the worker with the quote.
            "effective": c.get("effective", ""),
        }
        for c in hit.citations
    ]


def evidence_payload(result: SearchResult, intent: str | None, confidence: float) -> dict[str, Any]:
    """What the bot based its answer on, for the staff console (never shown to the worker)."""
    return {
        "intent": intent,
        "confidence": round(confidence, 3),
        "in_scope": result.in_scope,
        "scope_confidence": round(result.confidence, 3),
        "hits": [
            {"kind": h.kind, "title": h.title, "items": list(h.items), "score": round(h.score, 3)}
            for h in result.hits[:3]
        ],
    }


def _departments(citation: dict[str, Any]) -> str:
    lead = set(citation["lead"])
    names = [d + ("（牵头）" if d in lead else "") for d in citation["departments"]]
    shown = "、".join(names[:3])
    return shown + (f"等{len(names)}个部门" if len(names) > 3 else "")


def _short(quote: str) -> str:
    return quote if len(quote) <= MAX_QUOTE_CHARS else quote[: MAX_QUOTE_CHARS - 1] + "…"


def next_steps(kb: KnowledgeBase, items: list[int]) -> str:
    steps = list(dict.fromkeys(kb.next_steps[i] for i in items if i in kb.next_steps))
    return steps[0] if steps else "可以打12345政务服务便民热线咨询。"


def policy_answer(kb: KnowledgeBase, hit: Hit) -> str:
    """The answer text for one hit: an approved answer verbatim, or the quoted clause."""
    if hit.kind == "answer" and hit.answer:
        basis = "、".join(f"第{marker(c)}项“{c['title']}”" for c in hit.citations)
        # One line break, never a blank line: Rasa's REST channel splits a message there.
        return f"{hit.answer}\n依据：{DOC_SHORT}{basis}。"
    citation = hit.citations[0]
    return (
        f"{DOC_SHORT}第{marker(citation)}项“{citation['title']}”里写着：\n"
        f"“{_short(citation['quote'])}”\n"
        f"负责部门：{_departments(citation)}\n"
        f"下一步：{next_steps(kb, hit.items)}"
    )


def did_you_mean(hits: list[Hit]) -> tuple[str, list[dict[str, str]]]:
    buttons = [{"title": h.title, "payload": f'/choose_item{{"item":"{h.items[0]}"}}'} for h in hits[:2]]
    return "我不太确定您问的是哪一方面，是下面哪个？", [*buttons, {"title": "都不是，转人工", "payload": "/ask_human"}]


def unknown_answer(contact: str | None) -> str:
    where = {
        "12348": "可以打12348公共法律服务热线问问",
        "12345": "可以打12345政务服务便民热线问问",
        "110": "遇到治安、刑事的事请打110",
    }.get(contact or "", "可以打12345政务服务便民热线问问")
    return f"这个问题《工作要点》里没有写到，我不乱说。{where}，也可以转给工作人员。"


def handoff_message(notice: str) -> str:
    return f"好的，已经帮您转给工作人员，请稍等。{notice}着急的话可以直接打12333人社服务热线。"
