"""The Alembic revisions on SQLite and on a real PostgreSQL.

PostgreSQL is the one at TEST_POSTGRES_URL (default: the local server, database
``test``); each test gets a database of its own, ``test_<random>``, dropped afterwards,
so runs never collide. Without a reachable PostgreSQL these tests fail: they never skip.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from argon2 import PasswordHasher
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from api.cases.store import CaseStore, WageIntake
from api.conversations.history import History, StoredMessage
from api.db.legacy import LegacySchemaError
from api.db.migrate import current_revision, downgrade, head_revision, upgrade
from api.models import TARGET_METADATA, ours
from api.privacy.vault import Cipher, PiiVault
from api.staff.accounts import AccountStore
from knowledge.loader import PROJECT_ROOT
from tests.support.databases import pre_migration

LATEST = "0009"  # the newest revision in api/db/migrations/versions
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
INTAKE = WageIntake(
    sector="construction",
    employer="某建筑公司",
    place="太原",
    period="三个月",
    amount_text="两万",
    amount_yuan=20000,
    workers=3,
    evidence=["考勤表"],
    contact_cipher="",
    contact_masked="138****5678",
    needs_review=[],
)


@pytest.fixture()
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'api.db'}"


@pytest.fixture()
def postgres_url() -> Iterator[str]:
    """A new database on the PostgreSQL server, dropped after the test."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"test_{secrets.token_hex(6)}"
    unreachable = ""
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        unreachable = str(exc.orig).strip()
    if unreachable:
        admin.dispose()
        pytest.fail(
            f"PostgreSQL is not reachable at {make_url(PG_ADMIN_URL).render_as_string()}: {unreachable}\n"
            "Start it, or point TEST_POSTGRES_URL at a server where this user may create databases.",
            pytrace=False,
        )
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


def schema_differences(url: str) -> list[Any]:
    """What autogenerate would put in a new revision: nothing when the revisions match the models."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": ours})
            return list(compare_metadata(context, TARGET_METADATA))  # type: ignore[arg-type]
    finally:
        engine.dispose()


def tables_of(url: str) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_gives_exactly_the_models_schema(database_url: str) -> None:
    upgrade(database_url)
    assert current_revision(database_url) == head_revision() == LATEST
    assert schema_differences(database_url) == []
    assert tables_of(database_url) == {
        "alembic_version",
        "wage_cases",
        "case_lookup_failures",
        "pii_vault",
        "messages",
        "feedback",
        "users",
        "sessions",
        "conversation_state",
        "ended_conversations",
        "staff_audit",
        "knowledge_entries",
        "knowledge_versions",
        "knowledge_audit",
    }


def test_another_programs_tables_are_left_alone(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, data TEXT)"))  # e.g. Rasa's tracker
    engine.dispose()
    upgrade(sqlite_url)
    assert current_revision(sqlite_url) == LATEST
    assert schema_differences(sqlite_url) == []
    downgrade(sqlite_url, "base")
    assert tables_of(sqlite_url) == {"alembic_version", "events"}


def test_every_table_the_app_declares_is_under_the_migrations() -> None:
    # A new store must add its metadata to api.models and bring a revision.
    # In a fresh interpreter: what the app imports, not what other tests happened to import.
    probe = (
        "import api.main\n"
        "from sqlalchemy.orm import DeclarativeBase\n"
        "from api.models import TABLE_NAMES\n"
        "print(sorted({t for b in DeclarativeBase.__subclasses__() for t in b.metadata.tables} - TABLE_NAMES))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", f"tables without a migration: {done.stdout.strip()}"


def test_the_comparison_notices_what_a_revision_lacks(sqlite_url: str) -> None:
    upgrade(sqlite_url, "0001")
    missing = {diff[1].name for diff in schema_differences(sqlite_url) if diff[0] == "add_table"}
    assert missing == {
        "case_lookup_failures",
        "users",
        "sessions",
        "conversation_state",
        "ended_conversations",
        "staff_audit",
        "knowledge_entries",
        "knowledge_versions",
        "knowledge_audit",
    }


def test_upgrade_again_changes_nothing(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    upgrade(sqlite_url)
    assert current_revision(sqlite_url) == LATEST
    assert schema_differences(sqlite_url) == []


def test_the_stores_work_on_the_migrated_database_and_downgrade_removes_it(database_url: str) -> None:
    upgrade(database_url)
    cipher = Cipher(Fernet.generate_key())
    cases, vault, history = CaseStore(database_url), PiiVault(database_url, cipher), History(database_url)
    accounts = AccountStore(database_url, hasher=CHEAP_HASHER)
    try:
        case = cases.create(INTAKE, "web:worker-1")
        found = cases.get(case.case_number)
        assert (
            found is not None and found.details["employer"] == "某建筑公司" and found.details["evidence"] == ["考勤表"]
        )
        assert found.created_at.tzinfo is not None

        token = vault.keep("conversation-1", "phone", "13812345678", "138****5678")
        stored = vault.ciphertext(token, "conversation-1")
        assert stored is not None and cipher.decrypt(stored) == "13812345678"
        assert vault.masked(token, "conversation-2") is None

        question = StoredMessage(role="user", text="老板欠我工资")
        answer = StoredMessage(role="bot", text="可以找劳动保障监察。", citations=[{"doc": "plan", "item": 3}])
        history.add("web:worker-1", "web", [question, answer])
        assert history.add_feedback("web:worker-1", answer.id, "up")
        assert not history.add_feedback("web:worker-1", question.id, "up")  # only bot replies are rated
        restored = history.messages("web:worker-1")
        assert [(m.role, m.text) for m in restored] == [("user", "老板欠我工资"), ("bot", "可以找劳动保障监察。")]
        assert restored[1].citations == [{"doc": "plan", "item": 3}]

        user = accounts.create_user("zhang.san", "a long enough password", "editor")
        session_token = accounts.start_session(user, now=datetime.now(UTC))
        assert accounts.user_for_token(session_token) == user
    finally:
        for engine in (cases.engine, vault.engine, history.engine, accounts.engine):
            engine.dispose()

    downgrade(database_url, "base")
    assert current_revision(database_url) is None
    assert tables_of(database_url) <= {"alembic_version"}


def test_parallel_upgrades_of_a_new_postgresql_database_take_turns(postgres_url: str) -> None:
    # Several api processes starting together: the advisory lock lets one migrate at a time.
    errors: list[BaseException] = []

    def migrate() -> None:
        try:
            upgrade(postgres_url)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=migrate) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert current_revision(postgres_url) == LATEST


def test_a_database_from_before_the_migrations_is_adopted(sqlite_url: str) -> None:
    pre_migration(sqlite_url, {"wage_cases", "pii_vault", "messages", "feedback"})
    cases, history = CaseStore(sqlite_url), History(sqlite_url)
    case = cases.create(INTAKE, "web:worker-1")
    history.add("web:worker-1", "web", [StoredMessage(role="user", text="你好")])
    cases.engine.dispose()
    history.engine.dispose()

    upgrade(sqlite_url)

    assert current_revision(sqlite_url) == LATEST
    assert schema_differences(sqlite_url) == []
    cases = CaseStore(sqlite_url)
    assert cases.get(case.case_number) is not None  # the data stays
    cases.engine.dispose()


def test_an_old_case_store_with_clear_contacts_is_fixed_then_adopted(sqlite_url: str) -> None:
    # Only wage_cases, and still with the phone in clear: the oldest stores looked like this.
    pre_migration(sqlite_url, {"wage_cases"})
    engine = create_engine(sqlite_url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE wage_cases DROP COLUMN contact_cipher"))
        connection.execute(text("ALTER TABLE wage_cases DROP COLUMN contact_masked"))
        connection.execute(text("ALTER TABLE wage_cases ADD COLUMN contact VARCHAR(20)"))
    engine.dispose()

    upgrade(sqlite_url)

    assert current_revision(sqlite_url) == LATEST
    columns = {c["name"] for c in inspect(create_engine(sqlite_url, poolclass=NullPool)).get_columns("wage_cases")}
    assert "contact" not in columns and {"contact_cipher", "contact_masked"} <= columns
    assert {"pii_vault", "messages", "feedback", "users", "sessions"} <= tables_of(sqlite_url)


def test_a_pre_migration_database_of_another_shape_is_refused(sqlite_url: str) -> None:
    pre_migration(sqlite_url, {"messages", "feedback"})
    engine = create_engine(sqlite_url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE messages ADD COLUMN surprise TEXT"))
    engine.dispose()

    with pytest.raises(LegacySchemaError, match="messages: unexpected columns surprise"):
        upgrade(sqlite_url)
    assert current_revision(sqlite_url) is None  # not stamped


def test_the_migrate_command(sqlite_url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "api.db.migrate", "--url", sqlite_url],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"database at revision {LATEST}" in done.stdout
    assert schema_differences(sqlite_url) == []
