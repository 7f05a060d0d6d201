"""Shared fixtures. The model and the index load once per session, for tests marked slow.

Tests not marked slow get the stand-in searcher (``standin_searcher``) and cannot load the model
or start Rasa: ``make test-fast`` runs exactly them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.loader import DATA_DIR, NLU_DIR, PROJECT_ROOT, KnowledgeBase, load_knowledge
from knowledge.search import Searcher
from knowledge.settings import KnowledgeSettings
from tests.support.system import System, trained_model

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


@pytest.fixture(scope="session")
def standin_searcher() -> Searcher:
    """The real searcher on the stand-in embedder: for tests of the app, not of the retrieval."""
    from tests.support.embedder import standin_searcher as build

    return build()


@pytest.fixture()
def app_searcher(request: pytest.FixtureRequest, standin_searcher: Searcher) -> Searcher:
    """The real searcher for a test marked slow, the stand-in for any other."""
    if request.node.get_closest_marker("slow"):
        real: Searcher = request.getfixturevalue("searcher")
        return real
    return standin_searcher


MODEL_FIXTURES = frozenset({"embedder", "searcher", "system"})


@pytest.fixture(autouse=True)
def _model_and_rasa_only_when_marked_slow(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keeps the marks true: a test not marked slow can load neither the model nor Rasa."""
    if request.node.get_closest_marker("slow"):
        return
    if used := MODEL_FIXTURES & set(request.fixturenames):
        pytest.fail(
            f"uses {', '.join(sorted(used))}: mark it slow, or use the stand-in (standin_searcher)", pytrace=False
        )

    def refuse(*_: object, **__: object) -> None:
        raise RuntimeError("this test loads the embedding model: mark it slow, or use the stand-in (standin_searcher)")

    monkeypatch.setattr("knowledge.embedder.Embedder.__init__", refuse)


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
