"""Personal numbers written the usual ways (issue 14, item 4): separators, Chinese numerals, groupings,
mistyped check digits; and the ordinary numbers that must stay as they are."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.privacy.redact import find, redact
from tests.support.pii_samples import (
    DIGIT_CHARS,
    id_check,
    is_id,
    luhn_ok,
    ordinary,
    personal,
    with_luhn,
)

MOBILE = "13812345678"
ID_18 = "140102199003071234"[:17] + id_check("14010219900307123")
CARD_16 = with_luhn("622202123456789")
CARD_19 = with_luhn("621700123456789012")
DIGITS = "".join(sorted(DIGIT_CHARS))


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.value) for f in find(text)]


def no_number_left(text: str) -> bool:
    out, _ = redact(text)
    return not any(
        ch in DIGITS for ch in out.replace("[手机号]", "").replace("[身份证号]", "").replace("[银行卡号]", "")
    )


@pytest.mark.parametrize(
    "text",
    [
        "电话138  1234  5678",  # double spaces
        "电话138.1234.5678",
        "电话138，1234，5678",
        "电话138,1234,5678",
        "电话138、1234、5678",
        "电话138/1234/5678",
        "电话138／1234／5678",
        "电话138·1234·5678",
        "电话138, 1234, 5678",  # two characters between groups
        "电话1381 234 5678",  # 4-3-4
        "电话1381-234-5678",
        "电话138\t1234\t5678",
        "电话138\n1234\n5678",
        "电话138\r\n1234\r\n5678",
        "电话138，12345678",  # 3-8
        "电话一三八一二三四五六七八",
        "电话幺三八幺两三四五六七八",
        "电话一三八 一二三四 五六七八",
        "电话1三8一2三4五6七8",  # mixed
        "电话13８一二34５六78",
        "电话+86 138，1234，5678",
    ],
)
def test_mobile_written_the_usual_ways_is_redacted(text: str) -> None:
    assert kinds(text) == [("mobile", MOBILE)]
    assert redact(text)[0].endswith("[手机号]")
    assert no_number_left(text)


@pytest.mark.parametrize(
    "text",
    [
        "电话139——1234——5678",  # em dash, doubled as Chinese keyboards type it
        "电话139—1234—5678",
        "电话139――1234――5678",  # horizontal bar
        "电话139──1234──5678",  # box-drawing line
        "电话139ー1234ー5678",  # katakana long-vowel mark, a Japanese keyboard's dash
        "电话139~1234~5678",
        "电话139～1234～5678",
        "电话139〜1234〜5678",
        "电话139*1234*5678",
        "电话139＊1234＊5678",
        "tel:139_1234_5678",
        "电话139＿1234＿5678",
        "电话139 - 1234 - 5678",  # three characters between groups
        "电话139 ——1234 ——5678",
        "电话(139)12345678",
        "电话（139）1234-5678",
        "电话(139) 1234 5678",
        "电话壹叁玖壹贰叁肆伍陆柒捌",  # formal numerals
        "电话壹參玖壹貳參肆伍陸柒捌",  # traditional
        "电话1叁9壹2叁4伍6柒8",  # mixed with digits
        "电话壹叁玖-壹贰叁肆-伍陆柒捌",
        "电话139 12 34 56 78",  # pairs
        "电话1３9 12 34 56 78",
        "电话139-12345-678",
        "电话1 3 9 1 2 3 4 5 6 7 8",  # every digit on its own
        "电话1-3-9-1-2-3-4-5-6-7-8",
        "电话一 三 九 一 二 三 四 五 六 七 八",
        "电话+86 139 12 34 56 78",
        "号码是139 后面是1234 5678",  # words between the head and the rest
        "号码139，后面12345678",
        "手机号一三九，然后是一二三四五六七八",
    ],
)
def test_mobile_written_in_rarer_forms_is_redacted(text: str) -> None:
    assert kinds(text) == [("mobile", "13912345678")]
    out = redact(text)[0]
    assert out.endswith("[手机号]"), out
    assert not set(out) & DIGIT_CHARS, out


@pytest.mark.parametrize(
    "text",
    [
        "1 2 3",
        "第1、3、5、7、9、11、13天",
        "13:30",
        "13:30-15:00",
        "1-2天",
        "13~15号",
        "3000~5000元",
        "12.50元",
        "13.50，14.80，9.90",  # prices
        "13.5 14.8 9.9 10.5",
        "139.120.134.56",  # a network address (uvicorn's log lines hold them)
        "版本1.3.9",
        "120*60*30",
        "1500，2000，300",  # amounts
        "150 200 300 50",
        "1580，2356，179",  # three amounts, eleven digits
        "13 25 36 47 58 9",
        "13.2.2024 15.30",
        "3比1",
        "(0351)1234567",
        "（0351）7654321",
        "2024——12——03",
        "电话费150元，后面是20240315交的",  # a date after a mobile-like head
    ],
)
def test_ordinary_numbers_the_loose_rules_meet_are_left_alone(text: str) -> None:
    assert find(text) == []


def test_a_numeral_before_a_number_in_digits_is_a_word() -> None:
    assert redact("第一13812345678")[0] == "第一[手机号]"
    assert redact("我有两13812345678")[0] == "我有两[手机号]"


@pytest.mark.parametrize(
    "written",
    [
        f"{ID_18[:6]} {ID_18[6:10]} {ID_18[10:14]} {ID_18[14:]}",  # 6-4-4-4
        f"{ID_18[:6]}-{ID_18[6:10]}-{ID_18[10:14]}-{ID_18[14:]}",
        f"{ID_18[:6]}.{ID_18[6:14]}.{ID_18[14:]}",  # 6-8-4 with dots
        f"{ID_18[:6]}，{ID_18[6:14]}，{ID_18[14:]}",
        f"{ID_18[:6]}  {ID_18[6:14]}  {ID_18[14:]}",
        "".join("零一二三四五六七八九"[int(c)] for c in ID_18),
        "".join("〇幺两三四五六七八九"[int(c)] for c in ID_18),
    ],
)
def test_id_written_the_usual_ways_is_redacted(written: str) -> None:
    text = f"我身份证{written}，谢谢"
    assert kinds(text) == [("id_card", ID_18)]
    assert no_number_left(text)


def test_id_with_a_wrong_check_digit_but_a_real_birth_date_is_redacted() -> None:
    wrong = ID_18[:17] + ("0" if ID_18[-1] != "0" else "1")
    assert not is_id(wrong)
    assert kinds(f"身份证{wrong}") == [("id_card", wrong)]


@pytest.mark.parametrize(
    "written, value",
    [
        (f"{CARD_19[:6]} {CARD_19[6:]}", CARD_19),  # 6+13
        (f"{CARD_19[:6]}-{CARD_19[6:]}", CARD_19),
        (" ".join(CARD_19[i : i + 4] for i in range(0, 19, 4)), CARD_19),
        ("  ".join(CARD_16[i : i + 4] for i in range(0, 16, 4)), CARD_16),
        (".".join(CARD_16[i : i + 4] for i in range(0, 16, 4)), CARD_16),
        ("/".join(CARD_16[i : i + 4] for i in range(0, 16, 4)), CARD_16),
        ("，".join(CARD_16[i : i + 4] for i in range(0, 16, 4)), CARD_16),
    ],
)
def test_card_written_the_usual_ways_is_redacted(written: str, value: str) -> None:
    text = f"工资卡{written}发工资"
    assert kinds(text) == [("bank_card", value)]
    assert no_number_left(text)


def test_a_card_and_a_mobile_side_by_side_are_both_found() -> None:
    card = " ".join(CARD_16[i : i + 4] for i in range(0, 16, 4))
    text = f"卡{card} 139 8765 4321"
    assert kinds(text) == [("bank_card", CARD_16), ("mobile", "13987654321")]


def test_trailing_group_of_a_longer_card_reading_is_redacted_too() -> None:
    # The first sixteen digits pass Luhn; the 18-digit card they start must not leave "81" in clear.
    body = next(b for n in range(1000) if luhn_ok(b := f"62627054096{n:04d}9"[:16]))
    text = f"卡号{body[:4]} {body[4:8]} {body[8:12]} {body[12:]} 81"
    assert redact(text)[0] == "卡号[银行卡号]"


@pytest.mark.parametrize(
    "text",
    [
        "欠了我12000块",
        "3500元一个月",
        "2024年3月15日",
        "2024.03.15",
        "20240315",
        "2024.03.15-2025.01.20",
        "20240315-20240320",
        "二〇二四年三月十五日",
        "早上7:30到晚上10:00",
        "案件编号GY-20261203-AB12",
        "GY-20261203-0042",
        "我们12个人干了45天",
        "5500，5000，9500，9200",  # a list of amounts, not a card
        "3000 4500 5000 6200",
        "工资1,380,000元",
        "0351-1234567",  # a landline is an office's, not a person's
        "0351 7654321，0351-2345678",
        "400-800-1234",
        "12333",
        "95588",
        "一二三四五六七八个",
        "订单号4512345678901235",  # Luhn fails, not a UnionPay number
    ],
)
def test_ordinary_numbers_are_left_alone(text: str) -> None:
    assert find(text) == []


# --- properties ---------------------------------------------------------------------------------

# Context without digits or Chinese numerals: a numeral touching a number in numerals is part of it.
CONTEXT = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF).filter(lambda ch: ch not in DIGITS),
        st.sampled_from("abcxyz:;!?()，。：！？（）😀👷🧱"),
    ),
    max_size=10,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32), CONTEXT, CONTEXT)
def test_every_written_form_is_found_in_chinese_context(seed: int, before: str, after: str) -> None:
    item = personal(random.Random(seed))
    text = before + item.text + after
    spans = [(f.start, f.end) for f in find(text)]
    uncovered = [
        ch for i, ch in enumerate(item.text, len(before)) if ch in DIGIT_CHARS and not any(a <= i < b for a, b in spans)
    ]
    assert not uncovered, f"{item.form}: {text!r}"


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32), CONTEXT, CONTEXT)
def test_ordinary_numbers_in_context_are_left_alone(seed: int, before: str, after: str) -> None:
    category, sample = ordinary(random.Random(seed))
    text = before + "，" + sample + "。" + after
    assert find(text) == [], category


# --- what the fuzzer found (tests/fuzz/targets.py: redactor) -------------------------------------


def test_an_id_followed_by_a_digit_after_its_x_is_not_cut_out_of_the_run() -> None:
    assert [f for f in find("号11401219900307124x2号") if f.kind == "id_card"] == []


def test_a_card_with_zero_groups_is_not_a_list_of_amounts() -> None:
    card = with_luhn("300000000000000009")
    written = f"{card[:4]}．{card[4:8]}·{card[8:12]}，{card[12:16]}\u00a0{card[16:]}"
    assert kinds(f"卡{written}号") == [("bank_card", card)]


def test_a_loose_mobile_after_digits_and_a_plus_is_no_whole_run() -> None:
    assert [f.value for f in find("140+86 138 122314 05")] == []


def test_a_loose_mobile_next_to_another_is_found_as_after_redaction() -> None:
    text = "0086 1／5／5／3／7／6／0／4／4／0／2–＋86 168－25242-673"
    out, found = redact(text)
    assert [f.value for f in found] == ["15537604402", "16825242673"]
    assert redact(out) == (out, [])


# --- what the bench found (bench/redaction.py --n 20000) -----------------------------------------


def test_a_mistyped_id_ending_in_x_is_not_a_card_and_an_x() -> None:
    # Its first 17 digits pass Luhn and start with 4, like a Visa card; the X makes it an ID.
    first17 = next(f"4101051955051{n:04d}" for n in range(10_000) if luhn_ok(f"4101051955051{n:04d}"))
    assert id_check(first17) != "X" and first17[0] == "4"
    wrong = first17 + "X"
    assert kinds(f"身份证{wrong}号") == [("id_card", wrong)]


def test_a_card_printed_six_and_thirteen_ending_in_00_is_no_list_of_amounts() -> None:
    card = "626200" + "5188916599300"
    assert kinds(f"卡号{card[:6]}，{card[6:]}") == [("bank_card", card)]
