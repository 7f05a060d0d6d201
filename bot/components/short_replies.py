"""Yes, no and stop as workers type them: an exact lexicon, short_replies.yml beside this file.

Pure Python (no Rasa), so the NLU component in Rasa's environment and the forms' readers
in the actions' environment use the same words. A message counts only when the whole of
it is one of the examples, after normalising what does not change its meaning: width and
case, spaces, punctuation and emoji, a character typed several times (嗯嗯嗯, 好好好) and
trailing particles (啊, 呀, 哇, 咧 …). Longer messages are left to the classifiers.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml

LEXICON_FILE = Path(__file__).resolve().with_name("short_replies.yml")
INTENTS = ("affirm", "deny", "stop")
MAX_CHARS = 12  # longer than any example: such a message is a sentence, not a reply
PARTICLES = "啊呀吧啦呢哈嘛咧嘞哦噢喔哟呗哇了么"
THUMBS = re.compile("[\U0001f44d\U0001f44c\u2705\u2714]")  # 👍 👌 ✅ ✔
NOT_WORD = re.compile(r"[^\w]|_", re.UNICODE)
REPEAT = re.compile(r"(.{1,3}?)\1+")  # 嗯嗯嗯, 好的好的


def squeeze(text: str) -> str:
    """Width, case, spaces, punctuation, emoji and repeats removed: "嗯嗯，好的！！" → "嗯好的"."""
    text = THUMBS.sub("好", unicodedata.normalize("NFKC", text or "").lower())
    return REPEAT.sub(r"\1", NOT_WORD.sub("", text))


def strip_particles(text: str) -> str:
    return text.rstrip(PARTICLES) or text


def load(path: Path = LEXICON_FILE) -> tuple[dict[str, str], dict[str, str]]:
    """(exact, without particles): normalised example → intent; a form two intents share is dropped."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    exact: dict[str, str] = {}
    loose: dict[str, str | None] = {}
    for intent in INTENTS:
        for line in data.get(intent) or []:
            example = squeeze(str(line))
            if not example:
                continue
            exact.setdefault(example, intent)
            key = strip_particles(example)
            loose[key] = intent if loose.get(key, intent) == intent else None
    return exact, {k: v for k, v in loose.items() if v}


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    return load()


def classify(text: str) -> str | None:
    """ "affirm", "deny" or "stop" when the whole message is such a reply; else None."""
    key = squeeze(text)
    if not key or len(key) > MAX_CHARS:
        return None
    exact, loose = _tables()
    return exact.get(key) or loose.get(strip_particles(key))
