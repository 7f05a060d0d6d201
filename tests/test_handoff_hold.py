"""A conversation a person took never stays stuck with them: admins force, a deactivated or
signed-out account gives its conversations back, a silent hold lapses, an ended chat leaves the queue.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from api.handoff.store import HOLD_LAPSED_NOTICE, HandoffStore, StateRow
from api.main import create_app
from knowledge.search import Searcher
from tests.support.databases import migrated
from tests.support.settings import settings_for
from tests.support.standins import RasaStandIn

JSON = {"Content-Type": "application/json"}
WORKER = "worker-0001"
CONVERSATION = f"web:{WORKER}"
BOT_ANSWER = "可以找劳动保障监察。"


def bot(sender: str, message: str) -> list[dict[str, Any]]:
    if "转人工" in message:
        return [{"text": "好的，帮您转工作人员。", "custom": {"handoff": {"reason": "asked"}}}]
    return [{"text": BOT_ANSWER}]


@pytest.fixture()
def rasa() -> Iterator[RasaStandIn]:
    with RasaStandIn(bot) as standin:
        yield standin


@pytest.fixture()
def client(tmp_path: Path, standin_searcher: Searcher, rasa: RasaStandIn) -> Iterator[TestClient]:
    settings = settings_for(tmp_path, rasa.url, handoff_hold_minutes=20)
    with TestClient(create_app(settings, standin_searcher)) as c:
        accounts = c.app.state.container.accounts  # type: ignore[attr-defined]
        accounts.create_user("wang", "wang-password-1", "staff")
        accounts.create_user("li", "li-password-22", "staff")
        accounts.create_user("boss", "boss-password-333", "admin")
        yield c


def handoffs(client: TestClient) -> HandoffStore:
    store: HandoffStore = client.app.state.container.handoffs  # type: ignore[attr-defined]
    return store


def sign_in(client: TestClient, who: str, password: str) -> None:
    client.post("/api/auth/logout", headers=JSON)
    assert client.post("/api/auth/login", json={"username": who, "password": password}).status_code == 200


def worker(client: TestClient, text: str, session: str = WORKER) -> Any:
    response = client.post("/api/web/messages", json={"session_id": session, "text": text})
    assert response.status_code == 200, response.text
    return response.json()


def taken_by_wang(client: TestClient) -> None:
    worker(client, "转人工")
    sign_in(client, "wang", "wang-password-1")
    assert client.post(f"/api/console/conversations/{CONVERSATION}/take", headers=JSON).status_code == 200


def queue(client: TestClient) -> list[tuple[str, str, str]]:
    return [(q["id"], q["status"], q["taken_by"]) for q in client.get("/api/console/queue").json()["items"]]


def test_an_admin_may_force_a_takeover_or_a_release_a_staff_member_may_not(client: TestClient) -> None:
    taken_by_wang(client)
    sign_in(client, "li", "li-password-22")
    take = f"/api/console/conversations/{CONVERSATION}/take"
    assert client.post(take, headers=JSON).status_code == 409
    assert client.post(take, json={"force": True}).status_code == 403  # only an admin forces
    assert queue(client) == [(CONVERSATION, "staff", "wang")]

    sign_in(client, "boss", "boss-password-333")
    assert client.post(take, headers=JSON).status_code == 409  # not by accident: force must be asked for
    forced = client.post(take, json={"force": True})
    assert forced.status_code == 200 and forced.json()["taken_by"] == "boss"
    sent = client.post(f"/api/console/conversations/{CONVERSATION}/reply", json={"text": "您好，我来接待您。"})
    assert sent.json() == {"delivered": True}

    sign_in(client, "wang", "wang-password-1")  # wang's own takeover is gone: he cannot reply any more
    assert client.post(f"/api/console/conversations/{CONVERSATION}/reply", json={"text": "x"}).status_code == 409
    sign_in(client, "boss", "boss-password-333")
    client.post(take, headers=JSON)
    handoffs(client).take(CONVERSATION, "wang", force=True)
    release = f"/api/console/conversations/{CONVERSATION}/release"
    assert client.post(release, headers=JSON).status_code == 409
    assert client.post(release, json={"force": True}).status_code == 200
    assert queue(client) == []
    assert worker(client, "还在吗")["replies"][0]["text"] == BOT_ANSWER  # the bot answers again


@pytest.mark.parametrize("change", ["deactivate", "revoke", "reset"])
def test_deactivating_or_signing_out_an_account_puts_its_conversations_back_in_the_queue(
    client: TestClient, change: str
) -> None:
    worker(client, "转人工", "worker-0000")  # asked first: stays first
    taken_by_wang(client)
    before = handoffs(client).get(CONVERSATION)
    assert before is not None and before.requested_at is not None
    sign_in(client, "boss", "boss-password-333")
    if change == "deactivate":
        assert client.post("/api/admin/accounts/wang", json={"active": False}).status_code == 204
    elif change == "revoke":
        assert client.post("/api/admin/accounts/wang/sessions/end", headers=JSON).status_code == 200
    else:  # a new password set by an admin signs the account out everywhere too
        reset = client.post("/api/admin/accounts/wang/password", json={"new_password": "a-fresh-secret-for-him-77"})
        assert reset.status_code == 204, reset.text
    assert queue(client) == [("web:worker-0000", "waiting", ""), (CONVERSATION, "waiting", "")]
    after = handoffs(client).get(CONVERSATION)
    assert after is not None and after.requested_at == before.requested_at and after.reason == "staff_gone"
    sign_in(client, "li", "li-password-22")
    assert client.post(f"/api/console/conversations/{CONVERSATION}/take", headers=JSON).status_code == 200


def backdate_the_wait(client: TestClient, minutes: float) -> None:
    """The worker's first unanswered message was ``minutes`` ago (the clock cannot be moved in the api)."""
    store = handoffs(client)
    with store.sessions() as session:
        session.execute(
            update(StateRow)
            .where(StateRow.conversation == CONVERSATION)
            .values(unanswered_since=datetime.now(UTC) - timedelta(minutes=minutes))
        )
        session.commit()


def test_a_staff_member_silent_past_the_hold_time_loses_the_conversation_and_the_worker_is_told_once(
    client: TestClient, rasa: RasaStandIn
) -> None:
    worker(client, "转人工", "worker-0000")
    taken_by_wang(client)
    requested = handoffs(client).get(CONVERSATION)
    assert worker(client, "你好，有人吗")["replies"] == []  # wang has it: the bot is silent
    backdate_the_wait(client, 19)
    assert worker(client, "有人吗？")["replies"] == []  # still within the hold time
    backdate_the_wait(client, 21)
    calls = len(rasa.received)
    told = worker(client, "怎么没人回答")
    assert [r["text"] for r in told["replies"]] == [HOLD_LAPSED_NOTICE] and "12333" in HOLD_LAPSED_NOTICE
    assert len(rasa.received) == calls  # the notice is ours, not the bot's
    assert queue(client) == [("web:worker-0000", "waiting", ""), (CONVERSATION, "waiting", "")]
    state = handoffs(client).get(CONVERSATION)
    assert state is not None and requested is not None and state.requested_at == requested.requested_at
    assert state.reason == "staff_silent"
    # Told once: the next message is the bot's again, no second notice.
    again = worker(client, "老板欠钱")
    assert [r["text"] for r in again["replies"]] == [BOT_ANSWER]
    transcript = client.get(f"/api/console/conversations/{CONVERSATION}").json()["messages"]
    assert [m["text"] for m in transcript].count(HOLD_LAPSED_NOTICE) == 1
    assert client.post(f"/api/console/conversations/{CONVERSATION}/reply", json={"text": "x"}).status_code == 409


def test_a_staff_reply_restarts_the_hold_time(client: TestClient) -> None:
    taken_by_wang(client)
    worker(client, "你好")
    backdate_the_wait(client, 30)
    assert client.post(f"/api/console/conversations/{CONVERSATION}/reply", json={"text": "您好"}).status_code == 200
    assert worker(client, "我想问欠薪的事")["replies"] == []  # answered just now: still wang's
    assert queue(client) == [(CONVERSATION, "staff", "wang")]


def test_a_conversation_the_worker_ended_leaves_the_queue_and_cannot_be_answered(client: TestClient) -> None:
    taken_by_wang(client)
    worker(client, "转人工", "worker-0002")
    assert client.post("/api/web/end", json={"session_id": WORKER}).status_code == 204
    assert client.post("/api/web/end", json={"session_id": "worker-0002"}).status_code == 204
    refused = client.post(f"/api/console/conversations/{CONVERSATION}/reply", json={"text": "还在吗？"})
    assert refused.status_code == 409 and "工友已经结束了这次对话" in refused.json()["detail"]
    assert queue(client) == []


def test_closing_a_conversation_takes_it_out_of_the_queue(tmp_path: Path) -> None:
    store = HandoffStore(migrated(f"sqlite:///{tmp_path / 'h.db'}"))
    store.touch("web:a", "web", "x")
    store.request("web:a", "web", "asked")
    store.take("web:a", "wang")
    store.close("web:a")
    state = store.get("web:a")
    assert state is not None and (state.status, state.taken_by, state.requested_at) == ("bot", "", None)
    assert store.queue().items == []
