"""Start the real system for end-to-end tests: the api (with the actions) and Rasa.

Real processes on free loopback ports, with their own case database and tracker
store in a scratch folder; stopped when the test session ends.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from api.conversations.rasa_auth import mint
from api.conversations.rasa_client import REST_PATH
from deploy.local_cluster import LOOPBACK_CLIENTS_ENV, RASA_SERVE, free_port, newest_model
from knowledge.loader import PROJECT_ROOT

START_TIMEOUT_S = 240
# One place for the ports and the model, shared with the scaled cluster (deploy/local_cluster.py).
trained_model = newest_model


@dataclass
class System:
    scratch: Path
    api_port: int = field(default_factory=free_port)
    rasa_port: int = field(default_factory=free_port)
    actions_token: str = field(default_factory=lambda: secrets.token_hex(16))
    jwt_secret: str = field(default_factory=lambda: secrets.token_hex(32))
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def rasa(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "API_ACTIONS_TOKEN": self.actions_token,
            "API_RASA_JWT_SECRET": self.jwt_secret,
            "RASA_JWT_SECRET": self.jwt_secret,
            "API_DATABASE_URL": f"sqlite:///{self.scratch / 'cases.db'}",
            "API_PII_KEY_FILE": str(self.scratch / "pii.key"),
            "API_RASA_URLS": self.rasa,
            "RASA_ACTION_ENDPOINT": f"{self.api}/webhook",
            "KNOWLEDGE_TOPIC_URL": f"{self.api}/api/knowledge/topic",
            "RASA_TRACKER_DB": str(self.scratch / "tracker.db"),
            "RASA_TELEMETRY_ENABLED": "false",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            # The WeChat channel, as the account's console would configure it (tests/test_wechat.py).
            "API_WECHAT_TOKEN": "gongyou-token",
            "API_WECHAT_AES_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
            "API_WECHAT_APP_ID": "wx0123456789abcdef",
            "API_WECHAT_APP_SECRET": "app-secret-1",
            "API_WECHAT_API_BASE": "http://127.0.0.1:9",
            **LOOPBACK_CLIENTS_ENV,
            **self.extra_env,
        }

    def _spawn(self, args: list[str], log: str) -> None:
        handle = (self.scratch / log).open("wb")
        self.processes.append(
            subprocess.Popen(
                args, cwd=PROJECT_ROOT, env=self.env(), stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
            )
        )

    def start_api(self) -> None:
        self._spawn(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "api.main:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.api_port),
                "--log-level",
                "warning",
            ],
            "api.log",
        )

    def start_rasa(self, model: Path) -> None:
        self._spawn(
            [
                *RASA_SERVE,
                "run",
                "--model",
                str(model),
                "--endpoints",
                "bot/endpoints.yml",
                "--credentials",
                "bot/credentials.yml",
                "--interface",
                "127.0.0.1",
                "--port",
                str(self.rasa_port),
                "--enable-api",
            ],
            "rasa.log",
        )

    def wait_until_ready(self, api: bool = True) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        pending = {f"{self.rasa}/status": False}
        if api:
            pending[f"{self.api}/readyz"] = False
        while not all(pending.values()):
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"a process of the system exited early; see {self.scratch}")
            for url, ready in pending.items():
                if not ready:
                    try:
                        response = httpx.get(url, timeout=2, headers=self.auth())
                        pending[url] = response.status_code == 200 and (
                            "readyz" in url or bool(response.json().get("model_file"))
                        )
                    except httpx.HTTPError:
                        pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the system did not start within {START_TIMEOUT_S} s; see {self.scratch}")
            time.sleep(1)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def auth(self) -> dict[str, str]:
        """The header Rasa's HTTP API and its signed channel require (as the api sends it)."""
        return {"Authorization": f"Bearer {mint(self.jwt_secret)}"}

    def say(self, sender: str, message: str) -> list[dict[str, Any]]:
        """One turn over Rasa's signed REST channel."""
        response = httpx.post(
            f"{self.rasa}{REST_PATH}", json={"sender": sender, "message": message}, timeout=60, headers=self.auth()
        )
        response.raise_for_status()
        replies: list[dict[str, Any]] = response.json()
        return replies

    def text(self, replies: list[dict[str, Any]]) -> str:
        return "\n".join(str(r.get("text", "")) for r in replies)

    def citations(self, replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [c for r in replies for c in (r.get("custom") or {}).get("citations", [])]
