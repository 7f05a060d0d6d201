"""The quality loop: unanswered questions grouped by meaning, daily figures, charts drawn by the app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.quality.charts import line_chart
from knowledge.search import Searcher
from tests.support.settings import CITATION, settings_for
from tests.support.standins import RasaStandIn

IN_SCOPE = {"intent": "ask_unpaid_wages", "confidence": 0.9, "in_scope": True, "hits": []}
OUT_OF_SCOPE = {"intent": "out_of_scope", "confidence": 0.8, "in_scope": False, "hits": []}


def bot(sender: str, message: str) -> list[dict[str, Any]]:
    if "加班费" in message:  # answered, but the search was unsure
        unsure = {**IN_SCOPE, "scope_confidence": 0.3}
        return [{"text": "可能是第（五）项。", "custom": {"citations": [CITATION], "evidence": unsure}}]
    if "工资" in message:
        return [{"text": "可以找劳动保障监察。", "custom": {"citations": [CITATION], "evidence": IN_SCOPE}}]
    return [{"text": "这个政策里没有写到。", "custom": {"evidence": OUT_OF_SCOPE}}]


@pytest.fixture()
def client(tmp_path: Path, app_searcher: Searcher) -> Iterator[TestClient]:
    with (
        RasaStandIn(bot) as rasa,
        TestClient(create_app(settings_for(tmp_path, rasa.url), app_searcher)) as test_client,
    ):
        test_client.app.state.container.accounts.create_user("wang", "wang-password-1", "staff")  # type: ignore[attr-defined]
        yield test_client


def ask(client: TestClient, text: str, session: str) -> dict[str, Any]:
    reply: dict[str, Any] = client.post("/api/web/messages", json={"session_id": session, "text": text}).json()
    return reply


@pytest.mark.slow  # grouping by meaning needs the real model
def test_gaps_group_similar_unanswered_questions(client: TestClient) -> None:
    for i, text in enumerate(
        ["离婚了孩子归谁", "离婚以后孩子抚养权归谁", "跟老婆离婚了娃判给谁", "驾照怎么考", "老板欠工资"]
    ):
        ask(client, text, f"session-{i:04d}")
    client.post("/api/auth/login", json={"username": "wang", "password": "wang-password-1"})
    items = client.get("/api/console/quality/gaps").json()["items"]
    assert items[0]["count"] == 3
    assert {"离婚了孩子归谁", "离婚以后孩子抚养权归谁", "跟老婆离婚了娃判给谁"} == set(items[0]["examples"])
    assert [g["question"] for g in items[1:]] == ["驾照怎么考"]  # the answered wage question is no gap
    ask(client, "加班费怎么算", "session-0009")
    unsure = next(g for g in client.get("/api/console/quality/gaps").json()["items"] if g["question"] == "加班费怎么算")
    assert unsure["low_confidence"] == 1
    assert items[0]["new_answer_url"].startswith("/console/admin/answers/new?question=")


def test_daily_figures_and_the_chart(client: TestClient) -> None:
    first = ask(client, "老板欠工资", "session-0001")
    ask(client, "驾照怎么考", "session-0002")
    client.post(
        "/api/web/feedback", json={"session_id": "session-0001", "reply_id": first["replies"][0]["id"], "rating": "up"}
    )
    client.post("/api/auth/login", json={"username": "wang", "password": "wang-password-1"})
    today = client.get("/api/console/quality/figures", params={"days": 7}).json()["daily"][-1]
    assert today["messages"] == 2 and today["by_channel"] == {"web": 2}
    assert today["fallback_rate"] == 0.5 and today["satisfaction"] == 1.0
    assert today["by_topic"] == {"ask_unpaid_wages": 1, "out_of_scope": 1}
    svg = client.get("/api/console/quality/chart/fallback_rate.svg", params={"days": 7})
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<polyline" not in svg.text  # one point
    assert "答不上来的比例" in svg.text and "<circle" in svg.text


def test_charts_escape_their_text_and_leave_gaps() -> None:
    svg = line_chart(
        "<b>标题</b>", [("2026-11-01", 1.0), ("2026-11-02", None), ("2026-11-03", 2.0), ("2026-11-04", 3.0)]
    )
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert svg.count("<polyline") == 1 and svg.count("<circle") == 3
    assert "暂无数据" in line_chart("空", [("2026-11-01", None)])
