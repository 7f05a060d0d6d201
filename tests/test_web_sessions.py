"""Shared phones and internet cafés: what the api serves to a web session id, and for how long.

The next person on a borrowed phone holds the same session id (or finds it in the browser):
whatever the widget does, the api itself must not give them the old conversation, nor let
them carry on the old wage form. Time is moved by ageing the stored messages, as if the
worker had written them that long ago.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.conversations.history import History, MessageRow
from api.conversations.web_sessions import SessionPolicy
from api.main import create_app
from knowledge.search import Searcher
from tests.support.settings import settings_for
from tests.support.standins import RasaStandIn

SESSION = "session-a-0001"
CASE_DETAILS = "老板是太原某建筑公司，欠我两万三千块"


def form_reply(sender: str, message: str) -> list[dict[str, Any]]:
    """A wage form that repeats what it has: the kind of reply that must not reach the next person."""
    return [{"recipient_id": sender, "text": f"记下了：{message}。案件编号 GY-2026-0042。"}]


@pytest.fixture()
def rasa() -> Iterator[RasaStandIn]:
    with RasaStandIn(form_reply) as standin:
        yield standin


@pytest.fixture()
def client(tmp_path: Path, standin_searcher: Searcher, rasa: RasaStandIn) -> Iterator[TestClient]:
    settings = settings_for(tmp_path, rasa.url, rate_per_minute=100)
    with TestClient(create_app(settings, searcher=standin_searcher)) as test_client:
        yield test_client


def send(client: TestClient, text: str, session: str = SESSION) -> Any:
    return client.post("/api/web/messages", json={"session_id": session, "text": text})


def history(client: TestClient, session: str = SESSION) -> dict[str, Any]:
    response = client.get("/api/web/history", params={"session_id": session})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def age(client: TestClient, minutes: float, session: str = SESSION) -> None:
    """Move the conversation back in time: its messages were stored this much earlier."""
    store: History = client.app.state.container.history  # type: ignore[attr-defined]
    with store.sessions() as db:
        for row in db.scalars(select(MessageRow).where(MessageRow.conversation == f"web:{session}")):
            row.created_at = row.created_at - timedelta(minutes=minutes)
        db.commit()


def texts(body: dict[str, Any]) -> list[str]:
    return [m["text"] for m in body["messages"]]


def test_an_idle_conversation_is_not_served_to_its_old_id(client: TestClient) -> None:
    send(client, CASE_DETAILS)
    assert any(CASE_DETAILS in t for t in texts(history(client)))
    age(client, 29)
    assert any(CASE_DETAILS in t for t in texts(history(client))), "still open within the idle window"
    age(client, 2)  # 31 minutes without a message
    body = history(client)
    assert body["messages"] == [] and body["ended"] is True
    assert body["idle_seconds"] == 30 * 60  # the window the widget clears its own screen after


def test_an_old_id_cannot_carry_on_the_old_form(client: TestClient, rasa: RasaStandIn) -> None:
    send(client, CASE_DETAILS)
    age(client, 31)
    before = len(rasa.received)
    resumed = send(client, "确认提交")
    assert resumed.status_code == 410
    assert "结束" in resumed.json()["detail"]
    assert len(rasa.received) == before, "the old Rasa conversation (and its form) was reached"
    assert history(client)["messages"] == []
    # A new id is a new conversation, at once.
    fresh = send(client, "你好", session="session-b-0002")
    assert fresh.status_code == 200 and rasa.received[-1]["sender"] == "web:session-b-0002"


def test_a_conversation_closes_a_day_after_it_began_however_busy(client: TestClient) -> None:
    send(client, CASE_DETAILS)  # a question and its answer
    send(client, "还有一件事")  # just now: never idle
    store: History = client.app.state.container.history  # type: ignore[attr-defined]

    def age_first_exchange(minutes: float) -> None:
        with store.sessions() as db:
            rows = db.scalars(select(MessageRow).order_by(MessageRow.seq).limit(2)).all()
            for row in rows:
                row.created_at = row.created_at - timedelta(minutes=minutes)
            db.commit()

    age_first_exchange(23 * 60 + 50)
    assert history(client)["ended"] is False
    age_first_exchange(15)  # begun 24 h 05 ago
    body = history(client)
    assert body["ended"] is True and body["messages"] == []
    assert send(client, "还在吗").status_code == 410


def test_a_reload_brings_back_only_the_last_messages(client: TestClient) -> None:
    for i in range(15):  # 30 messages: a question and an answer each
        send(client, f"第{i}个问题")
    body = history(client)
    assert len(body["messages"]) == 20
    assert body["messages"][-1]["text"] == "记下了：第14个问题。案件编号 GY-2026-0042。"
    assert body["messages"][0]["text"] == "第5个问题"


def test_ending_the_conversation_closes_the_id_for_good(client: TestClient, rasa: RasaStandIn) -> None:
    send(client, CASE_DETAILS)
    ended = client.post("/api/web/end", json={"session_id": SESSION})
    assert ended.status_code == 204
    again = client.post("/api/web/end", json={"session_id": SESSION})
    assert again.status_code == 204  # idempotent: a second tap, a second tab
    body = history(client)
    assert body == {**body, "messages": [], "ended": True}
    before = len(rasa.received)
    assert send(client, "确认提交").status_code == 410
    assert len(rasa.received) == before
    # Another worker's conversation is untouched.
    send(client, "我的事", session="session-d-0004")
    assert texts(history(client, "session-d-0004"))[0] == "我的事"


def test_end_takes_json_only_and_a_valid_id(client: TestClient) -> None:
    send(client, CASE_DETAILS)
    form = client.post(
        "/api/web/end",
        content=f"session_id={SESSION}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    plain = client.post(
        "/api/web/end", content=f'{{"session_id": "{SESSION}"}}', headers={"content-type": "text/plain"}
    )
    assert form.status_code in (415, 422) and plain.status_code in (415, 422)
    assert texts(history(client)), "a form post or a text/plain post ended the conversation"
    assert client.post("/api/web/end", json={"session_id": "../../x"}).status_code == 422
    assert client.get("/api/web/end").status_code == 405
    # An id that never said anything: nothing to end, nothing stored.
    assert client.post("/api/web/end", json={"session_id": "never-used-0005"}).status_code == 204


def test_the_policy_counts_idle_and_lifetime() -> None:
    policy = SessionPolicy(idle=timedelta(minutes=30), lifetime=timedelta(hours=24))
    start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert not policy.is_over(start, start, start + timedelta(minutes=29, seconds=59))
    assert policy.is_over(start, start, start + timedelta(minutes=30))
    late = start + timedelta(hours=23, minutes=59)
    assert not policy.is_over(start, late, late + timedelta(seconds=30))
    assert policy.is_over(start, late, start + timedelta(hours=24))


def test_ends_are_forgotten_after_the_retention_period(client: TestClient) -> None:
    send(client, CASE_DETAILS)
    assert client.post("/api/web/end", json={"session_id": SESSION}).status_code == 204
    sessions = client.app.state.container.web_sessions  # type: ignore[attr-defined]
    assert sessions.purge_before(180) == 0
    assert sessions.purge_before(180, now=datetime.now(UTC) + timedelta(days=181)) == 1
