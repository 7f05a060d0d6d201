"""The knowledge base's records: the plan, its items and clauses, approved answers, contacts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Clause:
    """One sentence (or measure) of an item, quoted verbatim in answers."""

    item: int
    index: int  # 1-based position within the item
    text: str

    @property
    def id(self) -> str:
        return f"{self.item}.{self.index}"


@dataclass(frozen=True)
class Item:
    """One numbered item （一）…（十八） of the plan."""

    item: int
    marker: str  # the item's number as printed, e.g. （三）
    part: int
    part_title: str
    title: str
    text: str  # the measures after the title, verbatim
    departments_text: str  # the closing parenthesis, verbatim
    departments: tuple[str, ...]
    lead: tuple[str, ...]
    clauses: tuple[Clause, ...]
    questions: tuple[str, ...] = ()  # how workers ask about it; maintained by the office
    effective: str = ""  # ISO date this text took effect; empty: as printed (the document's date)

    @property
    def source_text(self) -> str:
        """The paragraph as printed (extraction artefacts mended)."""
        return f"{self.marker}{self.title}。{self.text}（{self.departments_text}）"

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "marker": self.marker,
            "part": self.part,
            "part_title": self.part_title,
            "title": self.title,
            "text": self.text,
            "departments_text": self.departments_text,
            "departments": list(self.departments),
            "lead": list(self.lead),
            "clauses": [{"id": c.id, "text": c.text} for c in self.clauses],
            "effective": self.effective,
        }


@dataclass(frozen=True)
class Document:
    title: str
    doc_number: str  # 文号
    issuer: str
    printed: str  # ISO date
    preamble: str
    parts: tuple[tuple[int, str], ...]
    items: tuple[Item, ...]

    def item(self, number: int) -> Item:
        for it in self.items:
            if it.item == number:
                return it
        raise KeyError(number)

    def citation_name(self) -> str:
        return f"《{self.title}》（{self.doc_number}）"


@dataclass(frozen=True)
class Contact:
    id: str
    number: str
    name: str
    description: str
    items: tuple[int, ...]


@dataclass(frozen=True)
class ApprovedAnswer:
    """An answer written and approved by the office, returned verbatim when it matches."""

    id: str
    topic: str
    title: str
    answer: str
    items: tuple[int, ...]
    questions: tuple[str, ...]
    contacts: tuple[str, ...] = ()
    effective: str = ""


@dataclass(frozen=True)
class OutOfScopeTopic:
    """Something workers ask that the plan does not cover, and where to turn instead."""

    id: str
    title: str
    contact: str
    questions: tuple[str, ...]


@dataclass
class Hit:
    """One search result: a plan item (with its best clauses) or an approved answer."""

    kind: str  # "clause" or "answer"
    id: str
    items: list[int]
    title: str
    quotes: list[str]
    quote_ids: list[str]
    departments: list[str]
    lead: list[str]
    score: float
    answer: str | None = None
    contacts: list[dict[str, str]] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    signals: dict[str, float] = field(default_factory=dict)
    effective: str = ""  # an approved answer: the date its text took effect (items: in citations)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["score"] = round(self.score, 4)
        data["signals"] = {k: round(v, 4) for k, v in self.signals.items()}
        return data
