"""The knowledge store's entries: their keys, their content as JSON, its checks and its text.

An entry is one piece of the knowledge the office edits: the document's header
(``document``), a plan item (``item:3``), how workers ask about an item
(``questions:3``) or an approved answer (``answer:wages_owed``). Its content is plain
JSON; ``check`` refuses a bad edit with a message in Chinese, for the office.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from knowledge.loader import KnowledgeBase
from knowledge.models import ApprovedAnswer, Document, Item
from knowledge.plan_parser import split_clauses

DOCUMENT_KEY = "document"
KINDS = ("document", "item", "questions", "answer")
FIELDS: dict[str, tuple[str, ...]] = {
    "document": ("title", "doc_number", "issuer", "printed", "preamble", "parts"),
    "item": ("marker", "part", "part_title", "title", "text", "departments_text", "departments", "lead"),
    "questions": ("questions",),
    "answer": ("topic", "title", "answer", "items", "questions", "contacts"),
}
LABELS = {
    "title": "标题",
    "doc_number": "文号",
    "issuer": "发文机关",
    "printed": "印发日期",
    "preamble": "总体要求",
    "parts": "部分",
    "marker": "序号",
    "part": "所属部分",
    "part_title": "部分标题",
    "text": "正文",
    "departments_text": "负责部门（原文）",
    "departments": "负责部门",
    "lead": "牵头部门",
    "questions": "问法",
    "topic": "话题",
    "answer": "答复",
    "items": "引用条目",
    "contacts": "联系电话",
}
# The plan's structure is the printed one: an edit may reword an item, not move it.
FIXED_ITEM_FIELDS = ("marker", "part", "part_title")
RETIRABLE = ("questions", "answer")  # the plan's own text is amended, never withdrawn here
CREATABLE = RETIRABLE  # new answers; questions for an item that had none

NAME = re.compile(r"^[a-z][a-z0-9_]{1,59}$")  # answer ids and topics: they appear in logs and URLs
MAX_TITLE = 60
MAX_ITEM_TEXT = 3000
MAX_PREAMBLE = 3000
MAX_ANSWER = 400  # read on a phone
MAX_QUESTION = 100
MAX_QUESTIONS = 200
MAX_DEPARTMENT = 40
MAX_DEPARTMENTS_TEXT = 300
MAX_SHORT = 100  # document number, issuer, part titles
LONG_TEXT = 60  # longer text is shown a sentence per line in a diff
SENTENCE_END = re.compile(r"(?<=[。；！？])")


class InvalidEdit(ValueError):
    """An edit the store refuses; the message says why, in Chinese, for the office."""


def parse_key(key: str) -> tuple[str, str]:
    """``item:3`` → ("item", "3"); ``document`` → ("document", "")."""
    if key == DOCUMENT_KEY:
        return "document", ""
    kind, _, name = key.partition(":")
    if kind in ("item", "questions") and name.isdigit() and not name.startswith("0"):
        return kind, name
    if kind == "answer" and NAME.match(name):
        return kind, name
    raise InvalidEdit(f"不认识的条目：{key}（应为 item:3、questions:3、answer:英文小写编号 或 document）")


# ---- the knowledge base → entries (the import) -------------------------------------


def import_entries(kb: KnowledgeBase) -> Iterator[tuple[str, dict[str, Any], date | None]]:
    """(key, content, effective date) of every entry, in the knowledge base's order."""
    doc = kb.document
    header = {
        "title": doc.title,
        "doc_number": doc.doc_number,
        "issuer": doc.issuer,
        "printed": doc.printed,
        "preamble": doc.preamble,
        "parts": [[n, title] for n, title in doc.parts],
    }
    yield DOCUMENT_KEY, header, None
    for item in doc.items:
        content = {
            "marker": item.marker,
            "part": item.part,
            "part_title": item.part_title,
            "title": item.title,
            "text": item.text,
            "departments_text": item.departments_text,
            "departments": list(item.departments),
            "lead": list(item.lead),
        }
        yield f"item:{item.item}", content, _date(item.effective)
    for item in doc.items:
        if item.questions:
            yield f"questions:{item.item}", {"questions": list(item.questions)}, None
    for a in kb.answers:
        content = {
            "topic": a.topic,
            "title": a.title,
            "answer": a.answer,
            "items": list(a.items),
            "questions": list(a.questions),
            "contacts": list(a.contacts),
        }
        yield f"answer:{a.id}", content, _date(a.effective)


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


# ---- entries → the knowledge base's records ----------------------------------------


def build_item(number: int, content: dict[str, Any], questions: Iterable[str], effective: date | None) -> Item:
    return Item(
        item=number,
        marker=content["marker"],
        part=int(content["part"]),
        part_title=content["part_title"],
        title=content["title"],
        text=content["text"],
        departments_text=content["departments_text"],
        departments=tuple(content["departments"]),
        lead=tuple(content["lead"]),
        clauses=split_clauses(number, content["text"]),
        questions=tuple(questions),
        effective=effective.isoformat() if effective else "",
    )


def build_document(header: dict[str, Any], items: Iterable[Item]) -> Document:
    return Document(
        title=header["title"],
        doc_number=header["doc_number"],
        issuer=header["issuer"],
        printed=str(header["printed"]),
        preamble=header["preamble"],
        parts=tuple((int(n), str(title)) for n, title in header["parts"]),
        items=tuple(items),
    )


def build_answer(answer_id: str, content: dict[str, Any], effective: date | None) -> ApprovedAnswer:
    return ApprovedAnswer(
        id=answer_id,
        topic=content["topic"],
        title=content["title"],
        answer=content["answer"],
        items=tuple(int(i) for i in content["items"]),
        questions=tuple(content["questions"]),
        contacts=tuple(content["contacts"]),
        effective=effective.isoformat() if effective else "",
    )


# ---- checks ------------------------------------------------------------------------


def check(
    key: str,
    content: Any,
    *,
    previous: dict[str, Any] | None,
    items: set[int],
    contacts: set[str] | None,
) -> dict[str, Any]:
    """The content cleaned (text trimmed), or InvalidEdit saying what is wrong."""
    kind, name = parse_key(key)
    if not isinstance(content, dict):
        raise InvalidEdit(f"{key}：内容格式不对")
    unknown = sorted(set(content) - set(FIELDS[kind]))
    if unknown:
        raise InvalidEdit(f"{key}：不认识的字段 {'、'.join(unknown)}")
    if kind == "item":
        return _check_item(key, content, previous)
    if kind == "questions":
        if int(name) not in items:
            raise InvalidEdit(f"{key}：政策里没有第 {name} 项")
        return {"questions": _texts(content, "questions", MAX_QUESTION)}
    if kind == "answer":
        return _check_answer(key, content, items, contacts)
    return _check_document(content)


def _check_item(key: str, content: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
    if previous is None:
        raise InvalidEdit(f"{key}：政策条目只能修改，不能新增")
    for field in FIXED_ITEM_FIELDS:
        if content.get(field, previous[field]) != previous[field]:
            raise InvalidEdit(f"{key}：{LABELS[field]}是文件原有的结构，不能修改")
    departments = _texts(content, "departments", MAX_DEPARTMENT, limit=50)
    lead = _texts(content, "lead", MAX_DEPARTMENT, limit=50, required=False)
    if not set(lead) <= set(departments):
        raise InvalidEdit(f"{key}：牵头部门必须是负责部门之一")
    return {
        **{field: previous[field] for field in FIXED_ITEM_FIELDS},
        "title": _text(content, "title", MAX_TITLE),
        "text": _text(content, "text", MAX_ITEM_TEXT),
        "departments_text": _text(content, "departments_text", MAX_DEPARTMENTS_TEXT),
        "departments": departments,
        "lead": lead,
    }


def _check_answer(key: str, content: dict[str, Any], items: set[int], contacts: set[str] | None) -> dict[str, Any]:
    topic = _text(content, "topic", 60)
    if not NAME.match(topic):
        raise InvalidEdit(f"{key}：话题要用英文小写字母、数字和下划线，如 unpaid_wages")
    cited = content.get("items")
    if not isinstance(cited, list) or not cited or not all(type(i) is int for i in cited):
        raise InvalidEdit(f"{key}：答复必须引用政策条目（如 [3, 6]）")
    missing = sorted(set(cited) - items)
    if missing:
        raise InvalidEdit(f"{key}：引用的条目不存在：第 {'、'.join(map(str, missing))} 项")
    linked = _texts(content, "contacts", 60, limit=10, required=False)
    if contacts is not None and not set(linked) <= contacts:
        raise InvalidEdit(f"{key}：不认识的联系电话 {'、'.join(sorted(set(linked) - contacts))}")
    return {
        "topic": topic,
        "title": _text(content, "title", MAX_TITLE),
        "answer": _text(content, "answer", MAX_ANSWER),
        "items": list(dict.fromkeys(cited)),
        "questions": _texts(content, "questions", MAX_QUESTION),
        "contacts": linked,
    }


def _check_document(content: dict[str, Any]) -> dict[str, Any]:
    printed = _text(content, "printed", 10)
    try:
        date.fromisoformat(printed)
    except ValueError:
        raise InvalidEdit("印发日期要写成 2019-05-16 这样") from None
    parts = content.get("parts")
    if not isinstance(parts, list) or not parts or not all(_is_part(p) for p in parts):
        raise InvalidEdit("部分的格式不对：应为 [[1, 标题], [2, 标题], …]")
    return {
        "title": _text(content, "title", MAX_TITLE),
        "doc_number": _text(content, "doc_number", MAX_SHORT),
        "issuer": _text(content, "issuer", MAX_SHORT),
        "printed": printed,
        "preamble": _text(content, "preamble", MAX_PREAMBLE),
        "parts": [[n, _clip(title.strip(), MAX_SHORT, LABELS["parts"])] for n, title in parts],
    }


def _is_part(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and type(value[0]) is int and isinstance(value[1], str)


def _text(content: dict[str, Any], field: str, limit: int) -> str:
    value = content.get(field)
    if not isinstance(value, str) or not value.strip():
        raise InvalidEdit(f"{LABELS[field]}不能为空")
    return _clip(value.strip(), limit, LABELS[field])


def _clip(value: str, limit: int, label: str) -> str:
    if not value:
        raise InvalidEdit(f"{label}不能为空")
    if len(value) > limit:
        raise InvalidEdit(f"{label}太长了（{len(value)} 字，最多 {limit} 字）")
    return value


def _texts(
    content: dict[str, Any], field: str, each: int, *, limit: int = MAX_QUESTIONS, required: bool = True
) -> list[str]:
    label = LABELS[field]
    values = content.get(field, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise InvalidEdit(f"{label}应是一列文字")
    cleaned = [v.strip() for v in values]
    if required and not cleaned:
        raise InvalidEdit(f"{label}至少要有一条")
    if len(cleaned) > limit:
        raise InvalidEdit(f"{label}太多了（{len(cleaned)} 条，最多 {limit} 条）")
    for n, value in enumerate(cleaned, start=1):
        if not value:
            raise InvalidEdit(f"{label}第 {n} 条是空的")
        _clip(value, each, f"{label}第 {n} 条")
    repeated = sorted({v for v in cleaned if cleaned.count(v) > 1})
    if repeated:
        raise InvalidEdit(f"{label}有重复：{'、'.join(repeated)}")
    return cleaned


# ---- text, for diffs ---------------------------------------------------------------


def render(kind: str, content: dict[str, Any], retired: bool) -> list[str]:
    """The content as lines a person reads: one sentence or one question per line."""
    lines = ["（已停用）"] if retired else []
    for field in FIELDS[kind]:
        value = content.get(field)
        label = LABELS[field]
        if field in ("questions", "parts"):
            lines.append(f"{label}：")
            lines += [f"- {_flat(v)}" for v in value or []]
        elif isinstance(value, list):
            lines.append(f"{label}：{'、'.join(map(str, value))}")
        elif isinstance(value, str) and (len(value) > LONG_TEXT or "\n" in value):
            lines.append(f"{label}：")
            lines += [f"  {s}" for line in value.splitlines() for s in SENTENCE_END.split(line) if s.strip()]
        else:
            lines.append(f"{label}：{value}")
    return lines


def _flat(value: Any) -> str:
    return " ".join(map(str, value)) if isinstance(value, list) else str(value)
