"""The conversation tests of tests/conversations/, run by `rasa test` on the trained model."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from deploy.local_cluster import RASA_BIN
from knowledge.loader import PROJECT_ROOT
from tests.support.system import trained_model

pytestmark = pytest.mark.slow


def test_every_journey_story_passes(tmp_path: Path) -> None:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    done = subprocess.run(
        [
            str(RASA_BIN),
            "test",
            "core",
            "--stories",
            "tests/conversations",
            "--model",
            str(trained_model()),
            "--out",
            str(tmp_path),
            "--fail-on-prediction-errors",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    failed = (tmp_path / "failed_test_stories.yml").read_text(encoding="utf-8")
    assert done.returncode == 0, failed[-3000:] or done.stdout[-3000:]
    assert "None of the test stories failed" in failed
