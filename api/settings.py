"""The api process's settings, from API_* variables (knowledge ones from KNOWLEDGE_*)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from knowledge.settings import KnowledgeSettings


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="API_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    max_question_chars: int = 2000
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
