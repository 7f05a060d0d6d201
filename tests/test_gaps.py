"""The gap report at scale (issue 14, item 8): matrix grouping, the newest N questions, a short cache.

The grouping must find the very groups the former one-comparison-at-a-time loop found
(tests/support/old_gaps.py, kept as the oracle), in a fraction of the time; the report
reads only the newest ``API_GAPS_MAX_QUESTIONS`` unanswered questions and says when it
left older ones out; and a report asked for again, or by many at once, is computed once
until a new message or a publish changes what it would say.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.conversations.history import History, StoredMessage
from api.main import create_app
from api.quality.cache import ReportCache
from api.quality.figures import exchanges, is_gap, newest_gaps
from api.quality.grouping import group_by_meaning
from knowledge.search import Searcher
from tests.support.databases import migrated
from tests.support.embedder import StandInEmbedder
from tests.support.old_gaps import old_groups
from tests.support.settings import settings_for
from tests.support.standins import RasaStandIn

OUT_OF_SCOPE = {"intent": "out_of_scope", "confidence": 0.8, "in_scope": False, "hits": []}
IN_SCOPE = {"intent": "ask_unpaid_wages", "confidence": 0.9, "in_scope": True, "hits": []}
QUESTIONS = [
    "离婚了孩子归谁",
    "离婚以后孩子抚养权归谁",
    "离婚了孩子归谁管",
    "驾照怎么考",
    "驾照怎么考试",
    "考驾照要多少钱",
    "社保断了怎么补",
    "社保断交了怎么补交",
    "医保怎么报销",
    "医保报销要什么材料",
    "火车票怎么退",
    "火车票退票扣多少钱",
    "孩子在老家上学怎么办",
    "孩子转学到太原要什么手续",
    "租房押金不退怎么办",
    "房东不退押金",
    "工伤了老板不管",
    "工伤认定去哪里",
    "老乡借钱不还",
    "手机丢了怎么办",
]


def rng_clusters(count: int, centers: int, noise: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    middles = rng.normal(size=(centers, 48))
    points = middles[rng.integers(0, centers, count)] + noise * rng.normal(size=(count, 48))
    unit: np.ndarray = (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)
    return unit


# --- the grouping -------------------------------------------------------------------------------


@pytest.mark.parametrize("similarity", [0.5, 0.6, 0.7, 0.8])
def test_the_grouping_finds_the_same_groups_as_before_on_questions(similarity: float) -> None:
    vectors = StandInEmbedder().queries(QUESTIONS * 3)
    before = old_groups(vectors, similarity)
    assert 1 < len(before) < len(QUESTIONS) * 3  # some grouped, not all in one
    assert group_by_meaning(vectors, similarity, block=7) == before  # blocks cut through groups
    assert group_by_meaning(vectors, similarity) == before


@pytest.mark.parametrize(("count", "noise", "similarity"), [(600, 0.2, 0.9), (900, 0.35, 0.8), (700, 0.1, 0.97)])
def test_the_grouping_finds_the_same_groups_as_before_on_clusters(count: int, noise: float, similarity: float) -> None:
    vectors = rng_clusters(count, 30, noise, seed=count)
    assert group_by_meaning(vectors, similarity, block=64) == old_groups(vectors, similarity)


def test_questions_that_all_differ_each_get_their_own_group() -> None:
    # All different (random directions): the worst case, one group per question. How long it
    # takes against the former loop is measured by bench/gaps.py, not here.
    vectors = rng_clusters(4000, 1, 1e6, seed=7)  # the noise swamps the one centre: random unit vectors
    groups = group_by_meaning(vectors, 0.9)
    assert len(groups) == 4000
    assert group_by_meaning(np.zeros((0, 8), dtype=np.float32), 0.9) == []


# --- reading the newest questions ---------------------------------------------------------------


def worker(text: str) -> StoredMessage:
    return StoredMessage(role="user", text=text)


def bot(evidence: dict[str, Any] | None = None, **meta: Any) -> StoredMessage:
    return StoredMessage(role="bot", text="…", meta={**meta, **({"evidence": evidence} if evidence else {})})


@pytest.fixture()
def history(tmp_path: Path) -> History:
    return History(migrated(f"sqlite:///{tmp_path / 'history.db'}"))


def fill(history: History) -> None:
    """Interleaved conversations: answered, unanswered, unsure, failed, a payload, a staff reply."""
    history.add("web:a", "web", [worker("离婚了孩子归谁"), bot(OUT_OF_SCOPE)])
    history.add("web:b", "web", [worker("老板欠工资"), bot(IN_SCOPE)])
    history.add("web:a", "web", [worker("/ask_human"), bot(handoff=True)])
    history.add("wechat:c", "wechat", [worker("加班费怎么算"), bot({**IN_SCOPE, "scope_confidence": 0.3})])
    history.add("web:b", "web", [worker("驾照怎么考"), bot(failed=True)])
    history.add("web:a", "web", [StoredMessage(role="staff", text="您好"), bot(IN_SCOPE)])
    history.add("web:a", "web", [worker("社保断了怎么补"), bot(OUT_OF_SCOPE), bot(IN_SCOPE)])
    history.add("wechat:c", "wechat", [worker("火车票怎么退")])  # no reply (yet): answered until shown otherwise


def test_reading_backwards_finds_what_reading_forwards_found(history: History) -> None:
    fill(history)
    since = datetime.now(UTC) - timedelta(days=1)
    forwards = [e for e in exchanges(history, since) if is_gap(e)]
    backwards, capped = newest_gaps(history, since, 100)
    assert not capped
    assert sorted(forwards, key=lambda e: e.seq) == sorted(backwards, key=lambda e: e.seq)
    assert {e.question for e in backwards} == {"离婚了孩子归谁", "加班费怎么算", "驾照怎么考", "社保断了怎么补"}


def test_only_the_newest_questions_are_read_and_the_cap_is_said(history: History) -> None:
    fill(history)
    since = datetime.now(UTC) - timedelta(days=1)
    newest, capped = newest_gaps(history, since, 2)
    assert capped and [e.question for e in newest] == ["社保断了怎么补", "驾照怎么考"]
    exactly, capped = newest_gaps(history, since, 4)
    assert not capped and len(exactly) == 4  # as many as there are: nothing was left out


# --- the report through the api -----------------------------------------------------------------


def reply(sender: str, message: str) -> list[dict[str, Any]]:
    if "工资" in message:
        return [{"text": "可以找劳动保障监察。", "custom": {"evidence": IN_SCOPE}}]
    return [{"text": "这个政策里没有写到。", "custom": {"evidence": OUT_OF_SCOPE}}]


class CountingEmbedder(StandInEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def queries(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        return super().queries(texts)


@pytest.fixture()
def counting(standin_searcher: Searcher, monkeypatch: pytest.MonkeyPatch) -> CountingEmbedder:
    counting = CountingEmbedder()
    monkeypatch.setattr(standin_searcher, "embedder", counting)
    return counting


@pytest.fixture()
def client(tmp_path: Path, standin_searcher: Searcher, counting: CountingEmbedder) -> Iterator[TestClient]:
    with (
        RasaStandIn(reply) as rasa,
        TestClient(create_app(settings_for(tmp_path, rasa.url, gaps_max_questions=4), standin_searcher)) as client,
    ):
        client.app.state.container.accounts.create_user("wang", "wang-password-1", "staff")  # type: ignore[attr-defined]
        yield client


def ask(client: TestClient, text: str, session: str) -> None:
    assert client.post("/api/web/messages", json={"session_id": session, "text": text}).status_code == 200


def test_the_report_groups_the_newest_questions_and_says_it_left_older_out(client: TestClient) -> None:
    for i, text in enumerate(["手机丢了怎么办", "离婚了孩子归谁", "老板欠工资", "驾照怎么考", "离婚了孩子归谁管"]):
        ask(client, text, f"session-{i:04d}")
    client.post("/api/auth/login", json={"username": "wang", "password": "wang-password-1"})
    report = client.get("/api/console/quality/gaps").json()
    assert report["questions"] == 4 and report["max_questions"] == 4 and not report["capped"]
    ask(client, "医保怎么报销", "session-0009")
    report = client.get("/api/console/quality/gaps").json()
    assert report["capped"] and report["questions"] == 4
    asked = {text for item in report["items"] for text in item["examples"]}
    assert "手机丢了怎么办" not in asked and "医保怎么报销" in asked  # the oldest is the one left out


def test_a_report_is_computed_once_until_a_new_message(client: TestClient, counting: CountingEmbedder) -> None:
    ask(client, "驾照怎么考", "session-0001")
    client.post("/api/auth/login", json={"username": "wang", "password": "wang-password-1"})
    before = counting.calls
    first = client.get("/api/console/quality/gaps").json()
    again = client.get("/api/console/quality/gaps").json()
    assert counting.calls == before + 1 and again == first
    ask(client, "医保怎么报销", "session-0002")
    calls = counting.calls  # the chat's own search embeds too
    fresh = client.get("/api/console/quality/gaps").json()
    assert counting.calls == calls + 1 and fresh["computed_at"] != first["computed_at"]
    assert {g["question"] for g in fresh["items"]} == {"驾照怎么考", "医保怎么报销"}
    other_period = client.get("/api/console/quality/gaps", params={"days": 7}).json()
    assert counting.calls == calls + 2 and other_period["days"] == 7


# --- the cache ----------------------------------------------------------------------------------


def test_many_asking_at_once_compute_once() -> None:
    cache: ReportCache[int] = ReportCache()
    computed: list[int] = []
    gate = threading.Event()

    def compute() -> int:
        gate.wait(2)
        computed.append(1)
        return 42

    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(cache.get(("gaps", 30), compute))) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(0.1)
    gate.set()
    for thread in threads:
        thread.join(5)
    assert answers == [42] * 8 and len(computed) == 1
    assert cache.get(("gaps", 7), lambda: 7) == 7  # another key is its own report


def test_a_kept_report_expires_and_a_failure_is_not_kept() -> None:
    now = [0.0]
    cache: ReportCache[str] = ReportCache(ttl_s=300, size=2, clock=lambda: now[0])
    assert cache.get("k", lambda: "first") == "first"
    now[0] = 299
    assert cache.get("k", lambda: "second") == "first"
    now[0] = 301
    assert cache.get("k", lambda: "third") == "third"

    def fail() -> str:
        raise RuntimeError("database away")

    with pytest.raises(RuntimeError):
        cache.get("x", fail)
    assert cache.get("x", lambda: "recovered") == "recovered"
    cache.get("y", lambda: "y")
    assert len(cache._entries) <= 2  # bounded
