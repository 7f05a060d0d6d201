"""Facts said in passing, and corrections, for every form's slots.

A worker tells the whole story at once ("我在太原市小店区的工地干活，包工头欠了我们8个人
去年10月到今年1月的工资，一共两万五") or answers one question with two facts. The
readers in actions/parsing.py read a reply to one question; the readers here pick facts
out of any sentence, so they are stricter: a number is money only with a money word, a
head count only with 人, a place only when it is a Shanxi city or county.

A correction ("不是8个人，是10个", "地点说错了，是大同市平城区") names what it corrects
and gives the new value after its last "是 / 改成 / 应该是".
"""

from __future__ import annotations

import re
from collections.abc import Callable

from actions.parsing import (
    AMOUNT_SPAN,
    NUMBER,
    amount_text,
    chinese_number,
    normalise,
    pair_count,
    parse_dispute,
    parse_evidence,
    parse_grade,
    parse_phone,
    parse_sector,
    parse_yes_no,
    shanxi_place,
    shanxi_places,
    yuan,
)

Facts = dict[str, str]

MONEY_AFTER = re.compile(r"^\s*(元|块|万|千|k|K|多块|来块)")
MONEY_BEFORE = re.compile(r"(共|欠|钱|资|薪|款|额|是|计|合)\s*$")
HEADCOUNT = re.compile(rf"({NUMBER})\s*(?:多|来|几)?\s*(?:个)?\s*(?:人|工友|兄弟|老乡|工人|名)")
ALONE = re.compile(r"就我一个|只有我一个|我一个人|就俺一个|就俺自己|就我自己")
MONTH = r"(?:(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*月份?|腊月|正月|冬月)"
YEAR = r"(?:\d{4}\s*年|去年|今年|前年|明年)"
PERIOD = re.compile(
    rf"(?:从)?{YEAR}?\s*{MONTH}\s*(?:到|至|-|~|—|－)\s*{YEAR}?\s*{MONTH}"
    rf"|(?:干了|做了|干|做)\s*{NUMBER}\s*(?:个)?\s*(?:月|年半?)多?"
    rf"|(?:干了|做了)\s*半年多?"
    rf"|{YEAR}\s*(?:{MONTH}|一年|年底|年初|上半年|下半年|春节前后?|全年)"
    # From a month on, or up to one: 从腊月开始没给, 3月以来, 干到冬月.
    rf"|(?:从\s*)?{MONTH}\s*(?:开始|起|以来|到现在|至今)"
    rf"|(?:干到|做到)\s*{MONTH}"
)
BOSS = re.compile(
    r"(?:老板|包工头|工头|班组长|老总|经理)"
    r"(?:姓[\u4e00-\u9fff][，,\s]*(?:叫|名叫)\s*[\u4e00-\u9fff]{2,3}|(?:叫|是|姓)\s*[\u4e00-\u9fff]{1,3})"
)
SITE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]{2,14}?(?:公司|集团|项目部|项目|工地|厂|饭店|酒店|餐馆|超市)")
SITE_NOISE = re.compile(r"^(?:我在|在|我们在|俺在|俺们在|他们|我们|俺们|那个|这个|一个|的)+")
GENERIC_SITES = frozenset({"工地", "项目", "公司", "厂", "工厂", "饭店", "酒店", "餐馆", "超市", "集团"})
EVIDENCE_CUE = re.compile(r"合同|考勤|打卡|工资条|工资单|欠条|结算单|转账|聊天记录|录音|截图|证人|作证")
PHONE_CUE = re.compile(r"\[(?:手机号|电话)[^\]]{0,12}\]|(?<!\d)1[3-9]\d{9}(?!\d)")
HUKOU = re.compile(r"(?:户口|户籍|老家)(?:在|是|落在)?\s*([\u4e00-\u9fff]{2,12})")
PERMIT = re.compile(r"(没|没有|还没|未|不)?\s*(?:办|有|拿到|领)?了?\s*居住证")
STABLE_JOB = re.compile(r"(没有|没)?\s*(?:固定工作|固定的工作|稳定工作|签了合同|干了半年以上)")
HOUSEHOLD = re.compile(
    r"一家\s*[二两三四五六七八九]\s*口|[二两三四五六七八九]\s*口人|两口子[^，。,]{0,8}|就我一个人?住"
)
SECTOR_CUE = re.compile("工地|工程|建筑|施工|工厂|厂里|饭店|餐馆|包工头")
GRADE_CUE = re.compile("年级|小学|初中|高中|幼儿园|初[一二三]|高[一二三]|岁|转学|插班")

CORRECTION = re.compile(r"不是|说错|错了|搞错|写错|弄错|改成|改为|改一下|应该是|更正|其实是|不对")
NEW_VALUE = re.compile(r"(?:改成|改为|应该是|其实是|是)")
SLOT_WORDS: dict[str, str] = {
    "wage_workers": r"人数|几个人|个人|\d+个(?!月)|人",
    "wage_place": r"地点|地方|在哪|位置|市|县|区",
    "wage_amount": r"钱|金额|数目|多少|万|块|元",
    "wage_period": r"时间|日期|月份|月|年",
    "wage_employer": r"老板|公司|单位|工地|包工头|项目",
    "wage_contact": r"电话|手机|号码",
    "wage_sector": r"行业",
    "wage_evidence": r"证据",
    "family_city": r"住|打工|地点|地方",
    "hukou_place": r"户口|老家",
    "child_grade": r"年级|上学|小学|初中|高中",
    "housing_city": r"城市|市|地方",
    "household": r"口人|几口",
}


def money(text: str) -> int | None:
    """A sum said in passing: a number with a money word beside it (一共两万五, 欠了3万, 8000元)."""
    text = amount_text(text)
    found = []
    for match in AMOUNT_SPAN.finditer(text):
        before, after = text[: match.start()], text[match.end() :]
        if MONEY_AFTER.match(after) or MONEY_BEFORE.search(before[-3:]) or re.search("[万千]", match.group()):
            value = chinese_number(match.group())
            if value is not None and 10 <= value < 100_000_000:
                found.append(round(value))
    return max(found) if found else None


def headcount(text: str) -> int | None:
    text = normalise(text)
    if ALONE.search(text):
        return 1
    if (few := pair_count(text)) is not None:
        return few
    match = HEADCOUNT.search(text)
    value = chinese_number(match.group(1)) if match else None
    return int(value) if value is not None and 0 < value < 100_000 else None


def period(text: str) -> str | None:
    match = PERIOD.search(normalise(text))
    return match.group().strip() if match else None


def employer(text: str) -> str | None:
    """Who owes: a named boss (老板叫王建军) and/or a named site or company, never a bare 工地."""
    text = normalise(text)
    boss = BOSS.search(text)
    site = SITE.search(text)
    name = ""
    if site:
        name = site.group()
        cities, counties = shanxi_places()
        for place in (*cities, *counties):  # the place is its own slot
            name = name.replace(place, "")
        # Who was where comes before the last 在 (俺们仨在…的工地): the site is what follows it.
        name = SITE_NOISE.sub("", name.rsplit("在", 1)[-1].lstrip("的"))
        name = "" if name in GENERIC_SITES else name
    parts = [p for p in (name, boss.group() if boss else "") if p]
    return "，".join(parts) or None


def _yes_no(value: bool | None, yes: str, no: str) -> str | None:
    return None if value is None else (yes if value else no)


def wage_facts(text: str) -> Facts:
    found: dict[str, str | None] = {
        "wage_place": shanxi_place(text),
        "wage_period": period(text),
        "wage_employer": employer(text),
        "wage_sector": parse_sector(text) if SECTOR_CUE.search(text) else None,
        "wage_evidence": "、".join(parse_evidence(text) or []) if EVIDENCE_CUE.search(text) else None,
        "wage_contact": parse_phone(text) if PHONE_CUE.search(text) else None,
    }
    if (amount := money(text)) is not None:
        found["wage_amount"] = yuan(text, amount)
    if (count := headcount(text)) is not None:
        found["wage_workers"] = f"{count}人"
    if found["wage_sector"] is None and found["wage_employer"] and "包工头" in found["wage_employer"]:
        found["wage_sector"] = "工程建设"
    return {slot: value for slot, value in found.items() if value}


def school_facts(text: str) -> Facts:
    text = normalise(text)
    found: dict[str, str | None] = {
        "child_grade": parse_grade(text) if GRADE_CUE.search(text) else None,
    }
    hukou = HUKOU.search(text)
    if hukou:
        found["hukou_place"] = hukou.group(1)
    rest = text[: hukou.start()] + text[hukou.end() :] if hukou else text
    found["family_city"] = shanxi_place(rest)
    found["has_residence_permit"] = permit(text)
    return {slot: value for slot, value in found.items() if value}


def permit(text: str) -> str | None:
    match = PERMIT.search(normalise(text))
    return None if not match else ("没有" if match.group(1) else "有")


def housing_facts(text: str) -> Facts:
    text = normalise(text)
    job = STABLE_JOB.search(text)
    household = HOUSEHOLD.search(text)
    found: dict[str, str | None] = {
        "housing_city": shanxi_place(text),
        "stable_job": None if not job else ("没有" if job.group(1) else "有"),
        "has_residence_permit": permit(text),
        "household": household.group() if household else None,
    }
    return {slot: value for slot, value in found.items() if value}


def legal_aid_facts(text: str) -> Facts:
    text = normalise(text)
    found: dict[str, str | None] = {
        "dispute_type": parse_dispute(text) if not re.search("别的|其他|其它", text) else None,
        "can_afford_lawyer": _yes_no(parse_yes_no(text), "请得起", "请不起") if "律师" in text else None,
    }
    return {slot: value for slot, value in found.items() if value}


FACTS: dict[str, Callable[[str], Facts]] = {
    "wage_intake_form": wage_facts,
    "school_form": school_facts,
    "housing_form": housing_facts,
    "legal_aid_form": legal_aid_facts,
}


def is_correction(text: str) -> bool:
    return bool(CORRECTION.search(normalise(text)))


def corrected_value(
    text: str, readers: dict[str, Callable[[str], str | None]], read_facts: Callable[[str], Facts]
) -> Facts:
    """The slot a correction names and its new value, read from after its last 是/改成."""
    text = normalise(text)
    cut = list(NEW_VALUE.finditer(text))
    tail = (text[cut[-1].end() :] if cut else CORRECTION.split(text)[-1]).strip("，,。.！! ")
    if not tail:
        return {}
    head = text[: cut[-1].start()] if cut else text
    for slot, words in SLOT_WORDS.items():
        if slot in readers and re.search(words, head) and (value := readers[slot](tail)):
            return {slot: value}
    # No slot named, or its reader could not read the tail: what the tail says in passing.
    return {slot: value for slot, value in read_facts(tail).items() if slot in readers}
