"""What one turn and one conversation were: what the worker sent, what came back, the tracker's state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.simulator.moves import Move


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    citations: tuple[dict[str, Any], ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        buttons = tuple(Button(str(b.get("title", "")), str(b.get("payload", ""))) for b in data.get("buttons") or [])
        return cls(str(data.get("text") or ""), buttons, tuple(data.get("citations") or []))


@dataclass
class TurnRecord:
    index: int
    move: Move
    status: int  # the api's HTTP status
    replies: list[Reply] = field(default_factory=list)
    seconds: float = 0.0
    # Rasa's tracker after the turn: the last event ("action:action_listen") and the active form.
    last_event: str = ""
    active_loop: str = ""
    requested_slot: str = ""
    # Slots holding a button's intent payload ("/deny"): a button taken as a form's answer.
    payload_slots: tuple[str, ...] = ()

    def buttons(self) -> list[Button]:
        return [b for r in self.replies for b in r.buttons]

    def render(self) -> str:
        head = f"  #{self.index} [{self.move.kind}] 工友: {self.move.shown()}"
        meta = f"      (HTTP {self.status}, {self.seconds:.2f}s, tracker: {self.last_event or '?'}"
        meta += f", form: {self.active_loop or '-'}{'/' + self.requested_slot if self.requested_slot else ''})"
        lines = [head, meta]
        for reply in self.replies:
            text = reply.text.replace("\n", " ⏎ ")
            lines.append(f"      助手: {text[:220]}{'…' if len(text) > 220 else ''}")
            if reply.buttons:
                lines.append("        按钮: " + " | ".join(f"{b.title}→{b.payload}" for b in reply.buttons))
            if reply.citations:
                lines.append("        依据: " + ", ".join(f"第{c.get('item')}项" for c in reply.citations))
        return "\n".join(lines)


@dataclass(frozen=True)
class Violation:
    invariant: str
    seed: int
    turn: int
    detail: str


@dataclass
class Conversation:
    seed: int
    session_id: str
    turns: list[TurnRecord] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    retries: int = 0  # rate-limited requests the harness waited out and sent again

    def render(self) -> str:
        lines = [f"conversation seed={self.seed} session={self.session_id}"]
        for turn in self.turns:
            lines.append(turn.render())
            lines += [f"      !! {v.invariant}: {v.detail}" for v in self.violations if v.turn == turn.index]
        return "\n".join(lines)
