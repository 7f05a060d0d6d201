"""The console's 质量 tab in a real browser (Debian's Chromium), against the real api and a Rasa stand-in.

Workers ask (through the web channel's API): three wordings of one question the bot cannot
answer, another it cannot answer (with markup in it), and a wage question it answers and
that gets a 👍. A member of staff opens 质量: the unanswered questions grouped, the totals,
the charts drawn in the browser from the figures, the volume by channel and topic. The API
behind the tab is tested on its own in test_quality.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.browser import REAL_APP, chromium_browser, create_user, running_api, sqlite_url
from tests.support.standins import RasaStandIn
from tests.test_console_browser import LAPTOP, Watched

# The gaps are grouped by meaning: the real model (slow).
pytestmark = [pytest.mark.browser, pytest.mark.slow]

STAFF, STAFF_PASSWORD = "zhou.qi", "zhou-qi-password-1"
IN_SCOPE = {"intent": "ask_unpaid_wages", "confidence": 0.9, "in_scope": True, "hits": []}
OUT_OF_SCOPE = {"intent": "out_of_scope", "confidence": 0.8, "in_scope": False, "hits": []}
DIVORCE = ["离婚了孩子归谁", "离婚以后孩子抚养权归谁", "跟老婆离婚了娃判给谁"]
XSS_QUESTION = '驾照怎么考 <img src=x onerror="window.__xss=1">'
WAGES = "老板欠工资不给怎么办"


def respond(sender: str, message: str) -> list[dict[str, Any]]:
    """Questions about 工资 are in scope; everything else is not (the evidence rides in custom)."""
    if "工资" in message:
        return [{"recipient_id": sender, "text": "可以找劳动保障监察。", "custom": {"evidence": IN_SCOPE}}]
    return [{"recipient_id": sender, "text": "这个政策里没有写到。", "custom": {"evidence": OUT_OF_SCOPE}}]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real api in its own process, with one member of staff, talking to the stand-in."""
    folder = tmp_path_factory.mktemp("quality")
    database = sqlite_url(folder)
    create_user(database, STAFF, STAFF_PASSWORD)
    with RasaStandIn(respond) as rasa, running_api(folder, rasa.url, database, REAL_APP) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_browser() as launched:
        yield launched


def workers_ask(server: str) -> None:
    """Five questions, each in its own session; a 👍 on the wage answer."""
    with httpx.Client(base_url=server, timeout=20) as client:

        def ask(session: str, text: str) -> dict[str, Any]:
            response = client.post("/api/web/messages", json={"session_id": session, "text": text})
            assert response.status_code == 200, response.text
            reply: dict[str, Any] = response.json()
            return reply

        for i, text in enumerate(DIVORCE):
            ask(f"quality-divorce-{i:04d}", text)
        ask("quality-licence-0001", XSS_QUESTION)
        answered = ask("quality-wages-0001", WAGES)
        rated = client.post(
            "/api/web/feedback",
            json={"session_id": "quality-wages-0001", "reply_id": answered["replies"][0]["id"], "rating": "up"},
        )
        assert rated.status_code == 204, rated.text


METRICS = ["messages", "fallback_rate", "handoff_rate", "satisfaction"]


def charts_drawn(page: Page, days: int) -> None:
    """The four line charts are there, each with its x axis over the period's days."""
    page.wait_for_function(
        """(days) => {
            const figures = [...document.querySelectorAll('#gc-quality-charts figure')];
            const messages = document.querySelectorAll(
                '#gc-quality-charts figure[data-metric="messages"] svg .gc-point');
            return figures.length === 4 && figures.every((f) => f.querySelector('svg')) && messages.length === days;
        }""",
        arg=days,
    )


def test_quality_tab_shows_gaps_totals_charts_and_volume(browser: Browser, server: str) -> None:
    workers_ask(server)
    context = browser.new_context(viewport=LAPTOP, locale="zh-CN")
    context.set_default_timeout(15_000)
    try:
        signed_in = context.request.post(
            server + "/api/auth/login", data={"username": STAFF, "password": STAFF_PASSWORD}
        )
        assert signed_in.ok, signed_in.text()
        staff = Watched(context.new_page())
        page = staff.page
        page.goto(server + "/console")
        expect(page.locator("#gc-me")).to_have_text(f"{STAFF}（工作人员）")
        # Nothing of the tab is fetched before it is opened.
        assert page.locator("#gc-quality-charts figure").count() == 0

        page.keyboard.press("Alt+5")
        expect(page.locator("#gc-tab-quality")).to_have_attribute("aria-selected", "true")
        expect(page.locator("#gc-panel-quality")).to_be_visible()
        expect(page).to_have_url(re.compile(r"#quality/30$"))

        # The gaps: the three wordings of one question first, as one group.
        gaps = page.locator("#gc-gaps-list .gc-gap")
        expect(gaps).to_have_count(2)
        first = gaps.first
        expect(first.locator(".gc-gap-count")).to_have_text("×3")
        expect(first.locator(".gc-gap-question")).to_have_text(re.compile("|".join(DIVORCE)))
        expect(first.locator(".gc-when")).not_to_be_empty()
        first.locator(".gc-gap-examples summary").click()
        examples = first.locator(".gc-gap-example")
        expect(examples.first).to_be_visible()
        assert sorted(examples.all_text_contents()) == sorted(DIVORCE)
        link = first.locator("a.gc-gap-link")
        expect(link).to_have_text("写审定答复")
        href = link.get_attribute("href") or ""
        assert "/console/admin/answers/new?question=" in href, href
        question = first.locator(".gc-gap-question").text_content()
        assert parse_qs(urlsplit(href).query)["question"] == [question]

        # The other unanswered question: its markup is text, never HTML.
        expect(gaps.nth(1).locator(".gc-gap-count")).to_have_text("×1")
        expect(gaps.nth(1).locator(".gc-gap-question")).to_have_text(XSS_QUESTION)
        assert page.locator("#gc-gaps-list img, #gc-gaps-list script").count() == 0

        # The totals: 5 messages, 4 not answered, one 👍 of one rating.
        expect(page.locator("#gc-q-messages")).to_have_text("5")
        expect(page.locator("#gc-q-fallback")).to_have_text("80%")
        expect(page.locator("#gc-q-fallback-note")).to_have_text("4 / 5 条没答上")
        expect(page.locator("#gc-q-handoff")).to_have_text("0%")
        expect(page.locator("#gc-q-satisfaction")).to_have_text("100%")
        expect(page.locator("#gc-q-satisfaction-note")).to_have_text("1 次评价（满意 1 · 不满意 0）")

        # Volume by channel and by topic, the topics by their Chinese names.
        channels = page.locator("#gc-quality-channels tbody tr")
        expect(channels).to_have_count(1)
        expect(channels.first).to_have_text(re.compile(r"^网页\s*5$"))
        topics = page.locator("#gc-quality-topics tbody")
        expect(topics.locator("tr", has_text="政策外")).to_have_text(re.compile(r"^政策外\s*4$"))
        expect(topics.locator("tr", has_text="欠薪")).to_have_text(re.compile(r"^欠薪\s*1$"))

        # The four charts are drawn in the page, one point a day for the messages.
        charts_drawn(page, 30)
        metrics = page.locator("#gc-quality-charts figure").evaluate_all(
            "(figures) => figures.map((f) => f.dataset.metric)"
        )
        assert metrics == METRICS

        # Another period: the figures are asked for again and the charts redrawn.
        with page.expect_response(re.compile(r".*/api/console/quality/figures\?days=7$")):
            page.locator("#gc-quality-days").select_option("7")
        charts_drawn(page, 7)
        expect(page.locator("#gc-q-messages")).to_have_text("5")
        expect(page).to_have_url(re.compile(r"#quality/7$"))
        expect(page.locator("#gc-quality-updated")).to_contain_text("最近 7 天")

        # The page itself never scrolls: the tab scrolls inside.
        assert page.evaluate("document.documentElement.scrollHeight") <= LAPTOP["height"]
        assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
        assert page.evaluate("window.__xss") is None
        assert staff.errors == [], staff.errors
    finally:
        context.close()


def asked_already(server: str, context: BrowserContext) -> None:
    """The workers' questions, unless the test above asked them already (this module's api is shared)."""
    figures = context.request.get(server + "/api/console/quality/figures?days=30").json()
    if not sum(day["messages"] for day in figures["daily"]):
        workers_ask(server)


def signed_in_context(browser: Browser, server: str, **options: Any) -> BrowserContext:
    context = browser.new_context(locale="zh-CN", **options)
    context.set_default_timeout(15_000)
    signed_in = context.request.post(server + "/api/auth/login", data={"username": STAFF, "password": STAFF_PASSWORD})
    assert signed_in.ok, signed_in.text()
    return context


def test_charts_are_drawn_from_the_one_figures_request(browser: Browser, server: str) -> None:
    context = signed_in_context(browser, server, viewport=LAPTOP)
    try:
        asked_already(server, context)
        figures = context.request.get(server + "/api/console/quality/figures?days=30").json()["daily"]
        staff = Watched(context.new_page())
        page = staff.page
        requests: list[str] = []
        page.on("request", lambda sent: requests.append(sent.url))
        page.goto(server + "/console#quality/30")
        charts_drawn(page, 30)
        expect(page.locator("#gc-quality-updated")).to_contain_text("最近 30 天")

        # One figures request for the view, and none of the api's SVG charts.
        assert [u for u in requests if "/api/console/quality/figures" in u] == [
            server + "/api/console/quality/figures?days=30"
        ]
        assert not [u for u in requests if "/quality/chart/" in u], requests

        # Each chart has a point for each day with a value, at that value (ratios as 0–1).
        for metric in METRICS:
            points = page.locator(f'#gc-quality-charts figure[data-metric="{metric}"] .gc-point')
            drawn = points.evaluate_all("(ps) => ps.map((p) => [p.dataset.key, Number(p.dataset.value)])")
            expected = [[day["day"], day[metric]] for day in figures if day[metric] is not None]
            assert drawn == expected, metric
        fallback = page.locator('#gc-quality-charts figure[data-metric="fallback_rate"] .gc-point').last
        expect(fallback).to_have_attribute("aria-label", re.compile(r"：80%$"))

        # Hovering a day shows its value.
        tip = page.locator('#gc-quality-charts figure[data-metric="messages"] .gc-tip')
        expect(tip).not_to_have_class(re.compile(r"gc-tip-on"))
        messages = page.locator('#gc-quality-charts figure[data-metric="messages"] .gc-point')
        messages.last.hover()
        expect(tip).to_have_class(re.compile(r"gc-tip-on"))
        expect(tip.locator(".gc-tip-text")).to_have_text(re.compile(r"日：5 条$"))

        # The keyboard: one tab stop per chart (the latest day); ← goes to the day before.
        assert messages.evaluate_all("(ps) => ps.filter((p) => p.tabIndex === 0).length") == 1
        messages.last.focus()
        page.keyboard.press("ArrowLeft")
        expect(messages.nth(28)).to_be_focused()
        expect(tip.locator(".gc-tip-text")).to_have_text(re.compile(r"日：0 条$"))
        page.keyboard.press("Home")
        expect(messages.first).to_be_focused()

        # The volume as bars, biggest first, by the codes' Chinese names.
        channel_bars = page.locator("#gc-quality-channel-bars .gc-bar")
        expect(channel_bars).to_have_count(1)
        expect(channel_bars.first).to_have_attribute("data-value", "5")
        expect(channel_bars.first.locator(".gc-bar-label")).to_have_text("网页")
        topic_bars = page.locator("#gc-quality-topic-bars .gc-bar")
        expect(topic_bars).to_have_count(2)
        assert topic_bars.locator(".gc-bar-label").all_text_contents() == ["政策外", "欠薪"]
        assert topic_bars.evaluate_all("(bars) => bars.map((b) => b.dataset.value)") == ["4", "1"]
        assert page.locator("#gc-quality-charts [style], #gc-quality [style]").count() == 0
        assert staff.errors == [], staff.errors
    finally:
        context.close()


def test_a_tap_on_a_phone_shows_a_days_value(browser: Browser, server: str) -> None:
    context = signed_in_context(browser, server, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    try:
        asked_already(server, context)
        staff = Watched(context.new_page())
        page = staff.page
        page.goto(server + "/console#quality/7")
        charts_drawn(page, 7)
        figure = page.locator('#gc-quality-charts figure[data-metric="fallback_rate"]')
        figure.scroll_into_view_if_needed()
        figure.locator(".gc-point").last.tap()
        expect(figure.locator(".gc-tip")).to_have_class(re.compile(r"gc-tip-on"))
        expect(figure.locator(".gc-tip-text")).to_have_text(re.compile(r"日：80%$"))
        assert staff.errors == [], staff.errors
    finally:
        context.close()
