"""Shared fixtures. The model and the index load once per session (marked slow)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.loader import DATA_DIR, NLU_DIR, PROJECT_ROOT, KnowledgeBase, load_knowledge
from knowledge.settings import KnowledgeSettings
from tests.system import System, trained_model

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


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """The real api (with the actions) and the real Rasa with the trained model, shared by the end-to-end tests."""
    running = System(Path(tmp_path_factory.mktemp("system")))
    try:
        running.start_api()
        running.start_rasa(trained_model())
        running.wait_until_ready()
        yield running
    finally:
        running.stop()
