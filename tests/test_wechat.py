"""The WeChat channel through the real app, with messages built and encrypted as WeChat does.

Stand-ins (real loopback HTTP servers): Rasa, and WeChat's API (token and customer-service
messages), which records what it was sent.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import httpx
import httpx2  # what TestClient speaks
import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from wechatpy.crypto import WeChatCrypto  # type: ignore[import-untyped]
from wechatpy.utils import WeChatSigner  # type: ignore[import-untyped]

from api.channels.wechat import router as wechat
from api.channels.wechat.client import WeChatClient
from api.channels.wechat.protocol import (
    NOT_HEARD,
    SUCCESS,
    TEXT_LIMIT_BYTES,
    UNSUPPORTED,
    WORKING,
    chinese_number,
    citation_line,
    split_for_wechat,
)
from api.conversations.turn import FAILURE_REPLY, RATE_LIMITED_REPLY
from api.main import create_app
from knowledge.search import Searcher
from tests.support.redis_db import emptied, redis_db_url
from tests.support.settings import CITATION, settings_for
from tests.support.standins import JsonServer, RasaStandIn

TOKEN = "gongyou-token"
AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")
APP_ID = "wx0123456789abcdef"
SECRET = "app-secret-1"
ACCOUNT = "gh_gongyou"
OPENID = "oWorker-0001"
ANSWER = "可以找劳动保障监察。"
CITED = "依据：第（三）项 根治拖欠农民工工资；责任单位：省人社厅"
LONG = "\n".join(
    "".join(f"第{line}段第{n}句：拖欠工资可以向劳动保障监察机构投诉，也可以申请劳动争议仲裁。" for n in range(30))
    for line in range(3)
)


def reply_for(sender: str, message: str) -> list[dict[str, Any]]:
    if message == "长":
        return [{"recipient_id": sender, "text": LONG}]
    if message == "在哪干活":
        buttons = [
            {"title": "工地（工程建设）", "payload": "工程建设"},
            {"title": "工厂、饭店等", "payload": "非工程建设"},
        ]
        return [{"recipient_id": sender, "text": "哪一种？", "buttons": buttons}]
    return [
        {"recipient_id": sender, "text": ANSWER, "custom": {"citations": [CITATION]}},
        {
            "recipient_id": sender,
            "text": "要登记吗？",
            "buttons": [
                {"title": "登记欠薪", "payload": "/start_wage_intake"},
                {"title": "转人工", "payload": "/ask_human"},
            ],
        },
    ]


class WeChatApiStandIn(JsonServer):
    """WeChat's stable-token and custom/send endpoints; ``refuse`` lists errcodes for the next sends.

    Like WeChat's stable token in normal mode, asking again while the token is valid returns
    the same token (so replicas share it); a new one is made only when the current one has
    expired (``expire``) or on ``force_refresh``, which invalidates the old. The older
    ``/cgi-bin/token`` is not served: nothing may still use it. ``urls`` records every
    requested path with its query string.
    """

    def __init__(self, refuse: list[int] | None = None) -> None:
        self.refuse = list(refuse or [])
        self.tokens_issued = 0
        self.token_requests: list[dict[str, Any]] = []
        self.expired = False
        self.refused = 0  # sends refused for a bad or expired token
        self.sent: list[dict[str, Any]] = []
        self.urls: list[str] = []
        self.lock = threading.Lock()
        super().__init__(self._handle)

    @property
    def token(self) -> str:
        return f"token-{self.tokens_issued}" if self.tokens_issued else ""

    def expire(self) -> None:
        with self.lock:
            self.expired = True

    def _stable_token(self, request: dict[str, Any]) -> dict[str, Any]:
        self.token_requests.append(request)
        if request.get("appid") != APP_ID or request.get("secret") != SECRET:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if request.get("grant_type") != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if not self.token or self.expired or request.get("force_refresh") is True:
            self.tokens_issued += 1
            self.expired = False
        return {"access_token": self.token, "expires_in": 7200}

    def _handle(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        url = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        with self.lock:
            self.urls.append(path)
            if url.path == "/cgi-bin/stable_token" and method == "POST":  # POST JSON only, as WeChat's
                return 200, self._stable_token(httpx.Response(200, content=body).json())
            if url.path == "/cgi-bin/message/custom/send" and method == "POST":
                if query.get("access_token") != self.token or not self.token:
                    self.refused += 1
                    return 200, {"errcode": 40001, "errmsg": "invalid credential"}
                if self.expired:
                    self.refused += 1
                    return 200, {"errcode": 42001, "errmsg": "access_token expired"}
                if self.refuse:
                    return 200, {"errcode": self.refuse.pop(0), "errmsg": "refused"}
                self.sent.append(httpx.Response(200, content=body).json())
                return 200, {"errcode": 0, "errmsg": "ok"}
        return 404, {"errcode": -1}

    def texts(self) -> list[str]:
        with self.lock:
            return [m["text"]["content"] for m in self.sent]

    def __enter__(self) -> WeChatApiStandIn:
        super().__enter__()
        return self


# --- building and reading WeChat's messages ----------------------------------------------------


def message_xml(msg_type: str, openid: str = OPENID, msg_id: str | None = None, **fields: str) -> str:
    body = "".join(f"<{name}><![CDATA[{value}]]></{name}>" for name, value in fields.items())
    msg_id = msg_id if msg_id is not None else str(uuid.uuid4().int % 10**18)
    id_part = f"<MsgId>{msg_id}</MsgId>" if msg_id else ""
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>{body}{id_part}</xml>"
    )


def text_xml(content: str, **more: str) -> str:
    return message_xml("text", Content=content, **more)


def sealed(plain: str, timestamp: int | None = None, app_id: str = APP_ID) -> tuple[str, dict[str, str]]:
    """The body and query WeChat would send for this plaintext message."""
    stamp, nonce = str(timestamp if timestamp is not None else int(time.time())), uuid.uuid4().hex[:10]
    envelope = ElementTree.fromstring(WeChatCrypto(TOKEN, AES_KEY, app_id).encrypt_message(plain, nonce, stamp))
    encrypted = envelope.findtext("Encrypt") or ""
    body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    signer = WeChatSigner()
    signer.add_data(TOKEN, stamp, nonce)
    query = {
        "signature": signer.signature,
        "timestamp": stamp,
        "nonce": nonce,
        "openid": OPENID,
        "encrypt_type": "aes",
        "msg_signature": envelope.findtext("MsgSignature") or "",
    }
    return body, query


def post(client: TestClient, plain: str, **how: Any) -> httpx2.Response:
    body, query = sealed(plain, **how)
    return client.post("/wechat", params=query, content=body, headers={"content-type": "text/xml"})


def reply_text(response: httpx2.Response | httpx.Response) -> str:
    """The passive reply decrypted as WeChat would, or "success"."""
    assert response.status_code == 200, response.text
    if response.text == SUCCESS:
        return SUCCESS
    envelope = ElementTree.fromstring(response.text)
    plain = WeChatCrypto(TOKEN, AES_KEY, APP_ID).decrypt_message(
        response.text, envelope.findtext("MsgSignature"), envelope.findtext("TimeStamp"), envelope.findtext("Nonce")
    )
    reply = ElementTree.fromstring(plain)
    assert reply.findtext("ToUserName") == OPENID and reply.findtext("FromUserName") == ACCOUNT
    assert reply.findtext("MsgType") == "text"
    return reply.findtext("Content") or ""


def wait_for(condition: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


# --- the app -----------------------------------------------------------------------------------


def wechat_app(settings: Any, standin_searcher: Searcher) -> FastAPI:
    app = create_app(settings, standin_searcher)
    if not any(getattr(route, "original_router", None) is wechat.router for route in app.router.routes):
        app.include_router(wechat.router)  # until app.py registers it
    return app


@contextmanager
def running(
    tmp_path: Path, standin_searcher: Searcher, rasa: RasaStandIn, api: WeChatApiStandIn, **extra: Any
) -> Iterator[TestClient]:
    settings = settings_for(
        tmp_path,
        rasa.url,
        wechat_token=TOKEN,
        wechat_aes_key=AES_KEY,
        wechat_app_id=APP_ID,
        wechat_app_secret=SECRET,
        wechat_api_base=api.url,
        **extra,
    )
    with TestClient(wechat_app(settings, standin_searcher)) as client:
        yield client


# The stand-ins serve the whole module (stopping a server takes half a second); each test
# starts them afresh.
@pytest.fixture(scope="module")
def rasa_server() -> Iterator[RasaStandIn]:
    with RasaStandIn(reply_for) as standin:
        yield standin


@pytest.fixture(scope="module")
def api_server() -> Iterator[WeChatApiStandIn]:
    with WeChatApiStandIn() as standin:
        yield standin


@pytest.fixture()
def rasa(rasa_server: RasaStandIn) -> RasaStandIn:
    with rasa_server.lock:
        rasa_server.received.clear()
    rasa_server.delay_s, rasa_server.status = 0.0, 200
    return rasa_server


@pytest.fixture()
def api(api_server: WeChatApiStandIn) -> WeChatApiStandIn:
    with api_server.lock:
        api_server.sent.clear()
        api_server.refuse.clear()
        api_server.urls.clear()
        api_server.token_requests.clear()
        api_server.refused = 0
    return api_server


@pytest.fixture()
def client(
    tmp_path: Path, standin_searcher: Searcher, rasa: RasaStandIn, api: WeChatApiStandIn
) -> Iterator[TestClient]:
    with running(tmp_path, standin_searcher, rasa, api) as test_client:
        yield test_client


# --- URL check and refusals --------------------------------------------------------------------


def test_url_verification(client: TestClient) -> None:
    signer = WeChatSigner()
    signer.add_data(TOKEN, "1700000000", "nonce1")
    query = {"signature": signer.signature, "timestamp": "1700000000", "nonce": "nonce1", "echostr": "echo-123"}
    ok = client.get("/wechat", params=query)
    assert ok.status_code == 200 and ok.text == "echo-123" and ok.headers["content-type"].startswith("text/plain")
    assert client.get("/wechat", params={**query, "signature": "0" * 40}).status_code == 403
    assert client.get("/wechat", params={**query, "nonce": "other"}).status_code == 403
    assert client.get("/wechat", params={**query, "signature": "签名"}).status_code == 403  # found by schemathesis


def test_unconfigured_channel_is_not_found(tmp_path: Path, standin_searcher: Searcher, rasa: RasaStandIn) -> None:
    with TestClient(wechat_app(settings_for(tmp_path, rasa.url), standin_searcher)) as client:
        assert client.get("/wechat", params={"signature": "x", "echostr": "e"}).status_code == 404
        assert post(client, text_xml("你好")).status_code == 404


def forged(plain: str) -> tuple[str, dict[str, str]]:
    body, query = sealed(plain)
    return body, {**query, "msg_signature": "f" * 40}


def unencrypted(plain: str) -> tuple[str, dict[str, str]]:
    _, query = sealed(plain)
    return plain, {k: v for k, v in query.items() if k not in ("encrypt_type", "msg_signature")}


@pytest.mark.parametrize(
    "build",
    [
        forged,
        lambda plain: sealed(plain, timestamp=int(time.time()) - 301),
        lambda plain: sealed(plain, timestamp=int(time.time()) + 301),
        lambda plain: sealed(plain, app_id="wxSomeoneElse00000"),
        unencrypted,
    ],
    ids=["forged-signature", "old-timestamp", "future-timestamp", "other-app-id", "not-encrypted"],
)
def test_messages_not_from_wechat_are_refused(
    client: TestClient, rasa: RasaStandIn, build: Callable[[str], tuple[str, dict[str, str]]]
) -> None:
    body, query = build(text_xml("老板欠我工资"))
    assert client.post("/wechat", params=query, content=body).status_code == 403
    assert rasa.received == []


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "haha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><xml><Encrypt>&c;</Encrypt></xml>'
)
EXTERNAL = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Encrypt>&x;</Encrypt></xml>'
)


@pytest.mark.parametrize(
    "body",
    [BILLION_LAUGHS, EXTERNAL, "<xml><Encrypt>abc</Encr", "not xml at all", "<other/>", "<xml><A>1</A></xml>", ""],
    ids=["billion-laughs", "external-entity", "truncated", "not-xml", "wrong-root", "no-encrypt", "empty"],
)
def test_bad_xml_is_a_400_without_rasa(client: TestClient, rasa: RasaStandIn, body: str) -> None:
    _, query = sealed(text_xml("x"))
    response = client.post("/wechat", params=query, content=body.encode())
    assert response.status_code == 400
    assert rasa.received == []


def test_garbage_inside_a_signed_envelope_is_a_400(client: TestClient, rasa: RasaStandIn) -> None:
    stamp, nonce, encrypted = str(int(time.time())), "nonce2", base64.b64encode(b"0" * 48).decode()
    signer = WeChatSigner()
    signer.add_data(TOKEN, stamp, nonce, encrypted)
    query = {"timestamp": stamp, "nonce": nonce, "encrypt_type": "aes", "msg_signature": signer.signature}
    response = client.post("/wechat", params=query, content=f"<xml><Encrypt>{encrypted}</Encrypt></xml>")
    assert response.status_code == 400 and rasa.received == []


# --- messages ----------------------------------------------------------------------------------


def test_text_gets_the_answer_with_its_citation_and_choices(
    client: TestClient, rasa: RasaStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    text = reply_text(post(client, text_xml("老板欠我工资")))
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "httpx2")  # not the test's own client
    assert "老板欠我工资" not in logged and OPENID not in logged and ANSWER not in logged
    assert "WeChat text: asked" in logged
    assert text.startswith(ANSWER) and CITED in text and "“" not in text  # no long quote
    assert "回复数字：1 登记欠薪  2 转人工" in text
    assert rasa.received == [{"sender": f"wechat:{OPENID}", "message": "老板欠我工资", "metadata": {}}]


def test_voice_uses_its_recognition(client: TestClient, rasa: RasaStandIn) -> None:
    text = reply_text(post(client, message_xml("voice", MediaId="m1", Format="amr", Recognition="欠薪怎么办")))
    assert ANSWER in text and rasa.received[-1]["message"] == "欠薪怎么办"
    unheard = reply_text(post(client, message_xml("voice", MediaId="m2", Format="amr")))
    assert unheard == NOT_HEARD and len(rasa.received) == 1


def test_events_and_other_types(client: TestClient, rasa: RasaStandIn) -> None:
    welcome = reply_text(post(client, message_xml("event", msg_id="", Event="subscribe")))
    assert all(word in welcome for word in ("欠薪", "法律援助", "上学", "公租房", "转人工"))
    assert reply_text(post(client, message_xml("event", msg_id="", Event="unsubscribe"))) == SUCCESS
    assert reply_text(post(client, message_xml("image", PicUrl="http://x/y.jpg", MediaId="m"))) == UNSUPPORTED
    assert reply_text(post(client, message_xml("location", Label="太原"))) == UNSUPPORTED
    assert rasa.received == []


def test_a_bare_number_picks_the_button(client: TestClient, rasa: RasaStandIn) -> None:
    post(client, text_xml("老板欠我工资"))
    reply_text(post(client, text_xml("１")))  # full-width, as Chinese keyboards type it
    assert rasa.received[-1]["message"] == "/start_wage_intake"
    reply_text(post(client, text_xml(" 2 ")))
    assert rasa.received[-1]["message"] == "/ask_human"
    reply_text(post(client, message_xml("voice", MediaId="m", Format="amr", Recognition="一。")))
    assert rasa.received[-1]["message"] == "/start_wage_intake"
    reply_text(post(client, text_xml("7")))  # no such choice: an ordinary message
    assert rasa.received[-1]["message"] == "7"
    # A form's answer button stands for its words: the number sends them as typed.
    post(client, text_xml("在哪干活"))
    reply_text(post(client, text_xml("2")))
    assert rasa.received[-1]["message"] == "非工程建设"


def test_rate_limited_gets_the_friendly_text(
    tmp_path: Path, standin_searcher: Searcher, rasa: RasaStandIn, api: WeChatApiStandIn
) -> None:
    with running(tmp_path, standin_searcher, rasa, api, rate_per_minute=2) as client:
        replies = [reply_text(post(client, text_xml(f"问题{i}"))) for i in range(3)]
    assert ANSWER in replies[1] and replies[2] == RATE_LIMITED_REPLY
    assert len(rasa.received) == 2


def test_a_failed_turn_is_the_apology(client: TestClient, rasa: RasaStandIn) -> None:
    rasa.status = 500
    assert reply_text(post(client, text_xml("欠薪"))) == FAILURE_REPLY


# --- once only ---------------------------------------------------------------------------------


def test_the_same_message_three_times_in_a_row_is_processed_once(client: TestClient, rasa: RasaStandIn) -> None:
    plain = text_xml("老板欠我工资", msg_id="5001")
    replies = [reply_text(post(client, plain)) for _ in range(3)]
    assert ANSWER in replies[0] and replies[1:] == [SUCCESS, SUCCESS]
    event = message_xml("event", msg_id="", Event="subscribe")
    assert [reply_text(post(client, event)) for _ in range(2)][1] == SUCCESS
    assert len(rasa.received) == 1


def concurrently(senders: list[Callable[[], httpx2.Response]]) -> list[str]:
    barrier = threading.Barrier(len(senders))
    results: list[str] = [""] * len(senders)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = reply_text(senders[i]())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(senders))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return results


def test_the_same_message_three_times_at_once_is_processed_once(client: TestClient, rasa: RasaStandIn) -> None:
    plain = text_xml("老板欠我工资", msg_id="6001")
    rasa.delay_s = 0.3  # the three deliveries overlap
    results = concurrently([lambda: post(client, plain)] * 3)
    assert sorted(r == SUCCESS for r in results) == [False, True, True]
    assert len(rasa.received) == 1


# The machine's Redis (as in production); a database of its own, emptied first (13, 14, … per worker).
REDIS_TEST_URL = redis_db_url(13)


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with emptied(REDIS_TEST_URL) as url:
        yield url


def test_two_workers_share_once_only_and_choices_through_redis(
    tmp_path: Path, standin_searcher: Searcher, rasa: RasaStandIn, api: WeChatApiStandIn, redis_url: str
) -> None:
    plain = text_xml("老板欠我工资", msg_id=str(uuid.uuid4().int % 10**18))
    for worker in ("one", "two"):
        (tmp_path / worker).mkdir()
    rasa.delay_s = 0.3
    with (
        running(tmp_path / "one", standin_searcher, rasa, api, redis_url=redis_url) as first,
        running(tmp_path / "two", standin_searcher, rasa, api, redis_url=redis_url) as second,
    ):
        results = concurrently([lambda: post(first, plain), lambda: post(second, plain), lambda: post(first, plain)])
        assert sorted(r == SUCCESS for r in results) == [False, True, True]
        assert len(rasa.received) == 1
        reply_text(post(second, text_xml("1")))  # the buttons were shown by either worker
        assert rasa.received[-1]["message"] == "/start_wage_intake"


def test_a_retry_takes_over_a_message_whose_worker_died(
    tmp_path: Path, standin_searcher: Searcher, rasa: RasaStandIn, api: WeChatApiStandIn, redis_url: str
) -> None:
    """A process claimed the message and died (its claim is never renewed): the retry answers it."""
    msg_id = str(uuid.uuid4().int % 10**18)
    holder = redis.Redis.from_url(redis_url)
    holder.set(f"gongyou:claim:wechat:msg:{msg_id}", b"working", ex=1)  # the dead process's lease
    with running(tmp_path, standin_searcher, rasa, api, redis_url=redis_url) as client:
        started = time.monotonic()
        answered = reply_text(post(client, text_xml("老板欠我工资", msg_id=msg_id)))
        assert ANSWER in answered and time.monotonic() - started < 4.5
        assert reply_text(post(client, text_xml("老板欠我工资", msg_id=msg_id))) == SUCCESS  # now done
    assert len(rasa.received) == 1 and api.sent == []
    holder.close()


# --- deadline and long answers -----------------------------------------------------------------


def test_a_slow_answer_follows_through_the_api_once(
    tmp_path: Path, standin_searcher: Searcher, rasa: RasaStandIn, api: WeChatApiStandIn
) -> None:
    rasa.delay_s = 1.5
    with running(tmp_path, standin_searcher, rasa, api, wechat_reply_deadline_s=0.5) as client:
        started = time.monotonic()
        assert reply_text(post(client, text_xml("老板欠我工资"))) == WORKING
        assert time.monotonic() - started < 1.4
        assert wait_for(lambda: len(api.sent) >= 1)
        time.sleep(0.3)  # nothing more comes
    assert len(api.sent) == 1 and api.sent[0]["touser"] == OPENID and api.sent[0]["msgtype"] == "text"
    full = api.texts()[0]
    assert full.startswith(ANSWER) and CITED in full and "回复数字：1 登记欠薪" in full
    assert len(rasa.received) == 1


def test_a_long_answer_is_split_and_delivered_in_order(client: TestClient, api: WeChatApiStandIn) -> None:
    first = reply_text(post(client, text_xml("长")))
    assert wait_for(lambda: len(api.sent) >= 2)
    time.sleep(0.3)
    parts = [first, *api.texts()]
    assert len(parts) >= 3 and all(len(p.encode()) <= TEXT_LIMIT_BYTES for p in parts)
    assert "".join(parts).replace("\n", "") == LONG.replace("\n", "")
    assert all(p.endswith("。") for p in parts)  # cut at sentence ends


# --- the customer-service client ---------------------------------------------------------------


def with_client(api: WeChatApiStandIn, work: Callable[[WeChatClient], Any], secret: str = SECRET) -> Any:
    import asyncio

    async def run() -> Any:
        client = WeChatClient(api.url, APP_ID, secret, timeout_s=2.0)
        try:
            return await work(client)
        finally:
            await client.close()

    return asyncio.run(run())


async def _send_twice(client: WeChatClient) -> list[bool]:
    return [await client.send_text(OPENID, "一"), await client.send_text(OPENID, "二")]


def test_client_caches_the_token(api: WeChatApiStandIn) -> None:
    assert with_client(api, _send_twice) == [True, True]
    assert len(api.token_requests) == 1 and api.texts() == ["一", "二"]


def test_client_refreshes_an_expired_token_once(api: WeChatApiStandIn, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    async def expiring_between(client: WeChatClient) -> list[bool]:
        first = await client.send_text(OPENID, "一")
        api.expire()  # WeChat's token ran out while the client still held it
        return [first, await client.send_text(OPENID, "二")]

    issued = api.tokens_issued
    assert with_client(api, expiring_between) == [True, True]
    assert len(api.token_requests) == 2 and api.tokens_issued >= issued + 1 and api.texts() == ["一", "二"]
    api.refuse[:] = [42001, 42001]
    assert with_client(api, _send_twice) == [False, True]  # refreshed once, then gives up
    assert "access_token=***" in caplog.text  # httpx's request log, scrubbed
    assert SECRET not in caplog.text and "token-" not in caplog.text and "一" not in caplog.text


def test_the_secret_is_in_no_url_and_the_token_comes_from_the_stable_endpoint(
    api: WeChatApiStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert with_client(api, _send_twice) == [True, True]
    assert api.urls and not any(SECRET in url for url in api.urls)
    assert not any(url.startswith("/cgi-bin/token") for url in api.urls)
    assert [r["force_refresh"] for r in api.token_requests] == [False]  # never invalidates another's token
    assert SECRET not in caplog.text


def test_two_replicas_share_one_valid_token(api: WeChatApiStandIn) -> None:
    """Each api replica has its own client: one fetching the token must not knock out the other's."""

    async def run() -> list[bool]:
        first = WeChatClient(api.url, APP_ID, SECRET, timeout_s=2.0)
        second = WeChatClient(api.url, APP_ID, SECRET, timeout_s=2.0)
        try:
            sent = [await first.send_text(OPENID, "一"), await second.send_text(OPENID, "二")]
            sent.append(await first.send_text(OPENID, "三"))  # with the token it fetched before the second did
            assert first.token == second.token
            return sent
        finally:
            await first.close()
            await second.close()

    assert asyncio.run(run()) == [True, True, True]
    assert api.refused == 0 and len(api.token_requests) == 2 and api.texts() == ["一", "二", "三"]


def test_client_failures_are_false_not_exceptions(api: WeChatApiStandIn) -> None:
    assert with_client(api, _send_twice, secret="wrong") == [False, False]

    async def unreachable(client: WeChatClient) -> bool:
        client.client.base_url = httpx.URL("http://127.0.0.1:9")
        return await client.send_text(OPENID, "x")

    assert with_client(api, unreachable) is False


# --- rendering ---------------------------------------------------------------------------------


def test_citation_lines() -> None:
    assert citation_line(CITATION) == CITED
    many = {"item": 12, "title": "T", "departments": ["甲", "乙", "丙", "丁"]}
    assert citation_line(many) == "依据：第（十二）项 T；责任单位：甲、乙、丙等4个部门"
    assert citation_line({"marker": "（八）", "title": "住房"}) == "依据：第（八）项 住房"
    assert citation_line({"quote": "只有原文"}) == ""
    assert [chinese_number(n) for n in (1, 10, 11, 20, 21, 99)] == ["一", "十", "十一", "二十", "二十一", "九十九"]


@given(st.text(alphabet=st.sampled_from(list("欠薪工资ab1 。！？\n😭")), max_size=3000), st.integers(8, 300))
def test_split_keeps_everything_within_the_limit(text: str, limit: int) -> None:
    parts = split_for_wechat(text, limit)
    assert all(0 < len(p.encode()) <= limit for p in parts)
    assert "".join(parts).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")


def test_a_staff_message_reaches_the_worker_through_the_customer_service_api(
    client: TestClient, api: WeChatApiStandIn
) -> None:
    registry = client.app.state.container.channels  # type: ignore[attr-defined]
    text = "您好，我是人社局的工作人员，您的欠薪投诉已转给劳动保障监察，有事可打 0351-12345678。"
    assert client.portal.call(registry.tell, f"wechat:{OPENID}", text) is True  # type: ignore[union-attr]
    assert api.texts() == [text]
    stored = registry.history.messages(f"wechat:{OPENID}")[-1]
    assert stored.role == "staff" and stored.text == text  # a landline is no personal number
