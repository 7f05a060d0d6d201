"""Operations: metrics, readiness, structured logs, the retention purge and production mode.

The real-process counterparts (PostgreSQL restarted, Rasa's PostgreSQL tracker store
purged) are in test_faults.py.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.cases.store import CaseStore, WageIntake
from api.conversations import limits as limits_module
from api.conversations.history import History, StoredMessage
from api.conversations.limits import Limits
from api.conversations.rasa_auth import RasaToken, mint
from api.conversations.web_sessions import SessionPolicy, WebSessions
from api.handoff.store import HandoffStore
from api.main import create_app
from api.privacy.retention import Retention, RetentionDays
from api.privacy.tracker_retention import TrackerRetention
from api.privacy.vault import Cipher, PiiVault
from api.settings import ApiSettings, InsecureSettings, check, insecure_settings
from api.staff.accounts import AccountStore
from knowledge.loader import PROJECT_ROOT
from knowledge.search import Searcher
from tests.support.databases import migrated
from tests.support.private_services import PrivateRedis
from tests.support.standins import STANDIN_JWT_SECRET, RasaStandIn

PHONE = "13912345678"
STRONG = "k3J9x-Qe7LmZ2pR8vT4wY6uB1nC5dF0g"
FERNET = "mF3v0hKq3y8m8b2dUQvFQeZ6xj8Yp2Hn0tXqL1c9a2E="


# --- metrics and readiness -------------------------------------------------------------------


@pytest.fixture()
def client(tmp_path: Path, standin_searcher: Searcher) -> Iterator[TestClient]:
    with RasaStandIn() as rasa:
        settings = ApiSettings(
            database_url=f"sqlite:///{tmp_path / 'api.db'}",
            pii_key_file=str(tmp_path / "pii.key"),
            rasa_urls=rasa.url,
            rasa_jwt_secret=STANDIN_JWT_SECRET,
        )
        with TestClient(create_app(settings, standin_searcher)) as test_client:
            yield test_client


def test_metrics_count_turns_and_requests_by_route_without_personal_data(client: TestClient) -> None:
    session = "metrics-session-0001"
    reply = client.post("/api/web/messages", json={"session_id": session, "text": f"我电话{PHONE}，老板欠薪"})
    assert reply.status_code == 200
    client.post("/api/web/messages", json={"session_id": session, "text": ""})
    body = client.get("/metrics").text
    assert 'gongyou_turns_total{channel="web",outcome="answered"} 2.0' in body
    assert 'gongyou_rasa_seconds_count{ok="yes",' in body
    assert 'route="/api/web/messages",status="200"' in body
    assert "gongyou_knowledge_version" in body
    assert session not in body and PHONE not in body and "欠薪" not in body


def test_readiness_needs_the_database(client: TestClient) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] is True
    cases = client.app.state.container.cases  # type: ignore[attr-defined]
    working = cases.engine
    cases.engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none", connect_args={"connect_timeout": 1})
    try:
        down = client.get("/readyz")
        assert down.status_code == 503 and down.json()["database"] is False
        assert client.get("/healthz").status_code == 200  # alive: no restart for a database outage
    finally:
        cases.engine = working


# --- structured logs -------------------------------------------------------------------------


def test_json_logs_are_one_object_per_line_and_redacted() -> None:
    program = (
        "import logging\n"
        "from api.ops.log_format import configure\n"
        "from api.privacy.redact import install_log_redaction\n"
        "configure('json'); install_log_redaction()\n"
        f"logging.getLogger('api.test').warning('工友留了电话 {PHONE}')\n"
    )
    done = subprocess.run([sys.executable, "-c", program], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert len(lines) == 1, done.stderr
    assert lines[0]["level"] == "WARNING" and lines[0]["logger"] == "api.test"
    assert "工友留了电话" in lines[0]["message"] and PHONE not in done.stderr


# --- retention -------------------------------------------------------------------------------


def intake() -> WageIntake:
    return WageIntake("工程建设", "某工地", "太原市", "三个月", "两万", 20000, 3, [], "", "", [])


def test_retention_deletes_old_conversations_and_cases_and_keeps_recent_ones(tmp_path: Path) -> None:
    url = migrated(f"sqlite:///{tmp_path / 'api.db'}")
    history, handoffs, cases = History(url), HandoffStore(url), CaseStore(url)
    now = datetime.now(UTC)
    history.add("web:old", "web", [StoredMessage(role="user", text="旧的", at=now - timedelta(days=200))])
    history.add("web:new", "web", [StoredMessage(role="user", text="新的", at=now - timedelta(days=5))])
    # A long conversation that is still going: its old messages stay with it.
    history.add("web:long", "web", [StoredMessage(role="user", text="开头", at=now - timedelta(days=400))])
    history.add("web:long", "web", [StoredMessage(role="user", text="最近", at=now - timedelta(days=1))])
    handoffs.touch("web:old", "web", "旧的")
    case = cases.create(intake(), "web:old")

    assert history.purge_before(180, now=now) == 1
    assert history.messages("web:old") == [] and len(history.messages("web:long")) == 2
    assert [m.text for m in history.messages("web:new")] == ["新的"]
    assert handoffs.purge_before(180, now=now + timedelta(days=181)) == 1 and handoffs.get("web:old") is None
    assert cases.purge_cases(1095, now=now + timedelta(days=1000)) == 0
    assert cases.find(text=case.case_number) != []
    assert cases.purge_cases(1095, now=now + timedelta(days=1096)) == 1
    assert cases.find(text=case.case_number) == []


def test_the_hourly_purge_reaches_every_store(tmp_path: Path) -> None:
    url = migrated(f"sqlite:///{tmp_path / 'api.db'}")
    long_ago = datetime.now(UTC) - timedelta(days=400)
    history, handoffs = History(url), HandoffStore(url)
    web_sessions = WebSessions(url, history, SessionPolicy(), clock=lambda: long_ago)
    history.add("web:ended", "web", [StoredMessage(role="user", text="结束前", at=long_ago)])
    web_sessions.end("web:ended")
    retention = Retention(
        RetentionDays(pii=180, conversations=180, cases=1095),
        CaseStore(url),
        PiiVault(url, Cipher(Fernet.generate_key())),
        AccountStore(url),
        history,
        handoffs,
        WebSessions(url, history, SessionPolicy()),
        trackers=None,
    )
    purged = retention.purge()
    assert purged["messages"] == 1 and purged["ended_conversations"] == 1
    assert set(purged) >= {"vault", "case_contacts", "cases", "conversation_states", "sessions"}


def test_tracker_retention_deletes_whole_quiet_conversations(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    assert TrackerRetention(url).purge_before(30) == 0  # Rasa has not made its table yet
    engine = create_engine(url)
    now = datetime.now(UTC).timestamp()
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, timestamp REAL)"))
        for sender, age_days in (("old", 40), ("old", 35), ("busy", 90), ("busy", 1), ("new", 2)):
            connection.execute(
                text("INSERT INTO events (sender_id, timestamp) VALUES (:s, :t)"),
                {"s": sender, "t": now - age_days * 86400},
            )
    assert TrackerRetention(url).purge_before(30) == 2
    with engine.connect() as connection:
        left = sorted(r[0] for r in connection.execute(text("SELECT sender_id FROM events")))
    assert left == ["busy", "busy", "new"]


# --- production mode and Rasa's tokens -------------------------------------------------------


def production(**overrides: object) -> ApiSettings:
    values: dict[str, object] = {
        "env": "production",
        "actions_token": STRONG,
        "rasa_jwt_secret": STRONG[::-1],
        "pii_key": FERNET,
        "cookie_secure": True,
    }
    return ApiSettings(**(values | overrides))  # type: ignore[arg-type]


def test_production_accepts_real_secrets() -> None:
    assert insecure_settings(production()) == []
    check(production())


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"actions_token": ""}, "API_ACTIONS_TOKEN"),
        ({"rasa_jwt_secret": "change-me-please-now-123"}, "API_RASA_JWT_SECRET"),
        ({"rasa_jwt_secret": "k3J9x-Qe7LmZ2pR8vT4wY6u"}, "API_RASA_JWT_SECRET"),  # random, but short for HS256
        ({"pii_key": "<your fernet key here>......"}, "API_PII_KEY"),
        ({"actions_token": "short1"}, "API_ACTIONS_TOKEN"),
        ({"actions_token": "a" * 40}, "API_ACTIONS_TOKEN"),
        ({"wechat_app_id": "wx0123456789abcdef", "wechat_token": "token"}, "API_WECHAT_TOKEN"),
        ({"channel_api_keys": f"{STRONG}:wecom,example-key-123456789:hotline"}, "API_CHANNEL_API_KEYS"),
        # A key bound to no source: production refuses to guess what it is for.
        ({"channel_api_keys": f"{STRONG}:wecom,{STRONG[::-1]}"}, "API_CHANNEL_API_KEYS"),
        ({"cookie_secure": False}, "API_COOKIE_SECURE"),
    ],
)
def test_production_refuses_placeholders_and_names_them_without_values(
    overrides: dict[str, object], named: str
) -> None:
    with pytest.raises(InsecureSettings) as refused:  # the settings themselves do not validate
        create_app(production(**overrides))
    assert named in str(refused.value)
    for value in overrides.values():
        if isinstance(value, str) and len(value) > 3:
            assert value not in str(refused.value)


def test_development_mode_starts_without_secrets() -> None:
    check(ApiSettings(env="development"))


def test_rasa_tokens_are_signed_short_lived_and_renewed() -> None:
    claims = jwt.decode(mint(STRONG), STRONG, algorithms=["HS256"])
    assert claims["user"]["role"] == "admin" and claims["exp"] - claims["iat"] == 300
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(mint(STRONG, now=datetime.now(UTC).timestamp() - 400), STRONG, algorithms=["HS256"])
    token = RasaToken(STRONG)
    first = token.header()
    assert token.header() == first  # reused while fresh
    token._expires = 0  # as if five minutes had passed
    assert token.header()["Authorization"].startswith("Bearer ")
    with pytest.raises(ValueError, match="API_RASA_JWT_SECRET"):
        RasaToken("")


# --- Redis: fail fast, recover by itself -----------------------------------------------------


def test_limits_fail_fast_without_redis_and_use_it_again_at_once_after_a_restart() -> None:
    server = PrivateRedis()
    server.start()
    limits = Limits(server.target.url)

    async def scenario() -> None:
        await asyncio.gather(*(limits.claim(f"warm-{i}", 30) for i in range(5)))  # several pooled connections
        server.stop()
        started = time.monotonic()
        assert await limits.claim("while-down", 30)  # answered in-process
        assert time.monotonic() - started < 1.5
        server.start()
        await asyncio.sleep(limits_module.REDIS_RETRY_S + 0.5)
        # Every pooled connection died with the old server: none of them may send us back in-process.
        for i in range(6):
            assert await limits.claim(f"after-{i}", 30)
            assert limits._use_redis() is not None
        assert await limits.claim_state("after-0") == "working"
        await limits.close()

    try:
        asyncio.run(scenario())
    finally:
        server.stop()


# --- security headers on every answer ----------------------------------------------------------


def test_every_answer_carries_the_security_headers_and_the_csp(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["paths"]
    in_schema = [path for path, ops in schema.items() if "get" in ops and "{" not in path]
    pages = ["/", "/static/widget.js", "/console", "/console/login", "/console/admin", "/console/static/console.css"]
    paths = [*in_schema, *pages, "/metrics", "/openapi.json"]
    assert {"/healthz", "/readyz", "/api/web/history", "/api/console/queue"} <= set(paths)
    for path in [*paths, "/no-such-page", "/static/../../etc/passwd"]:
        response = client.get(path)
        if path in ("/docs", "/redoc"):
            continue  # development only: FastAPI's docs load Swagger UI from a CDN
        headers = response.headers
        assert headers["content-security-policy"].startswith("default-src 'self'"), path
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] == "no-referrer", path


def test_production_serves_no_interactive_docs() -> None:
    app = create_app(production())
    assert app.docs_url is None and app.redoc_url is None
    assert app.openapi_url == "/openapi.json"  # the schema stays, for partners and schemathesis
