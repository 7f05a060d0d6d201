"""The accounts page in a real browser (Debian's Chromium) against the real api in its own process.

An admin deactivates a member of staff while that person has the console open: the
console notices at its next poll and goes to the login page, where the password no longer
works. Everyone changes their own password on the same page.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from tests.support.browser import chromium_browser, create_user, post_json, running_api

pytestmark = pytest.mark.browser

ADMIN, ADMIN_PASSWORD = "zhao.admin", "violet harbour lantern 9"
STAFF, STAFF_PASSWORD = "qian.staff", "copper meadow sparrow 4"
NEW_PASSWORD = "silver orchard thunder 2"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("accounts-browser")
    database = f"sqlite:///{folder / 'api.db'}"
    create_user(database, ADMIN, ADMIN_PASSWORD, "admin")
    create_user(database, STAFF, STAFF_PASSWORD, "staff")
    with running_api(folder, "http://127.0.0.1:9", database) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_browser() as launched:
        yield launched


def signed_in(browser: Browser, server: str, username: str, password: str) -> tuple[BrowserContext, Page, list[str]]:
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(10_000)
    response = context.request.post(server + "/api/auth/login", data={"username": username, "password": password})
    assert response.ok, response.text()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    page.on("console", console)
    return context, page, errors


def test_an_admin_deactivates_a_user_and_that_users_open_console_ends(browser: Browser, server: str) -> None:
    staff_context, staff_page, staff_errors = signed_in(browser, server, STAFF, STAFF_PASSWORD)
    admin_context, admin_page, admin_errors = signed_in(browser, server, ADMIN, ADMIN_PASSWORD)
    try:
        staff_page.goto(server + "/console")
        expect(staff_page.locator("#gc-me")).to_contain_text(STAFF)
        expect(staff_page.locator("#gc-accounts-link")).to_be_visible()

        admin_page.goto(server + "/console/accounts")
        row = admin_page.locator(f"tr.gk-account[data-user='{STAFF}']")
        expect(row.locator(".gk-state")).to_have_text("启用")
        expect(row.locator(".gk-sessions")).to_have_text("1")
        admin_page.once("dialog", lambda dialog: dialog.accept())
        row.get_by_role("button", name="停用").click()
        expect(admin_page.locator("#gc-notice")).to_have_text(f"已停用 {STAFF}")
        expect(row.locator(".gk-state")).to_have_text("停用")
        expect(row.locator(".gk-sessions")).to_have_text("0")
        expect(admin_page.locator("#gk-audit-body tr").first).to_contain_text("停用")

        # The console's next poll meets the ended session: to the login page, where the password fails.
        expect(staff_page).to_have_url(server + "/console/login", timeout=15_000)
        staff_page.locator("#gc-username").fill(STAFF)
        staff_page.locator("#gc-password").fill(STAFF_PASSWORD)
        staff_page.locator("#gc-login-submit").click()
        expect(staff_page.locator("#gc-login-error")).to_have_text("用户名或密码不对")
        assert post_json(server + "/api/auth/login", {"username": STAFF, "password": STAFF_PASSWORD})[0] == 401

        # Reactivated, the same password works again.
        row.get_by_role("button", name="启用").click()
        expect(row.locator(".gk-state")).to_have_text("启用")
        assert post_json(server + "/api/auth/login", {"username": STAFF, "password": STAFF_PASSWORD})[0] == 200
        assert staff_errors == [] and admin_errors == []
    finally:
        staff_context.close()
        admin_context.close()


def test_staff_change_their_own_password_and_see_no_admin_part(browser: Browser, server: str) -> None:
    context, page, errors = signed_in(browser, server, STAFF, STAFF_PASSWORD)
    try:
        page.goto(server + "/console/accounts")
        expect(page.locator("#gc-me")).to_contain_text(STAFF)
        expect(page.locator("#gk-admin")).to_be_hidden()
        page.locator("#gk-old").fill(STAFF_PASSWORD)
        page.locator("#gk-new").fill("password123456")
        page.locator("#gk-again").fill("password123456")
        page.get_by_role("button", name="修改").click()
        expect(page.locator("#gc-notice")).to_contain_text("太常见")
        page.locator("#gk-new").fill(NEW_PASSWORD)
        page.locator("#gk-again").fill(NEW_PASSWORD)
        page.get_by_role("button", name="修改").click()
        expect(page.locator("#gc-notice")).to_have_text("密码已修改，其他地方的登录已退出")
        assert post_json(server + "/api/auth/login", {"username": STAFF, "password": NEW_PASSWORD})[0] == 200
        assert errors == []
    finally:
        context.close()
