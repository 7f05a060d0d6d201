"""Staff accounts: the store (fast, a cheap argon2), then login, roles and CSRF through the app (slow)."""

from __future__ import annotations

import getpass
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Literal

import pytest
from argon2 import PasswordHasher
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.conversations import limits as limits_module
from api.main import create_app
from api.settings import ApiSettings
from api.staff import cli as accounts_cli
from api.staff.accounts import ROLES, AccountError, AccountStore, SessionRow, User, UserRow, has_role, token_hash
from api.staff.auth import SECURE_SESSION_COOKIE, SESSION_COOKIE, AdminUser, EditorUser, StaffUser
from knowledge.loader import PROJECT_ROOT
from knowledge.search import Searcher
from tests.support.databases import migrated

PASSWORD = "correct horse battery"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def cheap_hasher(time_cost: int = 1) -> PasswordHasher:
    # The real parameters cost 150 ms a hash; the behaviour under test does not depend on them.
    return PasswordHasher(time_cost=time_cost, memory_cost=1024, parallelism=1)


class CountingHasher(PasswordHasher):
    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.verified += 1
        return super().verify(hash, password)


@pytest.fixture()
def db_url(tmp_path: Path) -> str:
    return migrated(f"sqlite:///{tmp_path / 'accounts.db'}")


@pytest.fixture()
def store(db_url: str) -> Iterator[AccountStore]:
    accounts = AccountStore(db_url, session_hours=8, session_idle_minutes=60, hasher=cheap_hasher())
    yield accounts
    accounts.engine.dispose()


def stored_hash(store: AccountStore, username: str) -> str:
    with store.sessions() as session:
        return session.scalars(select(UserRow.password_hash).where(UserRow.username == username)).one()


# ---- the store ----


def test_passwords_are_stored_as_argon2_hashes_only(store: AccountStore, tmp_path: Path) -> None:
    user = store.create_user("Li.Si", PASSWORD, "staff")
    assert user.username == "li.si"
    kept = stored_hash(store, "li.si")
    assert kept.startswith("$argon2id$") and PASSWORD not in kept
    store.engine.dispose()
    assert PASSWORD.encode() not in (tmp_path / "accounts.db").read_bytes()


def test_authenticate_takes_the_right_password_only(store: AccountStore) -> None:
    user = store.create_user("lisi", PASSWORD, "editor")
    assert store.authenticate("lisi", PASSWORD) == user
    assert store.authenticate(" LiSi ", PASSWORD) == user  # names are not case-sensitive
    assert store.authenticate("lisi", PASSWORD + "!") is None
    assert store.authenticate("lisi", "") is None


def test_an_unknown_user_costs_a_verification_like_a_wrong_password(db_url: str) -> None:
    hasher = CountingHasher()
    store = AccountStore(db_url, hasher=hasher)
    store.create_user("lisi", PASSWORD, "staff")
    assert store.authenticate("nobody", PASSWORD) is None
    assert store.authenticate("lisi", "wrong password!") is None
    assert hasher.verified == 2
    store.engine.dispose()


def test_an_inactive_account_cannot_log_in_or_use_its_sessions(store: AccountStore) -> None:
    user = store.create_user("lisi", PASSWORD, "staff")
    token = store.start_session(user, now=T0)
    with store.sessions() as session:
        session.scalars(select(UserRow)).one().active = False
        session.commit()
    assert store.authenticate("lisi", PASSWORD) is None
    assert store.user_for_token(token, now=T0) is None


def test_a_hash_made_with_older_parameters_is_redone_at_login(db_url: str) -> None:
    old = AccountStore(db_url, hasher=cheap_hasher(time_cost=1))
    old.create_user("lisi", PASSWORD, "staff")
    before = stored_hash(old, "lisi")
    old.engine.dispose()

    new = AccountStore(db_url, hasher=cheap_hasher(time_cost=2))
    assert new.authenticate("lisi", PASSWORD) is not None
    after = stored_hash(new, "lisi")
    assert after != before and ",t=2," in after and ",t=1," in before
    assert new.authenticate("lisi", PASSWORD) is not None
    new.engine.dispose()


@pytest.mark.parametrize(
    ("username", "password", "role", "message"),
    [
        ("lisi", "short", "staff", "至少"),
        ("lisi", PASSWORD, "boss", "角色"),
        ("li si", PASSWORD, "staff", "用户名"),
        ("x", PASSWORD, "staff", "用户名"),
    ],
)
def test_create_user_refuses_bad_input(
    store: AccountStore, username: str, password: str, role: str, message: str
) -> None:
    with pytest.raises(AccountError, match=message):
        store.create_user(username, password, role)


def test_usernames_are_unique_whatever_their_case(store: AccountStore) -> None:
    store.create_user("lisi", PASSWORD, "staff")
    with pytest.raises(AccountError, match="已经有人用了"):
        store.create_user("LISI", PASSWORD, "admin")


def test_a_session_keeps_only_the_hash_of_its_token(store: AccountStore) -> None:
    user = store.create_user("lisi", PASSWORD, "staff")
    token = store.start_session(user, now=T0)
    with store.sessions() as session:
        row = session.scalars(select(SessionRow)).one()
    assert row.token_hash == token_hash(token) != token and len(token) >= 40
    assert store.user_for_token(token, now=T0 + timedelta(minutes=1)) == user
    assert store.user_for_token(token + "x", now=T0) is None


def test_a_session_ends_after_its_absolute_lifetime_even_when_in_use(store: AccountStore) -> None:
    user = store.create_user("lisi", PASSWORD, "staff")
    token = store.start_session(user, now=T0)
    moment = T0
    while moment < T0 + timedelta(hours=8) - timedelta(minutes=30):
        moment += timedelta(minutes=30)
        assert store.user_for_token(token, now=moment) == user
    assert store.user_for_token(token, now=T0 + timedelta(hours=8)) is None
    assert store.user_for_token(token, now=T0 + timedelta(hours=1)) is None  # deleted, not just refused


def test_a_session_ends_after_an_idle_hour(store: AccountStore) -> None:
    user = store.create_user("lisi", PASSWORD, "staff")
    token = store.start_session(user, now=T0)
    assert store.user_for_token(token, now=T0 + timedelta(minutes=50)) == user  # and counts as activity
    assert store.user_for_token(token, now=T0 + timedelta(minutes=100)) == user
    assert store.user_for_token(token, now=T0 + timedelta(minutes=161)) is None


def test_many_console_requests_at_once_all_find_their_session(store: AccountStore) -> None:
    # Each request past a minute writes last_seen. On SQLite a transaction that read and then
    # wrote failed at once ("database is locked": a 503 in the console) when another wrote first.
    users = [store.create_user(f"staff{n}", PASSWORD, "staff") for n in range(6)]
    tokens = [store.start_session(user, now=T0) for user in users]
    errors: list[BaseException] = []

    def requests(n: int) -> None:
        try:
            for minute in range(1, 31):
                assert store.user_for_token(tokens[n], now=T0 + timedelta(minutes=minute)) == users[n]
        except BaseException as exc:  # any failure is the finding
            errors.append(exc)

    threads = [threading.Thread(target=requests, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with store.sessions() as session:
        assert set(session.scalars(select(SessionRow.last_seen))) == {T0 + timedelta(minutes=30)}


def test_end_session_and_purge(store: AccountStore) -> None:
    user = store.create_user("lisi", PASSWORD, "staff")
    ended = store.start_session(user, now=T0)
    store.end_session(ended)
    assert store.user_for_token(ended, now=T0) is None
    store.start_session(user, now=T0)
    assert store.purge_sessions(now=T0 + timedelta(hours=7)) == 0
    assert store.purge_sessions(now=T0 + timedelta(hours=8)) == 1


def test_roles_are_ordered() -> None:
    allowed = {(role, needed) for role in ROLES for needed in ROLES if has_role(role, needed)}
    assert allowed == {
        ("staff", "staff"),
        ("editor", "staff"),
        ("editor", "editor"),
        ("admin", "staff"),
        ("admin", "editor"),
        ("admin", "admin"),
    }
    assert not has_role("worker", "staff")


def test_the_command_asks_for_the_password_twice(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = [PASSWORD, PASSWORD + "?"]  # the second differs
    monkeypatch.setattr(getpass, "getpass", lambda prompt: answers.pop(0))
    assert accounts_cli.main(["create-admin", "boss", "--url", db_url]) == 1

    answers.extend([PASSWORD, PASSWORD])
    assert accounts_cli.main(["create-user", "editor1", "--role", "editor", "--url", db_url]) == 0
    store = AccountStore(db_url)
    assert store.authenticate("editor1", PASSWORD) == User(id=1, username="editor1", role="editor")
    store.engine.dispose()


# ---- through the app ----


# Test-only routes, one per role, that answer with the caller's name.
probe = APIRouter(prefix="/test-only")


@probe.api_route("/staff", methods=["GET", "POST"])
async def staff_only(user: StaffUser) -> dict[str, str]:
    return {"username": user.username}


@probe.api_route("/editor", methods=["GET", "POST"])
async def editor_only(user: EditorUser) -> dict[str, str]:
    return {"username": user.username}


@probe.api_route("/admin", methods=["GET", "POST"])
async def admin_only(user: AdminUser) -> dict[str, str]:
    return {"username": user.username}


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, standin_searcher: Searcher) -> Iterator[TestClient]:
    """One app for the module (its lifespan runs once); users staff1, editor1, admin1."""
    scratch = tmp_path_factory.mktemp("accounts-app")
    settings = ApiSettings(
        database_url=f"sqlite:///{scratch / 'api.db'}",
        pii_key_file=str(scratch / "pii.key"),
        rasa_urls="http://127.0.0.1:9",  # never called: no worker messages here
        rasa_jwt_secret="accounts-test-jwt-secret-0123456789",
        login_failures_per_minute=3,
    )
    application = create_app(settings, searcher=standin_searcher)
    application.include_router(probe)
    with TestClient(application) as test_client:  # runs the lifespan: migrations, stores
        for role in ROLES:
            application.state.container.accounts.create_user(f"{role}1", PASSWORD, role)
        yield test_client


@pytest.fixture()
def client(running: TestClient) -> TestClient:
    running.cookies.clear()  # every test starts logged out
    return running


@pytest.fixture()
def app(running: TestClient) -> FastAPI:
    application = running.app
    assert isinstance(application, FastAPI)
    return application


def login(client: TestClient, username: str, password: str = PASSWORD) -> int:
    return client.post("/api/auth/login", json={"username": username, "password": password}).status_code


def test_login_sets_a_strict_http_only_cookie_and_me_tells_who(client: TestClient) -> None:
    response = client.post("/api/auth/login", json={"username": "editor1", "password": PASSWORD})
    assert response.status_code == 200
    assert response.json() == {"username": "editor1", "role": "editor"}
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= flags
    # A browser-session cookie: nothing keeps it on disk past the browser (the server ends it anyway).
    assert not any(flag.startswith(("max-age", "expires")) for flag in flags)
    assert "secure" not in flags  # the settings' default, for development over http
    assert client.get("/api/auth/me").json() == {"username": "editor1", "role": "editor"}


def test_the_cookie_is_secure_when_the_settings_say_so(app: FastAPI, client: TestClient) -> None:
    settings = app.state.settings
    settings.cookie_secure = True
    try:
        response = client.post("/api/auth/login", json={"username": "staff1", "password": PASSWORD})
        token = response.cookies[SECURE_SESSION_COOKIE]
        plain = client.get("/api/auth/me", headers={"Cookie": f"{SESSION_COOKIE}={token}"})
        host = client.get("/api/auth/me", headers={"Cookie": f"{SECURE_SESSION_COOKIE}={token}"})
    finally:
        settings.cookie_secure = False
    cookie = response.headers["set-cookie"]
    # __Host-: browsers keep it only when Secure, for Path=/ and without a Domain (no subdomain can set it).
    assert cookie.startswith("__Host-gy_session=")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "path=/", "samesite=strict"} <= flags
    assert not any(flag.startswith(("domain", "max-age", "expires")) for flag in flags)
    # Only the __Host- cookie opens the session: a plain one planted over http is not read.
    assert plain.status_code == 401 and host.status_code == 200


def test_logout_ends_the_session_on_the_server(client: TestClient) -> None:
    assert login(client, "staff1") == 200
    token = client.cookies[SESSION_COOKIE]
    response = client.post("/api/auth/logout", json={})
    assert response.status_code == 204
    assert "max-age=0" in response.headers["set-cookie"].lower()
    assert client.get("/api/auth/me").status_code == 401
    client.cookies.set(SESSION_COOKIE, token)  # a copy of the old cookie opens nothing
    response = client.get("/api/auth/me")
    assert response.status_code == 401 and response.json() == {"detail": "登录已过期，请重新登录"}


def test_without_a_session_me_is_401(client: TestClient) -> None:
    response = client.get("/api/auth/me")
    assert response.status_code == 401 and response.json() == {"detail": "请先登录"}


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(client: TestClient) -> None:
    wrong = client.post("/api/auth/login", json={"username": "admin1", "password": "not the password"})
    unknown = client.post("/api/auth/login", json={"username": "ghost", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "用户名或密码不对"}
    assert "set-cookie" not in wrong.headers and "set-cookie" not in unknown.headers


def test_repeated_failures_pause_that_username_from_that_address(
    client: TestClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One fixed minute, so the count cannot straddle two windows.
    monkeypatch.setattr(limits_module, "time", SimpleNamespace(time=lambda: 1_800_000_000.0, monotonic=time.monotonic))
    app.state.container.accounts.create_user("target", PASSWORD, "staff")
    assert [login(client, "target", "guess number x") for _ in range(3)] == [401, 401, 401]
    response = client.post("/api/auth/login", json={"username": "target", "password": "guess number y"})
    assert response.status_code == 429 and response.json() == {"detail": "登录失败次数太多，请一分钟后再试"}
    assert login(client, "target") == 429  # even the right password waits
    assert login(client, "staff1") == 200  # other accounts are not locked out


@pytest.mark.parametrize("needed", ROLES)
@pytest.mark.parametrize("who", [None, *ROLES])
def test_role_checks(client: TestClient, who: str | None, needed: str) -> None:
    if who is not None:
        assert login(client, f"{who}1") == 200
    response = client.get(f"/test-only/{needed}")
    if who is None:
        expected = 401
    elif has_role(who, needed):
        expected = 200
    else:
        expected = 403
    assert response.status_code == expected, response.text
    if expected == 200:
        assert response.json() == {"username": f"{who}1"}
    else:
        assert set(response.json()) == {"detail"}


def test_state_changing_requests_must_be_json(client: TestClient) -> None:
    assert login(client, "admin1") == 200
    assert client.post("/test-only/editor", json={}).status_code == 200
    as_text = client.post("/test-only/editor", content="{}", headers={"Content-Type": "text/plain"})
    as_form = client.post("/test-only/editor", data={"a": "b"})
    assert as_text.status_code == as_form.status_code == 415
    assert set(as_text.json()) == {"detail"}
    assert client.get("/test-only/editor").status_code == 200  # reading needs no JSON
    sneaky_login = client.post(
        "/api/auth/login",
        content='{"username": "admin1", "password": "correct horse battery"}',
        headers={"Content-Type": "text/plain"},
    )
    assert sneaky_login.status_code == 415
    assert client.post("/api/auth/logout", data={"a": "b"}).status_code == 415


def test_create_admin_from_the_command_line_then_log_in(app: FastAPI, client: TestClient) -> None:
    command = [sys.executable, "-m", "api.staff", "create-admin", "Chief", "--password-stdin"]
    url = ["--url", app.state.settings.database_url]
    short = subprocess.run(
        command + url, input="too short\n", cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert short.returncode == 1 and "至少要 10 个字符" in short.stderr
    made = subprocess.run(
        command + url, input=f"{PASSWORD}\n", cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert made.returncode == 0, made.stderr
    assert "chief" in made.stdout
    assert login(client, "chief") == 200
    assert client.get("/test-only/admin").json() == {"username": "chief"}
