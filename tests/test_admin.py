"""Knowledge administration over HTTP: drafts, publish without retraining, rollback, stale edits,
roles and audit, and publishing while workers are asking (never an error, never a mix)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from knowledge.search import Searcher
from tests.support.settings import settings_for
from tests.support.standins import RasaStandIn

KEY = "answer:wages_owed"
QUESTION = "老板拖欠工资不给怎么办"
MARK = "（本条由测试修改：请带好身份证。）"


# These tests ask the search many times a second from one address: its per-address limit is not what they test.
UNLIMITED_SEARCH = (
    {"search_per_address_per_minute": 100_000} if "search_per_address_per_minute" in ApiSettings.model_fields else {}
)


@pytest.fixture()
def client(tmp_path: Path, standin_searcher: Searcher) -> Iterator[TestClient]:
    with (
        RasaStandIn() as rasa,
        TestClient(create_app(settings_for(tmp_path, rasa.url, **UNLIMITED_SEARCH), standin_searcher)) as test_client,
    ):
        accounts = test_client.app.state.container.accounts  # type: ignore[attr-defined]
        accounts.create_user("editor1", "editor-password-1", "editor")
        accounts.create_user("staff1", "staff-password-1", "staff")
        yield test_client


def sign_in(client: TestClient, who: str) -> None:
    password = {"editor1": "editor-password-1", "staff1": "staff-password-1"}[who]
    assert client.post("/api/auth/login", json={"username": who, "password": password}).status_code == 200


def answer_text(client: TestClient, question: str = QUESTION) -> str:
    hits = client.post("/api/knowledge/search", json={"text": question}).json()["hits"]
    return str(next(h for h in hits if h["id"] == KEY)["answer"])


def edit(client: TestClient, text_change: str, base: int) -> Any:
    entry = client.get(f"/api/admin/entries/{KEY}").json()
    content = dict(entry["published"]["content"])
    content["answer"] = content["answer"].rstrip() + text_change
    return client.put(
        f"/api/admin/entries/{KEY}/draft", json={"content": content, "base_version": base, "note": "测试"}
    )


def test_only_editors_administer_the_knowledge(client: TestClient) -> None:
    assert client.get("/api/admin/entries").status_code == 401
    sign_in(client, "staff1")
    assert client.get("/api/admin/entries").status_code == 403
    assert client.post("/api/admin/publish", json={}).status_code == 403
    sign_in(client, "editor1")
    kinds = {e["kind"] for e in client.get("/api/admin/entries").json()["items"]}
    assert {"item", "answer", "questions"} <= kinds


def test_draft_publish_rollback(client: TestClient) -> None:
    sign_in(client, "editor1")
    before = client.post("/api/knowledge/search", json={"text": QUESTION}).json()
    assert MARK not in answer_text(client)

    saved = edit(client, MARK, base=1)
    assert saved.status_code == 200 and saved.json()["draft"]["version"] == 2
    assert MARK not in answer_text(client)  # a draft is not what workers see

    report = client.post("/api/admin/publish", json={"versions": {KEY: 2}, "note": "补充材料"}).json()
    assert report["published"] == [[KEY, 2]] and report["swapped"] and report["seconds"]["total"] < 10
    assert MARK in answer_text(client)  # at once, without retraining anything

    history = client.get(f"/api/admin/entries/{KEY}/history").json()["versions"]
    assert [v["version"] for v in history] == [2, 1] and history[0]["author"] == "editor1"
    diff = client.get(f"/api/admin/entries/{KEY}/diff", params={"a": 1, "b": 2}).json()["diff"]
    assert any(line.startswith("+") and "身份证" in line for line in diff.splitlines())

    client.post(f"/api/admin/entries/{KEY}/rollback", json={"to_version": 1, "note": "撤回"})
    after = client.post("/api/knowledge/search", json={"text": QUESTION}).json()
    assert [(h["id"], h["score"], h["answer"]) for h in after["hits"]] == [
        (h["id"], h["score"], h["answer"]) for h in before["hits"]
    ]
    actions = [(a["actor"], a["action"]) for a in client.get("/api/admin/audit", params={"key": KEY}).json()["items"]]
    assert ("editor1", "rollback") in actions and ("editor1", "publish") in actions


def test_a_stale_edit_is_refused_not_lost(client: TestClient) -> None:
    sign_in(client, "editor1")
    assert edit(client, "甲的修改。", base=1).status_code == 200
    stale = edit(client, "乙的修改。", base=1)
    assert stale.status_code == 409 and stale.json()["latest_version"] == 2
    draft = client.get(f"/api/admin/entries/{KEY}").json()["draft"]
    assert "甲的修改" in draft["content"]["answer"] and "乙的修改" not in draft["content"]["answer"]


def test_a_draft_saved_after_the_review_is_not_published(client: TestClient) -> None:
    sign_in(client, "editor1")
    assert edit(client, "审核过的修改。", base=1).status_code == 200
    reviewed = {d["key"]: d["latest_version"] for d in client.get("/api/admin/drafts").json()["items"]}
    assert reviewed == {KEY: 2}
    # Another editor saves over the reviewed draft before the reviewer presses publish.
    assert edit(client, "没人审核过的修改。", base=2).status_code == 200

    refused = client.post("/api/admin/publish", json={"versions": reviewed, "note": "审核通过"})
    assert refused.status_code == 409
    body = refused.json()
    assert body["changed"] == [{"key": KEY, "reviewed_version": 2, "latest_version": 3, "published_version": 1}]
    assert KEY in body["detail"]
    live = answer_text(client)
    assert "审核过的修改" not in live and "没人审核过的修改" not in live  # nothing went online
    entry = client.get(f"/api/admin/entries/{KEY}").json()
    assert entry["published_version"] == 1
    assert ("editor1", "publish") not in {
        (a["actor"], a["action"]) for a in client.get("/api/admin/audit", params={"key": KEY}).json()["items"]
    }

    # Publishing what is there now, as reviewed, works.
    assert client.post("/api/admin/publish", json={"versions": {KEY: 3}}).status_code == 200
    assert "没人审核过的修改" in answer_text(client)


def test_publish_names_the_versions_it_publishes(client: TestClient) -> None:
    sign_in(client, "editor1")
    assert edit(client, MARK, base=1).status_code == 200
    assert client.post("/api/admin/publish", json={"keys": [KEY]}).status_code == 422
    assert client.post("/api/admin/publish", json={"versions": {}}).status_code == 422
    assert MARK not in answer_text(client)


def test_invalid_content_is_a_clear_400(client: TestClient) -> None:
    sign_in(client, "editor1")
    entry = client.get(f"/api/admin/entries/{KEY}").json()
    content = {**entry["published"]["content"], "items": [99]}
    refused = client.put(f"/api/admin/entries/{KEY}/draft", json={"content": content, "base_version": 1})
    assert refused.status_code == 400 and refused.json()["detail"]


def test_publishing_while_workers_ask_never_errs_or_mixes(client: TestClient) -> None:
    sign_in(client, "editor1")
    old_text = answer_text(client)
    results: list[tuple[int, str, str]] = []
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            response = client.post("/api/knowledge/search", json={"text": QUESTION})
            data = response.json() if response.status_code == 200 else {}
            hit = next((h for h in data.get("hits", []) if h["id"] == KEY), {"answer": ""})
            results.append((response.status_code, str(data.get("knowledge")), str(hit["answer"])))

    workers = [threading.Thread(target=ask) for _ in range(3)]
    for worker in workers:
        worker.start()
    try:
        base = 1
        for round_ in range(3):
            assert edit(client, f"第{round_}轮。", base=base).status_code == 200
            assert client.post("/api/admin/publish", json={"versions": {KEY: base + 1}}).status_code == 200
            base += 1
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    assert results and all(status == 200 for status, _, _ in results)
    texts_by_version: dict[str, set[str]] = {}
    for _, version, text in results:
        texts_by_version.setdefault(version, set()).add(text)
    # Each knowledge version always came with its own text: old or new, never a mix.
    assert all(len(texts) == 1 for texts in texts_by_version.values())
    assert len(texts_by_version) >= 2 and old_text in {t for ts in texts_by_version.values() for t in ts}


def test_another_api_process_serves_the_published_text_within_seconds(
    tmp_path: Path, standin_searcher: Searcher
) -> None:
    with RasaStandIn() as rasa:
        settings = settings_for(tmp_path, rasa.url, knowledge_refresh_s=0.3, **UNLIMITED_SEARCH)
        with (
            TestClient(create_app(settings, standin_searcher)) as first,
            TestClient(create_app(settings, standin_searcher)) as second,
        ):
            first.app.state.container.accounts.create_user("editor1", "editor-password-1", "editor")  # type: ignore[attr-defined]
            sign_in(first, "editor1")
            assert edit(first, MARK, base=1).status_code == 200
            assert first.post("/api/admin/publish", json={"versions": {KEY: 2}}).status_code == 200
            deadline = time.monotonic() + 10
            while MARK not in answer_text(second) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert MARK in answer_text(second)
