"""The knowledge endpoints over HTTP, on the real standin_searcher."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from knowledge.search import Searcher


@pytest.fixture(scope="module")
def client(standin_searcher: Searcher, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    scratch = tmp_path_factory.mktemp("api")
    settings = ApiSettings(
        database_url=f"sqlite:///{scratch / 'api.db'}",
        pii_key_file=str(scratch / "pii.key"),
        rasa_jwt_secret="api-test-jwt-secret-0123456789abcdef",
    )
    with TestClient(create_app(settings, searcher=standin_searcher)) as test_client:  # the lifespan runs: ready
        yield test_client


def test_search_get_and_post(client: TestClient) -> None:
    response = client.get("/api/knowledge/search", params={"q": "老板欠我三个月工资不给怎么办"})
    assert response.status_code == 200
    data = response.json()
    assert data["in_scope"] and 3 in data["hits"][0]["items"]
    posted = client.post("/api/knowledge/search", json={"text": "公租房怎么申请", "top_k": 1}).json()
    assert len(posted["hits"]) == 1 and posted["hits"][0]["items"] == [9]


def test_bad_requests_are_clear_4xx(client: TestClient) -> None:
    too_long = client.get("/api/knowledge/search", params={"q": "工资" * 1001})
    assert too_long.status_code == 400 and "太长" in too_long.json()["detail"]
    assert client.get("/api/knowledge/search", params={"q": "工资", "top_k": 0}).status_code == 422
    assert client.get("/api/knowledge/search").status_code == 422
    malformed = client.post("/api/knowledge/search", content=b"{not json", headers={"content-type": "application/json"})
    assert malformed.status_code == 422
    assert client.get("/api/knowledge/items/99").status_code == 404
    empty = client.get("/api/knowledge/search", params={"q": "  "}).json()
    assert empty["in_scope"] is False and empty["message"]


def test_item_and_health(client: TestClient) -> None:
    item = client.get("/api/knowledge/items/6").json()
    assert item["title"] == "畅通农民工维权渠道"
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["ready"] is True


def test_topic_for_the_nlu(client: TestClient) -> None:
    data = client.post("/api/knowledge/topic", json={"text": "gongzi tuoqian zenmeban"}).json()
    assert data["in_scope"] and data["intent"] == "ask_unpaid_wages" and 3 in data["items"]
    assert {"intent", "score", "items"} <= set(data["candidates"][0])
    outside = client.post("/api/knowledge/topic", json={"text": "明天下雨吗"}).json()
    assert outside["in_scope"] is False
    assert client.post("/api/knowledge/topic", json={}).status_code == 422
