"""What the actions need at run time: the knowledge searcher and the case store.

The api process that serves the actions sets them once at start-up (so the index
lives in one place and a publish is seen at once); tests set fakes or real ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from api.cases.store import CaseStore
from api.privacy.vault import PiiVault
from api.settings import DEFAULT_HANDOFF_NOTICE

__all__ = ["PiiVault", "Services", "configure", "current"]
from knowledge.loader import KnowledgeBase
from knowledge.search import SearchResult


class SearchService(Protocol):
    @property
    def kb(self) -> KnowledgeBase: ...

    def search(self, text: str, top_k: int = 3) -> SearchResult: ...


@dataclass
class Services:
    searcher: SearchService
    cases: CaseStore
    handoff_notice: str = DEFAULT_HANDOFF_NOTICE
    # Where the adapter keeps phone numbers it took out of messages (None: no adapter in front).
    vault: PiiVault | None = None


_current: Services | None = None


def configure(services: Services) -> None:
    global _current
    _current = services


def current() -> Services:
    if _current is None:
        raise RuntimeError("the actions are not configured: call actions.services.configure() at start-up")
    return _current
