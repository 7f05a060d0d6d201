"""A stand-in for the embedding model, for tests of everything but the retrieval's quality.

Characters and character pairs hashed into a small vector: no model to load, the same
vectors on every machine, and texts that share words still come out close. The search
around it (index, BM25, scoring, publishing) is the real one. What the real model
retrieves is tested with it (tests marked ``slow``).
"""

from __future__ import annotations

import zlib

import numpy as np

from knowledge.embedder import Embedder
from knowledge.search import Searcher, open_searcher
from knowledge.settings import KnowledgeSettings

STANDIN_NAME = "stand-in-char-bigrams"
DIMENSIONS = 256


class StandInEmbedder(Embedder):
    def __init__(self) -> None:  # no super().__init__: that loads the model
        self.name = STANDIN_NAME
        self.dim = DIMENSIONS
        self.query_prompt = self.passage_prompt = None

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        grams = list(text) + [text[i : i + 2] for i in range(len(text) - 1)]
        for gram in grams:
            vector[zlib.crc32(gram.encode("utf-8")) % self.dim] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def _encode(self, texts: list[str], prompt: str | None, batch_size: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.ascontiguousarray(np.stack([self._vector(t) for t in texts]), dtype=np.float32)


def standin_searcher(settings: KnowledgeSettings | None = None) -> Searcher:
    """The real searcher over the shipped knowledge, on the stand-in embedder (its index cached by name)."""
    return open_searcher(settings or KnowledgeSettings(), embedder=StandInEmbedder())
