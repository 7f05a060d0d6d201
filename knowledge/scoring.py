"""How the signals of search combine, and where "out of scope" begins.

Fitted by ``python -m knowledge calibrate`` on the project's own dev set (never on
shared/eval) and stored in ``knowledge/data/calibration.json`` for one model; any
other model falls back to the defaults here until it is calibrated.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scoring:
    model: str = ""
    # Query-to-passage cosines run lower than query-to-question ones; this evens them.
    passage_offset: float = 0.02
    # BM25 is added, saturated: lexical / (lexical + saturation), times this weight.
    lexical_weight: float = 0.03
    lexical_saturation: float = 10.0
    # The office's approved answers win a near tie with a plan item: they are written to be read.
    answer_bonus: float = 0.015
    # In scope when sigmoid(w_best * best_in_scope + w_oos * best_out_of_scope + bias) >= threshold.
    w_best: float = 120.0
    w_oos: float = -120.0
    bias: float = -1.2
    threshold: float = 0.5
    # The baselines of `knowledge eval` reject below these top scores.
    dense_only_threshold: float = 0.86
    bm25_only_threshold: float = 6.0
    fitted: dict[str, object] = field(default_factory=dict)

    def confidence(self, best: float, best_oos: float) -> float:
        z = self.w_best * best + self.w_oos * best_oos + self.bias
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def load_scoring(path: Path, model: str) -> Scoring:
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("model") == model:
            return Scoring(**data)
        log.warning("calibration in %s is for %s, not %s: using defaults", path, data.get("model"), model)
    return Scoring(model=model)
