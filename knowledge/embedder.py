"""The dense encoder: sentence-transformers, offline."""

from __future__ import annotations

import os
import re
from typing import Any

import numpy as np

from knowledge.settings import BUILTIN_MODEL, KnowledgeSettings

# No hub at run time: fail fast instead of waiting on the network. Quiet the model
# libraries: their progress bars and load reports are noise in a service's log.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


class Embedder:
    def __init__(self, settings: KnowledgeSettings) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        if settings.torch_threads:
            torch.set_num_threads(settings.torch_threads)
        if settings.model == BUILTIN_MODEL:
            from knowledge.model_convert import convert

            location = str(convert(settings.model_dir))
        else:
            location = settings.model
        self.name = settings.model
        self.model: Any = SentenceTransformer(location, device="cpu")
        self.model.eval()
        prompts = getattr(self.model, "prompts", {}) or {}
        self.query_prompt = "query" if "query" in prompts else None
        self.passage_prompt = "passage" if "passage" in prompts else None
        dimension = self.model.get_embedding_dimension()
        if dimension is None:
            raise ValueError(f"{settings.model}: the model does not say its embedding size")
        self.dim = int(dimension)

    @property
    def slug(self) -> str:
        return re.sub(r"[^A-Za-z0-9.]+", "-", self.name).strip("-")[:60]

    def _encode(self, texts: list[str], prompt: str | None, batch_size: int) -> np.ndarray:
        vectors = self.model.encode(
            texts,
            prompt_name=prompt,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt, batch_size=16)

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prompt, batch_size=32)
