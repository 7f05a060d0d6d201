"""The web and partner channels through the real app, against a stand-in Rasa (see tests/support/standins.py).

The same path against the real Rasa is in test_channels_e2e.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.conversations.history import StoredMessage
from api.conversations.rasa_client import replica_for
from api.main import create_app
from api.partner_keys import BadPartnerKeys
from knowledge.search import Searcher
from tests.support.settings import CITATION, settings_for
from tests.support.standins import RasaStandIn

PHONE = "13812345678"


def policy_reply(sender: str, message: str) -> list[dict[str, Any]]:
    return [
        {"recipient_id": sender, "text": "可以找劳动保障监察。", "custom": {"citations": [CITATION]}},
        {
            "recipient_id": sender,
            "text": "要登记吗？",
            "buttons": [{"title": "登记欠薪", "payload": "/start_wage_intake"}],
        },
    ]


@pytest.fixture()
def rasa() -> Iterator[RasaStandIn]:
    with RasaStandIn(policy_reply) as standin:
        yield standin


@pytest.fixture()
def client(tmp_path: Path, standin_searcher: Searcher, rasa: RasaStandIn) -> Iterator[TestClient]:
    keys = "k-one:wecom,k-two:hotline|dingtalk"
    settings = settings_for(tmp_path, rasa.url, rate_per_minute=5, channel_api_keys=keys)
    with TestClient(create_app(settings, searcher=standin_searcher)) as test_client:
        yield test_client


def send(client: TestClient, text: str, session: str = "session-0001", **more: Any) -> Any:
    return client.post("/api/web/messages", json={"session_id": session, "text": text, **more})


def test_a_question_gets_the_replies_with_citations_and_buttons(client: TestClient, rasa: RasaStandIn) -> None:
    response = send(client, "老板欠我工资")
    assert response.status_code == 200
    replies = response.json()["replies"]
    assert replies[0]["citations"][0]["item"] == 3 and replies[0]["citations"][0]["departments"] == ["省人社厅"]
    assert replies[1]["buttons"] == [{"title": "登记欠薪", "payload": "/start_wage_intake"}]
    assert all(r["id"] for r in replies)
    assert rasa.received[0] == {"sender": "web:session-0001", "message": "老板欠我工资", "metadata": {}}


def test_history_restores_the_conversation_in_order(client: TestClient) -> None:
    send(client, "第一句")
    send(client, "", payload="/start_wage_intake", title="登记欠薪")
    messages = client.get("/api/web/history", params={"session_id": "session-0001"}).json()["messages"]
    assert [(m["role"], m["text"]) for m in messages][:4] == [
        ("user", "第一句"),
        ("bot", "可以找劳动保障监察。"),
        ("bot", "要登记吗？"),
        ("user", "登记欠薪"),
    ]
    assert messages[1]["citations"][0]["item"] == 3
    other = client.get("/api/web/history", params={"session_id": "session-0002"}).json()["messages"]
    assert other == []


def test_personal_data_never_reaches_rasa_logs_or_history(
    client: TestClient, rasa: RasaStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    text = f"我电话{PHONE}，身份证11010519491231002X，卡号6222 0202 0000 0000 006"
    send(client, text)
    sent = rasa.received[-1]["message"]
    assert PHONE not in sent and "11010519491231002X" not in sent and "[身份证号]" in sent
    assert "[手机号]" in sent  # always the same words for the NLU; the number's token rides in the metadata
    tokens = rasa.received[-1]["metadata"]["pii"]["mobile"]
    assert len(tokens) == 1 and PHONE not in str(rasa.received[-1])
    stored = client.get("/api/web/history", params={"session_id": "session-0001"}).json()["messages"][0]["text"]
    assert PHONE not in stored
    assert PHONE not in caplog.text and "11010519491231002X" not in caplog.text


def test_empty_and_overlong_messages_get_a_friendly_reply_without_rasa(client: TestClient, rasa: RasaStandIn) -> None:
    empty = send(client, "   ")
    assert empty.status_code == 200 and "请输入" in empty.json()["replies"][0]["text"]
    long = send(client, "欠" * 2000)
    assert long.status_code == 200 and "太长" in long.json()["replies"][0]["text"]
    assert rasa.received == []


def test_emoji_and_mixed_scripts_pass_through(client: TestClient, rasa: RasaStandIn) -> None:
    assert send(client, "老板跑路了😭 laoban qian gongzi 咋办？？").status_code == 200
    assert rasa.received[-1]["message"] == "老板跑路了😭 laoban qian gongzi 咋办？？"


@pytest.mark.parametrize(
    ("standin", "why"),
    [
        (RasaStandIn(status=500), "error"),
        (RasaStandIn(lambda s, m: []), "empty"),
        (RasaStandIn(delay_s=2.0), "timeout"),
    ],
)
def test_rasa_failure_is_an_apology_with_the_hotline(
    tmp_path: Path, standin_searcher: Searcher, standin: RasaStandIn, why: str
) -> None:
    with (
        standin,
        TestClient(create_app(settings_for(tmp_path, standin.url, rasa_timeout_s=0.5), standin_searcher)) as client,
    ):
        reply = send(client, "欠薪").json()["replies"]
    assert len(reply) == 1 and "12333" in reply[0]["text"], why


def test_each_conversation_sticks_to_one_replica(tmp_path: Path, standin_searcher: Searcher) -> None:
    with RasaStandIn() as first, RasaStandIn() as second:
        urls = [first.url, second.url]
        with TestClient(create_app(settings_for(tmp_path, ",".join(urls)), standin_searcher)) as client:
            sessions = [f"session-{i:04d}" for i in range(12)]
            for _ in range(2):
                for session in sessions:
                    send(client, "你好", session=session)
        for standin in (first, second):
            for request in standin.received:
                assert replica_for(request["sender"], urls) == standin.url
        assert first.received and second.received  # both replicas get conversations


def test_rate_limit_per_conversation(client: TestClient) -> None:
    codes = [send(client, f"问题{i}").status_code for i in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
    assert send(client, "别人的问题", session="session-9999").status_code == 200


def test_typed_text_is_never_a_command_to_rasa(client: TestClient, rasa: RasaStandIn) -> None:
    # Typed, "/restart" wiped the conversation and "/ask_human" or "/inform{...}" went round the
    # checks a button's payload gets; the worker's words still show as typed.
    for typed in ("/restart", "/ask_human", '/inform{"employer": "x"}', " /session_start"):
        assert send(client, typed).status_code == 200
    assert [m["message"] for m in rasa.received] == [
        "／restart",
        "／ask_human",
        '／inform{"employer": "x"}',
        "／session_start",
    ]
    shown = client.get("/api/web/history", params={"session_id": "session-0001"}).json()["messages"]
    assert next(m["text"] for m in shown if m["role"] == "user") == "/restart"
    # A real button still sends its payload.
    send(client, "", payload="/start_wage_intake", title="登记欠薪")
    assert rasa.received[-1]["message"] == "/start_wage_intake"


def test_a_personal_number_is_no_conversation_id(client: TestClient, rasa: RasaStandIn) -> None:
    # A hotline bridge using the caller's number as user_id would put it, in clear, in the
    # console, the history and Rasa's tracker.
    web = send(client, "你好", session=PHONE)
    partner = client.post(
        "/api/channels/json/messages",
        json={"source": "hotline", "user_id": f"caller-{PHONE}", "text": "你好"},
        headers={"X-API-Key": "k-two"},
    )
    for refused in (web, partner):
        assert refused.status_code == 422 and "手机号" in refused.json()["detail"]
    assert rasa.received == []


def test_guessing_partner_keys_is_paused(client: TestClient) -> None:
    body = {"source": "hotline", "user_id": "agent-7", "text": "欠薪咋办"}
    wrong = [
        client.post("/api/channels/json/messages", json=body, headers={"X-API-Key": f"guess-{n}"}).status_code
        for n in range(12)
    ]
    assert wrong == [401] * 11 + [429]  # the eleventh wrong key starts the pause
    # Paused for the address, the right key included, so guessing gains nothing.
    right = client.post("/api/channels/json/messages", json=body, headers={"X-API-Key": "k-two"})
    assert right.status_code == 429 and right.headers["retry-after"] == "900"
    elsewhere = TestClient(client.app, client=("198.51.100.9", 40000))
    assert elsewhere.post("/api/channels/json/messages", json=body, headers={"X-API-Key": "k-two"}).status_code == 200


def test_bad_input_is_a_clear_4xx(client: TestClient) -> None:
    assert (
        client.post("/api/web/messages", content=b"{oops", headers={"content-type": "application/json"}).status_code
        == 422
    )
    assert send(client, "x", session="../../etc").status_code == 422
    assert send(client, "", payload="<script>").status_code == 422
    assert send(client, "同时", payload="/affirm").status_code == 422
    # Rasa's own intents are no button of ours: /restart would wipe the worker's conversation.
    for internal in ("/restart", "/session_start", "/back"):
        refused = send(client, "", payload=internal)
        assert refused.status_code == 400 and refused.json()["detail"] == "按钮内容无效", internal
    huge = client.post("/api/web/messages", json={"session_id": "session-0001", "text": "欠" * 40_000})
    assert huge.status_code == 413 and "太大" in huge.json()["detail"]


def test_body_limit_without_content_length(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"session_id": "session-0001", "text": "'
        for _ in range(100):
            yield "欠".encode() * 1000
        yield b'"}'

    response = client.post("/api/web/messages", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_feedback_only_on_the_sessions_own_answers(client: TestClient) -> None:
    reply_id = send(client, "欠薪").json()["replies"][0]["id"]
    ok = client.post("/api/web/feedback", json={"session_id": "session-0001", "reply_id": reply_id, "rating": "up"})
    assert ok.status_code == 204
    other = client.post(
        "/api/web/feedback", json={"session_id": "session-0002", "reply_id": reply_id, "rating": "down"}
    )
    assert other.status_code == 404
    bad = client.post("/api/web/feedback", json={"session_id": "session-0001", "reply_id": reply_id, "rating": "meh"})
    assert bad.status_code == 422


def test_a_vote_on_a_reply_counts_once_and_can_be_changed(client: TestClient) -> None:
    reply_id = send(client, "欠薪").json()["replies"][0]["id"]
    vote = {"session_id": "session-0001", "reply_id": reply_id}
    for _ in range(5):
        assert client.post("/api/web/feedback", json={**vote, "rating": "down"}).status_code == 204
    assert client.post("/api/web/feedback", json={**vote, "rating": "up"}).status_code == 204
    engine = client.app.state.container.history.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        votes = connection.execute(text("SELECT rating FROM feedback WHERE message_id = :m"), {"m": reply_id}).all()
    assert [v[0] for v in votes] == ["up"]  # one vote, the latest, not five downs and an up


def test_messages_and_votes_are_limited_per_address_too(
    tmp_path: Path, standin_searcher: Searcher, rasa: RasaStandIn
) -> None:
    settings = settings_for(tmp_path, rasa.url, messages_per_address_per_minute=4, feedback_per_address_per_minute=2)
    app = create_app(settings, searcher=standin_searcher)
    with TestClient(app) as client:
        # Fresh session ids are free to make: the address is counted as well.
        codes = [send(client, "欠薪", session=f"fresh-{n:04d}").status_code for n in range(6)]
        assert codes == [200] * 4 + [429] * 2
        refused = send(client, "欠薪", session="fresh-0099")
        assert "请稍等" in refused.json()["detail"] and 1 <= int(refused.headers["retry-after"]) <= 60
        elsewhere = TestClient(app, client=("198.51.100.7", 40000))
        reply_id = send(elsewhere, "欠薪", session="other-0001").json()["replies"][0]["id"]
        vote = {"session_id": "other-0001", "reply_id": reply_id, "rating": "up"}
        votes = [elsewhere.post("/api/web/feedback", json=vote).status_code for _ in range(3)]
        assert votes == [204, 204, 429]


def test_partner_channel_needs_its_key(client: TestClient, rasa: RasaStandIn) -> None:
    body = {"source": "hotline", "user_id": "agent-7", "text": "欠薪咋办"}
    assert client.post("/api/channels/json/messages", json=body).status_code == 401
    assert client.post("/api/channels/json/messages", json=body, headers={"X-API-Key": "wrong"}).status_code == 401
    ok = client.post("/api/channels/json/messages", json=body, headers={"X-API-Key": "k-two"})
    assert ok.status_code == 200 and ok.json()["replies"][0]["citations"][0]["item"] == 3
    assert rasa.received[-1]["sender"] == "hotline:agent-7"


def test_a_partner_key_speaks_only_for_its_own_sources(client: TestClient, rasa: RasaStandIn) -> None:
    # A WeChat worker's conversation, as the WeChat channel would have it.
    worker = "oWorkerOpenId0001"
    client.app.state.container.history.add(  # type: ignore[attr-defined]
        f"wechat:{worker}", "wechat", [StoredMessage(role="user", text="老板欠我工资")]
    )
    wecom_key = {"X-API-Key": "k-one"}
    for source in ("wechat", "web", "hotline"):
        body = {"source": source, "user_id": worker, "text": "我的案子怎么样了"}
        refused = client.post("/api/channels/json/messages", json=body, headers=wecom_key)
        assert refused.status_code == 403, source
    assert rasa.received == []  # never reached the bot in any of those conversations
    history = client.app.state.container.history  # type: ignore[attr-defined]
    assert [m.text for m in history.messages(f"wechat:{worker}")] == ["老板欠我工资"]
    assert history.messages(f"hotline:{worker}") == []
    ok = client.post(
        "/api/channels/json/messages", json={"source": "wecom", "user_id": worker, "text": "欠薪"}, headers=wecom_key
    )
    assert ok.status_code == 200 and rasa.received[-1]["sender"] == f"wecom:{worker}"


@pytest.mark.parametrize("keys", ["k-one:wechat", "k-one:wecom|web", "k-one:WeChat"])
def test_no_key_may_be_bound_to_the_apis_own_channels(tmp_path: Path, keys: str) -> None:
    with pytest.raises(BadPartnerKeys) as refused:
        settings_for(tmp_path, "http://127.0.0.1:9", channel_api_keys=keys)
    assert "k-one" not in str(refused.value)


def test_cors_allows_only_the_listed_sites(tmp_path: Path, standin_searcher: Searcher, rasa: RasaStandIn) -> None:
    settings = settings_for(tmp_path, rasa.url, cors_origins="https://rsj.example.gov.cn")
    with TestClient(create_app(settings, standin_searcher)) as client:
        allowed = client.options(
            "/api/web/messages",
            headers={"Origin": "https://rsj.example.gov.cn", "Access-Control-Request-Method": "POST"},
        )
        assert allowed.headers.get("access-control-allow-origin") == "https://rsj.example.gov.cn"
        other = client.post(
            "/api/web/messages",
            json={"session_id": "session-0001", "text": "你好"},
            headers={"Origin": "https://evil.example.com"},
        )
        assert "access-control-allow-origin" not in other.headers


def test_a_staff_message_shows_in_the_widgets_history_masked(client: TestClient) -> None:
    send(client, "转人工")
    registry = client.app.state.container.channels  # type: ignore[attr-defined]
    told = client.portal.call(registry.tell, "web:session-0001", f"您好，我是工作人员小王。我们会打您留的 {PHONE}。")  # type: ignore[union-attr]
    assert told is True
    last = client.get("/api/web/history", params={"session_id": "session-0001"}).json()["messages"][-1]
    assert last["role"] == "staff" and "工作人员小王" in last["text"] and PHONE not in last["text"]


def test_a_citation_sent_as_its_own_message_joins_its_answer(tmp_path: Path, standin_searcher: Searcher) -> None:
    def split(sender: str, message: str) -> list[dict[str, Any]]:
        # What Rasa's REST channel does with an utterance that has text and a custom payload.
        return [{"recipient_id": sender, "text": "可以找劳动保障监察。"}, {"custom": {"citations": [CITATION]}}]

    with (
        RasaStandIn(split) as standin,
        TestClient(create_app(settings_for(tmp_path, standin.url), standin_searcher)) as client,
    ):
        replies = send(client, "欠薪").json()["replies"]
    assert len(replies) == 1 and replies[0]["citations"][0]["item"] == 3


def test_rasas_large_action_calls_are_not_cut_by_the_message_limit(client: TestClient) -> None:
    events = b'{"e": 1},' * 20_000
    tracker_sized = b'{"next_action": "action_answer_policy", "tracker": {"events": [' + events + b"{}]}}"
    response = client.post("/webhook", params={"token": "wrong"}, content=tracker_sized)
    # Refused for the token (none is configured here: 503), not for the size.
    assert len(tracker_sized) > 64 * 1024 and response.status_code == 503
