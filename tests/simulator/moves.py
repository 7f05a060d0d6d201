"""What a simulated worker can say: pools of colloquial messages, by kind.

Written for the simulator (never taken from the evaluation data). ``{phone}`` in a message
is filled with a random mobile number by the walker.
"""

from __future__ import annotations

from dataclasses import dataclass

# Kinds of moves; the invariants look at some of them (stop, probe, stale_button).
POLICY = "policy"
YES = "yes"
NO = "no"
STOP = "stop"
FORM_ANSWER = "form_answer"
FORM_INVALID = "form_invalid"
SEVERAL_FACTS = "several_facts"
CORRECTION = "correction"
SMALL_TALK = "small_talk"
EMOJI = "emoji"
PINYIN = "pinyin"
NUMBER = "number"
NOISE = "noise"
LONG_STORY = "long_story"
MIXED = "mixed"
BUTTON = "button"
STALE_BUTTON = "stale_button"
HANDOFF = "handoff"
CASE_LOOKUP = "case_lookup"
PROBE = "probe"


@dataclass(frozen=True)
class Move:
    kind: str
    text: str = ""
    payload: str = ""  # a button press: what the widget sends, with the button's title
    title: str = ""
    detail: str = ""  # e.g. the topic or the form slot the move answers

    def shown(self) -> str:
        return f"[按钮 {self.title} → {self.payload}]" if self.payload else self.text


POLICY_QUESTIONS: dict[str, tuple[str, ...]] = {
    "unpaid_wages": (
        "老板欠我工钱不给咋整",
        "包工头跑了，俺们的工资找谁要",
        "干了一年活一分钱没见着，咋办呀",
        "年底了老板说没钱发工资，这合法不",
        "工资拖了仨月了，去哪儿告他",
        "项目完工了开发商不给结账，工人的钱谁出",
        "老板老说下个月发下个月发，都拖半年了",
        "欠薪了打哪个电话投诉",
        "工头卷钱跑路了我们咋弄",
        "饭店老板辞了我还扣着两个月工资",
    ),
    "legal_aid": (
        "想告老板可是请不起律师",
        "法律援助咋申请，要钱不",
        "打官司没钱，有没有免费的律师",
        "哪里能找到免费帮打官司的",
        "工伤赔偿想走法律途径，律师费太贵了",
        "法援中心在哪，俺们能去不",
    ),
    "school_enrollment": (
        "娃跟着我在太原，能上公办小学不",
        "孩子在城里上学要准备啥材料",
        "外地户口的娃咋在这边上初中",
        "俺家小子想转到打工这边的学校念书",
        "随迁子女入学要居住证吗",
        "孩子在这边上学能参加中考不",
    ),
    "public_housing": (
        "打工的能申请公租房不",
        "公租房咋申请，要啥条件",
        "在城里租不起房，政府有没有便宜房子",
        "外来务工的能住廉租房吗",
        "公租房排队要多久",
        "俺们两口子在大同打工，能申请公共租赁住房不",
    ),
    "social_insurance": (
        "老板不给交社保咋办",
        "农民工能在城里交养老保险不",
        "医保回老家还能用吗",
        "社保断了几个月有影响没",
        "打零工的能自己交社保不",
        "换了城市社保能转过去不",
    ),
    "labor_contract": (
        "干了一年老板也不签合同",
        "不签劳动合同能要双倍工资不",
        "老板说不用签合同，口头说好就行，靠谱不",
        "合同到期老板不续了，有补偿没",
        "被老板无缘无故开除了咋办",
        "试用期干了半年还不转正，合法吗",
    ),
    "safety_health": (
        "干活从架子上摔下来了，算工伤不",
        "工伤认定咋弄",
        "在工地受了伤老板不管",
        "干了十年打石头，查出尘肺病了",
        "车间里粉尘大，老板也不发口罩",
        "上班路上出车祸算不算工伤",
    ),
    "hukou_residence": (
        "居住证咋办，要啥材料",
        "农村户口能落到城里不",
        "在太原干了五年了，能把户口迁过来不",
        "办居住证有啥用",
        "居住证过期了咋续",
    ),
    "employment_training": (
        "想学个电焊，哪有免费培训",
        "政府有没有免费学技术的地方",
        "回老家想开个小店，有扶持不",
        "五十多了还能找到活不，哪里介绍工作",
        "返乡创业能贷款不",
        "考个技能证书有补贴没",
    ),
    "left_behind": (
        "娃在老家跟着爷爷奶奶，没人管咋办",
        "留守儿童有啥帮扶不",
        "老家就剩老人了，村里有人照看不",
        "媳妇在老家带娃，有啥关爱政策没",
    ),
    "union": (
        "农民工能入工会不",
        "工会能帮俺们要工资不",
        "咋加入工会，要交钱不",
        "俺们工地上没有工会，咋办",
    ),
}

# Clear questions (with the words of a question: 咋, 怎么, 吗) whose answer must carry a citation,
# wherever the conversation stands.
PROBES: tuple[str, ...] = (
    "老板拖欠工资不给咋办",
    "老板欠我工资不给怎么办",
    "请不起律师，法律援助怎么申请",
    "孩子跟着我在城里上学要准备什么材料？",
    "农民工能申请公租房吗",
    "老板不给交社保怎么办",
    "老板不签劳动合同怎么办",
)

YES_WORDS: tuple[str, ...] = (
    "要", "嗯", "中", "行", "好嘞", "可以", "对", "是的", "没问题", "要咧", "行嘞", "对着咧",
    "好的呀", "嗯嗯", "ok", "OK", "好", "好的", "要的", "中中中", "成", "嗯呐", "可以的", "行啊",
    "对对对", "是嘞", "好滴", "要要要", "登记吧", "那就弄吧",
)  # fmt: skip

NO_WORDS: tuple[str, ...] = (
    "不要", "不用", "不了", "甭了", "不用了", "不需要", "先不用", "不用不用", "不咧", "没必要",
    "不用麻烦了", "不要咧", "不", "暂时不用", "用不着",
)  # fmt: skip

# 算了 means stop, not no: a worker leaving a form or starting over.
STOP_WORDS: tuple[str, ...] = (
    "算了", "算了算了", "不填了", "不弄了", "重新开始", "算了不填了", "不办了", "重新开始吧",
    "不填了不填了", "算了吧", "不弄了不弄了",
)  # fmt: skip

SMALL_TALK_MESSAGES: tuple[str, ...] = (
    "你好", "您好", "在吗", "谢谢", "谢谢你啊", "你是机器人吗", "今天天气咋样", "你叫啥名字",
    "吃了没", "辛苦了", "再见", "拜拜", "你能干啥", "你是真人不", "早上好", "晚上好",
)  # fmt: skip

EMOJI_MESSAGES: tuple[str, ...] = ("👍", "😭😭😭", "🙏", "😡 老板欠钱不给", "👌", "💰💰？", "🤔", "😂")

PINYIN_MESSAGES: tuple[str, ...] = (
    "gongzi tuoqian zenme ban",
    "laoban qian gongzi",
    "gongzufang zenme shenqing",
    "haizi shangxue",
    "falv yuanzhu",
    "shebao zenme jiao",
    "nihao",
)

NUMBERS: tuple[str, ...] = ("1", "2", "3", "8", "25000", "0", "12", "100", "3.5", "一", "三")

NOISE_MESSAGES: tuple[str, ...] = (
    "asdf", "？？？", "。。。", "...", "啊啊啊", "qwerty", "？", "哈", "嗯？", "~~~", "。", "!!!!",
)  # fmt: skip

MIXED_MESSAGES: tuple[str, ...] = (
    "boss欠我salary三个月了",
    "我的工资被拖了2个month",
    "公租房apply咋弄",
    "微信上wechat聊天记录算证据不",
    "hello，我要查工资",
    "孩子school的事问一下",
)

LONG_STORIES: tuple[str, ...] = (
    "我是吕梁临县人，前年跟着同村的几个人到太原打工，在一个小区的工地上干钢筋活。一开始说好的是一天三百，"
    "月底结账，可是干了两个月以后包工头就开始拖，说甲方没拨款，让我们再等等。我们几个人也没签过啥合同，就是"
    "口头说的。后来楼都封顶了，工头换了好几个电话号码，打过去也不接。我们去找项目部，项目部说钱早就给了包工头，"
    "让我们自己找他。现在过年回家连车票钱都不够，家里娃还等着交学费，媳妇身体也不好。我手机里有和工头的微信"
    "聊天记录，还有一起干活的工友能作证。想问问这个钱到底该找谁要，我们该去哪儿反映，要不要花钱请律师？"
    "另外我那会儿从架子上滑下来扭了腰，看病花了两千多也是自己掏的，这个能不能一块儿要？",
    "俺在晋中榆次一个饭店当服务员，干了快一年了，老板一直说包吃住，工资一个月两千八。今年上半年开始老板说"
    "生意不好，先发一半，剩下的年底一块给。到了十月份老板把店转给别人了，新老板说以前欠的跟他没关系，老老板"
    "人也找不着了。俺们店里一共五个人，都被欠着钱，少的欠四五千，多的欠一万多。俺们也没签合同，只有每个月"
    "发钱的微信转账记录。俺想问一下，这种情况还能要回来不？去劳动局告有用不？俺们几个都是外地的，不懂这些，"
    "也怕去了人家不管。要是能要回来，大概要等多长时间？还有就是老板一直没给俺们交社保，说是工资里已经"
    "包含了，这个说法对不对？俺们以后换工作的话，这一年算不算工龄，能不能补交？麻烦给俺说说到底该咋弄。",
    "我家孩子今年七岁了，一直在老家跟着奶奶，现在奶奶年纪大了带不动，我和她妈都在大同平城区打工，想把孩子"
    "接过来在这边上小学一年级。我们租的房子是城中村的，房东不给开租房合同，我也没办居住证，社保是去年才开始"
    "交的。听别人说外地户口的孩子要五证齐全才能上公办学校，私立学校一年学费又要一万多，实在出不起。想问问我"
    "们这种情况孩子能不能在这边上公办小学，需要准备啥材料，去哪个部门问，什么时候开始报名，来不来得及？"
    "要是今年来不及，明年再办的话现在要先准备些啥？孩子户口在老家，要不要回去开证明？我们一家三口就租了"
    "一间小屋子，听说还能申请公租房，不知道像我们这样的打工的够不够条件，要排多久的队，麻烦一块儿给说说。",
)

CASE_LOOKUPS: tuple[str, ...] = (
    "查案件 GY-20261128-K7Q2",
    "帮我查一下 GY-20261128-K7Q2 到哪一步了",
    "查案件 gy 20261203 k7q2 mx4a",
    "我的案子GY-20261128-K7Q2咋样了",
    "查进度",
    "我登记的欠薪有结果了没",
)

HANDOFF_WORDS: tuple[str, ...] = ("转人工", "我要找人工客服", "找个真人说话", "人工", "让工作人员跟我说")

SEVERAL_FACTS_MESSAGES: tuple[str, ...] = (
    "我在太原市小店区的工地干活，包工头欠了我们8个人去年10月到今年1月的工资，一共两万五",
    "在大同市平城区的饭店干了半年，老板欠我八千多，就我一个，有微信聊天记录",
    "晋中榆次的厂子，从今年3月干到8月，欠了30000元，我们一共12个人",
    "包工头姓李，在长治潞州区修路，欠俺们五个人三万多，干了四个月",
    "恒泰小区三期工地包工头姓王，太原小店区，去年3月到12月，两万五，有合同",
    "我是建筑工地上的，临汾尧都区，欠了一年的钱，四万，还有十来个工友也没拿到",
)

CORRECTIONS: tuple[str, ...] = (
    "不是8个人，是10个",
    "地点说错了，是大同市平城区",
    "钱数说错了，是三万",
    "刚才说错了，是去年5月开始干的",
    "不对不对，老板姓张不姓王",
    "人数改一下，就我一个",
    "改一下，是饭店不是工地",
)

# Answers to a form's question, valid and not: by what the question asks.
FORM_ANSWERS: dict[str, tuple[str, ...]] = {
    "sector": ("工地", "建筑", "饭店", "在工地上干", "厂里", "盖楼的", "修路", "装修", "工程建设", "饭馆端盘子"),
    "employer": (
        "恒泰小区三期工地包工头姓王",
        "华鑫建筑公司",
        "老板姓刘，开饭店的",
        "城西那个物流园的李老板",
        "包工头叫赵四",
        "晋阳钢构厂",
    ),
    "place": ("太原市小店区", "大同市平城区", "晋中榆次", "长治潞州区", "运城盐湖区", "太原", "忻州原平"),
    "period": ("去年3月到12月", "干了半年", "今年1月到现在", "前年冬天干了仨月", "从五一干到国庆", "一年多了"),
    "amount": ("两万五", "30000元", "八千多", "三万", "一万二", "5000块", "四万多点"),
    "count": ("8个人", "就我一个", "我们三个", "十来个人", "二十多个工友", "5个"),
    "evidence": ("有合同和微信聊天记录", "没有", "有考勤表", "就有转账记录", "工友能作证", "啥也没有", "有工资条"),
    "phone": ("{phone}", "我电话{phone}", "打这个{phone}就行", "手机号是{phone}"),
    "grade": ("上小学一年级", "初二转学", "上初一", "三年级插班", "娃七岁了上一年级", "上幼儿园大班"),
    "permit": ("办了", "没办", "有居住证", "还没有", "办着咧", "没有"),
    "hukou": ("吕梁临县老家", "忻州代县", "户口在河南", "老家运城", "临汾乡宁农村"),
    "city": ("太原", "大同", "晋中市", "长治", "在太原小店区"),
    "stable_job": ("有", "没有", "在厂里干了两年了", "打零工", "签了合同"),
    "household": ("就我一个", "两口子带一个娃", "一家四口", "三口人", "我和我妈"),
    "dispute": ("欠工资", "工伤", "劳动合同", "被辞退了", "别的事"),
    "lawyer": ("请不起", "请得起", "没钱请", "不知道"),
    "case_number": ("GY-20261128-K7Q2", "GY-20260101-AB12", "编号是GY-20261201-ZZ99", "GY-20261203-K7Q2MX4A"),
    "phone_tail": ("5678", "尾号1234", "后四位是 8 8 9 9", "五六七八", "{phone}"),
}

FORM_INVALID_ANSWERS: dict[str, tuple[str, ...]] = {
    "sector": ("不知道", "啥意思", "随便"),
    "employer": ("嗯", "哈"),
    "place": ("不记得了", "就那儿", "外地"),
    "period": ("很久", "不记得了", "好久了"),
    "amount": ("很多", "不少钱", "记不清"),
    "count": ("好多人", "不少"),
    "evidence": ("啥叫证据", "嗯"),
    "phone": ("123", "没手机", "不给"),
    "grade": ("不知道", "还小"),
    "permit": ("啥是居住证", "不清楚"),
    "hukou": ("嗯", "不知道"),
    "city": ("不知道", "哪都行"),
    "stable_job": ("还行吧", "不好说"),
    "household": ("好几个", "嗯"),
    "dispute": ("说不清", "乱七八糟的"),
    "lawyer": ("啥", "看情况"),
    "case_number": ("不记得了", "123456"),
    "phone_tail": ("不知道", "忘了", "12", "手机丢了"),
}

# What each form slot asks, as the kind of answer above.
SLOT_TOPICS: dict[str, str] = {
    "wage_sector": "sector",
    "wage_employer": "employer",
    "wage_place": "place",
    "wage_period": "period",
    "wage_amount": "amount",
    "wage_workers": "count",
    "wage_evidence": "evidence",
    "wage_contact": "phone",
    "child_grade": "grade",
    "family_city": "place",
    "has_residence_permit": "permit",
    "hukou_place": "hukou",
    "housing_city": "city",
    "stable_job": "stable_job",
    "household": "household",
    "dispute_type": "dispute",
    "can_afford_lawyer": "lawyer",
    "case_number": "case_number",
    "case_phone_tail": "phone_tail",
}

# The pools the walker draws from when it does not react to the last reply.
SIMPLE_POOLS: dict[str, tuple[str, ...]] = {
    YES: YES_WORDS,
    NO: NO_WORDS,
    STOP: STOP_WORDS,
    SMALL_TALK: SMALL_TALK_MESSAGES,
    EMOJI: EMOJI_MESSAGES,
    PINYIN: PINYIN_MESSAGES,
    NUMBER: NUMBERS,
    NOISE: NOISE_MESSAGES,
    LONG_STORY: LONG_STORIES,
    MIXED: MIXED_MESSAGES,
    HANDOFF: HANDOFF_WORDS,
    CASE_LOOKUP: CASE_LOOKUPS,
    SEVERAL_FACTS: SEVERAL_FACTS_MESSAGES,
    CORRECTION: CORRECTIONS,
    PROBE: PROBES,
}
