"""The console in a real browser: 显示电话 on a case, an admin's 强制接入, and a reply to a chat the
worker ended. The API behind these is tested in test_case_contact.py and test_handoff_hold.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, expect

from api.cases.store import CaseStore, WageIntake
from api.privacy.vault import Cipher, load_key
from tests.support.browser import chromium_browser, create_user, post_json, running_api
from tests.support.standins import RasaStandIn

pytestmark = pytest.mark.browser

STAFF, STAFF_PASSWORD = "zhang.san", "zhang-san-password-1"
OTHER, OTHER_PASSWORD = "li.si", "li-si-password-22"
ADMIN, ADMIN_PASSWORD = "boss", "chief-password-333"
PHONE, MASKED = "13912348765", "139****8765"


def respond(sender: str, message: str) -> list[dict[str, Any]]:
    if message == "/ask_human":
        return [{"recipient_id": sender, "text": "好的，已为您转人工。", "custom": {"handoff": {"reason": "asked"}}}]
    return [{"recipient_id": sender, "text": "可以找劳动保障监察。"}]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("takeover")


@pytest.fixture(scope="module")
def database(folder: Path) -> str:
    url = f"sqlite:///{folder / 'api.db'}"
    create_user(url, STAFF, STAFF_PASSWORD)
    create_user(url, OTHER, OTHER_PASSWORD)
    create_user(url, ADMIN, ADMIN_PASSWORD, "admin")
    return url


@pytest.fixture(scope="module")
def server(folder: Path, database: str) -> Iterator[str]:
    with RasaStandIn(respond) as rasa, running_api(folder, rasa.url, database) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_browser() as launched:
        yield launched


def signed_in(browser: Browser, server: str, who: str, password: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.set_default_timeout(10_000)
    assert context.request.post(server + "/api/auth/login", data={"username": who, "password": password}).ok
    return context, context.new_page()


def worker_asks_for_a_person(server: str, session: str) -> None:
    status, body, _ = post_json(server + "/api/web/messages", {"session_id": session, "payload": "/ask_human"})
    assert status == 200 and body["handoff"] is True, body


def take_as(server: str, who: str, password: str, conversation: str) -> str:
    status, _, cookie = post_json(server + "/api/auth/login", {"username": who, "password": password})
    assert status == 200
    taken, _, _ = post_json(server + f"/api/console/conversations/{quote(conversation, safe='')}/take", {}, cookie)
    assert taken == 200
    return cookie


def test_the_phone_is_shown_on_request_copied_and_hidden_again(
    browser: Browser, server: str, database: str, folder: Path
) -> None:
    store = CaseStore(database)
    try:
        sealed = Cipher(load_key("", str(folder / "pii.key"))).encrypt(PHONE)  # the api's own key file
        intake = WageIntake("工程建设", "恒泰小区", "太原市", "去年", "两万", 20000, 3, [], sealed, MASKED, [])
        number = store.create(intake, "web:takeover-case-0001").case_number
        elsewhere = WageIntake("工程建设", "别的工地", "大同市", "今年", "一万", 10000, 1, [], "", "", [])
        other = store.create(elsewhere, "x")
    finally:
        store.engine.dispose()
    context, page = signed_in(browser, server, STAFF, STAFF_PASSWORD)
    try:
        page.goto(server + "/console#cases/" + number)
        view = page.locator("#gc-case-view")
        contact = view.locator(".gc-contact")
        expect(contact.locator(".gc-contact-number")).to_have_text(MASKED)
        expect(contact.locator(".gc-contact-copy")).to_be_hidden()
        assert PHONE not in page.content()

        with page.expect_response(f"**/api/console/cases/{number}/contact") as shown:
            contact.locator(".gc-contact-show").click()
        assert shown.value.headers["cache-control"] == "no-store"
        expect(contact.locator(".gc-contact-number")).to_have_text(PHONE)
        expect(contact.locator(".gc-contact-show")).to_be_hidden()
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
        contact.locator(".gc-contact-copy").click()
        expect(page.locator("#gc-notice")).to_have_text("电话已复制")
        assert page.evaluate("navigator.clipboard.readText()") == PHONE

        page.keyboard.press("Alt+1")  # another tab: the number goes
        assert PHONE not in page.content()
        page.keyboard.press("Alt+3")
        expect(contact.locator(".gc-contact-number")).to_have_text(MASKED)

        contact.locator(".gc-contact-show").click()
        expect(contact.locator(".gc-contact-number")).to_have_text(PHONE)
        page.locator(f'#gc-case-list .gc-item[data-key="{other.case_number}"]').click()  # another case
        expect(view.locator("h2")).to_have_text(f"案件 {other.case_number}")
        assert PHONE not in page.content()
    finally:
        context.close()
    assert PHONE not in (folder / "server.log").read_text(encoding="utf-8", errors="replace")


def test_an_admin_forces_a_takeover_after_confirming(browser: Browser, server: str) -> None:
    conversation = "web:takeover-force-0001"
    worker_asks_for_a_person(server, conversation.removeprefix("web:"))
    take_as(server, OTHER, OTHER_PASSWORD, conversation)

    context, page = signed_in(browser, server, STAFF, STAFF_PASSWORD)  # staff: no force
    try:
        page.goto(server + "/console#queue/" + quote(conversation, safe=""))
        expect(page.locator("#gc-conv-state")).to_have_text(f"由 {OTHER} 接入")
        expect(page.locator("#gc-take")).to_be_disabled()
        expect(page.locator("#gc-take")).to_have_text("接入")
    finally:
        context.close()

    context, page = signed_in(browser, server, ADMIN, ADMIN_PASSWORD)
    try:
        page.goto(server + "/console#queue/" + quote(conversation, safe=""))
        take = page.locator("#gc-take")
        expect(take).to_have_text("强制接入")
        expect(take).to_be_enabled()
        expect(page.locator("#gc-release")).to_have_text("强制交还机器人")
        asked: list[str] = []

        def dismiss(dialog: Dialog) -> None:
            asked.append(dialog.message)
            dialog.dismiss()

        page.once("dialog", dismiss)
        take.click()
        expect(page.locator("#gc-conv-state")).to_have_text(f"由 {OTHER} 接入")  # not confirmed: nothing changed
        assert asked and OTHER in asked[0] and "强制接入" in asked[0]

        page.once("dialog", lambda dialog: dialog.accept())
        take.click()
        expect(page.locator("#gc-conv-state")).to_contain_text("由你接入")
        expect(page.locator("#gc-reply-form")).to_be_visible()
    finally:
        context.close()


def test_a_reply_to_a_chat_the_worker_ended_says_so(browser: Browser, server: str) -> None:
    session = "takeover-ended-0001"
    conversation = f"web:{session}"
    worker_asks_for_a_person(server, session)
    context, page = signed_in(browser, server, STAFF, STAFF_PASSWORD)
    try:
        page.goto(server + "/console#queue/" + quote(conversation, safe=""))
        page.locator("#gc-take").click()
        expect(page.locator("#gc-reply-form")).to_be_visible()
        assert post_json(server + "/api/web/end", {"session_id": session})[0] == 204
        page.locator("#gc-reply-text").fill("您好，还在吗？")
        page.locator("#gc-reply-send").click()
        expect(page.locator("#gc-notice")).to_contain_text("工友已经结束了这次对话")
        expect(page.locator(f'#gc-queue-list .gc-item[data-key="{conversation}"]')).to_have_count(0)
    finally:
        context.close()
