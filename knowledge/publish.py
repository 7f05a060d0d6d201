"""Publishing without retraining: build the new searcher to the side, then swap it in.

``LiveSearcher`` is what the api and the actions hold. It has the searcher's interface
(``kb``, ``index``, ``search``…) and reads its one reference once per call, so every
query is answered by the old knowledge or the new, never a mix. ``swap`` replaces that
reference in a single assignment; the recent-results cache belongs to each Searcher,
so it leaves with the old one.

``Publisher`` publishes in the store, assembles the KnowledgeBase of the published
versions and builds its Searcher with the loaded model, the tokenizer when the lexicon
is the same, and the vectors of every unit whose text did not change (seconds, no
model load), then swaps. ``refresh`` does the same when another process published.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from knowledge.embedder import Embedder
from knowledge.index import Index, load_or_build
from knowledge.lexical import Tokenizer
from knowledge.loader import KnowledgeBase, load_knowledge, load_supporting
from knowledge.normalize import QueryNormalizer
from knowledge.scoring import Scoring
from knowledge.search import Searcher, SearchResult, build_normalizer, open_searcher
from knowledge.settings import KnowledgeSettings
from knowledge.store import KnowledgeStore, Published, knowledge_base_from_published

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Live:
    searcher: Searcher
    revision: int  # the store's revision it was built from (0: not from the store)


class LiveSearcher:
    """The searcher in service, replaced whole when the knowledge is published."""

    def __init__(self, searcher: Searcher, revision: int = 0) -> None:
        self._live = _Live(searcher, revision)  # searcher and revision change together, in one assignment
        self._swap_lock = threading.Lock()  # orders the writers; readers never wait

    def current(self) -> Searcher:
        """The searcher of this moment: hold it when several reads must agree (kb and search)."""
        return self._live.searcher

    @property
    def revision(self) -> int:
        return self._live.revision

    @property
    def kb(self) -> KnowledgeBase:
        return self._live.searcher.kb

    @property
    def index(self) -> Index:
        return self._live.searcher.index

    @property
    def embedder(self) -> Embedder:
        return self._live.searcher.embedder

    @property
    def tokenizer(self) -> Tokenizer:
        return self._live.searcher.tokenizer

    @property
    def normalize(self) -> QueryNormalizer:
        return self._live.searcher.normalize

    @property
    def scoring(self) -> Scoring:
        return self._live.searcher.scoring

    def search(self, text: str, top_k: int = 3) -> SearchResult:
        current = self._live.searcher  # read once: the whole query runs on this one version
        return current.search(text, top_k)

    def search_uncached(self, text: str, top_k: int) -> SearchResult:
        current = self._live.searcher
        return current.search_uncached(text, top_k)

    def swap(self, searcher: Searcher, revision: int) -> bool:
        """Serve ``searcher`` from now on, unless a newer revision is already served."""
        with self._swap_lock:
            if revision < self._live.revision:
                return False  # a slower build of older content must not undo a newer one
            self._live = _Live(searcher, revision)
            return True


def build_searcher(
    kb: KnowledgeBase, base: Searcher, settings: KnowledgeSettings, index_dir: Path | None = None
) -> tuple[Searcher, int]:
    """A Searcher for ``kb`` with ``base``'s model, scoring, tokenizer and vectors; and the units it encoded."""
    if kb.content_hash == base.kb.content_hash:
        return base, 0
    # The tokenizer depends on the lexicon only, which the store does not edit.
    tokenizer = base.tokenizer if kb.lexicon == base.kb.lexicon else Tokenizer(kb.lexicon)
    index, built = load_or_build(kb, base.embedder, tokenizer, index_dir or settings.index_dir, reuse=base.index)
    encoded = index.size - int(str(index.meta.get("reused", 0))) if built else 0
    normalizer = build_normalizer(kb, tokenizer, index, settings)
    return Searcher(kb, index, base.embedder, tokenizer, normalizer, base.scoring), encoded


@dataclass(frozen=True)
class PublishReport:
    published: tuple[tuple[str, int], ...]  # (entry, version) made public
    revision: int
    content_hash: str
    swapped: bool
    units: int
    encoded: int  # units embedded anew; the rest reused the live index's vectors
    seconds: dict[str, float]  # store, knowledge, searcher, total

    def summary(self) -> str:
        parts = ", ".join(f"{k} {v:.3f}s" for k, v in self.seconds.items())
        encoded = f"{self.encoded}/{self.units} units encoded"
        return f"published {len(self.published)} entries, revision {self.revision}, {encoded}: {parts}"


class Publisher:
    """Publishes in the store and swaps the live searcher; one publish at a time per process."""

    def __init__(
        self,
        store: KnowledgeStore,
        live: LiveSearcher,
        settings: KnowledgeSettings,
        *,
        index_dir: Path | None = None,
    ) -> None:
        self.store = store
        self.live = live
        self.settings = settings
        self.index_dir = index_dir or settings.index_dir
        self._lock = threading.Lock()

    def publish(
        self,
        keys: Iterable[str] | None = None,
        *,
        author: str,
        note: str = "",
        reviewed: Mapping[str, int] | None = None,
    ) -> PublishReport:
        """Publish (see KnowledgeStore.publish; ``reviewed``: exactly these versions) and swap."""
        with self._lock:
            started = time.perf_counter()
            versions = self.store.publish(keys, author=author, note=note, reviewed=reviewed)
            return self._rebuild(started, tuple((v.key, v.version) for v in versions))

    def rollback(self, key: str, to_version: int, *, author: str, note: str = "") -> PublishReport:
        with self._lock:
            started = time.perf_counter()
            version = self.store.rollback(key, to_version, author=author, note=note)
            return self._rebuild(started, ((version.key, version.version),))

    def refresh(self) -> PublishReport | None:
        """Catch up with a publish made by another process; None when already current."""
        with self._lock:
            if self.store.revision() <= self.live.revision:
                return None
            return self._rebuild(time.perf_counter(), ())

    def _rebuild(self, started: float, published: tuple[tuple[str, int], ...]) -> PublishReport:
        """The store is committed already: if this fails, the old knowledge stays live and refresh retries."""
        stored = time.perf_counter()
        snapshot: Published = self.store.published()
        kb = knowledge_base_from_published(snapshot, load_supporting(self.settings.data_dir, self.settings.nlu_dir))
        assembled = time.perf_counter()
        searcher, encoded = build_searcher(kb, self.live.current(), self.settings, self.index_dir)
        built = time.perf_counter()
        swapped = self.live.swap(searcher, snapshot.revision)
        finished = time.perf_counter()
        report = PublishReport(
            published=published,
            revision=snapshot.revision,
            content_hash=kb.content_hash,
            swapped=swapped,
            units=searcher.index.size,
            encoded=encoded,
            seconds={
                "store": stored - started,
                "knowledge": assembled - stored,
                "searcher": built - assembled,
                "swap": finished - built,
                "total": finished - started,
            },
        )
        log.info("knowledge %s", report.summary())
        return report


def open_store(settings: KnowledgeSettings, url: str | Engine | None = None) -> KnowledgeStore:
    """The store at ``url`` or on a caller's engine (default: the settings' URL), seeded from the YAML when empty."""
    kb = load_knowledge(settings.data_dir, settings.nlu_dir)
    store = KnowledgeStore(url or settings.store_database_url, contacts=[c.id for c in kb.contacts])
    if store.is_empty():
        store.import_knowledge(kb)
    return store


def open_live(settings: KnowledgeSettings, store: KnowledgeStore, *, embedder: Embedder | None = None) -> LiveSearcher:
    """The live searcher of the store's published knowledge (loads the model unless given)."""
    snapshot = store.published()
    kb = knowledge_base_from_published(snapshot, load_supporting(settings.data_dir, settings.nlu_dir))
    return LiveSearcher(open_searcher(settings, kb=kb, embedder=embedder), snapshot.revision)
