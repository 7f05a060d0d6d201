"""Peak memory of a burst of concurrent logins, as the api was and as it is (issue 14 item 2).

    .venv/bin/python bench/login_memory.py [--logins 40] [--json]

Each setting runs in a fresh process: the whole app (stand-in searcher) on a scratch
SQLite database, one account per login so that no login limit applies, then N logins
sent at once from N threads. Prints the process's resident memory before the burst, its
peak (VmHWM) during it, the difference, how many passwords were checked and the answers.

- before: argon2-cffi's default parameters (m = 64 MiB, t = 3, p = 4), no bound on
  concurrent checks (the thread pool's 40 threads);
- after: OWASP's parameters (m = 19 MiB, t = 2, p = 1), at most API_PASSWORD_CHECKS (3).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench login passphrase"


def memory_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} is not in /proc/self/status")


def burst(setting: str, logins: int) -> dict[str, Any]:
    """One setting in this process: the figures of a burst of ``logins`` concurrent logins."""
    from argon2 import PasswordHasher
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.settings import ApiSettings
    from tests.support.embedder import standin_searcher
    from tests.support.standins import STANDIN_JWT_SECRET

    class Counting(PasswordHasher):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.checked = 0
            self.lock = threading.Lock()

        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            with self.lock:
                self.checked += 1
            return super().verify(hash, password)

    before = setting == "before"
    hasher = Counting() if before else Counting(time_cost=2, memory_cost=19 * 1024, parallelism=1)
    with tempfile.TemporaryDirectory() as scratch:
        settings = ApiSettings(
            database_url=f"sqlite:///{scratch}/api.db",
            pii_key_file=f"{scratch}/pii.key",
            rasa_urls="http://127.0.0.1:9",
            rasa_jwt_secret=STANDIN_JWT_SECRET,
            login_attempts_per_address=100_000,
            password_checks=3,  # before, replaced below by no bound at all
        )
        with TestClient(create_app(settings, searcher=standin_searcher())) as client:
            accounts = client.app.state.container.accounts  # type: ignore[attr-defined]
            accounts.hasher = hasher
            if before:
                from api.staff.passwords import PasswordChecks

                accounts.checks = PasswordChecks(slots=1000)  # as the api was: no bound
            for n in range(logins):
                accounts.create_user(f"user{n}", PASSWORD, "staff")
            hasher.checked = 0
            resident = memory_kib("VmRSS")
            peak_before = memory_kib("VmHWM")

            def login(n: int) -> int:
                response = client.post("/api/auth/login", json={"username": f"user{n}", "password": PASSWORD})
                return int(response.status_code)

            with ThreadPoolExecutor(max_workers=logins) as pool:
                statuses = Counter(pool.map(login, range(logins)))
            peak = memory_kib("VmHWM")
    return {
        "setting": setting,
        "logins": logins,
        "rss_before_mib": round(resident / 1024, 1),
        "peak_mib": round(peak / 1024, 1),
        "added_mib": round((peak - max(resident, peak_before)) / 1024, 1),
        "passwords_checked": hasher.checked,
        "answers": dict(sorted(statuses.items())),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=40)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--setting", choices=["before", "after"], help=argparse.SUPPRESS)  # one child's run
    args = parser.parse_args()
    if args.setting:
        print(json.dumps(burst(args.setting, args.logins)))
        return 0
    results = []
    for setting in ("before", "after"):
        command = [sys.executable, __file__, "--setting", setting, "--logins", str(args.logins)]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    for r in results:
        print(
            f"{r['setting']:>6}: {r['logins']} concurrent logins, {r['passwords_checked']} passwords checked, "
            f"resident {r['rss_before_mib']} MiB, peak {r['peak_mib']} MiB (+{r['added_mib']} MiB), "
            f"answers {r['answers']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
