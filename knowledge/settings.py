"""Settings of the knowledge process (CLI, search endpoint), from KNOWLEDGE_* variables."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from knowledge.loader import DATA_DIR, NLU_DIR, PROJECT_ROOT

BUILTIN_MODEL = "multilingual-e5-small"


class KnowledgeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KNOWLEDGE_", extra="ignore")

    # The built-in offline model, or any sentence-transformers model name or folder.
    model: str = BUILTIN_MODEL
    cache_dir: Path = PROJECT_ROOT / ".cache"
    data_dir: Path = DATA_DIR
    nlu_dir: Path = NLU_DIR
    calibration_file: Path = DATA_DIR / "calibration.json"
    torch_threads: int = 0  # 0: let torch decide
    # The versioned knowledge store the office edits (knowledge/store.py); empty: <cache_dir>/knowledge.db.
    store_url: str = ""

    @property
    def model_dir(self) -> Path:
        return self.cache_dir / "models" / BUILTIN_MODEL

    @property
    def index_dir(self) -> Path:
        return self.cache_dir / "index"

    @property
    def store_database_url(self) -> str:
        return self.store_url or f"sqlite:///{self.cache_dir / 'knowledge.db'}"
