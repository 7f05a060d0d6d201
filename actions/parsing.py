"""Read the values workers type into forms: money, periods, head counts, places, yes/no.

Workers write "三万块", "2万5", "30000元", "八千多", "半年", "去年3月到12月",
"十几个人", "就我一个". Each reader returns a normalised value or None.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml

from bot.components.short_replies import classify as short_reply

DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "幺": 1,
    "二": 2,
    "两": 2,
    "俩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
CN_NUMBER = r"[零〇一幺二两俩三四五六七八九十百千万]+"
NUMBER = rf"(?:\d+(?:\.\d+)?|{CN_NUMBER})"
PLACES_FILE = Path(__file__).resolve().parent.parent / "nlu_data" / "lookup_places.yml"
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
PLACEHOLDER = re.compile(r"\[(?:手机号|电话)[^\]]{0,12}\]")
# GY-<date>-<8 characters>, or the 4 of numbers given before; typed sloppily: lower case,
# spaces or any dash between the parts, a space inside the date or the suffix.
CASE_NUMBER = re.compile(
    r"G\s?Y[\s_-]*((?:\d\s?){7}\d)[\s_-]*([A-Z0-9](?:\s?[A-Z0-9]){7}|[A-Z0-9](?:\s?[A-Z0-9]){3})(?![A-Z0-9])"
)
DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−﹣－"})
PHONE_TAIL = re.compile(r"(?<!\d)(\d\s?\d\s?\d\s?\d)(?!\s?\d)")
CN_PHONE_TAIL = re.compile(
    r"(?<![零〇一幺二两三四五六七八九])([零〇一幺二两三四五六七八九]{4})(?![零〇一幺二两三四五六七八九])"
)


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


NUMBER_TOKEN = re.compile(r"\d+(?:\.\d+)?|[零〇一幺二两俩三四五六七八九]|[十百千万]")


def chinese_number(text: str) -> float | None:
    """三万五 → 35000, 两千 → 2000, 十二 → 12, 一百零五 → 105, 2万5 → 25000, 3.5万 → 35000."""
    text = text.strip()
    tokens = NUMBER_TOKEN.findall(text)
    if not tokens or "".join(tokens) != text:
        return None
    total = 0.0
    section = 0.0
    number: float | None = None
    last_unit = 1
    after_zero = False
    for token in tokens:
        if token in ("零", "〇"):
            after_zero = True
        elif token[0].isdigit() or token in DIGITS:
            number = float(token) if token[0].isdigit() else DIGITS[token]
        elif token == "万":
            total += (section + (number or 0)) * 10_000
            section, number, last_unit, after_zero = 0.0, None, 10_000, False
        else:
            section += (1 if number is None else number) * UNITS[token]
            number, last_unit, after_zero = None, UNITS[token], False
    if number is not None:
        # "三万五", "2万5", "三千五": a trailing digit counts one unit below the last one.
        section += number if after_zero or last_unit <= 10 else number * last_unit / 10
    return total + section


AMOUNT_SPAN = re.compile(r"(?:\d+(?:\.\d+)?|[零〇一幺二两俩三四五六七八九十百千万])+(?![年月日号个岁点天周])")


def amount_text(text: str) -> str:
    """Sums as workers shorten them, written out: 2w → 2万, 3k → 3千, 十几万 / 十来万 → 十万 (at least)."""
    text = normalise(text).replace(",", "").replace("，", "")
    text = re.sub(r"(?<=[\d十百千])\s*[wW](?![a-zA-Z])", "万", text)
    text = re.sub(r"(?<=\d)\s*[kK](?![a-zA-Z])", "千", text)
    return re.sub(r"(?<=[十百千])[几来](?=[万千百块元])", "", text)


APPROXIMATE = re.compile(r"[十百千万wWkK][几来多]|[几来]?[十百千万][多来]|多块|来块|左右|大概|差不多")


def yuan(text: str, value: int) -> str:
    """How a sum is kept: "25000元", or "约100000元" when the worker said 十几万 or 八千多."""
    return f"约{value}元" if APPROXIMATE.search(normalise(text)) else f"{value}元"


def parse_amount(text: str) -> int | None:
    """Money in yuan — 三万块, 2万5, 30000元, 八千多, 一共欠了两万五, 2w — the largest sum named."""
    text = amount_text(text)
    values = [chinese_number(m.group()) for m in AMOUNT_SPAN.finditer(text)]
    money = [round(v) for v in values if v is not None and 0 < v < 100_000_000]
    return max(money) if money else None


def parse_months(text: str) -> float | None:
    """A duration in months: 三个月 → 3, 半年 → 6, 一年多 → 12, 两年半 → 30."""
    text = normalise(text)
    if "半年" in text and not re.search(rf"{NUMBER}\s*年半", text):
        return 6.0
    years = re.search(rf"({NUMBER})\s*年(半)?", text)
    months = re.search(rf"({NUMBER})\s*个\s*月", text)
    total = 0.0
    if years and (value := chinese_number(years.group(1))) is not None and value < 60:
        total += value * 12 + (6 if years.group(2) else 0)
    if months and (value := chinese_number(months.group(1))) is not None and value <= 120:
        total += value
    return total or None


def parse_period(text: str) -> str | None:
    """When the work was done, kept as said but only when it names a time."""
    text = normalise(text)
    if parse_months(text) or re.search(
        r"\d{4}年|去年|今年|前年|\d{1,2}月|[一二三四五六七八九十]+月|腊月|正月|冬月|春节|年底|年初", text
    ):
        return text[:60]
    return None


def pair_count(text: str) -> int | None:
    """俺们俩 → 2, 俺们仨 → 3."""
    pair = re.search(r"(?:俺们|我们|咱们|咱|俺|他们)(俩|仨)", normalise(text))
    return None if pair is None else (2 if pair.group(1) == "俩" else 3)


def parse_count(text: str) -> int | None:
    """How many workers: 十几个人 → 10, 就我一个 → 1, 20多个 → 20."""
    text = normalise(text)
    if re.search(r"就我|只有我|我一个|一个人|就俺|只有俺", text):
        return 1
    if (few := pair_count(text)) is not None:
        return few
    match = re.search(rf"({NUMBER})\s*(几|多|来)?\s*(个|人|位|号人|名)", text) or re.fullmatch(
        rf"\s*({NUMBER})\s*", text
    )
    if not match:
        return None
    value = chinese_number(match.group(1))
    if value is None or not 0 < value < 100_000:
        return None
    return int(value)


YES = re.compile(r"^(是|是的|对|有|有的|办了|办过|办好了|已经办了|嗯|好|好的|行|中|可以|请得起|有固定|签了)")
NO = re.compile(r"(没|不是|不对|没有|无|还没|未|请不起|不起|没钱|不中|不行|否)")


def parse_yes_no(text: str) -> bool | None:
    text = normalise(text)
    if not text:
        return None
    reply = short_reply(text)
    if reply in ("affirm", "deny"):
        return reply == "affirm"
    if NO.search(text):
        return False
    if YES.search(text):
        return True
    return None


@lru_cache(maxsize=1)
def shanxi_places() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Shanxi's cities and counties, from the NLU lookup tables."""
    cities: list[str] = []
    counties: list[str] = []
    if PLACES_FILE.exists():
        data = yaml.safe_load(PLACES_FILE.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu", []):
            names = [n.strip().lstrip("-").strip() for n in str(block.get("examples", "")).splitlines()]
            if block.get("lookup") == "city":
                cities += [n for n in names if n]
            elif block.get("lookup") == "county":
                counties += [n for n in names if n]
    return tuple(sorted(set(cities), key=len, reverse=True)), tuple(sorted(set(counties), key=len, reverse=True))


@lru_cache(maxsize=1)
def county_short_names() -> dict[str, str]:
    """榆次 → 榆次区, 五寨 → 五寨县, 孝义 → 孝义市: how workers name a county."""
    _, counties = shanxi_places()
    return {c[:-1]: c for c in counties if len(c) >= 3 and c[-1] in "区县市" and c[:-1] not in EVERYDAY_WORDS}


# County names without their suffix that are everyday words (开个小店, 我长子, 永和豆浆).
EVERYDAY_WORDS = frozenset({"小店", "长子", "和顺", "永和", "城区", "郊区", "矿区"})


def shanxi_place(text: str) -> str | None:
    """A Shanxi city and/or county named in the text (晋中榆次 → 晋中榆次区), else None."""
    text = normalise(text)
    cities, counties = shanxi_places()
    city = next((c for c in cities if c in text), None)
    county = next((c for c in counties if c in text), None)
    if county is None:
        county = next((full for short, full in county_short_names().items() if short in text), None)
    return "".join(dict.fromkeys(p for p in (city, county) if p)) or None


def parse_place(text: str) -> str | None:
    """A place the worker names: a Shanxi city or county, or any 市/县/区 they give."""
    text = normalise(text)
    if found := shanxi_place(text):
        return found
    other = re.search(r"[\u4e00-\u9fff]{1,6}(省|市|县|区|镇|乡)", text)
    return other.group() if other else None


def parse_phone(text: str) -> str | None:
    """A mobile number, or the placeholder the adapter puts in its place."""
    text = normalise(text).replace(" ", "").replace("-", "")
    if placeholder := PLACEHOLDER.search(normalise(text)):
        return placeholder.group()
    match = MOBILE.search(text)
    return match.group() if match else None


def mask_phone(text: str) -> str:
    """139****5678: what a summary shows of a number."""
    return MOBILE.sub(lambda m: m.group()[:3] + "****" + m.group()[-4:], text)


def parse_case_number(text: str) -> str | None:
    """GY-20261128-K7Q2MX4A from "gy 20261128 k7q2 mx4a", "ＧＹ－２０２６１１２８－Ｋ７Ｑ２" and the like."""
    match = CASE_NUMBER.search(normalise(text).translate(DASHES).upper())
    if match is None:
        return None
    date, suffix = (re.sub(r"\s", "", part) for part in match.groups())
    return f"GY-{date}-{suffix}"


def parse_phone_tail(text: str) -> str | None:
    """The last four digits of a phone: "5678", "尾号 5 6 7 8", "五六七八", a whole number
    (its last four), or the adapter's placeholder for a whole number (the action reads it)."""
    text = normalise(text)
    if placeholder := PLACEHOLDER.search(text):
        return placeholder.group()
    if mobile := MOBILE.search(text.replace(" ", "").replace("-", "")):
        return mobile.group()[-4:]
    found = {re.sub(r"\s", "", m) for m in PHONE_TAIL.findall(text)}
    found |= {"".join(str(DIGITS[c]) for c in m) for m in CN_PHONE_TAIL.findall(text)}
    return found.pop() if len(found) == 1 else None


EVIDENCE_WORDS = {
    "劳动合同": ("合同", "协议"),
    "考勤记录": ("考勤", "打卡", "记工"),
    "工资条": ("工资条", "工资单", "欠条", "结算单"),
    "转账或聊天记录": ("转账", "聊天", "微信", "短信", "录音", "截图"),
    "工友证人": ("证人", "工友", "作证", "老乡"),
    "照片视频": ("照片", "视频", "相片"),
}


def parse_evidence(text: str) -> list[str] | None:
    """Which kinds of evidence the worker holds; [] for none; None when unreadable."""
    text = normalise(text)
    found = [kind for kind, words in EVIDENCE_WORDS.items() if any(w in text for w in words)]
    if found:
        return found
    if re.fullmatch(r"(都)?(没|没有|无|啥也没有|什么都没有|没啥)(的)?[。.!！]?", text):
        return []
    return None


SECTORS = {
    "工程建设": ("工程", "工地", "建筑", "施工", "盖楼", "修路", "装修", "钢筋", "木工", "瓦工", "搬砖", "项目"),
    "非工程建设": (
        "非工程",
        "工厂",
        "厂里",
        "厂子",
        "饭店",
        "餐馆",
        "酒店",
        "超市",
        "快递",
        "外卖",
        "保洁",
        "保安",
        "煤矿",
        "矿上",
        "物流",
        "家政",
        "商店",
        "公司",
    ),
}


def parse_sector(text: str) -> str | None:
    text = normalise(text)
    if "非工程" in text:
        return "非工程建设"
    for sector, words in SECTORS.items():
        if any(w in text for w in words):
            return sector
    return None


GRADES = (
    ("幼儿园", ("幼儿园", "学前", "托儿")),
    ("高中", ("高中", "高一", "高二", "高三", "中考", "职高", "中专")),
    ("初中", ("初中", "初一", "初二", "初三", "七年级", "八年级", "九年级")),
    ("小学", ("小学", "一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "学前班")),
)


def parse_grade(text: str) -> str | None:
    """小学 / 初中 / 高中 / 幼儿园, from a grade, a school level or an age."""
    text = normalise(text)
    for level, words in GRADES:
        if any(w in text for w in words):
            return level + ("（转学插班）" if re.search(r"转学|插班", text) else "")
    if re.search(r"转学|插班", text):
        return "转学插班"
    age = re.search(rf"({NUMBER})\s*(岁|周岁)", text)
    if age and (years := chinese_number(age.group(1))) is not None:
        if years < 6:
            return "幼儿园"
        if years < 12:
            return "小学"
        if years < 15:
            return "初中"
        return "高中"
    return None


DISPUTES = (
    ("欠工资", r"工资|工钱|欠薪|讨薪|欠钱|不给钱|血汗钱"),
    ("工伤", r"工伤|受伤|摔|砸|伤了|职业病|尘肺"),
    ("劳动合同", r"合同|辞退|开除|解雇|社保|加班|派遣"),
    ("别的事", r"别的|其他|其它"),
)


def parse_dispute(text: str) -> str | None:
    """What the legal-aid referral is about: 欠工资, 工伤, 劳动合同 or 别的事."""
    return next((name for name, pattern in DISPUTES if re.search(pattern, normalise(text))), None)
