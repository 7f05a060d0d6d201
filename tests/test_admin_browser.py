"""The office's knowledge administration in a real browser (Debian's Chromium), against the real api.

The issue's done-criterion: an editor changes an answer in the browser and the bot gives
the new answer within seconds. Rasa here is a stand-in, so "the bot" is the api's
knowledge search (``POST /api/knowledge/search``), the same search the bot's actions use;
the whole path through the real Rasa is tested end to end elsewhere. The API behind the
pages is tested on its own in test_admin.py.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Page,
    ViewportSize,
    expect,
)

from api.middleware import CONTENT_SECURITY_POLICY
from tests.support.browser import chromium_browser, create_user, get, post_json, running_api, sqlite_url
from tests.support.standins import RasaStandIn

pytestmark = pytest.mark.browser

LAPTOP: ViewportSize = {"width": 1366, "height": 768}
EDITOR, EDITOR_PASSWORD = "wang.wu", "wang-wu-password-1"
STAFF, STAFF_PASSWORD = "zhao.liu", "zhao-liu-password-1"
XSS = '<img src=x onerror="window.__xss=1">'
CONFLICT = "别人刚改过这一条，请刷新后再改"
LIVE_WITHIN_S = 5.0


# ---- the api, as the test's own client -------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real api in its own process on a fresh database (an editor, a member of staff), Rasa stood in."""
    folder = tmp_path_factory.mktemp("admin")
    database = sqlite_url(folder)
    create_user(database, EDITOR, EDITOR_PASSWORD, "editor")
    create_user(database, STAFF, STAFF_PASSWORD, "staff")
    with RasaStandIn() as rasa, running_api(folder, rasa.url, database) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_browser() as launched:
        yield launched


def sign_in(server: str, name: str, password: str) -> str:
    status, body, cookie = post_json(server + "/api/auth/login", {"username": name, "password": password})
    assert status == 200 and cookie, body
    return cookie


def get_json(url: str, cookie: str = "") -> tuple[int, Any]:
    headers = {"Accept": "application/json"}
    if cookie:
        headers["Cookie"] = cookie
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=20) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


@pytest.fixture(scope="module")
def editor_cookie(server: str) -> str:
    return sign_in(server, EDITOR, EDITOR_PASSWORD)


def entry(server: str, cookie: str, key: str) -> dict[str, Any]:
    status, body = get_json(server + "/api/admin/entries/" + quote(key, safe=""), cookie)
    assert status == 200, body
    result: dict[str, Any] = body
    return result


def wage_answers(server: str, cookie: str) -> list[dict[str, Any]]:
    """The approved answers about unpaid wages (content.topic == unpaid_wages), in the store's order."""
    status, body = get_json(server + "/api/admin/entries?kind=answer", cookie)
    assert status == 200, body
    found = []
    for summary in body["items"]:
        detail = entry(server, cookie, summary["key"])
        if detail["published"] and detail["published"]["content"]["topic"] == "unpaid_wages":
            found.append(detail)
    assert found, "no approved answer about unpaid wages"
    return found


def bot_answer(server: str, key: str, question: str) -> str:
    """The answer text the bot's search gives for the question from the approved answer ``key``."""
    status, body, _ = post_json(server + "/api/knowledge/search", {"text": question, "top_k": 5})
    assert status == 200, body
    for hit in body["hits"]:
        if hit["kind"] == "answer" and hit["id"] in (key, key.split(":", 1)[1]):
            return str(hit["answer"])
    raise AssertionError(f"{key} is not among the hits for {question!r}: {[h['id'] for h in body['hits']]}")


def wait_for_answer(server: str, key: str, question: str, wanted: str) -> float:
    """Seconds until the bot's search gives ``wanted`` (at most LIVE_WITHIN_S)."""
    started = time.monotonic()
    while True:
        text = bot_answer(server, key, question)
        if text.strip() == wanted.strip():
            return time.monotonic() - started
        if time.monotonic() - started > LIVE_WITHIN_S:
            raise AssertionError(f"after {LIVE_WITHIN_S} s the bot still answers {text!r}")
        time.sleep(0.2)


# ---- the browser ---------------------------------------------------------------------


@pytest.fixture()
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=LAPTOP, locale="zh-CN")
    context.set_default_timeout(10_000)
    try:
        yield context
    finally:
        context.close()


class Watched:
    """A page with its script errors recorded (failed requests such as a 409 are expected, and left out)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)


class Editor(Watched):
    """A signed-in editor's page; every confirmation is accepted and its question kept."""

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.dialogs: list[str] = []
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.accept()


def signed_in(context: BrowserContext, server: str, name: str, password: str) -> None:
    response = context.request.post(server + "/api/auth/login", data={"username": name, "password": password})
    assert response.ok, response.text()


def open_admin(context: BrowserContext, server: str, path: str = "/console/admin") -> Editor:
    editor = Editor(context.new_page())
    editor.page.goto(server + path)
    expect(editor.page.locator("#gc-me")).to_have_text(f"{EDITOR}（编辑）")
    return editor


def open_entry(page: Page, kind_label: str, key: str) -> None:
    page.locator(".ga-kind", has_text=kind_label).click()
    page.locator("#ga-filter").fill(key)
    page.locator(f'#ga-list .gc-item[data-key="{key}"]').click()
    expect(page.locator("#ga-entry-state")).to_contain_text(key)


# ---- the tests -----------------------------------------------------------------------


def test_pages_are_served_with_strict_headers(server: str) -> None:
    for path, kind in (
        ("/console/admin", "text/html; charset=utf-8"),
        ("/console/admin/answers/new?question=x", "text/html; charset=utf-8"),
        ("/console/static/admin.js", "text/javascript; charset=utf-8"),
        ("/console/static/admin.css", "text/css; charset=utf-8"),
    ):
        status, headers, body = get(server + path)
        assert status == 200, path
        assert headers["content-type"] == kind, path
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["cache-control"] == "no-cache"
        if kind.startswith("text/html"):
            assert not re.search(rb"<script>|<style|\son[a-z]+=|style=", body), path
        again, _, _ = get(server + path, {"If-None-Match": headers["etag"]})
        assert again == 304, path
    assert get(server + "/console/static/admin.html")[0] == 404


def test_signed_out_goes_to_login_and_staff_need_the_editor_role(context: BrowserContext, server: str) -> None:
    watched = Watched(context.new_page())
    page = watched.page
    page.goto(server + "/console/admin")
    expect(page).to_have_url(server + "/console/login")

    signed_in(context, server, STAFF, STAFF_PASSWORD)
    page.goto(server + "/console/admin")
    expect(page.locator("#ga-forbidden-text")).to_have_text("需要编辑权限")
    expect(page.locator("#ga-forbidden")).to_be_visible()
    expect(page.locator("#ga-main")).to_be_hidden()
    expect(page.locator("#gc-me")).to_have_text(f"{STAFF}（工作人员）")
    assert page.request.get(server + "/api/admin/entries").status == 403
    # The way back to the console is there.
    expect(page.locator("#ga-back")).to_have_attribute("href", "/console")
    assert watched.errors == [], watched.errors


def test_editor_changes_an_answer_and_the_bot_gives_it_within_seconds(
    context: BrowserContext,
    server: str,
    editor_cookie: str,
) -> None:
    answer = wage_answers(server, editor_cookie)[0]
    key = answer["key"]
    content = answer["published"]["content"]
    old_text = content["answer"].strip()
    question = content["questions"][0]
    marker = f"本答复已由编辑更新，核对编号 {int(time.time() * 1000) % 10**8}。"
    new_text = old_text + "\n" + marker
    assert bot_answer(server, key, question).strip() == old_text

    signed_in(context, server, EDITOR, EDITOR_PASSWORD)
    editor = open_admin(context, server)
    page = editor.page
    open_entry(page, "审定答复", key)
    expect(page.locator("#ga-published-fields .ga-value-answer")).to_have_text(old_text)
    box = page.locator("#ga-f-answer")
    expect(box).to_have_value(old_text)

    # 保存草稿: a draft; the bot still gives the published text.
    box.fill(new_text)
    page.locator("#ga-note").fill("加一句说明")
    with page.expect_response(re.compile(r".*/api/admin/entries/[^/]+/draft$")) as saved:
        page.locator("#ga-save").click()
    sent = saved.value.request
    assert sent.method == "PUT" and sent.headers["content-type"] == "application/json"
    body = json.loads(sent.post_data or "{}")
    assert body["base_version"] == answer["latest_version"] and body["note"] == "加一句说明"
    assert body["content"]["answer"] == new_text and body["content"]["items"] == content["items"]
    expect(page.locator("#gc-notice")).to_contain_text("已保存草稿（第2版）")
    expect(page.locator("#ga-draft-note")).to_contain_text("有未发布的草稿：第2版")
    expect(page.locator(f'#ga-list .gc-item[data-key="{key}"] .ga-chip-draft')).to_have_text("草稿第2版")
    assert bot_answer(server, key, question).strip() == old_text

    # 待发布 → select it → 发布: the report, and the bot's new answer within seconds.
    page.locator("#ga-tab-drafts").click()
    row = page.locator(f'#ga-drafts-list .ga-draft[data-key="{key}"]')
    expect(row).to_be_visible()
    row.locator(".ga-draft-diff").click()
    expect(row.locator(".ga-diff-add")).to_contain_text(marker)
    row.locator(".ga-draft-check").check()
    page.locator("#ga-publish-note").fill("欠薪答复补充")
    with page.expect_response("**/api/admin/publish") as published:
        page.locator("#ga-publish-selected").click()
    sent_versions = {key: 2}  # the draft version the list showed
    assert json.loads(published.value.request.post_data or "{}") == {"versions": sent_versions, "note": "欠薪答复补充"}
    expect(page.locator("#ga-report .ga-report-head")).to_have_text(re.compile(r"^已发布 1 条，用时 \d+\.\d+ 秒$"))
    assert any("确定发布 1 条" in message for message in editor.dialogs)
    took = wait_for_answer(server, key, question, new_text)
    assert took < LIVE_WITHIN_S
    expect(row).to_have_count(0)

    # 历史: two versions; the diff shows the added sentence as a + line.
    page.locator("#ga-tab-entries").click()
    page.locator("#ga-sub-history").click()
    versions = page.locator("#ga-versions-body tr")
    expect(versions).to_have_count(2)
    latest = page.locator('#ga-versions-body tr[data-version="2"]')
    expect(latest.locator(".ga-version-state")).to_contain_text("线上")
    expect(latest.locator(".ga-version-author")).to_have_text(EDITOR)
    expect(latest.locator(".ga-version-note")).to_have_text("加一句说明")
    first = page.locator('#ga-versions-body tr[data-version="1"]')
    expect(first.locator(".ga-version-state")).to_contain_text("曾发布")
    expect(page.locator("#ga-compare")).to_be_disabled()
    latest.locator(".ga-pick").check()
    first.locator(".ga-pick").check()
    page.locator("#ga-compare").click()
    expect(page.locator("#ga-diff-title")).to_contain_text("第1版 → 第2版")
    expect(page.locator("#ga-diff .ga-diff-add")).to_have_count(1)
    expect(page.locator("#ga-diff .ga-diff-add")).to_contain_text(marker)
    assert (page.locator("#ga-diff .ga-diff-add").text_content() or "").startswith("+")

    # 回滚到此版本 (confirmed): published at once, the bot gives the old text again.
    with page.expect_response(re.compile(r".*/rollback$")) as rolled:
        first.locator(".ga-rollback").click()
    assert json.loads(rolled.value.request.post_data or "{}")["to_version"] == 1
    assert any("回滚到第1版" in message for message in editor.dialogs)
    expect(page.locator("#gc-notice")).to_contain_text("已回滚到第1版并发布")
    wait_for_answer(server, key, question, old_text)
    expect(versions).to_have_count(3)
    expect(page.locator('#ga-versions-body tr[data-version="3"] .ga-version-state')).to_contain_text("线上")
    expect(page.locator("#ga-f-answer")).to_have_value(old_text)

    # 审计: the entry's own log, and the whole log in its tab.
    page.locator("#ga-sub-audit").click()
    log = page.locator("#ga-entry-audit-body")
    expect(log.locator(".ga-audit-action").first).to_have_text("回滚")
    expect(log).to_contain_text("发布")
    expect(log).to_contain_text("保存草稿")
    expect(log).to_contain_text("欠薪答复补充")
    page.locator("#ga-tab-audit").click()
    expect(page.locator("#ga-audit-body .ga-audit-row").first.locator(".ga-audit-key")).to_have_text(key)
    expect(page).to_have_url(server + "/console/admin#audit")
    assert editor.errors == [], editor.errors


def test_a_stale_edit_is_refused_and_the_text_kept(
    context: BrowserContext,
    server: str,
    editor_cookie: str,
) -> None:
    answers = wage_answers(server, editor_cookie)
    key = answers[-1]["key"]  # not the one the test above edits
    old_text = answers[-1]["published"]["content"]["answer"].strip()
    signed_in(context, server, EDITOR, EDITOR_PASSWORD)
    # A link to the entry opens it, in two pages.
    link = "/console/admin#entries/" + quote(key, safe="")
    a = open_admin(context, server, link)
    b = open_admin(context, server, link)
    for editor in (a, b):
        expect(editor.page.locator("#ga-entry-state")).to_contain_text(key)
        expect(editor.page.locator("#ga-f-answer")).to_have_value(old_text)

    a.page.locator("#ga-f-answer").fill(old_text + "\n甲改的：先打12333问清楚。")
    a.page.locator("#ga-save").click()
    expect(a.page.locator("#gc-notice")).to_contain_text("已保存草稿")

    typed = old_text + "\n乙改的：这段话不能丢。"
    b.page.locator("#ga-f-answer").fill(typed)
    b.page.locator("#ga-note").fill("乙的说明")
    with b.page.expect_response(re.compile(r".*/draft$")) as refused:
        b.page.locator("#ga-save").click()
    assert refused.value.status == 409
    expect(b.page.locator("#ga-form-error")).to_have_text(CONFLICT)
    expect(b.page.locator("#ga-f-answer")).to_have_value(typed)
    expect(b.page.locator("#ga-note")).to_have_value("乙的说明")
    expect(b.page.locator("#ga-reload")).to_be_visible()
    # Only page A's text was saved.
    assert "甲改的" in entry(server, editor_cookie, key)["draft"]["content"]["answer"]
    assert a.errors == [] and b.errors == [], a.errors + b.errors


def test_a_draft_saved_after_the_review_is_not_published(
    context: BrowserContext,
    server: str,
    editor_cookie: str,
) -> None:
    answer = wage_answers(server, editor_cookie)[1]  # the other tests edit the first and the last
    key = answer["key"]
    old_text = answer["published"]["content"]["answer"].strip()
    question = answer["published"]["content"]["questions"][0]
    signed_in(context, server, EDITOR, EDITOR_PASSWORD)
    draft_url = server + "/api/admin/entries/" + quote(key, safe="") + "/draft"

    def save(text: str, base: int) -> int:
        content = {**answer["published"]["content"], "answer": old_text + "\n" + text}
        response = context.request.put(draft_url, data={"content": content, "base_version": base})
        assert response.ok, response.text()
        return int(response.json()["draft"]["version"])

    reviewed = save("审核过的一句。", answer["latest_version"])
    editor = open_admin(context, server)
    page = editor.page
    page.locator("#ga-tab-drafts").click()
    row = page.locator(f'#ga-drafts-list .ga-draft[data-key="{key}"]')
    expect(row.locator(".gc-sub")).to_contain_text(f"草稿第{reviewed}版")
    row.locator(".ga-draft-diff").click()
    expect(row.locator(".ga-diff-add")).to_contain_text("审核过的一句")
    row.locator(".ga-draft-check").check()
    # The reviewer's screen stays as it was (its next poll has not come yet) while another
    # editor saves over the reviewed draft.
    shown = context.request.get(server + "/api/admin/drafts").json()
    page.route("**/api/admin/drafts", lambda route: route.fulfill(json=shown))
    newer = save("没人审核过的一句。", reviewed)

    with page.expect_response("**/api/admin/publish") as published:
        page.locator("#ga-publish-selected").click()
    assert json.loads(published.value.request.post_data or "{}")["versions"] == {key: reviewed}
    assert published.value.status == 409
    expect(page.locator("#gc-notice")).to_contain_text("这次什么都没有发布")
    # Nothing went online: the bot answers as before, and the entry's live version is the old one.
    assert bot_answer(server, key, question).strip() == old_text
    assert entry(server, editor_cookie, key)["published_version"] == answer["published_version"]
    # Once the screen shows the new draft, the tick is gone: it was given to the version reviewed.
    page.unroute("**/api/admin/drafts")
    page.locator("#ga-tab-entries").click()
    page.locator("#ga-tab-drafts").click()
    expect(row.locator(".gc-sub")).to_contain_text(f"草稿第{newer}版")
    expect(row.locator(".ga-draft-check")).not_to_be_checked()
    expect(page.locator("#ga-publish-selected")).to_be_disabled()
    assert editor.errors == [], editor.errors


def test_markup_in_knowledge_text_is_shown_as_text(
    context: BrowserContext,
    server: str,
    editor_cookie: str,
) -> None:
    key = "item:3"
    current = entry(server, editor_cookie, key)
    text = current["published"]["content"]["text"]
    signed_in(context, server, EDITOR, EDITOR_PASSWORD)
    editor = open_admin(context, server)
    page = editor.page
    open_entry(page, "政策条款", key)
    expect(page.locator("#ga-fixed")).to_contain_text("不能改")
    page.locator("#ga-f-title").fill(current["published"]["content"]["title"] + XSS)
    page.locator("#ga-f-text").fill(text + "\n" + XSS)
    page.locator("#ga-note").fill("说明 " + XSS)
    page.locator("#ga-save").click()
    expect(page.locator("#gc-notice")).to_contain_text("已保存草稿")
    expect(page.locator("#ga-entry-title")).to_contain_text(XSS)

    page.locator("#ga-sub-history").click()
    newest = page.locator("#ga-versions-body tr").first
    expect(newest.locator(".ga-version-note")).to_have_text("说明 " + XSS)
    expect(newest.locator(".ga-version-state")).to_contain_text("草稿")
    page.locator("#ga-versions-body .ga-pick").nth(0).check()
    page.locator("#ga-versions-body .ga-pick").nth(1).check()
    page.locator("#ga-compare").click()
    expect(page.locator("#ga-diff .ga-diff-add", has_text=XSS)).to_have_count(2)  # the title and the text

    page.locator("#ga-tab-drafts").click()
    row = page.locator(f'#ga-drafts-list .ga-draft[data-key="{key}"]')
    row.locator(".ga-draft-diff").click()
    expect(row.locator(".ga-diff")).to_contain_text(XSS)
    page.locator("#ga-tab-audit").click()
    expect(page.locator("#ga-audit-body")).to_contain_text("说明 " + XSS)

    assert page.locator("#ga-main img, #ga-main script").count() == 0
    assert page.evaluate("window.__xss") is None
    assert editor.errors == [], editor.errors


def test_a_new_approved_answer_from_a_question(
    context: BrowserContext,
    server: str,
) -> None:
    question = "加班费老板不给算怎么办"
    signed_in(context, server, EDITOR, EDITOR_PASSWORD)
    editor = open_admin(context, server, "/console/admin/answers/new?" + urlencode({"question": question}))
    page = editor.page
    expect(page.locator("#ga-entry-title")).to_have_text("新增审定答复")
    expect(page.locator("#ga-f-questions")).to_have_value(question)
    expect(page.locator("#ga-f-topic")).to_be_focused()
    answer_id = page.locator("#ga-new-id").input_value()
    assert re.fullmatch(r"a_\d{8}_\d{6}", answer_id), answer_id
    expect(page.locator("#ga-published")).to_be_hidden()
    expect(page.locator("#ga-retire")).to_be_hidden()

    page.locator("#ga-f-title").fill("加班费不给怎么办")
    page.locator("#ga-f-answer").fill("加班要按规定付加班费。不给的，可以向当地人社部门投诉，或打12333。")
    # What the page checks itself, then what the api refuses, both in Chinese.
    page.locator("#ga-f-items").fill("三")
    page.locator("#ga-save").click()
    expect(page.locator("#ga-form-error")).to_have_text("引用的政策条目要写成数字，用逗号隔开，如 3, 6")
    page.locator("#ga-f-items").fill("3，6")
    page.locator("#ga-f-topic").fill("Overtime Pay")
    with page.expect_response(re.compile(r".*/draft$")) as refused:
        page.locator("#ga-save").click()
    assert refused.value.status == 400
    expect(page.locator("#ga-form-error")).to_contain_text("话题要用英文小写字母")

    page.locator("#ga-f-topic").fill("unpaid_wages")
    page.locator("#ga-effective").fill("2030-01-01")
    with page.expect_response(re.compile(r".*/draft$")) as saved:
        page.locator("#ga-save").click()
    assert saved.value.status == 200, saved.value.text()
    body = json.loads(saved.value.request.post_data or "{}")
    assert body["base_version"] == 0 and body["effective_date"] == "2030-01-01"
    assert body["content"]["items"] == [3, 6] and body["content"]["questions"] == [question]
    key = "answer:" + answer_id
    assert saved.value.request.url.endswith("/api/admin/entries/" + quote(key, safe="") + "/draft")
    expect(page.locator("#gc-notice")).to_contain_text("已保存草稿（第1版）")
    expect(page).to_have_url(server + "/console/admin#entries/" + quote(key, safe=""))
    expect(page.locator("#ga-entry-state")).to_contain_text("还没发布")
    expect(page.locator(f'#ga-list .gc-item[data-key="{key}"] .ga-chip-draft')).to_have_text("草稿第1版")
    expect(page.locator(".ga-kind[data-kind=answer]")).to_have_attribute("aria-pressed", "true")
    assert editor.errors == [], editor.errors


def test_back_returns_to_the_previous_tab_and_a_link_opens_its_entry(context: BrowserContext, server: str) -> None:
    signed_in(context, server, EDITOR, EDITOR_PASSWORD)
    watched = Watched(context.new_page())
    page = watched.page
    page.goto(server + "/console/admin")
    expect(page.locator("#ga-tab-entries")).to_have_attribute("aria-selected", "true")
    page.locator("#ga-tab-drafts").click()
    page.locator("#ga-tab-audit").click()
    page.go_back()
    expect(page.locator("#ga-tab-drafts")).to_have_attribute("aria-selected", "true")
    expect(page).to_have_url(re.compile(r"/console/admin#drafts$"))
    # A link to an entry, followed without a reload.
    page.evaluate("window.location.hash = '#entries/' + encodeURIComponent('item:3')")
    expect(page.locator("#ga-tab-entries")).to_have_attribute("aria-selected", "true")
    expect(page).to_have_url(re.compile(r"/console/admin#entries/item%3A3$"))
    expect(page.locator("#ga-entry")).to_be_visible()
    expect(page.locator("#ga-entry-title")).to_contain_text("（三）")
    assert watched.errors == [], watched.errors
