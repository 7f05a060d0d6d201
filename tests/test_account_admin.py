"""Managing staff accounts (issue 14 item 10): one's own password, and the admin's changes.

Through the app as staff and admins use it, and through ``python -m api.staff`` as the
README tells an operator; every change leaves an audit row naming who made it.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from api.main import create_app
from api.staff.accounts import AccountStore, LastAdmin
from api.staff.auth import SESSION_COOKIE
from api.staff.passwords import password_problem
from knowledge.loader import PROJECT_ROOT
from knowledge.search import Searcher
from tests.support.databases import migrated
from tests.support.settings import settings_for

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "plum blossom river 7"
NEW_PASSWORD = "a quiet kettle at dawn"


@pytest.fixture()
def app_client(tmp_path: Path, standin_searcher: Searcher) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(tmp_path, "http://127.0.0.1:9"), standin_searcher)) as client:
        accounts: AccountStore = client.app.state.container.accounts  # type: ignore[attr-defined]
        accounts.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # fast; not what is tested
        for name, role in (("boss", "admin"), ("lisi", "staff"), ("wangwu", "editor")):
            accounts.create_user(name, PASSWORD, role)
        yield client


def accounts_of(client: TestClient) -> AccountStore:
    store: AccountStore = client.app.state.container.accounts  # type: ignore[attr-defined]
    return store


def signed_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """A session token for the user (the client's own cookie jar is left alone)."""
    response = client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token = response.cookies[SESSION_COOKIE]
    client.cookies.clear()
    return token


def as_user(client: TestClient, token: str, method: str, path: str, body: object | None = None) -> tuple[int, object]:
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, token)
    try:
        response = client.request(method, path, json=body if body is not None else {})
        return response.status_code, response.json() if response.content else None
    finally:
        client.cookies.clear()


# ---- which passwords ----


@pytest.mark.parametrize(
    ("password", "username", "why"),
    [
        ("1234567890", "lisi", "太常见"),
        ("qwertyuiop", "lisi", "太常见"),
        ("Password123", "lisi", "太常见"),  # compared in lower case
        ("aaaaaaaaaaaa", "lisi", "太常见"),
        ("lisi-wants-in-2026", "lisi", "用户名"),
        ("my gongyou login", "lisi", "本系统"),
        ("short", "lisi", "至少"),
        # The usual dressing-up of a common word (found by a reviewer's password spray).
        ("Password123!", "lisi", "太常见"),
        ("Aa123456789", "lisi", "太常见"),
        ("woaini1314520", "lisi", "太常见"),
        ("iloveyou1234", "lisi", "太常见"),
        ("qwer1234qwer", "lisi", "太常见"),
        ("Taiyuan2026!", "lisi", "太常见"),
        ("Shanxi2026!!", "lisi", "太常见"),
    ],
)
def test_common_and_guessable_passwords_are_refused(password: str, username: str, why: str) -> None:
    problem = password_problem(password, username)
    assert problem is not None and why in problem


def test_an_ordinary_passphrase_is_accepted() -> None:
    assert password_problem(NEW_PASSWORD, "lisi") is None
    for fine in ("plum blossom river 7", "taiyuan-bus-goes-slow", "Xk7#mq2!vLp9", "lantern over a river"):
        assert password_problem(fine, "lisi") is None, fine


# ---- one's own password ----


def test_changing_ones_password_needs_the_old_one_and_ends_the_other_sessions(app_client: TestClient) -> None:
    here = signed_in(app_client, "lisi")
    elsewhere = signed_in(app_client, "lisi")
    wrong = as_user(
        app_client, here, "POST", "/api/auth/password", {"old_password": "not it at all", "new_password": NEW_PASSWORD}
    )
    assert wrong == (403, {"detail": "原密码不对"})
    common = as_user(
        app_client, here, "POST", "/api/auth/password", {"old_password": PASSWORD, "new_password": "password123"}
    )
    assert common[0] == 400 and "太常见" in str(common[1])
    done = as_user(
        app_client, here, "POST", "/api/auth/password", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert done[0] == 204
    assert as_user(app_client, here, "GET", "/api/auth/me")[0] == 200  # this session goes on
    assert as_user(app_client, elsewhere, "GET", "/api/auth/me")[0] == 401  # the other one ended
    assert app_client.post("/api/auth/login", json={"username": "lisi", "password": PASSWORD}).status_code == 401
    assert signed_in(app_client, "lisi", NEW_PASSWORD)
    audit = accounts_of(app_client).audit("lisi")
    assert (audit[0].actor, audit[0].action) == ("lisi", "password")


# ---- the admin's changes ----


def test_an_admin_deactivates_an_account_and_its_sessions_end_at_once(app_client: TestClient) -> None:
    boss, staff = signed_in(app_client, "boss"), signed_in(app_client, "lisi")
    assert as_user(app_client, staff, "GET", "/api/console/queue")[0] == 200
    assert as_user(app_client, boss, "POST", "/api/admin/accounts/lisi", {"active": False})[0] == 204
    assert as_user(app_client, staff, "GET", "/api/console/queue")[0] == 401
    assert app_client.post("/api/auth/login", json={"username": "lisi", "password": PASSWORD}).status_code == 401
    status, listed = as_user(app_client, boss, "GET", "/api/admin/accounts")
    assert status == 200 and isinstance(listed, dict)
    lisi = next(item for item in listed["items"] if item["username"] == "lisi")
    assert lisi["active"] is False and lisi["sessions"] == 0
    assert as_user(app_client, boss, "POST", "/api/admin/accounts/lisi", {"active": True})[0] == 204
    assert signed_in(app_client, "lisi")
    actions = [(row.actor, row.action) for row in accounts_of(app_client).audit("lisi")]
    assert actions[:2] == [("boss", "reactivate"), ("boss", "deactivate")]


def test_a_new_role_applies_to_the_next_request(app_client: TestClient) -> None:
    boss, editor = signed_in(app_client, "boss"), signed_in(app_client, "wangwu")
    assert as_user(app_client, editor, "GET", "/api/admin/entries")[0] == 200
    assert as_user(app_client, boss, "POST", "/api/admin/accounts/wangwu", {"role": "staff"})[0] == 204
    assert as_user(app_client, editor, "GET", "/api/admin/entries")[0] == 403
    assert as_user(app_client, editor, "GET", "/api/auth/me") == (200, {"username": "wangwu", "role": "staff"})
    assert accounts_of(app_client).audit("wangwu")[0].note == "editor → staff"


def test_an_admin_resets_a_password_and_ends_every_session_of_it(app_client: TestClient) -> None:
    boss, staff = signed_in(app_client, "boss"), signed_in(app_client, "lisi")
    weak = as_user(app_client, boss, "POST", "/api/admin/accounts/lisi/password", {"new_password": "lisi123456"})
    assert weak[0] == 400
    assert (
        as_user(app_client, boss, "POST", "/api/admin/accounts/lisi/password", {"new_password": NEW_PASSWORD})[0] == 204
    )
    assert as_user(app_client, staff, "GET", "/api/auth/me")[0] == 401
    assert signed_in(app_client, "lisi", NEW_PASSWORD)
    unknown = as_user(app_client, boss, "POST", "/api/admin/accounts/nobody/password", {"new_password": NEW_PASSWORD})
    assert unknown == (404, {"detail": "没有 nobody 这个账号"})


def test_an_admin_ends_every_session_of_an_account(app_client: TestClient) -> None:
    boss = signed_in(app_client, "boss")
    sessions = [signed_in(app_client, "lisi") for _ in range(3)]
    assert as_user(app_client, boss, "POST", "/api/admin/accounts/lisi/sessions/end") == (200, {"ended": 3})
    assert all(as_user(app_client, token, "GET", "/api/auth/me")[0] == 401 for token in sessions)
    assert signed_in(app_client, "lisi")  # the account itself still works


def test_the_last_active_admin_can_be_neither_demoted_nor_deactivated(app_client: TestClient) -> None:
    boss = signed_in(app_client, "boss")
    for change in ({"role": "editor"}, {"active": False}):
        status, body = as_user(app_client, boss, "POST", "/api/admin/accounts/boss", change)
        assert status == 409 and "最后一个" in str(body)
    assert as_user(app_client, boss, "GET", "/api/auth/me") == (200, {"username": "boss", "role": "admin"})
    # With a second admin, the first may step down.
    assert as_user(app_client, boss, "POST", "/api/admin/accounts/wangwu", {"role": "admin"})[0] == 204
    assert as_user(app_client, boss, "POST", "/api/admin/accounts/boss", {"role": "editor"})[0] == 204
    assert as_user(app_client, boss, "GET", "/api/admin/accounts")[0] == 403


def test_only_admins_manage_accounts(app_client: TestClient) -> None:
    editor = signed_in(app_client, "wangwu")
    assert as_user(app_client, editor, "GET", "/api/admin/accounts")[0] == 403
    assert as_user(app_client, editor, "POST", "/api/admin/accounts/lisi", {"active": False})[0] == 403
    assert as_user(app_client, editor, "GET", "/api/admin/accounts/audit")[0] == 403


def test_the_audit_trail_is_readable_by_admins_and_holds_no_password(app_client: TestClient) -> None:
    boss = signed_in(app_client, "boss")
    as_user(app_client, boss, "POST", "/api/admin/accounts/lisi/password", {"new_password": NEW_PASSWORD})
    status, audit = as_user(app_client, boss, "GET", "/api/admin/accounts/audit?username=lisi")
    assert status == 200 and isinstance(audit, dict)
    assert [(row["actor"], row["action"]) for row in audit["items"]][:2] == [("boss", "reset"), ("cli", "create")]
    assert NEW_PASSWORD not in str(audit) and PASSWORD not in str(audit)


# ---- the command line ----


def cli(database: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.staff", *args, "--url", database],
        cwd=PROJECT_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_line_manages_accounts(tmp_path: Path) -> None:
    database = migrated(f"sqlite:///{tmp_path / 'cli.db'}")
    assert cli(database, "create-admin", "boss", "--password-stdin", stdin=PASSWORD + "\n").returncode == 0
    common = cli(database, "create-user", "lisi", "--role", "staff", "--password-stdin", stdin="iloveyou123\n")
    assert common.returncode == 1 and "太常见" in common.stderr
    assert (
        cli(database, "create-user", "lisi", "--role", "staff", "--password-stdin", stdin=PASSWORD + "\n").returncode
        == 0
    )

    store = AccountStore(database, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    try:
        user = store.authenticate("lisi", PASSWORD)
        assert user is not None
        token = store.start_session(user)
        assert cli(database, "set-role", "lisi", "editor").returncode == 0
        assert store.user_for_token(token) is not None and store.user_for_token(token).role == "editor"  # type: ignore[union-attr]
        assert cli(database, "end-sessions", "lisi").stdout.strip() == "lisi 的 1 个登录已退出"
        assert store.user_for_token(token) is None
        token = store.start_session(user)
        assert cli(database, "deactivate", "lisi").returncode == 0
        assert store.user_for_token(token) is None and store.authenticate("lisi", PASSWORD) is None
        assert cli(database, "reactivate", "lisi").returncode == 0
        reset = cli(database, "set-password", "lisi", "--password-stdin", stdin=NEW_PASSWORD + "\n")
        assert reset.returncode == 0, reset.stderr
        assert store.authenticate("lisi", NEW_PASSWORD) is not None
        last = cli(database, "deactivate", "boss")
        assert last.returncode == 1 and "最后一个" in last.stderr
        listed = cli(database, "list").stdout
        assert "boss\t管理员\t启用" in listed and "lisi\t编辑\t启用" in listed
        actions = [row.action for row in store.audit("lisi")]
        assert actions == ["reset", "reactivate", "deactivate", "revoke", "role", "create"]
        assert all(row.actor == "cli" for row in store.audit())
    finally:
        store.engine.dispose()


def test_a_stolen_session_cannot_guess_the_password_through_the_change_form(app_client: TestClient) -> None:
    session = signed_in(app_client, "lisi")
    guesses = [
        as_user(
            app_client,
            session,
            "POST",
            "/api/auth/password",
            {"old_password": f"guess {n}", "new_password": NEW_PASSWORD},
        )[0]
        for n in range(6)
    ]
    assert guesses == [403] * 5 + [429]
    right = {"old_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert as_user(app_client, session, "POST", "/api/auth/password", right)[0] == 429  # not checked any more


@pytest.fixture()
def postgres_url() -> Iterator[str]:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"test_{secrets.token_hex(6)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield migrated(make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_two_admins_demoting_each_other_at_once_leave_one_admin(postgres_url: str) -> None:
    store = AccountStore(postgres_url, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    store.create_user("admin.a", PASSWORD, "admin")
    store.create_user("admin.b", PASSWORD, "admin")
    try:
        start = threading.Barrier(2)

        def demote(actor: str, target: str) -> str:
            start.wait()  # both at once
            try:
                store.set_role(actor, target, "staff")
            except LastAdmin:
                return "refused"
            return "done"

        for _ in range(5):
            with ThreadPoolExecutor(max_workers=2) as pool:
                outcomes = sorted(pool.map(demote, ["admin.a", "admin.b"], ["admin.b", "admin.a"]))
            assert outcomes == ["done", "refused"]
            assert [a.role for a in store.accounts()].count("admin") == 1
            for name in ("admin.a", "admin.b"):
                store.set_role("test", name, "admin")
    finally:
        store.engine.dispose()
