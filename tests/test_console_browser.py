"""The staff console in a real browser (Debian's Chromium), against the real api and a Rasa stand-in.

A worker talks to the widget on ``/`` in one browser context; a member of staff signs in
to ``/console`` in another, takes the conversation from the queue, replies and hands it
back. The API behind the console is tested on its own in test_console.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Response, ViewportSize, expect

from api.cases.store import CaseStore, WageIntake
from api.handoff.store import HandoffStore
from api.middleware import CONTENT_SECURITY_POLICY
from tests.support.browser import PROJECT, chromium_browser, create_user, get, post_json, running_api
from tests.support.standins import RasaStandIn

pytestmark = pytest.mark.browser

STAFF, STAFF_PASSWORD = "zhang.san", "zhang-san-password-1"
OTHER, OTHER_PASSWORD = "li.si", "li-si-password-22"
LAPTOP: ViewportSize = {"width": 1366, "height": 768}
XSS = '<img src=x onerror="window.__xss=1"> 和 <script>window.__xss=2</script>'
WORKER_XSS = "看这里 " + XSS + " 结束"
ANSWER = "可以找劳动保障监察大队投诉。"
CITED_TITLE = "坚决保障农民工工资支付 " + XSS
CITED_QUOTE = "全面落实工资保证金制度。" + XSS
CITATION = {
    "doc": "2019年山西省农民工工作要点",
    "item": 3,
    "title": CITED_TITLE,
    "quote": CITED_QUOTE,
    "departments": ["省人社厅"],
}
EVIDENCE = {
    "intent": "ask_unpaid_wages",
    "confidence": 0.9134,
    "in_scope": True,
    "hits": [
        {"kind": "clause", "title": "坚决保障农民工工资支付" + XSS, "items": [3], "score": 0.87654},
        {"kind": "answer", "title": "老板拖欠工资怎么办", "items": [3, 6], "score": 0.8},
    ],
}
HANDED_OVER = "好的，已为您转人工，工作人员会尽快回复。"
STAFF_REPLY = "您好，我是工作人员小张，请说说是哪个工地。"
HAND_OVER_FOR = "转人工，原因："  # the scripted Rasa hands over with the reason that follows


def respond(sender: str, message: str) -> list[dict[str, Any]]:
    """The scripted Rasa: hands over on 转人工 (as the real bot, reason worker_asked), answers otherwise."""
    if message in {"转人工", "/ask_human"} or message.startswith(HAND_OVER_FOR):
        reason = message[len(HAND_OVER_FOR) :] if message.startswith(HAND_OVER_FOR) else "worker_asked"
        return [{"recipient_id": sender, "text": HANDED_OVER, "custom": {"handoff": {"reason": reason}}}]
    return [
        {
            "recipient_id": sender,
            "text": f"{ANSWER}（您说：{message}）",
            "buttons": [
                {"title": "登记欠薪", "payload": "/start_wage_intake"},
                {"title": "转人工", "payload": "/ask_human"},
            ],
        },
        {"recipient_id": sender, "custom": {"citations": [CITATION], "evidence": EVIDENCE}},
    ]


@pytest.fixture(scope="module")
def rasa() -> Iterator[RasaStandIn]:
    with RasaStandIn(respond) as standin:
        yield standin


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("console")
    url = f"sqlite:///{folder / 'api.db'}"
    create_user(url, STAFF, STAFF_PASSWORD)
    create_user(url, OTHER, OTHER_PASSWORD)
    return url


@pytest.fixture(scope="module")
def server(rasa: RasaStandIn, database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real api in its own process, on the database with the staff accounts, talking to the stand-in."""
    with running_api(tmp_path_factory.mktemp("api"), rasa.url, database) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_browser() as launched:
        yield launched


class Watched:
    """A page with its script errors recorded (failed requests such as a 401 are expected, and left out)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)


@pytest.fixture()
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=LAPTOP, locale="zh-CN")
    context.set_default_timeout(10_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture()
def staff(context: BrowserContext, server: str) -> Watched:
    """A signed-in member of staff (through the api: the login page has its own test), on a blank page."""
    response = context.request.post(server + "/api/auth/login", data={"username": STAFF, "password": STAFF_PASSWORD})
    assert response.ok, response.text()
    return Watched(context.new_page())


def open_console(staff: Watched, server: str, hash_: str = "") -> Page:
    page = staff.page
    page.goto(server + "/console" + hash_)
    expect(page.locator("#gc-me")).to_have_text(f"{STAFF}（工作人员）")
    return page


def worker_asks_for_a_person(server: str, session: str) -> None:
    status, body, _ = post_json(server + "/api/web/messages", {"session_id": session, "payload": "/ask_human"})
    assert status == 200 and body["handoff"] is True, body


def test_pages_are_served_with_strict_headers(server: str) -> None:
    for path, kind in (
        ("/console", "text/html; charset=utf-8"),
        ("/console/login", "text/html; charset=utf-8"),
        ("/console/static/console.js", "text/javascript; charset=utf-8"),
        ("/console/static/console.css", "text/css; charset=utf-8"),
    ):
        status, headers, body = get(server + path)
        assert status == 200, path
        assert headers["content-type"] == kind, path
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-cache"
        if kind.startswith("text/html"):
            # No inline script, style or handler: everything comes from the two files.
            assert not re.search(rb"<script>|<style|\son[a-z]+=|style=", body), path
        again, _, _ = get(server + path, {"If-None-Match": headers["etag"]})
        assert again == 304, path
    for path in ("/console/static/widget.js", "/console/static/index.html", "/console/static/..%2Fwidget.js"):
        assert get(server + path)[0] == 404, path


def test_sign_in_wrong_then_right_and_out(context: BrowserContext, server: str) -> None:
    watched = Watched(context.new_page())
    page = watched.page
    # Not signed in: the console sends the browser to the login page.
    page.goto(server + "/console")
    expect(page).to_have_url(server + "/console/login")
    expect(page.locator("#gc-username")).to_be_focused()

    page.locator("#gc-login-submit").click()
    expect(page.locator("#gc-login-error")).to_have_text("请填写用户名和密码")

    page.locator("#gc-username").fill(STAFF)
    page.locator("#gc-password").fill("not-the-password")
    with page.expect_request("**/api/auth/login") as sent:
        page.locator("#gc-password").press("Enter")
    assert sent.value.headers["content-type"] == "application/json"
    assert json.loads(sent.value.post_data or "{}") == {"username": STAFF, "password": "not-the-password"}
    expect(page.locator("#gc-login-error")).to_have_text("用户名或密码不对")
    expect(page.locator("#gc-password")).to_have_value("")
    expect(page.locator("#gc-password")).to_be_focused()
    assert page.url == server + "/console/login"  # no form post, no password in a URL

    page.locator("#gc-password").fill(STAFF_PASSWORD)
    page.locator("#gc-login-submit").click()
    expect(page).to_have_url(re.compile(re.escape(server) + r"/console(#queue)?$"))
    expect(page.locator("#gc-me")).to_have_text(f"{STAFF}（工作人员）")
    expect(page.locator("#gc-tab-queue")).to_have_attribute("aria-selected", "true")

    # Signed in already: the login page goes straight on to the console.
    page.goto(server + "/console/login")
    expect(page).to_have_url(re.compile(re.escape(server) + r"/console(#queue)?$"))

    page.locator("#gc-logout").click()
    expect(page).to_have_url(server + "/console/login")
    assert page.request.get(server + "/api/auth/me").status == 401
    page.goto(server + "/console")
    expect(page).to_have_url(server + "/console/login")
    assert watched.errors == [], watched.errors


def test_worker_handed_over_taken_answered_and_released(
    browser: Browser, staff: Watched, server: str, rasa: RasaStandIn
) -> None:
    # The worker, on a phone: a question first (with markup in it), then 转人工.
    worker_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    worker_context.set_default_timeout(10_000)
    try:
        worker = worker_context.new_page()
        worker.goto(server + "/")
        expect(worker.locator(".gy-widget")).to_have_attribute("data-ready", "true")
        worker.locator(".gy-input").fill(WORKER_XSS)
        worker.locator(".gy-input").press("Enter")
        expect(worker.locator(".gy-bot .gy-bubble").last).to_contain_text(ANSWER)
        worker.locator(".gy-human").click()
        expect(worker.locator(".gy-human")).to_have_text("已转人工")
        session = worker.evaluate("sessionStorage.getItem('gongyou.session_id')")
        conversation = f"web:{session}"

        page = open_console(staff, server)
        row = page.locator(f'#gc-queue-list .gc-item[data-key="{conversation}"]')
        expect(row).to_be_visible()
        expect(row).to_contain_text("网页")
        expect(row).to_contain_text("等待接入")
        # The reason by its Chinese name, never the code (kept as the tooltip).
        expect(row.locator(".gc-reason")).to_have_text("工友要求转人工")
        expect(row.locator(".gc-reason")).to_have_attribute("title", "worker_asked")
        expect(row.locator(".gc-topic")).to_have_text("欠薪")
        assert "worker_asked" not in row.inner_text() and "ask_unpaid_wages" not in row.inner_text()
        expect(row.locator(".gc-wait")).to_have_text(re.compile(r"^等了(不到 1| \d+) 分钟$"))
        expect(page.locator("#gc-queue-count")).not_to_have_text("0")
        expect(page).to_have_title(re.compile(r"^\(\d+\) 工友助手工作台$"))

        # Open it with the keyboard: the transcript, worker on the left, the bot on the right.
        row.focus()
        row.press("Enter")
        transcript = page.locator("#gc-transcript")
        user_rows = transcript.locator(".gc-msg-user")
        expect(user_rows.first.locator(".gc-bubble")).to_have_text(WORKER_XSS)
        expect(user_rows.first.locator(".gc-who")).to_have_text("工友")
        answer = transcript.locator(".gc-msg-bot").first
        expect(answer.locator(".gc-who")).to_have_text("机器人")
        expect(answer.locator(".gc-bubble")).to_have_text(f"{ANSWER}（您说：{WORKER_XSS}）")
        expect(page.locator("#gc-conv-state")).to_have_text("等待接入：工友要求转人工")
        evidence = answer.locator(".gc-evidence")
        expect(evidence).to_contain_text("意图 欠薪")
        expect(evidence.locator(".gc-intent")).to_have_attribute("title", "ask_unpaid_wages")
        assert "ask_unpaid_wages" not in transcript.inner_text() and "worker_asked" not in transcript.inner_text()
        expect(evidence).to_contain_text("置信度 0.913")
        expect(evidence).to_contain_text("命中 第（三）项 0.877；答复 第（三）项、第（六）项 0.800")
        answer.locator(".gc-cites summary").click()
        expect(answer.locator(".gc-cites-summary")).to_have_text("引用：第（三）项 " + CITED_TITLE)
        expect(answer.locator(".gc-quote")).to_have_text(CITED_QUOTE)
        expect(answer.locator(".gc-depts")).to_have_text("责任单位：省人社厅")
        expect(answer.locator(".gc-buttons")).to_have_text("按钮：登记欠薪 ｜ 转人工")
        expect(transcript.locator(".gc-msg-bot .gc-bubble", has_text=HANDED_OVER)).to_have_count(1)
        user_box = user_rows.first.bounding_box()
        bot_box = answer.bounding_box()
        assert user_box and bot_box and user_box["x"] < bot_box["x"]
        # Markup from the worker and from the knowledge is text, never HTML.
        assert page.locator("#gc-main img, #gc-main script").count() == 0
        assert page.evaluate("window.__xss") is None
        expect(page.locator("#gc-reply-form")).to_be_hidden()
        expect(page.locator("#gc-reply-hint")).to_have_text("接入后才能回复工友。")

        # 接入: the reply box opens, focused; Ctrl+Enter sends.
        page.locator("#gc-take").click()
        expect(page.locator("#gc-conv-state")).to_contain_text("由你接入")
        expect(page.locator("#gc-take")).to_be_hidden()
        expect(page.locator("#gc-reply-text")).to_be_focused()
        expect(row).to_contain_text(f"{STAFF} 已接入")
        page.locator("#gc-reply-text").fill(STAFF_REPLY)
        with page.expect_response("**/reply") as replied:
            page.locator("#gc-reply-text").press("Control+Enter")
        assert replied.value.json() == {"delivered": True}
        assert replied.value.request.url.endswith(
            "/api/console/conversations/" + quote(conversation, safe="") + "/reply"
        )
        expect(page.locator("#gc-reply-text")).to_have_value("")
        staff_row = transcript.locator(".gc-msg-staff").last
        expect(staff_row.locator(".gc-bubble")).to_have_text(STAFF_REPLY)
        expect(staff_row.locator(".gc-who")).to_have_text("工作人员")

        # The widget polls every 10 s once handed over.
        expect(worker.locator(".gy-staff .gy-bubble")).to_have_text(STAFF_REPLY, timeout=15_000)

        # While taken, the bot is silent and the worker's messages appear in the console.
        calls = len(rasa.received)
        worker.locator(".gy-input").fill("是恒泰小区的工地")
        worker.locator(".gy-input").press("Enter")
        expect(transcript.locator(".gc-msg-user .gc-bubble").last).to_have_text("是恒泰小区的工地", timeout=8_000)
        assert len(rasa.received) == calls

        # 交还机器人: out of the queue, back to the bot.
        page.locator("#gc-release").click()
        expect(page.locator("#gc-conv-state")).to_have_text("机器人在回答")
        expect(page.locator("#gc-take")).to_be_visible()
        expect(page.locator("#gc-release")).to_be_hidden()
        expect(page.locator("#gc-reply-form")).to_be_hidden()
        expect(row).to_have_count(0, timeout=8_000)
        assert page.evaluate("window.__xss") is None

        # The console fits a 1366×768 laptop: nothing scrolls but the lists and the transcript.
        assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
        assert page.evaluate("document.documentElement.scrollHeight") <= LAPTOP["height"]
        assert staff.errors == [], staff.errors
    finally:
        worker_context.close()


def test_a_conversation_another_person_has(staff: Watched, server: str) -> None:
    session = "console-other-0001"
    conversation = f"web:{session}"
    worker_asks_for_a_person(server, session)
    status, _, cookie = post_json(server + "/api/auth/login", {"username": OTHER, "password": OTHER_PASSWORD})
    assert status == 200 and cookie
    taken, _, _ = post_json(server + f"/api/console/conversations/{quote(conversation, safe='')}/take", {}, cookie)
    assert taken == 200

    # A link to the conversation opens it; the button pressed (sent with no title) shows by its name.
    page = open_console(staff, server, "#queue/" + quote(conversation, safe=""))
    expect(page.locator("#gc-conv-title")).to_contain_text(conversation)
    pressed = page.locator("#gc-transcript .gc-msg-user .gc-bubble").first
    expect(pressed).to_have_text("（按钮）要求转人工")
    expect(pressed).to_have_attribute("title", "/ask_human")
    expect(page.locator("#gc-conv-state")).to_have_text(f"由 {OTHER} 接入")
    expect(page.locator("#gc-take")).to_be_disabled()
    expect(page.locator("#gc-reply-form")).to_be_hidden()
    expect(page.locator("#gc-reply-hint")).to_have_text(f"已由 {OTHER} 接入。")
    expect(page.locator(f'#gc-queue-list .gc-item[data-key="{conversation}"]')).to_contain_text(f"{OTHER} 已接入")

    # 会话: the filters reach the api; the list opens the same view.
    page.keyboard.press("Alt+2")
    expect(page.locator("#gc-tab-conversations")).to_have_attribute("aria-selected", "true")
    # The filters offer the channels and topics by their names (the api's labels).
    expect(page.locator('#gc-conv-channel option[value="wechat"]')).to_have_text("微信")
    expect(page.locator('#gc-conv-topic option[value="ask_unpaid_wages"]')).to_have_text("欠薪")
    with page.expect_request(re.compile(r".*/api/console/conversations\?.*status=staff.*")):
        page.locator("#gc-conv-status").select_option("staff")
    listed = page.locator(f'#gc-conv-list .gc-item[data-key="{conversation}"]')
    expect(listed).to_be_visible()
    expect(page.locator("#gc-conv-list .gc-status-bot")).to_have_count(0)
    with page.expect_request(re.compile(r".*/api/console/conversations\?.*channel=wechat.*")):
        page.locator("#gc-conv-channel").select_option("wechat")
    expect(listed).to_have_count(0)
    expect(page.locator("#gc-conv-empty")).to_be_visible()
    assert staff.errors == [], staff.errors


def test_knowledge_search_shows_hits(staff: Watched, server: str) -> None:
    page = open_console(staff, server)
    page.keyboard.press("Alt+4")
    box = page.locator("#gc-search-q")
    expect(box).to_be_focused()
    box.fill("老板欠工资")
    box.press("Enter")
    hits = page.locator("#gc-search-hits .gc-hit")
    expect(hits.first).to_be_visible()
    expect(page.locator("#gc-search-summary")).to_have_text(re.compile(r"^在服务范围内 · 置信度 \d\.\d{3}$"))
    expect(hits.first.locator(".gc-hit-items")).to_contain_text("第（三）项")
    for i in range(hits.count()):
        hit = hits.nth(i)
        expect(hit.locator(".gc-score")).to_have_text(re.compile(r"^\d\.\d{3}$"))
        expect(hit.locator(".gc-kind")).to_have_text(re.compile(r"^(条款|答复)$"))
        expect(hit.locator(".gc-hit-items")).to_have_text(
            re.compile(r"^第（[一二三四五六七八九十]+）项(、第（[一二三四五六七八九十]+）项)*$")
        )
        assert (hit.locator(".gc-hit-title").text_content() or "").strip()
    expect(page.locator("#gc-search-hits .gc-depts").first).to_contain_text("责任单位：")
    expect(page.locator("#gc-search-hits .gc-quote").first).not_to_be_empty()
    answers = page.locator("#gc-search-hits .gc-hit", has=page.locator(".gc-kind", has_text="答复"))
    if answers.count():
        expect(answers.first.locator(".gc-answer-text")).not_to_be_empty()
    assert staff.errors == [], staff.errors


def test_case_status_changed_in_the_console(staff: Watched, server: str, database: str) -> None:
    store = CaseStore(database)
    try:
        employer = "恒泰小区三期工地 " + XSS
        intake = WageIntake(
            sector="工程建设",
            employer=employer,
            place="太原市小店区",
            period="去年3月到12月",
            amount_text="两万五",
            amount_yuan=25000,
            workers=12,
            evidence=["工资条"],
            contact_cipher="",
            contact_masked="138****5678",
            needs_review=["wage_period"],
        )
        number = store.create(intake, "web:console-case-0001").case_number
    finally:
        store.engine.dispose()

    page = open_console(staff, server)
    page.keyboard.press("Alt+3")
    page.keyboard.press("/")
    expect(page.locator("#gc-case-q")).to_be_focused()
    page.locator("#gc-case-q").fill("恒泰")
    page.locator("#gc-case-q").press("Enter")
    row = page.locator(f'#gc-case-list .gc-item[data-key="{number}"]')
    expect(row).to_contain_text("已受理，等待工作人员核实")
    expect(row).to_contain_text("待核实")
    row.click()
    view = page.locator("#gc-case-view")
    expect(view.locator("h2")).to_have_text(f"案件 {number}")
    expect(view.locator(".gc-fields")).to_contain_text(employer)
    expect(view.locator(".gc-fields")).to_contain_text("138****5678")
    expect(view.locator(".gc-warn")).to_have_text("机器人没听清，需要核实：干活时间")
    expect(page).to_have_url(re.compile(r"#cases/" + re.escape(number) + "$"))

    view.locator(".gc-case-new-status").select_option("processing")
    view.locator(".gc-case-note").fill("已电话联系，转劳动监察")
    with page.expect_response(f"**/api/console/cases/{number}/status") as saved:
        view.locator(".gc-case-save").click()
    assert json.loads(saved.value.request.post_data or "{}") == {
        "status": "processing",
        "note": "已电话联系，转劳动监察",
    }
    expect(view.locator(".gc-case-status")).to_have_text("处理中")
    expect(view.locator(".gc-note")).to_have_text("备注：已电话联系，转劳动监察")
    expect(row).to_contain_text("处理中")
    expect(page.locator("#gc-notice")).to_have_text(f"案件 {number} 已更新为：处理中")

    page.locator("#gc-case-status").select_option("closed")
    expect(row).to_have_count(0)
    page.locator("#gc-case-status").select_option("processing")
    expect(row).to_be_visible()
    assert page.locator("#gc-main img, #gc-main script").count() == 0
    assert page.evaluate("window.__xss") is None
    assert staff.errors == [], staff.errors


def test_handoff_reasons_by_their_chinese_names(staff: Watched, server: str) -> None:
    """Each reason the bot gives by its name, the code as the tooltip; an unknown code as it is."""
    shown = {
        "bot_could_not_answer": "机器人答不上来",
        "asked_during_wage_intake_form": "登记欠薪时要求转人工",
        "a_reason_not_yet_named": "a_reason_not_yet_named",
    }
    for number, reason in enumerate(shown):
        status, body, _ = post_json(
            server + "/api/web/messages", {"session_id": f"console-reason-{number:04d}", "text": HAND_OVER_FOR + reason}
        )
        assert status == 200 and body["handoff"] is True, body
    page = open_console(staff, server)
    for number, (reason, name) in enumerate(shown.items()):
        label = page.locator(f'#gc-queue-list .gc-item[data-key="web:console-reason-{number:04d}"] .gc-reason')
        expect(label).to_have_text(name)
        expect(label).to_have_attribute("title", reason)
    reasons = page.locator("#gc-queue-list .gc-reason").all_inner_texts()
    assert not [r for r in reasons if "bot_could_not_answer" in r or "asked_during_" in r or "worker_asked" in r]
    assert staff.errors == [], staff.errors


EDITOR, EDITOR_PASSWORD = "wang.wu", "wang-wu-password-333"
CONSOLE_STATIC = PROJECT / "api" / "static" / "console"
# Recorded from before the first script: every Content-Security-Policy violation of the page.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def test_every_page_loads_its_modules_without_errors_or_csp_violations(
    browser: Browser, server: str, database: str
) -> None:
    """Each page's module graph: every file is served as JavaScript, runs, and breaks no CSP rule."""
    create_user(database, EDITOR, EDITOR_PASSWORD, role="editor")
    served: dict[str, tuple[int, str]] = {}

    def record(response: Response) -> None:
        if "/console/static/" in response.url:
            name = response.url.split("/console/static/", 1)[1]
            served[name] = (response.status, response.headers.get("content-type", ""))

    pages = (
        ("", "/console/login", "#gc-login-form"),
        (STAFF, "/console", "#gc-main"),
        (STAFF, "/console#quality/7", "#gc-quality-charts figure svg >> nth=3"),
        (EDITOR, "/console/admin", "#ga-main"),
        (STAFF, "/console/accounts", "#gk-main"),
        (EDITOR, "/console/admin/answers/new?question=" + quote("工地不给结工资"), "#ga-f-questions"),
    )
    for who, path, shown in pages:
        context = browser.new_context(viewport=LAPTOP, locale="zh-CN")
        context.set_default_timeout(10_000)
        context.add_init_script(CSP_LISTENER)
        try:
            if who:
                password = STAFF_PASSWORD if who == STAFF else EDITOR_PASSWORD
                signed_in = context.request.post(
                    server + "/api/auth/login", data={"username": who, "password": password}
                )
                assert signed_in.ok, signed_in.text()
            watched = Watched(context.new_page())
            page = watched.page
            page.on("response", record)
            page.goto(server + path)
            expect(page.locator(shown)).to_be_visible()
            page.wait_for_load_state("networkidle")
            if path == "/console/login":
                # The module ran: an empty form is refused by the script, not posted.
                page.locator("#gc-login-submit").click()
                expect(page.locator("#gc-login-error")).to_have_text("请填写用户名和密码")
            assert page.evaluate("window.__cspViolations") == [], path
            assert watched.errors == [], (path, watched.errors)
            if path == "/console/login":
                # The listener does hear a violation: an inline style attribute is refused.
                page.evaluate("document.body.setAttribute('style', 'color: red')")
                page.wait_for_function("window.__cspViolations.length > 0")
        finally:
            context.close()
    scripts = {name for name in served if name.endswith(".js")}
    assert scripts == {f.name for f in CONSOLE_STATIC.glob("*.js")}, "a module that no page loads, or one missing"
    for name, (status, kind) in served.items():
        assert status in (200, 304), (name, status)
        if name.endswith(".js"):
            assert kind == "text/javascript; charset=utf-8", name


def test_back_forward_and_links_move_between_tabs(staff: Watched, server: str) -> None:
    page = open_console(staff, server)
    page.locator("#gc-tab-conversations").click()
    page.locator("#gc-tab-cases").click()
    expect(page).to_have_url(re.compile(r"/console#cases$"))
    page.go_back()  # the previous tab, not the page before the console
    expect(page.locator("#gc-tab-conversations")).to_have_attribute("aria-selected", "true")
    expect(page).to_have_url(re.compile(r"/console#conversations$"))
    page.go_forward()
    expect(page.locator("#gc-tab-cases")).to_have_attribute("aria-selected", "true")
    # A link to another tab within the console (a colleague's, a bookmark) is followed without a reload.
    page.evaluate("window.location.hash = '#search'")
    expect(page.locator("#gc-tab-search")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#gc-panel-search")).to_be_visible()
    assert staff.errors == [], staff.errors


def test_signing_in_returns_to_the_page_asked_for(context: BrowserContext, server: str) -> None:
    watched = Watched(context.new_page())
    page = watched.page
    page.goto(server + "/console#cases")
    expect(page).to_have_url(server + "/console/login")
    page.locator("#gc-username").fill(STAFF)
    page.locator("#gc-password").fill(STAFF_PASSWORD)
    page.locator("#gc-login-submit").click()
    expect(page).to_have_url(server + "/console#cases")
    expect(page.locator("#gc-tab-cases")).to_have_attribute("aria-selected", "true")
    # Signing out on purpose, then in again: the console's first tab, not the last page.
    page.locator("#gc-logout").click()
    expect(page).to_have_url(server + "/console/login")
    page.locator("#gc-username").fill(STAFF)
    page.locator("#gc-password").fill(STAFF_PASSWORD)
    page.locator("#gc-login-submit").click()
    expect(page).to_have_url(re.compile(re.escape(server) + r"/console(#queue)?$"))
    assert watched.errors == [], watched.errors


def test_on_a_phone_the_console_fits_the_screen(browser: Browser, server: str) -> None:
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True)
    phone.set_default_timeout(10_000)
    try:
        response = phone.request.post(server + "/api/auth/login", data={"username": STAFF, "password": STAFF_PASSWORD})
        assert response.ok, response.text()
        page = phone.new_page()
        page.goto(server + "/console")
        expect(page.locator("#gc-me")).to_have_text(f"{STAFF}（工作人员）")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width} px wide on a 390 px phone"
        logout = page.locator("#gc-logout").bounding_box()
        assert logout is not None and logout["x"] + logout["width"] <= 390  # 退出 on the screen
        page.locator("#gc-tab-quality").scroll_into_view_if_needed()
        page.locator("#gc-tab-quality").tap()
        expect(page.locator("#gc-tab-quality")).to_have_attribute("aria-selected", "true")
    finally:
        phone.close()


def test_a_long_queue_is_shown_in_pages_oldest_first(
    context: BrowserContext, rasa: RasaStandIn, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Anyone may ask for a person: a queue longer than a page is paged, and the tab counts all of it."""
    folder = tmp_path_factory.mktemp("long-queue")
    url = f"sqlite:///{folder / 'api.db'}"
    create_user(url, STAFF, STAFF_PASSWORD)
    handoffs = HandoffStore(url)
    asking = [f"web:long-queue-{n:04d}" for n in range(57)]
    for conversation in asking:  # in this order: the oldest request first
        handoffs.request(conversation, "web", "worker_asked")
    with running_api(tmp_path_factory.mktemp("long-queue-api"), rasa.url, url) as server:
        login = context.request.post(server + "/api/auth/login", data={"username": STAFF, "password": STAFF_PASSWORD})
        assert login.ok, login.text()
        page = Watched(context.new_page())
        opened = open_console(page, server)
        rows = opened.locator("#gc-queue-list .gc-item")
        expect(rows).to_have_count(50)
        expect(rows.first).to_have_attribute("data-key", asking[0])
        expect(opened.locator("#gc-queue-range")).to_have_text("第 1–50 条，共 57 条")
        expect(opened.locator("#gc-queue-count")).to_have_text("57")
        expect(opened.locator("#gc-queue-prev")).to_be_disabled()
        opened.locator("#gc-queue-next").click()
        expect(rows).to_have_count(7)
        expect(rows.last).to_have_attribute("data-key", asking[-1])
        expect(opened.locator("#gc-queue-range")).to_have_text("第 51–57 条，共 57 条")
        expect(opened.locator("#gc-queue-next")).to_be_disabled()
        opened.locator("#gc-queue-prev").click()
        expect(rows.first).to_have_attribute("data-key", asking[0])
        assert page.errors == [], page.errors
