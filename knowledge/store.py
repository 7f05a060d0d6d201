"""The versioned knowledge store: drafts, publishing, rollback, history and an audit log.

Each edit of an entry (see ``entries.py``) is a new numbered version; no version is
ever rewritten. An entry's latest version is its draft while it is newer than the
published one. ``publish`` makes drafts the published versions, all in one
transaction; ``rollback`` publishes a new version holding an old version's content.
A draft names the version it was edited from (optimistic locking): when someone
saved a newer one meanwhile, the edit is refused with ``StaleEdit``, never merged or
lost. Every change writes its audit row in its own transaction.

SQLite by default, any SQLAlchemy URL. The tables are made by the api's migrations
(``Base.metadata`` is handed to Alembic beside the api's own). The search reads none of
this: ``knowledge_base_from_store`` turns the published versions into a KnowledgeBase,
and ``publish.py`` swaps it in.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

from knowledge.entries import (
    CREATABLE,
    RETIRABLE,
    InvalidEdit,
    build_answer,
    build_document,
    build_item,
    check,
    import_entries,
    parse_key,
    render,
)
from knowledge.loader import DATA_DIR, NLU_DIR, KnowledgeBase, KnowledgeError, Supporting, assemble, load_supporting
from knowledge.models import ApprovedAnswer, Item

__all__ = [
    "InvalidEdit",
    "KnowledgeStore",
    "PublishConflict",
    "Published",
    "StaleEdit",
    "Version",
    "knowledge_base_from_published",
    "knowledge_base_from_store",
]

CHINA = timezone(timedelta(hours=8), "CST")  # the office's calendar date, whatever the server's zone
RESTORE_ACTION = "restore"  # a backup restored (api/ops/backup.py): the knowledge may be another altogether
PUBLISHING = ("import", "publish", "rollback", RESTORE_ACTION)  # the audit actions that change what workers see
MAX_AUTHOR = 100


class StaleEdit(RuntimeError):
    """The entry changed since the editor loaded it; the message says which version is newest."""

    def __init__(self, key: str, message: str, latest: int | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.latest = latest


@dataclass(frozen=True)
class Changed:
    """An entry whose draft is no longer the version the reviewer saw."""

    key: str
    reviewed_version: int
    latest_version: int
    published_version: int | None


class PublishConflict(StaleEdit):
    """A publish of reviewed versions found other versions: nothing was published."""

    def __init__(self, changed: list[Changed]) -> None:
        names = "、".join(c.key for c in changed)
        super().__init__(changed[0].key, f"审核之后这些条目又有了变化，没有发布任何条目，请重新审核：{names}")
        self.changed = changed


class Base(DeclarativeBase):
    pass


class EntryRow(Base):
    __tablename__ = "knowledge_entries"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    ordinal: Mapped[int] = mapped_column(Integer)  # place in the knowledge base: search keeps this order
    latest_version: Mapped[int] = mapped_column(Integer)
    published_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


class VersionRow(Base):
    __tablename__ = "knowledge_versions"
    __table_args__ = (UniqueConstraint("entry_key", "version", name="uq_knowledge_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_key: Mapped[str] = mapped_column(ForeignKey("knowledge_entries.key"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    base_version: Mapped[int] = mapped_column(Integer)  # the version the author edited; 0: a new entry
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    author: Mapped[str] = mapped_column(String(MAX_AUTHOR))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The date the text took effect, shown with the citation; set at publishing when not given.
    effective_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    published_by: Mapped[str | None] = mapped_column(String(MAX_AUTHOR), nullable=True)


class AuditRow(Base):
    __tablename__ = "knowledge_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(MAX_AUTHOR))
    action: Mapped[str] = mapped_column(String(20))  # import | create | draft | retire | publish | rollback
    entry_key: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


@dataclass(frozen=True)
class Version:
    key: str
    version: int
    content: dict[str, Any]
    retired: bool
    author: str
    created_at: datetime
    note: str
    effective_date: date | None
    base_version: int
    published_at: datetime | None
    published_by: str | None


@dataclass(frozen=True)
class EntryState:
    key: str
    kind: str
    latest_version: int
    published_version: int | None
    published: Version | None
    latest: Version

    @property
    def draft(self) -> Version | None:
        """The version waiting to be published, if any."""
        return self.latest if self.latest_version > (self.published_version or 0) else None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    key: str | None
    version: int | None
    note: str


@dataclass(frozen=True)
class Published:
    """What workers see: each entry's published version, in the knowledge base's order."""

    revision: int  # grows with every publish, rollback or import
    versions: tuple[Version, ...]


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _version(row: VersionRow) -> Version:
    return Version(
        key=row.entry_key,
        version=row.version,
        content=dict(row.content),
        retired=row.retired,
        author=row.author,
        created_at=_aware(row.created_at),
        note=row.note,
        effective_date=row.effective_date,
        base_version=row.base_version,
        published_at=_aware(row.published_at) if row.published_at else None,
        published_by=row.published_by,
    )


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)  # Chinese stays readable in the database


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, json_serializer=_json)
    in_memory = url in ("sqlite://", "sqlite:///:memory:")
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        poolclass=StaticPool if in_memory else None,
        json_serializer=_json,
    )

    # SQLite's deferred transactions take the write lock only at the first write: two
    # editors reading the same version would then deadlock on upgrading, and one would
    # get "database is locked" instead of StaleEdit. BEGIN IMMEDIATE queues them.
    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class KnowledgeStore:
    def __init__(
        self,
        url: str | Engine,
        *,
        contacts: Iterable[str] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """``url``: a database URL, or the caller's engine (the api shares one per database).

        ``contacts``: the contact ids an answer may name (None: not checked here). The
        tables are made by the api's migrations (revision 0004), never here.
        """
        self._owns_engine = isinstance(url, str)
        self.engine = _engine(url) if isinstance(url, str) else url
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._contacts = set(contacts) if contacts is not None else None
        self._clock = clock or (lambda: datetime.now(UTC))

    def close(self) -> None:
        if self._owns_engine:  # a caller's engine serves others too: the caller closes it
            self.engine.dispose()

    # ---- reading ---------------------------------------------------------------------
    def is_empty(self) -> bool:
        with self._sessions.begin() as session:
            return session.scalar(select(func.count()).select_from(EntryRow)) == 0

    def entry(self, key: str) -> EntryState:
        with self._sessions.begin() as session:
            return self._state(session, self._entry(session, key))

    def entries(self, kind: str | None = None) -> list[EntryState]:
        with self._sessions.begin() as session:
            query = select(EntryRow).order_by(EntryRow.ordinal)
            if kind:
                query = query.where(EntryRow.kind == kind)
            return [self._state(session, row) for row in session.scalars(query)]

    def drafts(self) -> list[EntryState]:
        return [e for e in self.entries() if e.draft is not None]

    def history(self, key: str) -> list[Version]:
        with self._sessions.begin() as session:
            self._entry(session, key)
            rows = session.scalars(select(VersionRow).where(VersionRow.entry_key == key).order_by(VersionRow.version))
            return [_version(row) for row in rows]

    def version(self, key: str, number: int) -> Version:
        with self._sessions.begin() as session:
            return _version(self._version_row(session, key, number))

    def diff(self, key: str, a: int, b: int) -> str:
        """A unified diff of two versions as the office reads them (a sentence per line)."""
        kind, _ = parse_key(key)
        old, new = self.version(key, a), self.version(key, b)
        lines = difflib.unified_diff(
            render(kind, old.content, old.retired),
            render(kind, new.content, new.retired),
            fromfile=f"{key} 第{a}版",
            tofile=f"{key} 第{b}版",
            lineterm="",
        )
        return "\n".join(lines)

    def audit(self, key: str | None = None, limit: int = 200) -> list[AuditEntry]:
        """The newest audit rows first."""
        with self._sessions.begin() as session:
            query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
            if key:
                query = query.where(AuditRow.entry_key == key)
            return [
                AuditEntry(r.id, _aware(r.at), r.actor, r.action, r.entry_key, r.version, r.note)
                for r in session.scalars(query)
            ]

    def revision(self) -> int:
        with self._sessions.begin() as session:
            return self._revision(session)

    def published(self) -> Published:
        with self._sessions.begin() as session:
            # The revision first: the content read next is at least that new, so a
            # publish landing in between is seen again by the next refresh, never missed.
            revision = self._revision(session)
            rows = session.execute(
                select(VersionRow)
                .join(
                    EntryRow,
                    (EntryRow.key == VersionRow.entry_key) & (EntryRow.published_version == VersionRow.version),
                )
                .order_by(EntryRow.ordinal)
            ).scalars()
            return Published(revision, tuple(_version(row) for row in rows))

    # ---- writing ---------------------------------------------------------------------
    def import_knowledge(self, kb: KnowledgeBase, author: str = "import") -> int:
        """Seed an empty store with the knowledge base as version 1 of every entry; returns the entries made."""
        now = self._clock()
        try:
            with self._sessions.begin() as session:
                if session.scalar(select(func.count()).select_from(EntryRow)):
                    return 0
                count = 0
                for ordinal, (key, content, effective) in enumerate(import_entries(kb)):
                    kind, _ = parse_key(key)
                    session.add(EntryRow(key=key, kind=kind, ordinal=ordinal, latest_version=1, published_version=1))
                    session.add(
                        VersionRow(
                            entry_key=key,
                            version=1,
                            base_version=0,
                            content=content,
                            retired=False,
                            author=author,
                            note="从 YAML 文件导入",
                            created_at=now,
                            effective_date=effective,
                            published_at=now,
                            published_by=author,
                        )
                    )
                    self._audit(session, author, "import", key, 1, "", now)
                    count += 1
                return count
        except IntegrityError:  # another process imported at the same moment
            return 0

    def save_draft(
        self,
        key: str,
        content: dict[str, Any],
        author: str,
        base_version: int,
        *,
        note: str = "",
        effective_date: date | None = None,
    ) -> Version:
        """A new draft of the entry edited from ``base_version`` (0: a new entry)."""
        return self._new_version(key, author, base_version, note, content=content, effective_date=effective_date)

    def retire(self, key: str, author: str, base_version: int, *, note: str = "") -> Version:
        """A draft that withdraws the entry; workers stop seeing it once it is published."""
        return self._new_version(key, author, base_version, note, retire=True)

    def publish(
        self,
        keys: Iterable[str] | None = None,
        *,
        author: str,
        note: str = "",
        reviewed: Mapping[str, int] | None = None,
    ) -> list[Version]:
        """Publish the drafts of ``keys`` (None: every draft), all or none.

        ``reviewed`` ({key: version}, instead of ``keys``) publishes exactly the versions a
        reviewer saw: if any entry's draft is another version now (saved after the review,
        or published already), nothing is published and PublishConflict names them.
        """
        author = _author(author)
        now = self._clock()
        wanted = None if keys is None else list(dict.fromkeys(keys))
        if reviewed is not None:
            wanted = list(reviewed)
            if not wanted:
                raise InvalidEdit("没有选择要发布的条目")
        with self._sessions.begin() as session:
            if reviewed is not None:
                self._check_reviewed(session, reviewed)
            query = select(EntryRow).where(EntryRow.latest_version > func.coalesce(EntryRow.published_version, 0))
            rows = {row.key: row for row in session.scalars(query.order_by(EntryRow.ordinal))}
            if wanted is not None:
                for key in wanted:
                    if key not in rows:
                        self._entry(session, key)  # unknown → InvalidEdit
                        raise InvalidEdit(f"{key}：没有待发布的草稿")
                rows = {key: rows[key] for key in wanted}
            published = []
            for key, row in rows.items():
                version = self._version_row(session, key, row.latest_version)
                version.published_at = now
                version.published_by = author
                if version.effective_date is None:
                    version.effective_date = now.astimezone(CHINA).date()
                # Compare-and-set: a draft saved meanwhile (another process) makes this publish fail whole.
                done = session.execute(
                    update(EntryRow)
                    .where(EntryRow.key == key, EntryRow.latest_version == version.version)
                    .values(published_version=version.version)
                )
                if _rowcount(done) != 1:
                    if reviewed is not None:
                        entry = self._entry(session, key)
                        raise PublishConflict(
                            [Changed(key, version.version, entry.latest_version, entry.published_version)]
                        )
                    raise StaleEdit(key, f"{key}：发布时又有人保存了新草稿，请重新发布")
                self._audit(session, author, "publish", key, version.version, note, now)
                published.append(version)
            session.flush()
            return [_version(v) for v in published]

    def rollback(self, key: str, to_version: int, *, author: str, note: str = "") -> Version:
        """Publish a new version with the content of ``to_version``; history stays as it was."""
        author = _author(author)
        now = self._clock()
        with self._sessions.begin() as session:
            entry = self._entry(session, key)
            target = self._version_row(session, key, to_version)
            current = self._version_row(session, key, entry.published_version) if entry.published_version else None
            if current and current.content == target.content and current.retired == target.retired:
                raise InvalidEdit(f"{key}：现在发布的内容已经和第 {to_version} 版一样")
            latest = self._version_row(session, key, entry.latest_version)
            check(key, target.content, previous=latest.content, items=self._items(session), contacts=self._contacts)
            pending = entry.latest_version > (entry.published_version or 0)
            number = self._claim(session, key, entry.latest_version)
            row = VersionRow(
                entry_key=key,
                version=number,
                base_version=entry.latest_version,
                content=dict(target.content),
                retired=target.retired,
                author=author,
                note=note or f"回滚到第 {to_version} 版",
                created_at=now,
                # The old text took effect when it first did: a rollback restores it as it was.
                effective_date=target.effective_date,
                published_at=now,
                published_by=author,
            )
            session.add(row)
            session.execute(update(EntryRow).where(EntryRow.key == key).values(published_version=number))
            detail = f"回滚到第 {to_version} 版" + (
                f"（未发布的第 {entry.latest_version} 版草稿不再生效）" if pending else ""
            )
            self._audit(session, author, "rollback", key, number, f"{detail} {note}".strip(), now)
            session.flush()
            return _version(row)

    # ---- inside a transaction --------------------------------------------------------
    def _check_reviewed(self, session: Session, reviewed: Mapping[str, int]) -> None:
        """Every reviewed version must still be its entry's unpublished draft (the publish's
        own compare-and-set then keeps it so until the commit)."""
        changed = []
        for key, version in reviewed.items():
            entry = self._entry(session, key)
            if entry.latest_version != version or (entry.published_version or 0) >= version:
                changed.append(Changed(key, version, entry.latest_version, entry.published_version))
        if changed:
            raise PublishConflict(changed)

    def _new_version(
        self,
        key: str,
        author: str,
        base_version: int,
        note: str,
        *,
        content: dict[str, Any] | None = None,
        retire: bool = False,
        effective_date: date | None = None,
    ) -> Version:
        kind, _ = parse_key(key)
        author = _author(author)
        now = self._clock()
        try:
            with self._sessions.begin() as session:
                entry = session.get(EntryRow, key)
                latest = self._version_row(session, key, entry.latest_version) if entry else None
                if entry is None and base_version != 0:
                    raise InvalidEdit(f"没有这个条目：{key}")
                if entry is not None and base_version != entry.latest_version:
                    raise StaleEdit(
                        key,
                        f"{key} 已有更新的第 {entry.latest_version} 版（您改的是第 {base_version} 版），"
                        "请刷新后在最新版本上修改",
                        entry.latest_version,
                    )
                if retire:
                    if kind not in RETIRABLE or latest is None:
                        raise InvalidEdit(f"{key}：政策原文的条目只能修改，不能停用")
                    if latest.retired:
                        raise InvalidEdit(f"{key}：已经停用了")
                    clean = dict(latest.content)
                else:
                    previous = latest.content if latest else None
                    clean = check(key, content, previous=previous, items=self._items(session), contacts=self._contacts)
                if entry is None:
                    if kind not in CREATABLE:
                        raise InvalidEdit(f"{key}：只能新增审定答复和问法")
                    ordinal = (session.scalar(select(func.max(EntryRow.ordinal))) or 0) + 1  # new answers come last
                    session.add(EntryRow(key=key, kind=kind, ordinal=ordinal, latest_version=1))
                    session.flush()  # a key made meanwhile fails here: IntegrityError → StaleEdit
                    number = 1
                else:
                    number = self._claim(session, key, base_version)
                row = VersionRow(
                    entry_key=key,
                    version=number,
                    base_version=base_version,
                    content=clean,
                    retired=retire,
                    author=author,
                    note=note,
                    created_at=now,
                    effective_date=effective_date,
                )
                session.add(row)
                action = "retire" if retire else ("create" if entry is None else "draft")
                self._audit(session, author, action, key, number, note, now)
                session.flush()
                return _version(row)
        except IntegrityError:
            raise StaleEdit(key, f"{key} 刚被别人修改或新建了，请刷新后再改") from None

    def _claim(self, session: Session, key: str, base_version: int) -> int:
        """The next version number, taken by compare-and-set so that two editors never both get it."""
        done = session.execute(
            update(EntryRow)
            .where(EntryRow.key == key, EntryRow.latest_version == base_version)
            .values(latest_version=base_version + 1)
        )
        if _rowcount(done) != 1:
            raise StaleEdit(key, f"{key} 刚被别人修改了，请刷新后在最新版本上修改")
        return base_version + 1

    def _entry(self, session: Session, key: str) -> EntryRow:
        parse_key(key)
        row = session.get(EntryRow, key)
        if row is None:
            raise InvalidEdit(f"没有这个条目：{key}")
        return row

    def _version_row(self, session: Session, key: str, number: int) -> VersionRow:
        row = session.scalar(select(VersionRow).where(VersionRow.entry_key == key, VersionRow.version == number))
        if row is None:
            raise InvalidEdit(f"{key} 没有第 {number} 版")
        return row

    def _state(self, session: Session, row: EntryRow) -> EntryState:
        published = row.published_version
        return EntryState(
            key=row.key,
            kind=row.kind,
            latest_version=row.latest_version,
            published_version=published,
            published=_version(self._version_row(session, row.key, published)) if published else None,
            latest=_version(self._version_row(session, row.key, row.latest_version)),
        )

    def _items(self, session: Session) -> set[int]:
        keys = session.scalars(select(EntryRow.key).where(EntryRow.kind == "item"))
        return {int(key.split(":", 1)[1]) for key in keys}

    def _revision(self, session: Session) -> int:
        return session.scalar(select(func.max(AuditRow.id)).where(AuditRow.action.in_(PUBLISHING))) or 0

    def _audit(
        self, session: Session, actor: str, action: str, key: str | None, version: int | None, note: str, at: datetime
    ) -> None:
        session.add(AuditRow(at=at, actor=actor, action=action, entry_key=key, version=version, note=note))


def _author(author: str) -> str:
    author = (author or "").strip()
    if not author:
        raise InvalidEdit("要写明是谁修改的")
    if len(author) > MAX_AUTHOR:
        raise InvalidEdit(f"修改人名字太长了（最多 {MAX_AUTHOR} 字）")
    return author


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


# ---- the knowledge base of the published versions ----------------------------------


def knowledge_base_from_published(published: Published, supporting: Supporting) -> KnowledgeBase:
    """The KnowledgeBase that the published versions and the files' other parts make."""
    header: dict[str, Any] | None = None
    items: list[tuple[int, Version]] = []
    questions: dict[int, list[str]] = {}
    answers: list[ApprovedAnswer] = []
    for v in published.versions:
        if v.retired:
            continue
        kind, name = parse_key(v.key)
        if kind == "document":
            header = v.content
        elif kind == "item":
            items.append((int(name), v))
        elif kind == "questions":
            questions[int(name)] = list(v.content["questions"])
        else:
            answers.append(build_answer(name, v.content, v.effective_date))
    if header is None:
        raise KnowledgeError("the knowledge store has no published document: import the knowledge first")
    built: list[Item] = [build_item(n, v.content, questions.get(n, ()), v.effective_date) for n, v in items]
    return assemble(build_document(header, built), tuple(answers), supporting)


def knowledge_base_from_store(
    store: KnowledgeStore, data_dir: Path = DATA_DIR, nlu_dir: Path = NLU_DIR
) -> KnowledgeBase:
    """The knowledge base workers see: the store's published versions, contacts and lexicons from the files."""
    return knowledge_base_from_published(store.published(), load_supporting(data_dir, nlu_dir))
