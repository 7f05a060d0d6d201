"""schemathesis against the app's own OpenAPI schema: no 500s, no response outside its schema.

Every answer is checked against the schema: its body (response_schema_conformance) and its
media type (content_type_conformance), for each status the operation documents. The calls go
in signed in, so the console's, the quality pages' and the editors' answers are checked too,
not only their 401s: reads as an editor (who may read everything), writes as a staff member
(so that generated calls never publish, retire or roll back the knowledge; they get 403).

The app runs as a real HTTP server (uvicorn in a thread) with the real standin_searcher and
stores; Rasa is the stand-in, so thousands of generated requests stay fast.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from api.main import create_app
from api.settings import ApiSettings
from api.staff.auth import SESSION_COOKIE
from deploy.local_cluster import free_port
from knowledge.search import Searcher
from tests.support.standins import STANDIN_JWT_SECRET, RasaStandIn

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
READER = ("fuzz-editor", "fuzz-editor-password-1", "editor")
WRITER = ("fuzz-staff", "fuzz-staff-password-1", "staff")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, standin_searcher: Searcher) -> Iterator[str]:
    scratch = Path(tmp_path_factory.mktemp("fuzz"))
    with RasaStandIn() as rasa:
        app_settings = ApiSettings(
            database_url=f"sqlite:///{scratch / 'api.db'}",
            pii_key_file=str(scratch / "pii.key"),
            rasa_urls=rasa.url,
            rasa_jwt_secret=STANDIN_JWT_SECRET,
            actions_token="fuzz-token",
            channel_api_keys="fuzz-key:hotline|wecom",
            rate_per_minute=100_000,
        )
        port = free_port()
        app = create_app(app_settings, standin_searcher)
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        running = uvicorn.Server(config)
        thread = threading.Thread(target=running.run, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        seed(app, url)
        yield url
        running.should_exit = True
        thread.join(timeout=10)


def seed(app: Any, url: str) -> None:
    """Accounts to sign in with, and a conversation, so that the console's lists are not empty."""
    for username, password, role in (READER, WRITER):
        app.state.container.accounts.create_user(username, password, role)
    for text in ("老板欠我工资不给怎么办", "转人工"):
        sent = httpx.post(f"{url}/api/web/messages", json={"session_id": "fuzz-worker-01", "text": text}, timeout=30)
        assert sent.status_code == 200, sent.text


def signed_in(url: str, account: tuple[str, str, str]) -> dict[str, str]:
    """A fresh session's cookie header (a generated logout may end the previous one)."""
    username, password, _ = account
    response = httpx.post(f"{url}/api/auth/login", json={"username": username, "password": password}, timeout=30)
    assert response.status_code == 200, response.text
    return {"Cookie": f"{SESSION_COOKIE}={response.cookies[SESSION_COOKIE]}"}


def operations(server: str) -> list[Any]:
    schema = schemathesis.openapi.from_url(f"{server}/openapi.json")
    found = []
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            raise AssertionError(f"the app's schema is invalid: {result}")
        found.append(result.ok())
    return found


def fuzz(operation: Any, server: str) -> set[int]:
    """Generated calls to one operation, each checked; the statuses they were answered with."""
    cookie = signed_in(server, READER if operation.method.upper() == "GET" else WRITER)
    statuses: set[int] = set()

    @given(case=operation.as_strategy())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def call(case: Any) -> None:
        response = case.call_and_validate(base_url=server, headers=cookie, checks=CHECKS)
        statuses.add(response.status_code)

    call()
    return statuses


def test_no_server_errors_and_responses_match_the_schema(server: str) -> None:
    # schemathesis' pytest plugin does not run on pytest 9; its strategies under hypothesis do.
    statuses = {f"{op.method.upper()} {op.path}": fuzz(op, server) for op in operations(server)}
    checked = list(statuses)
    assert "POST /api/web/messages" in checked and "GET /api/web/history" in checked
    # Signed in, the console's and the editors' reads were answered, and so checked against the schema.
    for read in ("GET /api/console/queue", "GET /api/console/quality/figures", "GET /api/admin/entries"):
        assert 200 in statuses[read], (read, statuses[read])
