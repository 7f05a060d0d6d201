"""Login limits and password checks: what a burst of guesses or of hashing can get.

The counting itself (api/staff/login_limits.py) on in-process memory and on a real Redis
shared by two "processes"; then through the app: a burst of concurrent logins, the right
password inside a refused burst, the bound on concurrent argon2 checks; and through a real
uvicorn, whether a forged X-Forwarded-For can change the address that is counted.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.conversations import limits as limits_module
from api.conversations.limits import Limits
from api.main import create_app
from api.settings import ApiSettings, InsecureSettings
from api.staff.login_limits import LoginLimits
from api.staff.passwords import PasswordChecks
from knowledge.loader import PROJECT_ROOT
from knowledge.search import Searcher
from tests.support.browser import create_user, running_api
from tests.support.redis_db import emptied, redis_db_url
from tests.support.settings import settings_for

REDIS_TEST_URL = redis_db_url(10)  # this file's own database numbers: 10, 11, … per worker
PASSWORD = "burst-test-passphrase"


# ---- the counts ----


class Clock:
    """A stand-in for the limits' clock: time moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(limits_module, "time", fake)
    return fake


@pytest.fixture(scope="module")
def redis_db() -> Iterator[str]:
    with emptied(REDIS_TEST_URL) as url:
        yield url


def limits_on(where: str, redis_url: str, prefix: str) -> Limits:
    return Limits(redis_url if where == "redis" else "", prefix=prefix)


@pytest.fixture(params=["memory", "redis"])
def where(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_a_burst_is_counted_before_any_check_so_only_the_allowed_number_pass(where: str, redis_db: str) -> None:
    prefix = f"t-{uuid.uuid4().hex}:"

    async def burst() -> list[bool]:
        # Two api processes on Redis, one in memory: the ceiling holds over all of them.
        processes = [limits_on(where, redis_db, prefix) for _ in range(2 if where == "redis" else 1)]
        guards = [LoginLimits(limits, per_pair=5, per_account=100, per_address=100) for limits in processes]
        try:
            answers = await asyncio.gather(*(guards[n % len(guards)].admit("lisi", "1.2.3.4") for n in range(50)))
        finally:
            for limits in processes:
                await limits.close()
        return [answer is None for answer in answers]

    admitted = asyncio.run(burst())
    assert sum(admitted) == 5


def test_one_username_from_many_addresses_locks_it_for_longer_each_time(clock: Clock) -> None:
    async def scenario() -> None:
        guard = LoginLimits(Limits(""), per_pair=5, per_account=4, per_address=100)
        assert [await guard.admit("lisi", f"10.0.0.{n}") for n in range(4)] == [None] * 4
        refused = await guard.admit("lisi", "10.0.0.99")
        assert refused is not None and refused.retry_after_s == 60 and "1 分钟" in refused.message
        # Locked for everyone, the owner's right password included, and signing in elsewhere clears nothing.
        await guard.take_back("lisi", "10.0.0.200")
        assert await guard.admit("lisi", "10.0.0.200") is not None
        clock.now += 61
        # The next four attempts are allowed again; the fifth locks for twice as long.
        assert [await guard.admit("lisi", f"10.0.1.{n}") for n in range(4)] == [None] * 4
        second = await guard.admit("lisi", "10.0.1.99")
        assert second is not None and second.retry_after_s == 120
        clock.now += 61
        assert await guard.admit("lisi", "10.0.2.1") is not None  # still locked: 120 s
        clock.now += 60
        assert await guard.admit("lisi", "10.0.2.1") is None
        assert await guard.admit("wangwu", "10.0.0.1") is None  # another account is not touched

    asyncio.run(scenario())


def test_a_success_takes_back_only_its_own_attempt(clock: Clock) -> None:
    async def scenario() -> None:
        guard = LoginLimits(Limits(""), per_pair=3, per_account=100, per_address=100)
        for _ in range(10):  # the owner signing in often is never limited
            assert await guard.admit("lisi", "10.0.0.1") is None
            await guard.take_back("lisi", "10.0.0.1")
        for _ in range(3):  # failures stay counted, whatever success follows
            assert await guard.admit("lisi", "10.0.0.1") is None
        await guard.take_back("lisi", "10.0.0.1")
        assert await guard.admit("lisi", "10.0.0.1") is None
        assert await guard.admit("lisi", "10.0.0.1") is not None

    asyncio.run(scenario())


def test_taking_back_an_attempt_works_on_both_stores_and_never_makes_a_counter(where: str, redis_db: str) -> None:
    async def scenario() -> list[int]:
        limits = limits_on(where, redis_db, f"t-{uuid.uuid4().hex}:")
        try:
            await limits.uncount("never-counted")  # no counter appears (a Redis DECR would make one, forever)
            counts = [await limits.count("k", 60) for _ in range(3)]
            await limits.uncount("k")
            counts.append(await limits.count("k", 60))
            counts.append(await limits.count("never-counted", 60))
            return counts
        finally:
            await limits.close()

    assert asyncio.run(scenario()) == [1, 2, 3, 3, 1]


def test_one_address_trying_many_usernames_is_stopped(where: str, redis_db: str) -> None:
    async def spray() -> list[bool]:
        limits = limits_on(where, redis_db, f"t-{uuid.uuid4().hex}:")
        guard = LoginLimits(limits, per_pair=5, per_account=20, per_address=10)
        try:
            return [await guard.admit(f"user{n}", "10.9.8.7") is None for n in range(15)]
        finally:
            await limits.close()

    assert asyncio.run(spray()) == [True] * 10 + [False] * 5


def test_a_lockout_holds_across_processes_on_redis(redis_db: str) -> None:
    async def scenario() -> None:
        prefix = f"t-{uuid.uuid4().hex}:"
        one, two = Limits(redis_db, prefix=prefix), Limits(redis_db, prefix=prefix)
        first = LoginLimits(one, per_pair=5, per_account=3, per_address=100)
        second = LoginLimits(two, per_pair=5, per_account=3, per_address=100)
        try:
            assert [await first.admit("lisi", f"10.0.0.{n}") for n in range(3)] == [None] * 3
            assert await first.admit("lisi", "10.0.0.9") is not None
            assert await second.admit("lisi", "10.0.5.5") is not None
        finally:
            await one.close()
            await two.close()

    asyncio.run(scenario())


# ---- through the app ----


class GatedHasher(PasswordHasher):
    """A cheap hasher whose checks wait at a gate, and which knows how many ran at once."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.gate = threading.Event()
        self.gate.set()
        self.lock = threading.Lock()
        self.entered = 0
        self.running = 0
        self.peak = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with self.lock:
            self.entered += 1
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            self.gate.wait(15)
            return super().verify(hash, password)
        finally:
            with self.lock:
                self.running -= 1


def app_client(tmp_path: Path, searcher: Searcher, **extra: Any) -> TestClient:
    settings = settings_for(tmp_path, "http://127.0.0.1:9", login_attempts_per_address=10_000, **extra)
    return TestClient(create_app(settings, searcher=searcher))


def gate(client: TestClient, *usernames: str, slots: int | None = None) -> GatedHasher:
    """The app's hasher made a GatedHasher; ``slots`` widens the bound on checks (when another thing is tested)."""
    hasher = GatedHasher()
    accounts = client.app.state.container.accounts  # type: ignore[attr-defined]
    accounts.hasher = hasher
    if slots is not None:
        accounts.checks = PasswordChecks(slots)
    for name in usernames:
        accounts.create_user(name, PASSWORD, "staff")
    return hasher


def post_login(client: TestClient, username: str, password: str) -> tuple[int, dict[str, str], Any]:
    response = client.post("/api/auth/login", json={"username": username, "password": password})
    return response.status_code, dict(response.headers), response.json()


def wait_until(check: Any, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_a_burst_of_fifty_logins_gets_only_five_passwords_checked(tmp_path: Path, standin_searcher: Searcher) -> None:
    with app_client(tmp_path, standin_searcher, login_failures_per_minute=5) as client:
        hasher = gate(client, "target", slots=10)
        hasher.gate.clear()
        with ThreadPoolExecutor(max_workers=50) as pool:
            futures = [pool.submit(post_login, client, "target", f"guess {n}") for n in range(50)]
            # While the checked ones wait at the gate, the rest must already have their answer.
            wait_until(lambda: sum(f.done() for f in futures) >= 45, timeout_s=10)
            checked_while_held = hasher.entered
            hasher.gate.set()
            statuses = sorted(f.result()[0] for f in futures)
    assert checked_while_held == 5
    assert statuses == [401] * 5 + [429] * 45
    assert hasher.entered == 5


def test_the_right_password_inside_a_refused_burst_is_refused(tmp_path: Path, standin_searcher: Searcher) -> None:
    with app_client(tmp_path, standin_searcher, login_failures_per_minute=5) as client:
        hasher = gate(client, "target", slots=10)
        hasher.gate.clear()
        with ThreadPoolExecutor(max_workers=6) as pool:
            guesses = [pool.submit(post_login, client, "target", f"guess {n}") for n in range(5)]
            wait_until(lambda: hasher.entered >= 5)
            right: Future[tuple[int, dict[str, str], Any]] = pool.submit(post_login, client, "target", PASSWORD)
            wait_until(right.done, timeout_s=5)
            hasher.gate.set()
            status, headers, body = right.result()
            assert [g.result()[0] for g in guesses] == [401] * 5
    assert status == 429 and body == {"detail": "登录失败次数太多，请一分钟后再试"}
    assert 0 < int(headers["retry-after"]) <= 60
    assert hasher.entered == 5  # the right password was never checked


def test_a_lockout_is_in_the_admins_audit(tmp_path: Path, standin_searcher: Searcher) -> None:
    # Before, the only trace was a log line without the account: nobody could see who was attacked.
    with app_client(tmp_path, standin_searcher, login_failures_per_minute=100, login_attempts_per_account=3) as client:
        gate(client, "target", slots=4).gate.set()
        statuses = [post_login(client, "target", f"guess {n}")[0] for n in range(5)]
        post_login(client, "nobody-has-this-name", "guess")
        audit = client.app.state.container.accounts.audit()  # type: ignore[attr-defined]
    assert statuses == [401, 401, 401, 429, 429]
    lockouts = [entry for entry in audit if entry.action == "lockout"]
    assert [(entry.username, entry.actor) for entry in lockouts] == [("target", "系统")]
    assert "暂停 1 分钟" in lockouts[0].note


def test_concurrent_password_checks_never_exceed_the_bound(tmp_path: Path, standin_searcher: Searcher) -> None:
    names = [f"user{n}" for n in range(12)]
    with app_client(tmp_path, standin_searcher, password_checks=2) as client:
        hasher = gate(client, *names)
        hasher.gate.clear()
        with ThreadPoolExecutor(max_workers=12) as pool:
            futures = [pool.submit(post_login, client, name, PASSWORD) for name in names]
            wait_until(lambda: sum(f.done() for f in futures) >= 10, timeout_s=10)
            refused_at_once = [f.result() for f in futures if f.done()]
            hasher.gate.set()
            answers = [f.result() for f in futures]
    assert hasher.peak == 2 and hasher.entered == 2  # the refused ones were never hashed
    assert len(refused_at_once) == 10
    for status, headers, body in refused_at_once:
        assert status == 503 and headers["retry-after"] == "3" and body == {"detail": "现在登录的人太多，请过几秒再试"}
    assert sorted(status for status, _, _ in answers) == [200] * 2 + [503] * 10


def test_passwords_are_hashed_with_owasp_parameters_and_old_hashes_are_redone(
    tmp_path: Path, standin_searcher: Searcher
) -> None:
    with app_client(tmp_path, standin_searcher) as client:
        accounts = client.app.state.container.accounts  # type: ignore[attr-defined]
        strong = accounts.hasher
        accounts.hasher = PasswordHasher()  # argon2-cffi's default: 64 MiB, 4 lanes
        accounts.create_user("lisi", PASSWORD, "staff")
        accounts.hasher = strong
        assert post_login(client, "lisi", PASSWORD)[0] == 200
        with accounts.sessions() as session:
            kept = session.execute(text("select password_hash from users")).scalar_one()
    assert kept.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


# ---- the address that is counted ----


def compose_forwarded_allow_ips() -> str:
    compose = yaml.safe_load((PROJECT_ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
    return str(compose["x-api"]["environment"]["FORWARDED_ALLOW_IPS"])


def failures_with_forged_addresses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trusted: str) -> list[int]:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", trusted)
    monkeypatch.setenv("API_LOGIN_FAILURES_PER_MINUTE", "3")
    database = f"sqlite:///{tmp_path / 'api.db'}"
    create_user(database, "target", PASSWORD)
    with running_api(tmp_path, "http://127.0.0.1:9", database) as base:
        statuses = []
        for n in range(6):
            url = f"{base}/api/auth/login"
            statuses.append(post_json_forged(url, {"username": "target", "password": f"guess {n}"}, f"203.0.113.{n}"))
        return statuses


def post_json_forged(url: str, body: dict[str, str], forwarded_for: str) -> int:
    headers = {"Content-Type": "application/json", "X-Forwarded-For": forwarded_for}
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_a_forged_x_forwarded_for_does_not_change_the_counted_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The deployment's setting: only the proxy may name the client; this test's requests come from 127.0.0.1.
    trusted = compose_forwarded_allow_ips()
    assert "*" not in trusted and "127.0.0.1" not in trusted
    assert failures_with_forged_addresses(tmp_path, monkeypatch, trusted) == [401] * 3 + [429] * 3


def test_the_proxys_x_forwarded_for_is_the_counted_address(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The other side: from the trusted proxy, each forwarded address is counted on its own.
    assert failures_with_forged_addresses(tmp_path, monkeypatch, "127.0.0.1") == [401] * 6


def test_production_refuses_to_trust_every_address_as_a_proxy() -> None:
    production: dict[str, Any] = {
        "env": "production",
        "actions_token": "k3Jq9vXz2LmP8rTb",
        "rasa_jwt_secret": "Qz8vN2kLp5rT9wXb3mJc7yHd4gFs6aRu",
        "pii_key": "Vb7nM3kQ9pLz2xRt",
        "cookie_secure": True,
    }
    # The variable uvicorn reads, under its own name.
    with pytest.raises(InsecureSettings, match="FORWARDED_ALLOW_IPS"):
        ApiSettings.model_validate({**production, "FORWARDED_ALLOW_IPS": "*"})
    proxy_only = ApiSettings.model_validate({**production, "FORWARDED_ALLOW_IPS": "172.31.250.10"})
    assert proxy_only.forwarded_allow_ips == "172.31.250.10"


def test_no_deployment_trusts_every_address_as_a_proxy() -> None:
    configmaps = yaml.safe_load_all((PROJECT_ROOT / "deploy" / "k8s" / "10-configmap.yaml").read_text(encoding="utf-8"))
    k8s = next(doc["data"]["FORWARDED_ALLOW_IPS"] for doc in configmaps if doc["metadata"]["name"] == "gongyou-api")
    for trusted in (k8s, compose_forwarded_allow_ips()):
        assert trusted and "*" not in trusted
