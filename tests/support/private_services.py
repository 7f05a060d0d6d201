"""A PostgreSQL and a Redis server of the tests' own, to stop and restart in the fault tests.

The machine's shared servers (5432, 6379) must never be stopped by a test: other
tests and the next CI run use them. These are the same Debian binaries, started in a
scratch folder on free ports, and gone when the test ends.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis

from deploy.local_cluster import Postgres, Redis, free_port

PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1] if Path("/usr/lib/postgresql").exists() else Path()
PG_USER = "postgres"  # initdb refuses to run as root


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", PG_USER, "--", *args]


@dataclass
class PrivatePostgres:
    port: int = field(default_factory=free_port)
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="gongyou-pg-")))
    running: bool = False

    @property
    def target(self) -> Postgres:
        return Postgres(port=self.port)

    def init(self) -> None:
        shutil.chown(self.folder, PG_USER, PG_USER)
        subprocess.run(
            _as_postgres([str(PG_BIN / "initdb"), "-D", str(self.folder / "data"), "-A", "trust", "-U", PG_USER]),
            check=True,
            capture_output=True,
        )

    def _pg_ctl(self, *args: str) -> None:
        # pg_ctl, not a signal to runuser: runuser does not pass signals on to the server.
        data = str(self.folder / "data")
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", data, *args]), check=True, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=on"
        self._pg_ctl("-l", str(self.folder / "server.log"), "-o", options, "-w", "start")
        self.running = True
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(self.target.admin_conninfo(), connect_timeout=1).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"private PostgreSQL did not start; see {self.folder / 'server.log'}") from None
                time.sleep(0.2)

    def stop(self, fast: bool = True) -> None:
        """Fast shutdown cuts clients off and keeps every committed transaction (as a restart does)."""
        if self.running:
            self._pg_ctl("-m", "fast" if fast else "smart", "-w", "stop")
            self.running = False

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class PrivateRedis:
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def target(self) -> Redis:
        return Redis(port=self.port, db=0)

    def start(self) -> None:
        args = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                client.close()
                return
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise RuntimeError("private Redis did not start") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
