"""Reading form answers as workers type them."""

from __future__ import annotations

import pytest

from actions.parsing import (
    chinese_number,
    mask_phone,
    parse_amount,
    parse_case_number,
    parse_count,
    parse_evidence,
    parse_grade,
    parse_months,
    parse_period,
    parse_phone,
    parse_place,
    parse_sector,
    parse_yes_no,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("三万", 30000),
        ("三万五", 35000),
        ("两千", 2000),
        ("十二", 12),
        ("一百零五", 105),
        ("2万5", 25000),
        ("3.5万", 35000),
        ("1万2千", 12000),
        ("二十万", 200000),
        ("一万二", 12000),
    ],
)
def test_chinese_numbers(text: str, value: int) -> None:
    assert chinese_number(text) == value


@pytest.mark.parametrize(
    ("text", "yuan"),
    [
        ("三万块", 30000),
        ("2万5", 25000),
        ("30000元", 30000),
        ("八千多", 8000),
        ("一共欠了两万五", 25000),
        ("干了3个月欠我8600元", 8600),
        ("３０００元", 3000),
        ("去年12月干到今年3月，欠5000", 5000),
    ],
)
def test_amounts(text: str, yuan: int) -> None:
    assert parse_amount(text) == yuan


def test_not_an_amount() -> None:
    assert parse_amount("不知道") is None
    assert parse_amount("") is None


def test_periods_and_months() -> None:
    assert parse_months("三个月") == 3 and parse_months("半年") == 6 and parse_months("两年半") == 30
    assert parse_months("去年3月到12月") is None  # months of the year, not a length
    assert parse_period("去年3月到12月") == "去年3月到12月"
    assert parse_period("很久") is None


def test_counts() -> None:
    assert [parse_count(t) for t in ("十几个人", "就我一个", "20多个", "我们5个人", "6", "很多")] == [
        10,
        1,
        20,
        5,
        6,
        None,
    ]


def test_yes_no() -> None:
    assert [parse_yes_no(t) for t in ("办了", "没办", "还没有", "有", "请不起", "请得起", "不知道")] == [
        True,
        False,
        False,
        True,
        False,
        True,
        None,
    ]


def test_phones_are_read_and_masked() -> None:
    assert parse_phone("电话 139-1234-5678") == "13912345678"
    assert parse_phone("１３９１２３４５６７８") == "13912345678"
    assert parse_phone("[手机号1]") == "[手机号1]"
    assert parse_phone("12345") is None
    assert mask_phone("13912345678") == "139****5678"


def test_case_numbers() -> None:
    assert parse_case_number("我的编号是gy-20261128-k7q2") == "GY-20261128-K7Q2"
    assert parse_case_number("GY20261128K7Q2") == "GY-20261128-K7Q2"
    assert parse_case_number("GY-2026-1") is None


def test_places_sectors_grades_evidence() -> None:
    assert parse_place("在太原市小店区干的") == "太原市小店区"
    assert parse_place("大同") == "大同"
    assert parse_place("老家") is None
    assert parse_sector("工地") == "工程建设" and parse_sector("饭店") == "非工程建设"
    assert parse_sector("非工程建设") == "非工程建设"
    assert parse_grade("上小学一年级") == "小学" and parse_grade("初二") == "初中" and parse_grade("7岁") == "小学"
    assert parse_evidence("有合同和微信聊天记录") == ["劳动合同", "转账或聊天记录"]
    assert parse_evidence("都没有") == []
    assert parse_evidence("嗯嗯") is None
