"""Parse the plan's extracted text into a Document of parts, items and clauses.

The text came out of a PDF, so it carries extraction artefacts: paragraphs cut by
page breaks (even inside a word), ``**`` bold markers, and stray spaces between
two Chinese characters. Only those are mended; every word stays as printed.
"""

from __future__ import annotations

import re
from pathlib import Path

from knowledge.models import Clause, Document, Item

CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CJK = r"\u3400-\u9fff"
PUNCT = r"，。、；：？！“”‘’（）《》〔〕"

PART_RE = re.compile(r"^([一二三四五六七八九十]+)、(.+)$")
ITEM_RE = re.compile(r"^([（(]([一二三四五六七八九十]+)[）)])\s*([^。]+)。(.*)$", re.S)
DOC_NUMBER_RE = re.compile(r"^\S+〔\d{4}〕\d+号$")
PRINTED_RE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日印发$")
CLAUSE_END = re.compile(r"(?<=[。；])")


def cn_number(text: str) -> int:
    """Chinese numerals up to 99: 三 → 3, 十 → 10, 十八 → 18, 二十一 → 21."""
    if "十" not in text:
        return CN_DIGITS[text]
    tens, _, units = text.partition("十")
    return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[units] if units else 0)


def mend(text: str) -> str:
    """Remove the artefacts of extraction, nothing else."""
    text = text.replace("**", "")
    # A space between two Chinese characters or punctuation marks is a line-wrap artefact.
    return re.sub(rf"(?<=[{CJK}{PUNCT}])[ \u3000]+(?=[{CJK}{PUNCT}])", "", text)


def split_departments(paragraph: str) -> tuple[str, str]:
    """Split an item paragraph into its measures and the closing departments parenthesis."""
    paragraph = paragraph.rstrip()
    if paragraph[-1] not in "）)":
        raise ValueError(f"item does not end with its departments: …{paragraph[-30:]}")
    depth = 0
    for pos in range(len(paragraph) - 1, -1, -1):
        ch = paragraph[pos]
        if ch in "）)":
            depth += 1
        elif ch in "（(":
            depth -= 1
            if depth == 0:
                return paragraph[:pos].rstrip(), paragraph[pos + 1 : -1]
    raise ValueError("unbalanced parentheses in departments")


def parse_departments(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``A牵头，B、C按分工负责`` → departments (A, B, C), lead (A,)."""
    departments: list[str] = []
    lead: list[str] = []
    for group in re.split(r"[，,]", text):
        is_lead = "牵头" in group
        names = re.sub(r"(分别)?(牵头)?(按分工)?负责$|牵头$", "", group.strip())
        for name in filter(None, (n.strip() for n in names.split("、"))):
            departments.append(name)
            if is_lead:
                lead.append(name)
    return tuple(departments), tuple(lead)


def split_clauses(item: int, text: str) -> tuple[Clause, ...]:
    parts = [p.strip() for p in CLAUSE_END.split(text) if p.strip()]
    return tuple(Clause(item=item, index=i, text=p) for i, p in enumerate(parts, start=1))


def paragraphs(raw: str) -> list[str]:
    """Blank-line separated blocks, with the page-break splits of an item rejoined."""
    blocks = [mend(b.strip()) for b in re.split(r"\n\s*\n", raw) if b.strip()]
    merged: list[str] = []
    for block in blocks:
        starts_new = bool(PART_RE.match(block) or ITEM_RE.match(block))
        if merged and not starts_new and _inside_item(merged[-1]):
            merged[-1] += block
        else:
            merged.append(block)
    return merged


def _inside_item(block: str) -> bool:
    """An item paragraph is open until its departments parenthesis has closed."""
    if not ITEM_RE.match(block):
        return False
    stripped = block.rstrip()
    return not (stripped.endswith(("负责）", "负责)")))


def parse_plan(raw: str) -> Document:
    blocks = paragraphs(raw)
    doc_number = next(b for b in blocks if DOC_NUMBER_RE.match(b))
    issuer = blocks[blocks.index(doc_number) - 1]
    printed_match = next(m for b in blocks if (m := PRINTED_RE.match(b)))
    year, month, day = (int(g) for g in printed_match.groups())
    title_pos = next(i for i, b in enumerate(blocks) if b.endswith("工作要点") and len(b) < 30)
    title = blocks[title_pos]
    preamble = blocks[title_pos + 1]

    parts: list[tuple[int, str]] = []
    items: list[Item] = []
    for block in blocks[title_pos + 2 :]:
        if block.startswith("抄送"):
            break
        if part_match := PART_RE.match(block):
            parts.append((cn_number(part_match.group(1)), part_match.group(2)))
            continue
        item_match = ITEM_RE.match(block)
        if not item_match or not parts:
            raise ValueError(f"unexpected text in the plan: {block[:40]}")
        marker, number, item_title, rest = item_match.groups()
        body, departments_text = split_departments(rest.strip())
        departments, lead = parse_departments(departments_text)
        n = cn_number(number)
        items.append(
            Item(
                item=n,
                marker=marker,
                part=parts[-1][0],
                part_title=parts[-1][1],
                title=item_title.strip(),
                text=body,
                departments_text=departments_text,
                departments=departments,
                lead=lead,
                clauses=split_clauses(n, body),
            )
        )
    return Document(
        title=title,
        doc_number=doc_number,
        issuer=issuer,
        printed=f"{year:04d}-{month:02d}-{day:02d}",
        preamble=preamble,
        parts=tuple(parts),
        items=tuple(items),
    )


def parse_plan_file(path: Path) -> Document:
    return parse_plan(path.read_text(encoding="utf-8"))
