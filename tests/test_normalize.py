"""Query normalisation: width, script, typos, dialect, pinyin, homophones, long stories."""

from __future__ import annotations

import pytest

from knowledge.normalize import QueryNormalizer, Replacer, clean, focus_of, has_content
from knowledge.pinyin import HomophoneFixer, PinyinConverter, split_syllables

DOMAIN = ["工资", "拖欠", "怎么办", "法律援助", "申请", "公积金", "落户", "居住证", "孩子", "上学", "工伤", "保险"]


@pytest.fixture(scope="module")
def normalizer() -> QueryNormalizer:
    typos = {"公资": "工资", "咋整": "怎么办", "咋": "怎么", "俺": "我", "娃": "孩子", "啥": "什么"}
    return QueryNormalizer(typos, PinyinConverter(DOMAIN), HomophoneFixer(DOMAIN))


def test_width_and_script() -> None:
    assert clean("ＡＢＣ１２３，工資") == "ABC123,工资"
    assert clean("農民工的孩子怎麼上學") == "农民工的孩子怎么上学"


def test_control_characters_and_whitespace() -> None:
    assert clean("工资\x00\x07拖欠\u200b  了\t\t吗") == "工资 拖欠 了 吗"
    assert clean("  \n\t ") == ""


def test_content_check() -> None:
    assert not has_content("😀😡👍")
    assert not has_content("？？！！。。")
    assert has_content("😀工资")


def test_replacer_prefers_the_longest() -> None:
    replace = Replacer({"咋": "怎么", "咋整": "怎么办"})
    assert replace("欠钱咋整，咋弄") == "欠钱怎么办，怎么弄"


def test_typos_and_dialect(normalizer: QueryNormalizer) -> None:
    assert normalizer("俺的公资拖欠了咋整").text == "我的工资拖欠了怎么办"
    assert normalizer("娃上学要啥").text == "孩子上学要什么"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("gongzi tuoqian zenmeban", "工资拖欠怎么办"),
        ("falvyuanzhu shenqing", "法律援助申请"),
        ("falu yuanzhu", "法律援助"),  # ü typed as u
        ("GongJiJin", "公积金"),
    ],
)
def test_pinyin_without_tones(normalizer: QueryNormalizer, typed: str, expected: str) -> None:
    assert normalizer(typed).text == expected


def test_latin_that_is_not_pinyin_stays(normalizer: QueryNormalizer) -> None:
    assert normalizer("APP怎么用").text == "APP怎么用"
    assert normalizer("wifi").text == "wifi"


def test_syllables() -> None:
    assert split_syllables("gongzi") == ["gong", "zi"]
    assert split_syllables("lv") == ["lv"]
    assert split_syllables("xyz") is None


def test_homophone_typos(normalizer: QueryNormalizer) -> None:
    assert normalizer("公鸡金能交吗").text == "公积金能交吗"
    assert normalizer("在太原落护要啥").text == "在太原落户要什么"
    assert normalizer("居注证").text == "居住证"


def test_homophones_never_cut_through_a_word() -> None:
    fixer = HomophoneFixer(["工伤", "工商"])
    assert fixer("我老公上班去了") == "我老公上班去了"
    assert fixer("工商局在哪") == "工商局在哪"


def test_long_story_finds_the_question() -> None:
    story = (
        "我是去年三月跟着老乡去大同一个小区工地干活的，说好一天两百五，干到年底包工头说开发商没给钱，"
        "我们十几个人一分钱没拿到，过年回家都没路费，这钱到底该找谁要？"
    )
    focus = focus_of(story)
    assert focus is not None and "找谁要" in focus
    assert len(focus) < len(story)
    assert focus_of("工资拖欠怎么办") is None


def test_very_long_input_is_cut() -> None:
    assert len(clean("欠" * 5000)) == 2000
