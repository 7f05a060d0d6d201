"""Generated personal numbers in the ways workers write them, and ordinary numbers that must stay.

Shared by the redaction tests (tests/test_pii*.py) and bench/redaction.py. Every number is
built from a seeded random generator: valid resident IDs carry a real GB 11643 check
character, cards a real Luhn digit; no real person's number appears here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
REGIONS = ("110101", "130102", "140102", "140105", "140302", "141002", "320102", "410105", "510104", "610113")


def id_check(first17: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def with_luhn(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


def is_id(digits: str) -> bool:
    return len(digits) == 18 and digits[:17].isdigit() and id_check(digits[:17]) == digits[17]


# --- personal numbers ------------------------------------------------------------------------


def mobile(rnd: random.Random) -> str:
    return "1" + rnd.choice("3456789") + "".join(rnd.choices("0123456789", k=9))


def birth_date(rnd: random.Random) -> str:
    day = date(1950, 1, 1) + timedelta(days=rnd.randint(0, (date(2010, 12, 31) - date(1950, 1, 1)).days))
    return day.strftime("%Y%m%d")


def resident_id(rnd: random.Random, typo: bool = False) -> str:
    """A valid ID, or with ``typo`` the same shape with a wrong check character."""
    first17 = rnd.choice(REGIONS) + birth_date(rnd) + f"{rnd.randint(0, 999):03d}"
    check = id_check(first17)
    if typo:
        check = rnd.choice([c for c in "0123456789X" if c != check])
    return first17 + check


def bank_card(rnd: random.Random, typo: bool = False) -> str:
    """A Luhn-valid card (UnionPay 62, Visa 4, Mastercard 5), or with ``typo`` a 62 card failing Luhn."""
    prefix = "62" if typo else rnd.choice(["62", "62", "4", "5"])
    length = rnd.randint(16, 19)
    while True:
        card = with_luhn(prefix + "".join(rnd.choices("0123456789", k=length - 1 - len(prefix))))
        if typo:
            card = card[:-1] + str((int(card[-1]) + rnd.randint(1, 9)) % 10)
        if not is_id(card):  # a number that is also a valid ID is rightly found as an ID
            return card


CHINESE_DIGITS = {
    "0": "零〇",
    "1": "一幺",
    "2": "二两",
    "3": "三",
    "4": "四",
    "5": "五",
    "6": "六",
    "7": "七",
    "8": "八",
    "9": "九",
}
# Formal (banker's) numerals, simplified and traditional, as on a receipt or a wage slip.
FORMAL_DIGITS = {
    "0": "零",
    "1": "壹",
    "2": "贰貳",
    "3": "叁參",
    "4": "肆",
    "5": "伍",
    "6": "陆陸",
    "7": "柒",
    "8": "捌",
    "9": "玖",
}
# Every character that writes a digit: a number counts as found when each of these is redacted.
DIGIT_CHARS = frozenset(
    "0123456789０１２３４５６７８９" + "".join(CHINESE_DIGITS.values()) + "".join(FORMAL_DIGITS.values())
)
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
# What workers put between groups: one to three of these.
SEPARATORS: tuple[str, ...] = (" ", "-", ".", ",", "，", "、", "/", "／", "\t", "\n", "·", "．", "\u3000", "－")
# Dashes of Chinese keyboards (an em dash is typed doubled: "——"), tildes, stars, underscores.
SEPARATORS += ("\u2014", "\u2015", "\u2500", "ー", "~", "～", "〜", "*", "＊", "_", "＿")


def _groups(value: str, sizes: tuple[int, ...]) -> list[str]:
    out, pos = [], 0
    for size in sizes:
        out.append(value[pos : pos + size])
        pos += size
    return out


def _gap(rnd: random.Random) -> str:
    first = rnd.choice(SEPARATORS)
    roll = rnd.random()
    if roll < 0.6:
        return first
    if roll < 0.85 or first.isspace():
        return first + rnd.choice([" ", first])  # "——", "- "
    return f" {first} "  # "139 - 1234 - 5678"


def _write_digits(text: str, rnd: random.Random, style: str) -> str:
    if style == "ascii":
        return text
    if style == "full":
        return text.translate(FULL_WIDTH)
    chance = 1.0 if style in ("chinese", "formal") else 0.5
    numerals = FORMAL_DIGITS if style in ("formal", "formal-mixed") else CHINESE_DIGITS
    return "".join(rnd.choice(numerals[ch]) if ch in numerals and rnd.random() < chance else ch for ch in text)


GROUPINGS: dict[str, tuple[tuple[int, ...], ...]] = {
    "mobile": ((11,), (3, 4, 4), (4, 3, 4), (3, 8)),
    "id_card": ((18,), (6, 8, 4), (6, 4, 4, 4)),
}
# Rarer ways to group a mobile, each typed with one separator throughout: pairs after the
# head, 3-5-3, every digit on its own.
MOBILE_LOOSE_GROUPINGS: tuple[tuple[int, ...], ...] = ((3, 2, 2, 2, 2), (3, 5, 3), (1,) * 11)
# Words a worker puts between a mobile's head and the rest: "号码是139 后面是1234 5678".
BETWEEN_WORDS = (" 后面是", "，后面", "后面是", " 后面几位 ", "，然后是", "，接着", "，后边是")


def card_groupings(length: int) -> tuple[tuple[int, ...], ...]:
    fours = (4,) * (length // 4) + ((length % 4,) if length % 4 else ())
    forms: tuple[tuple[int, ...], ...] = ((length,), fours)
    return (*forms, (6, 13)) if length == 19 else forms


@dataclass(frozen=True)
class Written:
    kind: str  # mobile, id_card, bank_card (id_typo and card_typo count as those)
    value: str  # the number alone
    text: str  # as written
    form: str  # e.g. "3-4-4 chinese"


STYLES = ("ascii", "ascii", "full", "chinese", "mixed", "formal", "formal-mixed")


def write(kind: str, value: str, rnd: random.Random, style: str | None = None) -> Written:
    """``value`` written in a random grouping, separator and digit style (ascii, full, chinese,
    mixed, formal, formal-mixed); a mobile also with brackets around its head or words between."""
    if kind == "mobile" and rnd.random() < 0.3:
        return _write_mobile_loose(value, rnd, style or rnd.choice(STYLES))
    sizes = rnd.choice(card_groupings(len(value)) if kind == "bank_card" else GROUPINGS[kind])
    style = style or rnd.choice(STYLES)
    groups = _groups(value, sizes)
    text = groups[0]
    for group in groups[1:]:
        text += _gap(rnd) + group
    text = _write_digits(text, rnd, style)
    if kind == "mobile" and rnd.random() < 0.15:
        text = rnd.choice(["+86", "+86 ", "0086", "86-"]) + text
    if kind == "id_card" and value.endswith("X") and rnd.random() < 0.5:
        text = text[:-1] + "x"
    return Written(kind, value, text, "-".join(map(str, sizes)) + " " + style)


def _write_mobile_loose(value: str, rnd: random.Random, style: str) -> Written:
    """A mobile in a rarer shape: loose grouping, "(139)1234-5678", or words between head and rest."""
    shape = rnd.choice(["loose", "loose", "bracket", "words"])
    if shape == "loose":
        sizes = rnd.choice(MOBILE_LOOSE_GROUPINGS)
        text = _gap(rnd).join(_groups(value, sizes))  # one separator throughout
        form = "-".join(map(str, sizes)) if len(sizes) < 11 else "1x11"
    elif shape == "bracket":
        opening, closing = rnd.choice([("(", ")"), ("（", "）")])
        rest = value[3:] if rnd.random() < 0.5 else value[3:7] + _gap(rnd) + value[7:]
        text = opening + value[:3] + closing + rnd.choice(["", "", " ", "-"]) + rest
        form = "(3)8"
    else:
        rest = value[3:] if rnd.random() < 0.5 else value[3:7] + rnd.choice([" ", "-", ""]) + value[7:]
        text = value[:3] + rnd.choice(BETWEEN_WORDS) + rest
        form = "3+words+8"
    return Written("mobile", value, _write_digits(text, rnd, style), f"{form} {style}")


def personal(rnd: random.Random) -> Written:
    """One personal number of any kind in any written form."""
    kind = rnd.choice(["mobile", "mobile", "id_card", "id_typo", "bank_card", "card_typo"])
    if kind == "mobile":
        return write(kind, mobile(rnd), rnd)
    if kind in ("id_card", "id_typo"):
        return write("id_card", resident_id(rnd, typo=kind == "id_typo"), rnd)
    card = bank_card(rnd, typo=kind == "card_typo")
    # Cards are written in digits; Chinese numerals for a 19-digit card are not a real habit.
    return write("bank_card", card, rnd, rnd.choice(["ascii", "ascii", "full"]))


# --- ordinary numbers ---------------------------------------------------------------------------


def _amount(rnd: random.Random) -> str:
    n = rnd.choice([rnd.randint(50, 999), rnd.randint(1000, 99999), rnd.randint(1, 30) * 1000, rnd.randint(1, 9) * 500])
    return rnd.choice(
        [
            f"欠了我{n}块",
            f"{n}元一个月",
            f"一共{n}元",
            f"还差{n}",
            f"工资{n:,}元",
            f"{n}.{rnd.randint(0, 99):02d}元",
            f"每天{rnd.randint(150, 400)}元干了{rnd.randint(10, 90)}天共{n}元",
            f"工资一万{rnd.choice('二三五八')}",
            f"两千{rnd.choice('三五八')}百块",
            f"{rnd.randint(1000, 9999)}，{rnd.randint(1000, 9999)}，{rnd.randint(1000, 9999)}",
            f"{rnd.randint(1000, 9999)}，{rnd.randint(1000, 9999)}，{rnd.randint(100, 999)}",  # 11 digits
            " ".join(str(rnd.randint(10, 99)) for _ in range(5)) + f" {rnd.randint(1, 9)}",  # 11 digits
            f"他给了{n}，还欠{rnd.randint(1000, 99999)}",
            "，".join(str(rnd.randint(1, 9) * 1000 + rnd.choice([0, 200, 500, 800])) for _ in range(rnd.randint(4, 6))),
            f"{rnd.randint(1, 99)},{rnd.randint(100, 999)},{rnd.randint(100, 999)}元",
            " ".join(f"{rnd.randint(1, 9)}{rnd.randint(0, 9)}00" for _ in range(4)),
        ]
    )


def _date(rnd: random.Random) -> str:
    day = date(2015, 1, 1) + timedelta(days=rnd.randint(0, 4000))
    y, m, d = day.year, day.month, day.day
    return rnd.choice(
        [
            f"{y}年{m}月{d}日",
            f"{y}.{m:02d}.{d:02d}",
            f"{y}{m:02d}{d:02d}",
            f"{y}-{m:02d}-{d:02d}",
            f"{y}/{m}/{d}",
            f"{y}.{m:02d}.{d:02d}-{y + 1}.{m:02d}.{d:02d}",
            f"从{y}年{m}月干到{y + 1}年{rnd.randint(1, 12)}月",
            f"{y}年{m}月{d}日到{y}年{m}月{min(d + 10, 28)}日",
            f"{m}月{d}号",
            f"{y}.{m:02d}.{d:02d} {rnd.randint(0, 23):02d}:{rnd.choice([0, 30]):02d}",
            f"{y}{m:02d}{d:02d}-{y}{m:02d}{min(d + 5, 28):02d}",
            "".join("零一二三四五六七八九"[int(c)] for c in str(y)) + "年" + "一二三四五六七八九"[m % 9] + "月",
        ]
    )


def _time(rnd: random.Random) -> str:
    h, m = rnd.randint(0, 23), rnd.choice([0, 15, 30, 45])
    return rnd.choice(
        [
            f"{h}:{m:02d}",
            f"早上{rnd.randint(5, 9)}点到晚上{rnd.randint(6, 11)}点",
            f"{h}:{m:02d}-{(h + 2) % 24}:{m:02d}",
        ]
    )


def _case_number(rnd: random.Random) -> str:
    day = date(2024, 1, 1) + timedelta(days=rnd.randint(0, 1200))
    tail = "".join(rnd.choices("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", k=4))
    return rnd.choice([f"案件编号GY-{day:%Y%m%d}-{tail}", f"GY-{day:%Y%m%d}-{rnd.randint(0, 9999):04d}"])


def _count(rnd: random.Random) -> str:
    return rnd.choice(
        [
            f"干了{rnd.randint(1, 365)}天",
            f"我们{rnd.randint(2, 60)}个人",
            f"{rnd.randint(1, 40)}层楼",
            f"第{rnd.randint(1, 20)}栋{rnd.randint(1, 30)}0{rnd.randint(1, 9)}室",
            f"{rnd.randint(1, 12)}个月",
            f"一二三四五六七{rnd.choice('八九十')}个",
            f"第{rnd.choice('一二三四五六七八九')}{rnd.choice('一二三四五六七八九')}号楼{rnd.randint(1000, 9999)}室",
            f"工号{rnd.randint(10000, 999999)}，工牌{rnd.randint(1000, 9999)}",
        ]
    )


def _landline(rnd: random.Random) -> str:
    area = rnd.choice(["0351", "0352", "0354", "0355", "010", "029"])
    local = str(rnd.randint(2, 8)) + "".join(rnd.choices("0123456789", k=rnd.choice([6, 7])))
    return rnd.choice(
        [
            f"{area}-{local}",
            f"{area} {local}",
            f"({area}){local}",
            f"{area}{local}",
            f"{area}-{local}，{area}-{str(rnd.randint(2, 8)) + local[1:]}",
            f"400-{rnd.randint(100, 999)}-{rnd.randint(1000, 9999)}",
            "12333",
            "95588",
            "110",
        ]
    )


def _small_list(rnd: random.Random) -> str:
    """Lists of small numbers (days, floors, ranks, team sizes), as the loose mobile rule meets them."""
    numbers = [rnd.randint(1, 31) for _ in range(rnd.randint(2, 8))]
    if rnd.random() < 0.5:
        numbers.sort()
    sep = rnd.choice([" ", ",", "，", "、", "-", " - ", ".", "~", "*", "_", "/", "——"])
    joined = sep.join(map(str, numbers))
    return rnd.choice(
        [
            joined,
            f"第{joined}天没发工资",
            f"{joined}号楼",
            f"每周{sep.join(str(n % 7 + 1) for n in numbers)}上班",
            " ".join(str(n) for n in range(1, rnd.randint(3, 10))),
            f"{rnd.randint(1, 9)} {rnd.randint(1, 9)} {rnd.randint(1, 9)}",
            f"{rnd.randint(1, 5)}.{rnd.randint(1, 5)}.{rnd.randint(1, 9)}",  # clause 1.3.9
        ]
    )


def _range(rnd: random.Random) -> str:
    low = rnd.randint(1, 20)
    high = low + rnd.randint(1, 10)
    sep = rnd.choice(["-", "~", "～", "—", "——", " - ", " ~ ", "到", "至"])
    big = rnd.randint(10, 80) * 100
    return rnd.choice(
        [
            f"{low}{sep}{high}",
            f"{low}{sep}{high}天",
            f"{low}{sep}{high}个人",
            f"{big}{sep}{big + rnd.randint(1, 20) * 100}元",
            f"{rnd.randint(13, 19)}{sep}{rnd.randint(20, 30)}号",
            f"{rnd.randint(100, 999)}{sep}{rnd.randint(1000, 9999)}{sep}{rnd.randint(100, 999)}元",
        ]
    )


def _price(rnd: random.Random) -> str:
    def one() -> str:
        return f"{rnd.randint(1, 99)}.{rnd.randint(0, 99):02d}"

    return rnd.choice(
        [
            f"{one()}元",
            f"单价{one()}，数量{rnd.randint(1, 99)}",
            "，".join(one() for _ in range(rnd.randint(2, 5))),
            " ".join(one() for _ in range(rnd.randint(2, 5))),
            f"{rnd.randint(100, 999)}.{rnd.randint(0, 9)}",
        ]
    )


def _score_or_version(rnd: random.Random) -> str:
    return rnd.choice(
        [
            f"{rnd.randint(0, 30)}:{rnd.randint(0, 30)}",
            f"{rnd.randint(0, 5)}比{rnd.randint(0, 5)}",
            f"版本{rnd.randint(1, 15)}.{rnd.randint(0, 20)}.{rnd.randint(0, 200)}",
            f"v{rnd.randint(1, 15)}.{rnd.randint(0, 9)}.{rnd.randint(0, 9)}.{rnd.randint(1000, 9999)}",
            f"{rnd.randint(10, 200)}*{rnd.randint(10, 200)}*{rnd.randint(1, 50)}",  # sizes
            f"{rnd.randint(1, 223)}.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}.{rnd.randint(1, 254)}",  # an address
            f"{rnd.randint(13, 23)}:{rnd.choice(['00', '15', '30', '45'])}",
            f"{rnd.randint(13, 23)}:{rnd.choice(['00', '30'])}-{rnd.randint(13, 23)}:{rnd.choice(['00', '30'])}",
        ]
    )


ORDINARY = {
    "amount": _amount,
    "date": _date,
    "time": _time,
    "case_number": _case_number,
    "count": _count,
    "landline": _landline,
    "list": _small_list,
    "range": _range,
    "price": _price,
    "score_version": _score_or_version,
}


def ordinary(rnd: random.Random) -> tuple[str, str]:
    """(category, text) with an ordinary number that is not personal."""
    category = rnd.choice(list(ORDINARY))
    return category, ORDINARY[category](rnd)


CONTEXT_BEFORE = ("我的电话是", "身份证号", "卡号：", "你好，", "老板说", "工资卡", "联系我", "")
CONTEXT_AFTER = ("，谢谢", "。", "有事打我", "，工资没给", "", "！")


def context(rnd: random.Random) -> tuple[str, str]:
    """Words before and after a number (no digits, no Chinese numerals)."""
    return rnd.choice(CONTEXT_BEFORE), rnd.choice(CONTEXT_AFTER)


def in_context(text: str, rnd: random.Random) -> str:
    before, after = context(rnd)
    return before + text + after
