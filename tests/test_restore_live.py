"""A restore with --replace under a running api: the api serves the restored knowledge within
its refresh interval, without a restart (issue 14, item 13).

The api is a real process (the stand-in app under uvicorn) on a SQLite database; the
restore is the command an administrator runs.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from api.db.migrate import upgrade
from api.ops.backup import dump
from knowledge.loader import PROJECT_ROOT
from knowledge.store import KnowledgeStore
from tests.support.browser import post_json, running_api, sqlite_url
from tests.support.standins import RasaStandIn

KEY = "answer:wages_owed"
QUESTION = "老板拖欠工资不给怎么办"
MARK = "（备份之后发布的一句，恢复后不该再有。）"
REFRESH_S = 0.5


def served_answer(api: str) -> str:
    status, body, _ = post_json(api + "/api/knowledge/search", {"text": QUESTION})
    assert status == 200, body
    return str(next(h for h in body["hits"] if h["id"] == KEY)["answer"])


def wait_for(api: str, wanted: bool, within_s: float) -> float:
    """Seconds until MARK is (wanted) or is not (not wanted) in the served answer."""
    started = time.monotonic()
    while (MARK in served_answer(api)) != wanted:
        if time.monotonic() - started > within_s:
            raise AssertionError(f"after {within_s} s the api still serves {served_answer(api)!r}")
        time.sleep(0.1)
    return time.monotonic() - started


def publish_mark(database: str) -> None:
    store = KnowledgeStore(database)
    try:
        latest = store.entry(KEY).latest
        content = {**latest.content, "answer": latest.content["answer"].rstrip() + MARK}
        version = store.save_draft(KEY, content, "张科员", latest.version).version
        store.publish(author="李主任", reviewed={KEY: version})
    finally:
        store.close()


def test_a_running_api_serves_the_restored_knowledge_within_its_refresh_interval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = sqlite_url(tmp_path)
    upgrade(database)
    monkeypatch.setenv("API_KNOWLEDGE_REFRESH_S", str(REFRESH_S))
    monkeypatch.setenv("API_SEARCH_PER_ADDRESS_PER_MINUTE", "100000")  # the test asks many times a second
    backup = tmp_path / "backup.jsonl.gz"
    with RasaStandIn() as rasa, running_api(tmp_path, rasa.url, database) as api:
        assert MARK not in served_answer(api)  # the api seeded the knowledge from the YAML
        dump(database, backup)
        publish_mark(database)  # published after the backup: the api's revision is now above the backup's
        wait_for(api, wanted=True, within_s=10 * REFRESH_S + 5)

        done = subprocess.run(
            [sys.executable, "-m", "api.ops.backup", "restore", str(backup), "--url", database, "--replace"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr

        # Within the refresh interval (and the rebuild it takes), the api answers from the restored knowledge.
        took = wait_for(api, wanted=False, within_s=REFRESH_S + 5)
        print(f"\nthe restored knowledge was served after {took:.2f} s")
        # And a publish after the restore is seen as before.
        publish_mark(database)
        wait_for(api, wanted=True, within_s=REFRESH_S + 5)
