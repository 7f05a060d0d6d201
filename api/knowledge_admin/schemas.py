"""What the knowledge routes answer: the editors' admin API (routes.py) and search (search_routes.py).

Times and dates are ISO 8601 strings, exactly as the routes write them. An entry's content
is the editors' own JSON (its shape depends on the kind), so it stays an open object here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

# --- search (knowledge/search.py: SearchResult.to_json, Hit.to_json) ---


class SearchCitation(BaseModel):
    """One plan item an answer rests on, with the clauses quoted from it."""

    doc: str
    item: int
    marker: str
    part: int
    title: str
    quote: str
    clause_ids: list[str]
    departments: list[str]
    lead: list[str]
    effective: str


class SearchContact(BaseModel):
    number: str
    name: str


class OutOfScopeTopic(BaseModel):
    id: str
    title: str
    contact: str


class SearchHit(BaseModel):
    kind: str = Field(description="clause (a plan item) or answer (an approved answer)")
    id: str
    items: list[int]
    title: str
    quotes: list[str]
    quote_ids: list[str]
    departments: list[str]
    lead: list[str]
    score: float
    answer: str | None
    contacts: list[SearchContact]
    citations: list[SearchCitation]
    signals: dict[str, float] = Field(description="dense_question, dense_passage and lexical scores")
    effective: str


class SearchOut(BaseModel):
    query: str
    normalized: str
    focus: str | None
    in_scope: bool
    confidence: float
    out_of_scope_topic: OutOfScopeTopic | None = Field(description="where to turn, when the plan does not cover it")
    message: str | None
    hits: list[SearchHit]
    knowledge: str = Field(description="the content hash of the knowledge that answered")


class TopicCandidate(BaseModel):
    intent: str | None
    score: float
    items: list[int]


class TopicOut(BaseModel):
    in_scope: bool
    confidence: float
    items: list[int]
    intent: str | None
    candidates: list[TopicCandidate]


class ItemClause(BaseModel):
    id: str
    text: str


class ItemOut(BaseModel):
    """One numbered item of the plan (knowledge/loader.py: item_json)."""

    item: int
    marker: str
    part: int
    part_title: str
    title: str
    text: str
    departments_text: str
    departments: list[str]
    lead: list[str]
    clauses: list[ItemClause]
    effective: str
    doc: str
    contacts: list[str]
    next_step: str


# --- the editors' admin API ---


class VersionOut(BaseModel):
    key: str
    version: int
    content: dict[str, Any]
    retired: bool
    author: str
    created_at: str
    note: str
    effective_date: str | None
    published_at: str | None
    published_by: str | None


class EntrySummary(BaseModel):
    key: str
    kind: str
    title: str
    published_version: int | None
    latest_version: int
    has_draft: bool
    retired: bool
    effective_date: str | None


class EntryList(BaseModel):
    items: list[EntrySummary]


class EntryOut(BaseModel):
    key: str
    kind: str
    latest_version: int
    published_version: int | None
    published: VersionOut | None
    draft: VersionOut | None = Field(description="the version waiting to be published, if any")


class PublishOut(BaseModel):
    published: list[tuple[str, int]] = Field(description="[entry key, version] made public")
    revision: int
    content_hash: str
    swapped: bool
    units: int
    encoded: int
    seconds: dict[str, float]


class ChangedEntry(BaseModel):
    key: str
    reviewed_version: int = Field(description="the version the reviewer saw and asked to publish")
    latest_version: int = Field(description="the entry's newest version now")
    published_version: int | None


class PublishConflictOut(BaseModel):
    detail: str
    changed: list[ChangedEntry] = Field(description="the entries that are no longer the reviewed version")


class VersionHistory(BaseModel):
    versions: list[VersionOut] = Field(description="the newest first")


class DiffOut(BaseModel):
    diff: str = Field(description="a unified diff, a sentence per line")


class AuditRecord(BaseModel):
    id: int
    at: str
    actor: str
    action: str
    key: str | None
    version: int | None
    note: str


class AuditList(BaseModel):
    items: list[AuditRecord]


class StaleDraftOut(BaseModel):
    """409 from saving a draft: someone else saved a newer version first."""

    detail: str
    latest_version: int
