"""Settings of an api under test, and the citation the stand-in Rasa answers with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from api.settings import ApiSettings
from tests.support.standins import STANDIN_JWT_SECRET

CITATION = {"doc": "plan", "item": 3, "title": "根治拖欠农民工工资", "quote": "……", "departments": ["省人社厅"]}


def settings_for(tmp_path: Path, rasa_urls: str, **extra: Any) -> ApiSettings:
    return ApiSettings(
        database_url=f"sqlite:///{tmp_path / 'api.db'}",
        pii_key_file=str(tmp_path / "pii.key"),
        rasa_urls=rasa_urls,
        rasa_jwt_secret=STANDIN_JWT_SECRET,
        **extra,
    )
