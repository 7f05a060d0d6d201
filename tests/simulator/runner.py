"""Runs simulated conversations against a running system and gathers the figures.

Shared by ``python -m tests.simulator`` and tests/test_simulated_worker.py. A conversation
talks to the api's web channel as the widget does (text, or a button's payload with its
title) and reads Rasa's tracker after every turn. Anything that would make the harness,
not the bot, look broken (a wrong sender id, the api's rate limit) is handled here.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from tests.simulator import moves as m
from tests.simulator.invariants import check_turn
from tests.simulator.moves import Move
from tests.simulator.transcript import Conversation, Reply, TurnRecord, Violation
from tests.simulator.walker import Seen, Walker

HTTP_TIMEOUT_S = 60.0
RATE_LIMIT_RETRIES = 3
SEEDS_PER_BASE = 1_000_000  # conversation seeds of base seed S: S*1e6 + 0, 1, 2, …


class Target(Protocol):
    """A running system: tests.support.system.System fits."""

    @property
    def api(self) -> str: ...

    @property
    def rasa(self) -> str: ...

    def auth(self) -> dict[str, str]: ...


class HarnessError(RuntimeError):
    """The harness could not observe the system correctly: not a fault of the bot."""


def conversation_seeds(base: int, count: int) -> list[int]:
    return [base * SEEDS_PER_BASE + i for i in range(count)]


def sender_of(session_id: str) -> str:
    """Rasa's sender id for a web session (api/conversations/turn.py: Inbound.conversation)."""
    return f"web:{session_id}"


def request_body(session_id: str, move: Move) -> dict[str, str]:
    """What the widget posts (api/static/widget.js): an intent button ("/affirm") its payload and
    title; an answer button ("工程建设") its payload as the words typed."""
    if move.payload and not move.payload.startswith("/"):
        return {"session_id": session_id, "text": move.payload}
    if move.payload:
        return {"session_id": session_id, "payload": move.payload, "title": move.title}
    return {"session_id": session_id, "text": move.text}


def send(client: httpx.Client, target: Target, session_id: str, move: Move) -> tuple[httpx.Response, float, int]:
    """One message; a rate-limited one is sent again in the next minute (the limit is per minute)."""
    retries = 0
    while True:
        started = time.perf_counter()
        response = client.post(f"{target.api}/api/web/messages", json=request_body(session_id, move))
        seconds = time.perf_counter() - started
        if response.status_code != 429 or retries >= RATE_LIMIT_RETRIES:
            return response, seconds, retries
        retries += 1
        time.sleep(61 - time.time() % 60)


def read_tracker(client: httpx.Client, target: Target, sender: str) -> dict[str, Any]:
    # The sender id goes into the path as it is: Rasa does not decode an escaped ":" (web%3A… is
    # another, empty conversation, which would always look fine).
    response = client.get(f"{target.rasa}/conversations/{sender}/tracker", headers=target.auth())
    response.raise_for_status()
    tracker: dict[str, Any] = response.json()
    if tracker.get("sender_id") != sender:
        raise HarnessError(f"asked for the tracker of {sender}, got {tracker.get('sender_id')}")
    return tracker


def last_event(tracker: dict[str, Any]) -> str:
    events = tracker.get("events") or []
    if not events:
        return ""
    event = events[-1]
    return f"{event.get('event')}:{event.get('name')}" if event.get("name") else str(event.get("event"))


def play_turn(client: httpx.Client, target: Target, session_id: str, index: int, move: Move) -> tuple[TurnRecord, int]:
    response, seconds, retries = send(client, target, session_id, move)
    turn = TurnRecord(index=index, move=move, status=response.status_code, seconds=seconds)
    if response.status_code == 200:
        turn.replies = [Reply.from_json(r) for r in response.json().get("replies", [])]
    tracker = read_tracker(client, target, sender_of(session_id))
    if response.status_code == 200 and move.text and not tracker.get("events"):
        raise HarnessError(f"the tracker of {session_id} is empty after a turn")
    turn.last_event = last_event(tracker)
    turn.active_loop = str((tracker.get("active_loop") or {}).get("name") or "")
    slots = tracker.get("slots") or {}
    turn.requested_slot = str(slots.get("requested_slot") or "")
    turn.payload_slots = tuple(sorted(k for k, v in slots.items() if isinstance(v, str) and v.startswith("/")))
    return turn, retries


def run_conversation(target: Target, seed: int, turns: int, probes: tuple[str, ...] = m.PROBES) -> Conversation:
    session_id = f"sim-{seed}-{uuid.uuid4().hex[:8]}"
    conversation = Conversation(seed=seed, session_id=session_id)
    walker = Walker(seed, turns, probes)
    with httpx.Client(timeout=HTTP_TIMEOUT_S) as client:
        for index in range(1, turns + 1):
            turn, retries = play_turn(client, target, session_id, index, walker.next_move())
            conversation.retries += retries
            conversation.turns.append(turn)
            conversation.violations += [Violation(name, seed, index, detail) for name, detail in check_turn(turn)]
            walker.observe(Seen(tuple(turn.buttons()), turn.requested_slot if turn.active_loop else ""))
    return conversation


def unclear_probes(target: Target) -> list[str]:
    """Probes that get no citation even in a fresh conversation: they would blame the walk for the NLU."""
    failing = []
    with httpx.Client(timeout=HTTP_TIMEOUT_S) as client:
        for probe in m.PROBES:
            session_id = f"sim-probe-{uuid.uuid4().hex[:8]}"
            response, _, _ = send(client, target, session_id, Move(m.PROBE, probe))
            replies = response.json().get("replies", []) if response.status_code == 200 else []
            if not any(r.get("citations") for r in replies):
                failing.append(probe)
    return failing


def system_up(target: Target) -> bool:
    try:
        rasa = httpx.get(f"{target.rasa}/status", headers=target.auth(), timeout=5)
        api = httpx.get(f"{target.api}/readyz", timeout=5)
    except httpx.HTTPError:
        return False
    return rasa.status_code == 200 and api.status_code == 200


@dataclass
class Report:
    conversations: list[Conversation]
    wall_s: float
    excluded_probes: list[str] = field(default_factory=list)
    up_after: bool = True

    @property
    def turns(self) -> list[TurnRecord]:
        return [t for c in self.conversations for t in c.turns]

    @property
    def violations(self) -> list[Violation]:
        return [v for c in self.conversations for v in c.violations]

    def violating(self) -> list[Conversation]:
        return [c for c in self.conversations if c.violations]

    def figures(self) -> str:
        turns = self.turns
        seconds = sorted(t.seconds for t in turns) or [0.0]
        by_turns = Counter(v.invariant for v in self.violations)
        by_conversations = Counter(name for c in self.conversations for name in {v.invariant for v in c.violations})
        lines = [
            f"conversations: {len(self.conversations)}   turns: {len(turns)}   wall time: {self.wall_s:.1f}s   "
            f"turns/s: {len(turns) / self.wall_s if self.wall_s else 0:.2f}",
            f"api time per turn: mean {statistics.fmean(seconds):.2f}s, median {statistics.median(seconds):.2f}s, "
            f"p95 {seconds[int(0.95 * (len(seconds) - 1))]:.2f}s, max {seconds[-1]:.2f}s",
            f"rate-limited requests sent again: {sum(c.retries for c in self.conversations)}   "
            f"system up after the run: {'yes' if self.up_after else 'NO'}",
        ]
        if self.excluded_probes:
            lines.append(f"probes left out (no citation even in a fresh conversation): {self.excluded_probes}")
        lines.append(
            f"violations: {len(self.violations)} in {len(self.violating())} conversations"
            + ("" if by_turns else " — none")
        )
        lines += [
            f"  {name:<13} {count:>5} turns in {by_conversations[name]:>4} conversations"
            for name, count in by_turns.most_common()
        ]
        seeds = [c.seed for c in self.violating()]
        if seeds:
            lines.append(f"violating seeds: {' '.join(map(str, seeds[:60]))}{' …' if len(seeds) > 60 else ''}")
        return "\n".join(lines)

    def transcripts(self, count: int) -> str:
        return "\n\n".join(c.render() for c in self.violating()[:count])

    def summary(self, transcripts: int = 3) -> str:
        shown = self.transcripts(transcripts)
        return self.figures() + (f"\n\nfirst violating transcripts:\n{shown}" if shown else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "conversations": len(self.conversations),
            "turns": len(self.turns),
            "wall_s": self.wall_s,
            "violations": [vars(v) for v in self.violations],
            "transcripts": {str(c.seed): c.render() for c in self.violating()},
        }


def run(target: Target, seeds: list[int], turns: int, workers: int = 3) -> Report:
    """The conversations of these seeds, ``workers`` at a time; the report lists them in seed order."""
    excluded = unclear_probes(target)
    probes = tuple(p for p in m.PROBES if p not in excluded) or m.PROBES
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        done = list(pool.map(lambda seed: run_conversation(target, seed, turns, probes), seeds))
    wall = time.perf_counter() - started
    return Report(done, wall, excluded, system_up(target))
