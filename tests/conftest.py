"""Shared fixtures. The model and the index load once per session (marked slow)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.loader import DATA_DIR, NLU_DIR, PROJECT_ROOT, KnowledgeBase, load_knowledge
from knowledge.settings import KnowledgeSettings

SEED = PROJECT_ROOT / "knowledge" / "seeds" / "plan_2019.txt"
TEST_DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture(scope="session")
def settings() -> KnowledgeSettings:
    return KnowledgeSettings()


@pytest.fixture(scope="session")
def embedder(settings: KnowledgeSettings):  # type: ignore[no-untyped-def]
    from knowledge.embedder import Embedder

    return Embedder(settings)


@pytest.fixture(scope="session")
def searcher(settings: KnowledgeSettings, kb: KnowledgeBase, embedder):  # type: ignore[no-untyped-def]
    from knowledge.search import open_searcher

    return open_searcher(settings, kb=kb, embedder=embedder)


@pytest.fixture()
def data_copy(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A private copy of the knowledge data and the NLU lexicons, to edit in a test."""
    data = tmp_path / "data"
    nlu = tmp_path / "nlu_data"
    shutil.copytree(DATA_DIR, data)
    shutil.copytree(NLU_DIR, nlu)
    yield data, nlu
