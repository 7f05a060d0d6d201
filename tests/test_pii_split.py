"""A personal number split over two messages (api/privacy/split.py): the first message's tail is
kept, the second message's head is redacted as the whole number, a long tail is redacted at once."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.privacy.split import completion, kept_tail, pending
from tests.support.pii_samples import bank_card, mobile, resident_id

SEPARATORS = (" ", "-", "，", ".", "/")


def halves(value: str, sizes: tuple[int, ...], cut: int, rnd: random.Random) -> tuple[str, str]:
    groups, pos = [], 0
    for size in sizes:
        groups.append(value[pos : pos + size])
        pos += size
    sep = rnd.choice(SEPARATORS)
    return sep.join(groups[:cut]), sep.join(groups[cut:])


SHAPES = {
    "mobile": ((3, 4, 4), (4, 3, 4), (3, 8)),
    "id_card": ((6, 8, 4), (6, 4, 4, 4)),
    "bank_card": ((4, 4, 4, 4),),
}


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(["mobile", "id_card", "bank_card"]))
def test_any_number_cut_between_groups_is_finished_in_the_second_message(seed: int, kind: str) -> None:
    rnd = random.Random(seed)
    value = {"mobile": mobile, "id_card": resident_id, "bank_card": bank_card}[kind](rnd)
    if kind == "bank_card":
        value = value[:16]  # a 16-digit card written 4-4-4-4
        value = next(value[:15] + d for d in "0123456789" if find_card(value[:15] + d))
    sizes = rnd.choice(SHAPES[kind])
    first, second = halves(value, sizes, rnd.randint(1, len(sizes) - 1), rnd)
    first, second = "我的号是" + first, second + "，谢谢"
    done = completion(kept_tail(first), second)
    assert done is not None and done.value == value, (first, second)
    assert second[: done.end].strip(" -，./") and "谢谢" not in second[: done.end]
    # What the first message shows of it: at most six digits of a mobile or an ID; of a card at
    # most its first eight (the issuer's and product's digits: PCI DSS lets the first six show),
    # as eight-digit landlines must stay.
    cut = pending(first)
    shown = first[: cut.start] if cut else first
    assert sum(ch.isdigit() for ch in shown) <= (8 if kind == "bank_card" else 6), (first, cut)


def find_card(digits: str) -> bool:
    from api.privacy.redact import find

    found = find(digits)
    return len(found) == 1 and found[0].kind == "bank_card" and found[0].end == len(digits)


@pytest.mark.parametrize(
    "text",
    [
        "老板欠了我12000",
        "3500元一个月，干了8个月共28000",
        "从2024.03.15",
        "案子GY-20261203-0042",
        "电话0351-7654321",
        "010-62345678",
    ],
)
def test_ordinary_numbers_at_a_message_end_are_not_pending(text: str) -> None:
    assert pending(text) is None


def test_only_the_start_of_a_number_is_redacted_at_once_not_the_amount_before_it() -> None:
    text = "工资3000，电话138 1234"
    cut = pending(text)
    assert cut is not None and text[cut.start : cut.end] == "138 1234"


def test_nothing_is_finished_by_an_unrelated_message() -> None:
    assert completion("138 1234", "好的谢谢") is None
    assert completion("12000", "5678") is None
    assert completion("138 1234", "56789") is None  # one digit too many
