"""Backup and restore of the knowledge (every version, draft and audit row) and the cases.

    python -m api.ops.backup dump FILE [--url URL]                # write a backup of the database
    python -m api.ops.backup restore FILE [--url URL] [--replace] # put a backup into a database
    python -m api.ops.backup check FILE                           # verify a backup without a database

URL defaults to API_DATABASE_URL (api.settings); SQLite and PostgreSQL alike, and a
backup of one restores into the other.

In the backup (``BACKUP_TABLES``, in the order they are written and restored):

- ``knowledge_entries``: every entry, with its latest and its published version (the
  published pointer);
- ``knowledge_versions``: every version ever saved: drafts, published, rolled back;
- ``knowledge_audit``: who changed, published and rolled back what, and when;
- ``staff_audit``: who created, changed or locked out which staff account, and when
  (the accounts themselves are left out, below);
- ``wage_cases``: the cases. The worker's phone stays as the tables hold it, encrypted
  (``contact_cipher``) and masked (``contact_masked``); nothing here ever decrypts, and
  the key is not in the backup.

Left out on purpose (``LEFT_OUT``):

- ``users``: staff accounts hold password hashes, which a backup file would expose to
  offline guessing; after a restore into a new database, accounts are made again with
  ``python -m api.staff create-admin``;
- ``sessions``: login sessions, short-lived by design; a restored one would log no one in;
- ``pii_vault``: phone numbers waiting for a form, deleted after 24 hours; a backup
  would keep them far longer;
- ``messages`` and ``feedback``: the conversations have their own retention period
  (feedback points at messages, so it goes with them);
- ``conversation_state``: who answers each conversation right now; restoring a stale
  "taken by staff" would keep the bot silent in those conversations;
- ``case_lookup_failures``: failed case-status lookups, counted for an hour;
- ``ended_conversations``: web conversations the worker ended; they go with the messages.

Other tables in the database (Rasa's tracker, ``alembic_version``) are not touched: the
revision is in the manifest, and restore migrates the target itself.

The file is one gzip member (``zcat FILE`` shows it) of UTF-8 JSON lines. The first line
is the manifest: format version, the source's Alembic revision, the time, and per table
its columns with their kinds, its row count and the SHA-256 of its rows. Then, for each
table, ``{"table": NAME}`` and one JSON array per row, in the manifest's column order:
datetimes in ISO 8601 in UTC (a naive one was stored in UTC, as every store does), dates
and times in ISO 8601, binary in base64, decimals as strings; a JSON column's value is
wrapped in a one-element list, so that SQL NULL (``null``) and JSON null (``[null]``)
stay apart. A table's SHA-256 is that of its rows' canonical lines (the same arrays,
object keys sorted, no spaces, each followed by a newline) in primary-key order, strings
by code point: restore recomputes it from the target's rows before committing.

The gzip header carries, in an extra field, the SHA-256 of every byte after the header,
and the rest of the header is fixed: any changed, missing or added byte is refused before
the target is touched. This detects damage, not forgery: the file is not signed, and not
encrypted either, so keep it where only the office's administrators can read it (it is
written readable by its owner only).

Restore checks the file, refuses a backup from a revision this code does not know and a
target at a newer revision than the backup, refuses a target whose backup tables hold any
row unless ``--replace`` (the other tables, accounts included, are left as they are), then
migrates the target to the backup's revision and writes every row in one transaction,
primary keys kept, with PostgreSQL's sequences moved past them. The api's start (or
``python -m api.db.migrate``) then brings the database to the newest revision.

Running api processes need no restart: when the target held knowledge, the restore adds
an audit row ``restore`` numbered above every revision the target had, so each process
sees the knowledge revision rise at its next poll (``API_KNOWLEDGE_REFRESH_S``) and
loads the restored knowledge. (Refusing while an api runs was not chosen: api processes
on other machines share the database and announce themselves nowhere, so "none is
running" cannot be checked reliably; the cases and accounts are read from the database
on every request and need nothing.)
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import secrets
import struct
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Enum,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Time,
    create_engine,
    delete,
    event,
    func,
    inspect,
    make_url,
    null,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.elements import ColumnElement

from api.db import legacy as legacy_db
from api.db.migrate import alembic_config, upgrade
from api.settings import ApiSettings
from knowledge.store import RESTORE_ACTION

__all__ = [
    "BACKUP_TABLES",
    "LEFT_OUT",
    "BackupError",
    "Manifest",
    "TableSummary",
    "dump",
    "main",
    "restore",
    "table_digests",
    "verify",
]

BACKUP_TABLES: tuple[str, ...] = (
    "knowledge_entries",
    "knowledge_versions",
    "knowledge_audit",
    "staff_audit",
    "wage_cases",
)
LEFT_OUT: dict[str, str] = {
    "users": "staff accounts: password hashes stay out of backup files; accounts are made again",
    "sessions": "login sessions, short-lived",
    "pii_vault": "phone numbers kept for 24 hours only",
    "messages": "conversations have their own retention period",
    "feedback": "ratings of messages, which are left out",
    "conversation_state": "who answers a conversation right now: live state, not history",
    "case_lookup_failures": "failed case-status lookups, counted for an hour only",
    "ended_conversations": "web conversations ended by the worker: they go with the messages",
}
AUDIT_TABLE = "knowledge_audit"

FORMAT = "gongyou-zhushou-backup"
FORMAT_VERSION = 1
BATCH = 500  # rows per insert and per fetch
CHUNK = 1 << 20
COMPRESS_LEVEL = 6
DIGEST_FIELD = b"GY"  # the gzip extra subfield that holds the SHA-256 of the rest of the file
# ID1 ID2, deflate, FEXTRA only, MTIME 0, XFL 0, OS unknown; XLEN; subfield id and length.
HEADER_FIXED = b"\x1f\x8b\x08\x04" + b"\x00\x00\x00\x00" + b"\x00\xff" + struct.pack("<H", 36) + DIGEST_FIELD
HEADER_FIXED += struct.pack("<H", 32)
HEADER_SIZE = len(HEADER_FIXED) + 32


class BackupError(RuntimeError):
    """A backup or restore refused or failed; the message is for the people running it."""


@dataclass(frozen=True)
class TableSummary:
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, kind) in the order of each row's values
    rows: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "columns": [list(c) for c in self.columns], "rows": self.rows, "sha256": self.sha256}


@dataclass(frozen=True)
class Manifest:
    revision: str
    created_at: str
    source: str  # the source database's dialect, for people reading the manifest
    tables: tuple[TableSummary, ...]
    format_version: int = FORMAT_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": self.format_version,
            "revision": self.revision,
            "created_at": self.created_at,
            "source": self.source,
            "tables": [t.to_json() for t in self.tables],
        }


# ---- values ------------------------------------------------------------------------
KINDS = ("int", "bool", "text", "float", "decimal", "datetime", "date", "time", "json", "binary")


def _kind(column: Column[Any]) -> str:
    """How a column's values are written in the file; an unknown type is refused, never guessed."""
    type_ = column.type
    # Order matters: JSON and Enum are not what they look like, DateTime is no Date.
    kinds: tuple[tuple[type[Any], str], ...] = (
        (JSON, "json"),
        (Boolean, "bool"),
        (Integer, "int"),
        (Float, "float"),
        (Numeric, "decimal"),
        (DateTime, "datetime"),
        (Date, "date"),
        (Time, "time"),
        (LargeBinary, "binary"),
        (String, "text"),
    )
    for cls, kind in kinds:
        if isinstance(type_, cls):
            return kind
    raise BackupError(f"{column.table.name}.{column.name} 的类型 {type_} 不知道怎么备份")


def _utc(moment: datetime) -> datetime:
    # Naive datetimes were stored in UTC (SQLite keeps no zone): every store writes UTC.
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _encode(kind: str, value: Any) -> Any:
    """A database value as the JSON the file holds (JSON columns are wrapped by the caller)."""
    if value is None:
        return None
    if kind == "datetime":
        return _utc(value).isoformat(timespec="microseconds")
    if kind in ("date", "time"):
        return value.isoformat()
    if kind == "binary":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "decimal":
        return str(value)
    if kind == "bool":
        return bool(value)
    return value


def _decode(kind: str, value: Any) -> Any:
    """The Python value of a value from the file; a value of the wrong shape raises ValueError."""
    if value is None:
        return null() if kind == "json" else None  # null(): SQL NULL, not JSON null
    if kind == "json":
        if not isinstance(value, list) or len(value) != 1:
            raise ValueError("a JSON value must be wrapped in a one-element list")
        return value[0]
    if kind == "datetime":
        moment = datetime.fromisoformat(_str(value))
        if moment.tzinfo is None:
            raise ValueError("a datetime without its zone")
        return moment.astimezone(UTC)
    if kind == "date":
        return date.fromisoformat(_str(value))
    if kind == "time":
        return time.fromisoformat(_str(value))
    if kind == "binary":
        return base64.b64decode(_str(value), validate=True)
    if kind == "decimal":
        return Decimal(_str(value))
    expected: dict[str, tuple[type[Any], ...]] = {"int": (int,), "bool": (bool,), "text": (str,), "float": (float, int)}
    # bool is an int to isinstance: an int column holding true is as wrong as a bool holding 1.
    if not isinstance(value, expected[kind]) or (kind != "bool" and isinstance(value, bool)):
        raise ValueError(f"{value!r} is not {kind}")
    return float(value) if kind == "float" else value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a string")
    return value


def _line(row: Any) -> bytes:
    return (json.dumps(row, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")


def _canonical(row: list[Any]) -> bytes:
    # Keys sorted: a database that reorders a JSON object's keys still restores the same rows.
    return (json.dumps(row, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n").encode("utf-8")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)  # Chinese stays readable in the database, as the stores write it


# ---- the database ------------------------------------------------------------------
def _engine(url: str, *, write: bool = False) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, poolclass=NullPool, json_serializer=_json)
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, poolclass=NullPool, json_serializer=_json
    )

    # The driver begins a transaction only at the first write: the reads of a dump would each
    # see another moment. BEGIN at the start instead (IMMEDIATE for a restore: the write lock).
    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _reflect(connection: Connection, names: Sequence[str]) -> dict[str, Table]:
    """Those of ``names`` the database has, as it has them, a table before the tables that refer to it."""
    existing = set(inspect(connection).get_table_names())
    metadata = MetaData()
    tables = [Table(name, metadata, autoload_with=connection) for name in names if name in existing]
    listed = [t.name for t in tables]
    # The order given (BACKUP_TABLES reads best) unless a table would come before one it refers to.
    if any(
        fk.column.table.name in listed[i:] and fk.column.table is not t
        for i, t in enumerate(tables)
        for fk in t.foreign_keys
    ):
        tables = [t for t in metadata.sorted_tables if t.name in listed]
    return {t.name: t for t in tables}


def _columns(table: Table) -> tuple[tuple[str, str], ...]:
    return tuple((column.name, _kind(column)) for column in table.columns)


def _order(connection: Connection, table: Table) -> list[ColumnElement[Any]]:
    """Primary-key order, strings by code point on both databases (SQLite's BINARY is that already)."""
    keys = list(table.primary_key.columns)
    if not keys:
        raise BackupError(f"表 {table.name} 没有主键，无法按固定顺序备份")
    postgres = connection.dialect.name == "postgresql"
    return [
        column.collate("C") if postgres and _kind(column) == "text" and not isinstance(column.type, Enum) else column
        for column in keys
    ]


def _rows(connection: Connection, table: Table, columns: Sequence[tuple[str, str]]) -> Iterator[list[Any]]:
    """The table's rows as the file writes them, in primary-key order."""
    selected: list[ColumnElement[Any]] = []
    for name, kind in columns:
        selected.append(table.c[name])
        if kind == "json":  # the column gives None for SQL NULL and JSON null alike: ask which
            selected.append(table.c[name].is_(None))
    query = select(*selected).order_by(*_order(connection, table)).execution_options(yield_per=BATCH)
    for raw in connection.execute(query):
        values = iter(raw)
        row = []
        for _name, kind in columns:
            value = next(values)
            if kind == "json":
                row.append(None if next(values) else [value])
            else:
                row.append(_encode(kind, value))
        yield row


def _digest(connection: Connection, table: Table, columns: Sequence[tuple[str, str]]) -> tuple[int, str]:
    count, sha = 0, hashlib.sha256()
    for row in _rows(connection, table, columns):
        count += 1
        sha.update(_canonical(row))
    return count, sha.hexdigest()


def table_digests(url: str, tables: Sequence[str] = BACKUP_TABLES) -> dict[str, tuple[int, str]]:
    """Row count and SHA-256 (as in a manifest) of each of ``tables`` the database has."""
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            return {name: _digest(connection, t, _columns(t)) for name, t in _reflect(connection, tables).items()}
    finally:
        engine.dispose()


# ---- the file ----------------------------------------------------------------------
def _write(path: Path, manifest: Manifest, body: IO[bytes]) -> None:
    """The gzip member, made by hand so that its header can carry the digest of the rest."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # Created readable by the owner only: cases and ciphertexts are in it.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(HEADER_FIXED + bytes(32))
            sha, crc, size = hashlib.sha256(), 0, 0
            deflate = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)

            def put(data: bytes) -> None:
                nonlocal crc, size
                crc, size = zlib.crc32(data, crc), size + len(data)
                packed = deflate.compress(data)
                sha.update(packed)
                out.write(packed)

            put(_line(manifest.to_json()))
            body.seek(0)
            while chunk := body.read(CHUNK):
                put(chunk)
            tail = deflate.flush() + struct.pack("<II", crc, size & 0xFFFFFFFF)
            sha.update(tail)
            out.write(tail)
            out.seek(len(HEADER_FIXED))
            out.write(sha.digest())
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _check_file(path: Path) -> None:
    """Refuse any file whose bytes are not exactly as written: the header, then the digest of the rest."""
    try:
        with path.open("rb") as stream:
            header = stream.read(HEADER_SIZE)
            if len(header) < HEADER_SIZE:
                raise BackupError(f"{path} 太短，不是完整的备份文件")
            if header[: len(HEADER_FIXED)] != HEADER_FIXED:
                raise BackupError(f"{path} 不是 python -m api.ops.backup 写的备份文件，或者文件头已损坏")
            sha = hashlib.sha256()
            while chunk := stream.read(CHUNK):
                sha.update(chunk)
    except OSError as exc:
        raise BackupError(f"读不了 {path}：{exc.strerror or exc}") from None
    if sha.digest() != header[len(HEADER_FIXED) :]:
        raise BackupError(f"{path} 已损坏或不完整（校验和不符），不能用")


def _lines(path: Path) -> Iterator[bytes]:
    """The file's lines, decompressed; call _check_file first."""
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip: checks the CRC-32 and length too
    pending = b""
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(CHUNK):
                if inflate.eof:
                    raise BackupError(f"{path} 在备份数据之后还有多余的内容")
                pending += inflate.decompress(chunk)
                *complete, pending = pending.split(b"\n")
                yield from complete
    except zlib.error as exc:
        raise BackupError(f"{path} 解压出错，文件已损坏：{exc}") from None
    except OSError as exc:
        raise BackupError(f"读不了 {path}：{exc.strerror or exc}") from None
    if not inflate.eof or inflate.unused_data or pending:
        raise BackupError(f"{path} 不完整或有多余的内容")


def _parse_manifest(line: bytes) -> Manifest:
    try:
        raw = json.loads(line)
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise ValueError("not a manifest")
        if raw.get("format_version") != FORMAT_VERSION:
            raise BackupError(f"备份文件的格式是第 {raw.get('format_version')} 版，这份代码只认第 {FORMAT_VERSION} 版")
        tables = []
        for entry in raw["tables"]:
            columns = tuple((_str(name), _str(kind)) for name, kind in entry["columns"])
            if any(kind not in KINDS for _, kind in columns) or not columns:
                raise ValueError("unknown column kind")
            rows, sha = entry["rows"], _str(entry["sha256"])
            if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0 or len(sha) != 64:
                raise ValueError("bad row count or checksum")
            tables.append(TableSummary(_str(entry["name"]), columns, rows, sha))
        if len({t.name for t in tables}) != len(tables):
            raise ValueError("a table twice")
        return Manifest(
            revision=_str(raw["revision"]),
            created_at=_str(raw["created_at"]),
            source=_str(raw["source"]),
            tables=tuple(tables),
        )
    except BackupError:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"备份文件的清单读不懂（{exc}）") from None


def _records(path: Path) -> tuple[Manifest, Iterator[tuple[TableSummary, list[Any]]]]:
    """The manifest, and each row decoded; the rows' iterator checks counts and checksums as it ends."""
    _check_file(path)
    lines = _lines(path)
    first = next(lines, None)
    if first is None:
        raise BackupError(f"{path} 里没有清单")
    manifest = _parse_manifest(first)

    def rows() -> Iterator[tuple[TableSummary, list[Any]]]:
        tables = iter(manifest.tables)
        current: TableSummary | None = None
        count, sha = 0, hashlib.sha256()

        def finish() -> None:
            if current is not None and (count != current.rows or sha.hexdigest() != current.sha256):
                raise BackupError(f"备份里 {current.name} 的行数或校验和与清单不符")

        for number, line in enumerate(lines, start=2):
            try:
                value = json.loads(line)
                if isinstance(value, dict):
                    finish()
                    current = next(tables, None)
                    if current is None or value != {"table": current.name}:
                        raise ValueError(f"unexpected table {value}")
                    count, sha = 0, hashlib.sha256()
                    continue
                if current is None or not isinstance(value, list) or len(value) != len(current.columns):
                    raise ValueError("a row of the wrong shape")
                decoded = [_decode(kind, v) for (_, kind), v in zip(current.columns, value, strict=True)]
            except (ValueError, TypeError, InvalidOperation) as exc:
                raise BackupError(f"备份文件第 {number} 行读不懂（{exc}）") from None
            count += 1
            sha.update(_canonical(value))
            yield current, decoded
        finish()
        if next(tables, None) is not None:
            raise BackupError("备份文件里缺了清单上的表")

    return manifest, rows()


def verify(path: Path | str) -> Manifest:
    """Read the whole file and check every byte, row and checksum; returns its manifest."""
    manifest, rows = _records(Path(path))
    for _ in rows:
        pass
    return manifest


# ---- dump --------------------------------------------------------------------------
def dump(
    url: str,
    path: Path | str,
    *,
    tables: Sequence[str] = BACKUP_TABLES,
    clock: Callable[[], datetime] | None = None,
) -> Manifest:
    """Write a backup of ``tables`` (those the database has), all read in one snapshot."""
    path = Path(path)
    database = make_url(url).database
    if url.startswith("sqlite") and database and database != ":memory:" and not Path(database).exists():
        raise BackupError(f"没有这个数据库文件：{database}")  # SQLite would make an empty one
    engine = _engine(url)
    summaries = []
    try:
        with engine.connect() as connection, _spool(path) as body:
            if connection.dialect.name == "postgresql":
                connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with connection.begin():
                revision = _revision(connection)
                if revision is None:
                    raise BackupError(
                        f"{_shown(url)} 还没有迁移过（没有 alembic_version），先运行 python -m api.db.migrate"
                    )
                for name, table in _reflect(connection, tables).items():
                    columns = _columns(table)
                    body.write(_line({"table": name}))
                    count, sha = 0, hashlib.sha256()
                    for row in _rows(connection, table, columns):
                        body.write(_line(row))
                        sha.update(_canonical(row))
                        count += 1
                    summaries.append(TableSummary(name, columns, count, sha.hexdigest()))
            manifest = Manifest(
                revision=revision,
                created_at=(clock or (lambda: datetime.now(UTC)))().astimezone(UTC).isoformat(timespec="seconds"),
                source=connection.dialect.name,
                tables=tuple(summaries),
            )
            _write(path, manifest, body)
    except OSError as exc:
        raise BackupError(f"写不了 {path}：{exc.strerror or exc}") from None
    finally:
        engine.dispose()
    return manifest


def _spool(path: Path) -> IO[bytes]:
    # The rows wait in a temporary file beside the backup: the manifest, first, needs their checksums.
    return tempfile.TemporaryFile(dir=path.parent if path.parent.exists() else None)


# ---- restore -----------------------------------------------------------------------
def _known_revisions() -> list[str]:
    """The code's revisions, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def _non_empty(connection: Connection, tables: dict[str, Table]) -> dict[str, int]:
    counts = {name: connection.scalar(select(func.count()).select_from(t)) or 0 for name, t in tables.items()}
    return {name: count for name, count in counts.items() if count}


def _refuse_non_empty(found: dict[str, int], url: str) -> None:
    if found:
        listed = "，".join(f"{name} 有 {count} 行" for name, count in found.items())
        raise BackupError(
            f"{_shown(url)} 里已经有数据（{listed}）：恢复到空数据库，或者加 --replace 用备份替换这些表的全部内容"
        )


def _reset_sequences(connection: Connection, tables: Sequence[Table]) -> None:
    """PostgreSQL: each serial key's sequence after the restored ids, so new rows get fresh ones."""
    for table in tables:
        for column in table.primary_key.columns:
            if _kind(column) != "int":
                continue
            sequence = connection.scalar(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": connection.dialect.identifier_preparer.quote(table.name), "column": column.name},
            )
            if sequence:
                highest = connection.scalar(select(func.max(column)))
                connection.execute(
                    text("SELECT setval(:sequence, :value, :called)"),
                    {"sequence": sequence, "value": highest or 1, "called": highest is not None},
                )


def restore(
    url: str,
    path: Path | str,
    *,
    replace: bool = False,
    tables: Sequence[str] = BACKUP_TABLES,
) -> Manifest:
    """Put the backup at ``path`` into the database at ``url``: all of it, or nothing."""
    path = Path(path)
    manifest = verify(path)  # the whole file, before the target is touched
    known = _known_revisions()
    if manifest.revision not in known:
        raise BackupError(
            f"备份来自数据库版本 {manifest.revision}，比这份代码认识的最新版本 {known[-1]} 还新："
            "请用做备份的那一版（或更新的）代码恢复"
        )
    unexpected = [t.name for t in manifest.tables if t.name not in tables]
    if unexpected:
        raise BackupError(f"备份里有不该恢复的表：{'、'.join(unexpected)}")
    names = [t.name for t in manifest.tables]
    wanted = list(dict.fromkeys([*names, *tables]))

    engine = _engine(url, write=True)
    try:
        with engine.connect() as connection:
            target = _revision(connection)
            if target is not None and target not in known:
                raise BackupError(f"{_shown(url)} 的数据库版本 {target} 比这份代码还新，不能恢复到这里")
            if target is not None and known.index(target) > known.index(manifest.revision):
                raise BackupError(
                    f"{_shown(url)} 已经是数据库版本 {target}，比备份的 {manifest.revision} 新："
                    "请恢复到一个空数据库，之后启动 api 会把它升级"
                )
            if not replace:
                _refuse_non_empty(_non_empty(connection, _reflect(connection, wanted)), url)
            connection.rollback()

        upgrade(url, manifest.revision)

        with engine.begin() as connection:
            reflected = _reflect(connection, wanted)
            for summary in manifest.tables:
                table = reflected.get(summary.name)
                if table is None:
                    raise BackupError(f"迁移到版本 {manifest.revision} 后目标里没有表 {summary.name}")
                if set(_columns(table)) != set(summary.columns):
                    raise BackupError(f"目标里 {summary.name} 的列和备份里的不一样，不能恢复")
            if connection.dialect.name == "postgresql":
                # Writers wait until the restore commits; readers go on seeing the old rows meanwhile.
                quoted = ", ".join(connection.dialect.identifier_preparer.quote(n) for n in reflected)
                connection.execute(text(f"LOCK TABLE {quoted} IN EXCLUSIVE MODE"))
            seen = _highest_audit_id(connection, reflected)
            if replace:
                for table in reversed(reflected.values()):  # the tables that refer to others first
                    connection.execute(delete(table))
            else:  # written meanwhile?
                _refuse_non_empty(_non_empty(connection, reflected), url)

            _insert(connection, reflected, path, manifest)

            for summary in manifest.tables:
                rows, sha = _digest(connection, reflected[summary.name], summary.columns)
                if (rows, sha) != (summary.rows, summary.sha256):
                    raise BackupError(
                        f"恢复后 {summary.name} 的内容和备份不一致（{rows} 行，备份里 {summary.rows} 行）："
                        "已撤销，数据库没有改动"
                    )
            if seen:
                _raise_knowledge_revision(connection, reflected, seen, manifest)
            if connection.dialect.name == "postgresql":
                _reset_sequences(connection, [reflected[name] for name in names])
    except legacy_db.LegacySchemaError as exc:
        raise BackupError(str(exc)) from None
    finally:
        engine.dispose()
    return manifest


def _highest_audit_id(connection: Connection, reflected: dict[str, Table]) -> int:
    """The newest knowledge revision any running api process can have seen (0: no knowledge yet)."""
    audit = reflected.get(AUDIT_TABLE)
    return int(connection.scalar(select(func.max(audit.c.id))) or 0) if audit is not None else 0


def _raise_knowledge_revision(
    connection: Connection, reflected: dict[str, Table], seen: int, manifest: Manifest
) -> None:
    """An audit row of the restore, numbered above every revision seen before it.

    Running api processes reload the knowledge only when the store's revision (its newest
    publishing audit row) rises above the one they serve; the restored rows may stop below
    it, and those processes would serve the replaced knowledge until restarted.
    """
    audit = reflected[AUDIT_TABLE]
    restored = int(connection.scalar(select(func.max(audit.c.id))) or 0)
    connection.execute(
        audit.insert().values(
            id=max(seen, restored) + 1,
            at=datetime.now(UTC),
            actor="backup",
            action=RESTORE_ACTION,
            entry_key=None,
            version=None,
            note=f"从备份恢复（备份于 {manifest.created_at}）",
        )
    )


def _insert(connection: Connection, reflected: dict[str, Table], path: Path, manifest: Manifest) -> None:
    again, rows = _records(path)  # read a second time: the file is too big to keep, maybe
    if again != manifest:
        raise BackupError(f"{path} 在恢复过程中被改动了")
    batch: list[dict[str, Any]] = []
    current: TableSummary | None = None

    def flush() -> None:
        if batch and current is not None:
            connection.execute(reflected[current.name].insert(), batch)
            batch.clear()

    for summary, values in rows:
        if summary is not current:
            flush()
            current = summary
        table = reflected[summary.name]
        row = {}
        for (name, kind), value in zip(summary.columns, values, strict=True):
            column = table.c[name]
            if kind == "datetime" and value is not None and not getattr(column.type, "timezone", False):
                value = value.replace(tzinfo=None)  # a column without a zone holds UTC as it is
            row[name] = value
        batch.append(row)
        if len(batch) >= BATCH:
            flush()
    flush()


# ---- the command -------------------------------------------------------------------
def _summary(manifest: Manifest) -> str:
    return "\n".join(f"  {t.name}：{t.rows} 行" for t in manifest.tables)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m api.ops.backup", description="工友助手：备份和恢复知识库（全部版本、草稿、审计记录）和案件"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    url_help = "database URL (default: API_DATABASE_URL or the development SQLite)"
    dumping = commands.add_parser("dump", help="write a backup of the database to FILE")
    dumping.add_argument("file", type=Path)
    dumping.add_argument("--url", help=url_help)
    restoring = commands.add_parser("restore", help="restore the backup in FILE into the database")
    restoring.add_argument("file", type=Path)
    restoring.add_argument("--url", help=url_help)
    restoring.add_argument("--replace", action="store_true", help="replace what the backup's tables hold")
    checking = commands.add_parser("check", help="verify the backup in FILE (no database needed)")
    checking.add_argument("file", type=Path)
    args = parser.parse_args(argv)

    verb = {"dump": "备份", "restore": "恢复", "check": "检查"}[args.command]
    try:
        if args.command == "check":
            manifest = verify(args.file)
            print(f"{args.file} 完好：数据库版本 {manifest.revision}，{manifest.created_at} 备份\n{_summary(manifest)}")
            return 0
        url = args.url or ApiSettings().database_url
        if args.command == "dump":
            manifest = dump(url, args.file)
            print(f"已备份到 {args.file}（数据库版本 {manifest.revision}）：\n{_summary(manifest)}")
            return 0
        manifest = restore(url, args.file, replace=args.replace)
    except BackupError as exc:
        print(f"{verb}失败：{exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        print(f"{verb}失败，数据库出错：{first}", file=sys.stderr)
        return 1
    print(
        f"已从 {args.file} 恢复（{manifest.created_at} 的备份，数据库版本 {manifest.revision}）：\n{_summary(manifest)}"
    )
    head = _known_revisions()[-1]
    if manifest.revision != head:
        print(f"数据库现在是版本 {manifest.revision}；启动 api 或运行 python -m api.db.migrate 会升级到 {head}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
