"""The staff console's API: queue, takeover, replies into the worker's channel, cases, hit testing,
and the Chinese names of the codes it shows.

The real app and stores, a stand-in Rasa that hands over on "转人工" (these load the embedding
model: marked slow); the browser tests of the console pages are in test_console_browser.py.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.cases.store import WageIntake
from api.channels.json_api import HANDOFF_BUSY
from api.conversations.turn import reply_from_rasa
from api.deps import get_accounts
from api.handoff import routes as console
from api.handoff.labels import CHANNELS, FORMS, INTENTS, REASONS, TOPICS
from api.handoff.store import HandoffStore
from api.main import create_app
from api.staff.accounts import AccountStore
from api.staff.auth import SESSION_COOKIE
from knowledge.search import Searcher
from tests.support.databases import migrated
from tests.support.settings import CITATION, settings_for
from tests.support.standins import RasaStandIn

PROJECT = Path(__file__).resolve().parent.parent

JSON = {"Content-Type": "application/json"}
EVIDENCE = {"intent": "ask_unpaid_wages", "confidence": 0.91, "in_scope": True, "hits": [{"items": [3]}]}


def bot(sender: str, message: str) -> list[dict[str, Any]]:
    if "转人工" in message or message == "/ask_human":
        return [{"text": "好的，帮您转工作人员。", "custom": {"handoff": {"reason": "asked"}}}]
    return [{"text": "可以找劳动保障监察。"}, {"custom": {"citations": [CITATION], "evidence": EVIDENCE}}]


@pytest.fixture()
def rasa() -> Iterator[RasaStandIn]:
    with RasaStandIn(bot) as standin:
        yield standin


@pytest.fixture()
def app_client(tmp_path: Path, standin_searcher: Searcher, rasa: RasaStandIn) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(tmp_path, rasa.url), standin_searcher)) as client:
        accounts = client.app.state.container.accounts  # type: ignore[attr-defined]
        accounts.create_user("wang", "wang-password-1", "staff")
        accounts.create_user("li", "li-password-22", "staff")
        yield client


def sign_in(client: TestClient, who: str, password: str) -> None:
    response = client.post("/api/auth/login", json={"username": who, "password": password})
    assert response.status_code == 200, response.text


def worker(client: TestClient, text: str, session: str = "worker-0001") -> Any:
    return client.post("/api/web/messages", json={"session_id": session, "text": text}).json()


def test_the_console_needs_a_signed_in_staff_member(app_client: TestClient) -> None:
    for path in ("/api/console/queue", "/api/console/conversations", "/api/console/cases"):
        assert app_client.get(path).status_code == 401, path
    assert app_client.post("/api/console/search", json={"text": "x"}).status_code == 401


def test_handoff_takeover_reply_and_release(app_client: TestClient, rasa: RasaStandIn) -> None:
    worker(app_client, "老板欠我工资")
    worker(app_client, "转人工")
    sign_in(app_client, "wang", "wang-password-1")
    queue = app_client.get("/api/console/queue").json()["items"]
    assert [(q["id"], q["status"], q["reason"]) for q in queue] == [("web:worker-0001", "waiting", "asked")]

    by_topic = app_client.get("/api/console/conversations", params={"topic": "ask_unpaid_wages"}).json()["items"]
    assert [c["id"] for c in by_topic] == ["web:worker-0001"]
    assert app_client.get("/api/console/conversations", params={"topic": "ask_legal_aid"}).json()["items"] == []
    transcript = app_client.get("/api/console/conversations/web:worker-0001").json()
    answer = next(m for m in transcript["messages"] if m["role"] == "bot")
    assert answer["evidence"]["intent"] == "ask_unpaid_wages" and answer["citations"][0]["item"] == 3

    assert app_client.post("/api/console/conversations/web:worker-0001/reply", json={"text": "x"}).status_code == 409
    assert app_client.post("/api/console/conversations/web:worker-0001/take", headers=JSON).status_code == 200
    calls = len(rasa.received)
    during = worker(app_client, "你好，有人吗")
    assert during["replies"] == [] and during["handoff"] is True and len(rasa.received) == calls  # the bot is silent
    told = app_client.post(
        "/api/console/conversations/web:worker-0001/reply", json={"text": "您好，我是工作人员小王。"}
    )
    assert told.json() == {"delivered": True}
    seen = app_client.get("/api/web/history", params={"session_id": "worker-0001"}).json()["messages"]
    assert (seen[-1]["role"], seen[-1]["text"]) == ("staff", "您好，我是工作人员小王。")
    assert seen[-2]["text"] == "你好，有人吗"

    assert app_client.post("/api/console/conversations/web:worker-0001/release", headers=JSON).status_code == 200
    assert app_client.get("/api/console/queue").json()["items"] == []
    assert worker(app_client, "再问一个")["replies"][0]["text"] == "可以找劳动保障监察。"  # the bot is back


def test_a_conversation_one_person_has_is_not_taken_by_another(app_client: TestClient) -> None:
    worker(app_client, "转人工")
    sign_in(app_client, "wang", "wang-password-1")
    assert app_client.post("/api/console/conversations/web:worker-0001/take", headers=JSON).status_code == 200
    app_client.post("/api/auth/logout", headers=JSON)
    sign_in(app_client, "li", "li-password-22")
    taken = app_client.post("/api/console/conversations/web:worker-0001/take", headers=JSON)
    assert taken.status_code == 409 and "wang" in taken.json()["detail"]
    assert app_client.post("/api/console/conversations/web:worker-0001/reply", json={"text": "hi"}).status_code == 409


def test_a_failed_bot_turn_puts_the_conversation_in_the_queue(tmp_path: Path, standin_searcher: Searcher) -> None:
    with (
        RasaStandIn(status=500) as broken,
        TestClient(create_app(settings_for(tmp_path, broken.url), standin_searcher)) as c,
    ):
        c.app.state.container.accounts.create_user("wang", "wang-password-1", "staff")  # type: ignore[attr-defined]
        worker(c, "欠薪")
        sign_in(c, "wang", "wang-password-1")
        assert [q["reason"] for q in c.get("/api/console/queue").json()["items"]] == ["bot_failed"]


def test_cases_list_filter_and_status_change_seen_by_the_worker(app_client: TestClient) -> None:
    store = app_client.app.state.container.cases  # type: ignore[attr-defined]
    intake = WageIntake(
        "工程建设", "恒泰小区三期工地", "太原市小店区", "去年3月到12月", "两万五", 25000, 12, [], "", "", []
    )
    number = store.create(intake, "web:worker-0001").case_number
    store.create(WageIntake("非工程建设", "某饭店", "大同市", "半年", "8000", 8000, 1, [], "", "", []), "x")
    sign_in(app_client, "wang", "wang-password-1")
    found = app_client.get("/api/console/cases", params={"q": "恒泰"}).json()["items"]
    assert [c["case_number"] for c in found] == [number]
    changed = app_client.post(
        f"/api/console/cases/{number}/status", json={"status": "processing", "note": "已联系用人单位"}
    ).json()
    assert changed["status_label"] == "处理中"
    assert [c["case_number"] for c in app_client.get("/api/console/cases?status=processing").json()["items"]] == [
        number
    ]


def test_hit_testing_is_the_bots_own_search(app_client: TestClient, standin_searcher: Searcher) -> None:
    sign_in(app_client, "wang", "wang-password-1")
    hits = app_client.post("/api/console/search", json={"text": "老板欠我三个月工资不给怎么办"}).json()["hits"]
    expected = standin_searcher.search("老板欠我三个月工资不给怎么办", 5).hits
    assert [(h["items"], round(h["score"], 4)) for h in hits] == [(h.items, round(h.score, 4)) for h in expected]
    assert 3 in hits[0]["items"] and hits[0]["quotes"]


def test_hit_testing_takes_the_question_in_a_json_body_only(app_client: TestClient) -> None:
    sign_in(app_client, "wang", "wang-password-1")
    # In a URL the question would reach access logs and the browser's history.
    assert app_client.get("/api/console/search", params={"q": "老板欠我工资"}).status_code == 405
    form = app_client.post("/api/console/search", content=b"text=x", headers={"content-type": "text/plain"})
    assert form.status_code == 415  # the staff JSON-only rule against cross-site forms


def test_the_queue_comes_in_pages_oldest_request_first(app_client: TestClient) -> None:
    sessions = [f"queued-{n:04d}" for n in range(5)]
    for session in sessions:
        worker(app_client, "转人工", session=session)
    sign_in(app_client, "wang", "wang-password-1")
    assert app_client.post(f"/api/console/conversations/web:{sessions[1]}/take", headers=JSON).status_code == 200
    seen: list[str] = []
    for offset in (0, 2, 4):
        page = app_client.get("/api/console/queue", params={"limit": 2, "offset": offset}).json()
        assert (page["total"], page["waiting"], page["limit"], page["offset"]) == (5, 4, 2, offset)
        seen += [item["id"] for item in page["items"]]
    assert seen == [f"web:{s}" for s in sessions]  # each once, in the order the workers asked
    assert app_client.get("/api/console/queue", params={"limit": 500}).status_code == 422
    assert app_client.get("/api/console/queue", params={"offset": 10**20}).status_code == 422  # no 500


def test_asking_for_a_person_from_many_fresh_sessions_does_not_fill_the_queue(
    tmp_path: Path, standin_searcher: Searcher, rasa: RasaStandIn
) -> None:
    settings = settings_for(tmp_path, rasa.url, handoffs_per_address_per_minute=3)
    app = create_app(settings, standin_searcher)
    with TestClient(app) as client:
        client.app.state.container.accounts.create_user("wang", "wang-password-1", "staff")  # type: ignore[attr-defined]
        answers = [worker(client, "转人工", session=f"flood-{n:04d}") for n in range(10)]
        assert [a["handoff"] for a in answers] == [True] * 3 + [False] * 7
        # One clear message, not the bot's "转给工作人员" followed by "没有转成".
        assert [r["text"] for r in answers[-1]["replies"]] == [HANDOFF_BUSY]
        # A worker elsewhere still reaches a person.
        elsewhere = TestClient(app, client=("198.51.100.7", 40000))
        assert worker(elsewhere, "转人工", session="elsewhere-0001")["handoff"] is True
        sign_in(client, "wang", "wang-password-1")
        queue = client.get("/api/console/queue").json()
        assert queue["total"] == 4 and [q["id"] for q in queue["items"]][-1] == "web:elsewhere-0001"
        # The one already waiting asks again: still in the queue, in its place, not refused.
        assert worker(client, "转人工", session="flood-0000")["handoff"] is True
        assert client.get("/api/console/queue").json()["items"][0]["id"] == "web:flood-0000"


# ---------- the Chinese names of the codes (fast: no model, only the console's router) ----------


def domain() -> tuple[list[str], list[str]]:
    """The bot's intents and forms, from bot/domain/*.yml."""
    intents: list[str] = []
    forms: list[str] = []
    for path in sorted((PROJECT / "bot" / "domain").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        intents += [i if isinstance(i, str) else next(iter(i)) for i in data.get("intents") or []]
        forms += list(data.get("forms") or {})
    return intents, forms


def handoff_reasons(forms: list[str]) -> set[str]:
    """Every reason a conversation can wait for a person with: the actions' and the adapter's."""
    found: set[str] = set()
    for path in (PROJECT / "actions").glob("*.py"):
        for fstring, code in re.findall(r'handoff_events\(\s*\w+\s*,\s*(f?)"([^"]+)"', path.read_text("utf-8")):
            found |= {code.replace("{self.form}", form) for form in forms} if fstring else {code}
    for path in (PROJECT / "api").rglob("*.py"):
        found |= set(re.findall(r'handoff_reason="(\w+)"', path.read_text("utf-8")))
    found.add(reply_from_rasa({"text": "", "custom": {"handoff": {}}})[1])  # a handoff without a reason
    return found


def test_every_intent_form_reason_and_channel_has_a_chinese_name() -> None:
    intents, forms = domain()
    reasons = handoff_reasons(forms)
    assert {"worker_asked", "bot_could_not_answer", "bot_failed", "asked_during_wage_intake_form"} <= reasons
    assert sorted(set(intents) - set(INTENTS)) == []
    assert sorted(set(forms) - set(FORMS)) == []
    assert sorted(reasons - set(REASONS)) == []
    assert set(TOPICS) <= set(INTENTS)
    assert {"web", "wechat"} <= set(CHANNELS)
    for table in (INTENTS, FORMS, REASONS, CHANNELS):
        for code, name in table.items():
            assert re.search(r"[\u4e00-\u9fff]", name) and name != code, code


@pytest.fixture()
def labels_client(tmp_path: Path) -> Iterator[tuple[TestClient, AccountStore]]:
    app = FastAPI()
    app.include_router(console.router)
    accounts = AccountStore(migrated(f"sqlite:///{tmp_path / 'accounts.db'}"))
    app.dependency_overrides[get_accounts] = lambda: accounts
    with TestClient(app) as client:
        yield client, accounts
    accounts.engine.dispose()


def test_staff_get_the_chinese_names_of_the_codes(labels_client: tuple[TestClient, AccountStore]) -> None:
    client, accounts = labels_client
    assert client.get("/api/console/labels").status_code == 401
    client.cookies.set(SESSION_COOKIE, accounts.start_session(accounts.create_user("wang", "wang-password-1", "staff")))
    labels = client.get("/api/console/labels")
    assert labels.status_code == 200, labels.text
    data = labels.json()
    assert data["reasons"]["bot_could_not_answer"] == "机器人答不上来"
    assert data["reasons"]["worker_asked"] == "工友要求转人工"
    assert data["reasons"]["asked_during_wage_intake_form"] == "登记欠薪时要求转人工"
    assert data["intents"]["ask_unpaid_wages"] == "欠薪"
    assert data["intents"]["nlu_fallback"] == "没听懂"
    assert data["topics"][0] == "ask_unpaid_wages" and "affirm" not in data["topics"]
    assert data["forms"]["wage_intake_form"] == "登记欠薪"
    assert data["channels"]["wechat"] == "微信"


def test_many_conversations_writing_their_state_at_once_all_succeed(tmp_path: Path) -> None:
    # SQLite: each change reads the row and then writes it. A read transaction that must then
    # write failed at once ("database is locked", a 503 for the worker) when another
    # conversation wrote in between; the simulated worker found it with three at a time.
    store = HandoffStore(migrated(f"sqlite:///{tmp_path / 'api.db'}"))
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for turn in range(30):
                store.touch(f"web:c{n}", "web", f"第{turn}句")
                if turn % 10 == 9:
                    store.request(f"web:c{n}", "web", "user_asked")
        except BaseException as exc:  # any failure is the finding
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.queue().waiting == 6
    assert all(state.last_text == "第29句" for state in store.queue().items)
