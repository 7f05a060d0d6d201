"""Every staff and office endpoint × every role: who may do what (401 / 403 / allowed).

Built from the app's own routes, so a new endpoint under /api/console or /api/admin is
covered the day it is added.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from knowledge.search import Searcher
from tests.support.settings import settings_for
from tests.support.standins import RasaStandIn

# The first prefix that matches decides (the accounts admin is for admins only).
NEEDS = {"/api/console/": "staff", "/api/admin/accounts": "admin", "/api/admin/": "editor"}
RANK = {"anonymous": 0, "staff": 1, "editor": 2, "admin": 3}
PASSWORD = "role-test-password"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, standin_searcher: Searcher) -> Iterator[TestClient]:
    tmp = Path(tmp_path_factory.mktemp("roles"))
    with RasaStandIn() as rasa, TestClient(create_app(settings_for(tmp, rasa.url), standin_searcher)) as test_client:
        for role in ("staff", "editor", "admin"):
            test_client.app.state.container.accounts.create_user(f"user-{role}", PASSWORD, role)  # type: ignore[attr-defined]
        yield test_client


def protected_routes(client: TestClient) -> list[tuple[str, str, str]]:
    """(method, path, role needed) of every documented route under the staff and office prefixes."""
    found = []
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        needed = next((role for prefix, role in NEEDS.items() if path.startswith(prefix)), None)
        if needed:
            found += [(method.upper(), path, needed) for method in sorted(operations)]
    return found


def concrete(path: str) -> str:
    # Placeholders get values that exist or not: the role check comes before any lookup.
    path = path.replace("{metric}", "messages")
    return re.sub(r"\{[^}]+\}", "x", path)


@pytest.mark.parametrize("role", ["anonymous", "staff", "editor", "admin"])
def test_each_role_reaches_exactly_its_endpoints(client: TestClient, role: str) -> None:
    client.cookies.clear()
    if role != "anonymous":
        signed = client.post("/api/auth/login", json={"username": f"user-{role}", "password": PASSWORD})
        assert signed.status_code == 200
    routes = protected_routes(client)
    assert len(routes) >= 20  # the console, quality and admin APIs
    for method, path, needed in routes:
        response = client.request(method, concrete(path), json={})
        if role == "anonymous":
            assert response.status_code == 401, (role, method, path)
        elif RANK[role] < RANK[needed]:
            assert response.status_code == 403, (role, method, path)
        else:
            assert response.status_code not in (401, 403), (role, method, path, response.text)
