"""The web chat widget in a real browser (Debian's Chromium), against the real api and a Rasa stand-in."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Request, Route, expect

from api.middleware import CONTENT_SECURITY_POLICY
from tests.support.browser import chromium_browser, get, post_json, running_api
from tests.support.standins import RasaStandIn

pytestmark = pytest.mark.browser

NETWORK_ERROR = "网络不稳定，请稍后再试，或拨打 12333"
SLOW_DOWN = "您发得太快了，请稍等。"
# A speechSynthesis that records what it was asked to say.
FAKE_SPEECH = """
window.__spoken = [];
Object.defineProperty(window, 'speechSynthesis', {value: {
    speak(u) { window.__spoken.push([u.text, u.lang]); }, cancel() {} }});
"""
XSS_TEXT = '看这里 <img src=x onerror="window.__xss=1"> 和 <script>window.__xss=2</script> 结束'
QUOTE = "建立健全工资支付保障制度，\n全面落实工资保证金制度。"
DEPARTMENTS = ["省人社厅", "省住建厅"]
# A Rasa payload the stand-in offers as a button.
CHOICE_PAYLOAD = '/ask_unpaid_wages{"item": 3}'
CHOICE_TITLE = "工资被拖欠"
# A form's answer button: its payload is the words it stands for.
ANSWER_PAYLOAD = "非工程建设"
ANSWER_TITLE = "工厂、饭店等（非工程建设）"


def citation(quote: str = QUOTE, title: str = "坚决保障农民工工资支付") -> dict[str, Any]:
    return {"doc": "2019年山西省农民工工作要点", "item": 3, "title": title, "quote": quote, "departments": DEPARTMENTS}


def respond(sender: str, message: str) -> list[dict[str, Any]]:
    """The scripted Rasa: a few keywords, and an echo for everything else."""
    if "欠" in message and "工资" in message:
        time.sleep(0.6)  # long enough to see the typing indicator
        return [
            {"recipient_id": sender, "text": "可以找人社部门维权。\n第3项写明了工资支付保障。"},
            {"recipient_id": sender, "custom": {"citations": [citation()]}},
        ]
    if message == "有哪些选项":
        return [
            {
                "recipient_id": sender,
                "text": "您想问哪一件事？",
                "buttons": [
                    {"title": CHOICE_TITLE, "payload": CHOICE_PAYLOAD},
                    {"title": "别的事", "payload": "/deny"},
                ],
            }
        ]
    if message == "在哪干活":
        return [
            {
                "recipient_id": sender,
                "text": "哪一种？",
                "buttons": [{"title": ANSWER_TITLE, "payload": ANSWER_PAYLOAD}],
            }
        ]
    if message == CHOICE_PAYLOAD:
        return [{"recipient_id": sender, "text": "好的，说说工资被拖欠的事。"}]
    if message == "/ask_human":
        return [
            {"recipient_id": sender, "text": "好的，已为您转人工，工作人员会尽快回复。", "custom": {"handoff": True}}
        ]
    if message == "xss":
        return [
            {
                "recipient_id": sender,
                "text": XSS_TEXT,
                "buttons": [{"title": XSS_TEXT, "payload": "/deny"}],
                "custom": {"citations": [citation(quote=XSS_TEXT, title=XSS_TEXT)]},
            }
        ]
    return [{"recipient_id": sender, "text": f"收到：{message}"}]


@pytest.fixture(scope="module")
def rasa() -> Iterator[RasaStandIn]:
    with RasaStandIn(respond) as standin:
        yield standin


@pytest.fixture(scope="module")
def server(rasa: RasaStandIn, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real api in its own process, talking to the stand-in."""
    with running_api(tmp_path_factory.mktemp("api"), rasa.url) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_browser() as launched:
        yield launched


class Watched:
    """A page with its console errors, page errors and requests recorded."""

    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.base = base
        self.errors: list[str] = []
        self.requests: list[Request] = []
        self.failed: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("request", lambda r: self.requests.append(r))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def open(self) -> None:
        self.page.goto(self.base + "/")
        self.wait_ready()

    def wait_ready(self) -> None:
        expect(self.page.locator(".gy-widget")).to_have_attribute("data-ready", "true")

    def ask(self, text: str) -> None:
        self.page.locator(".gy-input").fill(text)
        self.page.locator(".gy-input").press("Enter")

    def session_id(self) -> str:
        value: str = self.page.evaluate("sessionStorage.getItem('gongyou.session_id')")
        return value

    def messages(self) -> list[tuple[str, str]]:
        """(role, text) of every message of the conversation shown, the welcome left out."""
        rows: list[list[str]] = self.page.evaluate(
            """() => [...document.querySelectorAll('.gy-log .gy-msg:not(.gy-welcome):not(.gy-typing)')]
                .map(row => [row.classList.contains('gy-user') ? 'user' : row.classList.contains('gy-staff')
                    ? 'staff' : 'bot', row.querySelector('.gy-bubble')?.textContent ?? ''])"""
        )
        return [(role, text) for role, text in rows]

    def posts(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.method == "POST" and r.url.endswith(path)]


@pytest.fixture()
def chat(request: pytest.FixtureRequest, browser: Browser, server: str) -> Iterator[Watched]:
    """A fresh browser context (so a fresh session), 390 px wide unless the test asks for another width."""
    width: int = getattr(request, "param", 390)
    context = browser.new_context(viewport={"width": width, "height": 844}, locale="zh-CN")
    context.set_default_timeout(10_000)
    try:
        yield Watched(context.new_page(), server)
    finally:
        context.close()


@pytest.mark.parametrize("chat", [390, 360], indirect=True)
def test_demo_page_loads_clean(chat: Watched, server: str) -> None:
    watched, page = chat, chat.page
    width = (page.viewport_size or {"width": 0})["width"]
    response = page.goto(server + "/")
    assert response is not None and response.ok
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    watched.wait_ready()
    expect(page.locator(".gy-welcome .gy-bubble")).to_contain_text("工友助手")
    page.wait_for_load_state("networkidle")

    assert watched.errors == [], watched.errors
    assert watched.failed == [], watched.failed
    assert all(r.url.startswith(server + "/") or r.url.startswith("data:") for r in watched.requests), [
        r.url for r in watched.requests
    ]
    loaded = {r.url.removeprefix(server) for r in watched.requests}
    assert {"/", "/static/widget.js", "/static/widget.css"} <= loaded
    assert any(u.startswith("/api/web/history?session_id=") for u in loaded)
    assert re.fullmatch(r"[0-9a-f]{32}", watched.session_id())

    # Mobile: large text, no sideways scrolling, the input and big buttons inside the screen.
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.gy-welcome .gy-bubble')).fontSize)")
    assert size >= 17
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.locator(".gy-input").scroll_into_view_if_needed()
    for selector in (".gy-input", ".gy-send", ".gy-human", ".gy-welcome .gy-quick-btn"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["height"] >= 44, (selector, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (selector, box)


def test_question_gets_answer_with_policy_text(chat: Watched) -> None:
    page = chat.page
    page.add_init_script(FAKE_SPEECH)
    chat.open()
    # Empty input is not sent.
    page.locator(".gy-input").fill("   ")
    page.locator(".gy-input").press("Enter")
    page.locator(".gy-send").click()
    assert chat.posts("/api/web/messages") == []

    chat.ask("老板欠我三个月工资不给怎么办")
    expect(page.locator(".gy-typing")).to_be_visible()
    answer = page.locator(".gy-bot:not(.gy-welcome)").last
    expect(answer.locator(".gy-bubble")).to_have_text("可以找人社部门维权。\n第3项写明了工资支付保障。")
    expect(page.locator(".gy-typing")).to_have_count(0)
    expect(page.locator(".gy-input")).to_have_value("")
    assert page.locator(".gy-user .gy-bubble").last.text_content() == "老板欠我三个月工资不给怎么办"
    expect(answer.locator(".gy-bubble")).to_have_css("white-space", "pre-wrap")

    details = answer.locator("details.gy-cite")
    expect(details.locator("summary")).to_have_text("政策原文")
    expect(details.locator(".gy-cite-quote")).not_to_be_visible()
    details.locator("summary").click()
    expect(details.locator(".gy-cite-quote")).to_be_visible()
    assert details.locator(".gy-cite-quote").text_content() == QUOTE
    expect(details.locator(".gy-cite-title")).to_have_text("第3项 坚决保障农民工工资支付")
    expect(details.locator(".gy-cite-dept")).to_have_text("责任单位：省人社厅、省住建厅")

    # 朗读 reads the answer aloud in Mandarin; a second tap stops it.
    answer.locator(".gy-read").click()
    assert page.evaluate("window.__spoken") == [["可以找人社部门维权。\n第3项写明了工资支付保障。", "zh-CN"]]
    expect(answer.locator(".gy-read")).to_have_text("停止")
    answer.locator(".gy-read").click()
    expect(answer.locator(".gy-read")).to_have_text("朗读")
    assert chat.errors == []


def test_quick_reply_sends_payload_and_shows_title(chat: Watched, rasa: RasaStandIn) -> None:
    chat.open()
    page = chat.page
    chat.ask("有哪些选项")
    button = page.locator(".gy-quick-btn", has_text=CHOICE_TITLE)
    expect(button).to_be_visible()
    before = len(rasa.received)
    with page.expect_response("**/api/web/messages") as sent:
        button.click()
    assert json.loads(sent.value.request.post_data or "{}") == {
        "session_id": chat.session_id(),
        "payload": CHOICE_PAYLOAD,
        "title": CHOICE_TITLE,
    }
    expect(page.locator(".gy-bot .gy-bubble").last).to_have_text("好的，说说工资被拖欠的事。")
    assert [r["message"] for r in rasa.received[before:]] == [CHOICE_PAYLOAD]
    assert rasa.received[-1]["sender"].endswith(chat.session_id())
    assert chat.messages()[-2:] == [("user", CHOICE_TITLE), ("bot", "好的，说说工资被拖欠的事。")]


def test_an_answer_button_sends_its_words_as_text(chat: Watched, rasa: RasaStandIn) -> None:
    """Form buttons carry words, not intents: sent as a payload they were refused (422)."""
    chat.open()
    page = chat.page
    chat.ask("在哪干活")
    button = page.locator(".gy-quick-btn", has_text=ANSWER_TITLE)
    expect(button).to_be_visible()  # the question's own request has finished
    with page.expect_response(
        lambda r: "/api/web/messages" in r.url and ANSWER_PAYLOAD in (r.request.post_data or "")
    ) as sent:
        button.click()
    assert sent.value.status == 200
    assert json.loads(sent.value.request.post_data or "{}") == {"session_id": chat.session_id(), "text": ANSWER_PAYLOAD}
    expect(page.locator(".gy-bot .gy-bubble").last).to_have_text(f"收到：{ANSWER_PAYLOAD}")
    assert chat.errors == []


def test_conversation_survives_reload(chat: Watched) -> None:
    chat.open()
    page = chat.page
    chat.ask("你好")
    expect(page.locator(".gy-bot .gy-bubble").last).to_have_text("收到：你好")
    chat.ask("老板欠工资")
    expect(page.locator(".gy-cite")).to_have_count(1)
    before = chat.messages()
    session = chat.session_id()
    assert len(before) == 4

    page.reload()
    chat.wait_ready()
    expect(page.locator(".gy-cite")).to_have_count(1)
    assert chat.messages() == before
    assert chat.session_id() == session
    page.locator(".gy-cite summary").click()
    expect(page.locator(".gy-cite-dept")).to_have_text("责任单位：省人社厅、省住建厅")


def test_markup_in_replies_is_shown_as_text(chat: Watched) -> None:
    chat.open()
    page = chat.page
    chat.ask("xss")
    answer = page.locator(".gy-bot:not(.gy-welcome)").last
    expect(answer.locator(".gy-bubble")).to_have_text(XSS_TEXT)
    answer.locator(".gy-cite summary").click()
    for round_ in ("answer", "reload"):
        expect(answer.locator(".gy-cite-quote")).to_have_text(XSS_TEXT)
        expect(answer.locator(".gy-cite-title")).to_have_text("第3项 " + XSS_TEXT)
        expect(answer.locator(".gy-quick-btn")).to_have_text(XSS_TEXT)
        assert page.locator(".gy-widget img, .gy-widget script").count() == 0, round_
        page.wait_for_timeout(200)
        assert page.evaluate("window.__xss") is None, round_
        if round_ == "answer":
            page.reload()
            chat.wait_ready()
            answer = page.locator(".gy-bot:not(.gy-welcome)").last
            answer.locator(".gy-cite summary").click()
    assert chat.errors == []


def test_failures_keep_the_text_and_say_so(chat: Watched) -> None:
    chat.open()
    page = chat.page
    notice = page.locator(".gy-notice")
    typed = "工地老板跑了，工资找谁要"

    def server_error(route: Route) -> None:
        route.fulfill(status=502, content_type="text/html", body="<h1>Bad Gateway</h1>")

    def network_down(route: Route) -> None:
        route.abort("internetdisconnected")

    def rate_limited(route: Route) -> None:
        route.fulfill(status=429, content_type="application/json", body=json.dumps({"detail": SLOW_DOWN}))

    for handler, shown in ((server_error, NETWORK_ERROR), (network_down, NETWORK_ERROR), (rate_limited, SLOW_DOWN)):
        page.route("**/api/web/messages", handler)
        chat.ask(typed)
        expect(notice).to_have_text(shown)
        expect(page.locator(".gy-input")).to_have_value(typed)
        expect(page.locator(".gy-user")).to_have_count(0)
        expect(page.locator(".gy-typing")).to_have_count(0)
        page.unroute("**/api/web/messages", handler)

    page.locator(".gy-send").click()
    expect(page.locator(".gy-bot .gy-bubble").last).to_have_text(f"收到：{typed}")
    expect(notice).to_be_hidden()
    expect(page.locator(".gy-input")).to_have_value("")
    # Longer than a message may be: not sent, said so, and the words stay in the box to cut up
    # (before, the box was emptied and the api's answer asked for it in parts).
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if "/api/web/messages" in request.url else None)
    for huge in ("工" * 1001, "工" * 30_000):
        page.locator(".gy-input").fill(huge)
        page.locator(".gy-send").click()
        expect(notice).to_contain_text("消息太长了（最多 1000 字）")
        expect(page.locator(".gy-input")).to_have_value(huge)
    assert sent == []
    page.locator(".gy-input").fill("工" * 1000)
    page.locator(".gy-send").click()
    expect(page.locator(".gy-input")).to_have_value("")


def test_thumbs_up_posts_feedback(chat: Watched) -> None:
    chat.open()
    page = chat.page
    chat.ask("谢谢")
    answer = page.locator(".gy-bot:not(.gy-welcome)").last
    expect(answer.locator(".gy-bubble")).to_have_text("收到：谢谢")
    reply_id = answer.get_attribute("data-id")
    assert reply_id
    with page.expect_response("**/api/web/feedback") as sent:
        answer.locator(".gy-rate-up").click()
    assert sent.value.status == 204
    assert json.loads(sent.value.request.post_data or "{}") == {
        "session_id": chat.session_id(),
        "reply_id": reply_id,
        "rating": "up",
    }
    expect(answer.locator(".gy-feedback-status")).to_have_text("谢谢，已记下")
    expect(answer.locator(".gy-rate-up")).to_have_attribute("aria-pressed", "true")
    expect(answer.locator(".gy-rate-down")).to_have_attribute("aria-pressed", "false")


def test_human_button_asks_for_a_person(chat: Watched, rasa: RasaStandIn) -> None:
    chat.open()
    page = chat.page
    before = len(rasa.received)
    with page.expect_request("**/api/web/messages") as sent:
        page.locator(".gy-human").click()
    assert json.loads(sent.value.post_data or "{}") == {
        "session_id": chat.session_id(),
        "payload": "/ask_human",
        "title": "转人工",
    }
    expect(page.locator(".gy-bot .gy-bubble").last).to_have_text("好的，已为您转人工，工作人员会尽快回复。")
    assert [r["message"] for r in rasa.received[before:]] == ["/ask_human"]
    assert chat.messages()[-2][0:2] == ("user", "转人工")
    expect(page.locator(".gy-human")).to_have_text("已转人工")


def test_floating_button_on_another_page(chat: Watched, server: str) -> None:
    """Embedded with the one script tag and no attributes: a "工友助手" button that opens the chat."""
    page = chat.page
    page.add_init_script("Object.defineProperty(window, 'speechSynthesis', {value: undefined})")
    host = server + "/embed-test"
    page.route(
        host,
        lambda route: route.fulfill(
            content_type="text/html; charset=utf-8",
            body=f'<!doctype html><meta name="viewport" content="width=device-width"><h1>某单位网站</h1>'
            f'<script src="{server}/static/widget.js" defer></script>',
        ),
    )
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(host)
    launcher = page.locator(".gy-launcher")
    expect(launcher).to_have_text("工友助手")
    expect(page.locator(".gy-panel")).to_be_hidden()
    launcher.click()
    expect(page.locator(".gy-panel")).to_be_visible()
    expect(page.locator(".gy-input")).to_be_focused()
    expect(page.locator(".gy-widget")).to_have_attribute("data-ready", "true")
    box = page.locator(".gy-send").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 360 and box["y"] + box["height"] <= 740
    chat.ask("在吗")
    expect(page.locator(".gy-bot .gy-bubble").last).to_have_text("收到：在吗")
    # No speech in this browser: no 朗读 button.
    expect(page.locator(".gy-read")).to_have_count(0)
    page.locator(".gy-close").click()
    expect(page.locator(".gy-panel")).to_be_hidden()
    expect(launcher).to_be_visible()
    assert chat.errors == []


# ---------- shared phones and internet cafés ----------

CASE_DETAILS = "我叫张三，老板是太原某建筑公司，欠我两万三千块"


def shown_text(page: Page) -> str:
    return page.locator(".gy-log").inner_text()


def test_the_next_person_on_a_shared_phone_sees_nothing(browser: Browser, server: str) -> None:
    """Worker A chats and closes the tab; worker B opens the page on the same phone."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    context.set_default_timeout(10_000)
    try:
        first = Watched(context.new_page(), server)
        first.open()
        first.ask(CASE_DETAILS)
        expect(first.page.locator(".gy-bot .gy-bubble").last).to_have_text(f"收到：{CASE_DETAILS}")
        first.page.close()

        second = Watched(context.new_page(), server)
        second.open()
        second.page.wait_for_load_state("networkidle")
        assert second.messages() == []
        assert "太原" not in shown_text(second.page) and "张三" not in shown_text(second.page)
        assert second.page.evaluate("localStorage.length") == 0  # nothing left for the browser's next user
        assert second.errors == []
    finally:
        context.close()


def test_a_tab_left_open_clears_itself_after_the_idle_time(chat: Watched) -> None:
    page = chat.page
    page.clock.install()
    chat.open()
    chat.ask(CASE_DETAILS)
    expect(page.locator(".gy-bot .gy-bubble").last).to_have_text(f"收到：{CASE_DETAILS}")
    first_id = chat.session_id()

    page.clock.fast_forward("29:00")  # still the same worker, reading
    expect(page.locator(".gy-user")).to_have_count(1)

    page.clock.fast_forward("02:00")  # 31 minutes without a message: whoever looks next
    expect(page.locator(".gy-user")).to_have_count(0)
    assert "太原" not in shown_text(page)
    expect(page.locator(".gy-note")).to_have_text("很久没有说话，上一段对话已结束。")
    expect(page.locator(".gy-welcome")).to_be_visible()
    assert chat.session_id() != first_id

    page.reload()
    chat.wait_ready()
    assert chat.messages() == [] and "太原" not in shown_text(page)
    # The new conversation works.
    chat.ask("你好")
    expect(page.locator(".gy-bot .gy-bubble").last).to_have_text("收到：你好")
    assert chat.errors == []


@pytest.mark.parametrize("chat", [360], indirect=True)
def test_end_button_clears_the_screen_and_the_api_forgets(chat: Watched, server: str) -> None:
    page = chat.page
    dialogs: list[str] = []

    def browser_dialog(dialog: Dialog) -> None:  # confirm() and alert() are not the way to ask
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", browser_dialog)
    chat.open()
    chat.ask(CASE_DETAILS)
    expect(page.locator(".gy-bot .gy-bubble").last).to_have_text(f"收到：{CASE_DETAILS}")
    old_id = chat.session_id()

    # In the header, on a 360 px phone, large enough to tap.
    end = page.locator(".gy-header .gy-end")
    expect(end).to_have_text("结束对话")
    box = end.bounding_box()
    assert box is not None and box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 360, box

    # A second step in the page: 取消 leaves everything as it was.
    confirm = page.locator(".gy-end-confirm")
    expect(confirm).to_be_hidden()
    end.click()
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("聊天记录会从这个页面清除")
    expect(page.locator(".gy-end-yes")).to_be_focused()
    page.locator(".gy-end-no").click()
    expect(confirm).to_be_hidden()
    expect(page.locator(".gy-user")).to_have_count(1)
    assert chat.posts("/api/web/end") == []

    # With the keyboard alone: the button, then 确认结束.
    end.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".gy-end-yes")).to_be_focused()
    with page.expect_response("**/api/web/end") as ended:
        page.keyboard.press("Enter")
    assert ended.value.status == 204
    assert json.loads(ended.value.request.post_data or "{}") == {"session_id": old_id}

    expect(page.locator(".gy-user")).to_have_count(0)
    assert "太原" not in shown_text(page)
    expect(page.locator(".gy-note")).to_have_text("上一段对话已结束，聊天记录已清除。")
    expect(page.locator(".gy-welcome")).to_be_visible()
    expect(confirm).to_be_hidden()
    assert chat.session_id() != old_id
    assert dialogs == []

    page.reload()
    chat.wait_ready()
    assert chat.messages() == [] and "太原" not in shown_text(page)
    # The api serves nothing more to the old id, whoever asks.
    status, _, body = get(f"{server}/api/web/history?session_id={old_id}")
    assert status == 200 and json.loads(body)["messages"] == [] and json.loads(body)["ended"] is True
    chat.ask("你好")
    expect(page.locator(".gy-bot .gy-bubble").last).to_have_text("收到：你好")
    assert chat.errors == []


# How far the conversation is from being scrolled to its end, in pixels.
LOG_GAP = "(l => l.scrollHeight - l.scrollTop - l.clientHeight)(document.querySelector('.gy-log'))"


def log_gap(page: Page) -> float:
    gap: float = page.evaluate(LOG_GAP)
    return gap


def test_after_a_reload_on_a_phone_the_last_message_stays_in_view(chat: Watched) -> None:
    page = chat.page
    chat.open()
    for i in range(4):
        chat.ask(f"第{i}个问题：老板说下个月再给，已经说了好几次了，到底找谁")
        expect(page.locator(".gy-bot .gy-bubble").last).to_contain_text(f"第{i}个问题")
    page.reload()
    chat.wait_ready()
    expect(page.locator(".gy-user")).to_have_count(4)
    page.wait_for_load_state("networkidle")
    last = page.locator(".gy-log .gy-msg").last
    expect(last).to_contain_text("第3个问题")
    expect(last).to_be_in_viewport()
    assert log_gap(page) <= 2
    # The worker taps the box to write: the phone's keyboard takes the lower part of the screen.
    page.set_viewport_size({"width": 390, "height": 480})
    page.locator(".gy-input").focus()
    expect(last).to_be_in_viewport()
    page.wait_for_function(f"{LOG_GAP} <= 2")
    # Scrolled up to read an earlier answer: the keyboard closing does not pull the worker away from it.
    page.locator(".gy-log").evaluate("log => { log.scrollTop = 0; }")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    assert page.locator(".gy-log").evaluate("log => log.scrollTop") == 0


def test_a_conversation_the_api_closed_starts_again_keeping_the_words(chat: Watched, server: str) -> None:
    """Ended elsewhere (a duplicated tab), or idle by the api's clock: the next message starts a new one."""
    page = chat.page
    chat.open()
    chat.ask(CASE_DETAILS)
    expect(page.locator(".gy-bot .gy-bubble").last).to_have_text(f"收到：{CASE_DETAILS}")
    old_id = chat.session_id()
    status, _, _ = post_json(f"{server}/api/web/end", {"session_id": old_id})
    assert status == 204

    typed = "那我的钱什么时候能拿到"
    with page.expect_response("**/api/web/messages") as refused:
        chat.ask(typed)
    assert refused.value.status == 410
    expect(page.locator(".gy-notice")).to_have_text("这次对话已经结束了。请重新开始对话。")
    expect(page.locator(".gy-input")).to_have_value(typed)
    expect(page.locator(".gy-user")).to_have_count(0)
    assert "太原" not in shown_text(page)
    assert chat.session_id() != old_id

    page.locator(".gy-send").click()
    expect(page.locator(".gy-bot .gy-bubble").last).to_have_text(f"收到：{typed}")
    expect(page.locator(".gy-notice")).to_be_hidden()
    # Chromium logs the refused request itself; nothing else went wrong.
    assert all("410" in e for e in chat.errors), chat.errors


def test_a_tab_reopened_after_the_idle_time_shows_nothing(browser: Browser, server: str) -> None:
    """A closed tab brought back (the browser's 重新打开关闭的标签页) comes with its storage."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.set_default_timeout(10_000)
    try:
        first = Watched(context.new_page(), server)
        first.open()
        first.ask(CASE_DETAILS)
        expect(first.page.locator(".gy-bot .gy-bubble").last).to_have_text(f"收到：{CASE_DETAILS}")
        kept = first.page.evaluate("JSON.stringify(Object.fromEntries(Object.entries(sessionStorage)))")
        first.page.close()
        restore = f"for (const [k, v] of Object.entries({kept})) sessionStorage.setItem(k, v);"

        def reopened(after: timedelta) -> Watched:
            page = context.new_page()
            page.add_init_script(restore)
            page.clock.install(time=datetime.now(UTC) + after)
            watched = Watched(page, server)
            watched.open()
            return watched

        soon = reopened(timedelta(minutes=5))  # the same worker, back within the idle time
        expect(soon.page.locator(".gy-user")).to_have_count(1)
        expect(soon.page.locator(".gy-log")).to_contain_text("太原")
        soon.page.close()

        late = reopened(timedelta(minutes=31))  # someone else, later
        late.page.wait_for_load_state("networkidle")
        assert late.messages() == [] and "太原" not in shown_text(late.page)
        assert all(json.loads(kept)["gongyou.session_id"] not in r.url for r in late.requests)
        assert late.errors == []
    finally:
        context.close()
