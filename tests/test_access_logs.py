"""Access logs carry no query string: a real uvicorn process, started as deploy starts it.

Rasa calls ``/webhook?token=…``; a client may put a question in a URL, percent-encoded, where
the personal-data filter cannot read it. Neither may reach the log, in text or JSON format.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from deploy.local_cluster import free_port
from knowledge.loader import PROJECT_ROOT
from tests.support.standins import STANDIN_JWT_SECRET

TOKEN = "SECRET-actions-token-0123456789"
PHONE = "13812345678"
UVICORN = [sys.executable, "-m", "uvicorn", "--factory", "tests.support.app:create_standin_app"]


def serve_and_log(tmp_path: Path, log_format: str, targets: list[tuple[str, str]]) -> str:
    """Start the api (stand-in searcher), make the requests, stop it: everything it wrote."""
    port = free_port()
    env = {
        **os.environ,
        "API_LOG_FORMAT": log_format,
        "API_ACTIONS_TOKEN": TOKEN,
        "API_DATABASE_URL": f"sqlite:///{tmp_path / 'api.db'}",
        "API_PII_KEY_FILE": str(tmp_path / "pii.key"),
        "API_RASA_URLS": "http://127.0.0.1:9",
        "API_RASA_JWT_SECRET": STANDIN_JWT_SECRET,
    }
    log = tmp_path / f"api-{log_format}.log"
    with log.open("wb") as out:
        # As the image runs it: uvicorn's own logging config, access lines at info.
        process = subprocess.Popen(
            [*UVICORN, "--host", "127.0.0.1", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 90
            while True:
                try:
                    if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert process.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
            with httpx.Client(base_url=base, timeout=10) as client:
                for method, target in targets:
                    client.request(method, target, json={} if method == "POST" else None)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
    return log.read_text(encoding="utf-8", errors="replace")


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_access_lines_hold_the_path_but_no_query(tmp_path: Path, log_format: str) -> None:
    question = f"号码{PHONE}"
    targets = [
        ("POST", f"/webhook?token={TOKEN}"),
        ("GET", "/api/knowledge/search?q=" + quote(question)),
        ("GET", "/api/web/history?session_id=session-0001&q=" + quote(question)),
    ]
    written = serve_and_log(tmp_path, log_format, targets)
    for secret in (TOKEN, PHONE, quote(question), quote(PHONE), "token=", "q="):
        assert secret not in written, (secret, written[-3000:])
    # The requests were logged all the same (so the test can fail), with their paths.
    for path in ("/webhook", "/api/knowledge/search", "/api/web/history"):
        assert f" {path} HTTP/1.1" in written, (path, written[-3000:])
    if log_format == "json":
        access = [json.loads(line) for line in written.splitlines() if line.startswith("{") and "HTTP/1.1" in line]
        access = [a for a in access if "/readyz" not in a["message"]]
        assert len(access) == len(targets) and all(a["logger"] == "uvicorn.access" for a in access)
