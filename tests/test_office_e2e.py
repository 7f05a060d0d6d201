"""The staff and office side end to end, in headless Chromium, against the real Rasa and actions.

The two things the office must be able to do: an editor changes an answer in the browser
and the bot gives the new answer within seconds; a staff member takes over a conversation
from the widget and answers it, and the worker sees the answer.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import chromium_browser
from tests.support.system import System

pytestmark = [pytest.mark.slow, pytest.mark.browser]

KEY = "answer:wages_owed"
QUESTION = "老板拖欠工资不给怎么办"


def create_user(system: System, name: str, role: str) -> str:
    password = f"quiet river lantern {len(name)}"
    command = [sys.executable, "-m", "api.staff", "create-user", name, "--role", role, "--password-stdin"]
    done = subprocess.run(
        [*command, "--url", f"sqlite:///{system.scratch / 'cases.db'}"],
        input=password + "\n",
        text=True,
        capture_output=True,
        env={**os.environ, **system.env()},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return password


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_browser() as launched:
        yield launched


def signed_in_page(browser: Browser, system: System, name: str, password: str, path: str) -> Page:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.set_default_timeout(30_000)
    response = context.request.post(f"{system.api}/api/auth/login", data={"username": name, "password": password})
    assert response.ok, response.text()
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(system.api + path)
    return page


def worker_page(browser: Browser, system: System) -> Page:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(system.api + "/")
    expect(page.locator(".gy-widget")).to_have_attribute("data-ready", "true")
    return page


def ask(page: Page, text: str) -> None:
    before = page.locator(".gy-bot:not(.gy-welcome)").count()
    page.locator(".gy-input").fill(text)
    page.locator(".gy-input").press("Enter")
    expect(page.locator(".gy-bot:not(.gy-welcome)")).not_to_have_count(before, timeout=30_000)
    expect(page.locator(".gy-typing")).to_have_count(0, timeout=30_000)


def test_an_editor_changes_an_answer_and_the_bot_gives_it(browser: Browser, system: System) -> None:
    password = create_user(system, "editor-office", "editor")
    marker = f"（编辑于 {int(time.time())}：请带好身份证和工资欠条。）"
    editor = signed_in_page(browser, system, "editor-office", password, "/console/admin")
    editor.locator(".ga-kind", has_text="审定答复").click()
    editor.locator("#ga-filter").fill(KEY)
    editor.locator(f'#ga-list .gc-item[data-key="{KEY}"]').click()
    box = editor.locator("#ga-f-answer")
    old = box.input_value()
    box.fill(old.rstrip() + marker)
    editor.locator("#ga-save").click()
    expect(editor.locator("#gc-notice")).to_contain_text("已保存草稿")
    editor.locator("#ga-tab-drafts").click()
    row = editor.locator(f'#ga-drafts-list .ga-draft[data-key="{KEY}"]')
    row.locator(".ga-draft-check").check()
    published_at = time.monotonic()
    editor.locator("#ga-publish-selected").click()
    expect(editor.locator("#ga-report .ga-report-head")).to_contain_text("已发布 1 条")
    try:
        worker = worker_page(browser, system)
        ask(worker, QUESTION)
        expect(worker.locator(".gy-bot:not(.gy-welcome) .gy-bubble").first).to_contain_text(marker, timeout=30_000)
        assert time.monotonic() - published_at < 30  # the real bot, through Rasa: seconds, no retraining
    finally:
        with httpx.Client(base_url=system.api, timeout=60) as office:
            office.post("/api/auth/login", json={"username": "editor-office", "password": password})
            versions = office.get(f"/api/admin/entries/{KEY}/history").json()["versions"]
            office.post(f"/api/admin/entries/{KEY}/rollback", json={"to_version": versions[-1]["version"]})


def test_staff_take_over_a_conversation_from_the_widget_and_answer_it(browser: Browser, system: System) -> None:
    password = create_user(system, "staff-office", "staff")
    worker = worker_page(browser, system)
    ask(worker, "老板欠我三个月工资不给怎么办")
    worker.locator(".gy-human").click()
    expect(worker.locator(".gy-human")).to_have_text("已转人工", timeout=30_000)
    expect(worker.locator(".gy-bot .gy-bubble").last).to_contain_text("已经帮您转给工作人员")
    session = worker.evaluate("sessionStorage.getItem('gongyou.session_id')")

    staff = signed_in_page(browser, system, "staff-office", password, "/console")
    row = staff.locator(f'#gc-queue-list .gc-item[data-key="web:{session}"]')
    expect(row).to_be_visible(timeout=15_000)
    row.click()
    evidence = staff.locator("#gc-transcript .gc-msg-bot .gc-evidence").first
    # What the real bot based its answer on: the intent by its Chinese name, the code as the tooltip.
    expect(evidence.locator(".gc-intent")).to_have_text("欠薪")
    expect(evidence.locator(".gc-intent")).to_have_attribute("title", "ask_unpaid_wages")
    staff.locator("#gc-take").click()
    staff.locator("#gc-reply-text").fill("您好，我是12333的工作人员，您的情况我们来跟进。")
    staff.locator("#gc-reply-text").press("Control+Enter")
    expect(worker.locator(".gy-staff .gy-bubble").last).to_contain_text("我是12333的工作人员", timeout=30_000)
