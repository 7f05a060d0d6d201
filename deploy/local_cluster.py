"""The scaled system on one machine: several Rasa and api processes on PostgreSQL and Redis.

    .venv/bin/python -m deploy.local_cluster [--rasa 2] [--api 2]      (`make run-scaled`)

Each Rasa replica keeps its trackers in PostgreSQL and its locks in Redis
(bot/endpoints.scaled.yml); each api keeps the knowledge, cases, conversations and
audit in PostgreSQL and its de-duplication and rate limits in Redis, and routes a
conversation to one Rasa replica by a hash of its sender. Rasa replica i calls the
actions of api replica i (mod the api count); in Kubernetes that is the api Service.

The fault tests (tests/test_faults.py) and bench/load.py start the same cluster.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg
from psycopg import sql

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
# rasa run, its JWT secret read from RASA_JWT_SECRET (bot/serve.py): never on a command line.
RASA_SERVE = [str(PROJECT_ROOT / ".venv-rasa" / "bin" / "python"), "-m", "bot.serve"]
MODEL_DIR = PROJECT_ROOT / ".cache" / "rasa" / "models"
START_TIMEOUT_S = 300
# Every simulated worker here comes from 127.0.0.1: the per-address limits, made for the
# public internet, would count them all as one client.
LOOPBACK_CLIENTS_ENV = {
    "API_SEARCH_PER_ADDRESS_PER_MINUTE": "1000000",
    "API_MESSAGES_PER_ADDRESS_PER_MINUTE": "1000000",
    "API_FEEDBACK_PER_ADDRESS_PER_MINUTE": "1000000",
    "API_HANDOFFS_PER_ADDRESS_PER_MINUTE": "1000000",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def newest_model() -> Path:
    """The model `make train` made (RASA_MODEL), else the newest one."""
    named = os.environ.get("RASA_MODEL")
    if named:
        path = Path(named)
        return path if path.is_absolute() else PROJECT_ROOT / path
    models = sorted(MODEL_DIR.glob("bot-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise RuntimeError("no trained Rasa model: run `make train` first")
    return models[-1]


def bearer(secret: str) -> dict[str, str]:
    from api.conversations.rasa_auth import mint

    return {"Authorization": f"Bearer {mint(secret)}"}


@dataclass(frozen=True)
class Postgres:
    """A PostgreSQL server (trust or password in the URL) and the two databases the system uses."""

    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = ""
    api_db: str = "gongyou"
    tracker_db: str = "gongyou_rasa"

    def url(self, database: str) -> str:
        auth = self.user + (f":{self.password}" if self.password else "")
        return f"postgresql+psycopg://{auth}@{self.host}:{self.port}/{database}"

    def admin_conninfo(self) -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname=postgres" + (
            f" password={self.password}" if self.password else ""
        )

    def create_databases(self, fresh: bool = False) -> None:
        """Both databases, made when missing (or dropped and remade when ``fresh``)."""
        with psycopg.connect(self.admin_conninfo(), autocommit=True) as connection:
            for name in (self.api_db, self.tracker_db):
                if fresh:
                    connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
                exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
                if not exists:
                    connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop_databases(self) -> None:
        with psycopg.connect(self.admin_conninfo(), autocommit=True) as connection:
            for name in (self.api_db, self.tracker_db):
                connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@dataclass(frozen=True)
class Redis:
    host: str = "127.0.0.1"
    port: int = 6379
    db: int = 1

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/{self.db}"


@dataclass
class Cluster:
    scratch: Path
    model: Path
    postgres: Postgres = field(default_factory=Postgres)
    redis: Redis = field(default_factory=Redis)
    rasa_replicas: int = 2
    api_replicas: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)
    jwt_secret: str = field(default_factory=lambda: secrets.token_hex(32))
    actions_token: str = field(default_factory=lambda: secrets.token_hex(24))
    rasa_ports: list[int] = field(default_factory=list)
    api_ports: list[int] = field(default_factory=list)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rasa_ports = self.rasa_ports or [free_port() for _ in range(self.rasa_replicas)]
        self.api_ports = self.api_ports or [free_port() for _ in range(self.api_replicas)]

    def rasa_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.rasa_ports[index]}"

    def api_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.api_ports[index]}"

    @property
    def names(self) -> list[str]:
        return [f"rasa-{i}" for i in range(self.rasa_replicas)] + [f"api-{i}" for i in range(self.api_replicas)]

    def auth(self) -> dict[str, str]:
        return bearer(self.jwt_secret)

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "RASA_TELEMETRY_ENABLED": "false",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "API_ACTIONS_TOKEN": self.actions_token,
            "API_RASA_JWT_SECRET": self.jwt_secret,
            "RASA_JWT_SECRET": self.jwt_secret,
            "API_DATABASE_URL": self.postgres.url(self.postgres.api_db),
            "API_TRACKER_DATABASE_URL": self.postgres.url(self.postgres.tracker_db),
            "API_REDIS_URL": self.redis.url,
            "API_RASA_URLS": ",".join(self.rasa_url(i) for i in range(self.rasa_replicas)),
            "API_PII_KEY_FILE": str(self.scratch / "pii.key"),
            "RASA_TRACKER_PG_HOST": self.postgres.host,
            "RASA_TRACKER_PG_PORT": str(self.postgres.port),
            "RASA_TRACKER_PG_DB": self.postgres.tracker_db,
            "RASA_TRACKER_PG_USER": self.postgres.user,
            "RASA_TRACKER_PG_PASSWORD": self.postgres.password,
            "RASA_TRACKER_PG_LOGIN_DB": "postgres",
            "RASA_LOCK_REDIS_HOST": self.redis.host,
            "RASA_LOCK_REDIS_PORT": str(self.redis.port),
            "RASA_LOCK_REDIS_DB": str(self.redis.db),
            # A replica that crashes leaves its conversations' locks in Redis until they expire
            # (Rasa's default: 60 s). A turn takes seconds and the api gives up after 10 s.
            "TICKET_LOCK_LIFETIME": "20",
            **LOOPBACK_CLIENTS_ENV,
            **self.extra_env,
        }

    def _spawn(self, name: str, args: list[str], env: Mapping[str, str]) -> None:
        handle = (self.scratch / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            args, cwd=PROJECT_ROOT, env=dict(env), stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )

    def start(self, name: str) -> None:
        kind, index = name.split("-")
        i = int(index)
        if kind == "api":
            args = [sys.executable, "-m", "uvicorn", "--factory", "api.main:create_app", "--host", "127.0.0.1"]
            self._spawn(name, [*args, "--port", str(self.api_ports[i]), "--log-level", "warning"], self._env())
            return
        api = self.api_url(i % self.api_replicas)
        env = {
            **self._env(),
            "RASA_ACTION_ENDPOINT": f"{api}/webhook",
            "KNOWLEDGE_TOPIC_URL": f"{api}/api/knowledge/topic",
        }
        args = [*RASA_SERVE, "run", "--model", str(self.model), "--endpoints", "bot/endpoints.scaled.yml"]
        args += ["--credentials", "bot/credentials.yml", "--interface", "127.0.0.1", "--port", str(self.rasa_ports[i])]
        args += ["--enable-api"]
        self._spawn(name, args, env)

    def ready(self, name: str) -> bool:
        kind, index = name.split("-")
        i = int(index)
        try:
            if kind == "api":
                return httpx.get(f"{self.api_url(i)}/readyz", timeout=2).status_code == 200
            status = httpx.get(f"{self.rasa_url(i)}/status", headers=self.auth(), timeout=2)
            return status.status_code == 200 and bool(status.json().get("model_file"))
        except httpx.HTTPError:
            return False

    def wait_until_ready(self, names: list[str] | None = None, timeout_s: float = START_TIMEOUT_S) -> None:
        pending = list(names or self.names)
        deadline = time.monotonic() + timeout_s
        while pending:
            for name in list(pending):
                process = self.processes.get(name)
                if process is not None and process.poll() is not None:
                    raise RuntimeError(f"{name} exited early; see {self.scratch / (name + '.log')}")
                if self.ready(name):
                    pending.remove(name)
            if time.monotonic() > deadline:
                raise RuntimeError(f"{', '.join(pending)} not ready within {timeout_s:.0f} s; see {self.scratch}")
            time.sleep(1)

    def start_all(self) -> None:
        self.scratch.mkdir(parents=True, exist_ok=True)
        # The apis first: the first to start runs the migrations and seeds the knowledge.
        self.start("api-0")
        self.wait_until_ready(["api-0"])
        for name in self.names:
            if name != "api-0":
                self.start(name)
        self.wait_until_ready()

    def stop(self, name: str, sig: int = signal.SIGTERM, wait_s: float = 30) -> None:
        process = self.processes.get(name)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def kill(self, name: str) -> None:
        """As a crash: no chance to finish anything."""
        self.stop(name, signal.SIGKILL)

    def stop_all(self) -> None:
        for name in self.processes:
            self.stop(name)


def parse_postgres(url: str) -> Postgres:
    parts = urlsplit(url)
    return Postgres(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or "",
    )


def parse_redis(url: str) -> Redis:
    parts = urlsplit(url)
    return Redis(host=parts.hostname or "127.0.0.1", port=parts.port or 6379, db=int(parts.path.strip("/") or 0))


def main() -> int:
    parser = argparse.ArgumentParser(description="two Rasa and two api processes on the local PostgreSQL and Redis")
    parser.add_argument("--rasa", type=int, default=2, help="Rasa replicas")
    parser.add_argument("--api", type=int, default=2, help="api replicas")
    parser.add_argument("--postgres", default=os.environ.get("SCALED_POSTGRES", "postgresql://postgres@127.0.0.1:5432"))
    parser.add_argument("--redis", default=os.environ.get("SCALED_REDIS", "redis://127.0.0.1:6379/1"))
    parser.add_argument("--api-port", type=int, default=8000, help="first api port; the next ones follow")
    parser.add_argument("--rasa-port", type=int, default=5005, help="first Rasa port; the next ones follow")
    args = parser.parse_args()

    postgres = parse_postgres(args.postgres)
    postgres.create_databases()
    cluster = Cluster(
        scratch=PROJECT_ROOT / ".cache" / "scaled",
        model=newest_model(),
        postgres=postgres,
        redis=parse_redis(args.redis),
        rasa_replicas=args.rasa,
        api_replicas=args.api,
        rasa_ports=[args.rasa_port + i for i in range(args.rasa)],
        api_ports=[args.api_port + i for i in range(args.api)],
        jwt_secret=os.environ.get("RASA_JWT_SECRET") or secrets.token_hex(32),
        actions_token=os.environ.get("API_ACTIONS_TOKEN") or secrets.token_hex(24),
    )
    print(f"==> starting {args.rasa} Rasa and {args.api} api processes (about two minutes); logs in {cluster.scratch}")
    try:
        cluster.start_all()
        print("==> 工友助手 (scaled) is up:")
        for i in range(args.api):
            print(f"    api-{i}: {cluster.api_url(i)}/  (console {cluster.api_url(i)}/console, metrics /metrics)")
        for i in range(args.rasa):
            print(f"    rasa-{i}: {cluster.rasa_url(i)} (loopback, signed requests only)")
        print(f"    PostgreSQL: {postgres.host}:{postgres.port}/{postgres.api_db} and /{postgres.tracker_db}")
        print(f"    Redis: {cluster.redis.url}    Ctrl-C stops them all.")
        while all(p.poll() is None for p in cluster.processes.values()):
            time.sleep(1)
        print("==> a process exited; stopping the rest")
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        cluster.stop_all()


if __name__ == "__main__":
    sys.exit(main())
