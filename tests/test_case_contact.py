"""显示电话: staff can read a case's phone to call the worker back, audited, limited, never cached
or logged, and no other answer carries it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.cases.store import WageIntake
from api.main import create_app
from api.staff.accounts import AccountStore
from knowledge.search import Searcher
from tests.support.settings import settings_for
from tests.support.standins import RasaStandIn

PHONE = "13812345678"
MASKED = "138****5678"


@pytest.fixture()
def client(tmp_path: Path, standin_searcher: Searcher) -> Iterator[TestClient]:
    with (
        RasaStandIn() as rasa,
        TestClient(create_app(settings_for(tmp_path, rasa.url, contact_views_per_minute=5), standin_searcher)) as c,
    ):
        container = c.app.state.container  # type: ignore[attr-defined]
        container.accounts.create_user("wang", "wang-password-1", "staff")
        container.accounts.create_user("li", "li-password-22", "staff")
        yield c


def a_case(client: TestClient, phone: str = PHONE) -> str:
    container = client.app.state.container  # type: ignore[attr-defined]
    sealed = container.vault.cipher.encrypt(phone) if phone else ""
    intake = WageIntake(
        "工程建设", "恒泰小区三期工地", "太原市", "去年", "两万", 20000, 3, [], sealed, MASKED if phone else "", []
    )
    number: str = container.cases.create(intake, "web:worker-0001").case_number
    return number


def sign_in(client: TestClient, who: str, password: str) -> None:
    client.post("/api/auth/logout", headers={"Content-Type": "application/json"})
    assert client.post("/api/auth/login", json={"username": who, "password": password}).status_code == 200


def test_staff_see_the_phone_on_request_only_and_each_view_is_audited(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    number = a_case(client)
    path = f"/api/console/cases/{number}/contact"
    assert client.post(path, json={}).status_code == 401
    sign_in(client, "wang", "wang-password-1")
    assert client.post(path, data={"x": "1"}).status_code == 415  # JSON only, like every staff POST

    shown = client.post(path, json={})
    assert shown.status_code == 200 and shown.json() == {"case_number": number, "phone": PHONE}
    assert shown.headers["cache-control"] == "no-store"

    accounts: AccountStore = client.app.state.container.accounts  # type: ignore[attr-defined]
    views = [e for e in accounts.audit("wang") if e.action == "view_contact"]
    assert len(views) == 1 and views[0].actor == "wang" and number in views[0].note
    assert all(PHONE not in e.note for e in accounts.audit())

    # Everywhere else the console shows the masked number only.
    listed = client.get("/api/console/cases").text + client.get(f"/api/console/cases/{number}").text
    assert PHONE not in listed and MASKED in listed
    assert PHONE not in caplog.text and PHONE[3:7] not in caplog.text  # no log line, not even the middle


def test_an_unknown_case_or_one_without_a_phone_is_404(client: TestClient) -> None:
    sign_in(client, "wang", "wang-password-1")
    assert client.post("/api/console/cases/GY-20260101-ABCDEFGH/contact", json={}).status_code == 404
    assert client.post(f"/api/console/cases/{a_case(client, '')}/contact", json={}).status_code == 404


def test_phone_views_are_limited_per_staff_member(client: TestClient) -> None:
    number = a_case(client)
    sign_in(client, "wang", "wang-password-1")
    answers = [client.post(f"/api/console/cases/{number}/contact", json={}).status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]
    sign_in(client, "li", "li-password-22")  # another staff member has a limit of their own
    assert client.post(f"/api/console/cases/{number}/contact", json={}).status_code == 200
