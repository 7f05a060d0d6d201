"""What the browser tests share: Debian's Chromium, the real api in its own process, staff accounts.

The api runs as a uvicorn subprocess on a free port with its own database and key file,
talking to whatever Rasa the test gives it (a stand-in, or the real one).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

from deploy.local_cluster import LOOPBACK_CLIENTS_ENV
from tests.support.standins import STANDIN_JWT_SECRET

CHROMIUM = Path("/usr/bin/chromium")
PROJECT = Path(__file__).resolve().parents[2]
# The whole app, on the stand-in embedder: the pages need the app, not the model's retrieval.
STANDIN_APP = "tests.support.app:create_standin_app"
REAL_APP = "api.main:create_app"  # loads the embedding model: for tests marked slow
START_TIMEOUT_S = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'api.db'}"


def create_user(database_url: str, name: str, password: str, role: str = "staff") -> None:
    """A staff account through the command the README gives (the password on stdin)."""
    command = ["create-user", name, "--role", role, "--password-stdin", "--url", database_url]
    done = subprocess.run(
        [sys.executable, "-m", "api.staff", *command],
        cwd=PROJECT,
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def post_json(url: str, body: dict[str, Any], cookie: str = "") -> tuple[int, dict[str, Any], str]:
    """A JSON POST with urllib: (status, body, the session cookie set)."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if cookie:
        headers["Cookie"] = cookie
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            set_cookie = response.headers.get("set-cookie", "")
            return response.status, json.loads(response.read() or b"{}"), set_cookie.split(";", 1)[0]
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}"), ""


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=20) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read()


@contextmanager
def running_api(
    folder: Path, rasa_url: str, database_url: str | None = None, factory: str = STANDIN_APP
) -> Iterator[str]:
    """The api on a free port until the block ends; its log is in ``folder/server.log``."""
    port = free_port()
    env = {
        **os.environ,
        "API_RASA_URLS": rasa_url,
        "API_DATABASE_URL": database_url or sqlite_url(folder),
        "API_PII_KEY_FILE": str(folder / "pii.key"),
        "API_REDIS_URL": "",
        "API_RASA_JWT_SECRET": STANDIN_JWT_SECRET,
        **LOOPBACK_CLIENTS_ENV,
    }
    log_path = folder / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", factory, "--port", str(port)],
            cwd=PROJECT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(process, base, log_path)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(process: subprocess.Popen[bytes], base: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            pytest.fail(f"the api exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"the api did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)


@contextmanager
def chromium_browser() -> Iterator[Browser]:
    """Debian's headless Chromium through playwright's driver; a missing browser fails the test."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium with `apt-get install -y chromium`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()
