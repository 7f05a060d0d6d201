"""The knowledge endpoints over HTTP, on the real standin_searcher."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from knowledge.search import Searcher

ACTIONS_TOKEN = "api-test-actions-token-0123456789"
RASA = {"X-Actions-Token": ACTIONS_TOKEN}


@pytest.fixture(scope="module")
def client(standin_searcher: Searcher, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    scratch = tmp_path_factory.mktemp("api")
    settings = ApiSettings(
        database_url=f"sqlite:///{scratch / 'api.db'}",
        pii_key_file=str(scratch / "pii.key"),
        rasa_jwt_secret="api-test-jwt-secret-0123456789abcdef",
        actions_token=ACTIONS_TOKEN,
        search_per_address_per_minute=1000,
    )
    with TestClient(create_app(settings, searcher=standin_searcher)) as test_client:  # the lifespan runs: ready
        yield test_client


def test_search_is_a_post_with_the_question_in_the_body(client: TestClient) -> None:
    response = client.post("/api/knowledge/search", json={"text": "老板欠我三个月工资不给怎么办"})
    assert response.status_code == 200
    data = response.json()
    assert data["in_scope"] and 3 in data["hits"][0]["items"]
    posted = client.post("/api/knowledge/search", json={"text": "公租房怎么申请", "top_k": 1}).json()
    assert len(posted["hits"]) == 1 and posted["hits"][0]["items"] == [9]
    # No question in a URL: it would end up in access logs and browser histories.
    assert client.get("/api/knowledge/search", params={"q": "老板欠我工资"}).status_code == 405


def test_bad_requests_are_clear_4xx(client: TestClient) -> None:
    too_long = client.post("/api/knowledge/search", json={"text": "工资" * 1001})
    assert too_long.status_code == 400 and "太长" in too_long.json()["detail"]
    assert client.post("/api/knowledge/search", json={"text": "工资", "top_k": 0}).status_code == 422
    assert client.post("/api/knowledge/search", json={}).status_code == 422
    malformed = client.post("/api/knowledge/search", content=b"{not json", headers={"content-type": "application/json"})
    assert malformed.status_code == 422
    assert client.get("/api/knowledge/items/99").status_code == 404
    empty = client.post("/api/knowledge/search", json={"text": "  "}).json()
    assert empty["in_scope"] is False and empty["message"]


def test_item_and_health(client: TestClient) -> None:
    item = client.get("/api/knowledge/items/6").json()
    assert item["title"] == "畅通农民工维权渠道"
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["ready"] is True


def test_topic_for_the_nlu(client: TestClient) -> None:
    data = client.post("/api/knowledge/topic", json={"text": "gongzi tuoqian zenmeban"}, headers=RASA).json()
    assert data["in_scope"] and data["intent"] == "ask_unpaid_wages" and 3 in data["items"]
    assert {"intent", "score", "items"} <= set(data["candidates"][0])
    outside = client.post("/api/knowledge/topic", json={"text": "明天下雨吗"}, headers=RASA).json()
    assert outside["in_scope"] is False
    assert client.post("/api/knowledge/topic", json={}, headers=RASA).status_code == 422


def test_topic_is_only_for_rasa(client: TestClient) -> None:
    """Each call runs the model: the public gets a 401 without the actions' token."""
    body = {"text": "gongzi tuoqian zenmeban"}
    assert client.post("/api/knowledge/topic", json=body).status_code == 401
    wrong = client.post("/api/knowledge/topic", json=body, headers={"X-Actions-Token": "guess"})
    assert wrong.status_code == 401 and "intent" not in wrong.json()


def test_search_is_limited_per_address(standin_searcher: Searcher, tmp_path: Path) -> None:
    settings = ApiSettings(
        database_url=f"sqlite:///{tmp_path / 'api.db'}",
        pii_key_file=str(tmp_path / "pii.key"),
        rasa_jwt_secret="api-test-jwt-secret-0123456789abcdef",
        search_per_address_per_minute=3,
    )
    question = {"text": "老板欠我三个月工资不给怎么办"}
    app = create_app(settings, searcher=standin_searcher)
    with TestClient(app) as one:
        other = TestClient(app, client=("203.0.113.9", 50000))  # the same app, from another address
        codes = [one.post("/api/knowledge/search", json=question).status_code for _ in range(5)]
        assert codes == [200, 200, 200, 429, 429]
        refused = one.post("/api/knowledge/search", json=question)
        assert "请稍等" in refused.json()["detail"] and 1 <= int(refused.headers["retry-after"]) <= 60
        assert other.post("/api/knowledge/search", json=question).status_code == 200  # another address
        # An IPv6 subscriber has a whole /64: its addresses are one client.
        first, second = (TestClient(app, client=(f"2001:db8:1:2::{n}", 50000)) for n in (1, 2))
        assert [first.post("/api/knowledge/search", json=question).status_code for _ in range(3)] == [200] * 3
        assert second.post("/api/knowledge/search", json=question).status_code == 429
