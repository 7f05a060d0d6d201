"""The plan as data: every item, every sentence verbatim, departments and leads."""

from __future__ import annotations

import re

import pytest

from knowledge.loader import KnowledgeBase, document_to_yaml
from knowledge.plan_parser import cn_number, mend, parse_departments, parse_plan_file
from tests.conftest import SEED


def squeeze(text: str) -> str:
    """The seed's text with only the extraction artefacts removed: whitespace and **."""
    return re.sub(r"\s+", "", text.replace("**", ""))


@pytest.fixture(scope="module")
def seed_text() -> str:
    return squeeze(SEED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def parsed():  # type: ignore[no-untyped-def]
    return parse_plan_file(SEED)


def test_document_metadata(parsed) -> None:  # type: ignore[no-untyped-def]
    assert parsed.title == "2019年山西省农民工工作要点"
    assert parsed.doc_number == "晋农工办函〔2019〕4号"
    assert parsed.issuer == "山西省人民政府农民工工作领导小组办公室"
    assert parsed.printed == "2019-05-16"
    assert [n for n, _ in parsed.parts] == [1, 2, 3, 4, 5]
    assert parsed.parts[1][1] == "全力维护农民工劳动保障权益"


def test_eighteen_items_in_order_with_parts(parsed) -> None:  # type: ignore[no-untyped-def]
    assert [it.item for it in parsed.items] == list(range(1, 19))
    parts = {it.item: it.part for it in parsed.items}
    assert [parts[n] for n in (1, 2, 3, 7, 8, 11, 12, 14, 15, 18)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert parsed.item(3).title == "坚决保障农民工工资支付"
    assert parsed.item(11).title == "维护农民工农村“三权”权益"


def test_every_sentence_is_verbatim(parsed, seed_text: str) -> None:  # type: ignore[no-untyped-def]
    for item in parsed.items:
        assert squeeze(f"{item.title}。{item.text}") in seed_text, item.item
        assert squeeze(item.departments_text) in seed_text
        assert "".join(c.text for c in item.clauses) == item.text
        for clause in item.clauses:
            assert "**" not in clause.text and "\n" not in clause.text
            assert squeeze(clause.text) in seed_text
            assert clause.text.endswith(("。", "；")), clause.id


def test_extraction_artefacts_are_mended(parsed) -> None:  # type: ignore[no-untyped-def]
    # A page break inside a word, a split paragraph, bold markers, a stray space.
    assert "推进电子商务进农村综合示范" in parsed.item(1).text
    assert "组织开展返乡农民工优秀创业项目评选活动。" in parsed.item(1).text
    assert "学历与非学历教育并重" in parsed.item(2).text
    assert parsed.item(8).departments == ("省教育厅",)
    assert "教育管理和服务" in parsed.item(12).text
    # Spaces around numbers are the document's own and stay.
    assert "率先在 10 个深度贫困县开展试点" in parsed.item(14).text


@pytest.mark.parametrize(
    ("number", "departments", "lead"),
    [
        (3, ("省人力资源社会保障厅", "省发展改革委", "公安厅"), ("省人力资源社会保障厅",)),
        (5, ("省人力资源社会保障厅", "省国资委"), ("省人力资源社会保障厅", "省国资委")),
        (6, ("省人力资源社会保障厅", "省司法厅", "省总工会"), ()),
        (9, ("省住房城乡建设厅",), ()),
        (10, ("省公安厅", "省发展改革委", "省财政厅"), ("省公安厅", "省发展改革委", "省财政厅")),
        (17, ("国家统计局山西调查总队", "省农民工办"), ("国家统计局山西调查总队", "省农民工办")),
    ],
)
def test_departments_and_lead(parsed, number: int, departments: tuple[str, ...], lead: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    item = parsed.item(number)
    assert item.departments[: len(departments)] == departments
    assert item.lead == lead


def test_department_grammar() -> None:
    assert parse_departments("甲厅牵头，乙厅、丙厅按分工负责") == (("甲厅", "乙厅", "丙厅"), ("甲厅",))
    assert parse_departments("甲厅、乙厅分别负责") == (("甲厅", "乙厅"), ())
    assert parse_departments("甲厅、乙厅分别牵头负责") == (("甲厅", "乙厅"), ("甲厅", "乙厅"))
    assert parse_departments("甲厅负责") == (("甲厅",), ())


def test_numbers_and_mending() -> None:
    assert [cn_number(t) for t in ("一", "九", "十", "十一", "十八", "二十")] == [1, 9, 10, 11, 18, 20]
    assert mend("**(省教育**厅负责)") == "(省教育厅负责)"
    assert mend("管理和服 务") == "管理和服务"
    assert mend("在 10 个") == "在 10 个"


def test_committed_plan_is_the_parsed_seed(parsed, kb: KnowledgeBase) -> None:  # type: ignore[no-untyped-def]
    """knowledge/data/plan.yml is what `python -m knowledge import-plan` makes of the seed."""
    assert [it.to_json() for it in kb.document.items] == [it.to_json() for it in parsed.items]
    assert kb.document.title == parsed.title
    plan_file = SEED.parent.parent / "data" / "plan.yml"
    assert plan_file.read_text(encoding="utf-8") == document_to_yaml(parsed)
