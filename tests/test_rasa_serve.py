"""Rasa's JWT secret reaches it from the environment, never on a command line (bot/serve.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.serve import argv_with_secret

SECRET = "0123456789abcdef" * 4


def test_the_secret_is_added_to_rasas_own_arguments() -> None:
    argv = argv_with_secret(["run", "--enable-api"], SECRET)
    assert argv == ["rasa", "run", "--enable-api", "--jwt-secret", SECRET, "--jwt-method", "HS256"]


@pytest.mark.parametrize("argv", [["run", "--jwt-secret", SECRET], ["run", f"--jwt-secret={SECRET}"]])
def test_a_secret_on_the_command_line_is_refused(argv: list[str]) -> None:
    with pytest.raises(SystemExit, match="RASA_JWT_SECRET"):
        argv_with_secret(argv, SECRET)


def test_without_a_secret_rasa_does_not_start() -> None:
    with pytest.raises(SystemExit, match="empty"):
        argv_with_secret(["run"], "")


def test_no_start_command_puts_the_secret_on_a_command_line() -> None:
    root = Path(__file__).resolve().parents[1]
    for path in ("Makefile", "deploy/rasa.Dockerfile", "deploy/local_cluster.py", "tests/support/system.py"):
        text = (root / path).read_text(encoding="utf-8")
        assert "--jwt-secret" not in text, path
        assert "bot.serve" in text or "RASA_SERVE" in text, path
