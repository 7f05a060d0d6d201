"""schemathesis against the app's own OpenAPI schema: no 500s, no response outside its schema.

The app runs as a real HTTP server (uvicorn in a thread) with the real searcher and
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
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.main import create_app
from api.settings import ApiSettings
from deploy.local_cluster import free_port
from knowledge.search import Searcher
from tests.standins import STANDIN_JWT_SECRET, RasaStandIn

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, searcher: Searcher) -> Iterator[str]:
    scratch = Path(tmp_path_factory.mktemp("fuzz"))
    with RasaStandIn() as rasa:
        app_settings = ApiSettings(
            database_url=f"sqlite:///{scratch / 'api.db'}",
            pii_key_file=str(scratch / "pii.key"),
            rasa_urls=rasa.url,
            rasa_jwt_secret=STANDIN_JWT_SECRET,
            actions_token="fuzz-token",
            channel_api_keys="fuzz-key",
            rate_per_minute=100_000,
        )
        port = free_port()
        config = uvicorn.Config(create_app(app_settings, searcher), host="127.0.0.1", port=port, log_level="warning")
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
        yield url
        running.should_exit = True
        thread.join(timeout=10)


def operations(server: str) -> list[Any]:
    schema = schemathesis.openapi.from_url(f"{server}/openapi.json")
    found = []
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            raise AssertionError(f"the app's schema is invalid: {result}")
        found.append(result.ok())
    return found


def test_no_server_errors_and_responses_match_the_schema(server: str) -> None:
    # schemathesis' pytest plugin does not run on pytest 9; its strategies under hypothesis do.
    checked = []
    for operation in operations(server):

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def call(case: Any) -> None:
            case.call_and_validate(base_url=server, checks=[not_a_server_error, response_schema_conformance])

        call()
        checked.append(f"{operation.method.upper()} {operation.path}")
    assert "POST /api/web/messages" in checked and "GET /api/web/history" in checked
