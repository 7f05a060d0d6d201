"""The versioned knowledge store and publishing without retraining.

The store tests need no model. Those marked slow publish into a live searcher built
on the session's model and check what a worker's search sees before and after.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from knowledge.entries import check, import_entries
from knowledge.loader import KnowledgeBase
from knowledge.publish import LiveSearcher, Publisher, open_live
from knowledge.search import Searcher, SearchResult
from knowledge.settings import KnowledgeSettings
from knowledge.store import InvalidEdit, KnowledgeStore, PublishConflict, StaleEdit, knowledge_base_from_store
from tests.support.databases import migrated

HOUSING = "answer:housing_public_rental"
HOUSING_QUESTION = "我们打工的能不能住公租房"
WAGES = "answer:wages_owed"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# 2026-11-28 20:00 in UTC is already the 29th in China: the office's date counts.
CLOCK = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)


@pytest.fixture()
def store(tmp_path: Path, kb: KnowledgeBase) -> Iterator[KnowledgeStore]:
    opened = KnowledgeStore(migrated(f"sqlite:///{tmp_path / 'knowledge.db'}"), contacts=[c.id for c in kb.contacts])
    opened.import_knowledge(kb)
    yield opened
    opened.close()


def edited(store: KnowledgeStore, key: str, **changes: Any) -> tuple[dict[str, Any], int]:
    """The entry's latest content with ``changes``, and the version it was edited from."""
    state = store.entry(key)
    return {**state.latest.content, **changes}, state.latest_version


def with_answer(store: KnowledgeStore, key: str, text: str, author: str = "张科员") -> int:
    content, base = edited(store, key, answer=text)
    return store.save_draft(key, content, author, base).version


# ---- the store (no model) ----------------------------------------------------------


def test_import_gives_the_same_knowledge_base(store: KnowledgeStore, kb: KnowledgeBase) -> None:
    from_store = knowledge_base_from_store(store)
    assert from_store == kb
    assert from_store.content_hash == kb.content_hash
    assert store.import_knowledge(kb) == 0  # only an empty store is seeded
    first = store.history(WAGES)
    assert [(v.version, v.author, v.effective_date) for v in first] == [(1, "import", date(2026, 11, 28))]
    assert store.history("item:3")[0].effective_date is None  # as printed
    assert {a.action for a in store.audit(limit=1000)} == {"import"}


def test_every_imported_entry_passes_the_edit_checks(kb: KnowledgeBase) -> None:
    items = {it.item for it in kb.document.items}
    for key, content, _ in import_entries(kb):
        previous = content if key.startswith("item:") else None
        assert check(key, content, previous=previous, items=items, contacts={c.id for c in kb.contacts}) == content


def test_a_draft_is_not_seen_until_published(tmp_path: Path, kb: KnowledgeBase) -> None:
    store = KnowledgeStore(migrated(f"sqlite:///{tmp_path / 'k.db'}"), clock=lambda: CLOCK)
    store.import_knowledge(kb)
    version = with_answer(store, HOUSING, "新的答复：请到当地住建局问。")
    assert store.entry(HOUSING).draft is not None
    assert [d.key for d in store.drafts()] == [HOUSING]
    assert knowledge_base_from_store(store) == kb

    [published] = store.publish(author="李主任", note="更新公租房答复")
    assert (published.key, published.version, published.published_by) == (HOUSING, version, "李主任")
    assert published.effective_date == date(2026, 11, 29)
    after = knowledge_base_from_store(store)
    answer = next(a for a in after.answers if a.id == "housing_public_rental")
    assert answer.answer == "新的答复：请到当地住建局问。"
    assert answer.effective == "2026-11-29"
    assert after.content_hash != kb.content_hash
    assert store.drafts() == []


def test_an_edit_from_an_old_version_is_refused(store: KnowledgeStore) -> None:
    content, base = edited(store, HOUSING, answer="第一次修改。")
    store.save_draft(HOUSING, content, "甲", base)
    with pytest.raises(StaleEdit) as refused:
        store.save_draft(HOUSING, {**content, "answer": "第二次修改。"}, "乙", base)
    assert refused.value.latest == 2
    assert CHINESE.search(str(refused.value))
    assert store.entry(HOUSING).latest.content["answer"] == "第一次修改。"  # never overwritten


def test_concurrent_edits_of_one_version_let_exactly_one_win(store: KnowledgeStore) -> None:
    content, base = edited(store, HOUSING)
    editors = 4
    start = threading.Barrier(editors)

    def edit(n: int) -> str:
        start.wait()
        try:
            store.save_draft(HOUSING, {**content, "answer": f"编辑{n}的修改。"}, f"编辑{n}", base)
            return "saved"
        except StaleEdit:
            return "stale"

    with ThreadPoolExecutor(editors) as pool:
        outcomes = list(pool.map(edit, range(editors)))
    assert sorted(outcomes) == ["saved"] + ["stale"] * (editors - 1)
    history = store.history(HOUSING)
    assert [v.version for v in history] == [1, 2]
    assert history[1].content["answer"] == f"编辑{outcomes.index('saved')}的修改。"


@pytest.mark.parametrize(
    ("key", "changes", "message"),
    [
        (HOUSING, {"items": [99]}, "引用的条目不存在"),
        (HOUSING, {"items": []}, "必须引用政策条目"),
        (HOUSING, {"answer": "   "}, "答复不能为空"),
        (HOUSING, {"answer": "很长" * 201}, "答复太长了"),
        (HOUSING, {"questions": ["能住公租房吗", ""]}, "问法第 2 条是空的"),
        (HOUSING, {"contacts": ["hotline_110"]}, "不认识的联系电话"),
        (HOUSING, {"colour": "red"}, "不认识的字段"),
        ("item:9", {"text": ""}, "正文不能为空"),
        ("item:9", {"part": 1}, "不能修改"),
        ("item:9", {"lead": ["省教育厅"]}, "牵头部门必须是负责部门之一"),
    ],
)
def test_bad_content_is_refused_in_chinese(
    store: KnowledgeStore, key: str, changes: dict[str, Any], message: str
) -> None:
    content, base = edited(store, key, **changes)
    with pytest.raises(InvalidEdit, match=message):
        store.save_draft(key, content, "张科员", base)
    assert store.entry(key).latest_version == 1


def test_new_answers_can_be_added_items_cannot(store: KnowledgeStore, kb: KnowledgeBase) -> None:
    content = {
        "topic": "public_housing",
        "title": "公租房排队要多久",
        "answer": "各市排队时间不一样，请到当地住建部门问。",
        "items": [9],
        "questions": ["公租房要排多久", "申请公租房多久能分到"],
        "contacts": ["hotline_12345"],
    }
    created = store.save_draft("answer:housing_waiting", content, "张科员", 0)
    assert created.version == 1
    with pytest.raises(StaleEdit):  # someone else made it first
        store.save_draft("answer:housing_waiting", content, "王科员", 0)
    with pytest.raises(InvalidEdit, match="只能修改，不能新增"):
        store.save_draft("item:19", store.entry("item:9").latest.content, "张科员", 0)
    with pytest.raises(InvalidEdit, match="不认识的条目"):
        store.save_draft("answer:公租房", content, "张科员", 0)
    store.publish(["answer:housing_waiting"], author="李主任")
    after = knowledge_base_from_store(store)
    assert after.answers[-1].id == "housing_waiting"
    assert after.answers[:-1] == kb.answers


def test_publish_is_all_or_nothing(store: KnowledgeStore) -> None:
    with_answer(store, HOUSING, "改过的答复。")
    with pytest.raises(InvalidEdit, match="没有待发布的草稿"):
        store.publish([HOUSING, WAGES], author="李主任")
    assert store.entry(HOUSING).published_version == 1
    assert not [a for a in store.audit() if a.action == "publish"]


def test_publish_of_reviewed_versions_refuses_a_draft_saved_after_the_review(store: KnowledgeStore) -> None:
    reviewed = {HOUSING: with_answer(store, HOUSING, "审核过的答复。"), WAGES: with_answer(store, WAGES, "审核过的。")}
    with_answer(store, WAGES, "审核之后别人又改的。", author="王科员")
    with pytest.raises(PublishConflict) as refused:
        store.publish(author="李主任", reviewed=reviewed)
    assert [(c.key, c.reviewed_version, c.latest_version) for c in refused.value.changed] == [(WAGES, 2, 3)]
    # Nothing went online, not even the entry that had not changed.
    assert store.entry(HOUSING).published_version == 1 and store.entry(WAGES).published_version == 1
    assert not [a for a in store.audit() if a.action == "publish"]
    store.publish(author="李主任", reviewed={HOUSING: 2, WAGES: 3})
    assert store.entry(HOUSING).published_version == 2 and store.entry(WAGES).published_version == 3
    with pytest.raises(PublishConflict):  # published already: no draft of that version is waiting
        store.publish(author="李主任", reviewed={HOUSING: 2})


def test_retiring_an_answer_removes_it_until_restored(store: KnowledgeStore, kb: KnowledgeBase) -> None:
    with pytest.raises(InvalidEdit, match="不能停用"):
        store.retire("item:3", "张科员", 1)
    store.retire(HOUSING, "张科员", 1, note="政策已调整")
    store.publish(author="李主任")
    assert "housing_public_rental" not in {a.id for a in knowledge_base_from_store(store).answers}
    with pytest.raises(InvalidEdit, match="已经停用"):
        store.retire(HOUSING, "张科员", 2)
    content, base = edited(store, HOUSING)
    store.save_draft(HOUSING, content, "张科员", base, note="恢复")
    store.publish(author="李主任")
    restored = knowledge_base_from_store(store)
    assert [a.id for a in restored.answers] == [a.id for a in kb.answers]


def test_rollback_publishes_the_old_content_as_a_new_version(store: KnowledgeStore, kb: KnowledgeBase) -> None:
    with_answer(store, HOUSING, "有错的答复。")
    store.publish(author="李主任")
    rolled = store.rollback(HOUSING, 1, author="李主任")
    assert rolled.version == 3
    history = store.history(HOUSING)
    assert [v.version for v in history] == [1, 2, 3]
    assert history[1].content["answer"] == "有错的答复。"  # history is never rewritten
    assert history[2].content == history[0].content
    assert store.entry(HOUSING).published_version == 3
    assert knowledge_base_from_store(store) == kb  # effective date restored too
    with pytest.raises(InvalidEdit, match="已经和第 1 版一样"):
        store.rollback(HOUSING, 1, author="李主任")


def test_every_change_has_its_audit_row(store: KnowledgeStore) -> None:
    with_answer(store, HOUSING, "改过的答复。", author="张科员")
    store.publish(author="李主任", note="例行更新")
    store.retire(WAGES, "王科员", 1)
    store.publish([WAGES], author="李主任")
    store.rollback(WAGES, 1, author="李主任")
    rows = [(a.actor, a.action, a.key, a.version) for a in reversed(store.audit(limit=5))]
    assert rows == [
        ("张科员", "draft", HOUSING, 2),
        ("李主任", "publish", HOUSING, 2),
        ("王科员", "retire", WAGES, 2),
        ("李主任", "publish", WAGES, 2),
        ("李主任", "rollback", WAGES, 3),
    ]
    assert store.audit(HOUSING)[0].note == "例行更新"
    assert all(a.at.tzinfo is not None for a in store.audit())


def test_diff_shows_the_changed_lines(store: KnowledgeStore) -> None:
    old = store.entry(HOUSING).latest.content["answer"]
    sentence = old.splitlines()[-1].split("。")[0] + "。"  # the diff shows a sentence per line
    with_answer(store, HOUSING, old.replace(sentence, "申请条件由各市定。"))
    diff = store.diff(HOUSING, 1, 2)
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("---", "+++"))]
    assert changed == [f"-  {sentence}", "+  申请条件由各市定。"]
    assert diff.startswith(f"--- {HOUSING} 第1版\n+++ {HOUSING} 第2版")
    assert store.diff(HOUSING, 1, 1) == ""


def test_an_item_edit_keeps_the_plan_structure(store: KnowledgeStore, kb: KnowledgeBase) -> None:
    content, base = edited(store, "item:9", title="  为农民工提供住房保障  ")
    store.save_draft("item:9", content, "张科员", base, effective_date=date(2026, 12, 1))
    store.publish(author="李主任")
    item = knowledge_base_from_store(store).document.item(9)
    assert item.title == "为农民工提供住房保障"  # trimmed
    assert item.marker == kb.document.item(9).marker
    assert item.questions == kb.document.item(9).questions
    assert item.effective == "2026-12-01"


# ---- publishing into the live searcher (the model) -----------------------------------


@pytest.fixture()
def publisher(store: KnowledgeStore, searcher: Searcher, settings: KnowledgeSettings, tmp_path: Path) -> Publisher:
    """A live searcher over the session's searcher; new indexes go to a scratch folder."""
    live = LiveSearcher(searcher, store.revision())
    return Publisher(store, live, settings, index_dir=tmp_path / "index")


def snapshot(result: SearchResult) -> list[tuple[str, float, str | None, list[str]]]:
    return [(h.id, h.score, h.answer, h.quotes) for h in result.hits]


QUESTIONS = [HOUSING_QUESTION, "老板欠我三个月工资不给怎么办", "孩子在打工的城市能上公办学校吗", "工伤了老板不管怎么办"]


@pytest.mark.slow
def test_the_imported_store_searches_exactly_like_the_files(
    store: KnowledgeStore, searcher: Searcher, settings: KnowledgeSettings
) -> None:
    live = open_live(settings, store, embedder=searcher.embedder)
    assert live.kb == searcher.kb
    for question in QUESTIONS:
        assert live.search(question, 5).to_json() == searcher.search(question, 5).to_json()


@pytest.mark.slow
def test_publish_swaps_in_the_new_text_and_rollback_restores_the_results(
    store: KnowledgeStore, publisher: Publisher, searcher: Searcher
) -> None:
    live = publisher.live
    before = {q: snapshot(live.search(q, 5)) for q in QUESTIONS}
    new_text = "公租房向符合条件的农民工开放，请带上居住证到当地住建局申请。"
    with_answer(store, HOUSING, new_text)
    assert live.search(HOUSING_QUESTION).hits[0].answer != new_text  # a draft is not live

    report = publisher.publish(author="李主任")
    print(f"\npublish + reindex (answer text): {report.summary()}")
    assert report.swapped and report.encoded == 0  # the text is not embedded: nothing to encode
    assert live.current() is not searcher
    top = live.search(HOUSING_QUESTION).hits[0]
    assert (top.id, top.answer) == (HOUSING, new_text)
    assert live.search(HOUSING_QUESTION).knowledge == live.kb.content_hash == report.content_hash
    assert report.seconds["total"] < 10

    rolled = publisher.rollback(HOUSING, 1, author="李主任")
    assert rolled.content_hash == searcher.kb.content_hash
    assert {q: snapshot(live.search(q, 5)) for q in QUESTIONS} == before


@pytest.mark.slow
def test_a_new_question_is_encoded_and_found(store: KnowledgeStore, publisher: Publisher) -> None:
    question = "城里的廉价宿舍怎么租到"
    content, base = edited(store, HOUSING)
    store.save_draft(HOUSING, {**content, "questions": [*content["questions"], question]}, "张科员", base)
    report = publisher.publish(author="李主任")
    print(f"\npublish + reindex (one new question): {report.summary()}")
    assert report.encoded == 1
    assert report.seconds["total"] < 10
    assert publisher.live.search(question).hits[0].id == HOUSING


@pytest.mark.slow
def test_the_recent_results_leave_with_the_old_searcher(store: KnowledgeStore, publisher: Publisher) -> None:
    live = publisher.live
    old = live.search(HOUSING_QUESTION)
    assert live.search(HOUSING_QUESTION) is old  # served from the old searcher's recent results
    with_answer(store, HOUSING, "换过的答复。")
    publisher.publish(author="李主任")
    new = live.search(HOUSING_QUESTION)
    assert new is not old
    assert new.hits[0].answer == "换过的答复。"
    assert new.knowledge != old.knowledge


@pytest.mark.slow
def test_a_retired_answer_is_no_longer_returned(store: KnowledgeStore, publisher: Publisher) -> None:
    assert publisher.live.search(HOUSING_QUESTION, 5).hits[0].id == HOUSING
    store.retire(HOUSING, "张科员", 1)
    publisher.publish(author="李主任")
    assert HOUSING not in [h.id for h in publisher.live.search(HOUSING_QUESTION, 20).hits]


@pytest.mark.slow
def test_an_older_build_never_replaces_a_newer_one(searcher: Searcher) -> None:
    live = LiveSearcher(searcher, revision=5)
    assert not live.swap(searcher, 4)
    assert live.revision == 5
    assert live.current() is searcher.current() is searcher


@pytest.mark.slow
def test_refresh_catches_up_with_another_process(
    store: KnowledgeStore, publisher: Publisher, searcher: Searcher, settings: KnowledgeSettings, tmp_path: Path
) -> None:
    other = Publisher(store, LiveSearcher(searcher, store.revision()), settings, index_dir=tmp_path / "index")
    with_answer(store, HOUSING, "另一个进程发布的答复。")
    other.publish(author="李主任")
    assert publisher.refresh() is not None
    assert publisher.live.search(HOUSING_QUESTION).hits[0].answer == "另一个进程发布的答复。"
    assert publisher.refresh() is None


@pytest.mark.slow
def test_publishing_under_query_load_never_mixes_versions(
    store: KnowledgeStore, publisher: Publisher, searcher: Searcher
) -> None:
    """Searches run without pause while the answer is published five times."""
    live = publisher.live
    text_of = {searcher.kb.content_hash: next(a.answer for a in searcher.kb.answers if a.id == "housing_public_rental")}
    stop = threading.Event()
    results: list[SearchResult] = []
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        count = 0
        while not stop.is_set():
            question = QUESTIONS[count % len(QUESTIONS)]
            try:
                # Half through the recent results, half searched afresh: both read one version.
                result = live.search(question, 3) if (count + n) % 2 else live.search_uncached(question, 3)
                results.append(result)
            except BaseException as exc:  # any failure under load is what this test looks for
                errors.append(exc)
            count += 1

    timings = []
    with ThreadPoolExecutor(4) as pool:
        running = [pool.submit(worker, n) for n in range(4)]
        for round_ in range(5):
            time.sleep(0.2)
            text = f"第{round_ + 1}次修订：公租房请到当地住建局申请。"
            with_answer(store, HOUSING, text)
            report = publisher.publish(author="李主任")
            assert report.swapped
            text_of[report.content_hash] = text
            timings.append(report.seconds["total"])
        time.sleep(0.2)
        stop.set()
        for future in running:
            future.result()
    print(f"\npublish + reindex under load: {', '.join(f'{t:.2f}s' for t in timings)}")

    assert errors == []
    versions_seen = {r.knowledge for r in results}
    assert len(versions_seen) >= 3, "the searches should have run across several publishes"
    for result in results:
        assert result.knowledge in text_of
        for hit in result.hits:
            if hit.id == HOUSING:
                assert hit.answer == text_of[result.knowledge]
