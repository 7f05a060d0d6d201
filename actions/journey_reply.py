"""Shared by the journeys' closing actions: quote the plan clauses a checklist rests on."""

from __future__ import annotations

from typing import Any

from actions import services


def clause_citations(references: tuple[tuple[int, int], ...]) -> list[dict[str, Any]]:
    """Citations for (item, clause) pairs, quoted verbatim."""
    document = services.current().searcher.kb.document
    out = []
    for number, clause in references:
        item = document.item(number)
        out.append(
            {
                "doc": document.citation_name(),
                "item": number,
                "title": item.title,
                "quote": item.clauses[clause - 1].text,
                "departments": list(item.departments),
            }
        )
    return out
