"""A request the api cannot take gets a reason people can read, in Chinese, without its input echoed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from knowledge.search import Searcher
from tests.support.settings import settings_for

PHONE = "13812345678"


@pytest.fixture()
def client(tmp_path: Path, standin_searcher: Searcher) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(tmp_path, "http://127.0.0.1:9"), searcher=standin_searcher)) as test_client:
        yield test_client


def reasons(response: Any) -> list[str]:
    assert response.status_code == 422
    return [str(error["msg"]) for error in response.json()["detail"]]


def test_a_too_long_message_is_named_in_chinese(client: TestClient) -> None:
    body = {"session_id": "session-0001", "text": PHONE + "欠" * 20_000}
    response = client.post("/api/web/messages", json=body)
    assert reasons(response) == ["消息太长了（最多 20000 个字）"]
    assert PHONE not in response.text  # the rejected value never comes back


def test_a_missing_and_a_malformed_field_each_get_their_reason(client: TestClient) -> None:
    assert reasons(client.post("/api/web/messages", json={"text": "欠薪"})) == ["会话编号没有填"]
    wrong_id = client.post("/api/web/messages", json={"session_id": "../x", "text": "欠薪"})
    assert reasons(wrong_id) == ["会话编号格式不对"]
    broken = client.post("/api/web/messages", content=b"{oops", headers={"content-type": "application/json"})
    assert reasons(broken) == ["请求不是有效的 JSON"]


def test_no_english_reaches_a_worker(client: TestClient) -> None:
    for body in ({"session_id": 5, "text": []}, {"session_id": "session-0001", "text": "x", "payload": "<b>"}):
        for reason in reasons(client.post("/api/web/messages", json=body)):
            assert not any("a" <= ch.lower() <= "z" for ch in reason), reason


def test_a_body_nested_too_deeply_to_parse_is_refused_in_chinese(client: TestClient) -> None:
    # Valid JSON, but deeper than the parser recurses: FastAPI's own 400 said it in English.
    nested = b'{"session_id": "session-0001", "text": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = client.post("/api/web/messages", content=nested, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {"detail": "请求内容无法解析，请检查后再发"}
