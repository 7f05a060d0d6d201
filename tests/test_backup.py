"""Backup and restore (api/ops/backup.py) between SQLite and PostgreSQL, with data the real stores made.

PostgreSQL as in tests/test_migrations.py: the server at TEST_POSTGRES_URL, a database of
its own for each use, dropped afterwards; without a reachable server these tests fail.
"""

from __future__ import annotations

import gzip
import io
import itertools
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Time,
    cast,
    create_engine,
    func,
    insert,
    make_url,
    null,
    select,
    text,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from api.cases.store import CaseStore, WageIntake
from api.db.migrate import current_revision, head_revision, upgrade
from api.models import TABLE_NAMES
from api.ops import backup
from api.ops.backup import BACKUP_TABLES, LEFT_OUT, BackupError, dump, restore, table_digests, verify
from api.privacy.vault import Cipher
from knowledge.loader import PROJECT_ROOT, KnowledgeBase
from knowledge.store import KnowledgeStore
from tests.test_migrations import PG_ADMIN_URL, tables_of

PHONE = "13912345678"
NEW_KEY = "answer:housing_waiting"
HOUSING = "answer:housing_public_rental"
WAGES = "answer:wages_owed"
NEW_ANSWER = {
    "topic": "public_housing",
    "title": "公租房排队要多久",
    "answer": "各市排队时间不一样，请到当地住建部门问。",
    "items": [9],
    "questions": ["公租房要排多久", "申请公租房多久能分到"],
    "contacts": ["hotline_12345"],
}
START = datetime(2026, 11, 28, 20, 0, 0, 123456, tzinfo=UTC)  # microseconds must survive

NewDatabase = Callable[[str], str]


@pytest.fixture()
def new_database(tmp_path: Path) -> Iterator[NewDatabase]:
    """Makes empty databases ("sqlite" or "postgres"); the PostgreSQL ones are dropped afterwards."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    made: list[str] = []

    def new(kind: str) -> str:
        name = f"test_{secrets.token_hex(6)}"
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / name}.db"
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        except OperationalError as exc:
            pytest.fail(
                f"PostgreSQL is not reachable at {make_url(PG_ADMIN_URL).render_as_string()}: {exc.orig}\n"
                "Start it, or point TEST_POSTGRES_URL at a server where this user may create databases.",
                pytrace=False,
            )
        made.append(name)
        return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    yield new
    with admin.connect() as connection:
        for name in made:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def cipher() -> Cipher:
    return Cipher(Fernet.generate_key())


def ticking(start: datetime = START) -> Callable[[], datetime]:
    """A clock that moves on by an odd interval at each reading."""
    steps = itertools.count()
    return lambda: start + next(steps) * timedelta(minutes=1, seconds=37, microseconds=1)


def intake(cipher: Cipher | None, **changes: Any) -> WageIntake:
    base = WageIntake(
        sector="construction",
        employer="太原某建筑劳务有限公司",
        place="太原市小店区",
        period="2026年8月到10月",
        amount_text="两万三千五",
        amount_yuan=23500,
        workers=4,
        evidence=["考勤表", "微信聊天记录"],
        contact_cipher=cipher.encrypt(PHONE) if cipher else "",
        contact_masked="139****5678" if cipher else "",
        needs_review=[],
    )
    return replace(base, **changes)


def seed(url: str, kb: KnowledgeBase, cipher: Cipher) -> None:
    """Knowledge with a new entry, drafts, two publishes, a rollback and a draft left; two cases."""
    upgrade(url)
    store = KnowledgeStore(url, contacts=[c.id for c in kb.contacts], clock=ticking())
    try:
        store.import_knowledge(kb)
        store.save_draft(NEW_KEY, NEW_ANSWER, "张科员", 0, note="新增")
        for text_ in ("第一稿：请到住建局问。", "第二稿：请到当地住建局或街道问。"):
            latest = store.entry(HOUSING).latest
            store.save_draft(HOUSING, {**latest.content, "answer": text_}, "张科员", latest.version)
        store.publish(author="李主任", note="第一次发布")
        latest = store.entry(HOUSING).latest
        store.save_draft(
            HOUSING,
            {**latest.content, "answer": "有错的答复。"},
            "王科员",
            latest.version,
            effective_date=date(2027, 1, 1),
        )
        store.publish([HOUSING], author="李主任", note="第二次发布")
        store.rollback(HOUSING, 3, author="李主任", note="发错了")
        latest = store.entry(WAGES).latest
        store.save_draft(WAGES, {**latest.content, "title": "老板欠工资怎么办（草稿）"}, "张科员", latest.version)
    finally:
        store.close()
    cases = CaseStore(url)
    try:
        first = cases.create(intake(cipher), "web:worker-1")
        cases.set_status(first.case_number, "processing", "已联系用人单位")
        cases.create(intake(None, amount_yuan=None, workers=None, evidence=[], needs_review=["amount"]), "wechat:w2")
    finally:
        cases.engine.dispose()


def snapshot(url: str) -> dict[str, Any]:
    """Everything the office sees of the knowledge and the cases, as the stores give it."""
    store = KnowledgeStore(url)
    cases = CaseStore(url)
    try:
        entries = store.entries()
        histories = {e.key: store.history(e.key) for e in entries}
        found = sorted(cases.find(limit=1000), key=lambda c: c.case_number)
        return {
            "entries": entries,
            "published": store.published(),
            "drafts": [d.key for d in store.drafts()],
            "histories": histories,
            # Equal dicts may differ in key order: the order is kept too.
            "key_order": {key: [list(v.content) for v in versions] for key, versions in histories.items()},
            "diffs": {
                e.key: [store.diff(e.key, a, b) for a in range(1, e.latest_version) for b in (a + 1, e.latest_version)]
                for e in entries
            },
            "audit": store.audit(limit=100_000),
            "cases": found,
            "contacts": {c.case_number: cases.ciphertext_contact(c.case_number) for c in found},
        }
    finally:
        store.close()
        cases.engine.dispose()


def highest_ids(url: str) -> dict[str, int]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return {
                name: connection.scalar(text(f"SELECT MAX(id) FROM {name}")) or 0
                for name in ("knowledge_versions", "knowledge_audit", "wage_cases")
            }
    finally:
        engine.dispose()


def make_new_rows(url: str, kb: KnowledgeBase) -> None:
    """A new case and a new published entry: each needs fresh ids in three tables."""
    cases = CaseStore(url)
    store = KnowledgeStore(url, contacts=[c.id for c in kb.contacts])
    try:
        cases.create(intake(None), "web:after-restore")
        store.save_draft("answer:housing_after_restore", NEW_ANSWER, "张科员", 0)
        store.publish(author="李主任")
    finally:
        cases.engine.dispose()
        store.close()


def test_every_table_is_backed_up_or_left_out_on_purpose() -> None:
    # A new table must be decided on: into BACKUP_TABLES, or into LEFT_OUT with its reason.
    assert set(BACKUP_TABLES) | set(LEFT_OUT) == TABLE_NAMES
    assert not set(BACKUP_TABLES) & set(LEFT_OUT)


@pytest.mark.parametrize(
    ("source_kind", "target_kind"), [("sqlite", "sqlite"), ("sqlite", "postgres"), ("postgres", "sqlite")]
)
def test_a_round_trip_gives_back_the_same_knowledge_and_cases(
    source_kind: str, target_kind: str, new_database: NewDatabase, kb: KnowledgeBase, cipher: Cipher, tmp_path: Path
) -> None:
    source = new_database(source_kind)
    seed(source, kb, cipher)
    path = tmp_path / "backup.jsonl.gz"

    manifest = dump(source, path)
    assert manifest.revision == head_revision()
    assert [t.name for t in manifest.tables] == list(BACKUP_TABLES)
    assert {t.name: t.rows for t in manifest.tables}["wage_cases"] == 2
    assert path.stat().st_mode & 0o077 == 0  # cases and ciphertexts: readable by the owner only

    target = new_database(target_kind)
    assert restore(target, path) == manifest
    assert current_revision(target) == manifest.revision

    before = snapshot(source)
    after = snapshot(target)
    assert after == before
    assert table_digests(target) == table_digests(source)
    assert after["drafts"] == [WAGES]
    assert [v.version for v in after["histories"][HOUSING]] == [1, 2, 3, 4, 5]
    assert after["histories"][HOUSING][4].content == after["histories"][HOUSING][2].content  # the rollback
    assert after["histories"][HOUSING][3].effective_date == date(2027, 1, 1)
    assert after["histories"][WAGES][1].published_at is None  # NULL stays NULL
    assert after["histories"][NEW_KEY][0].created_at.microsecond != 0
    first = next(c for c in after["cases"] if c.details["amount_yuan"] == 23500)
    assert first.details["evidence"] == ["考勤表", "微信聊天记录"] and first.status_note == "已联系用人单位"
    ciphertext = after["contacts"][first.case_number]
    assert ciphertext is not None and cipher.decrypt(ciphertext) == PHONE  # still the same ciphertext

    # New rows after the restore get fresh ids (PostgreSQL's sequences were moved on).
    restored = highest_ids(target)
    make_new_rows(target, kb)
    assert all(new > restored[name] for name, new in highest_ids(target).items())


def test_the_backup_holds_no_phone_number_in_clear(
    new_database: NewDatabase, kb: KnowledgeBase, cipher: Cipher, tmp_path: Path
) -> None:
    source = new_database("sqlite")
    seed(source, kb, cipher)
    path = tmp_path / "backup.gz"
    dump(source, path)
    content = gzip.decompress(path.read_bytes())  # a plain gzip file to any tool
    assert PHONE.encode() not in content
    assert PHONE.encode() not in path.read_bytes()
    assert b"139****5678" in content  # the masked form the table holds
    encrypted = [c for c in snapshot(source)["contacts"].values() if c]
    assert len(encrypted) == 1 and encrypted[0].encode() in content  # the ciphertext, as the table holds it
    lines = content.decode("utf-8").splitlines()
    assert json.loads(lines[0])["format"] == "gongyou-zhushou-backup"
    assert "太原某建筑劳务有限公司" in content.decode("utf-8")  # Chinese written as itself


@pytest.mark.parametrize("target_kind", ["sqlite", "postgres"])
def test_a_target_holding_data_is_refused_unless_replaced(
    target_kind: str, new_database: NewDatabase, kb: KnowledgeBase, cipher: Cipher, tmp_path: Path
) -> None:
    source = new_database("sqlite")
    seed(source, kb, cipher)
    path = tmp_path / "backup.gz"
    dump(source, path)

    target = new_database(target_kind)
    upgrade(target)
    cases = CaseStore(target)
    other = cases.create(intake(None, employer="另一家公司"), "web:someone-else")
    cases.engine.dispose()
    before = table_digests(target)

    with pytest.raises(BackupError, match=r"已经有数据（wage_cases 有 1 行）.*--replace"):
        restore(target, path)
    assert table_digests(target) == before

    restore(target, path, replace=True)
    assert snapshot(target) == snapshot(source)
    assert other.case_number not in {c.case_number for c in snapshot(target)["cases"]}
    restored = highest_ids(target)
    make_new_rows(target, kb)
    assert all(new > restored[name] for name, new in highest_ids(target).items())


@pytest.mark.parametrize("target_kind", ["sqlite", "postgres"])
def test_a_replacing_restore_raises_the_knowledge_revision_above_all_seen(
    target_kind: str, new_database: NewDatabase, kb: KnowledgeBase, cipher: Cipher, tmp_path: Path
) -> None:
    target = new_database(target_kind)
    seed(target, kb, cipher)
    path = tmp_path / "backup.gz"
    dump(target, path)
    make_new_rows(target, kb)  # published after the backup: running processes serve this revision
    store = KnowledgeStore(target)
    try:
        seen = store.revision()
        restore(target, path, replace=True)
        # Every process sees the revision rise, so each reloads the restored knowledge.
        assert store.revision() > seen
        assert "answer:housing_after_restore" not in {e.key for e in store.entries()}
        assert store.audit(limit=1)[0].action == "restore"
        make_new_rows(target, kb)  # and a publish after the restore rises above it again
        assert store.revision() > seen + 1
    finally:
        store.close()


TAMPERING = {
    # A target that does not keep what it was given (here a trigger; in life a bad driver or type).
    "sqlite": [
        "CREATE TRIGGER tamper AFTER INSERT ON wage_cases BEGIN "
        "UPDATE wage_cases SET employer = employer || '（改）' WHERE id = NEW.id; END"
    ],
    "postgres": [
        "CREATE FUNCTION tamper() RETURNS trigger AS $$ BEGIN NEW.employer := NEW.employer || '（改）'; "
        "RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER tamper BEFORE INSERT ON wage_cases FOR EACH ROW EXECUTE FUNCTION tamper()",
    ],
}


@pytest.mark.parametrize("target_kind", ["sqlite", "postgres"])
def test_a_restore_that_reads_back_differently_is_undone(
    target_kind: str, new_database: NewDatabase, kb: KnowledgeBase, cipher: Cipher, tmp_path: Path
) -> None:
    source = new_database("sqlite")
    seed(source, kb, cipher)
    path = tmp_path / "backup.gz"
    dump(source, path)
    target = new_database(target_kind)
    upgrade(target)
    engine = create_engine(target, poolclass=NullPool)
    with engine.begin() as connection:
        for statement in TAMPERING[target_kind]:
            connection.exec_driver_sql(statement)
    engine.dispose()

    with pytest.raises(BackupError, match=r"恢复后 wage_cases 的内容和备份不一致.*已撤销"):
        restore(target, path)
    assert {name: rows for name, (rows, _) in table_digests(target).items()} == dict.fromkeys(BACKUP_TABLES, 0)


def test_a_changed_byte_is_refused(
    new_database: NewDatabase, kb: KnowledgeBase, cipher: Cipher, tmp_path: Path
) -> None:
    source = new_database("sqlite")
    seed(source, kb, cipher)
    good = tmp_path / "backup.gz"
    dump(source, good)
    data = good.read_bytes()
    bad = tmp_path / "bad.gz"
    missed = []
    # Every byte of the header, its digest and the trailer; the compressed rows between, sampled.
    positions = {*range(backup.HEADER_SIZE), *range(len(data) - 16, len(data)), *range(0, len(data), 61)}
    for position in sorted(positions):
        changed = bytearray(data)
        changed[position] ^= 0x01
        bad.write_bytes(changed)
        try:
            verify(bad)
        except BackupError:
            continue
        missed.append(position)
    assert missed == []

    bad.write_bytes(data + b"\x00")
    with pytest.raises(BackupError, match=r"损坏|多余"):
        verify(bad)

    changed = bytearray(data)
    changed[len(data) // 2] ^= 0x40
    bad.write_bytes(changed)
    target = new_database("sqlite")
    with pytest.raises(BackupError, match="已损坏"):
        restore(target, bad)
    assert tables_of(target) == set()  # refused before anything was made, even the schema


def test_a_truncated_backup_is_refused(
    new_database: NewDatabase, kb: KnowledgeBase, cipher: Cipher, tmp_path: Path
) -> None:
    source = new_database("sqlite")
    seed(source, kb, cipher)
    good = tmp_path / "backup.gz"
    dump(source, good)
    data = good.read_bytes()
    cut = tmp_path / "cut.gz"
    for length in (0, 1, 10, backup.HEADER_SIZE - 1, backup.HEADER_SIZE, len(data) // 2, len(data) - 8, len(data) - 1):
        cut.write_bytes(data[:length])
        with pytest.raises(BackupError, match=r"太短|不完整"):
            verify(cut)
    target = new_database("postgres")
    with pytest.raises(BackupError, match="不完整"):
        restore(target, cut)
    assert tables_of(target) == set()


def test_a_backup_from_a_newer_revision_is_refused(
    new_database: NewDatabase, kb: KnowledgeBase, cipher: Cipher, tmp_path: Path
) -> None:
    source = new_database("sqlite")
    seed(source, kb, cipher)
    path = tmp_path / "backup.gz"
    manifest = dump(source, path)
    body = gzip.decompress(path.read_bytes()).split(b"\n", 1)[1]
    newer = tmp_path / "newer.gz"
    backup._write(newer, replace(manifest, revision="9001"), io.BytesIO(body))  # as a newer code would write it
    assert verify(newer).revision == "9001"

    target = new_database("sqlite")
    with pytest.raises(BackupError, match=f"备份来自数据库版本 9001，比这份代码认识的最新版本 {head_revision()} 还新"):
        restore(target, newer)
    assert tables_of(target) == set()


def test_a_backup_of_an_older_revision_restores_at_that_revision(
    new_database: NewDatabase, cipher: Cipher, tmp_path: Path
) -> None:
    # Revision 0003 had no knowledge tables: the backup has the cases only, and the target
    # is migrated to 0003, then (as the api's start does) to the newest revision.
    source = new_database("sqlite")
    upgrade(source, "0003")
    cases = CaseStore(source)
    case = cases.create(intake(cipher), "web:worker-1")
    cases.engine.dispose()
    path = tmp_path / "old.gz"
    manifest = dump(source, path)
    assert (manifest.revision, [t.name for t in manifest.tables]) == ("0003", ["wage_cases"])

    target = new_database("postgres")
    restore(target, path)
    assert current_revision(target) == "0003"
    upgrade(target)
    cases = CaseStore(target)
    try:
        found = cases.get(case.case_number)
        assert found is not None and found.details == case.details
        assert cases.create(intake(None), "web:worker-2").case_number != case.case_number
    finally:
        cases.engine.dispose()

    newer = new_database("sqlite")
    upgrade(newer)
    with pytest.raises(BackupError, match=f"已经是数据库版本 {head_revision()}，比备份的 0003 新"):
        restore(newer, path)


PROBE = MetaData()
Table(
    "backup_probe",
    PROBE,
    Column("id", Integer, primary_key=True),
    Column("blob", LargeBinary, nullable=True),
    Column("at", DateTime(timezone=True), nullable=True),
    Column("plain_at", DateTime(), nullable=True),
    Column("day", Date, nullable=True),
    Column("clock", Time, nullable=True),
    Column("data", JSON, nullable=True),
    Column("ratio", Float, nullable=True),
    Column("flag", Boolean, nullable=True),
    Column("note", Text, nullable=True),
)
PROBE_ROWS: list[dict[str, Any]] = [
    {
        "id": 7,
        "blob": bytes(range(256)) + "备份".encode(),
        "at": datetime(2026, 2, 28, 23, 59, 59, 999999, tzinfo=UTC),
        "plain_at": datetime(2026, 3, 1, 0, 0, 0, 1),
        "day": date(2026, 12, 31),
        "clock": time(8, 30, 15, 250000),
        "data": {"z": 1, "a": [None, "中文", {"嵌套": True}], "m": 0.1},
        "ratio": 0.1,
        "flag": False,
        "note": "第一行\n第二行\u2028同一行？\t“引号” \\ 😀",
    },
    {"id": 9, "data": None},  # JSON null (the column's None), everything else SQL NULL
    {"id": 12, "data": null()},  # SQL NULL in the JSON column
]


def probe_rows(url: str) -> list[tuple[Any, ...]]:
    """The probe's rows as the database holds them, datetimes in UTC, the JSON as text parsed in order."""
    table = PROBE.tables["backup_probe"]
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            query = select(
                *table.columns, table.c.data.is_(None).label("sql_null"), cast(table.c.data, Text).label("raw")
            ).order_by(table.c.id)
            rows = []
            for row in connection.execute(query):
                values = row._asdict()
                if values["at"] is not None:
                    values["at"] = values["at"].astimezone(UTC)
                values["sql_null"] = bool(values["sql_null"])
                values["raw"] = None if values["raw"] is None else list(json.loads(values["raw"]) or [])
                rows.append(tuple(values.values()))
            return rows
    finally:
        engine.dispose()


@pytest.mark.parametrize(("source_kind", "target_kind"), [("sqlite", "postgres"), ("postgres", "sqlite")])
def test_every_kind_of_value_round_trips_exactly(
    source_kind: str, target_kind: str, new_database: NewDatabase, tmp_path: Path
) -> None:
    # No table of the schema has binary, time or float columns yet: a probe table has them all.
    tables = (*BACKUP_TABLES, "backup_probe")
    source, target = new_database(source_kind), new_database(target_kind)
    for url in (source, target):
        upgrade(url)
        engine = create_engine(url, poolclass=NullPool)
        PROBE.create_all(engine)
        engine.dispose()
    engine = create_engine(source, poolclass=NullPool, json_serializer=lambda v: json.dumps(v, ensure_ascii=False))
    with engine.begin() as connection:
        for row in PROBE_ROWS:
            connection.execute(insert(PROBE.tables["backup_probe"]).values(row))
    engine.dispose()

    path = tmp_path / "probe.gz"
    dump(source, path, tables=tables)
    restore(target, path, tables=tables)

    expected = probe_rows(source)
    assert probe_rows(target) == expected
    assert [row[-2] for row in expected] == [False, False, True]  # JSON null and SQL NULL stay apart
    assert expected[0][-1] == ["z", "a", "m"]  # the object's keys in their order
    assert table_digests(target, tables) == table_digests(source, tables)
    with pytest.raises(BackupError, match="不该恢复的表：backup_probe"):
        restore(new_database("sqlite"), path)  # only the tables it was asked for

    engine = create_engine(target, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(insert(PROBE.tables["backup_probe"]).values(note="恢复之后"))
        assert connection.scalar(select(func.max(PROBE.tables["backup_probe"].c.id))) == 13
    engine.dispose()


def test_a_missing_sqlite_file_is_not_made_by_a_dump(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    with pytest.raises(BackupError, match="没有这个数据库文件"):
        dump(f"sqlite:///{missing}", tmp_path / "x.gz")
    assert not missing.exists() and not (tmp_path / "x.gz").exists()


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.ops.backup", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_the_command(new_database: NewDatabase, kb: KnowledgeBase, cipher: Cipher, tmp_path: Path) -> None:
    source = new_database("sqlite")
    seed(source, kb, cipher)
    path = tmp_path / "backup.gz"

    done = run("dump", str(path), env={"API_DATABASE_URL": source})  # the configured database by default
    assert done.returncode == 0, done.stderr
    assert f"已备份到 {path}（数据库版本 {head_revision()}）" in done.stdout and "wage_cases：2 行" in done.stdout

    done = run("check", str(path))
    assert done.returncode == 0, done.stderr
    assert "完好" in done.stdout

    target = new_database("postgres")
    done = run("restore", str(path), "--url", target)
    assert done.returncode == 0, done.stderr
    assert "已从" in done.stdout and "knowledge_versions：" in done.stdout
    assert snapshot(target) == snapshot(source)

    done = run("restore", str(path), "--url", target)
    assert done.returncode == 1
    assert "恢复失败" in done.stderr and "已经有数据" in done.stderr and "--replace" in done.stderr
    assert "Traceback" not in done.stderr

    done = run("restore", str(path), "--url", target, "--replace")
    assert done.returncode == 0, done.stderr

    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x10
    broken = tmp_path / "broken.gz"
    broken.write_bytes(data)
    done = run("restore", str(broken), "--url", new_database("sqlite"))
    assert done.returncode == 1 and "已损坏" in done.stderr and "Traceback" not in done.stderr
    done = run("restore")
    assert done.returncode == 2 and "usage" in done.stderr
