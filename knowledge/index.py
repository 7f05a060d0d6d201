"""The hybrid index: every searchable unit of the knowledge base, embedded and tokenised.

Units are the plan's clauses and item titles (encoded as passages) and the ways
workers ask (item questions, approved answers' questions and titles, encoded as
queries, since question-to-question similarity is symmetric). The vectors are cached
on disk under a name holding the model and a hash of the content, so an edit of the
knowledge rebuilds in seconds and nothing else is ever retrained; a publish passes the
live index, whose vectors of unchanged units are reused, so only new text is encoded.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np

from knowledge.embedder import Embedder
from knowledge.lexical import LexicalIndex, Tokenizer
from knowledge.loader import KnowledgeBase

INDEX_VERSION = 1  # bump when the units or their encoding change
ENCODE_CHUNK = 32


@dataclass(frozen=True)
class Unit:
    entry: str  # "item:3" or "answer:wages_owed"
    kind: str  # clause | title | question
    side: str  # passage | query: how the encoder sees it
    text: str
    clause_id: str = ""


def item_entry(number: int) -> str:
    return f"item:{number}"


def answer_entry(answer_id: str) -> str:
    return f"answer:{answer_id}"


def oos_entry(topic_id: str) -> str:
    return f"oos:{topic_id}"


def units_of(kb: KnowledgeBase) -> list[Unit]:
    units: list[Unit] = []
    for item in kb.document.items:
        entry = item_entry(item.item)
        units.append(Unit(entry, "title", "passage", item.title))
        units += [Unit(entry, "clause", "passage", c.text, c.id) for c in item.clauses]
        units += [Unit(entry, "question", "query", q) for q in item.questions]
    for answer in kb.answers:
        entry = answer_entry(answer.id)
        units.append(Unit(entry, "question", "query", answer.title))
        units += [Unit(entry, "question", "query", q) for q in answer.questions]
    for topic in kb.out_of_scope:
        units += [Unit(oos_entry(topic.id), "question", "query", q) for q in topic.questions]
    return units


@dataclass
class Index:
    units: list[Unit]
    vectors: np.ndarray
    dense: faiss.IndexFlatIP
    lexical: LexicalIndex
    entries: list[str]  # distinct entries, in unit order
    unit_entry: np.ndarray  # unit → position in entries
    meta: dict[str, object]

    @property
    def size(self) -> int:
        return len(self.units)


def cache_name(embedder: Embedder, kb: KnowledgeBase) -> str:
    return f"{embedder.slug}-{kb.content_hash}-v{INDEX_VERSION}"


def _known_vectors(index: Index | None, embedder: Embedder) -> dict[tuple[str, str], np.ndarray]:
    """An earlier index's vectors by (side, text): for one model, the encoding depends on nothing else."""
    if index is None or index.meta.get("model") != embedder.name or index.vectors.shape[1] != embedder.dim:
        return {}
    return {(u.side, u.text): index.vectors[i] for i, u in enumerate(index.units)}


def _encode(
    embedder: Embedder, units: list[Unit], progress: bool, reuse: Index | None = None
) -> tuple[np.ndarray, int]:
    """The units' vectors and how many were reused rather than encoded."""
    from tqdm import tqdm

    vectors = np.zeros((len(units), embedder.dim), dtype=np.float32)
    known = _known_vectors(reuse, embedder)
    reused = 0
    for i, u in enumerate(units):
        vector = known.get((u.side, u.text))
        if vector is not None:
            vectors[i] = vector
            reused += 1
    order = {
        side: [i for i, u in enumerate(units) if u.side == side and (u.side, u.text) not in known]
        for side in ("passage", "query")
    }
    bar = tqdm(total=len(units) - reused, desc="embedding", unit="text", disable=not progress)
    for side, positions in order.items():
        encode = embedder.passages if side == "passage" else embedder.queries
        for start in range(0, len(positions), ENCODE_CHUNK):
            chunk = positions[start : start + ENCODE_CHUNK]
            vectors[chunk] = encode([units[i].text for i in chunk])
            bar.update(len(chunk))
    bar.close()
    return vectors, reused


def _assemble(units: list[Unit], vectors: np.ndarray, tokenizer: Tokenizer, meta: dict[str, object]) -> Index:
    dense = faiss.IndexFlatIP(vectors.shape[1])
    dense.add(vectors)
    lexical = LexicalIndex([tokenizer.tokens(u.text) for u in units])
    entries = list(dict.fromkeys(u.entry for u in units))
    position = {e: i for i, e in enumerate(entries)}
    unit_entry = np.array([position[u.entry] for u in units], dtype=np.int64)
    return Index(units, vectors, dense, lexical, entries, unit_entry, meta)


def load_or_build(
    kb: KnowledgeBase,
    embedder: Embedder,
    tokenizer: Tokenizer,
    index_dir: Path,
    *,
    force: bool = False,
    progress: bool = False,
    reuse: Index | None = None,
) -> tuple[Index, bool]:
    """The index for this content and model; returns (index, whether it was built now).

    ``reuse``: an index of the same model (the live one) whose vectors are taken for
    units whose text has not changed.
    """
    folder = index_dir / cache_name(embedder, kb)
    units = units_of(kb)
    if not force and (folder / "meta.json").exists():
        stored = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        vectors = np.load(folder / "vectors.npy")
        cached = [Unit(**u) for u in json.loads((folder / "units.json").read_text(encoding="utf-8"))]
        if cached == units and vectors.shape == (len(units), embedder.dim):
            return _assemble(units, vectors, tokenizer, stored), False

    started = time.perf_counter()
    vectors, reused = _encode(embedder, units, progress, reuse)
    meta: dict[str, object] = {
        "model": embedder.name,
        "content_hash": kb.content_hash,
        "version": INDEX_VERSION,
        "units": len(units),
        "reused": reused,
        "encode_seconds": round(time.perf_counter() - started, 3),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    # A staging folder of this process's own: two processes may build the same index at once.
    staging = folder.with_name(f"{folder.name}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    np.save(staging / "vectors.npy", vectors)
    (staging / "units.json").write_text(json.dumps([asdict(u) for u in units], ensure_ascii=False), encoding="utf-8")
    (staging / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    try:
        staging.rename(folder)
    except OSError:  # another process put the same index there first: theirs serves as well
        shutil.rmtree(staging, ignore_errors=True)
    _prune(index_dir, keep=folder)
    return _assemble(units, vectors, tokenizer, meta), True


def _prune(index_dir: Path, keep: Path, retain: int = 3) -> None:
    """Drop all but the newest few cached indexes of the same model (another model's are not ours to drop)."""
    model = keep.name.rsplit("-", 2)[0]  # the name is <model slug>-<content hash>-v<version>
    folders = sorted(
        (
            p
            for p in index_dir.iterdir()
            if p.is_dir() and p != keep and not p.name.endswith(".tmp") and p.name.rsplit("-", 2)[0] == model
        ),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in folders[retain - 1 :]:
        shutil.rmtree(old, ignore_errors=True)
