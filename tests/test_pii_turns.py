"""Personal numbers where they enter a conversation (issue 14, items 4 and 14): a number split over
two messages, a button payload without a title, a staff member's reply as the conversation's last text.

The real app against a stand-in Rasa (tests/support/standins.py), as in test_web_channel.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.privacy.redact import fold_all
from knowledge.search import Searcher
from tests.support.settings import settings_for
from tests.support.standins import RasaStandIn

PHONE = "13812345678"
ID_NUMBER = "11010519491231002X"
JSON = {"Content-Type": "application/json"}


def bot(sender: str, message: str) -> list[dict[str, Any]]:
    if "转人工" in message:
        return [{"text": "好的，帮您转工作人员。", "custom": {"handoff": {"reason": "asked"}}}]
    return [{"text": "好的。"}]


@pytest.fixture()
def rasa() -> Iterator[RasaStandIn]:
    with RasaStandIn(bot) as standin:
        yield standin


@pytest.fixture()
def client(tmp_path: Path, standin_searcher: Searcher, rasa: RasaStandIn) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(tmp_path, rasa.url), searcher=standin_searcher)) as test_client:
        yield test_client


def send(client: TestClient, text: str = "", session: str = "session-0001", **more: Any) -> Any:
    return client.post("/api/web/messages", json={"session_id": session, "text": text, **more})


def history(client: TestClient, session: str = "session-0001") -> str:
    messages = client.get("/api/web/history", params={"session_id": session}).json()["messages"]
    return json.dumps(messages, ensure_ascii=False)


def digits(text: str) -> str:
    return "".join(ch for ch in fold_all(text) if ch in "0123456789")


def everything_sent(rasa: RasaStandIn) -> str:
    return " ".join(r["message"] for r in rasa.received)


# --- a number over two messages ------------------------------------------------------------------


@pytest.mark.parametrize(
    "first, second, number",
    [
        ("我电话138 1234", "5678", PHONE),
        ("我电话1381234", "5678", PHONE),
        ("我电话138", "1234 5678，有事打我", PHONE),
        ("电话一三八幺两三四", "五六七八", PHONE),
        ("身份证110105 19491231", "002X", ID_NUMBER[:-1]),
    ],
)
def test_a_number_split_over_two_messages_reaches_neither_rasa_nor_the_history(
    client: TestClient, rasa: RasaStandIn, first: str, second: str, number: str
) -> None:
    assert send(client, first).status_code == 200
    assert send(client, second).status_code == 200
    for seen in (everything_sent(rasa), history(client)):
        assert number[:7] not in digits(seen)  # at most a few digits of it, as a mask shows
        assert number[-4:] not in digits(seen).replace(number[:3], "", 1)


def test_the_second_half_is_redacted_as_the_whole_number_and_kept_for_the_form(
    client: TestClient, rasa: RasaStandIn
) -> None:
    send(client, "我电话138 1234")
    send(client, "5678")
    assert rasa.received[0]["message"] == "我电话[号码]"
    assert rasa.received[1]["message"] == "[手机号]"
    (token,) = rasa.received[1]["metadata"]["pii"]["mobile"]
    vault = client.app.state.container.vault  # type: ignore[attr-defined]
    from api.cases.store import conversation_key

    assert vault.masked(token, conversation_key("web:session-0001")) == "138****5678"


def test_the_tail_is_only_this_conversations(client: TestClient, rasa: RasaStandIn) -> None:
    send(client, "我电话138 1234", session="session-aaaa")
    send(client, "5678", session="session-bbbb")
    assert rasa.received[1]["message"] == "5678"


def test_amounts_at_a_message_end_stay(client: TestClient, rasa: RasaStandIn) -> None:
    send(client, "老板欠了我12000")
    send(client, "3500元一个月")
    send(client, "从2024.03.15")
    send(client, "干到2024.11.30")
    assert [r["message"] for r in rasa.received] == [
        "老板欠了我12000",
        "3500元一个月",
        "从2024.03.15",
        "干到2024.11.30",
    ]


def test_the_kept_tail_is_encrypted(client: TestClient) -> None:
    send(client, "我电话138 1234")
    limits = client.app.state.container.limits  # type: ignore[attr-defined]
    kept = " ".join(value for _, value in limits.memory_values.values.values())
    assert kept and "1381234" not in digits(kept) and "138 1234" not in kept


# --- button payloads -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        '/inform{"phone":"13812345678"}',
        '/inform{"phone":"138 1234 5678"}',
        '/inform{"phone":13812345678}',
        '/inform{"phone":"\\u0031\\u0033\\u0038\\u0031\\u0032\\u0033\\u0034\\u0035\\u0036\\u0037\\u0038"}',
        '/inform{"id":"11010519491231002X"}',
        '/inform{"phone":"一三八一二三四五六七八"}',
        '/inform{"13812345678":"x"}',
        "/inform13812345678",
    ],
)
def test_a_payload_with_a_personal_number_is_refused(client: TestClient, rasa: RasaStandIn, payload: str) -> None:
    response = send(client, payload=payload)
    assert response.status_code in (400, 422)
    assert rasa.received == []
    assert "1381234" not in digits(history(client)) and "49123" not in digits(history(client))


@pytest.mark.parametrize("payload", ['/inform{"phone":["13812345678"]}', "/inform{not json}"])
def test_a_payload_rasa_would_read_differently_is_refused(client: TestClient, rasa: RasaStandIn, payload: str) -> None:
    assert send(client, payload=payload).status_code == 400
    assert rasa.received == []


def test_our_own_buttons_still_work(client: TestClient, rasa: RasaStandIn) -> None:
    assert send(client, payload="/affirm", title="确认提交").status_code == 200
    assert send(client, payload='/choose_item{"item":"3"}').status_code == 200
    assert [r["message"] for r in rasa.received] == ["/affirm", '/choose_item{"item":"3"}']


def test_a_title_with_a_number_is_stored_redacted(client: TestClient) -> None:
    send(client, payload="/affirm", title=f"好的，打{PHONE}")
    assert PHONE not in history(client)


# --- a staff member's reply ----------------------------------------------------------------------


def test_a_staff_reply_is_not_stored_in_clear_as_the_last_text(client: TestClient) -> None:
    client.app.state.container.accounts.create_user("wang", "wang-password-1", "staff")  # type: ignore[attr-defined]
    send(client, "转人工", session="worker-0001")
    assert client.post("/api/auth/login", json={"username": "wang", "password": "wang-password-1"}).status_code == 200
    assert client.post("/api/console/conversations/web:worker-0001/take", headers=JSON).status_code == 200
    said = f"您好，请打{PHONE}，或把身份证{ID_NUMBER}发来"
    assert client.post("/api/console/conversations/web:worker-0001/reply", json={"text": said}).status_code == 200
    listed = client.get("/api/console/conversations").json()["items"]
    one = client.get("/api/console/conversations/web:worker-0001").json()
    for text in (json.dumps(listed, ensure_ascii=False), json.dumps(one, ensure_ascii=False)):
        assert PHONE not in text and ID_NUMBER not in text
    assert listed[0]["last_text"] == "您好，请打[手机号]，或把身份证[身份证号]发来"
