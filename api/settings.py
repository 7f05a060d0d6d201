"""The api process's settings, from API_* variables (knowledge ones from KNOWLEDGE_*)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from actions.services import DEFAULT_HANDOFF_NOTICE
from knowledge.loader import PROJECT_ROOT
from knowledge.settings import KnowledgeSettings


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="API_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    max_question_chars: int = 2000
    # Rasa calls the actions at /webhook?token=…; empty refuses every call.
    actions_token: str = ""
    database_url: str = f"sqlite:///{PROJECT_ROOT / '.cache' / 'cases.db'}"
    handoff_notice: str = DEFAULT_HANDOFF_NOTICE
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
