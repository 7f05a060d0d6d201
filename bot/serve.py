"""``python -m bot.serve run …``: ``rasa run`` with its JWT secret taken from RASA_JWT_SECRET.

Rasa reads the secret only from ``--jwt-secret``, and a command line is readable by every
user of the machine (``ps``, /proc/<pid>/cmdline). Here the secret goes into this process's
own argument list after it has started, which no other process can read.
Runs in Rasa's environment (Python 3.10).
"""

from __future__ import annotations

import importlib
import os
import sys

SECRET_VARIABLE = "RASA_JWT_SECRET"


def argv_with_secret(argv: list[str], secret: str) -> list[str]:
    """Rasa's arguments with the secret and its method added; refuses one given on the command line."""
    if any(arg == "--jwt-secret" or arg.startswith("--jwt-secret=") for arg in argv):
        raise SystemExit(f"pass the JWT secret in {SECRET_VARIABLE}, not on the command line")
    if not secret:
        raise SystemExit(f"{SECRET_VARIABLE} is empty: Rasa would answer unsigned requests")
    return ["rasa", *argv, "--jwt-secret", secret, "--jwt-method", "HS256"]


def main() -> None:
    sys.argv = argv_with_secret(sys.argv[1:], os.environ.get(SECRET_VARIABLE, ""))
    importlib.import_module("rasa.__main__").main()


if __name__ == "__main__":
    main()
