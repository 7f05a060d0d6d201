"""A seeded random walk: the worker's next move, sometimes a reaction to the last reply, sometimes not.

The same seed and the same replies give the same moves; the last move of a conversation is
always a clear policy question (the ``recovers`` probe).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tests.simulator import moves as m
from tests.simulator.moves import Move
from tests.simulator.transcript import Button

# Weights while a form asks something: mostly answers, but every kind of derailment too.
IN_FORM: dict[str, float] = {
    m.FORM_ANSWER: 38,
    m.FORM_INVALID: 7,
    m.SEVERAL_FACTS: 5,
    m.CORRECTION: 5,
    m.POLICY: 8,
    m.STOP: 7,
    m.BUTTON: 10,
    m.YES: 4,
    m.NO: 2,
    m.STALE_BUTTON: 3,
    m.SMALL_TALK: 2,
    m.NOISE: 2,
    m.EMOJI: 1,
    m.NUMBER: 2,
    m.HANDOFF: 1,
    m.PROBE: 3,
}
# Weights otherwise.
FREE: dict[str, float] = {
    m.POLICY: 22,
    m.BUTTON: 14,
    m.YES: 10,
    m.NO: 4,
    m.STOP: 3,
    m.STALE_BUTTON: 5,
    m.SMALL_TALK: 6,
    m.EMOJI: 2,
    m.PINYIN: 4,
    m.NUMBER: 3,
    m.NOISE: 4,
    m.LONG_STORY: 3,
    m.MIXED: 3,
    m.HANDOFF: 2,
    m.CASE_LOOKUP: 4,
    m.SEVERAL_FACTS: 4,
    m.CORRECTION: 2,
    m.PROBE: 5,
}


@dataclass(frozen=True)
class Seen:
    """What the worker saw after a turn: the buttons offered and the form question asked, if any."""

    buttons: tuple[Button, ...] = ()
    requested_slot: str = ""


class Walker:
    def __init__(self, seed: int, turns: int, probes: tuple[str, ...] = m.PROBES) -> None:
        self.rng = random.Random(seed)
        self.turns = turns
        self.probes = probes
        self.turn = 0
        self.last = Seen()
        self.earlier: list[Button] = []  # buttons of every turn before the last: pressing one is stale

    def observe(self, seen: Seen) -> None:
        self.earlier += [b for b in self.last.buttons if b not in self.earlier]
        self.last = seen

    def next_move(self) -> Move:
        self.turn += 1
        if self.turn >= self.turns:
            return self._probe()
        form_topic = m.SLOT_TOPICS.get(self.last.requested_slot, "")
        weights = dict(IN_FORM if form_topic else FREE)
        if not self.last.buttons:
            weights.pop(m.BUTTON, None)
        if not self._stale():
            weights.pop(m.STALE_BUTTON, None)
        kinds = list(weights)
        kind = self.rng.choices(kinds, weights=[weights[k] for k in kinds])[0]
        return self._make(kind, form_topic)

    def _stale(self) -> list[Button]:
        current = set(self.last.buttons)
        return [b for b in self.earlier if b not in current]

    def _make(self, kind: str, form_topic: str) -> Move:
        rng = self.rng
        if kind == m.POLICY:
            topic = rng.choice(sorted(m.POLICY_QUESTIONS))
            return Move(kind, rng.choice(m.POLICY_QUESTIONS[topic]), detail=topic)
        if kind == m.BUTTON:
            button = rng.choice(self.last.buttons)
            return Move(kind, payload=button.payload, title=button.title)
        if kind == m.STALE_BUTTON:
            button = rng.choice(self._stale())
            return Move(kind, payload=button.payload, title=button.title)
        if kind in (m.FORM_ANSWER, m.FORM_INVALID):
            pool = m.FORM_ANSWERS if kind == m.FORM_ANSWER else m.FORM_INVALID_ANSWERS
            return Move(kind, self.fill(rng.choice(pool[form_topic])), detail=form_topic)
        if kind == m.PROBE:
            return self._probe()
        return Move(kind, self.fill(rng.choice(m.SIMPLE_POOLS[kind])))

    def _probe(self) -> Move:
        return Move(m.PROBE, self.rng.choice(self.probes))

    def fill(self, text: str) -> str:
        if "{phone}" not in text:
            return text
        phone = f"1{self.rng.choice('3589')}{self.rng.randrange(10**9):09d}"
        return text.replace("{phone}", phone)
