"""Facts said in passing, corrections, and yes/no/stop as workers type them (no model, no Rasa)."""

from __future__ import annotations

import pytest

from actions.facts import corrected_value, housing_facts, is_correction, legal_aid_facts, school_facts, wage_facts
from actions.parsing import parse_period, parse_yes_no
from actions.validate_wage_intake import RULES
from bot.components.short_replies import classify

WAGE_READERS = {slot: rule.parse for slot, rule in RULES.items()}


def test_a_whole_story_fills_every_slot_it_names() -> None:
    facts = wage_facts("俺在晋中市榆次区的工地上干活，包工头拖了我们6个人前年11月到去年2月的钱，总共三万八")
    assert facts == {
        "wage_place": "晋中市榆次区",
        "wage_period": "前年11月到去年2月",
        "wage_sector": "工程建设",
        "wage_amount": "38000元",
        "wage_workers": "6人",
    }


def test_an_unnamed_site_is_not_an_employer_but_a_named_boss_is() -> None:
    assert "wage_employer" not in wage_facts("我在大同市平城区的工地干活")
    facts = wage_facts("长治市潞州区的一个商场工地，老板叫刘志强")
    assert facts["wage_place"] == "长治市潞州区"
    assert facts["wage_employer"] == "商场工地，老板叫刘志强"
    # Who was there is not the site's name.
    assert "wage_employer" not in wage_facts("俺们仨在太原小店区的工地干活")
    assert wage_facts("俺们仨在恒泰小区三期工地干活")["wage_employer"] == "恒泰小区三期工地"


@pytest.mark.parametrize(
    ("text", "period"), [("从腊月开始没给", "从腊月开始"), ("3月以来一分没发", "3月以来"), ("干到冬月", "干到冬月")]
)
def test_a_period_from_or_up_to_a_month(text: str, period: str) -> None:
    assert wage_facts(text)["wage_period"] == period
    assert parse_period(text)  # and the same words answer the form's question about the time


@pytest.mark.parametrize(
    "text",
    ["老板欠我两个月工资", "我们3个月没发钱了", "去年干了活", "8个人", "孩子12岁"],
)
def test_numbers_without_a_money_word_are_not_money(text: str) -> None:
    assert "wage_amount" not in wage_facts(text)


@pytest.mark.parametrize(
    ("text", "amount"),
    [("欠了4万块", "40000元"), ("一共九千八", "9800元"), ("工资6500元没给", "6500元"), ("总共欠两万五", "25000元")],
)
def test_money_said_in_passing(text: str, amount: str) -> None:
    assert wage_facts(text)["wage_amount"] == amount


def test_head_counts_need_people() -> None:
    assert wage_facts("我们十五个工友都没拿到")["wage_workers"] == "15人"
    assert wage_facts("就我一个人")["wage_workers"] == "1人"
    assert wage_facts("欠了俺们仨半年的钱")["wage_workers"] == "3人"
    assert "wage_workers" not in wage_facts("干了五个月")


@pytest.mark.parametrize(
    ("text", "slot", "value"),
    [
        ("不是8个人，是11个", "wage_workers", "11人"),
        ("地点说错了，是运城市盐湖区", "wage_place", "运城市盐湖区"),
        ("钱数不对，应该是四万二", "wage_amount", "42000元"),
        ("时间写错了，是前年6月到9月", "wage_period", "前年6月到9月"),
        ("人数改成20个人", "wage_workers", "20人"),
    ],
)
def test_a_correction_names_its_slot_and_the_new_value(text: str, slot: str, value: str) -> None:
    assert is_correction(text)
    assert corrected_value(text, WAGE_READERS, wage_facts) == {slot: value}


def test_a_plain_answer_is_no_correction() -> None:
    assert not is_correction("太原市小店区")
    assert not is_correction("一共两万五")


def test_the_other_journeys_read_facts_too() -> None:
    assert school_facts("闺女要上初一，我们在忻州市忻府区打工，户口在吕梁临县，办了居住证") == {
        "child_grade": "初中",
        "family_city": "忻州市忻府区",
        "hukou_place": "吕梁临县",
        "has_residence_permit": "有",
    }
    assert housing_facts("在阳泉打工，没有固定工作，两口子带一个娃") == {
        "housing_city": "阳泉",
        "stable_job": "没有",
        "household": "两口子带一个娃",
    }
    assert legal_aid_facts("被开除了，我请不起律师") == {"dispute_type": "劳动合同", "can_afford_lawyer": "请不起"}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("要", "affirm"),
        ("要！", "affirm"),
        ("嗯嗯嗯", "affirm"),
        ("中", "affirm"),
        ("行哇", "affirm"),
        ("好的呀～", "affirm"),
        ("可以可以", "affirm"),
        ("👍", "affirm"),
        ("OK", "affirm"),
        ("确认提交", "affirm"),  # the summary's button, typed at another step: no name or place
        ("No!", "deny"),
        ("不用了", "deny"),
        ("甭了", "deny"),
        ("不要了", "deny"),
        ("算了", "stop"),
        ("算了吧", "stop"),
        ("重新开始", "stop"),
        ("老板欠我工资", None),
        ("要登记吗", None),
        ("哈哈哈", None),
        ("", None),
    ],
)
def test_short_replies(text: str, intent: str | None) -> None:
    assert classify(text) == intent


def test_forms_read_yes_and_no_from_the_same_lexicon() -> None:
    assert [parse_yes_no(t) for t in ("中", "对着咧", "嗯呐", "甭了", "不用咧")] == [True, True, True, False, False]


@pytest.mark.parametrize(
    ("text", "amount"),
    [("十几万", "约100000元"), ("十来万", "约100000元"), ("2w", "20000元"), ("3k块", "3000元"), ("八千多", "约8000元")],
)
def test_sums_as_workers_shorten_them(text: str, amount: str) -> None:
    assert RULES["wage_amount"].parse(text) == amount


@pytest.mark.parametrize(
    ("text", "place"),
    [("晋中榆次", "晋中榆次区"), ("临汾尧都", "临汾尧都区"), ("五寨", "五寨县"), ("开了个小店", None)],
)
def test_counties_by_their_short_names(text: str, place: str | None) -> None:
    assert RULES["wage_place"].parse(text) == place


@pytest.mark.parametrize("text", ["确认提交", "好的呀", "不用了", "对"])
def test_a_short_reply_is_no_name(text: str) -> None:
    assert RULES["wage_employer"].parse(text) is None
