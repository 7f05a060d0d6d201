"""Every JSON route says in the OpenAPI schema what it answers, and answers exactly that.

The first test needs no model: it walks ``app.openapi()`` and fails on a JSON route whose
success response has no schema (``{}``, or an object with nothing named in it), so a new
route returning a bare ``dict[str, Any]`` is caught. The others call the real routes
(loading the embedding model: slow) and check that each answer is its model's, key for key:
validating it and dumping it again gives back the very same JSON, nothing dropped, nothing added.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api.action_server.schemas import ActionOut, WebhookOut
from api.cases.store import WageIntake
from api.channels.schemas import HistoryOut, MessagesOut
from api.handoff.schemas import (
    CaseList,
    CaseOut,
    ConversationList,
    ConversationOut,
    ConversationState,
    LabelsOut,
    QueueOut,
    ReplySent,
)
from api.knowledge_admin.schemas import (
    AuditList,
    DiffOut,
    EntryList,
    EntryOut,
    ItemOut,
    PublishOut,
    SearchOut,
    StaleDraftOut,
    TopicOut,
    VersionHistory,
)
from api.main import create_app
from api.ops.schemas import HealthOut, ReadyOut
from api.quality.schemas import FiguresOut, GapReport
from api.settings import ApiSettings
from api.staff.schemas import MeOut
from knowledge.search import Searcher
from tests.support.settings import CITATION, settings_for
from tests.support.standins import RasaStandIn

JSON = {"Content-Type": "application/json"}
EVIDENCE = {"intent": "ask_unpaid_wages", "confidence": 0.91, "in_scope": True, "hits": [{"items": [3]}]}
OUT_OF_SCOPE = {"intent": "out_of_scope", "confidence": 0.2, "in_scope": False, "hits": []}
KEY = "answer:wages_owed"
WORKER = "web:worker-0001"
TOPIC_TOKEN = "models-topic-token-0123456789"
RASA_ONLY = {"X-Actions-Token": TOPIC_TOKEN}  # /api/knowledge/topic answers Rasa only


# ---------- the schema: no JSON route without a response model (fast) ----------


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = spec["components"]["schemas"][name]
    return schema


def untyped(schema: dict[str, Any], spec: dict[str, Any]) -> bool:
    """True for a schema that says nothing: {}, an object naming no field, a list of such."""
    schema = _resolve(schema, spec)
    said = {k: v for k, v in schema.items() if k not in ("title", "description")}
    if not said:
        return True
    for union in ("anyOf", "oneOf"):
        if union in said:
            return any(untyped(branch, spec) for branch in said[union])
    if said.get("type") == "array":
        return untyped(said.get("items", {}), spec)
    if said.get("type") == "object" and not said.get("properties"):
        values = said.get("additionalProperties", True)
        return values is True or (isinstance(values, dict) and untyped(values, spec))
    return False


def json_responses(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for code, response in operation.get("responses", {}).items():
                if code in ("200", "201") and "application/json" in response.get("content", {}):
                    yield f"{method.upper()} {path}", code, response["content"]["application/json"].get("schema", {})


def test_the_untyped_check_catches_what_it_should() -> None:
    spec: dict[str, Any] = {"components": {"schemas": {"Thing": {"type": "object", "properties": {"a": {}}}}}}
    assert untyped({}, spec) and untyped({"title": "Response"}, spec)
    assert untyped({"type": "object", "additionalProperties": True, "title": "Response Labels"}, spec)
    assert untyped({"type": "array", "items": {"type": "object"}}, spec)
    assert not untyped({"$ref": "#/components/schemas/Thing"}, spec)
    assert not untyped({"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}, spec)
    assert not untyped({"type": "object", "additionalProperties": {"type": "string"}}, spec)


def test_every_json_route_documents_what_it_answers(tmp_path: Path) -> None:
    app = create_app(ApiSettings(database_url=f"sqlite:///{tmp_path / 'api.db'}", pii_key_file=str(tmp_path / "k")))
    spec = app.openapi()
    found = list(json_responses(spec))
    bare = [f"{route} {code}" for route, code, schema in found if untyped(schema, spec)]
    assert bare == [], f"JSON routes without a response model: {bare}"
    routes = {route for route, _, _ in found}
    # The console's, the editors' and the quality pages' reads are all among them.
    for expected in (
        "GET /api/console/queue",
        "GET /api/console/conversations/{conversation_id}",
        "GET /api/admin/entries/{key}",
        "GET /api/console/quality/figures",
        "POST /api/knowledge/topic",
        "GET /readyz",
    ):
        assert expected in routes
    assert len(routes) >= 35


def test_readiness_while_starting_has_no_units(tmp_path: Path) -> None:
    app = create_app(ApiSettings(database_url=f"sqlite:///{tmp_path / 'api.db'}", pii_key_file=str(tmp_path / "k")))
    client = TestClient(app)  # no lifespan: the container does not exist yet
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"ready": False, "knowledge": None, "database": None}
    assert same(HealthOut, client.get("/healthz")) == {"status": "ok"}


# ---------- the real answers (slow: the embedding model) ----------


def same(model: type[BaseModel], response: Any, status: int = 200) -> Any:
    """The response's JSON, after checking it is exactly ``model``'s (no key dropped or added)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert model.model_validate(body).model_dump(mode="json") == body
    return body


def bot(sender: str, message: str) -> list[dict[str, Any]]:
    if "转人工" in message:
        return [{"text": "好的，帮您转工作人员。", "custom": {"handoff": {"reason": "asked"}}}]
    if "火星" in message:
        return [{"text": "这个我答不上来。", "custom": {"evidence": OUT_OF_SCOPE}}]
    return [
        {"text": "可以找劳动保障监察。", "buttons": [{"title": "登记欠薪", "payload": "/start_wage_intake"}]},
        {"custom": {"citations": [CITATION], "evidence": EVIDENCE}},
    ]


@pytest.fixture()
def client(tmp_path: Path, standin_searcher: Searcher) -> Iterator[TestClient]:
    with (
        RasaStandIn(bot) as rasa,
        TestClient(
            create_app(settings_for(tmp_path, rasa.url, actions_token=TOPIC_TOKEN), standin_searcher)
        ) as test_client,
    ):
        container = test_client.app.state.container  # type: ignore[attr-defined]
        container.accounts.create_user("wang", "wang-password-1", "staff")
        container.accounts.create_user("editor1", "editor-password-1", "editor")
        intake = WageIntake(
            "工程建设", "恒泰小区三期工地", "太原市", "去年3月到12月", "两万五", 25000, 12, [], "", "", []
        )
        container.cases.create(intake, WORKER)
        for text in ("老板欠我工资", "火星上能领社保吗", "转人工"):
            said = test_client.post("/api/web/messages", json={"session_id": "worker-0001", "text": text})
            same(MessagesOut, said)
        yield test_client


def sign_in(client: TestClient, who: str, password: str) -> Any:
    return same(MeOut, client.post("/api/auth/login", json={"username": who, "password": password}))


def test_the_console_answers_match_their_models(client: TestClient) -> None:
    handoffs = client.app.state.container.handoffs  # type: ignore[attr-defined]
    history = client.app.state.container.history  # type: ignore[attr-defined]
    assert sign_in(client, "wang", "wang-password-1") == {"username": "wang", "role": "staff"}
    same(MeOut, client.get("/api/auth/me"))
    same(LabelsOut, client.get("/api/console/labels"))

    queue = same(QueueOut, client.get("/api/console/queue"))["items"]
    assert queue == [s.to_json() for s in handoffs.queue().items] and queue[0]["requested_at"]
    same(ConversationList, client.get("/api/console/conversations", params={"status": "waiting"}))

    transcript = same(ConversationOut, client.get(f"/api/console/conversations/{WORKER}"))
    stored = history.messages(WORKER)
    assert transcript == {
        **handoffs.get(WORKER).to_json(),
        "messages": [{**m.to_json(), "evidence": m.meta.get("evidence")} for m in stored],
    }
    assert any(m["evidence"] is None for m in transcript["messages"])  # a worker's message has none
    assert any(m["evidence"] == EVIDENCE for m in transcript["messages"])

    taken = same(ConversationState, client.post(f"/api/console/conversations/{WORKER}/take", headers=JSON))
    assert taken["status"] == "staff" and taken["taken_by"] == "wang"
    told = same(ReplySent, client.post(f"/api/console/conversations/{WORKER}/reply", json={"text": "您好"}))
    assert told == {"delivered": True}
    same(ConversationState, client.post(f"/api/console/conversations/{WORKER}/release", headers=JSON))
    same(HistoryOut, client.get("/api/web/history", params={"session_id": "worker-0001"}))

    cases = same(CaseList, client.get("/api/console/cases"))["items"]
    number = cases[0]["case_number"]
    same(CaseOut, client.get(f"/api/console/cases/{number}"))
    changed = same(CaseOut, client.post(f"/api/console/cases/{number}/status", json={"status": "processing"}))
    assert changed["status_label"] == "处理中"

    same(SearchOut, client.post("/api/console/search", json={"text": "老板欠我三个月工资不给怎么办"}))


def test_the_quality_answers_match_their_models(client: TestClient) -> None:
    sign_in(client, "wang", "wang-password-1")
    gaps = same(GapReport, client.get("/api/console/quality/gaps"))
    assert [g["question"] for g in gaps["items"]] == ["火星上能领社保吗"]
    figures = same(FiguresOut, client.get("/api/console/quality/figures", params={"days": 3}))
    assert len(figures["daily"]) == 3 and figures["daily"][0]["fallback_rate"] is None  # a day without questions
    assert figures["daily"][-1]["messages"] == 3 and isinstance(figures["daily"][-1]["fallback_rate"], float)


def test_the_knowledge_answers_match_their_models(client: TestClient, standin_searcher: Searcher) -> None:
    question = "老板拖欠工资不给怎么办"
    found = same(SearchOut, client.post("/api/knowledge/search", json={"text": question}))
    assert found == standin_searcher.search(question, top_k=3).to_json()
    assert found["hits"][0]["citations"] and found["hits"][0]["signals"]
    same(SearchOut, client.post("/api/knowledge/search", json={"text": "火星上能领社保吗"}))
    topic = same(TopicOut, client.post("/api/knowledge/topic", json={"text": question}, headers=RASA_ONLY))
    assert topic["intent"] == "ask_unpaid_wages" and topic["candidates"]
    item = same(ItemOut, client.get("/api/knowledge/items/3"))
    assert item["item"] == 3 and item["clauses"] and item["doc"]


def test_the_admin_answers_match_their_models(client: TestClient) -> None:
    sign_in(client, "editor1", "editor-password-1")
    entries = same(EntryList, client.get("/api/admin/entries"))["items"]
    assert any(e["key"] == KEY for e in entries)
    entry = same(EntryOut, client.get(f"/api/admin/entries/{KEY}"))
    assert entry["draft"] is None and entry["published"]["version"] == 1

    content = dict(entry["published"]["content"])
    content["answer"] = content["answer"].rstrip() + "（测试：请带好身份证。）"
    body = {"content": content, "base_version": 1, "note": "测试", "effective_date": "2025-01-01"}
    saved = same(EntryOut, client.put(f"/api/admin/entries/{KEY}/draft", json=body))
    assert saved["draft"]["version"] == 2 and saved["draft"]["effective_date"] == "2025-01-01"
    stale = same(StaleDraftOut, client.put(f"/api/admin/entries/{KEY}/draft", json=body), status=409)
    assert stale["latest_version"] == 2
    assert [e["key"] for e in same(EntryList, client.get("/api/admin/drafts"))["items"]] == [KEY]

    report = same(PublishOut, client.post("/api/admin/publish", json={"versions": {KEY: 2}, "note": "补充"}))
    assert report["published"] == [[KEY, 2]] and report["swapped"]
    versions = same(VersionHistory, client.get(f"/api/admin/entries/{KEY}/history"))["versions"]
    assert [v["version"] for v in versions] == [2, 1] and versions[0]["published_by"] == "editor1"
    same(DiffOut, client.get(f"/api/admin/entries/{KEY}/diff", params={"a": 1, "b": 2}))
    same(PublishOut, client.post(f"/api/admin/entries/{KEY}/rollback", json={"to_version": 1}))
    retired = same(EntryOut, client.post(f"/api/admin/entries/{KEY}/retire", json={"base_version": 3}))
    assert retired["draft"]["retired"] is True
    audit = same(AuditList, client.get("/api/admin/audit", params={"key": KEY}))["items"]
    assert {"draft", "publish", "rollback", "retire"} <= {a["action"] for a in audit}


def test_the_action_endpoint_lists_its_actions(tmp_path: Path, standin_searcher: Searcher) -> None:
    with RasaStandIn() as rasa:
        app = create_app(settings_for(tmp_path, rasa.url, actions_token="t0ken"), standin_searcher)
        with TestClient(app) as test_client:
            actions = test_client.get("/actions", params={"token": "t0ken"})
            assert actions.status_code == 200
            listed = actions.json()
            assert listed and [ActionOut.model_validate(a).model_dump(mode="json") for a in listed] == listed
            assert same(ReadyOut, test_client.get("/readyz"))["ready"] is True

            # The webhook passes rasa-sdk's own answer on unchanged: model_dump(by_alias=True), key for key.
            call = {
                "next_action": "action_handoff",
                "sender_id": WORKER,
                "version": "3.6.0",
                "domain": {},
                "tracker": {
                    "sender_id": WORKER,
                    "slots": {},
                    "latest_message": {"text": "转人工", "intent": {"name": "ask_human"}, "entities": []},
                    "events": [],
                    "paused": False,
                    "followup_action": None,
                    "active_loop": {},
                    "latest_action_name": None,
                },
            }
            answered = test_client.post("/webhook", params={"token": "t0ken"}, json=call)
            body = same(WebhookOut, answered)
            expected = asyncio.run(app.state.executor.run(call))
            assert body == expected.model_dump(mode="json", by_alias=True) and body["responses"]
