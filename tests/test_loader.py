"""The knowledge data: loaded through one entry point, validated, hashed."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.loader import KnowledgeBase, KnowledgeError, item_json, load_knowledge

CORE_TOPICS = {"unpaid_wages", "legal_aid", "school_enrollment", "public_housing"}


def test_approved_answers_cover_the_four_journeys_and_cite_items(kb: KnowledgeBase) -> None:
    assert {a.topic for a in kb.answers} >= CORE_TOPICS
    numbers = {it.item for it in kb.document.items}
    for answer in kb.answers:
        assert answer.items and set(answer.items) <= numbers, answer.id
        assert len(answer.questions) >= 3, answer.id
        assert len(answer.answer) <= 400, f"{answer.id}: too long to read on a phone"


def test_contacts_are_the_three_hotlines(kb: KnowledgeBase) -> None:
    numbers = {c.number: c.name for c in kb.contacts}
    assert numbers == {"12333": "人社服务热线", "12348": "公共法律服务热线", "12345": "政务服务便民热线"}
    assert [c.number for c in kb.contacts_for([3])] == ["12333", "12348"]
    assert [c.number for c in kb.contacts_for([8])] == ["12345"]


def test_lexicon_is_shared_with_the_nlu(kb: KnowledgeBase) -> None:
    lexicon = kb.lexicon
    for term in ("三个清零", "随迁子女", "公租房", "居住证", "法律援助", "工伤保险", "尘肺病", "两为主"):
        assert term in lexicon.words
    assert lexicon.synonyms["工钱"] == "工资"
    assert lexicon.synonyms["讨薪"] == "欠薪"
    assert lexicon.synonyms["廉租房"] == "公租房"
    assert lexicon.synonyms["打官司"] == "起诉"
    assert lexicon.typos["公资"] == "工资"
    assert lexicon.user_dict.name == "userdict.txt"


def test_every_item_has_worker_questions(kb: KnowledgeBase) -> None:
    for item in kb.document.items:
        assert item.questions, item.item


def test_item_json_fields(kb: KnowledgeBase) -> None:
    data = item_json(kb, 9)
    assert {"item", "part", "title", "text", "departments", "lead"} <= set(data)
    assert data["departments"] == ["省住房城乡建设厅"]
    assert data["text"].startswith("创新针对农民工的住房租赁公共服务机制")


def test_content_hash_follows_the_content(data_copy: tuple[Path, Path]) -> None:
    data, nlu = data_copy
    before = load_knowledge(data, nlu).content_hash
    assert load_knowledge(data, nlu).content_hash == before
    (nlu / "synonyms.yml").write_text(
        (nlu / "synonyms.yml").read_text(encoding="utf-8") + "- synonym: 工资\n  examples: |\n    - 饷钱\n",
        encoding="utf-8",
    )
    assert load_knowledge(data, nlu).content_hash != before


def test_an_answer_citing_a_missing_item_is_refused(data_copy: tuple[Path, Path]) -> None:
    data, nlu = data_copy
    path = data / "answers.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("items: [9]", "items: [99]", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"answers\.yml"):
        load_knowledge(data, nlu)


def test_malformed_yaml_names_the_file(data_copy: tuple[Path, Path]) -> None:
    data, nlu = data_copy
    (data / "contacts.yml").write_text("- id: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"contacts\.yml"):
        load_knowledge(data, nlu)
