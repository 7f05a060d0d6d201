"""The simulated worker (tests/simulator/): its own checks, then the walk against the real system.

The walk (slow) runs SIMULATE_CONVERSATIONS conversations (default 300) x 12 turns from a
fixed base seed and expects no invariant broken on any turn.
"""

from __future__ import annotations

import os

import pytest

from api.conversations.turn import FAILURE_REPLY
from tests.simulator import moves as m
from tests.simulator.invariants import INVARIANTS, LISTENING, check_turn
from tests.simulator.moves import Move
from tests.simulator.runner import conversation_seeds, request_body, run, sender_of
from tests.simulator.transcript import Button, Reply, TurnRecord
from tests.simulator.walker import Seen, Walker
from tests.support.system import System

BASE_SEED = 20261203
CITATION = {"doc": "要点", "item": 3, "title": "坚决保障农民工工资支付", "quote": "…", "departments": ["人社厅"]}
SCRIPT = [
    Seen((Button("好的", "/start_wage_intake"), Button("不用了", "/deny"))),
    Seen((Button("工地（工程建设）", "工程建设"),), "wage_sector"),
    Seen(requested_slot="wage_employer"),
    Seen(),
    Seen((Button("确认提交", "/affirm"),)),
] * 3


def walk(seed: int, turns: int = 12) -> list[Move]:
    walker = Walker(seed, turns)
    made = []
    for seen in SCRIPT[:turns]:
        made.append(walker.next_move())
        walker.observe(seen)
    return made


def test_the_same_seed_makes_the_same_moves() -> None:
    assert walk(7) == walk(7)
    assert walk(7) != walk(8)


def test_a_conversation_ends_with_a_probe() -> None:
    for seed in range(20):
        assert walk(seed)[-1].kind == m.PROBE


def test_reactions_fit_what_was_offered_and_asked() -> None:
    offered = {b for seen in SCRIPT for b in seen.buttons}
    for seed in range(200):
        walker = Walker(seed, 12)
        earlier: set[Button] = set()
        for seen in SCRIPT[:11]:
            move = walker.next_move()
            last = walker.last
            if move.kind == m.BUTTON:
                assert Button(move.title, move.payload) in last.buttons
            if move.kind == m.STALE_BUTTON:
                button = Button(move.title, move.payload)
                assert button in earlier and button in offered and button not in last.buttons
            if move.kind in (m.FORM_ANSWER, m.FORM_INVALID):
                assert move.detail == m.SLOT_TOPICS[last.requested_slot]
            earlier |= set(last.buttons)
            walker.observe(seen)


def test_a_phone_answer_is_eleven_digits() -> None:
    walker = Walker(3, 12)
    number = walker.fill("{phone}")
    assert len(number) == 11 and number.startswith("1") and number.isdigit()


def test_the_request_is_what_the_widget_sends() -> None:
    button = Move(m.BUTTON, payload="/affirm", title="确认提交")
    assert request_body("s-12345678", button) == {"session_id": "s-12345678", "payload": "/affirm", "title": "确认提交"}
    assert request_body("s-12345678", Move(m.YES, "要")) == {"session_id": "s-12345678", "text": "要"}
    answer = Move(m.BUTTON, payload="非工程建设", title="工厂、饭店等（非工程建设）")
    assert request_body("s-12345678", answer) == {"session_id": "s-12345678", "text": "非工程建设"}
    assert sender_of("s-12345678") == "web:s-12345678"
    assert conversation_seeds(2, 3) == [2_000_000, 2_000_001, 2_000_002]


def turn(kind: str = m.POLICY, replies: list[Reply] | None = None, **state: object) -> TurnRecord:
    record = TurnRecord(index=1, move=Move(kind, "老板欠钱不给咋办"), status=200, last_event=LISTENING)
    record.replies = [Reply("拖欠工资可以这样办", citations=(CITATION,))] if replies is None else replies
    for name, value in state.items():
        setattr(record, name, value)
    return record


GOOD = Reply("好的")
BAD_TURNS: dict[str, TurnRecord] = {
    "accepted": turn(status=422, replies=[]),
    "replied": turn(replies=[Reply("", buttons=(Button("好的", "/affirm"),))]),
    "at_most_4": turn(replies=[Reply(f"第{i}句") for i in range(5)]),
    "no_repeat": turn(replies=[Reply("第1步：哪个市？"), Reply("第1步：哪个市？")]),
    "no_apology": turn(replies=[Reply(FAILURE_REPLY)]),
    "listening": turn(last_event="action:action_answer_policy"),
    "leaves_form": turn(m.STOP, [GOOD], active_loop="wage_intake_form", requested_slot="wage_place"),
    "recovers": turn(m.PROBE, [Reply("第3步：在哪个市、哪个县（区）干的活？")]),
    "stale_button": turn(m.STALE_BUTTON, [Reply(FAILURE_REPLY)]),
    "no_button_in_slot": turn(m.STALE_BUTTON, [GOOD], payload_slots=("wage_employer",)),
}
GOOD_TURNS: dict[str, TurnRecord] = {
    "accepted": turn(),
    "replied": turn(replies=[GOOD]),
    "at_most_4": turn(replies=[Reply(f"第{i}句") for i in range(4)]),
    "no_repeat": turn(replies=[Reply("没太看明白。"), Reply("第1步：哪个市？")]),
    "no_apology": turn(replies=[GOOD]),
    "listening": turn(),
    "leaves_form": turn(m.STOP, [GOOD]),
    "recovers": turn(m.PROBE),
    "stale_button": turn(m.STALE_BUTTON, [Reply("好的。还有别的问题吗？")]),
    "no_button_in_slot": turn(m.STALE_BUTTON, [GOOD]),
}


@pytest.mark.parametrize("name", sorted(INVARIANTS))
def test_each_invariant_fails_a_bad_turn_and_passes_a_good_one(name: str) -> None:
    assert INVARIANTS[name](BAD_TURNS[name]) is not None
    assert INVARIANTS[name](GOOD_TURNS[name]) is None
    assert name in [broken for broken, _ in check_turn(BAD_TURNS[name])]
    assert check_turn(GOOD_TURNS[name]) == []


@pytest.mark.slow
@pytest.mark.timeout(1800)  # 300 conversations take about 7.5 minutes on 2 cores, over the default 600 s
def test_simulated_workers_break_no_invariant(system: System) -> None:
    count = int(os.environ.get("SIMULATE_CONVERSATIONS", "300"))
    report = run(system, conversation_seeds(BASE_SEED, count), turns=12, workers=3)
    print(report.figures())
    # The count, not the report: pytest would print the whole report object under the message.
    broken = len(report.violations)
    assert broken == 0, report.summary(transcripts=3)
