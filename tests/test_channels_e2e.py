"""End to end through the api's web channel to the real Rasa and the real actions.

What a worker on the widget gets: the answer with its clause, the intake to a case
number — and their phone number never in clear in Rasa's tracker or the case store.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.conversations.turn import FAILURE_REPLY
from tests.support.system import System
from tests.test_wechat import reply_text, sealed, text_xml

pytestmark = pytest.mark.slow

PHONE = "13912345678"


def session() -> str:
    return f"e2e-{uuid.uuid4().hex[:12]}"


def ask(system: System, who: str, text: str = "", payload: str = "") -> dict[str, Any]:
    body = {"session_id": who, "text": text} if text else {"session_id": who, "payload": payload, "title": payload}
    response = httpx.post(f"{system.api}/api/web/messages", json=body, timeout=60)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def text_of(turn: dict[str, Any]) -> str:
    return "\n".join(r["text"] for r in turn["replies"])


def test_wage_question_through_the_web_channel(system: System) -> None:
    turn = ask(system, session(), "老板欠我三个月工资不给怎么办")
    citations = [c for r in turn["replies"] for c in r["citations"]]
    assert 3 in [c["item"] for c in citations]
    assert all(c["quote"] and c["departments"] for c in citations)
    assert "/start_wage_intake" in [b["payload"] for r in turn["replies"] for b in r["buttons"]]


def test_intake_over_the_web_keeps_the_phone_out_of_rasa(system: System) -> None:
    who = session()
    ask(system, who, payload="/start_wage_intake")
    for answer in ["工地", "恒泰小区三期工地", "太原市小店区", "去年3月到12月", "两万五", "12个人", "有合同"]:
        ask(system, who, answer)
    summary = text_of(ask(system, who, f"我电话 {PHONE[:3]} {PHONE[3:7]} {PHONE[7:]}"))
    assert "139****5678" in summary, summary
    done = text_of(ask(system, who, payload="/affirm"))
    match = re.search(r"GY-\d{8}-[A-Z0-9]{4}", done)
    assert match, done

    tracker = httpx.get(f"{system.rasa}/conversations/web:{who}/tracker", headers=system.auth(), timeout=30).json()
    dump = json.dumps(tracker, ensure_ascii=False)
    assert PHONE not in dump and "[手机号#" in dump
    with sqlite3.connect(system.scratch / "cases.db") as db:
        rows = db.execute("SELECT * FROM wage_cases").fetchall() + db.execute("SELECT * FROM messages").fetchall()
    assert PHONE not in json.dumps(rows, ensure_ascii=False, default=str)
    assert any("139****5678" in str(v) for row in rows for v in row)

    history = httpx.get(f"{system.api}/api/web/history", params={"session_id": who}).json()["messages"]
    assert match.group() in "\n".join(m["text"] for m in history)


def test_a_wechat_message_gets_the_same_answer(system: System) -> None:
    body, query = sealed(text_xml("老板欠我三个月工资不给怎么办"))
    response = httpx.post(
        f"{system.api}/wechat", params=query, content=body, headers={"content-type": "text/xml"}, timeout=30
    )
    answer = reply_text(response)
    assert "第（三）项" in answer and "依据：第（三）项" in answer, answer
    assert "回复数字" in answer  # the intake offer, as numbered choices


def test_a_long_conversation_keeps_getting_answers(system: System) -> None:
    """Rasa's calls to the actions grow with the conversation; they must never hit the message size limit."""
    who = session()
    questions = ["老板欠我三个月工资不给怎么办", "娃想在太原上小学要准备啥", "能申请公租房不", "请不起律师咋办"]
    for _ in range(5):
        for question in questions:
            turn = ask(system, who, question)
            assert turn["replies"][0]["citations"] and FAILURE_REPLY not in text_of(turn)
    ask(system, who, payload="/start_wage_intake")
    for answer in ["工地", "恒泰小区三期工地", "太原市小店区", "去年3月到12月", "两万五", "12个人", "有合同"]:
        turn = ask(system, who, answer)
        assert turn["replies"] and FAILURE_REPLY not in text_of(turn), (answer, text_of(turn))
    assert "139****5678" in text_of(ask(system, who, PHONE))


def test_an_editors_published_change_is_the_bots_next_answer(system: System) -> None:
    """The office edits an approved answer; the real bot answers with it at once, no retraining."""
    url = f"sqlite:///{system.scratch / 'cases.db'}"
    command = [sys.executable, "-m", "api.staff", "create-user", "editor-e2e", "--role", "editor"]
    made = subprocess.run(
        [*command, "--password-stdin", "--url", url],
        input="lantern over a river\n",
        text=True,
        capture_output=True,
        env={**os.environ, **system.env()},
        check=False,
    )
    assert made.returncode == 0, made.stderr
    key, mark = "answer:wages_owed", "（测试：办事请带好身份证。）"
    with httpx.Client(base_url=system.api, timeout=60) as office:
        login = office.post("/api/auth/login", json={"username": "editor-e2e", "password": "lantern over a river"})
        assert login.status_code == 200
        entry = office.get(f"/api/admin/entries/{key}").json()
        content = {**entry["published"]["content"]}
        content["answer"] = content["answer"].rstrip() + mark
        base = entry["latest_version"]
        saved = office.put(f"/api/admin/entries/{key}/draft", json={"content": content, "base_version": base})
        assert saved.status_code == 200, saved.text
        try:
            assert office.post("/api/admin/publish", json={"versions": {key: base + 1}}).status_code == 200
            reply = text_of(ask(system, session(), "老板拖欠工资不给怎么办"))
            assert mark in reply, reply
        finally:
            office.post(f"/api/admin/entries/{key}/rollback", json={"to_version": entry["published_version"]})
    assert mark not in text_of(ask(system, session(), "老板拖欠工资不给怎么办"))


def test_no_process_shows_rasas_secret_on_its_command_line(system: System) -> None:
    # ps shows every process's command line to every user of the machine.
    assert len(system.processes) == 2  # the api and Rasa, both running
    for process in system.processes:
        assert process.poll() is None
        command_line = Path(f"/proc/{process.pid}/cmdline").read_bytes()
        assert system.jwt_secret.encode() not in command_line
        assert system.actions_token.encode() not in command_line
