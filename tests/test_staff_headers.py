"""What the staff pages' answers tell browsers and caches (issue 14 item 11).

No cache may keep what staff see or a worker's history (Cache-Control: no-store on every
/api/console, /api/admin, /api/auth and /api/web/history answer, errors included), and a
site served over HTTPS tells browsers never to try plain http (HSTS).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from knowledge.search import Searcher
from tests.support.settings import settings_for

PASSWORD = "headers-test-passphrase"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, standin_searcher: Searcher) -> Iterator[TestClient]:
    tmp = Path(tmp_path_factory.mktemp("headers"))
    with TestClient(create_app(settings_for(tmp, "http://127.0.0.1:9"), standin_searcher)) as test_client:
        test_client.app.state.container.accounts.create_user("boss", PASSWORD, "admin")  # type: ignore[attr-defined]
        yield test_client


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/auth/me"),
        ("POST", "/api/auth/login"),
        ("GET", "/api/console/queue"),
        ("GET", "/api/console/quality/figures"),
        ("GET", "/api/admin/entries"),
        ("GET", "/api/admin/accounts"),
        ("GET", "/api/web/history?session_id=0123456789abcdef0123456789abcdef"),
    ],
)
def test_staff_and_history_answers_are_never_cached(client: TestClient, method: str, path: str) -> None:
    client.cookies.clear()
    anonymous = client.request(method, path, json={"username": "boss", "password": "wrong guess!"})
    assert anonymous.headers.get("cache-control") == "no-store", (path, anonymous.status_code)
    signed = client.post("/api/auth/login", json={"username": "boss", "password": PASSWORD})
    assert signed.status_code == 200 and signed.headers.get("cache-control") == "no-store"
    if method == "GET":
        answer = client.get(path)
        assert answer.status_code < 500 and answer.headers.get("cache-control") == "no-store", path


def test_public_assets_keep_their_own_caching(client: TestClient) -> None:
    page = client.get("/console/login")
    assert page.status_code == 200 and page.headers.get("cache-control") != "no-store"


def test_hsts_only_where_the_site_is_served_over_https(client: TestClient) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    assert "strict-transport-security" not in client.get("/healthz").headers  # development over http
    settings.cookie_secure = True
    try:
        hsts = client.get("/healthz").headers.get("strict-transport-security", "")
    finally:
        settings.cookie_secure = False
    directives = {part.strip().split("=")[0]: part.strip() for part in hsts.split(";")}
    assert "includeSubDomains" in directives
    assert int(directives["max-age"].split("=")[1]) >= 365 * 24 * 3600
