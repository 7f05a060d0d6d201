"""What must hold on every turn, each check named; a check returns what went wrong, or None.

``accepted`` covers a request the api refused (the widget shows an error instead of an answer):
the reply checks skip it rather than count the same fault twice, except ``stale_button``, which
is about exactly that press.
"""

from __future__ import annotations

from collections.abc import Callable

from api.conversations.turn import FAILURE_REPLY
from tests.simulator import moves as m
from tests.simulator.transcript import TurnRecord

Check = Callable[[TurnRecord], str | None]
LISTENING = "action:action_listen"


def accepted(turn: TurnRecord) -> str | None:
    """The api took the message (the widget would show an error instead of an answer)."""
    return None if turn.status == 200 else f"HTTP {turn.status}"


def replied(turn: TurnRecord) -> str | None:
    if turn.status != 200 or any(r.text.strip() for r in turn.replies):
        return None
    return "no reply with text"


def at_most_4(turn: TurnRecord) -> str | None:
    return None if len(turn.replies) <= 4 else f"{len(turn.replies)} messages"


def no_repeat(turn: TurnRecord) -> str | None:
    texts = [r.text.strip() for r in turn.replies if r.text.strip()]
    repeated = sorted({t for t in texts if texts.count(t) > 1})
    return f"repeated: {repeated[0][:60]}" if repeated else None


def _apologised(turn: TurnRecord) -> bool:
    return any(r.text.strip() == FAILURE_REPLY for r in turn.replies)


def no_apology(turn: TurnRecord) -> str | None:
    return f"the apology, after {turn.seconds:.1f}s" if _apologised(turn) else None


def listening(turn: TurnRecord) -> str | None:
    return None if turn.last_event == LISTENING else f"tracker ends with {turn.last_event or 'nothing'}"


def leaves_form(turn: TurnRecord) -> str | None:
    if turn.move.kind != m.STOP or not turn.active_loop:
        return None
    return f"still in {turn.active_loop} (asking {turn.requested_slot or '?'})"


def recovers(turn: TurnRecord) -> str | None:
    if turn.move.kind != m.PROBE or any(r.citations for r in turn.replies):
        return None
    return "a clear policy question got no citation"


def stale_button(turn: TurnRecord) -> str | None:
    if turn.move.kind != m.STALE_BUTTON:
        return None
    if turn.status != 200 or not any(r.text.strip() for r in turn.replies) or _apologised(turn):
        return "no sensible reply to an earlier turn's button"
    return None


def no_button_in_slot(turn: TurnRecord) -> str | None:
    """A button's intent payload is never kept as a form's answer (a stale "/deny" as the employer)."""
    return f"slots holding a payload: {', '.join(turn.payload_slots)}" if turn.payload_slots else None


INVARIANTS: dict[str, Check] = {
    "accepted": accepted,
    "replied": replied,
    "at_most_4": at_most_4,
    "no_repeat": no_repeat,
    "no_apology": no_apology,
    "listening": listening,
    "leaves_form": leaves_form,
    "recovers": recovers,
    "stale_button": stale_button,
    "no_button_in_slot": no_button_in_slot,
}


def check_turn(turn: TurnRecord) -> list[tuple[str, str]]:
    """Every invariant this turn breaks, with what went wrong."""
    found = [(name, check(turn)) for name, check in INVARIANTS.items()]
    return [(name, detail) for name, detail in found if detail is not None]
