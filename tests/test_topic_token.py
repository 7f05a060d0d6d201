"""The bot's KnowledgeIntentClassifier reaches /api/knowledge/topic with the actions' token.

The topic lookup runs the model for every call, so the api answers it for Rasa only; this
checks the wire between the two: the component as Rasa runs it (Rasa's environment), the api
as deploy runs it (uvicorn, the stand-in searcher). Slow: it needs Rasa's environment.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from deploy.local_cluster import RASA_BIN, free_port
from knowledge.loader import PROJECT_ROOT
from tests.support.standins import STANDIN_JWT_SECRET

pytestmark = pytest.mark.slow

TOKEN = "topic-token-for-rasa-0123456789"
ASK = (
    "import json\n"
    "from bot.components.knowledge_intent import KnowledgeIntentClassifier as C\n"
    "component = C({**C.get_default_config(), 'timeout': 20.0})\n"
    "print(json.dumps(component._ask('gongzi tuoqian zenmeban')))\n"
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("topic")
    port = free_port()
    env = {
        **os.environ,
        "API_ACTIONS_TOKEN": TOKEN,
        "API_DATABASE_URL": f"sqlite:///{folder / 'api.db'}",
        "API_PII_KEY_FILE": str(folder / "pii.key"),
        "API_RASA_URLS": "http://127.0.0.1:9",
        "API_RASA_JWT_SECRET": STANDIN_JWT_SECRET,
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "tests.support.app:create_standin_app"]
    with (folder / "api.log").open("wb") as log:
        process = subprocess.Popen(
            [*command, "--port", str(port), "--log-level", "warning"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert process.poll() is None and time.monotonic() < deadline, (folder / "api.log").read_text()
                time.sleep(0.3)
            yield base
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)


def component_asks(api: str, token: str) -> object:
    """What the component gets back from the api (None: it keeps DIET's intent)."""
    env = {**os.environ, "KNOWLEDGE_TOPIC_URL": f"{api}/api/knowledge/topic", "API_ACTIONS_TOKEN": token}
    done = subprocess.run(
        [str(Path(RASA_BIN).parent / "python"), "-c", ASK],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_component_gets_topics_with_the_actions_token(api: str) -> None:
    answer = component_asks(api, TOKEN)
    assert isinstance(answer, dict) and answer["intent"] == "ask_unpaid_wages", answer


def test_without_the_token_the_component_keeps_diets_intent(api: str) -> None:
    assert component_asks(api, "not-the-token") is None
    assert httpx.post(f"{api}/api/knowledge/topic", json={"text": "欠薪"}, timeout=10).status_code == 401
